"""The contract and decomposition tables follow their output contracts
(data_contracts/outputs/): same columns in the same order, same Arrow types (annotate inserts
``offer_name`` after ``offer_id``; the publish step appends ``suppressed`` and
``suppression_reason``). ``sensitivity``: tests/test_sensitivity_outputs.py."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from evaluation import months
from evaluation.decomposition import Decomposition
from evaluation.monetise import ContractTerms, EffectPath
from evaluation.monetise.contract import ContractModel, investor_view
from flows.annotate import annotate
from flows.contracts import OUTPUTS_DIR, output_schema

TAIL = ["suppressed", "suppression_reason"]


def _frames() -> dict:
    path = EffectPath(np.arange(3), np.array([0.0, 0.1, 0.2]), np.eye(3) * 1e-4)
    model = ContractModel(ContractTerms(per_extra_outcome_month_dkk=5000, horizon_months=3),
                          20_000, np.array([10, 10]), months.parse("2024-01"))  # fmt: skip
    contract = investor_view("los", model, path, path, n_draws=20).tidy()
    decomposition = Decomposition(
        "los", "ss", (0, 11), 0.5, 0.4, 0.3, 0.1, 0.02, 0.0, 50, 900
    ).tidy()
    return annotate({"contract": contract, "decomposition": decomposition}, {"los": "LOS"})


@pytest.mark.parametrize("name", ["contract", "decomposition"])
def test_tidy_frames_follow_the_pending_contracts(name: str) -> None:
    frame = _frames()[name]
    schema = output_schema(name, OUTPUTS_DIR)
    assert list(frame.columns) + TAIL == schema.names
    head = pa.schema([schema.field(n) for n in frame.columns])
    table = pa.Table.from_pandas(frame, schema=head, preserve_index=False)  # as publish writes
    assert table.schema == head
