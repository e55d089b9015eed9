"""The inputs of a run, prepared once: validated, and the person x month panel.

A monthly run builds the panel from the validated status rows as codes (never as
strings) up to its as-of month and cuts it there (:meth:`StatusPanel.as_of`). A backfill
prepares the inputs once for its whole range (validation once, the panel once, up to the
last month of the range) and evaluates every month from it: ``panel.as_of(month)`` is
the panel a run of that month alone would build (see :meth:`StatusPanel.as_of`), so the
months' results are the same, byte for byte.

Everything here is person level and stays in memory: it is handed to the months of a
backfill within the process (:func:`flows.monthly.monthly_evaluation_reusing`), never
to Prefect.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from evaluation import months
from evaluation.earnings import EARNINGS, EarningsRows
from evaluation.measures import Measure, measure_matrices
from evaluation.panel import (
    StatusCodes,
    StatusPanel,
    build_panel_from_codes,
    persons_in_id_order,
)
from evaluation.period import DataPeriod, data_period
from flows.validation import ValidatedInputs


@dataclass(frozen=True, eq=False)
class PreparedInputs:
    """Validated inputs (of the input files with ``hashes``) and their panel up to
    ``panel.last_month`` (or None when not built yet)."""

    hashes: dict[str, str]
    max_quarantine_share: float
    validated: ValidatedInputs
    period: DataPeriod
    panel: StatusPanel | None = None
    measures: tuple[Measure, ...] = ()  # the config's declared measures
    # a backfill's offers evaluated ahead in worker processes, by offer cache key
    # (flows.backfill_workers.AheadOffers.take; None: each run evaluates its offers)
    take_ahead: Callable[[str], Any] | None = None

    def matches(self, hashes: dict[str, str], max_quarantine_share: float) -> bool:
        """True for the same input files and the same quarantine limit."""
        return self.hashes == hashes and self.max_quarantine_share == max_quarantine_share

    @cached_property
    def earnings(self) -> EarningsRows | None:
        """The kept status rows' earnings laid out on the panel's persons, once for every
        month and offer (person level, in memory); None without the earnings column or
        without an amount."""
        validated = self.validated
        if EARNINGS not in validated.tables["status"].columns:
            return None
        _, ids = persons_in_id_order(validated.persons)
        rows = validated.status_rows(ids)
        # the one column, not the clean status frame (a full-size copy with its strings)
        amount = validated.tables["status"][EARNINGS].floats(validated.kept_rows("status"))
        return EarningsRows.of(ids.to_numpy(dtype=object), rows.person, rows.month, amount)

    def earnings_soon(self) -> Future[EarningsRows | None]:
        """:attr:`earnings`, computed from now in a thread of its own (a run builds its
        panel meanwhile: the two are independent, and the second core is otherwise idle)."""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mereffekt-earnings")
        try:
            return pool.submit(lambda: self.earnings)
        finally:
            pool.shutdown(wait=False)

    def panel_as_of(self, as_of: str) -> StatusPanel:
        """The panel as known at the end of ``as_of`` (from the prepared panel when it
        reaches that month, else built now)."""
        m = months.parse(as_of)
        if self.panel is not None and self.panel.last_month >= m:
            return self.panel.as_of(m)
        return panel_until(self.validated, m, self.measures).as_of(m)


def prepare(
    validated: ValidatedInputs,
    hashes: dict[str, str],
    max_quarantine_share: float,
    *,
    until: str | None = None,
    measures: tuple[Measure, ...] = (),
) -> PreparedInputs:
    """The prepared inputs; with ``until`` (YYYY-MM) the panel up to that month too;
    ``measures``: the config's declared measures (their matrices join the panel)."""
    period = data_period(validated.status_months())
    panel = panel_until(validated, months.parse(until), measures) if until else None
    return PreparedInputs(hashes, max_quarantine_share, validated, period, panel, measures)


def panel_until(
    validated: ValidatedInputs, month_idx: int, measures: tuple[Measure, ...] = ()
) -> StatusPanel:
    """The panel of the kept rows with status months and starts up to ``month_idx``:
    persons and participations as frames (small), status rows as codes; with the
    matrices of the declared ``measures`` (:func:`evaluation.measures.measure_matrices`)."""
    persons, ids = persons_in_id_order(validated.persons)
    rows = validated.status_rows(ids)
    known = rows.month <= month_idx
    if not known.any():
        raise ValueError(f"no status months on or before the as-of month {months.label(month_idx)}")
    if not known.all():
        rows = StatusCodes(rows.person[known], rows.month[known], rows.status[known])
    del known
    participation = validated.participation
    starts = months.from_dates(participation["start_month"])
    participation = participation[starts <= month_idx]
    panel = build_panel_from_codes(persons, rows, participation)
    if not measures:
        return panel
    names = tuple(m.name for m in measures)
    mrows = validated.measure_rows(ids, names)
    return panel.with_measures(measure_matrices(measures, mrows, panel.status, panel.first_month))
