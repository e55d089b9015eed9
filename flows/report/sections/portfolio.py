"""The tilbudsvifte: price per extra self-sufficient citizen against effect, both with
their intervals, bubbles by participants, quadrant lines at the configured targets (the
medians of the offers shown only as a fallback, and the note says so)."""

from __future__ import annotations

import statistics
from html import escape

from flows.report import facts
from flows.report.cells import ReportData
from flows.report.vifte import Bubble, Labels, vifte


def portfolio(r: ReportData) -> str:
    w = r.w
    bubbles, missing = _bubbles(r)
    svg, note = "", ""
    if bubbles:
        price, effect, configured = targets(r, bubbles)
        svg = vifte(
            bubbles,
            target_price=price,
            target_effect=effect,
            labels=Labels(
                w.vifte_title, w.vifte_x, w.vifte_y, w.vifte_apart, w.vifte_size, w.quadrants
            ),
            fmt_x=r.s.money,
            fmt_y=lambda v: r.s.number(v, 0),
            fmt_n=lambda v: r.s.number(v, 0),
        )
        lines = w.vifte_lines_config if configured else w.vifte_lines_median
        note = lines.format(price=r.s.money(price), effect=r.s.number(effect, 1))
        apart = [b.name for b in bubbles if b.price is None]
        if apart:
            note += " " + w.vifte_apart_note.format(names=", ".join(apart))
    if missing:
        note += " " + r.t.portfolio_missing.format(names=", ".join(missing))
    return (
        f"<section id='portfolio'><h2>{escape(r.t.portfolio_title)}</h2>"
        f"<p>{escape(w.vifte_intro)}</p>{svg}"
        f"<p class='vifte-note' data-lines='{'config' if bubbles and configured else 'median'}'>"
        f"{escape(note.strip())}</p></section>"
    )


def _bubbles(r: ReportData) -> tuple[list[Bubble], list[str]]:
    """Offers with an effect to draw, and the names of those without one."""
    shown, missing = [], []
    for o in r.offers:
        name = str(r.names.get(o, o))
        eff = [r.value("portfolio", o, c) for c in ("effect", "effect_ci_low", "effect_ci_high")]
        if eff[0] is None:
            missing.append(name)
            continue
        p, _ = facts.price(r, o)
        stars = r.value("portfolio", o, "evidence_stars")
        pp = [None if v is None else v * 100 for v in eff]
        shown.append(
            Bubble(
                o,
                name,
                int(stars or 0),
                r.value("portfolio", o, "participants"),
                pp[0],  # type: ignore[arg-type]
                pp[1],
                pp[2],
                *((p.value, p.low, p.high) if p is not None else (None, None, None)),
            )
        )
    return shown, missing


def targets(r: ReportData, bubbles: list[Bubble]) -> tuple[float, float, bool]:
    """The quadrant lines: the configured targets (price in DKK, effect in pp), or the
    medians of the offers shown when a target is not set; True when both are configured."""
    st = r.settings
    prices = [b.price for b in bubbles if b.price is not None]
    price = st.target_price_per_job_dkk
    effect = st.target_effect_pp
    configured = price is not None and effect is not None
    if price is None:
        price = statistics.median(prices) if prices else 0.0
    if effect is None:
        effect = statistics.median(b.effect for b in bubbles)
    return float(price), float(effect), configured
