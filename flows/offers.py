"""The offers of a monthly run: each evaluated by the core (:func:`evaluation.offer.
evaluate_offer`) in a Prefect task, or read back from the offer cache.

The task returns the offer's aggregate tables and, when the run has a restricted folder,
its person-level matched sets (in memory only: tasks and flows persist nothing). The
flow writes the matched sets to the restricted folder and the tables to the cache
outside any task, so a cache hit can never skip a write the run needs: an offer is
taken from the cache only when, with a restricted folder, its matched sets are there
too, written under the same cache key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from evaluation.config import EvaluationConfig, OfferConfig
from evaluation.earnings import EarningsRows
from evaluation.offer import OfferTables, evaluate_offer
from evaluation.panel import StatusPanel
from flows import io, offer_cache, progress
from flows.dask_cluster import InputsRef, evaluate_offer_on_worker
from flows.guards import DEFAULT_OFFER_THREADS, offer_threads


class OfferThreads(ThreadPoolTaskRunner):
    """Prefect's thread pool with :func:`offer_threads` threads, read when a flow run
    starts (Prefect duplicates the flow's runner for each run), so that a bad value fails
    only the runs that use this runner, with its one-line reason."""

    def __init__(self, max_workers: int | None = None) -> None:
        super().__init__(max_workers=max_workers or DEFAULT_OFFER_THREADS)

    def duplicate(self) -> OfferThreads:
        return type(self)(max_workers=offer_threads())


MATCHED_SETS_KEY = "mereffekt.offer_cache_key"
"""Key-value metadata of a restricted matched-sets file: the offer cache key it was
written under."""


@task(persist_result=False, cache_policy=NO_CACHE)
def evaluate_offer_task(
    panel: StatusPanel,
    offer: OfferConfig,
    cfg: EvaluationConfig,
    with_matched_sets: bool,
    earnings: EarningsRows | pd.DataFrame | None = None,
) -> tuple[OfferTables, pd.DataFrame | None]:
    """Match, estimate, value and monitor one offer: its aggregate tables, and with
    ``with_matched_sets`` its person-level matched sets (for the restricted folder);
    ``earnings``: the status rows' earnings (in memory) for the earnings outcome."""
    evaluation = evaluate_offer(panel, offer, cfg, earnings=earnings)
    return evaluation.tidy(), (evaluation.matched_sets() if with_matched_sets else None)


@task(persist_result=False, cache_policy=NO_CACHE)
def write_matched_sets(frame: pd.DataFrame, path: Path, key: str) -> None:
    """Person-level matched sets to the restricted folder (tagged with the offer's key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".tmp")
    io.write_parquet(frame, tmp, {MATCHED_SETS_KEY: key})
    tmp.replace(path)


def evaluate_offers(
    panel: StatusPanel,
    cfg: EvaluationConfig,
    keys: dict[str, str],
    *,
    cache: Path,
    restricted: Path | None,
    shared: InputsRef | None = None,
    earnings: EarningsRows | pd.DataFrame | None = None,
    ahead: Callable[[str], tuple[OfferTables, pd.DataFrame | None] | None] | None = None,
) -> list[OfferTables]:
    """Every offer's aggregate tables, in the config's order: from the offer cache where
    its key (``keys``, by offer id) has an entry (and, with a ``restricted`` folder, its
    matched sets are there with the same key), else computed concurrently; with
    ``shared``, on Dask workers that read the inputs themselves and write the matched
    sets into ``restricted`` (:mod:`flows.dask_cluster`); with ``ahead`` (a backfill's
    :meth:`flows.backfill_workers.AheadOffers.take`), taken by key where evaluated ahead."""
    done: dict[str, OfferTables] = {}
    todo: dict[str, Path | None] = {}
    for offer in cfg.offers:
        key = keys[offer.offer_id]
        sets_path = restricted / f"matched_sets_{offer.offer_id}.parquet" if restricted else None
        hit = offer_cache.load(cache, key)
        if hit is not None and (sets_path is None or _tagged(sets_path, key)):
            done[offer.offer_id] = hit
            progress.note(f"{offer.offer_id}: from the cache")
        else:
            todo[offer.offer_id] = sets_path
    futures = {}
    for o in cfg.offers:
        if o.offer_id in todo:
            given = ahead(keys[o.offer_id]) if ahead is not None else None
            futures[o.offer_id] = (
                _Done(given)
                if given is not None
                else _submit(panel, o, cfg, todo[o.offer_id], keys[o.offer_id], shared, earnings)
            )
    t0 = time.perf_counter()
    with progress.stage(f"matching and estimating {len(futures)} offer(s)"):
        for offer_id, future in futures.items():
            tables, sets = future.result()
            sets_path = todo[offer_id]
            if sets is not None:
                write_matched_sets(sets, sets_path, keys[offer_id])
            offer_cache.save(cache, keys[offer_id], tables)
            done[offer_id] = tables
            progress.note(f"{offer_id}: done ({time.perf_counter() - t0:.1f} s since the start)")
    return [done[o.offer_id] for o in cfg.offers]


@dataclass(frozen=True)
class _Done:
    """An offer's result evaluated ahead, shaped like a task's future."""

    value: tuple[OfferTables, pd.DataFrame | None]

    def result(self) -> tuple[OfferTables, pd.DataFrame | None]:
        return self.value


def _submit(panel, offer, cfg, sets_path, key, shared, earnings):  # noqa: ANN001, ANN202
    """The offer's task: in this process on the panel, or on a Dask worker from the
    shared inputs (its result then carries no matched sets: the worker wrote them)."""
    if shared is None:
        return evaluate_offer_task.submit(panel, offer, cfg, sets_path is not None, earnings)
    path = None if sets_path is None else str(sets_path)
    return evaluate_offer_on_worker.submit(shared, offer, cfg, path, key)


def _tagged(path: Path, key: str) -> bool:
    """True when the restricted matched sets at ``path`` were written under ``key``."""
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, ValueError):
        return False
    return meta.get(MATCHED_SETS_KEY.encode(), b"").decode() == key
