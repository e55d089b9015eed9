"""The monthly run on a local Dask cluster of two worker processes writes the same
Parquet files, byte for byte, as the run in one process (published and restricted), the
workers reading the inputs from the shared folder themselves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _cli import cli, one_error_line, run_args

from flows import io
from flows.dask_cluster import InputsRef, task_runner, worker_inputs, worker_panel
from flows.monthly import RunParameters, run_monthly

AS_OF = "2024-06"


def _params(synth_dir: Path, tmp: Path, name: str) -> RunParameters:
    return RunParameters(
        data=str(synth_dir),
        config=str(synth_dir / "config.yaml"),
        out=str(tmp / name / "out"),
        restricted_out=str(tmp / name / "restricted"),
        cache_dir=str(tmp / name / "cache"),
        as_of=AS_OF,
    )


def _parquet(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.parquet"))}


def test_two_local_workers_write_the_single_process_results(
    prefect_server, synth_dir: Path, tmp_path: Path
) -> None:
    single = _params(synth_dir, tmp_path, "single")
    run_monthly(single)
    dask = _params(synth_dir, tmp_path, "dask")
    res = run_monthly(dask, task_runner=task_runner(workers=2))
    assert res["as_of"] == AS_OF
    for field in ("out", "restricted_out"):
        a = _parquet(io.month_dir(Path(getattr(single, field)), AS_OF))
        b = _parquet(io.month_dir(Path(getattr(dask, field)), AS_OF))
        assert len(a) >= 5 and a.keys() == b.keys()
        assert [k for k in a if a[k] != b[k]] == []
    sets = list(io.month_dir(Path(dask.restricted_out), AS_OF).glob("matched_sets_*.parquet"))
    assert sets, "the workers wrote the matched sets into the restricted folder"


def test_a_worker_refuses_inputs_that_differ_from_the_drivers(synth_dir: Path) -> None:
    hashes = io.input_hashes(synth_dir) | {"persons.parquet": "0" * 64}
    with pytest.raises(RuntimeError, match="hashes differ"):
        worker_panel(InputsRef.of(str(synth_dir), hashes, 0.05, AS_OF))


def test_address_and_workers_together_are_refused(synth_dir: Path, tmp_path: Path) -> None:
    args = run_args(synth_dir, synth_dir / "config.yaml", tmp_path / "out", "--as-of", AS_OF)
    done = cli(*args, "--workers", "0")
    one_error_line(done, "--workers must be at least 1")
    assert not (tmp_path / "out").exists()
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", *args, "--workers", "2", "--dask-address", "tcp://x"],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "not allowed with argument" in done.stderr


def test_a_worker_builds_the_drivers_panel_with_its_register_measures(tmp_path: Path) -> None:
    """A worker validates and builds the panel as the driver does, the config's register
    measures (outcomes_monthly) and the earnings included (in process: the cluster
    mechanics are the test above)."""
    import numpy as np

    from evaluation.earnings import EarningsRows
    from flows.config import load_config, to_core
    from flows.prepared import prepare
    from flows.synthetic import write_synthetic
    from flows.validation import validate_inputs

    data = tmp_path / "homeless"
    write_synthetic(data, persons=1_500, seed=4, area="homelessness")
    measures = to_core(load_config(data / "config.yaml"), prices=None).measures
    assert measures, "the homelessness config declares register measures"
    hashes = io.input_hashes(data)
    validated = validate_inputs(
        data, max_quarantine_share=0.05, measures=tuple(m.name for m in measures)
    )
    prepared = prepare(validated, hashes, 0.05, measures=measures)
    driver = prepared.panel_as_of(AS_OF)
    panel, earnings = worker_inputs(InputsRef.of(str(data), hashes, 0.05, AS_OF, measures))
    assert sorted(panel.measures) == sorted(driver.measures) == sorted(m.name for m in measures)
    for name, matrix in driver.measures.items():
        np.testing.assert_array_equal(panel.measures[name], matrix)
    np.testing.assert_array_equal(panel.status, driver.status)
    # the earnings rows: the driver's, and as laid out from the clean status frame
    frame = EarningsRows.from_frame(driver.person_ids, validated.status)
    assert earnings is not None and frame is not None
    for rows in (prepared.earnings, frame):
        assert rows is not None
        for name in ("person", "month", "amount"):
            np.testing.assert_array_equal(getattr(earnings, name), getattr(rows, name))
