"""What the trend-sensitivity analysis takes in: an event study split into pre and post
periods around its reference month, and the scalar target.

Rambachan & Roth (2023) index periods t = -K..-1 (pre), 0 (reference, normalised to zero
and left out) and 1..T (post). Here event month e maps to t = e - reference, with the
reference month e = -1: the pre periods are e = -K-1..-2 and the post periods e = 0..T-1.
Both runs must be consecutive months; :meth:`EventStudyInput.of` keeps the longest run of
finite estimates on each side of the reference month (a gap ends it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


class EventStudyLike(Protocol):
    """What the analysis needs from an event study (``EventStudyResult`` has it)."""

    event_times: np.ndarray
    estimates: np.ndarray
    cov: np.ndarray


@dataclass(frozen=True, eq=False)
class EventStudyInput:
    """Pre-period then post-period estimates (reference month left out) and their
    covariance, in the order t = -K..-1, 1..T."""

    estimates: np.ndarray
    cov: np.ndarray
    n_pre: int
    n_post: int
    reference: int = -1  # the event month normalised to zero

    def __post_init__(self) -> None:
        b = np.asarray(self.estimates, dtype=np.float64)
        s = np.asarray(self.cov, dtype=np.float64)
        n = self.n_pre + self.n_post
        if self.n_pre < 1 or self.n_post < 1:
            raise ValueError("need at least one pre and one post period")
        if b.shape != (n,) or s.shape != (n, n):
            raise ValueError(f"estimates ({b.shape}) and cov ({s.shape}) must cover {n} periods")
        if not (np.isfinite(b).all() and np.isfinite(s).all()):
            raise ValueError("estimates and cov must be finite")
        if np.abs(s - s.T).max() > 1e-10 * max(1.0, np.abs(s).max()):
            raise ValueError("cov must be symmetric")
        object.__setattr__(self, "estimates", b)
        object.__setattr__(self, "cov", (s + s.T) / 2)

    @property
    def pre_event_times(self) -> np.ndarray:
        return self.reference - np.arange(self.n_pre, 0, -1)

    @property
    def post_event_times(self) -> np.ndarray:
        return self.reference + 1 + np.arange(self.n_post)

    @property
    def event_times(self) -> np.ndarray:
        return np.r_[self.pre_event_times, self.post_event_times]

    @property
    def post(self) -> slice:
        return slice(self.n_pre, self.n_pre + self.n_post)

    @classmethod
    def of(
        cls,
        study: EventStudyLike,
        *,
        reference: int = -1,
        max_pre: int | None = None,
        max_post: int | None = None,
    ) -> EventStudyInput:
        """From an event study over event months (the reference month included or
        not): the consecutive finite months before and after ``reference``, at most
        ``max_pre`` / ``max_post`` of them."""
        e = np.asarray(study.event_times, dtype=np.int64)
        b = np.asarray(study.estimates, dtype=np.float64)
        c = np.asarray(study.cov, dtype=np.float64)
        pre = _run(e, b, c, reference - 1, -1, max_pre)
        post = _run(e, b, c, reference + 1, 1, max_post)
        idx = np.r_[pre[::-1], post].astype(int)
        return cls(b[idx], c[np.ix_(idx, idx)], len(pre), len(post), reference)

    @classmethod
    def from_placebo(
        cls, study: EventStudyLike, placebo_months: tuple[int, ...], *, last_post: int
    ) -> EventStudyInput | None:
        """Pre periods = the placebo months (the longest consecutive run of them with a
        positive variance, oldest first), post periods = e = 0..``last_post``; None
        when either is empty.

        In the matched event study the months -12..-1 are fixed by design (matched
        lags, the target-group rule): their estimates are zero by construction and say
        nothing about trends. The months before them (the placebo window, see
        :mod:`evaluation.did.placebo`) do. They are placed just before the reference
        month: pre-period "violations" are then the month-to-month changes of the
        placebo estimates, and Δ^RM(M̄) lets each post month's violation change by up
        to M̄ times the largest of them."""
        e = np.asarray(study.event_times, dtype=np.int64)
        b = np.asarray(study.estimates, dtype=np.float64)
        c = np.asarray(study.cov, dtype=np.float64)
        ok = np.isfinite(b) & np.isfinite(np.diag(c)) & (np.diag(c) > 1e-24)
        usable = sorted(int(m) for m in placebo_months if ok[e == m].any())
        pre = _longest_run(usable)
        post: list[int] = []
        for m in range(0, last_post + 1):
            if not ok[e == m].any():
                break
            post.append(m)
        if not pre or not post:
            return None
        idx = np.array([int(np.flatnonzero(e == m)[0]) for m in (*pre, *post)])
        return cls(b[idx], c[np.ix_(idx, idx)], len(pre), len(post), -1)

    def target(self, weights: Target) -> np.ndarray:
        """The target's weights l over the post periods (length T)."""
        return weights.vector(self)


def _longest_run(months: list[int]) -> list[int]:
    """The longest run of consecutive months (the latest of equally long ones)."""
    best: list[int] = []
    run: list[int] = []
    for m in months:
        run = [*run, m] if run and m == run[-1] + 1 else [m]
        if len(run) >= len(best):
            best = run
    return best


def _run(
    e: np.ndarray, b: np.ndarray, c: np.ndarray, start: int, step: int, limit: int | None
) -> np.ndarray:
    """Indices of the consecutive event months start, start+step, ... with a finite
    estimate and variance."""
    out: list[int] = []
    month = start
    while limit is None or len(out) < limit:
        hit = np.flatnonzero(e == month)
        if len(hit) == 0:
            break
        j = int(hit[0])
        if not (np.isfinite(b[j]) and np.isfinite(c[j, j]) and c[j, j] >= 0):
            break
        out.append(j)
        month += step
    return np.array(out, dtype=int)


@dataclass(frozen=True)
class Target:
    """The scalar target θ = l'τ: one post event month, or the average over a window of
    event months (the headline window), equally weighted."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a target window needs first <= last")

    @classmethod
    def month(cls, event_month: int) -> Target:
        return cls(event_month, event_month)

    @classmethod
    def window(cls, first: int, last: int) -> Target:
        return cls(first, last)

    @property
    def label(self) -> str:
        """``"e=3"`` for one month, ``"mean e=0..11"`` for a window."""
        if self.first == self.last:
            return f"e={self.first}"
        return f"mean e={self.first}..{self.last}"

    def vector(self, study: EventStudyInput) -> np.ndarray:
        post = study.post_event_times
        inside = (post >= self.first) & (post <= self.last)
        if not (post[0] <= self.first and self.last <= post[-1]):
            raise ValueError(
                f"target {self.label} is not within the post periods "
                f"e={post[0]}..{post[-1]} of the event study"
            )
        return inside / inside.sum()
