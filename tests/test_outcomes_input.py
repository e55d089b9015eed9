"""The optional input outcomes_monthly.parquet: validated like the other inputs (GX,
quarantine), undeclared measures and duplicates set aside, absent file = no measures."""

from __future__ import annotations

from pathlib import Path

import _validation_cases as cases
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evaluation import months
from evaluation.measures import Measure
from flows.prepared import panel_until
from flows.validation import ValidationError, validate_inputs

FILE = "outcomes_monthly.parquet"
DECLARED = ("homeless", "shelter_nights")


def _outcomes(frames: cases.Frames) -> pd.DataFrame:
    """homeless = 1 in the first 20 status rows; shelter_nights 3 in the next 10."""
    s = frames["status_monthly"]
    a = s.iloc[:20][["person_id", "month"]].assign(measure="homeless", value=1.0)
    b = s.iloc[20:30][["person_id", "month"]].assign(measure="shelter_nights", value=3.0)
    out = pd.concat([a, b], ignore_index=True)
    out["person_id"] = out["person_id"].astype("str")
    out["measure"] = out["measure"].astype("str")
    return out


def _write(folder: Path, frames: cases.Frames, outcomes: pd.DataFrame | None) -> Path:
    cases.write(frames, folder)
    if outcomes is not None:
        table = pa.Table.from_pandas(outcomes, preserve_index=False)
        pq.write_table(table.replace_schema_metadata(None), folder / FILE)
    return folder


def test_absent_file_means_no_measures(tmp_path: Path) -> None:
    v = validate_inputs(_write(tmp_path, cases.base_frames(), None), measures=DECLARED)
    assert not v.has_outcomes and FILE not in v.counts
    panel = panel_until(v, months.parse("2024-12"), (Measure("homeless", "binary"),))
    # no rows: 0 wherever the person is observed, NaN where not
    h = panel.measures["homeless"]
    assert np.nanmax(h) == 0 and (np.isnan(h) == (panel.status < 0)).all()


def test_undeclared_measure_and_duplicates_are_quarantined(tmp_path: Path) -> None:
    frames = cases.base_frames()
    out = _outcomes(frames)
    out.loc[3, "measure"] = "violence"  # not declared
    out = pd.concat([out, out.iloc[[5]]], ignore_index=True)  # row 30 repeats row 5
    out.loc[7, "value"] = np.nan  # value must be filled
    v = validate_inputs(_write(tmp_path, frames, out), measures=DECLARED, max_quarantine_share=0.5)
    q = v.quarantine[v.quarantine["file"] == FILE]
    got = set(zip(q["row"].astype(int), q["rule"], strict=True))
    assert got == {
        (3, "outcomes_monthly.measure.measure_must_be_declared_in_the_config"),
        (5, "outcomes_monthly.one_row_per_person_month_and_measure"),
        (30, "outcomes_monthly.one_row_per_person_month_and_measure"),
        (7, "outcomes_monthly.value.value_must_be_filled"),
    }
    assert v.counts[FILE] == {"read": 31, "kept": 27, "quarantined": 4}


def test_measure_matrix_follows_the_kind(tmp_path: Path) -> None:
    """binary/count: 0 without a row; amount: missing without a row; NaN unobserved."""
    frames = cases.base_frames()
    out = _outcomes(frames)
    v = validate_inputs(_write(tmp_path, frames, out), measures=DECLARED)
    measures = (Measure("homeless", "binary"), Measure("shelter_nights", "amount"))
    panel = panel_until(v, months.parse("2024-12"), measures)
    ids = pd.Index(panel.person_ids.astype(str))
    r = ids.get_indexer(out["person_id"])
    c = months.from_dates(out["month"]) - panel.first_month
    h, n = panel.measures["homeless"], panel.measures["shelter_nights"]
    assert (h[r[:20], c[:20]] == 1).all() and (n[r[20:], c[20:]] == 3).all()
    observed = panel.status >= 0
    assert np.nansum(h) == 20 and (h[observed] >= 0).all()
    assert np.isnan(n[observed]).sum() == observed.sum() - 10
    assert np.isnan(h[~observed]).all() and np.isnan(n[~observed]).all()


def test_without_a_config_the_declared_rule_does_not_run(tmp_path: Path) -> None:
    frames = cases.base_frames()
    out = _outcomes(frames)
    out.loc[3, "measure"] = "violence"
    v = validate_inputs(_write(tmp_path, frames, out))
    assert v.counts[FILE]["quarantined"] == 0


def test_unknown_person_is_quarantined_and_cpr_stops(tmp_path: Path) -> None:
    frames = cases.base_frames()
    out = _outcomes(frames)
    out.loc[2, "person_id"] = "NOBODY"
    v = validate_inputs(_write(tmp_path / "a", frames, out), measures=DECLARED)
    q = v.quarantine[v.quarantine["file"] == FILE]
    assert q["rule"].tolist() == ["outcomes_monthly.person_id.person_must_exist_in_persons"]
    out.loc[2, "person_id"] = "010199-0000"  # made-up CPR look-alike
    with pytest.raises(ValidationError, match="outcomes_monthly.parquet.*cpr"):
        validate_inputs(_write(tmp_path / "b", frames, out), measures=DECLARED)


@pytest.mark.parametrize("change", ["extra_column", "text_value"])
def test_schema_breaks_stop(change: str, tmp_path: Path) -> None:
    frames = cases.base_frames()
    out = _outcomes(frames)
    if change == "extra_column":
        out["note"] = "x"
    else:
        out["value"] = out["value"].astype(str)
    with pytest.raises(ValidationError, match="outcomes_monthly.parquet"):
        validate_inputs(_write(tmp_path, frames, out), measures=DECLARED)
