"""The stages of a monthly evaluation as plain functions (the Prefect flow wraps them).

Data flows one way: validated frames -> person x month panel (cut to the as-of month)
-> per offer: risk-set matching -> event studies -> value and indicators -> aggregate
tables (Holm adjustment, small-cell suppression) -> Parquet. Person-level objects (the
panel, matched sets) stay inside :func:`evaluate_offer`; what it returns is aggregate.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.config import EvaluationConfig, OfferConfig
from evaluation.did.event_study import (
    EventStudyResult,
    MatchedEventStudy,
    priced_outcome,
    status_outcome,
)
from evaluation.did.inference import holm_primary
from evaluation.did.placebo import placebo_window
from evaluation.matching import RiskSetMatching
from evaluation.matching.results import MatchResult
from evaluation.monetise import TIDY_COLUMNS as VALUE_COLUMNS
from evaluation.monetise import HeadlineEffect, payment_owed, portfolio_row, value_offer
from evaluation.monitor import (
    MonitorSettings,
    OfferProgress,
    OnTrack,
    assess,
    count_dropouts,
    count_starts,
)
from evaluation.offer_extras import offer_extras
from evaluation.panel import StatusPanel, build_panel
from evaluation.privacy.policy import COUNT_INDICATORS, suppress_run  # noqa: F401
from evaluation.statuses import STATUSES
from flows.contracts import output_columns
from flows.publish import quarantine_summary, validation_counts
from flows.validation import ValidatedInputs

SUPPRESSION_COLUMNS = ("suppressed", "suppression_reason")


def _columns(table: str) -> tuple[str, ...]:
    """The table's columns before suppression, from its output contract."""
    return tuple(c for c in output_columns(table) if c not in SUPPRESSION_COLUMNS)


EFFECT_COLUMNS = _columns("effects")
MATCHING_COLUMNS = _columns("matching")
PORTFOLIO_COLUMNS = _columns("portfolio")
BALANCE_COLUMNS = _columns("balance")


@dataclass(frozen=True, eq=False)
class OfferResults:
    """Aggregate results of one offer (nothing person level)."""

    offer_id: str
    matching: pd.DataFrame
    balance: pd.DataFrame
    effects: pd.DataFrame
    levels: pd.DataFrame
    value: pd.DataFrame = field(default_factory=pd.DataFrame)
    portfolio: pd.DataFrame = field(default_factory=pd.DataFrame)
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)
    subgroups: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True, eq=False)
class OfferModels:
    """Person-level fits of one offer (restricted; never persisted by Prefect)."""

    match: MatchResult
    studies: dict[str, EventStudyResult]
    study: MatchedEventStudy | None = None  # the per-protocol design (for offer_extras)


def panel_as_of(
    persons: pd.DataFrame, status: pd.DataFrame, participation: pd.DataFrame, as_of: str
) -> StatusPanel:
    """The person x month panel as known at the end of ``as_of``: status months after it
    and participations started after it are cut, later end months count as open."""
    m = months.parse(as_of)
    status = status[months.from_dates(status["month"]) <= m]
    participation = participation[months.from_dates(participation["start_month"]) <= m]
    if status.empty:
        raise ValueError(f"no status months on or before the as-of month {as_of}")
    return build_panel(persons, status, participation).as_of(m)


def fit_offer(panel: StatusPanel, offer: OfferConfig, cfg: EvaluationConfig) -> OfferModels:
    """Match and estimate every outcome of one offer."""
    match = RiskSetMatching(panel, offer.offer_id, offer.target_group, offer.matching).fit()
    studies: dict[str, EventStudyResult] = {}
    study = None
    if match.n_matched > 0:
        est = cfg.estimation
        study = MatchedEventStudy(
            panel,
            match,
            window=est.event_window,
            headline_window=est.headline_window,
            level=est.level,
            bootstrap_below=est.bootstrap_below_clusters,
            bootstrap_reps=est.bootstrap_reps,
            seed=est.seed,
            power=est.power,
            placebo_months=placebo_window(
                offer.matching.covariates.lags, offer.matching.covariates.windows
            ),
        )
        for outcome in cfg.outcomes:
            studies[outcome.name] = study.fit(outcome.name, status_outcome(outcome.statuses))
        for name, prices in cost_outcomes(cfg).items():
            studies[name] = study.fit(name, priced_outcome(prices))
    return OfferModels(match=match, studies=studies, study=study)


