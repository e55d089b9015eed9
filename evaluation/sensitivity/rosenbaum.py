"""Rosenbaum's sensitivity analysis for matched sets (Rosenbaum 2002, Observational
Studies, ch. 4): how large may the odds Γ of differential selection within a matched set
be before the effect stops being significant?

Model. Within a matched set, two members with the same observed covariates may differ in
their odds of starting the offer by at most a factor Γ (Γ = 1: as if randomised within
the set). For each Γ the p-value of the test of no effect has a sharp upper bound; the
reported Γ is the largest at which that bound is still below α (one-sided, in the
direction of the estimate).

Statistic. Matched sets here hold one participant and k_i controls (k_i varies: caliper
losses; controls carry equal matching weights within a set), and the outcome is the
change in the outcome from the month before the start to the headline window (for a 0/1
outcome: the share of the window's months in the outcome, minus the status before). The
statistic is Σ_i q_i(treated), with q_i(j) = ψ(y_ij - mean_{l≠j} y_il), the participant's
difference from the mean of its own set's controls: the same contrast as the estimated
effect (a mean difference with equal control weights within a set), defined for any k_i.
ψ is the identity by default (for a 0/1 outcome this is the Mantel-Haenszel statistic of
Rosenbaum 2002 §4.4 and for pairs McNemar's, §4.3.2); ``trim`` > 0 gives Huber's ψ at
``trim`` x the median absolute score, robust to extreme outcomes such as earnings
(Rosenbaum 2007, Biometrics 63:456).

Bound. With several controls the exact bound needs the separable approximation of
Gastwirth, Krieger & Rosenbaum (2000, JRSS-B 62:545), also used by ``sensitivitymv``:
in each set the unobserved u_j in [0, 1] that maximises the expectation of q_i(treated)
puts u = 1 on the a members with the largest scores, for the a in 1..n_i-1 with the
largest expectation (ties: the largest variance); the set's null distribution picks
member j with probability ∝ Γ^{u_j}. Summing the sets' expectations and variances gives
a normal deviate and the upper bound of the p-value. Sets are taken as independent; a
control reused in several sets (matching with replacement) is counted in each, the usual
simplification, which overstates the information somewhat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize, stats


@dataclass(frozen=True, eq=False)
class MatchedSets:
    """Scores per set: ``scores[i][j]`` is q_i(j); ``observed[i]`` the participant's."""

    scores: tuple[np.ndarray, ...]
    observed: np.ndarray

    @classmethod
    def build(
        cls,
        set_id: np.ndarray,
        treated: np.ndarray,
        y: np.ndarray,
        *,
        trim: float = 0.0,
        alternative: Literal["greater", "less"] = "greater",
    ) -> MatchedSets:
        """From one row per set member (sets with one participant and >= 1 control)."""
        set_id, treated = np.asarray(set_id), np.asarray(treated, dtype=bool)
        y = np.asarray(y, dtype=float) * (1.0 if alternative == "greater" else -1.0)
        order = np.argsort(set_id, kind="stable")
        set_id, treated, y = set_id[order], treated[order], y[order]
        starts = np.flatnonzero(np.r_[True, set_id[1:] != set_id[:-1]])
        raw, obs = [], []
        for a, b in zip(starts, np.r_[starts[1:], len(set_id)], strict=True):
            t, v = treated[a:b], y[a:b]
            if t.sum() != 1 or len(v) < 2 or not np.isfinite(v).all():
                continue
            n = len(v)
            q = v - (v.sum() - v) / (n - 1)
            raw.append(q)
            obs.append(float(q[t][0]))
        if trim > 0 and raw:
            scale = float(np.median(np.abs(np.concatenate(raw))))
            if scale > 0:
                raw = [_huber(q, trim * scale) for q in raw]
                obs = [float(_huber(np.array([o]), trim * scale)[0]) for o in obs]
        return cls(tuple(raw), np.array(obs))

    @property
    def n_sets(self) -> int:
        return len(self.scores)

    @property
    def statistic(self) -> float:
        return float(self.observed.sum())


def _huber(q: np.ndarray, c: float) -> np.ndarray:
    return np.clip(q, -c, c)


def _set_moments(q: np.ndarray, gamma: float) -> tuple[float, float]:
    """Largest null expectation (then variance) of q(treated) over u in {0,1}^n."""
    mu, var = _moments_by_size(np.sort(q)[None, :], gamma)
    return float(mu[0]), float(var[0])


