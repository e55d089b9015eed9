"""Faults found first and runs that say where they are (issues 13 and 14), through the
command line: a stale extract or an as-of month outside the data is refused, offers of
the config must have participants (or a plan), unwritable output folders stop the run
before anything is computed, Prefect stores nothing (failed runs included), no lock
file is left behind, and progress shows on a terminal only."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from evaluation import months
from evaluation.period import data_period
from flows import io
from flows.cli import _parser
from flows.monthly import last_closed_month
from tests._cli import cli, copy_inputs, one_error_line, published_months, run_args

AS_OF = "2024-06"  # the synthetic data run from 2020-01 to 2024-12
RAGGED = "2025-01"  # a month with rows for a few persons only


# --- the data's period (pure) -----------------------------------------------------------


def _rows(counts: list[int], start: str = "2020-01") -> np.ndarray:
    first = months.parse(start)
    return np.repeat(np.arange(first, first + len(counts)), counts)


def test_ragged_last_month_is_not_complete() -> None:
    p = data_period(_rows([1000] * 60 + [12]))
    assert (p.first_label, p.last_label) == ("2020-01", "2024-12")
    assert months.label(p.last_row_month) == RAGGED and p.ragged_after


def test_half_of_the_median_is_complete_and_less_is_not() -> None:
    assert data_period(_rows([1000] * 24 + [500])).last_label == "2022-01"
    assert data_period(_rows([1000] * 24 + [499])).last_label == "2021-12"
    # two ragged months after the data
    assert data_period(_rows([1000] * 24 + [300, 40])).last_label == "2021-12"


def test_stray_rows_far_outside_do_not_stretch_the_period() -> None:
    stray = np.array([months.parse("1200-01"), months.parse("2100-05")])
    p = data_period(np.concatenate([_rows([50] * 36), stray]))
    assert p.describe() == "2020-01 to 2022-12"
    assert months.label(p.first_row_month) == "1200-01"


def test_ragged_first_month_and_single_month() -> None:
    assert data_period(_rows([3] + [1000] * 12)).first_label == "2020-02"
    single = data_period(_rows([7]))
    assert single.first_month == single.last_month == months.parse("2020-01")


def test_row_order_does_not_matter() -> None:
    rows = _rows([40] * 20 + [5])
    shuffled = np.random.default_rng(1).permutation(rows)
    assert data_period(rows) == data_period(shuffled)


# --- data on disk -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ragged(synth_dir: Path, tmp_path_factory) -> Path:
    """The synthetic extract plus status rows in 2025-01 for 40 of its 8000 persons."""
    data = copy_inputs(synth_dir, tmp_path_factory.mktemp("ragged"))
    status = pd.read_parquet(data / "status_monthly.parquet")
    last = status[status["month"] == status["month"].max()].head(40)
    late = last.assign(month=last["month"] + pd.offsets.MonthBegin(1))
    frame = pd.concat([status, late], ignore_index=True)
    pq.write_table(io.to_arrow(frame), data / "status_monthly.parquet")
    return data


def _config(data: Path, dest: Path, change) -> Path:  # noqa: ANN001
    cfg = yaml.safe_load((data / "config.yaml").read_text())
    change(cfg)
    dest.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return dest


# --- the as-of month against the data ---------------------------------------------------


def test_as_of_after_the_data_is_refused(prefect_server, ragged, tmp_path) -> None:
    out = tmp_path / "out"
    done = cli(*run_args(ragged, ragged / "config.yaml", out, "--as-of", RAGGED))
    line = one_error_line(
        done,
        f"as-of month {RAGGED} is after the data's last complete month 2024-12",
        "data 2020-01 to 2024-12",
        "too few persons",
        "--as-of 2024-12",
    )
    assert "wait for the extract" in line
    assert published_months(out) == []


def test_as_of_before_the_data_is_refused(prefect_server, synth_dir, tmp_path) -> None:
    out = tmp_path / "out"
    done = cli(*run_args(synth_dir, synth_dir / "config.yaml", out, "--as-of", "2019-06"))
    one_error_line(done, "as-of month 2019-06 is before the data's first complete month 2020-01")
    assert published_months(out) == []


def test_run_without_as_of_fails_on_an_old_extract(prefect_server, synth_dir, tmp_path) -> None:
    """The month just closed (Copenhagen clock) is long after the synthetic data end."""
    out = tmp_path / "out"
    assert months.parse(last_closed_month()) > months.parse("2024-12")
    done = cli(*run_args(synth_dir, synth_dir / "config.yaml", out))
    one_error_line(
        done,
        f"as-of month {last_closed_month()} (the month just closed; no --as-of given)",
        "last complete month 2024-12",
    )
    assert published_months(out) == []


def test_backfill_beyond_the_data_is_refused_before_any_month(synth_dir, tmp_path) -> None:
    out = tmp_path / "out"
    cfg = synth_dir / "config.yaml"
    args = ["--data", synth_dir, "--config", cfg, "--out", out, "--from", "2024-11"]
    done = cli("backfill", *args, "--to", "2025-02")
    one_error_line(done, "backfill to 2025-02", "last complete month 2024-12", "--to 2024-12")
    assert published_months(out) == []


def test_validate_checks_the_config_and_the_as_of_month(synth_dir, tmp_path) -> None:
    cfg = synth_dir / "config.yaml"
    done = cli("validate", "--data", synth_dir, "--config", cfg, "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    assert "data period: 2020-01 to 2024-12" in done.stdout
    assert f"as-of month {AS_OF}: covered by the data" in done.stdout
    late = cli("validate", "--data", synth_dir, "--config", cfg, "--as-of", "2025-02")
    one_error_line(late, "as-of month 2025-02 is after the data's last complete month 2024-12")
    bad = _config(synth_dir, tmp_path / "c.yaml", lambda c: c["offers"][0].update(k=1))
    one_error_line(cli("validate", "--data", synth_dir, "--config", bad), "unknown field")


# --- offers against the data ------------------------------------------------------------


def _rename_ung(cfg: dict) -> None:
    ung = next(o for o in cfg["offers"] if o["offer_id"] == "ung")
    ung["offer_id"] = "ungdom"
    del ung["planned_participants"]  # no plan: a typo, not an offer yet to start


def test_unknown_offer_id_names_the_ids_in_the_data(prefect_server, synth_dir, tmp_path) -> None:
    config = _config(synth_dir, tmp_path / "config.yaml", _rename_ung)
    out = tmp_path / "out"
    done = cli(*run_args(synth_dir, config, out, "--as-of", AS_OF))
    one_error_line(
        done,
        "offer 'ungdom' has no participants",
        "the data have offer ids: jobformidler, los, praktik, ung",
        "planned_participants",
    )
    assert published_months(out) == []
    checked = cli("validate", "--data", synth_dir, "--config", config)
    one_error_line(checked, "offer 'ungdom' has no participants", "jobformidler, los, praktik, ung")


def _planned_offer_and_small_cells(cfg: dict) -> None:
    cfg["offers"].append(
        {
            "offer_id": "nyt",
            "name": "Nyt tilbud",
            "target_group": {"statuses": ["cash_benefit"], "months_before_start": 2},
            "cost_per_participant_dkk": 25000,
            "planned_participants": 40,
            "plans": [
                {"version": "v1", "valid_from": "2024-01", "participants_by_month": {"2024-03": 20}}
            ],
        }
    )
    cfg["privacy"] = {"min_cell_size": 1, "allow_small_cells": True}


def test_offer_with_a_plan_and_no_participants_is_reported_as_not_started(
    prefect_server, synth_dir, tmp_path
) -> None:
    """Exit 0; the offer has its matching row and on-track indicators; small cells are
    allowed by the config, which the manifest and the report say."""
    config = _config(synth_dir, tmp_path / "config.yaml", _planned_offer_and_small_cells)
    out = tmp_path / "out"
    done = cli(*run_args(synth_dir, config, out, "--as-of", AS_OF, "--lang", "en"))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "nyt: not started" in done.stdout
    folder = io.month_dir(out, AS_OF)
    matching = pd.read_parquet(folder / "matching.parquet").set_index("offer_id")
    assert matching.loc["nyt", "status"] == "no_participants"
    indicators = pd.read_parquet(folder / "indicators.parquet")
    assert (indicators["offer_id"] == "nyt").any()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["offers_not_started"] == ["nyt"]
    assert manifest["privacy"] == {"min_cell_size": 1, "allow_small_cells": True}
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert "privacy.allow_small_cells" in report


# --- output folders, inputs, Prefect storage, lock files --------------------------------


@pytest.fixture
def unwritable(tmp_path: Path):
    """A folder the test's user cannot write to: without write permission, or for root
    (who ignores permissions) a read-only tmpfs, else a sysfs folder."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mount = ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)]
    if subprocess.run(mount, capture_output=True).returncode != 0:
        yield Path("/sys/kernel")  # root cannot create files in sysfs
        return
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_unwritable_output_folder_stops_before_reading_the_inputs(
    unwritable, synth_dir, tmp_path
) -> None:
    """The data folder does not even exist: the output folder is checked first."""
    out = unwritable / "out"
    done = cli(*run_args(tmp_path / "no-data", synth_dir / "config.yaml", out, "--as-of", AS_OF))
    line = one_error_line(done, f"cannot write to the output folder {out}", "nothing was computed")
    assert "not found" not in line
    restricted = cli(
        *run_args(synth_dir, synth_dir / "config.yaml", tmp_path / "out", "--as-of", AS_OF),
        "--restricted-out",
        unwritable / "restricted",
    )
    one_error_line(restricted, "cannot write to the restricted folder")
    assert published_months(tmp_path / "out") == []


