"""What the flow hands the monitor for one offer: aggregate figures only.

Nothing here is person level. The flow counts starts and dropouts from the participation
table (:func:`count_starts`, :func:`count_dropouts`) and passes the interim effect path
of the contract outcome (an :class:`~evaluation.did.EventStudyResult` fits
:class:`EffectPath`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

import numpy as np

from evaluation import months
from evaluation.monitor.plans import Plan, PlanHistory


class EffectPath(Protocol):
    """ATT by event month with its covariance (what an event study result provides)."""

    @property
    def event_times(self) -> np.ndarray: ...

    @property
    def estimates(self) -> np.ndarray: ...

    @property
    def std_errors(self) -> np.ndarray: ...

    @property
    def cov(self) -> np.ndarray: ...

    @property
    def n_treated(self) -> np.ndarray: ...


@dataclass(frozen=True, eq=False)
class InterimPath:
    """A plain :class:`EffectPath` (e.g. rebuilt from a stored effects table)."""

    event_times: np.ndarray
    estimates: np.ndarray
    cov: np.ndarray
    n_treated: np.ndarray

    def __post_init__(self) -> None:
        e = np.asarray(self.event_times, dtype=np.int64)
        n = len(e)
        est = np.asarray(self.estimates, dtype=np.float64)
        cov = np.asarray(self.cov, dtype=np.float64)
        nt = np.asarray(self.n_treated, dtype=np.int64)
        if est.shape != (n,) or nt.shape != (n,) or cov.shape != (n, n):
            raise ValueError("estimates, n_treated and cov must match event_times")
        for name, value in (
            ("event_times", e),
            ("estimates", est),
            ("cov", cov),
            ("n_treated", nt),
        ):
            object.__setattr__(self, name, value)

    @property
    def std_errors(self) -> np.ndarray:
        return np.sqrt(np.clip(np.diag(self.cov), 0, None))


@dataclass(frozen=True, eq=False)
class OfferProgress:
    """One offer's progress as of a month (all months are month indices).

    ``starts_by_month``: actual new participants per month; ``dropouts``: participations
    that ended before lasting ``dropout_months`` (see :func:`count_dropouts`);
    ``planned_participants``: the planned total; ``plans``: the versioned monthly plan;
    ``effect``: the interim effect path on the contract outcome; ``target_effect`` at
    ``target_event_month`` months after the start: the contract's target; ``level``: the
    confidence level of the intervals; ``outcomes_by_month``/``payments_by_month``: the
    actual outcomes and payments so far, to compare with the plan.
    """

    offer_id: str
    as_of: int
    starts_by_month: Mapping[int, int] = field(default_factory=dict)
    dropouts: int = 0
    planned_participants: int | None = None
    plans: PlanHistory | Iterable[Plan] | None = None
    effect: EffectPath | None = None
    target_effect: float | None = None
    target_event_month: int | None = None
    level: float = 0.95
    outcomes_by_month: Mapping[int, float] | None = None
    payments_by_month: Mapping[int, float] | None = None

    def __post_init__(self) -> None:
        if (self.target_effect is None) != (self.target_event_month is None):
            raise ValueError("target_effect and target_event_month go together")
        if self.target_event_month is not None and self.target_event_month < 1:
            raise ValueError("target_event_month must be at least 1")
        if not 0 < self.level < 1:
            raise ValueError("level must be between 0 and 1")
        if self.planned_participants is not None and self.planned_participants < 0:
            raise ValueError("planned_participants must be >= 0")
        object.__setattr__(self, "as_of", int(self.as_of))
        starts = self._actuals(self.starts_by_month, "starts_by_month")
        if any(v != int(v) for v in starts.values()):
            raise ValueError("starts_by_month must hold whole numbers")
        object.__setattr__(self, "starts_by_month", starts)
        if not 0 <= self.dropouts <= sum(starts.values()):
            raise ValueError("dropouts must be between 0 and the number of starts")
        for name in ("outcomes_by_month", "payments_by_month"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, self._actuals(value, name))
        object.__setattr__(self, "plans", PlanHistory.of(self.plans))

    def _actuals(self, values: Mapping[int, float], what: str) -> Mapping[int, float]:
        out = {int(m): float(v) for m, v in sorted(values.items())}
        late = [months.label(m) for m in out if m > self.as_of]
        if late:
            raise ValueError(f"{what}: months after the as-of month ({', '.join(late)})")
        if any(not np.isfinite(v) or v < 0 for v in out.values()):
            raise ValueError(f"{what}: values must be finite and >= 0")
        return MappingProxyType(out)

    @property
    def enrolled(self) -> int:
        return int(sum(self.starts_by_month.values()))


def count_starts(start_month: np.ndarray, as_of: int) -> dict[int, int]:
    """Participations started per month, up to and including ``as_of``."""
    s = np.asarray(start_month, dtype=np.int64)
    s = s[s <= as_of]
    m, n = np.unique(s, return_counts=True)
    return {int(a): int(b) for a, b in zip(m, n, strict=True)}


def count_dropouts(
    start_month: np.ndarray, end_month: np.ndarray, as_of: int, within: int = 3
) -> int:
    """Participations that started by ``as_of`` and ended, by ``as_of``, before lasting
    ``within`` months (start and end month both count: ``end - start + 1 < within``).

    ``end_month`` is NaN (or negative, the panel's -1) while a participation is open; an
    end after ``as_of`` was not known then and counts as open.
    """
    if within < 1:
        raise ValueError("within must be at least 1 month")
    start = np.asarray(start_month, dtype=np.float64)
    end = np.asarray(end_month, dtype=np.float64)
    if start.shape != end.shape:
        raise ValueError("start_month and end_month must have the same length")
    ended = np.isfinite(end) & (end >= 0) & (end <= as_of) & (start <= as_of)
    return int((ended & (end - start + 1 < within)).sum())
