"""Sensitivity of an event-study effect to violations of parallel trends (Rambachan &
Roth 2023, Rev. Econ. Stud. 90:2555): robust confidence intervals under relative
magnitudes Δ^RM(M̄) and smoothness Δ^SD(M), and the breakdown values.

Methods are the defaults of the R package HonestDiD and of its Python port ``honestdid``
0.1.1: Δ^RM uses the conditional-least-favourable hybrid test (:mod:`.arp`, "C-LF",
κ = α/10), inverted over a grid of 1000 values of θ on [-20, 20] x the target's standard
error; Δ^SD uses the optimal fixed-length interval (:mod:`.flci`, "FLCI").

Δ^RM is the union of the polyhedra Δ^RM_{s,±}, so θ is in the interval when the test for
some pre period s and sign accepts it. The grid is searched coarse to fine: every 25th
point first, then a bisection over the grid indices between accepted and rejected coarse
points, which gives the full grid's answer whenever the accepted set has no gap or
island narrower than 25 grid steps (one standard error); ``exhaustive=True`` tests every
point.

Breakdown values: the smallest M̄ (M) at which the robust interval contains zero, so a
significant effect stays significant for every smaller value. For Δ^RM it is found by
bisection on M̄ of the test of θ = 0 itself (not read off a grid of M̄), to ``tol``, in a
bracket found by doubling from M̄ = 0.25 (breakdowns are mostly small); the
test's acceptance is taken to be monotone in M̄ (the restriction set grows with M̄). For
Δ^SD the FLCI's bound is continuous in M and is solved for zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

from evaluation.sensitivity import restrictions
from evaluation.sensitivity.arp import MomentProblem, accepts, least_favourable_cv
from evaluation.sensitivity.data import EventStudyInput, Target
from evaluation.sensitivity.flci import optimal_flci
from evaluation.sensitivity.results import Interval, TrendSensitivity

COARSE_STEP = 25


@dataclass(eq=False)
class _RmBranch:
    """The test for one (s, sign) of Δ^RM(M̄), with its critical value computed once."""

    problem: MomentProblem
    alpha: float
    kappa: float
    seed: int
    sims: int
    _cv: float | None = field(default=None)

    def cv(self) -> float:
        if self._cv is None:
            self._cv = least_favourable_cv(self.problem, self.kappa, sims=self.sims, seed=self.seed)
        return self._cv

    def accepts(self, theta: float) -> bool:
        """The hybrid test; c_LF is simulated only when the answer depends on it."""
        cv = self.cv if self._cv is None else self._cv
        return accepts(self.problem, theta, alpha=self.alpha, kappa=self.kappa, lf_cv=cv)


def _rm_branches(
    study: EventStudyInput, l_vec: np.ndarray, mbar: float, alpha: float, seed: int, sims: int
) -> list[_RmBranch]:
    out = []
    for s in range(-(study.n_pre - 1), 1):
        for positive in (True, False):
            a, d = restrictions.relative_magnitudes(study.n_pre, study.n_post, mbar, s, positive)
            rows = restrictions.post_rows(a, study.n_pre)
            problem = MomentProblem.build(
                study.estimates, study.cov, study.n_pre, l_vec, a, d, rows
            )
            out.append(_RmBranch(problem, alpha, alpha / 10, seed, sims))
    return out


def _accept_union(branches: Sequence[_RmBranch]) -> Callable[[float], bool]:
    return lambda theta: any(b.accepts(theta) for b in branches)


def theta_sd(study: EventStudyInput, l_vec: np.ndarray) -> float:
    """Standard error of the target's estimate l'β̂_post."""
    post = study.cov[study.post, study.post]
    return float(np.sqrt(max(l_vec @ post @ l_vec, 0.0)))


def grid_interval(
    accept: Callable[[float], bool], grid: np.ndarray, *, exhaustive: bool = False
) -> tuple[float, float, bool]:
    """(lowest, highest accepted grid value, open at an end of the grid); NaN if none."""
    n = len(grid)
    known: dict[int, bool] = {}

    def ok(i: int) -> bool:
        if i not in known:
            known[i] = accept(float(grid[i]))
        return known[i]

    idx = np.arange(n) if exhaustive else np.unique(np.r_[np.arange(0, n, COARSE_STEP), n - 1])
    flags = [ok(int(i)) for i in idx]
    if not any(flags) and not exhaustive:
        flags = [ok(int(i)) for i in range(n)]
        idx = np.arange(n)
    for a, b, fa, fb in zip(idx[:-1], idx[1:], flags[:-1], flags[1:], strict=True):
        if fa != fb:  # bisect the change between a (fa) and b (fb)
            lo, hi = int(a), int(b)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if ok(mid) == fa:
                    lo = mid
                else:
                    hi = mid
    accepted = sorted(i for i, v in known.items() if v)
    if not accepted:
        return np.nan, np.nan, False
    return (
        float(grid[accepted[0]]),
        float(grid[accepted[-1]]),
        accepted[0] == 0 or (accepted[-1] == n - 1),
    )


def relative_magnitudes_interval(
    study: EventStudyInput,
    l_vec: np.ndarray,
    mbar: float,
    *,
    alpha: float = 0.05,
    grid_points: int = 1000,
    grid_bounds: tuple[float, float] | None = None,
    seed: int = 0,
    sims: int = 1000,
    exhaustive: bool = False,
) -> tuple[float, float, bool]:
    """The C-LF robust interval for l'τ under Δ^RM(M̄): (low, high, open at a grid end)."""
    if mbar < 0:
        raise ValueError("Mbar must be non-negative")
    if study.n_pre < 1:
        raise ValueError("relative magnitudes need at least one pre period")
    sd = theta_sd(study, l_vec)
    lo, hi = grid_bounds if grid_bounds is not None else (-20 * sd, 20 * sd)
    branches = _rm_branches(study, l_vec, mbar, alpha, seed, sims)
    grid = np.linspace(lo, hi, grid_points)
    return grid_interval(_accept_union(branches), grid, exhaustive=exhaustive)


