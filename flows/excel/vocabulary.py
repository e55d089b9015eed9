"""Words of the analysts' workbook: the codes of the published tables in Danish and
English, the units, and the suppression reasons.

A code without a word here (a config outcome such as ``in_job``, a future measure) is
shown as it is: the workbook never drops a row for want of a translation."""

from __future__ import annotations

import re
from typing import Literal

Lang = Literal["da", "en"]

CODES: dict[str, dict[str, tuple[str, str]]] = {
    "outcome": {
        "self_sufficient": (
            "selvforsørgende (job eller uddannelse)",
            "self-sufficient (job or education)",
        ),
        "on_benefits": ("på offentlig forsørgelse", "on public benefits"),
        "public_cost_dkk": ("offentlige udgifter, alle betalere", "public expenditure, all payers"),
        "public_cost_dkk_kommune": (
            "offentlige udgifter, kommune",
            "public expenditure, municipality",
        ),
        "public_cost_dkk_stat": ("offentlige udgifter, stat", "public expenditure, state"),
        "public_cost_dkk_region": ("offentlige udgifter, region", "public expenditure, region"),
    },
    "estimand": {
        "per_protocol": (
            "start nu mod ingen start i opfølgningen (hovedtal)",
            "start now vs no start during follow-up (headline)",
        ),
        "itt": (
            "start nu mod ikke start nu, sædvanlig praksis bagefter",
            "start now vs not start now, usual practice afterwards",
        ),
        "not_yet_treated": (
            "start nu mod endnu ikke startet i måneden (Callaway & Sant'Anna, sekundær)",
            "start now vs not yet started by that month (Callaway & Sant'Anna, secondary)",
        ),
    },
    "effects_method": {
        "matched_event_study": (
            "matchning i risikosæt + forskel-i-forskelle (hovedtal)",
            "risk-set matching + difference-in-differences (headline)",
        ),
        "callaway_santanna": (
            "Callaway & Sant'Anna: alle i målgruppen, der endnu ikke er startet, som kontroller, "
            "uden matchning (sekundær)",
            "Callaway & Sant'Anna: everyone in the target group not yet started as controls, "
            "no matching (secondary)",
        ),
    },
    "dimension": {
        "age_band": ("alder ved start", "age at start"),
        "sex": ("køn", "sex"),
        "education": ("uddannelse", "education"),
        "benefit_months": (
            "måneder på ydelse de sidste 36 måneder før start",
            "months on benefit in the 36 months before start",
        ),
        "start_half": ("starthalvår", "half-year of start"),
    },
    "payer": {
        "all": ("alle betalere", "all payers"),
        "kommune": ("kommune", "municipality (kommune)"),
        "stat": ("stat", "state (stat)"),
        "region": ("region", "region"),
    },
    "scenario": {
        "central": ("hovedberegning", "central"),
        "effect_low": ("effekten ved nedre grænse", "effect at its lower bound"),
        "effect_high": ("effekten ved øvre grænse", "effect at its upper bound"),
        "extrapolation_none": ("ingen fremskrivning", "no extrapolation"),
        "extrapolation_constant": ("konstant fremskrivning", "constant extrapolation"),
        "extrapolation_decay": ("aftagende fremskrivning", "decaying extrapolation"),
        "prices_minus_20": ("priser 20 % lavere", "prices 20% lower"),
        "prices_plus_20": ("priser 20 % højere", "prices 20% higher"),
    },
    "measure": {
        "savings_per_participant": ("besparelse pr. deltager", "savings per participant"),
        "cost_per_participant": ("pris pr. deltager", "cost per participant"),
        "net_value_per_participant": ("nettoværdi pr. deltager", "net value per participant"),
        "total_savings": ("besparelse i alt", "total savings"),
        "total_net_value": ("nettoværdi i alt", "total net value"),
        "return_per_krone": ("besparelse pr. investeret krone", "savings per krone spent"),
        "break_even_month": ("måned, hvor besparelsen dækker prisen", "break-even month"),
        "self_sufficiency_effect": (
            "mer-effekt på selvforsørgelse",
            "extra effect on self-sufficiency",
        ),
        "price_per_extra_self_sufficient": (
            "pris pr. ekstra selvforsørgende borger",
            "price per extra self-sufficient citizen",
        ),
        "extra_outcome_months": ("ekstra måneder med resultatet", "extra months with the outcome"),
        "measured_effect": ("målt effekt (resultatkontrakt)", "measured effect (results contract)"),
        "extra_participants_reaching_outcome": (
            "ekstra deltagere, der når resultatet",
            "extra participants reaching the outcome",
        ),
        "payment_uncapped": ("resultatbetaling før loft", "results payment before the cap"),
        "payment_owed": ("resultatbetaling, der skal betales", "results payment owed"),
        "payment_owed_per_participant": (
            "resultatbetaling pr. deltager",
            "results payment per participant",
        ),
    },
    "indicator": {
        "enrolment": ("deltagere startet i alt", "participants started, total"),
        "enrolment_total": ("deltagere startet mod plan", "participants started against plan"),
        "enrolment_by_month": ("deltagere startet i måneden", "participants started in the month"),
        "dropouts": ("frafald", "dropouts"),
        "dropout_share": ("andel frafald", "dropout share"),
        "interim_att": ("foreløbig mer-effekt", "interim extra effect"),
        "interim_att_by_event_month": (
            "foreløbig mer-effekt pr. måned efter start",
            "interim extra effect by month after start",
        ),
        "trajectory_target": ("mål for effekten", "target effect"),
        "outcomes": ("deltagere med resultat", "participants with the outcome"),
        "outcomes_by_month": (
            "deltagere med resultat i måneden",
            "participants with the outcome in the month",
        ),
        "status": ("samlet vurdering", "overall status"),
    },
    "status": {
        "on_track": ("på sporet", "on track"),
        "at_risk": ("i risiko", "at risk"),
        "off_track": ("ikke på sporet", "off track"),
        "matched": ("matchet", "matched"),
        "no_participants": ("ingen deltagere endnu", "no participants yet"),
        "too_few_participants": ("for få deltagere", "too few participants"),
        "outside_target_group": ("uden for målgruppen", "outside the target group"),
        "no_candidate_controls": ("ingen mulige kontroller", "no candidate controls"),
        "no_control_in_stratum": ("ingen kontrol i samme gruppe", "no control in the stratum"),
        "no_control_within_caliper": ("ingen kontrol tæt nok på", "no control within the caliper"),
    },
    "group": {
        "participants": ("deltagere", "participants"),
        "matched_controls": ("matchede kontroller", "matched controls"),
    },
}
"""Code -> (Danish, English) by the column it appears in."""
PATTERNS = {"scenario": (r"horizon_(\d+)", ("horisont {0} måneder", "horizon {0} months"))}

