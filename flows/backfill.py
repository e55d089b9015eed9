"""Backfills: the monthly evaluation as of every month in a range, oldest first.

Prefect has no built-in backfill; this driver runs one ``monthly-evaluation`` flow run
per month (tagged ``backfill``, named after the month), skips months whose results are
complete unless ``force``, and runs at most ``concurrency`` months at a time. A month's
run id is a hash of its inputs, config and code (see ``flows.monthly.run_id``), so
rerunning a month is idempotent: it writes the same files.

Before any month runs, the config is read, the output folders are checked, the inputs
are validated once and the person x month panel is built once, up to the last month of
the range (:mod:`flows.prepared`); every month is evaluated from them (the panel cut at
its month). A range reaching outside the data's complete period is refused with one
line.
"""

from __future__ import annotations

import contextvars
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import Any

from prefect import Flow, tags

from evaluation import months
from flows import config as cfgmod
from flows import guards, io, offer_cache
from flows.backfill_workers import AheadOffers, default_processes
from flows.config import ConfigModel
from flows.monthly import (
    TABLE_LANGUAGE,
    RunParameters,
    code_version,
    monthly_evaluation_reusing,
)
from flows.prepared import PreparedInputs, prepare
from flows.prices import load_catalogue
from flows.progress import note, stage
from flows.validation import validate_inputs


def month_range(start: str, end: str) -> list[str]:
    a, b = months.parse(start), months.parse(end)
    if b < a:
        raise ValueError(f"backfill range is empty: {start} is after {end}")
    return [months.label(m) for m in range(a, b + 1)]


def run_backfill(
    params: RunParameters,
    *,
    start: str,
    end: str,
    force: bool = False,
    concurrency: int = 1,
    progress: bool = True,
    processes: int | None = None,
) -> dict[str, Any]:
    """Run every month from ``start`` to ``end``; ``progress=False`` prints nothing (the
    CLI's console progress, when attached, shows each month either way); ``processes``:
    worker processes evaluating the months' offers ahead (default
    :func:`flows.backfill_workers.default_processes`; 1: none)."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if processes is not None and processes < 1:
        raise ValueError("processes must be at least 1")
    todo = month_range(start, end)
    out = Path(params.out)
    cfg = guards.preflight(params.config, params.out, params.restricted_out)
    share = cfg.validation.max_quarantine_share
    hashes = io.input_hashes(Path(params.data))
    measures = cfgmod.to_core(cfg, prices=None).measures
    with stage("validating the inputs (once for every month)"):
        validated = validate_inputs(
            Path(params.data),
            max_quarantine_share=share,
            measures=tuple(m.name for m in measures),
        )
    prepared = prepare(validated, hashes, share, measures=measures)
    guards.check_range(start, end, prepared.period)
    skipped = [m for m in todo if not force and io.is_complete(out, m)]
    run = [m for m in todo if m not in skipped]
    if run:
        with stage(f"building the person x month panel up to {max(run)} (once)"):
            prepared = prepare(validated, hashes, share, until=max(run), measures=measures)
    for m in skipped:
        _step(m, "already complete, skipped", progress)

    ahead = AheadOffers()
    prepared = replace(prepared, take_ahead=ahead.take)
    try:
        _start(ahead, params, cfg, prepared, run, processes)
        _months(monthly_evaluation_reusing(prepared), params, run, concurrency, progress)
    finally:
        ahead.close()
    return {"ran": run, "skipped": skipped}


def _start(
    ahead: AheadOffers,
    params: RunParameters,
    cfg: ConfigModel,
    prepared: PreparedInputs,
    run: list[str],
    processes: int | None,
) -> None:
    """The months' offers started in worker processes (:mod:`flows.backfill_workers`)."""
    ahead.start(
        prepared,
        cfgmod.to_core(cfg, prices=load_catalogue(), language=TABLE_LANGUAGE),
        cfg,
        run,
        processes=default_processes() if processes is None else processes,
        with_matched_sets=params.restricted_out is not None,
        cache=offer_cache.cache_dir(params.cache_dir),
        lang=TABLE_LANGUAGE,
        code=code_version(),
    )


def _months(
    evaluation: Flow, params: RunParameters, run: list[str], concurrency: int, progress: bool
) -> None:
    """One flow run per month: one at a time, oldest first, or ``concurrency`` at a time."""

    def one(month: str) -> str:
        p = params.model_copy(update={"as_of": month})
        with tags("backfill"):
            evaluation.with_options(flow_run_name=f"backfill-as-of-{month}")(p)
        return month

    if concurrency == 1:
        for m in run:
            t0 = time.perf_counter()
            one(m)
            _step(m, f"done in {time.perf_counter() - t0:.0f} s", progress)
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            # each month in a copy of this context: the console progress, if attached
            futures = [pool.submit(contextvars.copy_context().run, one, m) for m in run]
            for f in as_completed(futures):
                _step(f.result(), "done", progress)


def _step(month: str, what: str, enabled: bool) -> None:
    if enabled:
        note(f"{month}: {what}")
