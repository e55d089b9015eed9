"""The offers of a backfill's months, evaluated ahead in worker processes.

A backfill's months are independent once the inputs are prepared (validated, the panel
built): each month evaluates every offer on the panel cut at that month. Their Prefect
flow runs stay in the backfill's process, one after the other (publishing, the report,
the offer cache); the offers' matching and estimation, the bulk of a month, run ahead
in ``processes`` forked workers, so on a machine with two cores two offers are evaluated
at a time while the flow publishes the months already done.

The workers are forked after the inputs are prepared: they inherit the prepared inputs
(person level) in memory, copy on write; nothing person level is pickled to them. Each
job is one (month, offer); it runs the body of the flow's offer task
(:func:`flows.offers.evaluate_offer_task`, the same function on the same panel, so the
same tables and matched sets, byte for byte) and sends back the aggregate tables and,
with a restricted folder, the matched sets, through the pool's pipe (in memory, never to
Prefect or to a file). The month's flow takes them by the offer's cache key
(:meth:`AheadOffers.take`); an offer whose job is missing, or whose worker died, is
evaluated by the flow itself as in a single run. An error in an offer's evaluation is
raised in the month's flow, as in a single run.
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evaluation.config import EvaluationConfig
from evaluation.offer import OfferTables
from evaluation.panel import StatusPanel
from flows import offer_cache, offers
from flows.config import ConfigModel
from flows.prepared import PreparedInputs

Result = tuple[OfferTables, pd.DataFrame | None]


def default_processes() -> int:
    """Worker processes of a backfill by default: none (1). Each worker cuts its own panel
    from the prepared inputs, so ``--processes N`` is opt-in: it costs about a panel's
    memory per worker (measured at 100,000 persons only; plan for it at national size)."""
    return 1


@dataclass(eq=False)
class AheadOffers:
    """Offers evaluated ahead, by cache key; :meth:`take` waits for one."""

    pool: ProcessPoolExecutor | None = None
    jobs: dict[str, Future] = field(default_factory=dict)

    def take(self, key: str) -> Result | None:
        """The offer's tables and matched sets (raising its evaluation's error), or None
        when it was not evaluated ahead or its worker died (the flow evaluates it)."""
        job = self.jobs.pop(key, None)
        if job is None:
            return None
        try:
            return job.result()
        except BrokenProcessPool:
            return None

    def close(self) -> None:
        """Cancel the jobs not started and wait for the running ones."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.jobs.clear()

    def start(
        self,
        prepared: PreparedInputs,
        cfg: EvaluationConfig,
        cfg_model: ConfigModel,
        months_: list[str],
        *,
        processes: int,
        with_matched_sets: bool,
        cache: Path,
        lang: str,
        code: str,
    ) -> None:
        """Start evaluating every offer of every month (oldest first) in ``processes``
        forked workers; offers whose key is in the offer ``cache`` already are left to
        the flow. One process or one month: nothing ahead."""
        if processes < 2 or len(months_) < 2 or "fork" not in mp.get_all_start_methods():
            return
        _ = prepared.earnings  # laid out once, before the fork, for every worker
        self.pool = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=mp.get_context("fork"),
            initializer=_inherit,
            initargs=(prepared, cfg),
        )
        for month in months_:
            keys = offer_cache.offer_keys(
                prepared.hashes, cfg_model, as_of=month, lang=lang, code=code
            )
            for offer in cfg.offers:
                key = keys[offer.offer_id]
                if not (Path(cache) / key).is_dir():
                    job = self.pool.submit(_evaluate, month, offer.offer_id, with_matched_sets)
                    self.jobs[key] = job


# --- in the workers -----------------------------------------------------------------------
# Each worker process holds the prepared inputs it was forked with (set by the pool's
# initializer in the worker, never in the backfill's process) and its last panel cut.

_WORKER: dict[str, object] = {}  # prepared, cfg, panel: (as_of, the panel cut there)


def _inherit(prepared: PreparedInputs, cfg: EvaluationConfig) -> None:
    _WORKER.update(prepared=prepared, cfg=cfg, panel=("", None))


def _evaluate(as_of: str, offer_id: str, with_matched_sets: bool) -> Result:
    prepared, cfg = _WORKER["prepared"], _WORKER["cfg"]
    assert isinstance(prepared, PreparedInputs) and isinstance(cfg, EvaluationConfig)
    cut, panel = _WORKER["panel"]  # type: ignore[misc]
    if cut != as_of or not isinstance(panel, StatusPanel):
        panel = prepared.panel_as_of(as_of)
        _WORKER["panel"] = (as_of, panel)
    offer = next(o for o in cfg.offers if o.offer_id == offer_id)
    return offers.evaluate_offer_task.fn(panel, offer, cfg, with_matched_sets, prepared.earnings)
