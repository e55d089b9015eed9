"""The stages of a monthly evaluation as plain functions (the Prefect flow wraps them).

Data flows one way: validated frames -> person x month panel (cut to the as-of month)
-> per offer: risk-set matching -> event studies -> value and indicators -> aggregate
tables (Holm adjustment, small-cell suppression) -> Parquet. Person-level objects (the
panel, matched sets) stay inside :func:`evaluate_offer`; what it returns is aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.config import EvaluationConfig, OfferConfig
from evaluation.did.event_study import EventStudyResult, MatchedEventStudy, status_outcome
from evaluation.did.inference import holm
from evaluation.matching import RiskSetMatching
from evaluation.matching.results import MatchResult
from evaluation.panel import StatusPanel, build_panel

EFFECT_COLUMNS = (
    "offer_id",
    "outcome",
    "event_time",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "p_value_holm",
    "n_treated",
    "n_control",
    "method",
    "ci_method",
    "level",
    "headline",
    "mde_80",
    "pretrend_p_value",
    "note",
)
UNMATCHED_REASONS = (
    "outside_target_group",
    "no_control_in_stratum",
    "no_control_within_caliper",
    "too_few_participants",
    "no_candidate_controls",
)
MATCHING_COLUMNS = (
    "offer_id",
    "name",
    "status",
    "method",
    "n_participants",
    "n_matched",
    "n_unmatched",
    *(f"unmatched_{r}" for r in UNMATCHED_REASONS),
    "n_controls",
    "ess_controls",
    "n_candidate_rows",
    "balance_passed",
    "max_abs_smd_after",
    "caliper",
    "share_treated_in_support",
)
BALANCE_COLUMNS = (
    "offer_id",
    "covariate",
    "smd_before",
    "smd_after",
    "variance_ratio_before",
    "variance_ratio_after",
    "ecdf_max_before",
    "ecdf_max_after",
    "passed",
)


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


@dataclass(frozen=True, eq=False)
class OfferModels:
    """Person-level fits of one offer (restricted; never persisted by Prefect)."""

    match: MatchResult
    studies: dict[str, EventStudyResult]


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
        )
        for outcome in cfg.outcomes:
            studies[outcome.name] = study.fit(outcome.name, status_outcome(outcome.statuses))
    return OfferModels(match=match, studies=studies)


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
        effects["note"] = pd.array([None] * len(effects), dtype="str")
        levels = pd.concat([_levels(s) for s in models.studies.values()], ignore_index=True)
    else:
        effects = _empty_effects(offer.offer_id, cfg, str(matching["status"].iloc[0]))
        levels = pd.DataFrame(
            columns=["offer_id", "outcome", "event_time", "group", "mean", "n_persons"]
        )
    return OfferResults(
        offer_id=offer.offer_id,
        matching=matching,
        balance=balance,
        effects=effects,
        levels=levels,
    )


def evaluate_offer(panel: StatusPanel, offer: OfferConfig, cfg: EvaluationConfig) -> OfferResults:
    return summarise_offer(fit_offer(panel, offer, cfg), offer, cfg)


def combine(results: list[OfferResults]) -> dict[str, pd.DataFrame]:
    """Stack the offers' tables and adjust the headline p-values for multiple comparisons
    (Holm over every offer x outcome headline test in the run)."""
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
        head = eff["headline"].to_numpy(bool)
        eff["p_value_holm"] = np.nan
        eff.loc[head, "p_value_holm"] = holm(eff.loc[head, "p_value"].to_numpy())
        tables["effects"] = eff.reindex(columns=list(EFFECT_COLUMNS))
    return tables


def _matching_status(match: MatchResult) -> str:
    if match.n_matched > 0:
        return "matched"
    reasons = match.unmatched["reason"].value_counts()
    return str(reasons.index[0]) if len(reasons) else "no_participants"


def _empty_effects(offer_id: str, cfg: EvaluationConfig, note: str) -> pd.DataFrame:
    """One headline row per outcome saying why there is no estimate."""
    n = len(cfg.outcomes)
    return pd.DataFrame(
        {
            "offer_id": offer_id,
            "outcome": [o.name for o in cfg.outcomes],
            "event_time": pd.array([None] * n, dtype="Int64"),
            "estimate": np.nan,
            "std_error": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "p_value": np.nan,
            "n_treated": np.zeros(n, dtype="int64"),
            "n_control": np.zeros(n, dtype="int64"),
            "method": "matched_event_study",
            "ci_method": None,
            "level": cfg.estimation.level,
            "headline": True,
            "mde_80": np.nan,
            "pretrend_p_value": np.nan,
            "note": note,
        }
    )


def _levels(study: EventStudyResult) -> pd.DataFrame:
    levels = getattr(study, "levels", None)
    if callable(levels):
        return levels()
    return pd.DataFrame(columns=["offer_id", "outcome", "event_time", "group", "mean", "n_persons"])
