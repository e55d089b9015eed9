"""In brief: one line per offer - verdict, effect with interval in percentage points,
price per extra self-sufficient citizen with interval (or why it cannot be computed) and
the on-track light - before any detail. Every number is tagged with its Parquet source."""

from __future__ import annotations

from html import escape

from evaluation.texts import DASH
from flows.report import facts
from flows.report.cells import ReportData
from flows.report.sections.on_track import light


def summary(r: ReportData) -> str:
    w, t = r.w, r.t
    head = (t.col_offer, w.col_verdict, w.col_effect, w.col_price, w.status_word)
    ths = "".join(f"<th>{escape(h)}</th>" for h in head)
    rows = "".join(_line(r, o) for o in r.offers)
    intro = w.summary_intro.format(window=r.window_text())
    return (
        f"<section id='summary'><h2>{escape(w.summary_title)}</h2><p>{escape(intro)}</p>"
        f"<table class='summary'><thead><tr>{ths}</tr></thead><tbody>{rows}</tbody></table>"
        "</section>"
    )


def _line(r: ReportData, o: str) -> str:
    v = facts.verdict(r, o)
    st = facts.status(r, o)
    label = DASH if st.status == "suppressed" else r.t.status_labels.get(st.status, st.status)
    return (
        f"<tr data-offer='{escape(o)}' data-verdict='{v}'><td><strong>{r.name(o)}</strong></td>"
        f"<td>{escape(r.w.verdicts[v])}</td><td class=num>{effect_text(r, o)}</td>"
        f"<td class=num>{price_text(r, o)}</td>"
        f"<td class='status' data-status='{escape(st.status)}'>{light(st.status)}"
        f"{escape(label)}</td></tr>"
    )


def effect_text(r: ReportData, o: str) -> str:
    """ "8,3 pp (4,6 til 12,0)" with its sources; "–" without an estimate."""
    e = facts.effect(r, o)
    if e is None:
        return DASH
    src = f"effects|{o}|"
    parts = {
        k: facts.tagged(r.s.pp(v), v, src + c)
        for k, v, c in (
            ("est", e.value, "estimate"),
            ("lo", e.low, "ci_low"),
            ("hi", e.high, "ci_high"),
        )
    }
    return two_lines(r.w.effect_line.format(**parts), r.t.interval.format(**parts))


def price_text(r: ReportData, o: str, *, inline: bool = False) -> str:
    """The price with its interval (on the line below unless ``inline``), or "kan ikke
    beregnes: <reason>"."""
    p, reason = facts.price(r, o)
    if p is None:
        if reason == "hidden":
            return DASH
        if reason == "undefined":  # blank in a row that was not suppressed
            cannot = r.t.not_defined
        else:
            cannot = r.w.price_cannot.format(reason=r.w.price_reasons[reason or "no_effect"])
        return f"<span class='cannot' data-price-reason='{reason}'>{escape(cannot)}</span>"
    src = f"portfolio|{o}|"
    parts = {
        k: facts.tagged(r.s.money(v), v, src + c)
        for k, v, c in zip(
            ("price", "lo", "hi"), (p.value, p.low, p.high), facts.PRICE_COLUMNS, strict=True
        )
    }
    interval = r.t.interval.format(**parts)
    return f"{parts['price']} ({interval})" if inline else two_lines(parts["price"], interval)


def two_lines(number: str, interval: str) -> str:
    """A number with its interval on the line below ("(4,6 til 12,0)"), so a table cell
    stays narrow."""
    return f"<span class=nowrap>{number}</span><br><small class=nowrap>({interval})</small>"
