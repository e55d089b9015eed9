"""The suppression note: how many published rows have blanked numbers, by table."""

from __future__ import annotations

from flows.report.cells import ReportData


def suppressed_count(r: ReportData) -> str:
    counts = {}
    for name, frame in r.tables.items():
        if not len(frame) or "suppressed" not in frame:
            continue
        n = int(frame["suppressed"].fillna(False).astype(bool).sum())
        if n:
            counts[r.t.table_names.get(name, name)] = n
    if not counts:
        return r.t.suppressed_none
    tables = ", ".join(f"{k}: {r.s.number(v)}" for k, v in counts.items())
    return r.t.suppressed_count.format(n=r.s.number(sum(counts.values())), tables=tables)
