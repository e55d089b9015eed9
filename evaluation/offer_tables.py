"""The aggregate tables of one offer's evaluation (:class:`OfferTables`), built from an
:class:`~evaluation.offer.OfferEvaluation` with the columns of :mod:`evaluation.schema`,
and the step across the offers of a run (:func:`stack`, Holm's adjustment).

Nothing person level: counts, means, estimates and diagnostics only, not yet suppressed
for small cells."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evaluation import schema
from evaluation.did.inference import holm
from evaluation.did.results import METHOD
from evaluation.monetise import portfolio_row

if TYPE_CHECKING:
    from evaluation.offer import OfferEvaluation


@dataclass(frozen=True, eq=False)
class OfferTables:
    """One offer's aggregate tables (columns: :func:`evaluation.schema.columns` of each
    name without the suppression columns). What the flow caches and publishes."""

    offer_id: str
    matching: pd.DataFrame
    balance: pd.DataFrame
    effects: pd.DataFrame
    levels: pd.DataFrame
    value: pd.DataFrame
    portfolio: pd.DataFrame
    indicators: pd.DataFrame
    contract: pd.DataFrame
    decomposition: pd.DataFrame
    sensitivity: pd.DataFrame
    subgroups: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name (:data:`evaluation.schema.OFFER_TABLES`)."""
        return {name: getattr(self, name) for name in schema.OFFER_TABLES}


assert tuple(f.name for f in fields(OfferTables))[1:] == schema.OFFER_TABLES


def offer_tables(e: OfferEvaluation) -> OfferTables:
    """Every aggregate table of one evaluated offer."""
    status = matching_status(e)
    ex = e.extras
    if e.studies:
        parts = [s.tidy() for s in e.studies.values()]
        if ex is not None:  # the ITT headline row and the earnings outcome
            parts += [f for f in (ex.itt_effects, ex.earnings_effects) if len(f)]
        effects = pd.concat(parts, ignore_index=True)
        levels = pd.concat([s.levels() for s in e.studies.values()], ignore_index=True)
    else:
        effects = _no_effects(e, note=status)
        levels = schema.empty("levels")
    # the pre-specified primary outcome: Holm's adjustment runs over the offers on it
    effects["primary"] = (effects["outcome"] == e.offer.primary_outcome).to_numpy(bool)
    if ex is not None and len(ex.staggered_effects):  # secondary, never primary
        effects = pd.concat([effects, schema.conform(ex.staggered_effects, "effects")])
        effects = effects.reset_index(drop=True)
    return OfferTables(
        offer_id=e.offer_id,
        matching=_matching(e, status),
        balance=schema.conform(e.match.balance.assign(offer_id=e.offer_id), "balance"),
        effects=schema.conform(effects, "effects"),  # p_value_holm: set across offers (stack)
        levels=levels,
        value=_value(e),
        portfolio=_portfolio(e, status),
        indicators=e.on_track.indicators_frame(),
        contract=_extra(e.contract, "contract"),
        decomposition=_extra(e.decomposition, "decomposition"),
        sensitivity=_sensitivity(e),
        subgroups=schema.conform(ex.subgroups, "subgroups")
        if ex is not None and len(ex.subgroups)
        else schema.empty("subgroups"),
    )


def _extra(frame: pd.DataFrame | None, name: str) -> pd.DataFrame:
    """The investor's view or the decomposition (:mod:`evaluation.offer_extras`)."""
    return schema.empty(name) if frame is None or not len(frame) else schema.conform(frame, name)


def matching_status(e: OfferEvaluation) -> str:
    """``matched``, else the most frequent reason participants were left unmatched
    (``no_participants`` when there were none)."""
    if e.match.n_matched > 0:
        return "matched"
    reasons = e.match.unmatched["reason"].value_counts()
    return str(reasons.index[0]) if len(reasons) else "no_participants"


def _matching(e: OfferEvaluation, status: str) -> pd.DataFrame:
    matching = e.match.summary_frame()
    matching.insert(1, "name", e.offer.name)
    matching["status"] = status
    matching = schema.conform(matching, "matching")
    for col in matching.columns:
        if col.startswith("unmatched_"):
            matching[col] = matching[col].fillna(0).astype("int64")
    return matching


def _no_effects(e: OfferEvaluation, note: str) -> pd.DataFrame:
    """One headline row per outcome saying why there is no estimate."""
    names = list(e.outcomes)
    n = len(names)
    return pd.DataFrame(
        {
            "offer_id": e.offer_id,
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
            "method": METHOD,
            "estimand": "per_protocol",
            "ci_method": None,
            "level": e.settings.estimation.level,
            "headline": True,
            "mde": np.nan,
            "mde_power": e.settings.estimation.power,
            "placebo_p_value": np.nan,
            "placebo_window": None,
            "note": note,
        }
    )


def _value(e: OfferEvaluation) -> pd.DataFrame:
    """The value by measure x payer x scenario, plus the results-based payment."""
    if e.value is None:
        return schema.empty("value")
    frames = [e.value.tidy()] + ([] if e.payment is None else [e.payment.tidy()])
    if e.extras is not None and len(e.extras.tax_value):  # tax on the extra earnings
        frames.append(e.extras.tax_value)
    return schema.conform(pd.concat(frames, ignore_index=True), "value")


def _portfolio(e: OfferEvaluation, status: str) -> pd.DataFrame:
    if e.value is not None:
        row = portfolio_row(e.value, evidence_stars=e.offer.evidence_stars)
    else:
        row = schema.row(
            "portfolio",
            offer_id=e.offer_id,
            participants=e.match.n_matched,
            cost_per_participant_dkk=e.offer.cost_per_participant_dkk,
            evidence_stars=e.offer.evidence_stars,
            note="no estimate: " + status,
        )
    return schema.conform(pd.DataFrame([row]), "portfolio")


def stack(offers: Iterable[OfferTables]) -> dict[str, pd.DataFrame]:
    """The offers' tables stacked by name, and the headline p-values adjusted for
    multiple comparisons: Holm over the offers' headline tests on their pre-specified
    primary outcome (``primary``); other outcomes are secondary (no adjusted p-value)."""
    offers = list(offers)
    tables = {}
    for name in schema.OFFER_TABLES:
        parts = [getattr(o, name) for o in offers if len(getattr(o, name))]
        tables[name] = pd.concat(parts, ignore_index=True) if parts else schema.empty(name)
    eff = tables["effects"]
    if len(eff):
        family = eff["headline"].to_numpy(bool) & eff["primary"].to_numpy(bool)
        family &= headline_contrast(eff)
        eff["p_value_holm"] = np.nan
        eff.loc[family, "p_value_holm"] = holm(eff.loc[family, "p_value"].to_numpy())
        tables["effects"] = schema.conform(eff, "effects")
    return tables


def headline_contrast(effects: pd.DataFrame) -> np.ndarray:
    """Rows of the matched design's headline contrast (per protocol): not the ITT rows,
    not the secondary Callaway & Sant'Anna rows (``method``). What the headline, the
    Holm family, the value and the report's headline sentences read."""
    keep = np.ones(len(effects), dtype=bool)
    if "estimand" in effects.columns:
        keep &= (effects["estimand"] != "itt").to_numpy(bool)
    if "method" in effects.columns:
        keep &= (effects["method"] == METHOD).to_numpy(bool)
    return keep


def _sensitivity(e: OfferEvaluation) -> pd.DataFrame:
    """The sensitivity rows of the primary outcome's headline (none without an estimate)."""
    if e.sensitivity is None or not len(e.sensitivity):
        return schema.empty("sensitivity")
    return schema.conform(e.sensitivity, "sensitivity")
