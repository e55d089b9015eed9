"""The evaluation report: one self-contained HTML page from a month's published tables.

:func:`render_report` assembles the page from its sections (:mod:`flows.report.sections`,
one module each) over :class:`~flows.report.cells.ReportData`, which reads only the
small-cell suppressed tables the run publishes; the words come from the text catalogue
(:mod:`evaluation.texts`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from html import escape
from pathlib import Path

import pandas as pd

from evaluation.texts import DASH, STYLES, TEXTS, Lang
from flows.report.cells import ReportData
from flows.report.sections.forest import forest
from flows.report.sections.headline import caveat, key_findings
from flows.report.sections.method import method_notes
from flows.report.sections.offer import offer_section
from flows.report.sections.on_track import on_track
from flows.report.sections.overview import overview
from flows.report.sections.portfolio import portfolio
from flows.report.sections.subgroups import subgroups


def load_tables(month_dir: Path) -> dict[str, pd.DataFrame]:
    """Every Parquet table of a published month folder, keyed by file stem."""
    return {p.stem: pd.read_parquet(p) for p in sorted(Path(month_dir).glob("*.parquet"))}


def render_report(
    tables: Mapping[str, pd.DataFrame],
    *,
    as_of: str,
    lang: Lang = "da",
    run_id: str | None = None,
    min_cell_size: int = 5,
    headline_window: tuple[int, int] = (0, 11),
    smd_threshold: float = 0.1,
    allow_small_cells: bool = False,
) -> str:
    """The report as a complete HTML document (Danish by default, ``lang="en"``); with
    ``allow_small_cells`` the suppression note says that small cells are allowed."""
    if lang not in TEXTS:
        raise ValueError(f"lang must be one of {sorted(TEXTS)}, not {lang!r}")
    t = TEXTS[lang]
    if allow_small_cells:
        t = dataclasses.replace(t, suppressed_note=f"{t.suppressed_note} {t.small_cells_note}")
    r = ReportData(tables, t, STYLES[lang], lang, min_cell_size, headline_window)
    subtitle = r.t.subtitle.format(as_of=r.s.month(as_of), run_id=run_id or DASH)
    body = [
        f"<header><h1>{escape(r.t.title)}</h1><p class='sub'>{escape(subtitle)}</p></header>",
        key_findings(r, as_of),
        caveat(r),
        overview(r),
        forest(r),
        portfolio(r),
        on_track(r),
        *[offer_section(r, o, smd_threshold) for o in r.offers],
        subgroups(r),
        method_notes(r),
        f"<footer>{escape(r.t.generated_by)}</footer>",
    ]
    return _page(r.t.title, lang, "\n".join(body))


def _page(title: str, lang: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{CSS}</style></head>
<body><main>
{body}
</main></body></html>
"""


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#222;
margin:0;background:#fafafa;line-height:1.45}
main{max-width:960px;margin:0 auto;padding:24px;background:#fff}
h1{font-size:1.8em;margin:0}h2{border-bottom:2px solid #1f5f99;padding-bottom:4px;margin-top:2em}
.sub{color:#555;margin-top:4px}
table{border-collapse:collapse;width:100%;font-size:.92em;margin:8px 0}
th,td{border-bottom:1px solid #ddd;padding:5px 6px;text-align:left;vertical-align:top}
td.num{text-align:right;white-space:nowrap}th.num{text-align:right}
thead th{font-weight:600;font-size:.9em}
.finding{margin:.6em 0}.caveat{background:#f4f6f8;border-left:4px solid #1f5f99;padding:8px 16px}
.light{display:inline-block;width:14px;height:14px;border-radius:50%;margin-right:6px;
vertical-align:-2px}
.chart{width:100%;height:auto;max-width:760px;display:block;margin:8px 0}
.chart .tick{font-size:11px;fill:#444}.chart .axis{font-size:12px;fill:#222}
.chart .quadrant{font-size:11px;fill:#999;font-style:italic}
figcaption{font-size:.88em;color:#555}
.facts li{margin:2px 0}.warn{color:#c62828}td.status{white-space:nowrap}
table.payers{max-width:560px}
footer{margin-top:2em;font-size:.85em;color:#666}
@media print{@page{size:A4;margin:15mm}body{background:#fff;font-size:10.5pt}
main{max-width:none;padding:0}figure,tr,.finding,.caveat,#forest,#portfolio{break-inside:avoid}
h2,h3{break-after:avoid}section.offer{break-before:page}.chart{max-width:100%}}
"""
