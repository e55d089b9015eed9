"""Bad input and faults through the command line: every failure is one clear line on
stderr naming the problem (never a person ID), and the month's earlier results stay
exactly as they were. Row-level defects are quarantined and reported, and offers that
cannot be evaluated get a row saying why."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from flows import io
from flows.cli import main

AS_OF = "2024-06"
INPUTS = ("persons.parquet", "status_monthly.parquet", "participation.parquet")


def _snapshot(out: Path) -> dict[str, str]:
    folder = io.month_dir(out, AS_OF)
    return {
        str(p.relative_to(folder)): io.file_sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def published(prefect_server, synth_dir: Path, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A month published by a good run, and the hashes of every file in it."""
    out = tmp_path_factory.mktemp("published")
    assert main(_run_args(synth_dir, out)) == 0
    return out, _snapshot(out)


@pytest.fixture(scope="module")
def person_ids(synth_dir: Path) -> set[str]:
    return set(pd.read_parquet(synth_dir / "persons.parquet")["person_id"].astype(str))


def _run_args(data: Path, out: Path, config: Path | None = None, as_of: str = AS_OF) -> list[str]:
    config = config or data / "config.yaml"
    return ["run", "--data", str(data), "--config", str(config), "--out", str(out)] + [
        "--as-of",
        as_of,
    ]


