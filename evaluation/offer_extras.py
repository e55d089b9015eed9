"""Two tables of one offer beside its effects: the investor's view of its results
contract (``contract.parquet``) and the decomposition of its participants' raw
difference into selection and extra effect (``decomposition.parquet``).

Pure: the panel, the match and the fitted event studies in, tidy frames out (aggregate;
nothing person level). Each is empty when it cannot be computed: no payment terms, no
estimate of the contract's outcome, no matched participant.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from evaluation.config import EvaluationConfig, OfferConfig
from evaluation.decomposition import DECOMPOSITION_COLUMNS, decompose
from evaluation.did.results import EventStudyResult
from evaluation.matching.data import NEVER
from evaluation.matching.results import MatchResult
from evaluation.monetise.contract import CONTRACT_COLUMNS
from evaluation.monetise.investor import offer_investor_view
from evaluation.outcome_specs import COST, OutcomeSpec
from evaluation.panel import StatusPanel

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
