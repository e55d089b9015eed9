"""The headline effect by subgroup of participants, with the headline's inference.

For one dimension (age band, sex, ...; :mod:`evaluation.subgroups`) and each of its
levels g, the estimator of :mod:`evaluation.did.model` is run on the matched sets of the
participants in g, keeping only each set's controls that are in g themselves (with the
set's control weight spread over them). The matching balances the score, not the
subgroup variable: on the synthetic municipality only a third of the controls of
participants under 30 are under 30, and participants with more than 24 benefit months in
three years had controls with 6 fewer such months - mean reversion that biased the
subgroup effects when the set's other controls were kept (the null offer "showed"
heterogeneity by benefit history). Keeping the controls in g is exact matching on the
subgroup after the fact (as recommended for subgroup effects by Green & Stuart 2014,
Psychol Methods 19:484); a participant whose set has no control in g is left out of the
level, so the levels' participants need not add up to the headline's. Cohort x
event-month normalisation, censoring weights and the matching-aware contributions are
the headline's; the pooled effect averages event months ``headline_window`` as the
headline does.

Covariance. A control reused in sets of different levels, or a person who is a
participant in one level and a control in another, links the levels' estimates. Each
level's pooled contributions are summed per person (the headline's clusters), so the
levels' joint covariance is ``Psi' Psi`` (with the headline's small-sample factor G/(G-1)):
the subgroup standard errors are the headline's machinery on a subset, and the joint
covariance feeds the heterogeneity test. A level with the whole population reproduces
the headline exactly (a test checks it).

Heterogeneity: the Wald test that all estimable levels of a dimension have the same
effect, ``(R tau)' (R V R')^+ (R tau)`` with R the differences to the first level,
chi-squared with rank(R V R') degrees of freedom. Levels with fewer participants than
``bootstrap_below`` get the wild cluster bootstrap interval and p-value, as small
offers do; the Wald test uses the normal covariance throughout. Levels with fewer than
``min_persons`` participants or controls (the run's small-cell threshold) are estimated
but left out of the test and of the Holm family, so that no published test rests on a
suppressed estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.did.data import EventStudyDesign
from evaluation.did.inference import wild_bootstrap
from evaluation.did.model import _one_event_time


@dataclass(frozen=True)
class Heterogeneity:
    statistic: float
    df: int
    p_value: float


@dataclass(frozen=True, eq=False)
class SubgroupResult:
    """The pooled effect of every level of one dimension and their joint covariance."""

    offer_id: str
    outcome: str
    dimension: str
    levels: tuple[str, ...]
    estimates: np.ndarray  # (L,)
    cov: np.ndarray  # (L, L)
    n_treated: np.ndarray  # (L,) distinct participants (most in any headline month)
    n_control: np.ndarray  # (L,) distinct controls (most in any headline month)
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray
    ci_method: tuple[str, ...]
    level: float
    min_persons: int = 1  # levels with fewer participants or controls are not tested

    @property
    def tested(self) -> np.ndarray:
        """Levels in the heterogeneity test and the Holm family: at least ``min_persons``
        participants and controls (the small-cell threshold: a level whose estimate is
        suppressed must not show through a test)."""
        return (self.n_treated >= self.min_persons) & (self.n_control >= self.min_persons)

    @property
    def std_errors(self) -> np.ndarray:
        v = np.diag(self.cov)
        return np.where(np.isfinite(v) & (v > 1e-24), np.sqrt(np.clip(v, 0, None)), np.nan)

    @property
    def heterogeneity(self) -> Heterogeneity:
        keep = self.tested
        return wald_equal(self.estimates[keep], self.cov[np.ix_(keep, keep)])

    def tidy(self) -> pd.DataFrame:
        """One row per level (``subgroups.parquet`` before Holm and suppression)."""
        het = self.heterogeneity
        n = len(self.levels)
        return pd.DataFrame(
            {
                "offer_id": self.offer_id,
                "outcome": self.outcome,
                "dimension": self.dimension,
                "subgroup": list(self.levels),
                "estimate": self.estimates,
                "std_error": self.std_errors,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "p_value": self.p_value,
                "n_treated": self.n_treated.astype("int64"),
                "n_control": self.n_control.astype("int64"),
                "ci_method": list(self.ci_method),
                "level": self.level,
                "heterogeneity_statistic": np.full(n, het.statistic),
                "heterogeneity_df": np.full(n, het.df, dtype="int64"),
                "heterogeneity_p_value": np.full(n, het.p_value),
                "tested": self.tested,
            }
        )


def wald_equal(estimates: np.ndarray, cov: np.ndarray) -> Heterogeneity:
    """Wald test that the finite ``estimates`` (with positive variance) are equal."""
    est = np.asarray(estimates, float)
    var = np.diag(cov)
    ok = np.flatnonzero(np.isfinite(est) & np.isfinite(var) & (var > 1e-24))
    if len(ok) < 2:
        return Heterogeneity(np.nan, 0, np.nan)
    r = np.zeros((len(ok) - 1, len(est)))
    r[:, ok[0]] = -1.0
    r[np.arange(len(ok) - 1), ok[1:]] = 1.0
    diff = r[:, ok] @ est[ok]
    v = r[:, ok] @ cov[np.ix_(ok, ok)] @ r[:, ok].T
    rank = int(np.linalg.matrix_rank(v))
    if rank == 0:
        return Heterogeneity(np.nan, 0, np.nan)
    stat = float(diff @ np.linalg.pinv(v) @ diff)
    return Heterogeneity(stat, rank, float(stats.chi2.sf(stat, rank)))


@dataclass(frozen=True)
class SubgroupSettings:
    headline_window: tuple[int, int] = (0, 11)
    level: float = 0.95
    matching_errors: bool = True
    bootstrap_below: int = 60
    bootstrap_reps: int = 999
    seed: int = 0
    min_persons: int = 1


def fit_dimension(
    d: EventStudyDesign,
    y: np.ndarray,
    labels: np.ndarray,
    levels: list[str],
    *,
    offer_id: str,
    outcome: str,
    dimension: str,
    settings: SubgroupSettings = SubgroupSettings(),
) -> SubgroupResult:
    """Every level's pooled effect. ``y``: outcome values (members x event months of
    ``d``); ``labels``: each member's level (read on participants only)."""
    lo, hi = settings.headline_window
    cols = np.flatnonzero((d.event_times >= lo) & (d.event_times <= hi))
    # event months as rows: each month's members are read from contiguous memory
    dy = np.ascontiguousarray((y[:, cols] - y[:, d.ref_col][:, None]).T)
    n_clusters = int(d.cluster.max()) + 1 if len(d.cluster) else 0
    sid = np.unique(d.set_id, return_inverse=True)[1]
    n_t_set = np.bincount(sid, weights=d.treated.astype(float))
    psi = np.zeros((n_clusters, len(levels)))
    est = np.full(len(levels), np.nan)
    counts = np.zeros((2, len(levels)), dtype=np.int64)
    for k, g in enumerate(levels):
        mult = level_weights(d, sid, n_t_set, labels == g)
        fit = _pooled(d, dy, cols, mult, settings.matching_errors, n_clusters)
        if fit is not None:
            est[k], psi[:, k], counts[:, k] = fit
    active = (psi != 0).any(axis=1)
    g_act = int(active.sum())
    psi = psi * np.sqrt(g_act / (g_act - 1) if g_act > 1 else np.nan)
    cov = psi.T @ psi
    bad = ~np.isfinite(est)
    cov[bad, :] = np.nan
    cov[:, bad] = np.nan
    ci_low, ci_high, p, method = _intervals(est, cov, psi, counts[0], settings)
    return SubgroupResult(
        offer_id, outcome, dimension, tuple(levels), est, cov, counts[0], counts[1],
        ci_low, ci_high, p, method, settings.level, settings.min_persons,
    )  # fmt: skip


