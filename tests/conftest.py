"""Session fixtures: one Prefect test server, one small synthetic municipality."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

SYNTH_PERSONS = 8_000
SYNTH_SEED = 3


def session_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder of this test session: shared by the pytest-xdist workers of one run (the
    parent of their base folders), the base folder itself without xdist."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name


def built_once(folder: Path, build: Callable[[Path], None]) -> Path:
    """``folder`` built by ``build`` once per session, whichever worker comes first (the
    others wait for it under a file lock and reuse it)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    done = folder.parent / f"{folder.name}.built"
    with open(folder.parent / f"{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory):
    """Cached per-offer results of the tests go to a folder of this session (shared by
    its workers: the offer cache is keyed on inputs, config and code, and its writes are
    atomic), not ~/.cache."""
    old = os.environ.get("MEREFFEKT_CACHE_DIR")
    cache = session_folder(tmp_path_factory, "offer_cache")
    cache.mkdir(parents=True, exist_ok=True)
    os.environ["MEREFFEKT_CACHE_DIR"] = str(cache)
    yield
    if old is None:
        os.environ.pop("MEREFFEKT_CACHE_DIR", None)
    else:
        os.environ["MEREFFEKT_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def prefect_server():
    """Prefect's test harness (a temporary server with SQLite), started once."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic input folder with config.yaml and true_effects.parquet."""
    from flows.synthetic import write_synthetic

    return built_once(
        session_folder(tmp_path_factory, "synth"),
        lambda out: write_synthetic(out, persons=SYNTH_PERSONS, seed=SYNTH_SEED),
    )


# The modules that take longest (CLI subprocesses, the scheduler's minute, backfills)
# start first, so that pytest-xdist's workers do not end on one of them alone.
SLOW_FIRST = (
    "test_schedule.py",
    "test_guards.py",
    "test_inputs_cli.py",
    "test_flows.py",
    "test_offer_cache.py",
    "test_faults.py",
    "test_analyst_outputs.py",
    "test_dask.py",
    "test_matching.py",
    "test_import_cli.py",
    "test_event_study.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable within a file
