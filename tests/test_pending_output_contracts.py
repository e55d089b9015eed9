"""The new result tables (not published yet) follow their output contracts in
data_contracts/outputs/pending/: same columns in the same order, same Arrow types (the
publish step appends ``suppressed`` and ``suppression_reason``)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from evaluation import months
from evaluation.decomposition import Decomposition
from evaluation.monetise import ContractTerms, EffectPath
from evaluation.monetise.contract import ContractModel, investor_view
from evaluation.sensitivity import EventStudyInput, Target, e_value, tidy_rows, trend_sensitivity
from evaluation.sensitivity.results import e_value_rows
from flows.contracts import OUTPUTS_DIR, output_schema

PENDING = OUTPUTS_DIR / "pending"
TAIL = ["suppressed", "suppression_reason"]


def _frames() -> dict:
    path = EffectPath(np.arange(3), np.array([0.0, 0.1, 0.2]), np.eye(3) * 1e-4)
    model = ContractModel(ContractTerms(per_extra_outcome_month_dkk=5000, horizon_months=3),
                          20_000, np.array([10, 10]), months.parse("2024-01"))  # fmt: skip
    contract = investor_view("los", model, path, path, n_draws=20).tidy()
    decomposition = Decomposition(
        "los", "ss", (0, 11), 0.5, 0.4, 0.3, 0.1, 0.02, 0.0, 50, 900
    ).tidy()
    study = EventStudyInput(np.array([0.0, 0.01, 0.05, 0.06]), np.eye(4) * 1e-4, 2, 2)
    trends = trend_sensitivity(study, Target.window(0, 1), mbars=(1.0,), ms=(0.0,), breakdown=False)
    sens = trends.tidy(offer_id="los", outcome="ss")
    ev = tidy_rows(e_value_rows(e_value(1.2, 1.05, 1.4)), offer_id="los", outcome="ss",
                   target="mean e=0..11", level=0.95)  # fmt: skip
    return {
        "contract": contract,
        "decomposition": decomposition,
        "sensitivity": sens,
        "sens_ev": ev,
    }


@pytest.mark.parametrize("name", ["contract", "decomposition", "sensitivity", "sens_ev"])
def test_tidy_frames_follow_the_pending_contracts(name: str) -> None:
    frame = _frames()[name]
    schema = output_schema(name.replace("sens_ev", "sensitivity"), PENDING)
    assert list(frame.columns) + TAIL == schema.names
    head = pa.schema([schema.field(n) for n in frame.columns])
    table = pa.Table.from_pandas(frame, schema=head, preserve_index=False)  # as publish writes
    assert table.schema == head
