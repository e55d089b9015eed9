"""Running the offers of a monthly run on a Dask cluster (Prefect's Dask task runner).

``mereffekt run --dask-address tcp://HOST:8786`` sends the offers to an existing Dask
cluster; ``mereffekt run --workers N`` starts a local cluster of N worker processes
(one thread each) for the run and closes it after. Everything else (hashing, the
validation the report and the quarantine need, suppression, publishing) stays in the
driver process.

The workers never receive person-level data from the driver: a task gets an
:class:`InputsRef` (the shared input folder, the input files' hashes, the quarantine
limit and the as-of month) and the worker reads the shared Parquet files itself,
validates them and builds the panel (:func:`worker_panel`; kept for the next task of the
same run in that worker process). A worker whose files hash differently from the
driver's refuses the task. Person-level matched sets, when the run has a restricted
folder, are written by the worker into it (a folder the workers share); a task returns
only the offer's aggregate tables. Prefect persists nothing (``persist_result=False``,
no cache policy), so nothing person level reaches Prefect's result storage.

The workers need the same mereffekt version as the driver (importable as ``flows`` and
``evaluation``) and the input folder (and any restricted folder) at the same path.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from evaluation.measures import Measure
from evaluation.panel import StatusPanel

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class InputsRef:
    """What a worker needs to rebuild a run's panel from the shared input files."""

    data: str
    hashes: tuple[tuple[str, str], ...]
    max_quarantine_share: float
    as_of: str
    measure_keys: tuple[tuple[str, str], ...] = ()  # (name, kind): what the panel depends on
    measures: tuple[Measure, ...] = field(default=(), compare=False)  # the config's, in order

    @classmethod
    def of(
        cls,
        data: str,
        hashes: dict[str, str],
        share: float,
        as_of: str,
        measures: tuple[Measure, ...] = (),
    ) -> InputsRef:
        keys = tuple((m.name, m.kind) for m in measures)
        return cls(str(data), tuple(sorted(hashes.items())), float(share), as_of, keys, measures)


_LOCK = threading.Lock()
# per process: the last run's panel and its status rows' earnings (person level, in memory)
_PANEL: dict[InputsRef, tuple[StatusPanel, pd.DataFrame | None]] = {}


def worker_panel(ref: InputsRef) -> StatusPanel:
    """The panel of ``ref``, built from the shared files in this process (once per
    process and run: the last one is kept, earlier ones are dropped)."""
    return worker_inputs(ref)[0]


def worker_inputs(ref: InputsRef) -> tuple[StatusPanel, pd.DataFrame | None]:
    """The panel of ``ref`` and its status rows' earnings (None without the column),
    built once per process and run. A task reads them through this function, never
    through the module's globals: Prefect ships a task's function by value, with a
    copy of the globals it names."""
    from flows import io
    from flows.prepared import prepare
    from flows.validation import validate_inputs

    with _LOCK:
        if ref in _PANEL:
            return _PANEL[ref]
        _PANEL.clear()
        hashes = io.input_hashes(Path(ref.data))
        if tuple(sorted(hashes.items())) != ref.hashes:
            raise RuntimeError(
                f"a Dask worker sees other input files in {ref.data} than the driver "
                "(their hashes differ): the workers must share the input folder"
            )
        # validated and built as the driver does it (flows.monthly.evaluate_month)
        validated = validate_inputs(
            Path(ref.data),
            max_quarantine_share=ref.max_quarantine_share,
            measures=tuple(m.name for m in ref.measures),
        )
        prepared = prepare(validated, hashes, ref.max_quarantine_share, measures=ref.measures)
        _PANEL[ref] = (prepared.panel_as_of(ref.as_of), prepared.earnings)
        return _PANEL[ref]


def task_runner(address: str | None = None, workers: int | None = None) -> Any:
    """Prefect's Dask task runner on the cluster at ``address``, or on a local cluster of
    ``workers`` processes (one thread each); None when neither is given."""
    from flows.guards import check_runner_options

    check_runner_options(address, workers)
    if not address and workers is None:
        return None
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={
            "n_workers": workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
            "memory_limit": 0,  # no spilling or restarts by Dask; the machine's limit holds
        },
    )


@contextlib.contextmanager
def shared_api() -> Iterator[None]:
    """Within the block, a run without a configured Prefect API uses Prefect's temporary
    server through its URL, so that the Dask workers (which receive the run's settings)
    report to that server instead of each starting its own."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the one Prefect's client starts and stops at exit
    server.start()
    with temporary_settings({PREFECT_API_URL: server.api_url}):
        yield


def on_dask() -> bool:
    """True inside a flow run whose task runner is Prefect's Dask task runner."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    if ctx is None or ctx.task_runner is None:
        return False
    from prefect_dask import DaskTaskRunner

    return isinstance(ctx.task_runner, DaskTaskRunner)


@task(persist_result=False, cache_policy=NO_CACHE)
def evaluate_offer_on_worker(
    ref: InputsRef, offer: Any, cfg: Any, sets_path: str | None, key: str
) -> tuple[Any, None]:
    """One offer evaluated on a Dask worker from the shared inputs: ``(its aggregate
    tables, None)``; the person-level matched sets (with ``sets_path``) are written
    there by the worker, tagged with the offer's cache ``key``, and never returned."""
    from evaluation.offer import evaluate_offer
    from flows import io
    from flows.offers import MATCHED_SETS_KEY

    panel, earnings = worker_inputs(ref)
    evaluation = evaluate_offer(panel, offer, cfg, earnings=earnings)
    if sets_path:
        path = Path(sets_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name("." + path.name + ".tmp")
        io.write_parquet(evaluation.matched_sets(), tmp, {MATCHED_SETS_KEY: key})
        tmp.replace(path)
    return evaluation.tidy(), None


__all__ = [
    "InputsRef",
    "evaluate_offer_on_worker",
    "on_dask",
    "shared_api",
    "task_runner",
    "worker_inputs",
    "worker_panel",
]
