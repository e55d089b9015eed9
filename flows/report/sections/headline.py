"""Key findings in detail (one paragraph per offer, after the one-line summary) and the
caveat block; the price, the verdict and the extrapolation come from :mod:`..facts`."""

from __future__ import annotations

from html import escape

from flows.report import facts
from flows.report.cells import HEADLINE_OUTCOME, ReportData, flagged
from flows.report.sections.summary import price_text


def key_findings(r: ReportData, as_of: str) -> str:
    items = "".join(f"<p class='finding'>{_finding(r, o, as_of)}</p>" for o in r.offers)
    return f"<section id='findings'><h2>{escape(r.w.detail_title)}</h2>{items}</section>"


def caveat(r: ReportData) -> str:
    """The caveat block; its last point says how the value treats the months after the
    measured ones - the same rule as the method note (:func:`facts.extrapolation`)."""
    points = list(r.t.caveat_items[:-1]) + [_value_caveat(r)]
    items = "".join(f"<li>{escape(x)}</li>" for x in points)
    return f"<section class='caveat'><h3>{escape(r.t.caveat_title)}</h3><ul>{items}</ul></section>"


def _value_caveat(r: ReportData) -> str:
    ext = facts.extrapolation(r)
    if ext is None:
        return r.w.caveat_value_base
    return r.w.caveat_extrapolation[ext.rule].format(
        k=ext.last_months, h=f"{ext.half_life_months:g}"
    )


def _finding(r: ReportData, o: str, as_of: str) -> str:
    e = facts.effect(r, o)
    if e is None or not e.complete:
        return _no_estimate(r, o)
    text = _effect_sentence(r, o, e) + " " + _basis_sentence(r, o, as_of)
    if r.value("portfolio", o, "net_value_per_participant_dkk") is not None:
        text += " " + _value_sentence(r, o)
    if r.row("portfolio", o) is not None:
        text += " " + _price_sentence(r, o)
    return text.replace(".</span>.", ".</span>")  # "552.000 kr.." -> "kr."


def _price_sentence(r: ReportData, o: str) -> str:
    p, reason = facts.price(r, o)
    if p is None and reason not in ("hidden", "undefined"):
        return r.w.price_cannot_sentence.format(reason=escape(r.w.price_reasons[reason or ""]))
    return r.w.price_sentence.format(price=price_text(r, o, inline=True))


def _no_estimate(r: ReportData, o: str) -> str:
    status, effect = r.row("matching", o), r.row("effects", o)
    source = effect if effect is not None else status
    if source is not None and flagged(source):  # hidden, not missing
        return r.t.suppressed_sentence.format(name=r.name(o), k=r.k)
    code = "" if status is None else str(status.get("status", ""))
    reason = r.w.no_estimate_reasons.get(code, r.w.no_estimate_reasons["other"])
    return r.t.no_estimate_sentence.format(name=r.name(o), reason=escape(reason))


def _effect_sentence(r: ReportData, o: str, e: facts.Interval) -> str:
    t, s = r.t, r.s
    outcome = t.outcome_adjectives[HEADLINE_OUTCOME]
    lo, hi = e.low or 0.0, e.high or 0.0
    lo_c = facts.tagged(s.pp(lo), lo, f"effects|{o}|ci_low")
    hi_c = facts.tagged(s.pp(hi), hi, f"effects|{o}|ci_high")
    if lo > 0:
        rng = t.range_more.format(lo=lo_c, hi=hi_c, outcome=outcome)
    elif hi < 0:
        rng = t.range_less.format(lo=s.pp(-hi), hi=s.pp(-lo), outcome=outcome)
    else:
        rng = t.range_mixed.format(lo=s.pp(-lo), hi=hi_c, outcome=outcome)
    verdict = {
        "clear": t.verdict_clear,
        "borderline": r.w.verdict_borderline.format(n=r.s.number(len(r.offers))),
        "unclear": t.verdict_unclear,
    }[r.verdict(o)]
    return t.headline_sentence.format(
        name=r.name(o), range=rng, window=r.window_text(), verdict=verdict
    )


def _basis_sentence(r: ReportData, o: str, as_of: str) -> str:
    return r.t.basis_sentence.format(
        participants=r.cell("effects", o, "n_treated", "count"),
        period=r.t.period_until.format(as_of=r.s.month(as_of)),
        controls=r.cell("matching", o, "n_controls", "count"),
        follow_up=r.s.number(r.follow_up(o)),
    )


def _value_sentence(r: ReportData, o: str) -> str:
    s = r.s
    return r.t.value_sentence.format(
        horizon=s.number(r.value("portfolio", o, "horizon_months")),
        net=r.cell("portfolio", o, "net_value_per_participant_dkk", "money"),
        net_lo=s.money(r.value("portfolio", o, "net_value_ci_low")),
        net_hi=s.money(r.value("portfolio", o, "net_value_ci_high")),
        total=r.cell("value", o, "total_net_value", "money"),
        cost=s.money(r.value("portfolio", o, "cost_per_participant_dkk")),
    )
