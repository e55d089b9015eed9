"""The overview table: one row per offer."""

from __future__ import annotations

from html import escape

from flows.report import facts
from flows.report.cells import ReportData
from flows.report.sections.summary import price_text

TEXT_COLUMNS = (0,)  # the offer's name: left-aligned


def overview(r: ReportData) -> str:
    t = r.t
    level = r.value("effects", r.offers[0], "level") if r.offers else None
    head = [
        t.col_offer,
        t.col_participants_compared,
        t.col_controls,
        t.col_effect.format(level=r.s.number((level or 0.95) * 100)),
        t.col_net_pp,
        t.col_net_total,
        t.col_price_job,
    ]
    rows = "".join(
        "<tr>" + "".join(f"<td{_align(i)}>{c}</td>" for i, c in enumerate(_cells(r, o))) + "</tr>"
        for o in r.offers
    )
    ths = "".join(f"<th{_align(i)}>{escape(h)}</th>" for i, h in enumerate(head))
    return (
        f"<section id='overview'><h2>{escape(t.overview)}</h2>"
        f"<table class='overview'><thead><tr>{ths}</tr></thead><tbody>{rows}</tbody></table>"
        f"<p class='sub'>{escape(t.suppressed_note.format(k=r.k))} "
        f"{escape(t.not_defined_note)}</p></section>"
    )


def _align(i: int) -> str:
    return "" if i in TEXT_COLUMNS else " class=num"


def _cells(r: ReportData, o: str) -> list[str]:
    """The offer's row; the effect's interval on its own line and the price by the same
    rule as everywhere else (:func:`~flows.report.sections.summary.price_text`), so the
    table fits the page even when an offer has no estimate."""
    t = r.t
    if facts.effect(r, o) is None:
        effect = escape(r.w.verdicts[facts.verdict(r, o)])
    else:
        lo, hi = r.cell("effects", o, "ci_low", "pp"), r.cell("effects", o, "ci_high", "pp")
        effect = (
            f"{r.cell('effects', o, 'estimate', 'pp')}<br>"
            f"<small>({t.interval.format(lo=lo, hi=hi)})</small>"
        )
    return [
        r.name(o),
        r.cell("matching", o, "n_matched", "count"),
        r.cell("matching", o, "n_controls", "count"),
        effect,
        r.cell("portfolio", o, "net_value_per_participant_dkk", "money"),
        r.cell("value", o, "total_net_value", "money"),
        price_text(r, o),
    ]