def relative_magnitudes_breakdown(
    study: EventStudyInput,
    l_vec: np.ndarray,
    *,
    alpha: float = 0.05,
    mbar_max: float = 10.0,
    tol: float = 1e-3,
    seed: int = 0,
    sims: int = 1000,
) -> float:
    """Smallest M̄ at which the C-LF test accepts θ = 0 (0: not significant even at
    M̄ = 0; inf: still significant at ``mbar_max``)."""

    def zero_inside(mbar: float) -> bool:
        return _accept_union(_rm_branches(study, l_vec, mbar, alpha, seed, sims))(0.0)

    if zero_inside(0.0):
        return 0.0
    lo, hi = 0.0, min(0.25, mbar_max)  # bracket from below: breakdowns are mostly small
    while not zero_inside(hi):
        if hi >= mbar_max:
            return np.inf
        lo, hi = hi, min(2 * hi, mbar_max)
    while hi - lo > tol:
        mid = (lo + hi) / 2
        if zero_inside(mid):
            hi = mid
        else:
            lo = mid
    return hi


def smoothness_breakdown(
    study: EventStudyInput, l_vec: np.ndarray, *, alpha: float = 0.05, m_max: float | None = None
) -> float:
    """Smallest M at which the FLCI contains zero (0: already at M = 0; inf: not by
    ``m_max``, default 100 standard errors of the target)."""

    def gap(m: float) -> float:
        lo, hi = optimal_flci(study.estimates, study.cov, study.n_pre, l_vec, m, alpha=alpha).ci
        return max(lo, -hi)  # > 0 while zero is outside the interval

    if gap(0.0) <= 0:
        return 0.0
    top = 100 * theta_sd(study, l_vec) if m_max is None else m_max
    if gap(top) > 0:
        return np.inf
    return float(optimize.brentq(gap, 0.0, top, xtol=1e-10 * max(top, 1.0), rtol=1e-4))


def _rm_widening(
    study: EventStudyInput,
    l_vec: np.ndarray,
    mbar: float,
    alpha: float,
    points: int,
    seed: int,
    sims: int = 1000,
) -> Interval:
    """The Δ^RM interval on the default grid (±20 standard errors); when it reaches an
    end of the grid, again on a grid 5 and 25 times as wide (with monthly data the
    violations M̄ allows add up over many post months)."""
    half = 20 * theta_sd(study, l_vec)
    for widen in (1, 5, 25):
        lo, hi, open_end = relative_magnitudes_interval(
            study, l_vec, mbar, alpha=alpha, grid_points=points,
            grid_bounds=(-half * widen, half * widen), seed=seed, sims=sims,
        )  # fmt: skip
        if not open_end:
            break
    return Interval(float(mbar), lo, hi, open_end)


def original_interval(study: EventStudyInput, l_vec: np.ndarray, alpha: float) -> Interval:
    """The usual interval under parallel trends."""
    est = float(l_vec @ study.estimates[study.post])
    half = stats.norm.ppf(1 - alpha / 2) * theta_sd(study, l_vec)
    return Interval(np.nan, est - half, est + half)


def trend_sensitivity(
    study: EventStudyInput,
    target: Target,
    *,
    mbars: Sequence[float] = (0.5, 1.0, 1.5, 2.0),
    ms: Sequence[float] | None = None,
    level: float = 0.95,
    breakdown: bool = True,
    grid_points: int = 1000,
    seed: int = 0,
    breakdown_tol: float = 1e-3,
    sims: int = 1000,
    smoothness_breakdown_too: bool = True,
) -> TrendSensitivity:
    """Robust intervals for ``target`` under Δ^RM(M̄) for each of ``mbars`` and Δ^SD(M)
    for each of ``ms`` (default: 0 to 2 x the target's standard error in 5 steps), the
    usual interval, and the breakdown values of M̄ (to ``breakdown_tol``) and M;
    ``sims`` draws for the least-favourable critical value; the breakdown of M only with
    ``smoothness_breakdown_too`` (NaN otherwise: each step solves an FLCI)."""
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    alpha = 1 - level
    l_vec = target.vector(study)
    sd = theta_sd(study, l_vec)
    ms = tuple(np.linspace(0, 2 * sd, 5)) if ms is None else tuple(ms)
    rm = tuple(_rm_widening(study, l_vec, mb, alpha, grid_points, seed, sims) for mb in mbars)
    sd_rows = tuple(
        Interval(
            float(m),
            *optimal_flci(study.estimates, study.cov, study.n_pre, l_vec, m, alpha=alpha).ci,
        )  # fmt: skip
        for m in ms
    )
    return TrendSensitivity(
        target=target,
        estimate=float(l_vec @ study.estimates[study.post]),
        std_error=sd,
        level=level,
        n_pre=study.n_pre,
        n_post=study.n_post,
        original=original_interval(study, l_vec, alpha),
        relative_magnitudes=rm,
        smoothness=sd_rows,
        breakdown_mbar=relative_magnitudes_breakdown(
            study, l_vec, alpha=alpha, seed=seed, tol=breakdown_tol, sims=sims
        )
        if breakdown
        else np.nan,
        breakdown_m=smoothness_breakdown(study, l_vec, alpha=alpha)
        if breakdown and smoothness_breakdown_too
        else np.nan,
    )
