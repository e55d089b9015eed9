"""The offer portfolio: cost per participant against effect, bubbles by participants."""

from __future__ import annotations

from html import escape

from flows.report import plots
from flows.report.cells import ReportData


def portfolio(r: ReportData) -> str:
    t, shown, missing = r.t, [], []
    for o in r.offers:
        cost = r.value("portfolio", o, "cost_per_participant_dkk")
        eff = r.value("portfolio", o, "effect")
        if cost is None or eff is None:
            missing.append(str(r.names.get(o, o)))
        else:
            stars = r.value("portfolio", o, "evidence_stars")
            n = r.value("portfolio", o, "participants")
            shown.append((str(r.names.get(o, o)), cost, eff * 100, n, int(stars or 0)))
    svg = ""
    if shown:
        names, cost, eff, n, stars = (list(x) for x in zip(*shown, strict=True))
        svg = plots.portfolio(
            names,
            cost,
            eff,
            n,
            stars,
            title=t.portfolio_title,
            x_label=t.portfolio_x,
            y_label=t.portfolio_y,
            quadrants=t.quadrants,
            fmt_x=r.s.money,
            fmt_y=lambda v: r.s.number(v, 0),
        )
    note = (
        f"<p>{escape(t.portfolio_missing.format(names=', '.join(missing)))}</p>" if missing else ""
    )
    return (
        f"<section id='portfolio'><h2>{escape(t.portfolio_title)}</h2>"
        f"<p>{escape(t.portfolio_intro)}</p>{svg}{note}</section>"
    )
