"""One offer's evaluation: the core's entry point.

:func:`evaluate_offer` runs every step of one offer on the person x month panel (cut to
the as-of month): risk-set matching (:mod:`evaluation.matching`), the matched event
study of every outcome (:mod:`evaluation.did`), the value and the results-based payment
(:mod:`evaluation.monetise`) and the on-track indicators (:mod:`evaluation.monitor`).
It returns one frozen :class:`OfferEvaluation`:

* :meth:`OfferEvaluation.tidy` - the aggregate tables (:class:`OfferTables`: matching,
  balance, effects, levels, value, portfolio, indicators; columns from
  :mod:`evaluation.schema`), not yet suppressed for small cells;
* :meth:`OfferEvaluation.matched_sets` - the person-level matched sets, for the data
  owner's restricted folder only.

Person-level objects (the panel's IDs, the matched sets, the event studies' scores) stay
in the result, in memory. :func:`combine` stacks the offers' tables of a run and applies
the steps across offers (Holm's adjustment of the headline p-values on each offer's
pre-specified primary outcome); the columns for readers (``offer_name``, ``unit``) are
added at the edge (:mod:`flows.annotate`), and small-cell suppression over all tables of
a run is :func:`evaluation.privacy.policy.suppress_run`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.config import EvaluationConfig, OfferConfig
from evaluation.did import EventStudyResult, MatchedEventStudy
from evaluation.did.placebo import placebo_window
from evaluation.matching import MatchResult, RiskSetMatching
from evaluation.monetise import HeadlineEffect, OfferValue, PaymentResult, payment_owed, value_offer
from evaluation.monitor import OfferProgress, OnTrack, assess, count_dropouts, count_starts
from evaluation.offer_extras import (
    OfferExtras,
    contract_table,
    decomposition_table,
    offer_extras,
)
from evaluation.offer_tables import OfferTables, matching_status, offer_tables, stack
from evaluation.outcome_specs import offer_outcome_names, outcome_specs
from evaluation.panel import StatusPanel
from evaluation.sensitivity.headline import headline_changes, offer_sensitivity
from evaluation.statuses import STATUSES

COST = "public_cost_dkk"
"""Outcome name of the public cost (DKK per person-month) over all payers; by payer
``public_cost_dkk_<payer>``."""

__all__ = [
    "COST",
    "OfferEvaluation",
    "OfferTables",
    "combine",
    "cost_outcomes",
    "evaluate_offer",
    "monitor_offer",
]


@dataclass(frozen=True, eq=False)
class OfferEvaluation:
    """Everything measured about one offer as of the panel's last month.

    ``match`` and ``studies`` are person level (restricted: never persisted or
    published); ``value`` and ``payment`` are None without an estimate or without prices
    (``payment`` also without payment terms); ``on_track`` is always there (an offer not
    started is judged against its plan)."""

    offer: OfferConfig
    settings: EvaluationConfig
    match: MatchResult
    studies: Mapping[str, EventStudyResult]
    value: OfferValue | None
    payment: PaymentResult | None
    on_track: OnTrack
    person_ids: np.ndarray  # the panel's IDs by row (restricted), for matched_sets()
    extras: OfferExtras | None = None  # ITT row, subgroups, durations, earnings, CS (aggregate)
    # the investor's view of the contract and the decomposition (aggregate tables,
    # evaluation.offer_extras; empty without payment terms or without a match)
    contract: pd.DataFrame | None = None
    decomposition: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None  # the primary outcome's headline (aggregate)

    @property
    def offer_id(self) -> str:
        return self.offer.offer_id

    @property
    def outcomes(self) -> tuple[str, ...]:
        """Every outcome of the offer (:func:`offer_outcome_names`: the configured ones,
        or those the offer lists), then the public cost ones."""
        names = offer_outcome_names(self.offer, self.settings)
        return (*names, *cost_outcomes(self.settings))

    @property
    def status(self) -> str:
        """``matched``, or why no participant was matched."""
        return matching_status(self)

    def tidy(self) -> OfferTables:
        """The offer's aggregate tables (not yet suppressed)."""
        return offer_tables(self)

    def matched_sets(self) -> pd.DataFrame:
        """Person-level matched sets and unmatched participants (restricted): offer_id,
        set_id (-1 for the unmatched), person_id, start_month, treated, weight,
        unmatched_reason."""
        sets, unmatched = self.match.sets, self.match.unmatched
        set_id = np.concatenate([sets["set_id"], np.full(len(unmatched), -1)])
        person = np.concatenate([sets["person"], unmatched["person"]]).astype(np.int64)
        start = np.concatenate([sets["ref_month"], unmatched["ref_month"]])
        return pd.DataFrame(
            {
                "offer_id": self.match.offer_id,
                "set_id": pd.array(set_id, dtype="Int64").astype("Int64"),
                "person_id": self.person_ids[person].astype(str),
                "start_month": [months.label(int(m)) for m in start],
                "treated": np.concatenate([sets["treated"], np.ones(len(unmatched), bool)]),
                "weight": np.concatenate([sets["weight"], np.zeros(len(unmatched))]),
                "unmatched_reason": [None] * len(sets) + list(unmatched["reason"].astype(str)),
            }
        )


