"""The forest plot: every offer's headline effect with its interval."""

from __future__ import annotations

from html import escape

from flows.report import plots
from flows.report.cells import ReportData


def forest(r: ReportData) -> str:
    names = [str(r.names.get(o, o)) for o in r.offers]
    get = [[r.value("effects", o, c) for o in r.offers] for c in ("estimate", "ci_low", "ci_high")]
    pct = [[None if v is None else v * 100 for v in col] for col in get]
    svg = plots.forest(
        names,
        *pct,
        title=r.t.forest_title,
        x_label=r.t.forest_axis,
        fmt_x=lambda v: r.s.number(v, 0),
    )
    return f"<section id='forest'><h2>{escape(r.t.forest_title)}</h2>{svg}</section>"
