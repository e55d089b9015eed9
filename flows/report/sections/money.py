"""Money with its basis: the banner when the price catalogue is illustrative; per offer
the cost, the price per extra self-sufficient citizen (only where the effect is clearly
positive), the results-based payment owed with its interval, enrolment against the plan
and dropouts; and the value's sensitivity to the valuation's assumptions."""

from __future__ import annotations

from html import escape

from evaluation.texts import DASH
from flows.report import facts
from flows.report.cells import VALUE_SCENARIO, ReportData, num
from flows.report.sections.summary import price_text, two_lines


def banner(r: ReportData) -> str:
    """The illustrative-prices banner ("" when the catalogue is the municipality's own)."""
    if not r.settings.prices_illustrative:
        return ""
    return f"<p class='banner' role='note'>{escape(r.w.illustrative_banner)}</p>"


def money(r: ReportData) -> str:
    w, t = r.w, r.t
    head = (t.col_offer, t.col_cost, w.col_price, w.col_payment, w.col_enrolment, w.col_dropouts)
    ths = "".join(
        f"<th{'' if i == 0 else ' class=num'}>{escape(h)}</th>" for i, h in enumerate(head)
    )
    rows = "".join(_row(r, o) for o in r.offers)
    return (
        f"<section id='money'><h2>{escape(w.money_title)}</h2>{banner(r)}"
        f"<p>{escape(w.money_intro)}</p><table class='money'><thead><tr>{ths}</tr></thead>"
        f"<tbody>{rows}</tbody></table>{sensitivity(r)}</section>"
    )


def _row(r: ReportData, o: str) -> str:
    cells = [
        r.cell("portfolio", o, "cost_per_participant_dkk", "money"),
        price_text(r, o),
        payment_text(r, o),
        enrolment_text(r, o),
        dropouts_text(r, o),
    ]
    tds = "".join(f"<td class=num>{c}</td>" for c in cells)
    return f"<tr data-offer='{escape(o)}'><td>{r.name(o)}</td>{tds}</tr>"


def payment_text(r: ReportData, o: str) -> str:
    p = facts.payment(r, o)
    if p is None:
        return escape(r.w.no_terms)
    src = f"value|{o}|payment_owed|kommune|{VALUE_SCENARIO}|"
    parts = {
        k: facts.tagged(r.s.money(v), v, src + c)
        for k, v, c in (
            ("owed", p.value, "value"),
            ("lo", p.low, "ci_low"),
            ("hi", p.high, "ci_high"),
        )
    }
    return two_lines(parts["owed"], r.t.interval.format(lo=parts["lo"], hi=parts["hi"]))


def enrolment_text(r: ReportData, o: str) -> str:
    n = r.indicator(o, "enrolment_total", "value")
    planned = r.indicator(o, "enrolment_total", "planned")
    src = f"indicators|{o}|enrolment_total|"
    return (
        "<span class=nowrap>"
        + r.w.enrolment_cell.format(
            enrolled=facts.tagged(r.s.number(n), n, src + "value"),
            planned=facts.tagged(r.s.number(planned), planned, src + "planned"),
        )
        + "</span>"
    )


def dropouts_text(r: ReportData, o: str) -> str:
    n, share = r.indicator(o, "dropouts"), r.indicator(o, "dropout_share")
    return (
        "<span class=nowrap>"
        + r.w.dropouts_cell.format(
            n=facts.tagged(r.s.number(n), n, f"indicators|{o}|dropouts|value"),
            share=facts.tagged(r.s.pct(share), share, f"indicators|{o}|dropout_share|value"),
        )
        + "</span>"
    )


def sensitivity(r: ReportData) -> str:
    """Net value per participant (all payers) under each published scenario, one column
    per offer; "" when the value table has no scenarios."""
    v = r.tables["value"]
    if not len(v):
        return ""
    present = set(v["scenario"].dropna().astype(str))
    scenarios = [s for s in r.w.scenarios if s in present]
    if len(scenarios) < 2:
        return ""
    ths = "".join(f"<th class=num>{r.name(o)}</th>" for o in r.offers)
    rows = "".join(
        f"<tr data-scenario='{sc}'><td>{escape(r.w.scenarios[sc])}</td>"
        + "".join(f"<td class=num>{_net(r, o, sc)}</td>" for o in r.offers)
        + "</tr>"
        for sc in scenarios
    )
    return (
        f"<h3>{escape(r.w.sens_title)}</h3><p>{escape(r.w.sens_intro)}</p>"
        f"<table class='sensitivity'><thead><tr><th>{escape(r.w.sens_col_scenario)} "
        f"({escape(r.w.sens_col_net.lower())})</th>{ths}</tr></thead><tbody>{rows}</tbody>"
        "</table>"
    )


def _net(r: ReportData, o: str, scenario: str) -> str:
    v = r.tables["value"]
    hit = v[
        (v["offer_id"] == o)
        & (v["measure"] == "net_value_per_participant")
        & (v["payer"] == "all")
        & (v["scenario"] == scenario)
    ]
    x = num(hit["value"].iloc[0]) if len(hit) else None
    if not len(hit):
        return DASH
    src = f"value|{o}|net_value_per_participant|all|{scenario}|value"
    return facts.tagged(r.s.money(x), x, src)