def match_offer(panel: StatusPanel, offer: OfferConfig) -> MatchResult:
    """The offer's risk-set matching: the first step of :func:`evaluate_offer`, which a
    caller may run on its own and hand over (``match=``)."""
    return RiskSetMatching(panel, offer.offer_id, offer.target_group, offer.matching).fit()


def evaluate_offer(
    panel: StatusPanel,
    offer: OfferConfig,
    settings: EvaluationConfig,
    earnings: pd.DataFrame | None = None,
    match: MatchResult | None = None,
) -> OfferEvaluation:
    """Match, estimate every outcome, value, price the payment and monitor one offer.

    ``panel`` is the person x month panel as of the evaluation month
    (:func:`evaluation.panel.panel_as_of`); ``settings`` the run's configuration (its
    ``offers`` are not read: ``offer`` is the one evaluated); ``match``: the offer's
    :func:`match_offer` on this panel, when already made."""
    if match is None:
        match = match_offer(panel, offer)
    elif match.offer_id != offer.offer_id:
        raise ValueError(f"the match given is of offer {match.offer_id}, not {offer.offer_id}")
    study = _study(panel, match, offer, settings)
    specs = outcome_specs(panel, offer, settings)
    studies, sensitivity = _studies(study, offer, settings, specs)
    value, payment = _value(match, studies, offer, settings)
    extras = offer_extras(panel, offer, settings, study, earnings)
    return OfferEvaluation(
        offer=offer,
        settings=settings,
        match=match,
        studies=studies,
        value=value,
        payment=payment,
        on_track=monitor_offer(panel, offer, settings, studies.get("self_sufficient")),
        person_ids=panel.person_ids,
        extras=extras,
        contract=contract_table(panel, studies, offer, settings),
        decomposition=decomposition_table(panel, match, studies, offer, specs),
        sensitivity=sensitivity,
    )


def cost_outcomes(settings: EvaluationConfig) -> dict[str, dict[str, float]]:
    """``public_cost_dkk`` (all payers) and ``public_cost_dkk_<payer>``: DKK per
    person-month by status in the configured price year; none without a price catalogue."""
    if settings.prices is None:
        return {}
    out = {}
    for payer, vector in settings.prices.by_payer(price_year=settings.price_year).items():
        name = COST if payer == "all" else f"{COST}_{payer}"
        out[name] = dict(zip(STATUSES, (float(x) for x in vector), strict=True))
    return out


