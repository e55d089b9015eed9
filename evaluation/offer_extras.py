"""The tables of one offer beside its headline effects (aggregate; nothing person level).

The investor's view of its results contract (``contract.parquet``, :func:`contract_table`)
and the decomposition of its participants' raw difference into selection and extra effect
(``decomposition.parquet``, :func:`decomposition_table`): the panel, the match and the
fitted event studies in, tidy frames out; each is empty when it cannot be computed (no
payment terms, no estimate of the contract's outcome, no matched participant).

For whom, against what, and what participating meant (issue 17): :func:`offer_extras`
takes the offer's matched event study (as built for the headline) and returns
:class:`OfferExtras`:

* ``itt_effects`` - the pooled headline row of the primary outcome under the
  intention-to-treat contrast (``estimand = "itt"``; :mod:`evaluation.did.model`), for
  ``effects.parquet`` beside the per-protocol rows;
* ``subgroups`` - the headline effect by subgroup with heterogeneity tests and Holm
  within the offer (:mod:`evaluation.subgroups`), for ``subgroups.parquet``;
* ``durations`` - participation lengths and the dropout share (descriptive,
  :mod:`evaluation.duration`), for ``durations.parquet``;
* ``earnings_effects`` - with the status rows' ``earnings_dkk``, the extra earnings per
  month (outcome ``earnings_dkk``, :mod:`evaluation.earnings`) for ``effects.parquet``;
* ``tax_value`` - with ``valuation.tax_rate`` too, the tax on the extra earnings by payer
  for ``value.parquet``;
* ``staggered_effects`` - the standard unmatched staggered estimator (Callaway &
  Sant'Anna, :mod:`evaluation.did.staggered_register`) of the primary outcome: the
  offer's target-group persons, not-yet-treated controls, event-time ATT(e) and the
  mean over the headline window with analytic standard errors, for ``effects.parquet``
  with ``method = "callaway_santanna"`` and ``primary`` False. Secondary only: never in
  the headline, the Holm family, the value or the payment; it shows how far the
  standard estimator, which does not match on history, lies from the matched design.

Subgroups and the ITT row need the primary outcome to be a status outcome of the config
(the default ``self_sufficient`` is); otherwise they are empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaluation.config import EvaluationConfig, OfferConfig
from evaluation.decomposition import DECOMPOSITION_COLUMNS, decompose
from evaluation.did import MatchedEventStudy, status_outcome
from evaluation.did.results import NOT_ESTIMABLE, EventStudyResult
from evaluation.did.staggered_register import StaggeredOffer
from evaluation.duration import duration_table
from evaluation.earnings import EARNINGS, EarningsRows, earnings_matrix, tax_rows
from evaluation.matching.data import NEVER
from evaluation.matching.results import MatchResult
from evaluation.monetise.contract import CONTRACT_COLUMNS
from evaluation.monetise.investor import offer_investor_view
from evaluation.outcome_specs import COST, OutcomeSpec
from evaluation.panel import StatusPanel
from evaluation.subgroups import SUBGROUP_COLUMNS, offer_subgroups

MUNICIPAL_COST = f"{COST}_kommune"
N_DRAWS = 2000


def contract_table(
    panel: StatusPanel,
    studies: Mapping[str, EventStudyResult],
    offer: OfferConfig,
    cfg: EvaluationConfig,
) -> pd.DataFrame:
    """The investor's view of the offer's contract (:data:`CONTRACT_COLUMNS`): every
    participant's start (the panel's participations as of its last month), the effect on
    ``payment_terms.outcome`` and minus the effect on the municipality's public cost."""
    terms = offer.payment_terms
    if terms is None or terms.outcome not in studies:
        return pd.DataFrame(columns=list(CONTRACT_COLUMNS))
    first = panel.offer_starts.get(offer.offer_id, np.array([], dtype=np.int32))
    starts = first[first != NEVER]
    res = offer_investor_view(
        offer.offer_id,
        terms,
        offer.cost_per_participant_dkk,
        starts,
        studies[terms.outcome],
        studies.get(MUNICIPAL_COST),
        headline_window=cfg.estimation.headline_window,
        level=cfg.estimation.level,
        seed=cfg.estimation.seed,
        n_draws=N_DRAWS,
    )
    return pd.DataFrame(columns=list(CONTRACT_COLUMNS)) if res is None else res.tidy()


