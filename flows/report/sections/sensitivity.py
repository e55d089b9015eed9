"""How robust is each offer's headline effect: a short paragraph per offer from the
published (suppressed) ``sensitivity`` table, in Danish or English.

Per offer: the breakdown value M̄ of the relative-magnitudes bound (parallel trends),
the E-value sentence of the issue ("En skjult faktor skulle gøre deltagelse X gange mere
sandsynlig og selvforsørgelse Y gange mere sandsynlig for at forklare effekten væk.",
X = Y = the E-value: the symmetric point of VanderWeele & Ding's bound) and Rosenbaum's Γ.
Every number is read from one row of the table (``quantity`` breakdown_Mbar, e_value,
gamma) and written with two decimals; a blanked row gives the hidden sentence.

The words live here (not in :mod:`evaluation.texts`) so that this section can be added
or changed without touching the catalogue other sections share.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from flows.report.cells import ReportData, flagged, num

WORDS: dict[str, dict[str, str]] = {
    "da": {
        "title": "Hvor robust er effekten?",
        "intro": "Hovedeffekten ({target}) over for brud på designets antagelser. Alle tal står "
        "i sensitivity.parquet og på arket Følsomhed i resultater.xlsx.",
        "trends": "Parallelle tendenser: effekten er klar, så længe forskellen i udvikling "
        "efter start fra måned til måned højst ændrer sig {mbar} gange så meget som den "
        "største ændring i placebomånederne før start (nedbrydningsværdi M̄ = {mbar}).",
        "trends_zero": "Parallelle tendenser: effekten er ikke klar, selv uden brud på "
        "parallelle tendenser (nedbrydningsværdi M̄ = 0).",
        "trends_inf": "Parallelle tendenser: effekten er klar i hele det undersøgte område "
        "(M̄ op til 10).",
        "more": "mere",
        "less": "mindre",
        "e_value": "En skjult faktor skulle gøre deltagelse {x} gange mere sandsynlig og "
        "{outcome} {y} gange {direction} sandsynlig for at forklare effekten væk.",
        "e_value_point": "Effekten er ikke statistisk klar, så der skal ingen skjult faktor "
        "til for at gøre den uklar. For at flytte selve punktestimatet til nul skulle en skjult "
        "faktor gøre deltagelse {x} gange mere sandsynlig og {outcome} {y} gange {direction} "
        "sandsynlig.",
        "gamma": "Rosenbaums Γ = {gamma}: inden for et matchet sæt skulle oddsene for at "
        "starte kunne være {gamma} gange større for den ene end for den anden, før effekten "
        "ikke længere er klar.",
        "gamma_one": "Rosenbaums Γ = 1: effekten er ikke klar, selv uden skjulte forskelle.",
        "hidden": "Tallene er skjult for at beskytte små grupper.",
        "none": "Ingen følsomhedsanalyse (intet estimat).",
    },
    "en": {
        "title": "How robust is the effect?",
        "intro": "The headline effect ({target}) against violations of the design's "
        "assumptions. Every number is in sensitivity.parquet and on the Sensitivity sheet "
        "of the workbook.",
        "trends": "Parallel trends: the effect stays clear as long as the month-to-month "
        "change in the groups' difference after the start is at most {mbar} times the "
        "largest change in the placebo months before the start (breakdown value "
        "M̄ = {mbar}).",
        "trends_zero": "Parallel trends: the effect is not clear even without violations "
        "of parallel trends (breakdown value M̄ = 0).",
        "trends_inf": "Parallel trends: the effect stays clear over the whole range "
        "searched (M̄ up to 10).",
        "more": "more",
        "less": "less",
        "e_value": "A hidden factor would have to make participation {x} times more likely "
        "and {outcome} {y} times {direction} likely to explain the effect away.",
        "e_value_point": "The effect is not statistically clear, so no hidden factor is "
        "needed to make it unclear. To move the point estimate itself to zero, a hidden factor "
        "would have to make participation {x} times more likely and {outcome} {y} times "
        "{direction} likely.",
        "gamma": "Rosenbaum's Γ = {gamma}: within a matched set, the odds of starting would "
        "have to differ by a factor of {gamma} between two members before the effect stops "
        "being clear.",
        "gamma_one": "Rosenbaum's Γ = 1: the effect is not clear even without hidden differences.",
        "hidden": "The numbers are hidden to protect small groups.",
        "none": "No sensitivity analysis (no estimate).",
    },
}
OUTCOME_NOUNS = {
    "da": {"self_sufficient": "selvforsørgelse"},
    "en": {"self_sufficient": "self-sufficiency"},
}


def sensitivity_section(r: ReportData, table: pd.DataFrame | None) -> str:
    """The section: one paragraph per offer of the report (empty without the table)."""
    if table is None or not len(table):
        return ""
    w = WORDS[r.lang]
    items = []
    for o in r.offers:
        sentences = offer_sentences(r, table[table["offer_id"] == o])
        items.append(
            f"<h3>{r.name(o)}</h3><p class='sensitivity'>{escape(' '.join(sentences))}</p>"
        )
    intro = w["intro"].format(target=_target_words(r))
    return (
        f"<section id='sensitivity'><h2>{escape(w['title'])}</h2><p>{escape(intro)}</p>"
        + "".join(items)
        + "</section>"
    )


def offer_sentences(r: ReportData, rows: pd.DataFrame) -> list[str]:
    """The sentences of one offer's rows (trends, E-value, Γ; those present)."""
    w = WORDS[r.lang]
    if not len(rows):
        return [w["none"]]
    if any(flagged(row) for _, row in rows.iterrows()):
        return [w["hidden"]]
    out = []
    mbar = _value(rows, "breakdown_Mbar")
    if mbar is not None:
        key = "trends_zero" if mbar == 0 else "trends_inf" if mbar == float("inf") else "trends"
        out.append(w[key].format(mbar=r.s.number(mbar, 2)))
    e, rr = _value(rows, "e_value"), _value(rows, "risk_ratio")
    if e is not None:
        outcome = str(rows["outcome"].iloc[0])
        e_ci = _value(rows, "e_value_ci")
        key = "e_value_point" if e_ci is not None and e_ci <= 1 else "e_value"
        out.append(
            w[key].format(
                x=r.s.number(e, 2),
                y=r.s.number(e, 2),
                outcome=OUTCOME_NOUNS[r.lang].get(outcome, outcome),
                direction=w["less"] if rr is not None and rr < 1 else w["more"],
            )
        )
    gamma = _value(rows, "gamma")
    if gamma is not None:
        key = "gamma_one" if gamma <= 1 else "gamma"
        out.append(w[key].format(gamma=r.s.number(gamma, 2)))
    return out or [w["none"]]


def _value(rows: pd.DataFrame, quantity: str) -> float | None:
    """The row's value (infinite kept: a breakdown beyond the range searched)."""
    hit = rows[rows["quantity"] == quantity]
    if not len(hit) or pd.isna(hit["value"].iloc[0]):
        return None
    x = float(hit["value"].iloc[0])
    return x if x == float("inf") else num(x)


def _target_words(r: ReportData) -> str:
    lo, hi = r.window
    if r.lang == "da":
        return f"gennemsnit over måned {lo}-{hi} efter start"
    return f"mean over months {lo}-{hi} after the start"