def _copy_inputs(synth_dir: Path, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in (*INPUTS, "config.yaml"):
        shutil.copy(synth_dir / name, dest / name)
    return dest


def _edit(folder: Path, name: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    path = folder / name
    frame = change(pd.read_parquet(path))
    pq.write_table(io.to_arrow(frame), path)


def _corrupt(folder: Path) -> None:
    (folder / "status_monthly.parquet").write_bytes(b"this is not a parquet file\n" * 10)


def _truncate(folder: Path) -> None:
    path = folder / "participation.parquet"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _missing(folder: Path) -> None:
    (folder / "participation.parquet").unlink()


def _wrong_type(folder: Path) -> None:
    _edit(folder, "persons.parquet", lambda d: d.assign(birth_year=d["birth_year"].astype(str)))


def _extra_column(folder: Path) -> None:
    _edit(folder, "status_monthly.parquet", lambda d: d.assign(kommune=101))


def _renamed_column(folder: Path) -> None:
    _edit(folder, "participation.parquet", lambda d: d.rename(columns={"offer_id": "tilbud_id"}))


def _unknown_config_field(folder: Path) -> None:
    cfg = yaml.safe_load((folder / "config.yaml").read_text())
    cfg["offers"][0]["colour"] = "green"
    (folder / "config.yaml").write_text(yaml.safe_dump(cfg))


STOPS = {
    "corrupt_parquet": (_corrupt, ["status_monthly.parquet"]),
    "truncated_parquet": (_truncate, ["participation.parquet"]),
    "missing_file": (_missing, ["participation.parquet", "not found"]),
    "wrong_column_type": (_wrong_type, ["persons.parquet", "birth_year"]),
    "extra_column": (_extra_column, ["status_monthly.parquet", "unexpected column(s) kommune"]),
    "renamed_column": (_renamed_column, ["missing column(s) offer_id", "tilbud_id"]),
    "unknown_config_field": (_unknown_config_field, ["colour"]),
}


def _assert_one_line_error(err: str, fragments: list[str], person_ids: set[str]) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("mereffekt: error: "), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    assert "Traceback" not in line and "unexpected" not in line.split(":", 2)[2][:12]
    assert not any(pid in line for pid in person_ids)
    return line


@pytest.mark.parametrize("case", list(STOPS))
def test_bad_input_stops_with_one_clear_line_and_keeps_results(
    case, published, synth_dir, person_ids, tmp_path, capsys
) -> None:
    out, before = published
    damage, fragments = STOPS[case]
    data = _copy_inputs(synth_dir, tmp_path / "data")
    damage(data)
    capsys.readouterr()
    assert main(_run_args(data, out)) == 1
    captured = capsys.readouterr()
    _assert_one_line_error(captured.err, fragments, person_ids)
    assert _snapshot(out) == before


def test_console_shows_only_the_error_line(published, synth_dir, person_ids, tmp_path) -> None:
    """As a user sees it: the real command in its own process prints exactly one line on
    stderr (no library log lines around it) and exits 1."""
    out, before = published
    from prefect.settings import PREFECT_API_URL

    data = _copy_inputs(synth_dir, tmp_path / "data")
    _renamed_column(data)
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    cmd = [sys.executable, "-m", "flows.cli", *_run_args(data, out)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    _assert_one_line_error(done.stderr, STOPS["renamed_column"][1], person_ids)
    assert _snapshot(out) == before


def test_disk_full_keeps_results(published, synth_dir, person_ids, monkeypatch, capsys) -> None:
    out, before = published
    real = io.write_parquet
    calls = {"n": 0}

    def disk_full(frame, path, metadata, schema=None):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(frame, path, metadata, schema)

    monkeypatch.setattr(io, "write_parquet", disk_full)
    capsys.readouterr()
    assert main(_run_args(synth_dir, out)) == 1
    line = _assert_one_line_error(
        capsys.readouterr().err, ["no space left on the device", "untouched"], person_ids
    )
    assert AS_OF in line
    assert _snapshot(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]


def test_second_run_of_the_same_month_refuses(published, synth_dir, person_ids, capsys) -> None:
    out, before = published
    capsys.readouterr()
    with io.month_lock(out, AS_OF):
        assert main(_run_args(synth_dir, out)) == 1
    _assert_one_line_error(capsys.readouterr().err, ["another run is writing"], person_ids)
    assert _snapshot(out) == before


def test_row_defects_are_quarantined_and_reported(
    prefect_server, synth_dir, person_ids, tmp_path, capsys
) -> None:
    """Unknown status, duplicate person-months, months not on the first, and an enrolment
    before the person's first observed month: the rows are set aside, the run goes on,
    and the summary and quarantine/summary.parquet name each rule."""
    data = _copy_inputs(synth_dir, tmp_path / "data")

    def status(d: pd.DataFrame) -> pd.DataFrame:
        d = d.copy()
        d["status"] = d["status"].astype(str)
        d.loc[d.index[:3], "status"] = "ferie"  # not a status code
        d.loc[d.index[10:12], "month"] = d.loc[d.index[10:12], "month"] + pd.Timedelta(days=14)
        return pd.concat([d, d.iloc[100:104]], ignore_index=True)  # duplicate person-months

    def participation(d: pd.DataFrame) -> pd.DataFrame:
        d = d.copy()
        d.loc[d.index[0], "start_month"] = pd.Timestamp("2001-01-01")
        return d

    _edit(data, "status_monthly.parquet", status)
    _edit(data, "participation.parquet", participation)
    out = tmp_path / "out"
    capsys.readouterr()
    assert main(_run_args(data, out)) == 0
    stdout = capsys.readouterr().out
    summary = pd.read_parquet(io.month_dir(out, AS_OF) / "quarantine" / "summary.parquet")
    rules = " ".join(summary["rule"])
    for fragment in (
        "status_must_belong_to_allowed_values",
        "one_row_per_person_and_month",
        "month_must_be_the_first_day_of_a_month",
        "start_not_before_first_observed_month",
    ):
        assert fragment in rules, (fragment, rules)
    assert "quarantined" in stdout
    assert not any(pid in stdout for pid in person_ids)


def test_offers_that_cannot_be_evaluated_get_a_row_not_a_crash(
    prefect_server, synth_dir, tmp_path, capsys
) -> None:
    data = _copy_inputs(synth_dir, tmp_path / "data")
    part = pd.read_parquet(data / "participation.parquet")
    los = part[part["offer_id"] == "los"].sort_values(["start_month", "person_id"])
    few = los.iloc[:3].assign(offer_id="lille")  # 3 participants: too few to match
    nobody = los.iloc[3:30].assign(offer_id="umulig")  # not in umulig's target group
    pq.write_table(io.to_arrow(pd.concat([part, few, nobody])), data / "participation.parquet")
    cfg = yaml.safe_load((data / "config.yaml").read_text())
    base = {"cost_per_participant_dkk": 10_000}
    cfg["offers"] += [
        {
            **base,
            "offer_id": "lille",
            "name": "Lille tilbud",
            "target_group": {"statuses": ["sickness_benefit"], "months_before_start": 2},
        },
        {
            **base,
            "offer_id": "umulig",
            "name": "Umuligt tilbud",
            "target_group": {"statuses": ["disability_pension"], "months_before_start": 2},
        },
    ]
    (data / "config.yaml").write_text(yaml.safe_dump(cfg))
    out = tmp_path / "out"
    assert main(_run_args(data, out)) == 0
    folder = io.month_dir(out, AS_OF)
    matching = pd.read_parquet(folder / "matching.parquet").set_index("offer_id")
    assert matching.loc["lille", "status"] == "too_few_participants"
    assert matching.loc["umulig", "status"] == "outside_target_group"
    eff = pd.read_parquet(folder / "effects.parquet")
    for offer, reason in (("lille", "too_few_participants"), ("umulig", "outside_target_group")):
        rows = eff[eff["offer_id"] == offer]
        assert len(rows) and rows["estimate"].isna().all()
        assert (rows["note"] == reason).all()
    # the other offers are estimated as usual
    assert eff[eff["offer_id"] == "los"]["estimate"].notna().any()


def test_run_killed_while_writing_leaves_results_untouched(published, synth_dir) -> None:
    """SIGKILL the CLI while it writes the month's staging folder; the published month
    stays byte-identical and the next run cleans up and completes."""
    out, before = published
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    cmd = [sys.executable, "-m", "flows.cli", *_run_args(synth_dir, out)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    staged = None
    while time.monotonic() < deadline and proc.poll() is None:
        staged = next((p for p in out.iterdir() if p.name.startswith(".staging")), None)
        if staged is not None:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.002)
    proc.wait(timeout=60)
    assert staged is not None, "the run finished before it could be killed"
    assert proc.returncode == -signal.SIGKILL
    assert _snapshot(out) == before
    # a new run recovers the abandoned staging folder and publishes the month again
    assert main(_run_args(synth_dir, out)) == 0
    assert not [p for p in out.iterdir() if p.name.startswith((".staging", ".old"))]
    assert _snapshot(out).keys() == before.keys()
