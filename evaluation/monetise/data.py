"""What the valuation takes in: effect paths on public cost and the headline effect.

An effect path is the ATT by event month with its covariance, e.g. an
:class:`~evaluation.did.EventStudyResult` of ``MatchedEventStudy.fit("public_cost_dkk",
prices)``; :class:`EffectPath` checks one and finds its observed months.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


class EffectPathLike(Protocol):
    """What the valuation needs from an effect path (``EventStudyResult`` has it)."""

    event_times: np.ndarray
    estimates: np.ndarray
    cov: np.ndarray


@dataclass(frozen=True, eq=False)
class EffectPath:
    """Monthly effects by event month with their covariance."""

    event_times: np.ndarray
    estimates: np.ndarray
    cov: np.ndarray

    def __post_init__(self) -> None:
        e = np.asarray(self.event_times, dtype=np.int64)
        b = np.asarray(self.estimates, dtype=np.float64)
        c = np.asarray(self.cov, dtype=np.float64)
        if e.ndim != 1 or b.shape != e.shape or c.shape != (len(e), len(e)):
            raise ValueError("event_times, estimates (n) and cov (n x n) do not match")
        object.__setattr__(self, "event_times", e)
        object.__setattr__(self, "estimates", b)
        object.__setattr__(self, "cov", c)

    @classmethod
    def of(cls, path: EffectPathLike) -> EffectPath:
        return cls(path.event_times, path.estimates, path.cov)

    def observed(self) -> tuple[np.ndarray, np.ndarray]:
        """Estimates and covariance of event months 0, 1, ..., n-1: the longest run from
        the start month on with a finite estimate and variance (a gap ends the run)."""
        n = 0
        while True:
            hit = np.flatnonzero(self.event_times == n)
            if len(hit) == 0:
                break
            j = hit[0]
            if not (np.isfinite(self.estimates[j]) and np.isfinite(self.cov[j, j])):
                break
            n += 1
        idx = np.array([np.flatnonzero(self.event_times == e)[0] for e in range(n)], dtype=int)
        cov = np.nan_to_num(self.cov[np.ix_(idx, idx)])
        return self.estimates[idx], cov


@dataclass(frozen=True)
class HeadlineEffect:
    """The headline effect on self-sufficiency (share of participants, per month)."""

    estimate: float
    std_error: float

    @classmethod
    def of(cls, result: object) -> HeadlineEffect:
        """From an ``EventStudyResult`` (its pooled estimate and standard error)."""
        return cls(float(result.pooled_estimate), float(result.pooled_std_error))  # type: ignore[attr-defined]
