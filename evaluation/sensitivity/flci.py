"""The optimal fixed-length confidence interval (FLCI) under smoothness Δ^SD(M)
(Rambachan & Roth 2023, Section 4.1; Armstrong & Kolesár 2018, 2020).

An affine estimator θ̂ = v'β̂_pre + l'β̂_post of θ = l'τ has standard deviation
σ(v) = sqrt(w'Σw), w = (v, l), and bias v'δ_pre + l'δ_post. Over Δ^SD(M) the bias is
bounded only if the estimator ignores linear trends, Σ_j j v_{-j} = Σ_t t l_t, and then,
writing every δ through its slope at the reference period and the second differences
a_r (|a_r| <= M) of which it is made,

    max bias = M (Σ_{r=1..T} |Σ_{t>=r} l_t (t-r+1)|  +  Σ_{r=-(K-2)..0} |Σ_{j>=2-r} v_{-j} (r+j-1)|)

(:func:`max_bias`; a test checks it against the linear programme over Δ^SD(M)). The
FLCI is θ̂ ± σ cv_α(bias/σ), cv_α(t) the 1-α quantile of |N(t, 1)| (the folded normal),
and its length is minimised over v. The objective σ cv_α(bias/σ) is the perspective of
the convex cv_α composed with the convex σ(v) and bias(v), so it is convex in v; it is
minimised with SLSQP over (v, u) with u_r >= |C v|_r (u is the pre part of the bias).

Differences to the ``honestdid`` packages, which solve the same problem: they take the
folded-normal quantile from 10^6 simulated draws and locate the optimal standard
deviation by a bisection on finite differences, to 1/100 of its range; here the quantile
is exact (root of Φ(c - t) - Φ(-c - t) = 1 - α) and the minimum is found to solver
precision. The stored comparison (tests) states the tolerance this implies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats


def fold_quantile(t: float, alpha: float) -> float:
    """c with P(|Z + t| <= c) = 1 - α, Z ~ N(0, 1)."""
    t = abs(float(t))

    def f(c: float) -> float:  # special.ndtr is what stats.norm.cdf calls, minus its overhead
        return special.ndtr(c - t) - special.ndtr(-c - t) - (1 - alpha)

    lo = max(0.0, t + special.ndtri(1 - alpha) - 1e-9)
    hi = t + special.ndtri(1 - alpha / 2) + 1e-9
    return float(optimize.brentq(f, lo, hi, xtol=1e-14, rtol=1e-15))


def _fold_quantile_slope(t: float, c: float) -> float:
    """dc/dt of the folded-normal quantile at (t, c)."""
    lo, hi = stats.norm.pdf(c - t), stats.norm.pdf(c + t)
    return float((lo - hi) / (lo + hi))


def post_bias_constant(l_vec: np.ndarray) -> float:
    """Σ_{r=1..T} |Σ_{t>=r} l_t (t - r + 1)|: the post periods' part of the max bias / M."""
    t = np.arange(1, len(l_vec) + 1)
    return float(sum(abs(np.sum(l_vec[r - 1 :] * (t[r - 1 :] - r + 1))) for r in t))


def pre_bias_matrix(n_pre: int) -> np.ndarray:
    """C with (C v)_r = Σ_{j>=2-r} v_{-j} (r + j - 1), r = 0, -1, ..., -(K-2); v in the
    order t = -K..-1 (v[i] is v_{-j} with j = K - i)."""
    c = np.zeros((max(n_pre - 1, 0), n_pre))
    for row, r in enumerate(range(0, -(n_pre - 1), -1)):
        for j in range(2 - r, n_pre + 1):
            c[row, n_pre - j] = r + j - 1
    return c


def trend_row(n_pre: int) -> np.ndarray:
    """g with g'v = Σ_j j v_{-j} (must equal Σ_t t l_t)."""
    return n_pre - np.arange(n_pre, dtype=float)


def max_bias(v_pre: np.ndarray, l_vec: np.ndarray, m: float) -> float:
    """Worst-case bias of v'β̂_pre + l'β̂_post over Δ^SD(M) (inf if it is not invariant
    to linear trends)."""
    n_pre = len(v_pre)
    target = float(np.arange(1, len(l_vec) + 1) @ l_vec)
    if abs(trend_row(n_pre) @ v_pre - target) > 1e-9 * max(1.0, abs(target)):
        return np.inf
    pre = float(np.abs(pre_bias_matrix(n_pre) @ v_pre).sum())
    return float(m) * (post_bias_constant(l_vec) + pre)


