"""Event study on matched sets: ATT(e) by difference-in-differences against e = -1.

For every event month e the estimator is the weighted least-squares regression

    Y_m(e) - Y_m(-1) = mu_{set,e} + tau_e * treated_m + error

over the members m of all matched sets (participants weight 1, controls their matching
weight rescaled to the participants observed in the set at e), i.e. stacked
difference-in-differences with set x event-month fixed effects. Its solution is the
participant-weighted mean over sets of (participants' change - controls' weighted
change), which is what this module computes in closed form; a test checks it against
linearmodels' PanelOLS. Standard errors are clustered on person (a control reused in
several sets, or a participant who is also a control elsewhere, is one cluster) and the
per-person scores are stacked over event months, so the pooled ATT and the joint
pre-trend test use the full covariance.

Controls are censored from their own start of the offer on; a month is used only when
it is observed (by the as-of month) for that person. Persons without an observed e = -1
drop out. Censoring at a later start is informative (who starts later depends on how
they fare), so, as in a sequential target-trial emulation, each control still uncensored
at e is weighted by the inverse probability of having stayed uncensored,
1 / prod_{t=s+1..s+e} (1 - h(t)), with h the calibrated monthly hazard of starting from
the matching step (inverse-probability-of-censoring weights).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.did.inference import (
    WaldTest,
    minimum_detectable_effect,
    pretrend_test,
    wild_bootstrap,
)
from evaluation.matching.data import NEVER
from evaluation.matching.results import MatchResult
from evaluation.panel import StatusPanel
from evaluation.statuses import STATUSES, UNOBSERVED, codes

METHOD = "matched_event_study"


def status_outcome(statuses: tuple[str, ...] | list[str]) -> np.ndarray:
    """Per-status values of a 0/1 outcome: 1 when the status is in ``statuses``."""
    v = np.zeros(len(STATUSES))
    v[codes(statuses)] = 1.0
    return v


def priced_outcome(prices: Mapping[str, float]) -> np.ndarray:
    """Per-status values of an amount outcome (e.g. public cost in DKK per month)."""
    return np.array([float(prices.get(s, 0.0)) for s in STATUSES])


@dataclass(frozen=True, eq=False)
class EventStudyResult:
    """ATT(e) of one offer on one outcome, with the person-clustered covariance."""

    offer_id: str
    outcome: str
    event_times: np.ndarray
    estimates: np.ndarray
    cov: np.ndarray  # over event_times
    n_treated: np.ndarray
    n_control: np.ndarray
    headline_window: tuple[int, int]
    level: float
    n_clusters: int
    psi: np.ndarray = None  # clusters x event_times scores (restricted, not published)
    bootstrap: bool = False
    bootstrap_reps: int = 999
    seed: int = 0

    @property
    def std_errors(self) -> np.ndarray:
        return np.sqrt(np.clip(np.diag(self.cov), 0, None))

    @cached_property
    def _pool_weights(self) -> np.ndarray:
        lo, hi = self.headline_window
        w = (self.event_times >= lo) & (self.event_times <= hi) & np.isfinite(self.estimates)
        return w / w.sum() if w.any() else w.astype(float)

    @property
    def pooled_estimate(self) -> float:
        w = self._pool_weights
        return float(np.nansum(w * self.estimates)) if w.any() else np.nan

    @property
    def pooled_std_error(self) -> float:
        w = self._pool_weights
        if not w.any():
            return np.nan
        c = np.nan_to_num(self.cov)
        return float(np.sqrt(max(w @ c @ w, 0.0)))

    @property
    def pooled_n(self) -> tuple[int, int]:
        inw = self._pool_weights > 0
        if not inw.any():
            return 0, 0
        return int(self.n_treated[inw].max()), int(self.n_control[inw].max())

    @property
    def mde(self) -> float:
        """Minimum detectable pooled effect at 80% power."""
        return minimum_detectable_effect(self.pooled_std_error, level=self.level)

    @cached_property
    def pretrend(self) -> WaldTest:
        pre = (self.event_times <= -2) & np.isfinite(self.estimates)
        return pretrend_test(self.estimates[pre], self.cov[np.ix_(pre, pre)], level=self.level)

    @cached_property
    def _bootstrap(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        w = self._pool_weights
        psi = np.column_stack([np.nan_to_num(self.psi), np.nan_to_num(self.psi) @ w])
        est = np.r_[self.estimates, self.pooled_estimate]
        return wild_bootstrap(
            psi, np.nan_to_num(est), level=self.level, reps=self.bootstrap_reps, seed=self.seed
        )

    def conf_int(self, level: float | None = None) -> pd.DataFrame:
        """Normal intervals per event month (bootstrap intervals when ``bootstrap``)."""
        level = self.level if level is None else level
        if self.bootstrap and level == self.level:
            lo, hi, _ = self._bootstrap
            return pd.DataFrame({"lower": lo[:-1], "upper": hi[:-1]}, index=self.event_times)
        z = stats.norm.ppf(1 - (1 - level) / 2)
        se = self.std_errors
        return pd.DataFrame(
            {"lower": self.estimates - z * se, "upper": self.estimates + z * se},
            index=self.event_times,
        )

    def tidy(self) -> pd.DataFrame:
        """One row per event month plus the pooled headline row (event_time null)."""
        z = stats.norm.ppf(1 - (1 - self.level) / 2)
        se = np.r_[self.std_errors, self.pooled_std_error]
        est = np.r_[self.estimates, self.pooled_estimate]
        with np.errstate(divide="ignore", invalid="ignore"):
            p = 2 * stats.norm.sf(np.abs(est / se))
        lo, hi = est - z * se, est + z * se
        ci_method = "normal"
        if self.bootstrap:
            lo, hi, p = self._bootstrap
            ci_method = "wild_cluster_bootstrap"
        nt, nc = self.pooled_n
        frame = pd.DataFrame(
            {
                "offer_id": self.offer_id,
                "outcome": self.outcome,
                "event_time": pd.array([*self.event_times.tolist(), None], dtype="Int64"),
                "estimate": est,
                "std_error": se,
                "ci_low": lo,
                "ci_high": hi,
                "p_value": p,
                "n_treated": np.r_[self.n_treated, nt].astype("int64"),
                "n_control": np.r_[self.n_control, nc].astype("int64"),
                "method": METHOD,
                "ci_method": ci_method,
                "level": self.level,
            }
        )
        frame["headline"] = frame["event_time"].isna()
        frame["mde_80"] = np.where(frame["headline"], self.mde, np.nan)
        frame["pretrend_p_value"] = np.where(frame["headline"], self.pretrend.p_value, np.nan)
        return frame

    def summary(self) -> str:
        lo, hi = self.headline_window
        t = self.tidy().iloc[-1]
        return (
            f"{self.offer_id} / {self.outcome}: ATT over months {lo}..{hi} = "
            f"{t['estimate']:.4f} (SE {t['std_error']:.4f}, {self.level:.0%} CI "
            f"{t['ci_low']:.4f} to {t['ci_high']:.4f}); {self.pretrend.verdict}"
        )


class MatchedEventStudy:
    """Build with a panel (already cut to the as-of month) and a match; ``fit(values)``."""

    def __init__(
        self,
        panel: StatusPanel,
        match: MatchResult,
        *,
        window: tuple[int, int] = (-12, 24),
        headline_window: tuple[int, int] = (0, 11),
        level: float = 0.95,
        bootstrap_below: int = 60,
        bootstrap_reps: int = 999,
        censoring_weights: bool = True,
        seed: int = 0,
    ) -> None:
        lo, hi = window
        if not lo <= -1 <= hi:
            raise ValueError("the event window must contain the reference month e = -1")
        if not 0 < level < 1:
            raise ValueError("level must be between 0 and 1")
        self.panel = panel
        self.match = match
        self.window = window
        self.headline_window = headline_window
        self.level = level
        self.bootstrap_below = bootstrap_below
        self.bootstrap_reps = bootstrap_reps
        self.censoring_weights = censoring_weights
        self.seed = seed

    @cached_property
    def _design(self) -> _Design:
        return _Design.build(self.panel, self.match, self.window, self.censoring_weights)

    def fit(self, outcome: str, values: np.ndarray) -> EventStudyResult:
        """``values``: the outcome's value per status code (see :func:`status_outcome`)."""
        d = self._design
        y = _outcome_values(d.status, values)
        est, cov, n_t, n_c, psi, g = d.estimate(y)
        return EventStudyResult(
            offer_id=self.match.offer_id,
            outcome=outcome,
            event_times=d.event_times,
            estimates=est,
            cov=cov,
            n_treated=n_t,
            n_control=n_c,
            headline_window=self.headline_window,
            level=self.level,
            n_clusters=g,
            psi=psi,
            bootstrap=self.match.n_matched < self.bootstrap_below,
            bootstrap_reps=self.bootstrap_reps,
            seed=self.seed,
        )