def _moments_by_size(s: np.ndarray, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_set_moments` of every row of ``s`` (sets of one size, scores sorted
    ascending), vectorised over the sets."""
    n = s.shape[1]
    best_mu = np.full(len(s), -np.inf)
    best_var = np.full(len(s), -np.inf)
    for a in range(1, n):
        p = np.r_[np.ones(n - a), np.full(a, gamma)] / (a * gamma + n - a)
        mu = s @ p
        var = (s**2) @ p - mu**2
        better = (mu > best_mu + 1e-15) | ((np.abs(mu - best_mu) <= 1e-15) & (var > best_var))
        best_mu = np.where(better, mu, best_mu)
        best_var = np.where(better, var, best_var)
    return best_mu, best_var


def _by_size(sets: MatchedSets) -> list[np.ndarray]:
    """The sets' sorted scores stacked by set size (cached on the instance)."""
    cached = sets.__dict__.get("_stacked")
    if cached is None:
        sizes = np.array([len(q) for q in sets.scores])
        cached = [
            np.sort(np.vstack([sets.scores[i] for i in np.flatnonzero(sizes == n)]), axis=1)
            for n in np.unique(sizes)
        ]
        sets.__dict__["_stacked"] = cached
    return cached


def p_value_bound(sets: MatchedSets, gamma: float) -> float:
    """Upper bound of the one-sided p-value at Γ (normal approximation)."""
    if gamma < 1:
        raise ValueError("Gamma must be at least 1")
    if sets.n_sets == 0:
        return np.nan
    mean = var = 0.0
    for block in _by_size(sets):
        mu, v = _moments_by_size(block, gamma)
        mean, var = mean + float(mu.sum()), var + float(v.sum())
    if var <= 0:
        return 0.0 if sets.statistic > mean else 1.0
    return float(stats.norm.sf((sets.statistic - mean) / np.sqrt(var)))


@dataclass(frozen=True)
class RosenbaumBound:
    """The largest Γ at which the effect stays significant, with the p-value bounds."""

    gamma: float  # 1.0 with p_value_at_1 >= alpha: not significant even at Γ = 1
    alpha: float
    p_value_at_1: float
    p_value_at_gamma: float
    n_sets: int
    statistic: float
    alternative: str


def rosenbaum_gamma(
    sets: MatchedSets, *, alpha: float = 0.05, gamma_max: float = 50.0, alternative: str = ""
) -> RosenbaumBound:
    """The Γ at which the p-value bound reaches ``alpha`` (to 1e-6 on log Γ); ``inf``
    when it stays below ``alpha`` up to ``gamma_max``."""
    p1 = p_value_bound(sets, 1.0)
    common = {"alpha": alpha, "p_value_at_1": p1, "n_sets": sets.n_sets,
              "statistic": sets.statistic, "alternative": alternative}  # fmt: skip
    if not np.isfinite(p1) or p1 >= alpha:
        return RosenbaumBound(gamma=1.0, p_value_at_gamma=p1, **common)
    if p_value_bound(sets, gamma_max) < alpha:
        return RosenbaumBound(gamma=np.inf, p_value_at_gamma=np.nan, **common)
    log_g = optimize.brentq(
        lambda lg: p_value_bound(sets, float(np.exp(lg))) - alpha, 0.0, np.log(gamma_max),
        xtol=1e-6,
    )  # fmt: skip
    gamma = float(np.exp(log_g))
    return RosenbaumBound(gamma=gamma, p_value_at_gamma=p_value_bound(sets, gamma), **common)


def mcnemar_bound(treated_only: int, control_only: int, gamma: float) -> float:
    """Exact upper bound of the one-sided p-value for matched pairs with a 0/1 outcome
    (Rosenbaum 2002, §4.3.2): of the D discordant pairs, T = ``treated_only`` have the
    outcome in the participant only; under Γ, T is at most Binomial(D, Γ/(1+Γ))."""
    d = treated_only + control_only
    return float(stats.binom.sf(treated_only - 1, d, gamma / (1 + gamma)))


def signed_rank_bound(differences: np.ndarray, gamma: float) -> float:
    """Upper bound of the one-sided p-value of Wilcoxon's signed rank statistic for
    matched pairs (Rosenbaum 2002, §4.3.3; the large-sample form of ``senWilcox`` in R's
    DOS2): the treated-minus-control differences d_i are ranked by |d_i| (average ranks
    for ties, zeros dropped), T = Σ rank_i [d_i > 0], and under Γ T is at most a sum of
    independent rank_i x Bernoulli(Γ/(1+Γ)): E = p Σ rank_i, Var = p(1-p) Σ rank_i²
    (normal approximation, no continuity correction)."""
    if gamma < 1:
        raise ValueError("Gamma must be at least 1")
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d) & (d != 0)]
    if len(d) == 0:
        return np.nan
    ranks = stats.rankdata(np.abs(d))
    t = float(ranks[d > 0].sum())
    p = gamma / (1 + gamma)
    mean, var = p * ranks.sum(), p * (1 - p) * (ranks**2).sum()
    return float(stats.norm.sf((t - mean) / np.sqrt(var)))