def test_a_folder_named_like_an_input_is_not_reported_missing(
    prefect_server, synth_dir, tmp_path
) -> None:
    data = copy_inputs(synth_dir, tmp_path / "data")
    (data / "persons.parquet").unlink()
    (data / "persons.parquet").mkdir()
    out = tmp_path / "out"
    done = cli(*run_args(data, data / "config.yaml", out, "--as-of", AS_OF))
    line = one_error_line(done, "persons.parquet", "is a folder", "not a Parquet file")
    assert "not found" not in line
    assert published_months(out) == []


def _prefect_home_files(home: Path) -> list[str]:
    storage = home / "storage"
    return sorted(str(p.relative_to(home)) for p in storage.rglob("*")) if storage.exists() else []


def test_a_failed_run_leaves_nothing_in_prefect_storage(prefect_server, synth_dir, tmp_path):
    """A validation failure inside the flow: no pickled exception (which would hold the
    validation report) in PREFECT_HOME/storage or PREFECT_LOCAL_STORAGE_PATH."""
    data = copy_inputs(synth_dir, tmp_path / "data")
    part = pd.read_parquet(data / "participation.parquet")
    pq.write_table(
        io.to_arrow(part.rename(columns={"offer_id": "tilbud_id"})), data / "participation.parquet"
    )
    home = tmp_path / "prefect-home"
    out = tmp_path / "out"
    done = cli(*run_args(data, data / "config.yaml", out, "--as-of", AS_OF), env=_home(home))
    one_error_line(done, "missing column(s) offer_id")
    assert home.is_dir()  # Prefect did run with this home
    assert _prefect_home_files(home) == []
    assert published_months(out) == []


