"""Backfills: the monthly evaluation as of every month in a range, oldest first.

Prefect has no built-in backfill; this driver runs one ``monthly-evaluation`` flow run
per month (tagged ``backfill``, named after the month), skips months whose results are
complete unless ``force``, and runs at most ``concurrency`` months at a time. A month's
run id is a hash of its inputs, config and code (see ``flows.monthly.run_id``), so
rerunning a month is idempotent: it writes the same files.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from prefect import tags

from evaluation import months
from flows import io
from flows.monthly import RunParameters, monthly_evaluation


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
) -> dict[str, Any]:
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    todo = month_range(start, end)
    out = Path(params.out)
    skipped = [m for m in todo if not force and io.is_complete(out, m)]
    run = [m for m in todo if m not in skipped]
    bar = _Progress(len(todo), enabled=progress)
    for m in skipped:
        bar.step(m, "already complete, skipped")

    def one(month: str) -> str:
        p = params.model_copy(update={"as_of": month})
        with tags("backfill"):
            monthly_evaluation.with_options(flow_run_name=f"backfill-as-of-{month}")(p)
        return month

    if concurrency == 1:
        for m in run:
            t0 = time.perf_counter()
            one(m)
            bar.step(m, f"done in {time.perf_counter() - t0:.0f} s")
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            futures = {pool.submit(one, m): m for m in run}
            for f in as_completed(futures):
                bar.step(f.result(), "done")
    return {"ran": run, "skipped": skipped}


class _Progress:
    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total, self.done, self.enabled = total, 0, enabled

    def step(self, month: str, what: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        width = 24
        filled = round(width * self.done / self.total)
        bar = "#" * filled + "-" * (width - filled)
        print(f"[{bar}] {self.done}/{self.total} {month}: {what}", file=sys.stderr, flush=True)
