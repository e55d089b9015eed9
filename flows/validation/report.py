"""The validation report (HTML): per file, rows read, kept and quarantined, and every
rule with its result. Row numbers are 0-based positions in the file; no ID values.

Published as ``validation_report.html`` beside the results (and written by
``mereffekt validate --report``). A person-facing page may replace it: this function is
the one place that renders it.
"""

from __future__ import annotations

import html

from flows.validation.outcomes import FileReport
from flows.validation.suites import SHARE_RULE

_HEAD = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'>"
    "<title>mereffekt input validation</title>"
    "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #bbb;padding:3px 8px;text-align:left}.failed{color:#a00}"
    ".passed{color:#070}.notrun{color:#777}</style></head><body>"
)
_COLUMNS = (
    "<table><tr><th>rule</th><th>expectation</th><th>column</th><th>action</th>"
    "<th>result</th><th>rows evaluated</th><th>unexpected</th><th>observed</th></tr>"
)


def render_report(reports: list[FileReport], *, status: str, max_share: float) -> str:
    """The whole report as one HTML document."""
    parts = [
        _HEAD,
        "<h1>mereffekt input validation</h1>",
        f"<p>Status: <b>{html.escape(status)}</b>. Maximum quarantined share per file: "
        f"{max_share:.1%}. Row numbers are 0-based positions in the file; no ID values "
        "are shown.</p>",
    ]
    for rep in reports:
        parts += _file_section(rep, max_share)
    parts.append("</body></html>")
    return "\n".join(parts)


def _file_section(rep: FileReport, max_share: float) -> list[str]:
    kept = rep.read - rep.quarantined
    parts = [
        f"<h2>{html.escape(rep.suite.file)}</h2><p>rows read {rep.read:,}, kept {kept:,}, "
        f"quarantined {rep.quarantined:,}; {rep.partitions} partition(s), "
        f"{rep.seconds:.1f} s</p>",
        _COLUMNS,
    ]
    for out in rep.outcomes.values():
        res = "not run" if not out.ran else ("passed" if out.success else "failed")
        observed = out.error or out.observed
        cells = (out.rule.rule, out.rule.type, out.rule.column, out.rule.action)
        parts.append(
            "<tr>"
            + "".join(f"<td>{html.escape(str(v))}</td>" for v in cells)
            + f"<td class='{res.replace(' ', '')}'>{res}</td><td>{out.evaluated:,}</td>"
            f"<td>{out.unexpected:,}</td><td>{html.escape(observed)}</td></tr>"
        )
    for xr in rep.suite.cross_file_rules:
        n = rep.cross_file.get(xr["rule"])
        res = "not run" if n is None else ("passed" if n == 0 else "failed")
        parts.append(
            f"<tr><td>{html.escape(xr['rule'])}</td><td>cross-file {xr.get('check', 'exists')} "
            f"(pandas)</td><td>{xr['column']}</td><td>{xr['action']}</td>"
            f"<td class='{res.replace(' ', '')}'>{res}</td><td></td>"
            f"<td>{'' if n is None else f'{n:,}'}</td><td></td></tr>"
        )
    if rep.share is not None:
        res = "passed" if rep.share <= max_share else "failed"
        parts.append(
            f"<tr><td>{SHARE_RULE}</td><td>quarantined share (pandas)</td><td></td>"
            f"<td>stop</td><td class='{res}'>{res}</td><td>{rep.read:,}</td>"
            f"<td>{rep.quarantined:,}</td><td>{rep.share:.2%}</td></tr>"
        )
    parts.append("</table>")
    return parts
