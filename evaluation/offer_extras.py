"""For whom, against what, and what participating meant: the tables of one offer beside
its headline (issue 17).

:func:`offer_extras` takes the offer's matched event study (as built for the headline)
and returns aggregate tables only:

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
  for ``value.parquet``.

Subgroups and the ITT row need the primary outcome to be a status outcome of the config
(the default ``self_sufficient`` is); otherwise they are empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaluation.config import EvaluationConfig, OfferConfig
from evaluation.did import MatchedEventStudy, status_outcome
from evaluation.duration import duration_table
from evaluation.earnings import EARNINGS, earnings_matrix, tax_rows
from evaluation.panel import StatusPanel
from evaluation.subgroups import SUBGROUP_COLUMNS, offer_subgroups

EARLY_MONTHS = 3  # the on-track monitor's dropout_months (evaluation.monitor.MonitorSettings)


@dataclass(frozen=True, eq=False)
class OfferExtras:
    itt_effects: pd.DataFrame
    subgroups: pd.DataFrame
    durations: pd.DataFrame
    earnings_effects: pd.DataFrame = field(default_factory=pd.DataFrame)
    tax_value: pd.DataFrame = field(default_factory=pd.DataFrame)


def offer_extras(
    panel: StatusPanel,
    offer: OfferConfig,
    settings: EvaluationConfig,
    study: MatchedEventStudy | None,
    status: pd.DataFrame | None = None,
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
    return OfferExtras(itt, subgroups, durations, earnings, tax)


def _earnings(
    study: MatchedEventStudy, status: pd.DataFrame | None, settings: EvaluationConfig
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