def _studies(
    study: MatchedEventStudy | None,
    offer: OfferConfig,
    settings: EvaluationConfig,
    specs: list,
) -> tuple[dict[str, EventStudyResult], pd.DataFrame | None]:
    """The event study of every outcome (``specs``: :func:`outcome_specs`; none when no
    participant was matched) and the sensitivity analyses of the primary outcome's
    headline effect."""
    if study is None:
        return {}, None
    studies = study.fit_all([(s.name, s.values, s.extra) for s in specs])
    primary = next((s for s in specs if s.name == offer.primary_outcome), None)
    if primary is None:
        return studies, None
    window = settings.estimation.headline_window
    changes = headline_changes(
        study.stacked(primary.values, extra=primary.extra, window=window), window
    )
    binary = primary.name in {o.name for o in settings.outcomes} or any(
        m.name == primary.name and m.kind == "binary" for m in settings.measures
    )
    return studies, offer_sensitivity(studies[primary.name], changes, binary=binary)


def _study(
    panel: StatusPanel, match: MatchResult, offer: OfferConfig, settings: EvaluationConfig
) -> MatchedEventStudy | None:
    """The offer's matched event study (None when no participant was matched), with the
    placebo test on the pre-period months the offer's covariates do not match on."""
    if match.n_matched == 0:
        return None
    est = settings.estimation
    return MatchedEventStudy(
        panel,
        match,
        window=est.event_window,
        headline_window=est.headline_window,
        level=est.level,
        power=est.power,
        bootstrap_below=est.bootstrap_below_clusters,
        bootstrap_reps=est.bootstrap_reps,
        seed=est.seed,
        placebo_months=placebo_window(
            offer.matching.covariates.lags, offer.matching.covariates.windows
        ),
    )


def _value(
    match: MatchResult,
    studies: Mapping[str, EventStudyResult],
    offer: OfferConfig,
    settings: EvaluationConfig,
) -> tuple[OfferValue | None, PaymentResult | None]:
    """The offer's value and its results-based payment; None without the estimates (or
    the prices) they rest on."""
    if COST not in studies or "self_sufficient" not in studies:
        return None, None
    assert settings.price_year is not None
    paths = {
        ("all" if name == COST else name.removeprefix(f"{COST}_")): studies[name]
        for name in cost_outcomes(settings)
    }
    value = value_offer(
        offer.offer_id,
        paths,
        HeadlineEffect.of(studies["self_sufficient"]),
        cost_per_participant_dkk=offer.cost_per_participant_dkk,
        participants=match.n_matched,
        price_year=settings.price_year,
        settings=settings.valuation,
    )
    terms = offer.payment_terms
    if terms is None or terms.outcome not in studies:
        return value, None
    payment = payment_owed(
        terms,
        studies[terms.outcome],
        participants=match.n_matched,
        headline_window=settings.estimation.headline_window,
        level=settings.estimation.level,
        offer_id=offer.offer_id,
    )
    return value, payment


def monitor_offer(
    panel: StatusPanel,
    offer: OfferConfig,
    settings: EvaluationConfig,
    effect: EventStudyResult | None,
) -> OnTrack:
    """Are we on track: enrolment and dropouts so far (counted from the panel's
    participations as of its last month) against the offer's plan, and the interim
    ``effect`` on self-sufficiency (None before anyone was matched) against its target."""
    as_of = panel.last_month
    parts = panel.participations.for_offer(offer.offer_id)
    end = np.where(parts.end < 0, np.nan, parts.end.astype(float))
    monitor = settings.monitor
    progress = OfferProgress(
        offer_id=offer.offer_id,
        as_of=as_of,
        starts_by_month=count_starts(parts.start, as_of),
        dropouts=count_dropouts(parts.start, end, as_of, within=monitor.dropout_months),
        planned_participants=offer.planned_participants,
        plans=offer.plans or None,
        effect=effect,
        target_effect=offer.target_effect,
        target_event_month=offer.target_event_month,
        level=settings.estimation.level,
    )
    return assess(progress, monitor)


def combine(offers: Iterable[OfferEvaluation | OfferTables]) -> dict[str, pd.DataFrame]:
    """The run's tables: every offer's tables stacked by name (offers evaluated now, or
    their tables from a cache), with the steps across offers applied: Holm's adjustment
    of the headline p-values over the offers' primary outcomes
    (:func:`evaluation.offer_tables.stack`)."""
    return stack(o.tidy() if isinstance(o, OfferEvaluation) else o for o in offers)
