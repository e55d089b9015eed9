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
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from evaluation.config import EvaluationConfig, OfferConfig
from evaluation.earnings import EarningsRows
from evaluation.matching import MatchResult
from evaluation.offer import OfferTables, evaluate_offer, match_offer
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
def match_offer_task(panel: StatusPanel, offer: OfferConfig) -> MatchResult:
    """The offer's risk-set matching (person level: in memory only)."""
    return match_offer(panel, offer)


@task(persist_result=False, cache_policy=NO_CACHE)
def evaluate_offer_task(
    panel: StatusPanel,
    offer: OfferConfig,
    cfg: EvaluationConfig,
    with_matched_sets: bool,
    earnings: EarningsRows | pd.DataFrame | None = None,
    match: MatchResult | None = None,
) -> tuple[OfferTables, pd.DataFrame | None]:
    """Estimate, value and monitor one offer (and match it, unless ``match`` is given):
    its aggregate tables, and with ``with_matched_sets`` its person-level matched sets
    (for the restricted folder); ``earnings``: the status rows' earnings (in memory) for
    the earnings outcome."""
    evaluation = evaluate_offer(panel, offer, cfg, earnings=earnings, match=match)
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
    earnings: Future[EarningsRows | None] | EarningsRows | pd.DataFrame | None = None,
    ahead: Callable[[str], tuple[OfferTables, pd.DataFrame | None] | None] | None = None,
) -> list[OfferTables]:
    """Every offer's aggregate tables, in the config's order: from the offer cache where
    its key (``keys``, by offer id) has an entry (and, with a ``restricted`` folder, its
    matched sets are there with the same key), else computed concurrently; with
    ``shared``, on Dask workers that read the inputs themselves and write the matched
    sets into ``restricted`` (:mod:`flows.dask_cluster`); with ``ahead`` (a backfill's
    :meth:`flows.backfill_workers.AheadOffers.take`), taken by key where evaluated ahead;
    ``earnings``: the status rows' earnings, or their future (waited for when the first
    offer's estimation is queued, so they may be computed while the offers are matched)."""
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
    futures: dict[str, Any] = {}
    to_match: list[OfferConfig] = []
    for o in cfg.offers:
        if o.offer_id in todo:
            given = ahead(keys[o.offer_id]) if ahead is not None else None
            if given is not None:
                futures[o.offer_id] = _Done(given)
            elif shared is not None:
                futures[o.offer_id] = _on_worker(shared, o, cfg, todo[o.offer_id], keys[o.offer_id])
            else:
                to_match.append(o)
    t0 = time.perf_counter()
    with progress.stage(f"matching and estimating {len(todo)} offer(s)"):
        if to_match:
            _in_steps(panel, cfg, to_match, todo, earnings, futures)
        # in the config's order: the first failing offer in that order is the one reported
        futures = {o.offer_id: futures[o.offer_id] for o in cfg.offers if o.offer_id in futures}
        for offer_id, future in futures.items():
            tables, sets = future.result()
            sets_path = todo[offer_id]
            if sets is not None:
                write_matched_sets(sets, sets_path, keys[offer_id])
            offer_cache.save(cache, keys[offer_id], tables)
            done[offer_id] = tables
            progress.note(f"{offer_id}: done ({time.perf_counter() - t0:.1f} s since the start)")
    return [done[o.offer_id] for o in cfg.offers]


def _in_steps(
    panel: StatusPanel,
    cfg: EvaluationConfig,
    offers: list[OfferConfig],
    todo: dict[str, Path | None],
    earnings: Future[EarningsRows | None] | EarningsRows | pd.DataFrame | None,
    futures: dict[str, Any],
) -> None:
    """Every offer matched, then estimated from its match, in this process's task
    threads; puts each offer's last future into ``futures`` (its estimation, or its
    matching when that failed).

    An offer's estimation is queued as soon as its matching is done, followed by the
    next offer's matching: so a free thread takes a matched offer's estimation before
    another matching (no thread finishes the largest offer alone while the other idles),
    and the matches waiting for their estimation (each holds person-level sets) stay
    few: matchings run at most a thread count ahead of the estimations."""
    queue = list(offers)
    pending: dict[int, tuple[str, Any]] = {}

    def match_next() -> None:
        if queue:
            o = queue.pop(0)
            f = match_offer_task.submit(panel, o)
            pending[id(f)] = (o.offer_id, f)

    for _ in range(min(offer_threads(), len(queue))):
        match_next()
    by_id = {o.offer_id: o for o in offers}
    while pending:
        f = next(iter(as_completed([f for _, f in pending.values()])))
        offer_id, _ = pending.pop(id(f))
        try:
            match = f.result()
        except Exception:  # noqa: BLE001 - raised again by the caller, in the config's order
            futures[offer_id] = f
        else:
            if isinstance(earnings, Future):  # still on its way when the matching began
                earnings = earnings.result()
            with_sets = todo[offer_id] is not None
            futures[offer_id] = evaluate_offer_task.submit(
                panel, by_id[offer_id], cfg, with_sets, earnings, match=match
            )
            del match
        del f
        match_next()


@dataclass(frozen=True)
class _Done:
    """An offer's result evaluated ahead, shaped like a task's future."""

    value: tuple[OfferTables, pd.DataFrame | None]

    def result(self) -> tuple[OfferTables, pd.DataFrame | None]:
        return self.value


def _on_worker(shared, offer, cfg, sets_path, key):  # noqa: ANN001, ANN202
    """The offer's task on a Dask worker, from the shared inputs (its result carries no
    matched sets: the worker wrote them)."""
    path = None if sets_path is None else str(sets_path)
    return evaluate_offer_on_worker.submit(shared, offer, cfg, path, key)


def _tagged(path: Path, key: str) -> bool:
    """True when the restricted matched sets at ``path`` were written under ``key``."""
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, ValueError):
        return False
    return meta.get(MATCHED_SETS_KEY.encode(), b"").decode() == key
