"""Small-cell suppression of the two new tables: the investor's view (contract) and the
decomposition. Whatever would give a blanked count back is blanked with it: the outlay
is cost x participants, the monthly flows give the monthly starts, the decomposition's
participants equal the matched participants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation import months
from evaluation.decomposition import Decomposition
from evaluation.monetise import ContractTerms, EffectPath
from evaluation.monetise.contract import ContractModel, investor_view
from evaluation.privacy.policy import suppress_run

THRESHOLD = 5


def _matching(n_participants: int, n_matched: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "offer_id": ["los"],
            "n_participants": [n_participants],
            "n_matched": [n_matched],
            "n_unmatched": [n_participants - n_matched],
        }
    )


def _contract(starts: list[int]) -> pd.DataFrame:
    path = EffectPath(np.arange(3), np.array([0.0, 0.1, 0.2]), np.eye(3) * 1e-4)
    terms = ContractTerms(per_extra_outcome_month_dkk=5000, horizon_months=3)
    model = ContractModel(terms, 20_000, np.array(starts), months.parse("2024-01"))
    return investor_view("los", model, path, path, n_draws=20).tidy()


def _enrolment(starts: list[int]) -> pd.DataFrame:
    rows = [("enrolment_by_month", f"2024-{m + 1:02d}", float(v)) for m, v in enumerate(starts)]
    rows.append(("enrolment", None, float(sum(starts))))
    frame = pd.DataFrame(rows, columns=["indicator", "month", "value"])
    frame.insert(0, "offer_id", "los")
    return frame


def _decomposition(n: int, n_target: int) -> pd.DataFrame:
    return Decomposition("los", "ss", (0, 11), 0.5, 0.4, 0.3, 0.1, 0.02, 0.0, n, n_target).tidy()


def test_contract_outlay_follows_blanked_starts() -> None:
    """A month with 3 starts is blanked in the indicators: the outlay and the flows
    that give it back (profit, payments, cumulative net) are blanked too."""
    starts = [40, 3, 40]
    out = suppress_run(
        {"matching": _matching(83, 83), "indicators": _enrolment(starts),
         "contract": _contract(starts)},
        THRESHOLD,
    )["contract"]  # fmt: skip
    hidden = out[out["quantity"].isin(["investor_outlay_dkk", "payment_dkk"])]
    assert hidden["value"].isna().all() and hidden["suppressed"].all()
    kept = out[out["quantity"] == "investor_multiple"]
    assert kept["value"].notna().all()  # a ratio does not give the starts back


def test_contract_rests_on_the_participants() -> None:
    out = suppress_run({"matching": _matching(4, 4), "contract": _contract([4])}, THRESHOLD)[
        "contract"
    ]
    assert out["value"].isna().all() and out["suppressed"].all()


def test_decomposition_small_counts_are_blanked_with_what_rests_on_them() -> None:
    out = suppress_run(
        {"matching": _matching(3, 3), "decomposition": _decomposition(3, 900)}, THRESHOLD
    )["decomposition"].iloc[0]
    assert pd.isna(out["n_participants"]) and pd.isna(out["extra_effect"])
    assert out["suppressed"] and out["offer_id"] == "los"
    small_group = suppress_run(
        {"matching": _matching(50, 50), "decomposition": _decomposition(50, 4)}, THRESHOLD
    )["decomposition"].iloc[0]
    assert pd.isna(small_group["target_group_level"]) and pd.isna(small_group["selection"])
    assert small_group["extra_effect"] == pytest.approx(0.1) and small_group["n_participants"] == 50
