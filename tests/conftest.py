"""Session fixtures: one Prefect test server, one small synthetic municipality."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

SYNTH_PERSONS = 8_000
SYNTH_SEED = 3


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory):
    """Cached task results of the tests go to a temporary folder, not ~/.cache."""
    old = os.environ.get("MEREFFEKT_CACHE_DIR")
    os.environ["MEREFFEKT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
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

    out = tmp_path_factory.mktemp("synth")
    write_synthetic(out, persons=SYNTH_PERSONS, seed=SYNTH_SEED)
    return out