UNITS: dict[str, tuple[str, str, str, str]] = {
    # unit key: (Danish word, English word, Danish header suffix, English header suffix)
    "pp": ("procentpoint", "percentage points", "pp", "pp"),
    "pct": ("procent", "per cent", "%", "%"),
    "dkk": ("kr.", "DKK", "kr.", "DKK"),
    "dkk_pp": (
        "kr. pr. deltager",
        "DKK per participant",
        "kr. pr. deltager",
        "DKK per participant",
    ),
    "dkk_pm": (
        "kr. pr. person pr. måned",
        "DKK per person per month",
        "kr. pr. person pr. måned",
        "DKK per person per month",
    ),
    "persons": ("personer", "persons", "personer", "persons"),
    "rows": ("rækker", "rows", "rækker", "rows"),
    "months": ("måneder", "months", "måneder", "months"),
    "ratio": ("kr. pr. kr.", "DKK per DKK", "kr. pr. kr.", "DKK per DKK"),
    "number": ("tal", "number", "", ""),
}
PARQUET_UNITS = {
    "DKK": "dkk",
    "DKK per participant": "dkk_pp",
    "months": "months",
    "ratio": "ratio",
    "share": "pct",
    "persons": "persons",
}
"""``value.unit`` -> the workbook's unit key."""

REASONS = (
    (
        re.compile(r"primary: fewer than (\d+) persons"),
        ("færre end {0} personer", "fewer than {0} persons"),
    ),
    (
        re.compile(r"secondary: would reveal a suppressed count"),
        ("kunne afsløre et skjult tal", "would reveal a hidden number"),
    ),
    (
        re.compile(r"rests on a suppressed count"),
        ("bygger på et skjult tal", "rests on a hidden number"),
    ),
)
HIDDEN = ("skjult", "hidden")
YES_NO = (("ja", "nej"), ("yes", "no"))
UNBOUNDED = ("ubegrænset", "unbounded")
"""Shown for an infinite bound (e.g. the price per extra citizen when the effect's
interval includes zero)."""


def _i(lang: Lang) -> int:
    return 0 if lang == "da" else 1


def word(kind: str, code: object, lang: Lang) -> str:
    """The word for ``code`` in column ``kind``; the code itself when there is none."""
    text = str(code)
    hit = CODES.get(kind, {}).get(text)
    if hit is not None:
        return hit[_i(lang)]
    if kind in PATTERNS:
        pattern, words = PATTERNS[kind]
        m = re.fullmatch(pattern, text)
        if m:
            return words[_i(lang)].format(*m.groups())
    return text


def unit_word(unit: str, lang: Lang) -> str:
    return UNITS[unit][_i(lang)]


def unit_suffix(unit: str, lang: Lang) -> str:
    return UNITS[unit][2 + _i(lang)]


def reason(text: object, lang: Lang) -> str:
    """A suppression reason in words (each ``; ``-joined part)."""
    parts = []
    for part in str(text).split("; "):
        for pattern, words in REASONS:
            m = pattern.fullmatch(part)
            if m:
                parts.append(words[_i(lang)].format(*m.groups()))
                break
        else:
            parts.append(part)
    return "; ".join(parts)


def hidden(lang: Lang) -> str:
    return HIDDEN[_i(lang)]


def yes_no(value: bool, lang: Lang) -> str:
    return YES_NO[_i(lang)][0 if value else 1]


def unbounded(lang: Lang) -> str:
    return UNBOUNDED[_i(lang)]