def level_weights(
    d: EventStudyDesign, sid: np.ndarray, n_t_set: np.ndarray, in_g: np.ndarray
) -> np.ndarray:
    """Per member, the factor on its weight in level g: 1 for the level's participants
    whose set has a control in g, 0 for other participants; for controls in g, the share
    of their set's participants in g times the set's control weight over that of its
    controls in g (so the set's controls in g carry its participants in g), else 0."""
    n_sets = len(n_t_set)
    w0 = d.weight[:, d.ref_col]
    ctrl_g = ~d.treated & in_g
    w_all = np.bincount(sid, weights=np.where(~d.treated, w0, 0.0), minlength=n_sets)
    w_g = np.bincount(sid, weights=np.where(ctrl_g, w0, 0.0), minlength=n_sets)
    has = w_g > 0
    t_g = d.treated & in_g & has[sid]
    share = np.bincount(sid, weights=t_g.astype(float), minlength=n_sets)
    share = share / np.where(n_t_set > 0, n_t_set, 1.0)
    scale = share * w_all / np.where(has, w_g, 1.0)
    return np.where(d.treated, t_g.astype(float), np.where(ctrl_g, scale[sid], 0.0))


def _pooled(
    d: EventStudyDesign,
    dy: np.ndarray,
    cols: np.ndarray,
    mult: np.ndarray,
    matching: bool,
    n_clusters: int,
) -> tuple[float, np.ndarray, np.ndarray] | None:
    """The pooled estimate over ``cols``, its per-person contributions and the most
    participants / controls in any of those months, on the members with ``mult`` > 0;
    ``dy``: the change since e = -1, one row per month of ``cols``."""
    m = mult > 0
    if not (m & d.treated).any():
        return None
    taus, scores, n_t, n_c = [], [], 0, 0
    treated, cohort, cluster = d.treated[m], d.cohort[m], d.cluster[m]
    person, mult_m = d.person_index[m], mult[m]  # dense person index: distinct persons
    score = d.score[m] if matching else None
    for j, c in enumerate(cols):
        res = _one_event_time(
            dy[j][m], treated, d.weight_by_event[c][m] * mult_m, cohort, d.n_cohorts, score
        )
        if res is None:
            continue
        taus.append(res.tau)
        scores.append(np.bincount(cluster, weights=res.score, minlength=n_clusters))
        n_t = max(n_t, _distinct(person[res.used & treated]))
        n_c = max(n_c, _distinct(person[res.used & ~treated]))
    if not taus:
        return None
    w = np.full(len(taus), 1.0 / len(taus))
    return float(w @ np.array(taus)), np.column_stack(scores) @ w, np.array([n_t, n_c])


def _distinct(index: np.ndarray) -> int:
    """How many distinct values a dense 0..n-1 index takes."""
    return int(np.count_nonzero(np.bincount(index, minlength=1)))


def _intervals(
    est: np.ndarray,
    cov: np.ndarray,
    psi: np.ndarray,
    n_treated: np.ndarray,
    s: SubgroupSettings,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """Normal intervals and p-values; wild cluster bootstrap for small levels."""
    v = np.diag(cov)
    se = np.where(np.isfinite(v) & (v > 1e-24), np.sqrt(np.clip(v, 0, None)), np.nan)
    z = stats.norm.ppf(1 - (1 - s.level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.norm.sf(np.abs(est / se))
    lo, hi = est - z * se, est + z * se
    method = ["normal"] * len(est)
    for k in np.flatnonzero((n_treated < s.bootstrap_below) & np.isfinite(se)):
        b_lo, b_hi, b_p = wild_bootstrap(
            psi[:, [k]], est[[k]], level=s.level, reps=s.bootstrap_reps, seed=s.seed
        )
        lo[k], hi[k], p[k], method[k] = b_lo[0], b_hi[0], b_p[0], "wild_cluster_bootstrap"
    return lo, hi, p, tuple(method)
