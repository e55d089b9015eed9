"""Which outcomes an offer is evaluated on, and how each is computed from the panel.

An outcome is a status-set outcome of the config (``self_sufficient``, ``on_benefits``,
``outcomes:``: a value per status), a register measure (``measures:``: the measure's
persons x months matrix, :mod:`evaluation.measures`) or a public-cost outcome
(``public_cost_dkk``, ``public_cost_dkk_<payer>``: the status prices plus the measures
priced for that payer). An offer lists the outcomes it is evaluated on
(:attr:`OfferConfig.outcomes`, status-set outcomes and measures alike; all when empty);
the public-cost outcomes follow whenever there is a price catalogue.

Pure: the panel and the configuration in, :class:`OutcomeSpec` out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evaluation.config import EvaluationConfig, OfferConfig
from evaluation.did import priced_outcome, status_outcome
from evaluation.measures import priced_measures
from evaluation.panel import StatusPanel
from evaluation.statuses import STATUSES

COST = "public_cost_dkk"


@dataclass(frozen=True, eq=False)
class OutcomeSpec:
    """One outcome: its value per status and a persons x months matrix added to it."""

    name: str
    values: np.ndarray
    extra: np.ndarray | None = None


def offer_outcome_names(offer: OfferConfig, cfg: EvaluationConfig) -> tuple[str, ...]:
    """The outcomes ``offer`` is evaluated on, in the config's order (status-set outcomes,
    then measures) unless the offer lists them, then in its order."""
    known = [o.name for o in cfg.outcomes] + [m.name for m in cfg.measures]
    return tuple(offer.outcomes) if offer.outcomes else tuple(known)


def outcome_specs(
    panel: StatusPanel, offer: OfferConfig, cfg: EvaluationConfig
) -> list[OutcomeSpec]:
    """Every outcome of ``offer`` (:func:`offer_outcome_names`), then the public-cost
    outcomes. A measure the panel does not hold (no ``outcomes_monthly.parquet``) is
    left out."""
    statuses = {o.name: o for o in cfg.outcomes}
    out = []
    for name in offer_outcome_names(offer, cfg):
        if name in statuses:
            out.append(OutcomeSpec(name, status_outcome(statuses[name].statuses)))
        elif name in panel.measures:
            out.append(OutcomeSpec(name, np.zeros(len(STATUSES)), panel.measures[name]))
    return out + cost_specs(panel, cfg)


def cost_specs(panel: StatusPanel, cfg: EvaluationConfig) -> list[OutcomeSpec]:
    """``public_cost_dkk`` (all payers) and ``public_cost_dkk_<payer>``: DKK per
    person-month from the status prices in the configured price year plus the measures'
    unit prices for that payer; none without a price catalogue."""
    if cfg.prices is None:
        return []
    out = []
    for payer, vector in cfg.prices.by_payer(price_year=cfg.price_year).items():
        name = COST if payer == "all" else f"{COST}_{payer}"
        prices = dict(zip(STATUSES, (float(x) for x in vector), strict=True))
        extra = priced_measures(cfg.measures, panel.measures, payer)
        out.append(OutcomeSpec(name, priced_outcome(prices), extra))
    return out
