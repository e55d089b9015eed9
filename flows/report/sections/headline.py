"""Key findings (one paragraph per offer) and the caveat block."""

from __future__ import annotations

from html import escape

from flows.report.cells import HEADLINE_OUTCOME, ReportData, flagged


def key_findings(r: ReportData, as_of: str) -> str:
    items = "".join(f"<p class='finding'>{_finding(r, o, as_of)}</p>" for o in r.offers)
    return f"<section id='findings'><h2>{escape(r.t.key_findings)}</h2>{items}</section>"


def caveat(r: ReportData) -> str:
    items = "".join(f"<li>{escape(x)}</li>" for x in r.t.caveat_items)
    return f"<section class='caveat'><h3>{escape(r.t.caveat_title)}</h3><ul>{items}</ul></section>"


def _finding(r: ReportData, o: str, as_of: str) -> str:
    est, lo, hi = (r.value("effects", o, c) for c in ("estimate", "ci_low", "ci_high"))
    if r.row("effects", o) is None or est is None or lo is None or hi is None:
        return _no_estimate(r, o)
    text = _effect_sentence(r, o, lo, hi) + " " + _basis_sentence(r, o, as_of)
    net = r.value("portfolio", o, "net_value_per_participant_dkk")
    if net is not None:
        text += " " + _value_sentence(r, o)
    if r.value("portfolio", o, "price_per_extra_self_sufficient_dkk") is not None:
        text += " " + r.t.price_sentence.format(
            price=r.cell("portfolio", o, "price_per_extra_self_sufficient_dkk", "money")
        )
    elif net is not None:
        text += " " + r.t.price_not_defined
    return text.replace(".</span>.", ".</span>")  # "552.000 kr.." -> "kr."


def _no_estimate(r: ReportData, o: str) -> str:
    status, effect = r.row("matching", o), r.row("effects", o)
    source = effect if effect is not None else status
    if source is not None and flagged(source):  # hidden, not missing
        return r.t.suppressed_sentence.format(name=r.name(o), k=r.k)
    reason = "" if status is None else str(status.get("status", ""))
    return r.t.no_estimate_sentence.format(name=r.name(o), reason=escape(reason))


def _effect_sentence(r: ReportData, o: str, lo: float, hi: float) -> str:
    t, s = r.t, r.s
    outcome = t.outcome_adjectives[HEADLINE_OUTCOME]
    lo_c = r.cell("effects", o, "ci_low", "pp")
    hi_c = r.cell("effects", o, "ci_high", "pp")
    if lo > 0:
        rng = t.range_more.format(lo=lo_c, hi=hi_c, outcome=outcome)
    elif hi < 0:
        rng = t.range_less.format(lo=s.pp(-hi), hi=s.pp(-lo), outcome=outcome)
    else:
        rng = t.range_mixed.format(lo=s.pp(-lo), hi=hi_c, outcome=outcome)
    verdict = {
        "clear": t.verdict_clear,
        "borderline": t.verdict_borderline,
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