def _outcome_values(status: np.ndarray, values: np.ndarray) -> np.ndarray:
    lookup = np.r_[np.asarray(values, dtype=np.float64), np.nan]  # code -1 -> nan
    return lookup[np.where(status == UNOBSERVED, len(values), status)]


@dataclass(frozen=True, eq=False)
class _Design:
    """Members of the matched sets x event months: statuses, availability and weights."""

    event_times: np.ndarray
    status: np.ndarray  # (members, E) int8, UNOBSERVED where not usable
    treated: np.ndarray
    weight: np.ndarray  # (members, E): matching weight x censoring weight
    set_id: np.ndarray  # dense 0..S-1
    cluster: np.ndarray  # dense person index 0..G-1
    person: np.ndarray

    @classmethod
    def build(
        cls, panel: StatusPanel, match: MatchResult, window: tuple[int, int], ipcw: bool
    ) -> _Design:
        sets = match.sets
        e = np.arange(window[0], window[1] + 1)
        person = sets["person"].to_numpy(np.int64)
        ref = sets["ref_month"].to_numpy(np.int64)
        treated = sets["treated"].to_numpy(bool)
        months_ = ref[:, None] + e[None, :]
        cols = months_ - panel.first_month
        inside = (cols >= 0) & (cols < panel.n_months)
        status = np.where(
            inside, panel.status[person[:, None], np.clip(cols, 0, panel.n_months - 1)], UNOBSERVED
        ).astype(np.int8)
        own_start = panel.offer_starts.get(match.offer_id, np.full(panel.n_persons, NEVER))
        censored = ~treated[:, None] & (months_ >= own_start[person][:, None])
        status[censored] = UNOBSERVED
        base = status[:, np.flatnonzero(e == -1)[0]]
        status[base == UNOBSERVED, :] = UNOBSERVED
        weight = sets["weight"].to_numpy(np.float64)[:, None] * np.ones(len(e))
        if ipcw:
            weight *= _censoring_weights(panel, match.hazards, person, ref, treated, e)
        return cls(
            event_times=e,
            status=status,
            treated=treated,
            weight=weight,
            set_id=np.unique(sets["set_id"].to_numpy(), return_inverse=True)[1],
            cluster=np.unique(person, return_inverse=True)[1],
            person=person,
        )

    def estimate(
        self, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
        n_e = len(self.event_times)
        base = y[:, np.flatnonzero(self.event_times == -1)[0]]
        dy = y - base[:, None]
        n_sets = int(self.set_id.max()) + 1 if len(self.set_id) else 0
        n_clusters = int(self.cluster.max()) + 1 if len(self.cluster) else 0
        est = np.full(n_e, np.nan)
        n_t = np.zeros(n_e, dtype=np.int64)
        n_c = np.zeros(n_e, dtype=np.int64)
        psi = np.zeros((n_clusters, n_e))
        for j in range(n_e):
            res = _one_event_time(dy[:, j], self.treated, self.weight[:, j], self.set_id, n_sets)
            if res is None:
                continue
            est[j], score, used = res
            psi[:, j] = np.bincount(self.cluster, weights=score, minlength=n_clusters)
            n_t[j] = len(np.unique(self.person[used & self.treated]))
            n_c[j] = len(np.unique(self.person[used & ~self.treated]))
        active = np.flatnonzero((psi != 0).any(axis=1))
        g = len(active)
        adj = g / (g - 1) if g > 1 else np.nan
        psi = psi[active] * np.sqrt(adj)
        cov = psi.T @ psi
        missing = ~np.isfinite(est)
        cov[missing, :] = np.nan
        cov[:, missing] = np.nan
        return est, cov, n_t, n_c, psi, g


def _censoring_weights(
    panel: StatusPanel,
    hazards: pd.DataFrame,
    person: np.ndarray,
    ref: np.ndarray,
    treated: np.ndarray,
    e: np.ndarray,
) -> np.ndarray:
    """1 / P(not started in months ref+1 .. ref+e) for control members (1 elsewhere)."""
    out = np.ones((len(person), len(e)))
    if len(hazards) == 0:
        return out
    who, dense = np.unique(hazards["person"].to_numpy(), return_inverse=True)
    log_surv = np.zeros((len(who), panel.n_months + 1))
    cols = hazards["month"].to_numpy() - panel.first_month + 1
    np.add.at(log_surv, (dense, cols), np.log1p(-hazards["hazard"].to_numpy()))
    cum = np.cumsum(log_surv, axis=1)  # cum[:, c + 1] = sum over matrix columns <= c
    pos = np.searchsorted(who, person)
    has = ~treated & (pos < len(who)) & (who[np.minimum(pos, len(who) - 1)] == person)
    rows = np.flatnonzero(has)
    c0 = ref[rows] - panel.first_month + 1  # column index of the reference month, +1
    after = np.clip(c0[:, None] + np.maximum(e, 0)[None, :], 0, panel.n_months)
    logs = cum[pos[rows][:, None], after] - cum[pos[rows], np.clip(c0, 0, panel.n_months)][:, None]
    out[rows] = np.exp(-logs)
    return out


def _one_event_time(
    dy: np.ndarray, treated: np.ndarray, weight: np.ndarray, set_id: np.ndarray, n_sets: int
) -> tuple[float, np.ndarray, np.ndarray] | None:
    """tau_e and each member's score contribution (already divided by the Hessian)."""
    obs = np.isfinite(dy)
    d = np.where(obs, dy, 0.0)
    t_obs = obs & treated
    c_obs = obs & ~treated
    nt = np.bincount(set_id, weights=t_obs.astype(float), minlength=n_sets)
    wc = np.bincount(set_id, weights=np.where(c_obs, weight, 0.0), minlength=n_sets)
    ok = (nt > 0) & (wc > 0)
    if not ok.any():
        return None
    used = obs & ok[set_id]
    # participants weight 1; controls rescaled to sum to the set's observed participants
    omega = np.where(treated, 1.0, weight * nt[set_id] / np.where(wc > 0, wc, 1)[set_id])
    omega = np.where(used, omega, 0.0)
    sum_t = np.bincount(set_id, weights=np.where(treated, omega * d, 0.0), minlength=n_sets)
    sum_c = np.bincount(set_id, weights=np.where(~treated, omega * d, 0.0), minlength=n_sets)
    n_total = nt[ok].sum()
    tau = float((sum_t[ok] - sum_c[ok]).sum() / n_total)
    mu = np.where(ok, (sum_t - nt * tau + sum_c) / np.where(ok, 2 * nt, 1), 0.0)
    resid = d - mu[set_id] - tau * treated
    t_tilde = np.where(treated, 0.5, -0.5)
    score = omega * t_tilde * resid / (n_total / 2)
    return tau, score, used
