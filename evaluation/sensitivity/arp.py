"""The conditional-least-favourable hybrid test of Andrews, Roth & Pakes (2023, Rev. Econ.
Stud.; "ARP") for moment inequalities with linear nuisance parameters, as Rambachan &
Roth (2023, Section 5.3) use it for Δ^RM.

For a target value θ̄ the null hypothesis is that some δ in {A δ <= d} and some post
effects τ with l'τ = θ̄ explain the estimates: E[β̂] = δ + (0, τ). With Γ an invertible
matrix whose first row is l', τ = Γ^{-1}(θ̄, τ̃), and the null becomes

    E[y(θ̄) - X τ̃] <= 0 for some τ̃,   y(θ̄) = A β̂ - d - a θ̄,  (a, X) = A_post Γ^{-1},

with y ~ N(·, Σ_y = A Σ A'). Only the rows of A that involve a post period are used
(the others do not depend on θ̄; ``postPeriodMomentsOnly``).

The test statistic is η̂ = min η s.t. y - X τ̃ <= η σ (σ: the moments' standard
errors), a linear programme whose dual solution γ̂ (γ >= 0, γ'σ = 1, X'γ = 0) gives
η̂ = γ̂'y. Conditional on γ̂ being optimal and on S = y - b γ̂'y (b = Σ_y γ̂ / γ̂'Σ_y γ̂,
independent of γ̂'y), η̂ is normal truncated to [v_lo, v_up], the values c for which γ̂
stays optimal at S + b c. Here v_lo and v_up are found exactly by walking the dual
vertices (each step solves the dual programme at the crossing of the current vertex's
line with the diagonal; convexity makes it converge in finitely many steps).

Hybrid: reject when η̂ exceeds the least-favourable critical value c_LF (the 1 - κ
quantile of η̂ when every moment has mean zero, simulated with 1000 draws), otherwise
reject when η̂/σ_γ exceeds the 1 - (α - κ)/(1 - κ) quantile of a standard normal
truncated to [v_lo, min(v_up, c_LF)]/σ_γ, σ_γ = sqrt(γ̂'Σ_y γ̂). κ = α/10 (the paper's
and the packages' default).

The draws use numpy's legacy ``RandomState(seed).multivariate_normal`` as the Python
package ``honestdid`` 0.1.1 does, so that both give the same critical value for the same
seed (and the stored comparison in the tests is exact up to LP tolerances).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import stats

from evaluation.sensitivity.lp import EtaLp, VertexLp

LP_TOL = 1e-7  # relative tolerance of the equality g(c) = c in the vertex walk


@dataclass(frozen=True, eq=False)
class MomentProblem:
    """Moments y(θ) = y0 - a θ with nuisance X and covariance Σ_y (used rows only)."""

    y0: np.ndarray
    a: np.ndarray
    x: np.ndarray
    sigma: np.ndarray

    @cached_property
    def sd(self) -> np.ndarray:
        return np.sqrt(np.clip(np.diag(self.sigma), 0.0, None))

    @cached_property
    def eta_lp(self) -> EtaLp:
        return EtaLp(self.x, self.sd)

    @cached_property
    def vertex_lp(self) -> VertexLp:
        return VertexLp(self.x, self.sd)

    @classmethod
    def build(
        cls,
        estimates: np.ndarray,
        cov: np.ndarray,
        n_pre: int,
        l_vec: np.ndarray,
        a_mat: np.ndarray,
        d_vec: np.ndarray,
        rows: np.ndarray,
    ) -> MomentProblem:
        gamma_inv = np.linalg.inv(_gamma(l_vec))
        a_gamma = a_mat[:, n_pre:] @ gamma_inv
        y = a_mat @ estimates - d_vec
        sigma_y = a_mat @ cov @ a_mat.T
        return cls(
            y0=y[rows],
            a=a_gamma[rows, 0],
            x=a_gamma[np.ix_(rows, np.arange(1, a_gamma.shape[1]))],
            sigma=sigma_y[np.ix_(rows, rows)],
        )


def _gamma(l_vec: np.ndarray) -> np.ndarray:
    """Invertible matrix with first row l': l' and the unit rows e_j' except the one of
    l's last non-zero entry (the pivot columns of the reduced row echelon form of
    [l, I])."""
    last = int(np.flatnonzero(l_vec != 0)[-1])
    units = np.delete(np.eye(len(l_vec)), last, axis=0)
    return np.vstack([l_vec, units])


def least_favourable_cv(
    problem: MomentProblem, kappa: float, *, sims: int = 1000, seed: int = 0
) -> float:
    """The 1 - κ quantile of η̂ when every moment has mean zero (simulated)."""
    rng = np.random.RandomState(seed)  # legacy generator: same draws as honestdid
    xi = rng.multivariate_normal(np.zeros(len(problem.sd)), problem.sigma, size=sims)
    etas = simulated_etas(problem, xi)
    etas = etas[np.isfinite(etas)]
    return float(np.quantile(etas, 1 - kappa)) if len(etas) else np.inf


def simulated_etas(problem: MomentProblem, ys: np.ndarray, *, first: int = 25) -> np.ndarray:
    """η̂(y) for every row of ``ys`` (NaN where the programme is not solved).

    The dual's feasible set (γ >= 0, γ'σ = 1, X'γ = 0) does not depend on y, so η̂(y) is
    the largest γ'y over its vertices and few vertices are optimal for many draws. The
    first ``first`` draws are solved; for the others the best vertex found so far is
    certified optimal when the primal is feasible at its value (τ̃ from the vertex's
    support, every moment y - X τ̃ <= η σ to 1e-9): then η̂ = γ'y by duality. Draws it
    cannot certify are solved (and their vertices added)."""
    out = np.full(len(ys), np.nan)
    gammas = np.empty((0, ys.shape[1]))  # the vertices found, one per row
    bases: list[tuple[np.ndarray, np.ndarray]] = []  # their support and pinv(X_support)
    for i, y in enumerate(ys):
        if i >= first and len(bases):
            values = gammas @ y
            j = int(np.argmax(values))
            eta = _certified(problem, *bases[j], y, float(values[j]))
            if eta is not None:
                out[i] = eta
                continue
        eta, g = _eta(problem, y)
        out[i] = eta
        if g is not None:
            support = np.flatnonzero(g > 1e-12)
            gammas = np.vstack([gammas, g])
            bases.append((support, np.linalg.pinv(problem.x[support])))
    return out


def _certified(
    problem: MomentProblem, support: np.ndarray, pinv: np.ndarray, y: np.ndarray, eta: float
) -> float | None:
    tau = pinv @ (y[support] - eta * problem.sd[support])
    slack = y - problem.x @ tau - eta * problem.sd
    return eta if slack.max() <= 1e-9 * max(1.0, float(np.abs(y).max())) else None


def _eta(problem: MomentProblem, y: np.ndarray) -> tuple[float, np.ndarray | None]:
    sol = problem.eta_lp.solve(y)
    return (np.nan, None) if sol is None else sol


def truncation(
    problem: MomentProblem, eta: float, s: np.ndarray, b: np.ndarray, sigma_g: float
) -> tuple[float, float]:
    """[v_lo, v_up]: the values c with max_γ γ'(S + b c) = c (γ̂ stays optimal)."""
    lo = min(-100.0, eta - 20 * sigma_g)
    hi = max(100.0, eta + 20 * sigma_g)
    return _walk(problem, eta, lo, s, b), _walk(problem, eta, hi, s, b)