def decomposition_table(
    panel: StatusPanel,
    match: MatchResult,
    studies: Mapping[str, EventStudyResult],
    offer: OfferConfig,
    specs: list[OutcomeSpec],
) -> pd.DataFrame:
    """The decomposition of the offer's primary outcome (:data:`DECOMPOSITION_COLUMNS`)."""
    spec = next((s for s in specs if s.name == offer.primary_outcome), None)
    if match.n_matched == 0 or spec is None or spec.name not in studies:
        return pd.DataFrame(columns=list(DECOMPOSITION_COLUMNS))
    d = decompose(
        panel, match, studies[spec.name], offer.target_group, spec.values, extra=spec.extra
    )
    return d.tidy()


EARLY_MONTHS = 3  # the on-track monitor's dropout_months (evaluation.monitor.MonitorSettings)


@dataclass(frozen=True, eq=False)
class OfferExtras:
    itt_effects: pd.DataFrame
    subgroups: pd.DataFrame
    durations: pd.DataFrame
    earnings_effects: pd.DataFrame = field(default_factory=pd.DataFrame)
    tax_value: pd.DataFrame = field(default_factory=pd.DataFrame)
    staggered_effects: pd.DataFrame = field(default_factory=pd.DataFrame)


def offer_extras(
    panel: StatusPanel,
    offer: OfferConfig,
    settings: EvaluationConfig,
    study: MatchedEventStudy | None,
    status: pd.DataFrame | EarningsRows | None = None,
) -> OfferExtras:
    """The offer's ITT headline row, subgroup table and duration table; ``study`` is the
    offer's per-protocol event study (None when nobody was matched); ``status``: the
    validated status rows, for the earnings (None: no earnings outcome)."""
    parts = panel.participations.for_offer(offer.offer_id)
    durations = duration_table(
        offer.offer_id, parts.start, parts.end, panel.last_month, early_months=EARLY_MONTHS
    )
    primary = next((o for o in settings.outcomes if o.name == offer.primary_outcome), None)
    if study is None or primary is None:
        return OfferExtras(pd.DataFrame(), pd.DataFrame(columns=list(SUBGROUP_COLUMNS)), durations)
    values = status_outcome(primary.statuses)
    itt = itt_study(study).fit(primary.name, values).tidy()
    subgroups = offer_subgroups(study, primary.name, values, min_persons=settings.min_cell_size)
    earnings, tax = _earnings(study, status, settings)
    itt = itt[itt["headline"]].reset_index(drop=True)
    staggered = staggered_effects(panel, offer, settings, primary.name, values)
    return OfferExtras(itt, subgroups, durations, earnings, tax, staggered)


def staggered_effects(
    panel: StatusPanel,
    offer: OfferConfig,
    settings: EvaluationConfig,
    outcome: str,
    values: np.ndarray,
) -> pd.DataFrame:
    """Callaway & Sant'Anna rows of one outcome (``method = "callaway_santanna"``,
    ``estimand = "not_yet_treated"``: start in month g against persons of the target
    group not yet started by the compared month, ``primary`` False): units the offer's
    target group as its risk sets define it, the event window and headline window of the
    matched event study, analytic standard errors."""
    est = settings.estimation
    fit = StaggeredOffer(
        panel,
        offer.offer_id,
        offer.target_group,
        window=est.event_window,
        headline_window=est.headline_window,
        level=est.level,
    ).fit(outcome, values)
    rows = fit.tidy()
    rows["estimand"] = "not_yet_treated"
    rows["primary"] = False
    fixed = rows["std_error"].isna() & rows["estimate"].notna()  # as the matched rows say
    rows["note"] = pd.array(np.where(fixed, NOT_ESTIMABLE, None), dtype="str")
    return rows


def _earnings(
    study: MatchedEventStudy, status: pd.DataFrame | EarningsRows | None, settings: EvaluationConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if status is None:
        return pd.DataFrame(), pd.DataFrame()
    persons = np.unique(study.design.person)
    amounts = earnings_matrix(study.panel, status, persons)
    if amounts is None:
        return pd.DataFrame(), pd.DataFrame()
    result = study.fit_amounts(EARNINGS, amounts, persons)
    rates = dict(settings.valuation.tax_rate)
    tax = pd.DataFrame()
    if rates:
        tax = tax_rows(
            result,
            rates,
            participants=study.match.n_matched,
            settings=settings.valuation,
            price_year=settings.price_year,
        )
    return result.tidy(), tax


def itt_study(study: MatchedEventStudy) -> MatchedEventStudy:
    """The same event study (same match, windows and inference) under the ITT contrast."""
    return MatchedEventStudy(
        study.panel,
        study.match,
        window=study.window,
        headline_window=study.headline_window,
        level=study.level,
        bootstrap_below=study.bootstrap_below,
        bootstrap_reps=study.bootstrap_reps,
        seed=study.seed,
        power=study.power,
        placebo_months=study.placebo_months,
        std_errors=study.std_errors,
        estimand="itt",
    )
