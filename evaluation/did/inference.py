"""Inference helpers shared by the estimators: Wald tests, wild cluster bootstrap,
multiple-comparison adjustment, minimum detectable effects and planning."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class WaldTest:
    statistic: float
    df: int
    p_value: float
    verdict: str


def pretrend_test(estimates: np.ndarray, cov: np.ndarray, *, level: float = 0.95) -> WaldTest:
    """Joint Wald test that all pre-period effects are zero, with a plain verdict."""
    est = np.asarray(estimates, dtype=float)
    ok = np.isfinite(est)
    est, cov = est[ok], np.asarray(cov)[np.ix_(ok, ok)]
    if len(est) == 0:
        return WaldTest(np.nan, 0, np.nan, "No pre-period months to test.")
    inv = np.linalg.pinv(cov)
    rank = int(np.linalg.matrix_rank(cov))
    stat = float(est @ inv @ est)
    p = float(stats.chi2.sf(stat, max(rank, 1)))
    alpha = 1 - level
    if p < alpha:
        verdict = (
            f"Participants and controls developed differently before the start (p = {p:.3f}): "
            "the comparison may be biased; read the effects with caution."
        )
    else:
        verdict = (
            f"No sign that participants and controls developed differently before the start "
            f"(p = {p:.2f})."
        )
    return WaldTest(stat, rank, p, verdict)


_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def wild_bootstrap(
    psi: np.ndarray, estimate: np.ndarray, *, level: float, reps: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Studentised wild cluster score bootstrap (Kline & Santos 2012) with Webb's
    six-point weights, for few clusters.

    ``psi`` is clusters x parameters: each cluster's contribution to ``estimate - truth``.
    Returns (ci_low, ci_high, p_value) per parameter; NaN (not estimable) where the
    standard error is 0 or not finite, never p = 0 or an interval of width 0.
    """
    rng = np.random.default_rng(seed)
    g = psi.shape[0]
    se = np.sqrt((psi**2).sum(axis=0))
    t_stats = np.empty((reps, psi.shape[1]))
    sq = psi**2
    step = max(1, 2_000_000 // max(g, 1))  # draws per block: at most 2M weights in memory
    for b in range(0, reps, step):
        # one draw of g weights per replication, in the order of the draws (the same
        # stream as drawing them one replication at a time)
        v = _WEBB[np.stack([rng.integers(0, 6, size=g) for _ in range(min(step, reps - b))])]
        num = v @ psi
        den = np.sqrt((v**2) @ sq)  # sum over clusters of (v psi)^2
        t_stats[b : b + len(v)] = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    alpha = 1 - level
    q_lo, q_hi = np.quantile(t_stats, [alpha / 2, 1 - alpha / 2], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_hat = np.abs(estimate / se)
    p = (np.abs(t_stats) >= t_hat[None, :]).mean(axis=0)
    bad = ~(np.isfinite(se) & (se > 0) & np.isfinite(estimate))
    lo, hi = estimate - q_hi * se, estimate - q_lo * se
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi), np.where(bad, np.nan, p)


def sup_t_critical(cov: np.ndarray, *, level: float, reps: int, seed: int) -> float:
    """Critical value of a simultaneous (sup-t) band over the parameters of ``cov``
    (Montiel Olea & Plagborg-Moller 2019, J Appl Econometrics 34:1): the ``level``
    quantile of max_j |Z_j| / sd_j for Z ~ N(0, cov), by simulation. Parameters with
    zero or non-finite variance are left out; NaN if none remains."""
    sd = np.sqrt(np.diag(cov))
    ok = np.isfinite(sd) & (sd > 0)
    if not ok.any():
        return np.nan
    corr = cov[np.ix_(ok, ok)] / np.outer(sd[ok], sd[ok])
    vals, vecs = np.linalg.eigh((corr + corr.T) / 2)
    root = vecs * np.sqrt(np.clip(vals, 0, None))
    z = np.random.default_rng(seed).standard_normal((reps, len(vals))) @ root.T
    return float(np.quantile(np.abs(z).max(axis=1), level))


def holm(p_values: pd.Series | np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment (family-wise error), NaNs left out and kept."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(len(p), np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if len(ok) == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    adj = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adj, 1.0)
    return out


def holm_primary(effects: pd.DataFrame, primary: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """The ``primary`` flag of every row (its outcome is its offer's pre-specified
    primary outcome) and Holm-adjusted p-values over the offers' primary headline rows
    (NaN on every other row: secondary outcomes, event months and the intention-to-treat
    rows are not in the family).
    """
    is_primary = effects["outcome"].to_numpy() == effects["offer_id"].map(primary).to_numpy()
    if "method" in effects.columns:  # the secondary Callaway & Sant'Anna rows are not
        is_primary &= (effects["method"] == "matched_event_study").to_numpy(bool)
    family = is_primary & effects["headline"].to_numpy(bool)
    if "estimand" in effects.columns:  # the headline contrast only (not the ITT rows)
        family &= (effects["estimand"] == "per_protocol").to_numpy(bool)
    adjusted = np.full(len(effects), np.nan)
    adjusted[family] = holm(effects.loc[family, "p_value"].to_numpy())
    return is_primary, adjusted


def minimum_detectable_effect(
    std_error: float, *, level: float = 0.95, power: float = 0.8
) -> float:
    """Smallest true effect a two-sided test at ``level`` detects with ``power``."""
    return float((stats.norm.ppf(1 - (1 - level) / 2) + stats.norm.ppf(power)) * std_error)


def participants_needed(
    std_error: float, n_participants: int, effect: float, *, level: float = 0.95, power: float = 0.8
) -> int:
    """Participants needed to detect ``effect``, scaling the current standard error by
    1/sqrt(n) (same design, same matching ratio)."""
    if effect == 0 or not np.isfinite(std_error) or n_participants <= 0:
        return -1
    mde = minimum_detectable_effect(std_error, level=level, power=power)
    return int(np.ceil(n_participants * (mde / abs(effect)) ** 2))