def _optimal_at(problem: MomentProblem, c: float, s: np.ndarray, b: np.ndarray):
    """(is γ̂ still optimal at S + b c, the optimal vertex there)."""
    sol = problem.vertex_lp.solve(s + b * c)
    if sol is None:
        return False, None
    value, g = sol
    return value <= c + LP_TOL * max(1.0, abs(c)), g


def _walk(problem: MomentProblem, eta: float, far: float, s: np.ndarray, b: np.ndarray) -> float:
    """The end of the optimality interval of γ̂ on the side of ``far``: from ``far``,
    jump to where the optimal vertex's line crosses the diagonal until γ̂ is optimal."""
    c = far
    for _ in range(200):
        optimal, g = _optimal_at(problem, c, s, b)
        if optimal:
            return float(np.copysign(np.inf, far - eta)) if c == far else c
        if g is None:
            break
        slope = float(g @ b)
        if abs(1.0 - slope) < 1e-14:
            break
        nxt = float(g @ s) / (1.0 - slope)
        if not min(eta, c) - 1e-9 <= nxt <= max(eta, c) + 1e-9 or nxt == c:
            break
        c = nxt
    return _bisect(problem, eta, c, s, b)


def _bisect(problem: MomentProblem, eta: float, c: float, s: np.ndarray, b: np.ndarray) -> float:
    """Fallback: bisection between η̂ (optimal) and c (not optimal)."""
    inside, outside = eta, c
    for _ in range(200):
        mid = (inside + outside) / 2
        if _optimal_at(problem, mid, s, b)[0]:
            inside = mid
        else:
            outside = mid
        if abs(outside - inside) <= 1e-9 * max(1.0, abs(mid)):
            break
    return inside


def truncated_normal_quantile(p: float, lo: float, hi: float) -> float:
    """Quantile p of N(0, 1) truncated to [lo, hi]."""
    if lo >= hi:
        return lo
    if np.isinf(lo) and np.isinf(hi):
        return float(stats.norm.ppf(p))
    return float(stats.truncnorm.ppf(p, lo, hi))


def accepts(
    problem: MomentProblem,
    theta: float,
    *,
    alpha: float,
    kappa: float,
    lf_cv: float | Callable[[], float],
) -> bool:
    """Does the hybrid test at level α accept θ̄ = ``theta``?

    ``lf_cv`` may be a function that computes c_LF (1000 simulated programmes): it is
    called only when the answer depends on it. The conditional test without the
    truncation at c_LF already rejects in many cases, and lowering the truncation's
    upper end only lowers its critical value, so such a rejection stands whatever c_LF
    is (the answer is the same as with c_LF known)."""
    y = problem.y0 - problem.a * theta
    eta, gamma = _eta(problem, y)
    if gamma is None:
        return True  # as the packages: an unsolved programme does not reject
    known = not callable(lf_cv)
    if known and eta > lf_cv:
        return False
    var_g = float(gamma @ problem.sigma @ gamma)
    if var_g < np.finfo(float).eps:
        return not eta > 0
    sigma_g = np.sqrt(var_g)
    b = problem.sigma @ gamma / var_g
    s = y - b * float(gamma @ y)
    v_lo, v_up = truncation(problem, eta, s, b, sigma_g)
    size = (alpha - kappa) / (1 - kappa)
    if not known:
        if _conditional_rejects(eta / sigma_g, v_lo / sigma_g, v_up / sigma_g, size):
            return False
        lf_cv = lf_cv()
        if eta > lf_cv:
            return False
    z_lo, z_up, stat = v_lo / sigma_g, min(v_up, lf_cv) / sigma_g, eta / sigma_g
    if not z_lo <= stat <= z_up:
        return True
    return not _conditional_rejects(stat, z_lo, z_up, size)


def _conditional_rejects(stat: float, z_lo: float, z_up: float, size: float) -> bool:
    if not z_lo <= stat <= z_up:
        return False
    crit = max(0.0, truncated_normal_quantile(1 - size, z_lo, z_up))
    return stat > crit
