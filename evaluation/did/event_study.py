"""Event study on matched sets: ATT(e) by difference-in-differences against e = -1.

Design. Every matched set holds a participant who started in month s and controls
from the same risk set (in the target group in s, not started by s); event time is
e = month - s. For every event month e the estimator is the weighted least-squares
regression over the members m of all matched sets

    Y_m(e) - Y_m(-1) = mu_{c,e} + tau_e * treated_m + error,

with c the cohort (start month s) of the member's set, participants weight 1 and
controls weight (matching weight) x (censoring weight), rescaled within each cohort and
e so the controls' weights sum to the participants observed: stacked
difference-in-differences with cohort x event-month fixed effects (sets are exactly
matched on the start month, so the matching weights already balance each cohort). Its
solution is the participant-weighted mean over cohorts of (participants' mean change -
controls' weighted mean change), which is computed here in closed form; a test checks it
against linearmodels' PanelOLS. Standard errors are clustered on person (a control reused
in several sets, or a participant who is also a control elsewhere, is one cluster) and
the per-person scores are stacked over event months, so the pooled ATT and the joint
pre-trend test use the full covariance.

Censoring. Controls are followed only while they have not started the offer themselves
("not-yet-treated" controls): from their own start on they are censored. That is the
clone-censor-weight idea of sequential target-trial emulation (Hernan & Robins 2016,
Am J Epidemiol 183:758; Danaei et al. 2013, Stat Methods Med Res 22:70; Hernan & Robins,
*Causal Inference: What If*, ch. 12 and 17): the comparison strategy is "do not start
in s or later", and a control who starts deviates from it. The deviation is informative
- who starts later depends on how they fare after s (creaming on recent
self-sufficiency; those who find a job leave the target group and can no longer start)
- so each control still uncensored at e is weighted by the inverse probability of having
stayed so (Robins & Finkelstein 2000, Biometrics 56:779),

    1 / prod_{t = s+1 .. s+e} (1 - h(t)),

with h(t) the calibrated monthly hazard of starting in month t given the history up to
t, from the matching step: the hazard is evaluated only in months the control was at risk
(in the target group and not started; elsewhere it is zero), so it is time-varying.

The weighted controls must be normalised over many persons: a Hajek (ratio) mean is
consistent only as the number of persons in the normalising group grows. Normalising
within each matched set (k controls) instead hands a censored control's weight to its
own set's survivors - exactly the selected controls the weights are meant to correct -
and undoes most of the correction (on the synthetic municipality it left 70% of the
censoring bias). Hence the cohort x event-month normalisation above.

A month is used only when it is observed (by the as-of month) for that person; persons
without an observed e = -1 drop out. The uncertainty of the estimated hazards is not
propagated (the usual IPW practice; it tends to make the interval conservative).
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
GROUPS = ("participants", "matched_controls")


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
    level_means: np.ndarray = None  # (2, event_times): participants, matched controls
    level_n: np.ndarray = None  # (2, event_times): distinct persons behind each mean

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

    def levels(self) -> pd.DataFrame:
        """Mean outcome level by event month of the participants and of the matched
        controls, the latter with the estimator's weights (matching x censoring,
        normalised per cohort), over the persons whose e = -1 and e are observed. Their
        difference minus the difference at e = -1 is the estimate."""
        n_e = len(self.event_times)
        means = np.full((2, n_e), np.nan) if self.level_means is None else self.level_means
        n = np.zeros((2, n_e), np.int64) if self.level_n is None else self.level_n
        return pd.DataFrame(
            {
                "offer_id": self.offer_id,
                "outcome": self.outcome,
                "event_time": np.tile(self.event_times, 2).astype("int64"),
                "group": np.repeat(list(GROUPS), n_e),
                "mean": means.ravel(),
                "n_persons": n.ravel().astype("int64"),
            }
        )

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
        f = d.estimate(_outcome_values(d.status, values))
        return EventStudyResult(
            offer_id=self.match.offer_id,
            outcome=outcome,
            event_times=d.event_times,
            estimates=f.estimates,
            cov=f.cov,
            n_treated=f.n_persons[0],
            n_control=f.n_persons[1],
            headline_window=self.headline_window,
            level=self.level,
            n_clusters=f.n_clusters,
            psi=f.psi,
            bootstrap=self.match.n_matched < self.bootstrap_below,
            bootstrap_reps=self.bootstrap_reps,
            seed=self.seed,
            level_means=f.level_means,
            level_n=f.n_persons,
        )

    def stacked(self, values: np.ndarray) -> pd.DataFrame:
        """The regression data behind :meth:`fit` (restricted, person level): one row per
        set member and event month used, with the change since e = -1 and the final
        weight (participants 1; controls matching x censoring weight normalised per
        cohort and event month). WLS of ``change`` on cohort x event-month effects and
        ``treated`` with these weights, clustered on ``person``, reproduces the fit."""
        d = self._design
        y = _outcome_values(d.status, values)
        dy = y - y[:, d.ref_col][:, None]
        frames = []
        for j, e in enumerate(d.event_times):
            res = _one_event_time(dy[:, j], d.treated, d.weight[:, j], d.cohort, d.n_cohorts)
            if res is None:
                continue
            rows = np.flatnonzero(res.used)
            frames.append(
                pd.DataFrame(
                    {
                        "member": rows,
                        "person": d.person[rows],
                        "set_id": d.set_id[rows],
                        "cohort": d.ref_month[rows],
                        "event_time": int(e),
                        "treated": d.treated[rows],
                        "level": y[rows, j],
                        "baseline": y[rows, d.ref_col],
                        "change": dy[rows, j],
                        "weight": res.omega[rows],
                    }
                )
            )
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _outcome_values(status: np.ndarray, values: np.ndarray) -> np.ndarray:
    lookup = np.r_[np.asarray(values, dtype=np.float64), np.nan]  # code -1 -> nan
    return lookup[np.where(status == UNOBSERVED, len(values), status)]


@dataclass(frozen=True, eq=False)
class _Fit:
    estimates: np.ndarray
    cov: np.ndarray
    n_persons: np.ndarray  # (2, E): participants, controls
    level_means: np.ndarray  # (2, E)
    psi: np.ndarray
    n_clusters: int


@dataclass(frozen=True, eq=False)
class _Design:
    """Members of the matched sets x event months: statuses, availability and weights."""

    event_times: np.ndarray
    status: np.ndarray  # (members, E) int8, UNOBSERVED where not usable
    treated: np.ndarray
    weight: np.ndarray  # (members, E): matching weight x censoring weight
    set_id: np.ndarray
    ref_month: np.ndarray
    cohort: np.ndarray  # dense 0..C-1 index of ref_month: the normalising group
    cluster: np.ndarray  # dense person index 0..G-1
    person: np.ndarray

    @property
    def ref_col(self) -> int:
        return int(np.flatnonzero(self.event_times == -1)[0])

    @property
    def n_cohorts(self) -> int:
        return int(self.cohort.max()) + 1 if len(self.cohort) else 0

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
            set_id=sets["set_id"].to_numpy(np.int64),
            ref_month=ref,
            cohort=np.unique(ref, return_inverse=True)[1],
            cluster=np.unique(person, return_inverse=True)[1],
            person=person,
        )

    def estimate(self, y: np.ndarray) -> _Fit:
        n_e = len(self.event_times)
        dy = y - y[:, self.ref_col][:, None]
        n_clusters = int(self.cluster.max()) + 1 if len(self.cluster) else 0
        est = np.full(n_e, np.nan)
        n_p = np.zeros((2, n_e), dtype=np.int64)
        means = np.full((2, n_e), np.nan)
        psi = np.zeros((n_clusters, n_e))
        for j in range(n_e):
            res = _one_event_time(
                dy[:, j], self.treated, self.weight[:, j], self.cohort, self.n_cohorts
            )
            if res is None:
                continue
            est[j] = res.tau
            psi[:, j] = np.bincount(self.cluster, weights=res.score, minlength=n_clusters)
            for g, member in enumerate((self.treated, ~self.treated)):
                u = res.used & member
                n_p[g, j] = len(np.unique(self.person[u]))
                means[g, j] = np.average(y[u, j], weights=res.omega[u])
        active = np.flatnonzero((psi != 0).any(axis=1))
        g = len(active)
        adj = g / (g - 1) if g > 1 else np.nan
        psi = psi[active] * np.sqrt(adj)
        cov = psi.T @ psi
        missing = ~np.isfinite(est)
        cov[missing, :] = np.nan
        cov[:, missing] = np.nan
        return _Fit(est, cov, n_p, means, psi, g)


def _censoring_weights(
    panel: StatusPanel,
    hazards: pd.DataFrame,
    person: np.ndarray,
    ref: np.ndarray,
    treated: np.ndarray,
    e: np.ndarray,
) -> np.ndarray:
    """1 / P(not started in months ref+1 .. ref+e) for control members (1 elsewhere).

    ``hazards`` has a row for every month a control person was at risk of starting (the
    risk-set rows); months without a row have hazard zero (not in the target group).
    """
    out = np.ones((len(person), len(e)))
    if len(hazards) == 0:
        return out
    who, dense = np.unique(hazards["person"].to_numpy(), return_inverse=True)
    log_surv = np.zeros((len(who), panel.n_months + 1))
    cols = hazards["month"].to_numpy() - panel.first_month + 1
    h = np.clip(hazards["hazard"].to_numpy(np.float64), 0.0, 1.0 - 1e-9)
    np.add.at(log_surv, (dense, cols), np.log1p(-h))
    cum = np.cumsum(log_surv, axis=1)  # cum[:, c + 1] = sum over matrix columns <= c
    pos = np.searchsorted(who, person)
    has = ~treated & (pos < len(who)) & (who[np.minimum(pos, len(who) - 1)] == person)
    rows = np.flatnonzero(has)
    c0 = ref[rows] - panel.first_month + 1  # column index of the reference month, +1
    after = np.clip(c0[:, None] + np.maximum(e, 0)[None, :], 0, panel.n_months)
    logs = cum[pos[rows][:, None], after] - cum[pos[rows], np.clip(c0, 0, panel.n_months)][:, None]
    out[rows] = np.exp(-logs)
    return out


@dataclass(frozen=True, eq=False)
class _EventTimeFit:
    tau: float
    score: np.ndarray  # per member, already divided by the Hessian
    used: np.ndarray  # members in the regression at this e
    omega: np.ndarray  # final regression weights


def _one_event_time(
    dy: np.ndarray, treated: np.ndarray, weight: np.ndarray, group: np.ndarray, n_groups: int
) -> _EventTimeFit | None:
    """tau_e of the WLS with ``group`` fixed effects, closed form, and each member's
    score. Controls' weights are rescaled to sum to the group's observed participants,
    so the group effects take the weighted control mean and tau the participant-weighted
    mean of the groups' differences."""
    obs = np.isfinite(dy)
    d = np.where(obs, dy, 0.0)
    t_obs = obs & treated
    c_obs = obs & ~treated & (weight > 0)
    nt = np.bincount(group, weights=t_obs.astype(float), minlength=n_groups)
    wc = np.bincount(group, weights=np.where(c_obs, weight, 0.0), minlength=n_groups)
    ok = (nt > 0) & (wc > 0)
    if not ok.any():
        return None
    used = (t_obs | c_obs) & ok[group]
    omega = np.where(treated, 1.0, weight * nt[group] / np.where(wc > 0, wc, 1)[group])
    omega = np.where(used, omega, 0.0)
    sum_t = np.bincount(group, weights=np.where(treated, omega * d, 0.0), minlength=n_groups)
    sum_c = np.bincount(group, weights=np.where(~treated, omega * d, 0.0), minlength=n_groups)
    n_total = nt[ok].sum()
    tau = float((sum_t[ok] - sum_c[ok]).sum() / n_total)
    mu = np.where(ok, (sum_t - nt * tau + sum_c) / np.where(ok, 2 * nt, 1), 0.0)
    resid = d - mu[group] - tau * treated
    t_tilde = np.where(treated, 0.5, -0.5)
    score = omega * t_tilde * resid / (n_total / 2)
    return _EventTimeFit(tau, score, used, omega)
