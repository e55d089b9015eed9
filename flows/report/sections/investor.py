"""The investor's view of each offer's results contract (``contract.parquet``,
:mod:`evaluation.monetise.contract`): outlay, payments, multiple and internal rate of
return at the measured effect, the probability that the investor loses money and that
the municipality pays more than it saves."""

from __future__ import annotations

from html import escape

import pandas as pd

from flows.report.cells import ReportData, num

WORDS = {
    "da": {
        "title": "Investorens afkast og risiko",
        "intro": (
            "Investoren forudbetaler tilbuddets pris, når deltagerne starter; kommunen "
            "betaler resultatbetaling, efterhånden som effekten opnås (betalingsvilkårene i "
            "konfigurationen). Tallene er ved den målte effekt; sandsynlighederne regner "
            "med usikkerheden på effekten."
        ),
        "rows": {
            "investor_outlay_dkk": "Investors udlæg",
            "payments_dkk": "Resultatbetaling i alt",
            "investor_multiple": "Investors multiplum (betaling / udlæg)",
            "investor_irr_annual": "Investors interne rente pr. år",
            "municipality_net_dkk": "Kommunens netto (besparelse minus betaling)",
            "prob_investor_loss": "Sandsynlighed for, at investoren taber penge",
            "prob_municipality_pays_more": (
                "Sandsynlighed for, at kommunen betaler mere, end den sparer"
            ),
        },
        "col": ("Tilbud", "Størrelse", "Ved målt effekt", "Interval"),
        "none": "Ingen tilbud har betalingsvilkår (payment_terms) i konfigurationen.",
    },
    "en": {
        "title": "The investor's return and risk",
        "intro": (
            "The investor pre-finances the offer's cost as participants start; the "
            "municipality pays outcome payments as the effect accrues (the payment terms in "
            "the config). Figures are at the measured effect; the probabilities take the "
            "effect's uncertainty into account."
        ),
        "rows": {
            "investor_outlay_dkk": "Investor's outlay",
            "payments_dkk": "Outcome payments in all",
            "investor_multiple": "Investor's multiple (payments / outlay)",
            "investor_irr_annual": "Investor's internal rate of return per year",
            "municipality_net_dkk": "Municipality's net (savings minus payments)",
            "prob_investor_loss": "Probability that the investor loses money",
            "prob_municipality_pays_more": (
                "Probability that the municipality pays more than it saves"
            ),
        },
        "col": ("Offer", "Quantity", "At the measured effect", "Interval"),
        "none": "No offer has payment terms (payment_terms) in the config.",
    },
}


def investor(r: ReportData) -> str:
    w = WORDS[r.lang]
    c = r.tables.get("contract")
    if c is None or not len(c):
        body = f"<p>{escape(w['none'])}</p>"
    else:
        summary = c[c["month"].isna()]
        lines = [_row(r, row, w) for _, row in summary.iterrows() if row["quantity"] in w["rows"]]
        head = "".join(f"<th>{escape(h)}</th>" for h in w["col"])
        body = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"
    return (
        f"<section id='investor'><h2>{escape(w['title'])}</h2>"
        f"<p>{escape(w['intro'])}</p>{body}</section>"
    )


def _row(r: ReportData, row: pd.Series, w: dict) -> str:
    offer = str(row["offer_id"])
    q = str(row["quantity"])
    fmt = lambda v: _fmt(r, q, v)  # noqa: E731
    lo, hi = num(row["ci_low"]), num(row["ci_high"])
    interval = "" if lo is None or hi is None else f"{fmt(lo)} – {fmt(hi)}"
    cells = (str(r.names.get(offer, offer)), w["rows"][q], fmt(num(row["value"])), interval)
    key = f"contract.{escape(offer)}.{q}"
    tds = "".join(f"<td>{escape(x)}</td>" for x in cells[:2])
    tds += f'<td data-cell="{key}">{escape(cells[2])}</td><td>{escape(cells[3])}</td>'
    return f"<tr>{tds}</tr>"


def _fmt(r: ReportData, quantity: str, v: float | None) -> str:
    if quantity.endswith("_dkk"):
        return r.s.money(v)
    if quantity.startswith("prob_") or quantity.startswith("investor_irr"):
        return r.s.percent(v, 1)
    return r.s.number(v, 2)