COST = "public_cost_dkk"


def cost_outcomes(cfg: EvaluationConfig) -> dict[str, dict[str, float]]:
    """``public_cost_dkk`` (all payers) and ``public_cost_dkk_<payer>``: DKK per person-month
    by status in the configured price year; none without a price catalogue."""
    if cfg.prices is None:
        return {}
    out = {}
    for payer, vector in cfg.prices.by_payer(price_year=cfg.price_year).items():
        name = COST if payer == "all" else f"{COST}_{payer}"
        out[name] = dict(zip(STATUSES, (float(x) for x in vector), strict=True))
    return out


def value_tables(
    models: OfferModels, offer: OfferConfig, cfg: EvaluationConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The offer's value (by measure x payer x scenario, plus the results-based payment)
    and its portfolio row; empty without estimates or prices."""
    studies = models.studies
    if COST not in studies or "self_sufficient" not in studies:
        return _empty_frame(VALUE_COLUMNS), _portfolio_without_estimate(models, offer)
    paths = {
        ("all" if name == COST else name.removeprefix(f"{COST}_")): studies[name]
        for name in cost_outcomes(cfg)
    }
    assert cfg.prices is not None and cfg.price_year is not None
    participants = models.match.n_matched
    value = value_offer(
        offer.offer_id,
        paths,
        HeadlineEffect.of(studies["self_sufficient"]),
        cost_per_participant_dkk=offer.cost_per_participant_dkk,
        participants=participants,
        price_year=cfg.price_year,
        settings=cfg.valuation,
    )
    frames = [value.tidy()]
    terms = offer.payment_terms
    if terms is not None and terms.outcome in studies:
        owed = payment_owed(
            terms,
            studies[terms.outcome],
            participants=participants,
            headline_window=cfg.estimation.headline_window,
            level=cfg.estimation.level,
            offer_id=offer.offer_id,
        )
        frames.append(owed.tidy())
    table = pd.concat(frames, ignore_index=True).reindex(columns=list(VALUE_COLUMNS))
    portfolio = pd.DataFrame([portfolio_row(value, evidence_stars=offer.evidence_stars)])
    return table, portfolio.reindex(columns=list(PORTFOLIO_COLUMNS))


def _portfolio_without_estimate(models: OfferModels, offer: OfferConfig) -> pd.DataFrame:
    row = dict.fromkeys(PORTFOLIO_COLUMNS, np.nan)
    row.update(
        offer_id=offer.offer_id,
        participants=models.match.n_matched,
        cost_per_participant_dkk=offer.cost_per_participant_dkk,
        evidence_stars=offer.evidence_stars,
        note="no estimate: " + _matching_status(models.match),
    )
    return pd.DataFrame([row]).reindex(columns=list(PORTFOLIO_COLUMNS))


def _empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


def summarise_offer(models: OfferModels, offer: OfferConfig, cfg: EvaluationConfig) -> OfferResults:
    """The aggregate tables of one offer."""
    match = models.match
    matching = match.summary_frame()
    matching.insert(1, "name", offer.name)
    matching["status"] = _matching_status(match)
    matching = matching.reindex(columns=list(MATCHING_COLUMNS))
    for col in MATCHING_COLUMNS:
        if col.startswith("unmatched_"):
            matching[col] = matching[col].fillna(0).astype("int64")
    balance = match.balance.assign(offer_id=offer.offer_id)
    balance = balance.reindex(columns=list(BALANCE_COLUMNS))
    if models.studies:
        effects = pd.concat([s.tidy() for s in models.studies.values()], ignore_index=True)
        levels = pd.concat([_levels(s) for s in models.studies.values()], ignore_index=True)
    else:
        effects = _empty_effects(offer.offer_id, cfg, str(matching["status"].iloc[0]))
        levels = pd.DataFrame(
            columns=["offer_id", "outcome", "event_time", "group", "mean", "n_persons"]
        )
    value, portfolio = value_tables(models, offer, cfg)
    return OfferResults(
        offer_id=offer.offer_id,
        matching=matching,
        balance=balance,
        effects=effects,
        levels=levels,
        value=value,
        portfolio=portfolio,
    )


def evaluate_offer(
    panel: StatusPanel,
    offer: OfferConfig,
    cfg: EvaluationConfig,
    restricted: Callable[[pd.DataFrame], None] | None = None,
    earnings: pd.DataFrame | None = None,
) -> OfferResults:
    """Every aggregate table of one offer; ``restricted`` (if given) receives the
    person-level matched sets, for the data owner's restricted folder only;
    ``earnings`` (status rows with ``earnings_dkk``) adds the earnings outcome."""
    models = fit_offer(panel, offer, cfg)
    if restricted is not None:
        restricted(matched_sets(panel, models.match))
    results = summarise_offer(models, offer, cfg)
    on_track = monitor_offer(panel, models, offer, cfg)
    extras = offer_extras(panel, offer, cfg, models.study, earnings)
    effects = [results.effects, extras.itt_effects, extras.earnings_effects]
    return dataclasses.replace(
        results,
        indicators=on_track.indicators_frame(),
        effects=pd.concat([f for f in effects if len(f)], ignore_index=True),
        value=pd.concat([f for f in (results.value, extras.tax_value) if len(f)], ignore_index=True)
        if len(extras.tax_value)
        else results.value,
        subgroups=extras.subgroups,
    )


def matched_sets(panel: StatusPanel, match: MatchResult) -> pd.DataFrame:
    """Person-level matched sets and unmatched participants (restricted)."""
    sets = match.sets
    unmatched = match.unmatched
    return pd.DataFrame(
        {
            "offer_id": match.offer_id,
            "set_id": pd.array(
                np.concatenate([sets["set_id"], np.full(len(unmatched), -1)]), dtype="Int64"
            ).astype("Int64"),
            "person_id": panel.person_ids[
                np.concatenate([sets["person"], unmatched["person"]]).astype(np.int64)
            ].astype(str),
            "start_month": [
                months.label(int(m))
                for m in np.concatenate([sets["ref_month"], unmatched["ref_month"]])
            ],
            "treated": np.concatenate([sets["treated"], np.ones(len(unmatched), bool)]),
            "weight": np.concatenate([sets["weight"], np.zeros(len(unmatched))]),
            "unmatched_reason": [None] * len(sets) + list(unmatched["reason"].astype(str)),
        }
    )


def monitor_offer(
    panel: StatusPanel, models: OfferModels, offer: OfferConfig, cfg: EvaluationConfig
) -> OnTrack:
    """Are we on track: enrolment and dropouts so far (counted from the panel's
    participations as of its last month) and the interim effect on self-sufficiency."""
    as_of = panel.last_month
    parts = panel.participations.for_offer(offer.offer_id)
    end = np.where(parts.end < 0, np.nan, parts.end.astype(float))
    settings = MonitorSettings()
    progress = OfferProgress(
        offer_id=offer.offer_id,
        as_of=as_of,
        starts_by_month=count_starts(parts.start, as_of),
        dropouts=count_dropouts(parts.start, end, as_of, within=settings.dropout_months),
        planned_participants=offer.planned_participants,
        plans=offer.plans or None,
        effect=models.studies.get("self_sufficient"),
        target_effect=offer.target_effect,
        target_event_month=offer.target_event_month,
        level=cfg.estimation.level,
    )
    return assess(progress, settings)


def combine(
    results: list[OfferResults], primary: dict[str, str] | None = None
) -> dict[str, pd.DataFrame]:
    """Stack the offers' tables and adjust for multiple comparisons: Holm over the
    offers' headline tests on their pre-specified primary outcome (``primary``: offer ->
    outcome, default self_sufficient); other outcomes are secondary (``primary`` false,
    no adjusted p-value)."""
    tables = {
        f.name: pd.concat(
            [getattr(r, f.name) for r in results if len(getattr(r, f.name))], ignore_index=True
        )
        if any(len(getattr(r, f.name)) for r in results)
        else pd.DataFrame()
        for f in fields(OfferResults)
        if f.name != "offer_id"
    }
    eff = tables["effects"]
    if len(eff):
        offers = eff["offer_id"].unique()
        chosen = {o: (primary or {}).get(o, "self_sufficient") for o in offers}
        eff["primary"], eff["p_value_holm"] = holm_primary(eff, chosen)
        tables["effects"] = eff.reindex(columns=list(EFFECT_COLUMNS))
    if len(tables["subgroups"]):
        tables["subgroups"] = tables["subgroups"].reindex(columns=list(_columns("subgroups")))
    return tables


def _matching_status(match: MatchResult) -> str:
    if match.n_matched > 0:
        return "matched"
    reasons = match.unmatched["reason"].value_counts()
    return str(reasons.index[0]) if len(reasons) else "no_participants"


def _empty_effects(offer_id: str, cfg: EvaluationConfig, note: str) -> pd.DataFrame:
    """One headline row per outcome saying why there is no estimate."""
    names = [o.name for o in cfg.outcomes] + list(cost_outcomes(cfg))
    n = len(names)
    return pd.DataFrame(
        {
            "offer_id": offer_id,
            "outcome": names,
            "event_time": pd.array([None] * n, dtype="Int64"),
            "estimate": np.nan,
            "std_error": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "p_value": np.nan,
            "band_low": np.nan,
            "band_high": np.nan,
            "n_treated": np.zeros(n, dtype="int64"),
            "n_control": np.zeros(n, dtype="int64"),
            "method": "matched_event_study",
            "estimand": "per_protocol",
            "ci_method": None,
            "level": cfg.estimation.level,
            "headline": True,
            "mde": np.nan,
            "mde_power": cfg.estimation.power,
            "placebo_p_value": np.nan,
            "placebo_window": None,
            "note": note,
        }
    )


def _levels(study: EventStudyResult) -> pd.DataFrame:
    levels = getattr(study, "levels", None)
    if callable(levels):
        return levels()
    return pd.DataFrame(columns=["offer_id", "outcome", "event_time", "group", "mean", "n_persons"])


# --- small-cell suppression ---------------------------------------------------------------


def suppress_tables(
    tables: dict[str, pd.DataFrame], threshold: int, validated: ValidatedInputs | None = None
) -> dict[str, pd.DataFrame]:
    """The run's tables suppressed by one policy over all of them
    (:func:`evaluation.privacy.policy.suppress_run`). With ``validated``, the quarantine
    summary and the rows read/kept/quarantined per file (``validation``, for the
    manifest) are suppressed with them."""
    run = dict(tables)
    if validated is not None:
        run["quarantine_summary"] = quarantine_summary(validated.quarantine)
        run["validation"] = validation_counts(validated.counts)
    return suppress_run(run, threshold)


# --- "are we on track" summaries (Prefect artifacts) ----------------------------------------

ON_TRACK_ROWS = ("enrolment", "enrolment_total", "dropouts", "dropout_share", "interim_att")


def on_track_summary(indicators: pd.DataFrame, offer_id: str, name: str) -> tuple[str, list]:
    """A markdown summary and table rows of one offer's (suppressed) indicators: the
    status with the rule that set it, then enrolment, dropouts and the interim effect
    against the trajectory. Blanked numbers show as "–"; no person-level content."""
    rows = indicators[indicators["offer_id"] == offer_id]
    status = rows[rows["indicator"] == "status"]
    head = status.iloc[0] if len(status) else None
    table = []
    for ind in ON_TRACK_ROWS:
        hit = rows[rows["indicator"] == ind]
        if len(hit) == 0:
            continue
        r = hit.iloc[0]
        table.append(
            {
                "indicator": ind,
                "value": _fmt(r["value"]),
                "planned": _fmt(r["planned"]),
                "interval": (
                    f"{_fmt(r['ci_low'])} to {_fmt(r['ci_high'])}"
                    if pd.notna(r["ci_low"]) and pd.notna(r["ci_high"])
                    else "–"
                ),
                "event_month": "–" if pd.isna(r["event_time"]) else str(int(r["event_time"])),
            }
        )
    hidden = head is not None and pd.isna(head["status"])  # rests on a suppressed number
    state = "unknown" if head is None else "–" if hidden else str(head["status"])
    lines = [
        f"## {name} ({offer_id}): {state.replace('_', ' ')}",
        "",
        f"As of {rows['as_of'].iloc[0] if len(rows) else '–'}."
        + ("" if head is None or hidden else f" Rule `{head['rule_code']}`: {head['rule']}"),
        "",
        "| indicator | value | planned / needed | interval | event month |",
        "|---|---|---|---|---|",
        *(
            f"| {t['indicator']} | {t['value']} | {t['planned']} | {t['interval']} | "
            f"{t['event_month']} |"
            for t in table
        ),
    ]
    return "\n".join(lines) + "\n", table


def _fmt(x: object) -> str:
    if x is None or pd.isna(x):
        return "–"
    x = float(x)
    return f"{x:,.0f}" if x == round(x) and abs(x) >= 1 else f"{x:.3f}"
