"""The workbook's sheets and columns: which published table each sheet shows, each
column's header (Danish, English), its unit and how its Parquet number is shown.

Every Parquet column of a table is shown, in the contract's order, except the
suppression flag and reason, which become the sheet's last two columns ("Skjult",
"Årsag"). Numbers are the Parquet cells times a factor: 100 where the Parquet holds a
share and the sheet shows percentage points (``pp``) or per cent (``pct``), else 1.
Tables whose rows hold different units are split by unit (effects and levels: shares or
DKK per person-month) or carry the unit per row (value, indicators).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from evaluation.privacy.policy import COUNT_INDICATORS
from flows.annotate import DKK_PER_PERSON_MONTH, PER_PERSON_MONTH, SHARE, effect_unit

FACTORS = {"pp": 100.0, "pct": 100.0}
"""Workbook unit -> factor from the Parquet number (a share) to the shown number."""
FORMATS = {
    "pp": "0.0",
    "pct": "0.0",
    "dkk": "#,##0",
    "dkk_pp": "#,##0",
    "dkk_pm": "#,##0.0",
    "persons": "#,##0",
    "rows": "#,##0",
    "months": "0",
    "ratio": "0.00",
    "number": "0.000",
    "int": "0",
}


@dataclass(frozen=True)
class Col:
    """One column: the Parquet column, its header words and how its numbers are shown.

    ``kind``: ``text`` (``vocab`` names the code list), ``bool``, ``int`` (a whole
    number without unit), ``row`` (the unit differs by row: see :class:`Sheet`), ``sheet``
    (the sheet's unit), or a unit key of :data:`flows.excel.vocabulary.UNITS`."""

    name: str
    da: str
    en: str
    kind: str
    vocab: str | None = None


UNIT_COLUMN = "_unit"
"""A column the workbook adds: the row's unit in words (no Parquet column)."""


@dataclass(frozen=True)
class Sheet:
    """A sheet: the rows of ``table`` for which ``rows`` holds, with ``unit`` for
    ``sheet`` columns, and ``row_unit`` (row -> unit key) for ``row`` columns."""

    key: str
    table: str
    da: str
    en: str
    about_da: str
    about_en: str
    columns: tuple[Col, ...]
    unit: str | None = None
    rows: Callable[[pd.DataFrame], pd.Series] | None = None
    row_unit: Callable[[Mapping[str, Any]], str | None] | None = None


def _effects() -> tuple[Col, ...]:
    return (
        Col("offer_id", "Tilbud (id)", "Offer (id)", "text"),
        Col("offer_name", "Tilbud", "Offer", "text"),
        Col("outcome", "Udfald", "Outcome", "text", "outcome"),
        Col("outcome_label", "Udfald (navn)", "Outcome (name)", "text"),
        Col("event_time", "Måned efter start", "Month after start", "int"),
        Col("estimate", "Mer-effekt", "Extra effect", "sheet"),
        Col("std_error", "Standardfejl", "Standard error", "sheet"),
        Col("ci_low", "Nedre grænse", "Lower bound", "sheet"),
        Col("ci_high", "Øvre grænse", "Upper bound", "sheet"),
        Col("unit", "Enhed", "Unit", "text", "unit"),
        Col("p_value", "p-værdi", "p-value", "number"),
        Col("band_low", "Nedre grænse (samlet bånd)", "Lower bound (simultaneous band)", "sheet"),
        Col("band_high", "Øvre grænse (samlet bånd)", "Upper bound (simultaneous band)", "sheet"),
        Col("p_value_holm", "p-værdi (Holm)", "p-value (Holm)", "number"),
        Col("n_treated", "Deltagere", "Participants", "persons"),
        Col("n_control", "Kontroller", "Controls", "persons"),
        Col("method", "Metode", "Method", "text", "effects_method"),
        Col("estimand", "Sammenligning", "Contrast", "text", "estimand"),
        Col("ci_method", "Intervalmetode", "Interval method", "text"),
        Col("level", "Konfidensniveau", "Confidence level", "pct"),
        Col("headline", "Hovedtal", "Headline", "bool"),
        Col("primary", "Primært udfald", "Primary outcome", "bool"),
        Col("mde", "Mindste påviselige effekt", "Minimum detectable effect", "sheet"),
        Col("mde_power", "Styrke for mindste påviselige effekt", "Power of the MDE", "pct"),
        Col("placebo_p_value", "p-værdi, placebotest", "Placebo test p-value", "number"),
        Col("placebo_window", "Placebomåneder", "Placebo months", "text"),
        Col("note", "Bemærkning", "Note", "text"),
    )


BALANCE = (
    Col("offer_id", "Tilbud (id)", "Offer (id)", "text"),
    Col("offer_name", "Tilbud", "Offer", "text"),
    Col("covariate", "Baggrundsvariabel", "Covariate", "text"),
    Col("smd_before", "SMD før matchning", "SMD before matching", "number"),
    Col("smd_after", "SMD efter matchning", "SMD after matching", "number"),
    Col("variance_ratio_before", "Variansforhold før", "Variance ratio before", "number"),
    Col("variance_ratio_after", "Variansforhold efter", "Variance ratio after", "number"),
    Col("ecdf_max_before", "Største ECDF-afstand før", "Largest ECDF distance before", "number"),
    Col("ecdf_max_after", "Største ECDF-afstand efter", "Largest ECDF distance after", "number"),
    Col("passed", "Balance i orden", "Balance passed", "bool"),
)
MATCHING = (
    Col("offer_id", "Tilbud (id)", "Offer (id)", "text"),
    Col("name", "Tilbud", "Offer", "text"),
    Col("status", "Status", "Status", "text", "status"),
    Col("method", "Metode", "Method", "text"),
    Col("n_participants", "Deltagere", "Participants", "persons"),
    Col("n_matched", "Matchede deltagere", "Matched participants", "persons"),
    Col("n_unmatched", "Ikke matchet", "Unmatched", "persons"),
    Col(
        "unmatched_outside_target_group",
        "Ikke matchet: uden for målgruppen",
        "Unmatched: outside the target group",
        "persons",
    ),
    Col(
        "unmatched_no_control_in_stratum",
        "Ikke matchet: ingen kontrol i samme gruppe",
        "Unmatched: no control in the stratum",
        "persons",
    ),
    Col(
        "unmatched_no_control_within_caliper",
        "Ikke matchet: ingen kontrol tæt nok på",
        "Unmatched: no control within the caliper",
        "persons",
    ),
    Col(
        "unmatched_too_few_participants",
        "Ikke matchet: for få deltagere",
        "Unmatched: too few participants",
        "persons",
    ),
    Col(
        "unmatched_no_candidate_controls",
        "Ikke matchet: ingen mulige kontroller",
        "Unmatched: no candidate controls",
        "persons",
    ),
    Col("n_controls", "Kontroller", "Controls", "persons"),
    Col("ess_controls", "Effektivt antal kontroller", "Effective number of controls", "number"),
    Col("n_candidate_rows", "Mulige kontrol-rækker", "Candidate control rows", "rows"),
    Col("balance_passed", "Balance i orden", "Balance passed", "bool"),
    Col("max_abs_smd_after", "Største |SMD| efter", "Largest |SMD| after", "number"),
    Col("caliper", "Caliper", "Caliper", "number"),
    Col(
        "share_treated_in_support",
        "Andel deltagere i fælles støtte",
        "Share in common support",
        "pct",
    ),
)
LEVELS = (
    Col("offer_id", "Tilbud (id)", "Offer (id)", "text"),
    Col("offer_name", "Tilbud", "Offer", "text"),
    Col("outcome", "Udfald", "Outcome", "text", "outcome"),
    Col("event_time", "Måned efter start", "Month after start", "int"),
    Col("group", "Gruppe", "Group", "text", "group"),
    Col("mean", "Gennemsnit", "Mean", "sheet"),
    Col(UNIT_COLUMN, "Enhed", "Unit", "text"),
    Col("n_persons", "Personer", "Persons", "persons"),
)
VALUE = (
    Col("offer_id", "Tilbud (id)", "Offer (id)", "text"),
    Col("offer_name", "Tilbud", "Offer", "text"),
    Col("measure", "Mål", "Measure", "text", "measure"),
    Col("payer", "Betaler", "Payer", "text", "payer"),
    Col("scenario", "Scenarie", "Scenario", "text", "scenario"),
    Col("value", "Værdi", "Value", "row"),
    Col("ci_low", "Nedre grænse", "Lower bound", "row"),
    Col("ci_high", "Øvre grænse", "Upper bound", "row"),
    Col("unit", "Enhed", "Unit", "text", "unit"),
    Col("horizon_months", "Horisont", "Horizon", "months"),
    Col("extrapolation", "Fremskrivning", "Extrapolation", "text"),
    Col("discount_rate", "Diskonteringsrente", "Discount rate", "pct"),
    Col("price_year", "Prisår", "Price year", "int"),
    Col("note", "Bemærkning", "Note", "text"),
)
PORTFOLIO = (
    Col("offer_id", "Tilbud (id)", "Offer (id)", "text"),
    Col("offer_name", "Tilbud", "Offer", "text"),
    Col("participants", "Matchede deltagere", "Matched participants", "persons"),
    Col("cost_per_participant_dkk", "Pris pr. deltager", "Cost per participant", "dkk"),
    Col("effect", "Mer-effekt på selvforsørgelse", "Extra effect on self-sufficiency", "pp"),
    Col("effect_ci_low", "Effekt, nedre grænse", "Effect, lower bound", "pp"),
    Col("effect_ci_high", "Effekt, øvre grænse", "Effect, upper bound", "pp"),
    Col(
        "price_per_extra_self_sufficient_dkk",
        "Pris pr. ekstra selvforsørgende",
        "Price per extra self-sufficient",
        "dkk",
    ),
    Col("price_ci_low", "Pris, nedre grænse", "Price, lower bound", "dkk"),
    Col("price_ci_high", "Pris, øvre grænse", "Price, upper bound", "dkk"),
    Col(
        "net_value_per_participant_dkk",
        "Nettoværdi pr. deltager",
        "Net value per participant",
        "dkk",
    ),
    Col("net_value_ci_low", "Nettoværdi, nedre grænse", "Net value, lower bound", "dkk"),
    Col("net_value_ci_high", "Nettoværdi, øvre grænse", "Net value, upper bound", "dkk"),
    Col("return_per_krone", "Besparelse pr. krone", "Savings per krone", "ratio"),
    Col("break_even_month", "Måned, hvor besparelsen dækker prisen", "Break-even month", "months"),
    Col("evidence_stars", "Evidens (stjerner)", "Evidence (stars)", "int"),
    Col("horizon_months", "Horisont", "Horizon", "months"),
    Col("extrapolation", "Fremskrivning", "Extrapolation", "text"),
    Col("discount_rate", "Diskonteringsrente", "Discount rate", "pct"),
    Col("price_year", "Prisår", "Price year", "int"),
    Col("note", "Bemærkning", "Note", "text"),
)
INDICATORS = (
    Col("offer_id", "Tilbud (id)", "Offer (id)", "text"),
    Col("offer_name", "Tilbud", "Offer", "text"),
    Col("indicator", "Indikator", "Indicator", "text", "indicator"),
    Col("month", "Måned", "Month", "text"),
    Col("event_time", "Måned efter start", "Month after start", "int"),
    Col("value", "Værdi", "Value", "row"),
    Col("planned", "Plan eller mål", "Planned or target", "row"),
    Col("ci_low", "Nedre grænse", "Lower bound", "row"),
    Col("ci_high", "Øvre grænse", "Upper bound", "row"),
    Col(UNIT_COLUMN, "Enhed", "Unit", "text"),
    Col("plan_version", "Planversion", "Plan version", "text"),
    Col("status", "Status", "Status", "text", "status"),
    Col("rule_code", "Regel (kode)", "Rule (code)", "text"),
    Col("rule", "Regel", "Rule", "text"),
    Col("as_of", "Opgjort til og med", "As of", "text"),
)
SUBGROUPS = (
    Col("offer_id", "Tilbud (id)", "Offer (id)", "text"),
    Col("offer_name", "Tilbud", "Offer", "text"),
    Col("outcome", "Udfald", "Outcome", "text", "outcome"),
    Col("dimension", "Opdeling", "Split", "text", "dimension"),
    Col("subgroup", "Undergruppe", "Subgroup", "text"),
    Col("estimate", "Mer-effekt", "Extra effect", "pp"),
    Col("std_error", "Standardfejl", "Standard error", "pp"),
    Col("ci_low", "Nedre grænse", "Lower bound", "pp"),
    Col("ci_high", "Øvre grænse", "Upper bound", "pp"),
    Col("p_value", "p-værdi", "p-value", "number"),
    Col("p_value_holm", "p-værdi (Holm i tilbuddet)", "p-value (Holm within the offer)", "number"),
    Col("n_treated", "Deltagere", "Participants", "persons"),
    Col("n_control", "Kontroller", "Controls", "persons"),
    Col("ci_method", "Intervalmetode", "Interval method", "text"),
    Col("level", "Konfidensniveau", "Confidence level", "pct"),
    Col("heterogeneity_statistic", "Test for forskel: Wald", "Difference test: Wald", "number"),
    Col("heterogeneity_df", "Test for forskel: frihedsgrader", "Difference test: df", "int"),
    Col("heterogeneity_p_value", "Test for forskel: p-værdi", "Difference test: p-value", "number"),
)
DURATIONS = (
    Col("offer_id", "Tilbud (id)", "Offer (id)", "text"),
    Col("offer_name", "Tilbud", "Offer", "text"),
    Col("duration", "Forløbets længde (mdr.)", "Length of participation (months)", "text"),
    Col("ended_early", "Afbrudt inden 3 mdr.", "Ended before 3 months", "bool"),
    Col("n_participations", "Forløb", "Participations", "int"),
    Col("share", "Andel af forløb", "Share of participations", "pct"),
)
QUARANTINE = (
    Col("file", "Fil", "File", "text"),
    Col("rule", "Regel", "Rule", "text"),
    Col("column", "Kolonne", "Column", "text"),
    Col("n_rows", "Rækker sat til side", "Rows set aside", "rows"),
    Col("n_persons", "Personer", "Persons", "persons"),
)

CONTRACT = (
    Col("offer_id", "Tilbud (id)", "Offer (id)", "text"),
    Col("offer_name", "Tilbud", "Offer", "text"),
    Col("month", "Måned", "Month", "text"),
    Col("quantity", "Størrelse", "Quantity", "text"),
    Col("value", "Værdi", "Value", "row"),
    Col("ci_low", "Nedre grænse", "Lower bound", "row"),
    Col("ci_high", "Øvre grænse", "Upper bound", "row"),
    Col("unit", "Enhed", "Unit", "text"),
    Col("level", "Niveau", "Level", "pct"),
    Col("n_draws", "Antal træk", "Draws", "int"),
    Col("note", "Bemærkning", "Note", "text"),
)
DECOMPOSITION = (
    Col("offer_id", "Tilbud (id)", "Offer (id)", "text"),
    Col("offer_name", "Tilbud", "Offer", "text"),
    Col("outcome", "Udfald", "Outcome", "text", "outcome"),
    Col("window_first", "Fra måned efter start", "From month after start", "int"),
    Col("window_last", "Til måned efter start", "To month after start", "int"),
    Col("participants_level", "Deltagere", "Participants", "pct"),
    Col("matched_controls_level", "Matchede kontroller", "Matched controls", "pct"),
    Col("target_group_level", "Hele målgruppen", "Whole target group", "pct"),
    Col("raw_difference", "Rå forskel", "Raw difference", "pp"),
    Col("selection", "Udvælgelse", "Selection", "pp"),
    Col("extra_effect", "Mer-effekt", "Extra effect", "pp"),
    Col("did_estimate", "Mer-effekt (forskel i forskelle)", "Extra effect (DiD)", "pp"),
    Col("did_std_error", "Standardfejl", "Standard error", "pp"),
    Col("baseline_gap", "Forskel måneden før start", "Gap in the month before start", "pp"),
    Col("n_participants", "Matchede deltagere", "Matched participants", "persons"),
    Col("n_target_group", "Personer i målgruppen", "Persons in the target group", "persons"),
    Col("note", "Bemærkning", "Note", "text"),
)
CONTRACT_UNITS = {
    "DKK": "dkk",
    "ratio": "ratio",
    "rate per month": "pct",
    "rate per year": "pct",
    "probability": "pct",
    "share": "pp",
}
"""``contract.unit`` -> the workbook's unit key."""


def contract_unit(row: Mapping[str, Any]) -> str | None:
    return CONTRACT_UNITS.get(str(row["unit"]), "number")


SENSITIVITY = (
    Col("offer_id", "Tilbud (id)", "Offer (id)", "text"),
    Col("offer_name", "Tilbud", "Offer", "text"),
    Col("outcome", "Udfald", "Outcome", "text", "outcome"),
    Col("analysis", "Analyse", "Analysis", "text"),
    Col("target", "Effekt", "Effect", "text"),
    Col("method", "Metode", "Method", "text"),
    Col("quantity", "Størrelse", "Quantity", "text"),
    Col("parameter", "Parameter", "Parameter", "number"),
    Col("value", "Værdi", "Value", "row"),
    Col("ci_low", "Nedre grænse", "Lower bound", "row"),
    Col("ci_high", "Øvre grænse", "Upper bound", "row"),
    Col(UNIT_COLUMN, "Enhed", "Unit", "text"),
    Col("level", "Konfidensniveau", "Confidence level", "pct"),
    Col("note", "Bemærkning", "Note", "text"),
)
IN_EFFECT_UNITS = ("ci", "robust_ci", "breakdown_M")
"""``sensitivity`` quantities in the effect's unit (the others are ratios or numbers)."""


def sensitivity_unit(row: Mapping[str, Any]) -> str | None:
    """The workbook unit of a ``sensitivity`` row."""
    if row["quantity"] in IN_EFFECT_UNITS:
        return "pp" if effect_unit(str(row["outcome"])) == SHARE else "dkk_pm"
    return "number"


EFFECT_MEASURES = ("self_sufficiency_effect", "measured_effect")
"""``value`` measures that are effects held as shares (shown in percentage points)."""
EFFECT_INDICATORS = ("interim_att", "interim_att_by_event_month", "trajectory_target")


def value_unit(row: Mapping[str, Any]) -> str | None:
    """The workbook unit of a ``value`` row."""
    from flows.excel.vocabulary import PARQUET_UNITS

    if row["measure"] in EFFECT_MEASURES:
        return "pp"
    return PARQUET_UNITS.get(str(row["unit"]), "number")


def indicator_unit(row: Mapping[str, Any]) -> str | None:
    """The workbook unit of an ``indicators`` row (None: no number)."""
    ind = str(row["indicator"])
    if ind in COUNT_INDICATORS:
        return "persons"
    if ind == "dropout_share":
        return "pct"
    if ind in EFFECT_INDICATORS:
        return "pp"
    return None if ind == "status" else "number"


def _by_unit(unit: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Rows of this unit: the table's ``unit`` column where it has one (effects), else
    the unit of the outcome's name."""
    return lambda f: (f["unit"] if "unit" in f.columns else f["outcome"].map(effect_unit)) == unit


SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "effects_pp", "effects", "Effekter (pp)", "Effects (pp)",
        "Mer-effekt på andele (fx selvforsørgende) i procentpoint, pr. måned efter start "
        "og samlet (hovedtal).",
        "Extra effect on shares (e.g. self-sufficient) in percentage points, by month after "
        "start and pooled (headline).",
        _effects(), unit="pp", rows=_by_unit(SHARE),
    ),
    Sheet(
        "effects_dkk", "effects", "Effekter (kr.)", "Effects (DKK)",
        "Mer-effekt på offentlige udgifter i kr. pr. person pr. måned (negativ = besparelse).",
        "Extra effect on public expenditure in DKK per person per month (negative = savings).",
        _effects(), unit="dkk_pm", rows=_by_unit(DKK_PER_PERSON_MONTH),
    ),
    Sheet(
        "effects_measures", "effects", "Effekter (mål)", "Effects (measures)",
        "Mer-effekt på registermål, der tælles eller måles (fx fraværsdage), i målets enhed "
        "pr. person pr. måned.",
        "Extra effect on register measures that are counts or amounts (e.g. days absent), in "
        "the measure's unit per person per month.",
        _effects(), unit="number", rows=_by_unit(PER_PERSON_MONTH),
    ),
    Sheet(
        "value", "value", "Værdi", "Value",
        "Værdien i kroner pr. tilbud, mål, betaler og scenarie, inkl. resultatbetaling.",
        "Value in money by offer, measure, payer and scenario, incl. results payments.",
        VALUE, row_unit=value_unit,
    ),
    Sheet(
        "contract", "contract", "Investor", "Investor",
        "Investorens syn på resultatkontrakten: udlæg, betalinger, multiplum, intern rente og "
        "risiko ved den målte effekt, og pengestrømme pr. måned.",
        "The investor's view of the results contract: outlay, payments, multiple, internal "
        "rate of return and risk at the measured effect, and cash flows by month.",
        CONTRACT, row_unit=contract_unit,
    ),
    Sheet(
        "decomposition", "decomposition", "Udvælgelse og effekt", "Selection and effect",
        "Deltagernes forskel fra hele målgruppen delt i udvælgelse (hvem der blev optaget) og "
        "mer-effekt.",
        "The participants' difference from the whole target group split into selection (who "
        "was enrolled) and extra effect.",
        DECOMPOSITION,
    ),
    Sheet(
        "portfolio", "portfolio", "Tilbudsvifte", "Portfolio",
        "Én række pr. tilbud: effekt, pris pr. ekstra selvforsørgende og nettoværdi.",
        "One row per offer: effect, price per extra self-sufficient citizen and net value.",
        PORTFOLIO,
    ),
    Sheet(
        "indicators", "indicators", "På sporet", "On track",
        "Er vi på sporet: tilgang mod plan, frafald og foreløbig effekt mod målet.",
        "Are we on track: enrolment against plan, dropouts and interim effect against target.",
        INDICATORS, row_unit=indicator_unit,
    ),
    Sheet(
        "sensitivity", "sensitivity", "Følsomhed", "Sensitivity",
        "Hvor robust hovedeffekten er: over for brud på parallelle tendenser (robuste "
        "intervaller, nedbrydningsværdier) og over for skjulte forskelle (E-værdi, Rosenbaums "
        "Gamma).",
        "How robust the headline effect is: to violations of parallel trends (robust "
        "intervals, breakdown values) and to hidden confounding (E-value, Rosenbaum's Gamma).",
        SENSITIVITY, row_unit=sensitivity_unit,
    ),
    Sheet(
        "subgroups", "subgroups", "Undergrupper", "Subgroups",
        "Mer-effekten på det primære udfald (hovedtal) for undergrupper af deltagere, med "
        "test for forskel mellem undergrupperne.",
        "The extra effect on the primary outcome (headline) for subgroups of participants, "
        "with a test for a difference between the subgroups.",
        SUBGROUPS,
    ),
    Sheet(
        "matching", "matching", "Matchning", "Matching",
        "Deltagere, matchede kontroller og hvorfor nogle ikke kunne matches.",
        "Participants, matched controls and why some could not be matched.",
        MATCHING,
    ),
    Sheet(
        "balance", "balance", "Balance", "Balance",
        "Hvor ens deltagere og kontroller er før og efter matchning.",
        "How alike participants and controls are before and after matching.",
        BALANCE,
    ),
    Sheet(
        "levels_pct", "levels", "Niveauer (%)", "Levels (%)",
        "Andelen (fx selvforsørgende) i procent for deltagere og matchede kontroller.",
        "The share (e.g. self-sufficient) in per cent for participants and matched controls.",
        LEVELS, unit="pct", rows=_by_unit(SHARE),
    ),
    Sheet(
        "levels_dkk", "levels", "Niveauer (kr.)", "Levels (DKK)",
        "Offentlige udgifter pr. person pr. måned for deltagere og matchede kontroller.",
        "Public expenditure per person per month for participants and matched controls.",
        LEVELS, unit="dkk_pm", rows=_by_unit(DKK_PER_PERSON_MONTH),
    ),
    Sheet(
        "quarantine", "quarantine_summary", "Karantæne", "Quarantine",
        "Inddata-rækker sat til side ved valideringen, pr. fil og regel.",
        "Input rows set aside by the validation, by file and rule.",
        QUARANTINE,
    ),
)  # fmt: skip