@dataclass(frozen=True)
class Flci:
    """The optimal FLCI: centre ± half_length, with its affine estimator's weights."""

    centre: float
    half_length: float
    weights: np.ndarray  # (v_pre, l): the estimator is weights' β̂
    std_error: float
    max_bias: float

    @property
    def ci(self) -> tuple[float, float]:
        return self.centre - self.half_length, self.centre + self.half_length


def optimal_flci(
    estimates: np.ndarray,
    cov: np.ndarray,
    n_pre: int,
    l_vec: np.ndarray,
    m: float,
    *,
    alpha: float = 0.05,
) -> Flci:
    """The shortest FLCI for θ = l'τ under Δ^SD(M) among affine estimators."""
    if m < 0:
        raise ValueError("M must be non-negative")
    l_vec = np.asarray(l_vec, dtype=float)
    v = _optimal_weights(np.asarray(cov, float), n_pre, l_vec, float(m), alpha)
    w = np.r_[v, l_vec]
    sd = float(np.sqrt(max(w @ cov @ w, 0.0)))
    bias = max_bias(v, l_vec, m)
    half = sd * fold_quantile(bias / sd, alpha) if sd > 0 else bias
    return Flci(float(w @ estimates), half, w, sd, bias)


def _optimal_weights(cov: np.ndarray, n_pre: int, l_vec: np.ndarray, m: float, alpha: float):
    g = trend_row(n_pre)
    target = float(np.arange(1, len(l_vec) + 1) @ l_vec)
    c_mat = pre_bias_matrix(n_pre)
    k, n_u = n_pre, len(c_mat)
    pre, cross = cov[:n_pre, :n_pre], cov[:n_pre, n_pre:] @ l_vec
    post_var = float(l_vec @ cov[n_pre:, n_pre:] @ l_vec)
    const = post_bias_constant(l_vec)

    def parts(z: np.ndarray) -> tuple[float, float, np.ndarray]:
        v = z[:k]
        var = float(v @ pre @ v + 2 * v @ cross + post_var)
        return np.sqrt(max(var, 1e-300)), m * (const + z[k:].sum()), pre @ v + cross

    def objective(z: np.ndarray) -> tuple[float, np.ndarray]:
        sd, bias, sv = parts(z)
        t = bias / sd
        c = fold_quantile(t, alpha)
        slope = _fold_quantile_slope(t, c)
        grad = np.r_[(c - t * slope) * sv / sd, np.full(n_u, slope * m)]
        return sd * c, grad

    v0 = _min_variance(pre, cross, g, target)
    z0 = np.r_[v0, np.abs(c_mat @ v0)]
    cons = [
        {"type": "eq", "fun": lambda z: np.array([g @ z[:k] - target]),
         "jac": lambda z: np.r_[g, np.zeros(n_u)][None, :]},
    ]  # fmt: skip
    if n_u:
        ineq = np.vstack([np.hstack([-c_mat, np.eye(n_u)]), np.hstack([c_mat, np.eye(n_u)])])
        cons.append({"type": "ineq", "fun": lambda z: ineq @ z, "jac": lambda z: ineq})
    if n_u == 0 or m == 0:
        return v0
    res = optimize.minimize(
        objective, z0, jac=True, constraints=cons, method="SLSQP",
        options={"ftol": 1e-15, "maxiter": 2000},
    )  # fmt: skip
    return res.x[:k] if res.success or res.fun < objective(z0)[0] else v0


def _min_variance(pre: np.ndarray, cross: np.ndarray, g: np.ndarray, target: float):
    """argmin_v (v, l)'Σ(v, l) s.t. g'v = target (the FLCI at M = 0)."""
    k = len(g)
    kkt = np.block([[2 * pre, g[:, None]], [g[None, :], np.zeros((1, 1))]])
    rhs = np.r_[-2 * cross, target]
    sol = np.linalg.lstsq(kkt, rhs, rcond=None)[0]
    return sol[:k]