def _home(home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return {"PREFECT_HOME": str(home), "PREFECT_LOCAL_STORAGE_PATH": str(home / "storage")}


def test_successful_run_on_a_ragged_extract(prefect_server, ragged, tmp_path) -> None:
    """Exit 0; the data period next to the as-of month on the console and in the manifest
    (the ragged month is not part of it); no lock file; nothing in Prefect's storage; no
    progress lines when the output is not a terminal."""
    home = tmp_path / "prefect-home"
    out = tmp_path / "out"
    done = cli(*run_args(ragged, ragged / "config.yaml", out, "--as-of", AS_OF), env=_home(home))
    assert done.returncode == 0, done.stderr
    assert f"results as of {AS_OF} (data 2020-01 to 2024-12)" in done.stdout
    assert "✓" not in done.stdout and done.stderr == ""
    manifest = json.loads((io.month_dir(out, AS_OF) / "manifest.json").read_text())
    assert (manifest["data_first_month"], manifest["data_last_month"]) == ("2020-01", "2024-12")
    assert published_months(out) == [f"as_of={AS_OF}"]
    assert not list(out.glob(".lock-*")) and not list(out.glob(".staging-*"))
    assert _prefect_home_files(home) == []


def test_lock_file_is_removed_and_writers_still_exclude_each_other(tmp_path: Path) -> None:
    with io.month_lock(tmp_path, AS_OF):
        assert (tmp_path / f".lock-as_of={AS_OF}").exists()
    assert not list(tmp_path.glob(".lock-*"))
    inside, most, errors = [0], [0], []
    guard = threading.Lock()

    def writer() -> None:
        try:
            for _ in range(3):
                with io.month_lock(tmp_path, AS_OF, wait_seconds=120):
                    with guard:
                        inside[0] += 1
                        most[0] = max(most[0], inside[0])
                    time.sleep(0.05)
                    with guard:
                        inside[0] -= 1
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and most[0] == 1
    assert not list(tmp_path.glob(".lock-*"))


# --- the console --------------------------------------------------------------------------


def test_every_option_has_a_help_text() -> None:
    parser = _parser()
    sub = next(a for a in parser._actions if a.choices and "run" in a.choices)
    missing = [
        f"{name} {', '.join(action.option_strings)}"
        for name, command in sub.choices.items()
        for action in command._actions
        if action.option_strings and action.dest != "help" and not action.help
    ]
    assert missing == []


def _on_a_terminal(args: list[str]) -> tuple[int, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal; (exit code, output)."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "COLUMNS": "120"}
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process has ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    text = b"".join(chunks).decode("utf-8", "replace")
    return proc.wait(timeout=600), re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)  # no colours


def test_progress_shows_on_a_terminal_unless_quiet(prefect_server, synth_dir, tmp_path) -> None:
    args = run_args(synth_dir, synth_dir / "config.yaml", tmp_path / "out", "--as-of", "2025-02")
    code, shown = _on_a_terminal(args)
    assert code == 1
    assert "✓ validating the inputs" in shown
    assert "status_monthly.parquet: 480000 rows read" in shown
    assert "mereffekt: error: as-of month 2025-02 is after" in shown
    code, quiet = _on_a_terminal([*args, "--quiet"])
    assert code == 1
    assert "✓" not in quiet and "rows read" not in quiet
    assert "mereffekt: error: as-of month 2025-02 is after" in quiet


def test_the_cli_asks_numpy_for_no_huge_pages_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel's compaction on a huge page's first touch cost the 1M x 60 run seconds
    of system time (README, *Scale*): the CLI turns numpy's request off, for itself and
    the processes it starts, unless $NUMPY_MADVISE_HUGEPAGE says otherwise."""
    from numpy._core import multiarray

    from flows import cli

    before = multiarray._get_madvise_hugepage()
    try:
        monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "")  # recorded, so restored after
        monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE")
        multiarray._set_madvise_hugepage(True)
        cli._no_huge_pages()
        assert os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0"
        assert not multiarray._get_madvise_hugepage()
        monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
        multiarray._set_madvise_hugepage(True)
        cli._no_huge_pages()
        assert multiarray._get_madvise_hugepage()
    finally:
        multiarray._set_madvise_hugepage(before)
