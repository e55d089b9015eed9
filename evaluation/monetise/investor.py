"""The investor's view of one offer's results contract from its fitted event studies:
the wiring of :func:`evaluation.monetise.contract.investor_view` for a monthly run.

Starts: every participant who started the offer (the investor pre-finances everyone
enrolled), by calendar month. Outcome path: the event study of the contract's outcome
(``payment_terms.outcome``). Savings path: minus the event study of the municipality's
public cost (``public_cost_dkk_kommune``; zero when there is no price catalogue). The two
paths come from the same persons, but their person-level scores are not aligned here,
so they are drawn independently (the result says so in its notes).
"""

from __future__ import annotations

import numpy as np

from evaluation.monetise.config import ContractTerms
from evaluation.monetise.contract import ContractModel, ContractResult, investor_view
from evaluation.monetise.data import EffectPath, EffectPathLike


def offer_investor_view(
    offer_id: str,
    terms: ContractTerms,
    cost_per_participant_dkk: float,
    start_months: np.ndarray,
    outcome: EffectPathLike,
    municipal_cost: EffectPathLike | None,
    *,
    headline_window: tuple[int, int] = (0, 11),
    level: float = 0.95,
    seed: int = 0,
    n_draws: int = 2000,
) -> ContractResult | None:
    """The contract's cash flows and risks (None without any start). ``start_months``:
    the month index of each participant's start; ``municipal_cost``: the offer's effect
    on the municipality's public cost in DKK per participant and month."""
    start_months = np.asarray(start_months, dtype=np.int64)
    if not len(start_months):
        return None
    first = int(start_months.min())
    counts = np.bincount(start_months - first).astype(float)
    model = ContractModel(terms, cost_per_participant_dkk, counts, first, headline_window)
    path = EffectPath.of(outcome)
    if municipal_cost is None:
        savings = EffectPath(
            path.event_times, np.zeros(len(path.event_times)), np.zeros_like(path.cov)
        )
    else:
        c = EffectPath.of(municipal_cost)
        savings = EffectPath(c.event_times, -c.estimates, c.cov)
    return investor_view(offer_id, model, path, savings, n_draws=n_draws, level=level, seed=seed)
