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

The other estimand (``estimand="itt"``). Per protocol (the default, and the headline)
contrasts "start in s" with "never start during follow-up", the question a committee
asks when it decides whether the offer should exist. The intention-to-treat contrast
"start in s" against "not start in s, usual practice afterwards" follows the controls
whatever they do later - some start the offer themselves - so no censoring and no
censoring weights (the sequential trials' ITT of Hernan & Robins 2016): it asks what
starting *now* adds over waiting, is smaller when controls often start later, and needs
no model of who starts later. The per-protocol contrast is the headline because the
offer's value (savings, price per extra self-sufficient citizen, payments) is the value
of the offer against its absence, not against starting it later.

A month is used only when it is observed (by the as-of month) for that person; persons
without an observed e = -1 drop out.

Standard errors. The matched sets are held fixed and each person's linearised
contribution to tau_e - tau_e is summed over their rows (as participant, as control in
several sets or cohorts) and over event months, so the covariance is person-clustered
and joint over event months. The contributions are those of the matching estimator, not
of the regression: participants ``d_i - m0(x_i) - tau`` and controls
``-omega_j (d_j - m0(x_j))``, with ``m0`` the controls' change predicted within the
cohort from the matching score (the bias-correction regression of Abadie & Imbens 2011,
JBES 29:1, on the matching variable). Their sum of squares is the Abadie & Imbens (2006,
Econometrica 74:235) variance of a matching estimator with replacement: the outcome noise
of each participant and of each control with its reuse (omega squared) plus the
heterogeneity of the effect, without the spread of expected outcomes across the matched
sets that a regression's residuals around cohort means would add. A multiplier
(weighted) bootstrap of these contributions without re-matching is Otsu & Rai's (2017,
JASA 112:1720) bootstrap, valid for nearest-neighbour matching where the naive bootstrap
is not (Abadie & Imbens 2008); its variance is this sum of squares, and the simultaneous
band simulates from the same covariance. Not propagated: the estimation of the
propensity score that defines the sets (for the ATT Abadie & Imbens 2016 show the
adjustment can go either way) and of the censoring hazards (ignoring it is conservative
for inverse-probability weights with a correctly specified model);
``benchmarks/bench_coverage.py`` measures the resulting coverage per offer.
``std_errors="regression"`` gives the WLS sandwich with cohort effects instead (equal to
linearmodels' PanelOLS up to documented factors; a test checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from evaluation.did.data import (
    EventStudyDesign,
    amount_values,
    member_values,
    outcome_values,
    status_lookup,
)
from evaluation.did.placebo import placebo_window
from evaluation.did.results import EventStudyResult
from evaluation.matching.results import MatchResult
from evaluation.panel import StatusPanel

DEFAULT_PLACEBO = placebo_window(12, (12, 36))  # the default covariates: -24..-13
ESTIMANDS = ("per_protocol", "itt")
"""``per_protocol``: start in s vs never start during follow-up (controls censored at
their own later start, inverse-probability-of-censoring weighted; the headline).
``itt``: start in s vs not start in s, usual practice afterwards (controls followed after
a later start of the offer, no censoring)."""


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
        power: float = 0.8,
        placebo_months: tuple[int, ...] = DEFAULT_PLACEBO,
        std_errors: Literal["matching", "regression"] = "matching",
        estimand: Literal["per_protocol", "itt"] = "per_protocol",
    ) -> None:
        lo, hi = window
        if not lo <= -1 <= hi:
            raise ValueError("the event window must contain the reference month e = -1")
        if not 0 < level < 1:
            raise ValueError("level must be between 0 and 1")
        if not 0 < power < 1:
            raise ValueError("power must be between 0 and 1")
        if std_errors not in ("matching", "regression"):
            raise ValueError(f"unknown std_errors {std_errors!r}")
        if estimand not in ESTIMANDS:
            raise ValueError(f"unknown estimand {estimand!r}")
        self.panel = panel
        self.match = match
        self.window = window
        self.headline_window = headline_window
        self.level = level
        self.bootstrap_below = bootstrap_below
        self.bootstrap_reps = bootstrap_reps
        self.censoring_weights = censoring_weights
        self.seed = seed
        self.power = power
        self.placebo_months = tuple(sorted(placebo_months))
        self.std_errors = std_errors
        self.estimand = estimand

    @property
    def design_window(self) -> tuple[int, int]:
        """The event window widened to the placebo months (estimated, not reported)."""
        lo = min([self.window[0], *self.placebo_months])
        return lo, self.window[1]

    @cached_property
    def _design(self) -> EventStudyDesign:
        return EventStudyDesign.build(
            self.panel,
            self.match,
            self.design_window,
            self.censoring_weights,
            censor=self.estimand == "per_protocol",
        )

    @property
    def design(self) -> EventStudyDesign:
        """Members of the matched sets x event months (restricted, person level)."""
        return self._design

    def fit(
        self, outcome: str, values: np.ndarray, *, extra: np.ndarray | None = None
    ) -> EventStudyResult:
        """``values``: the outcome's value per status code (see :func:`status_outcome`);
        ``extra``: a persons x months matrix aligned with the panel added to it (a
        register measure, or the priced measures of a cost outcome)."""
        return self.fit_all([(outcome, values, extra)])[outcome]

    def fit_all(
        self, outcomes: Sequence[tuple[str, np.ndarray, np.ndarray | None]]
    ) -> dict[str, EventStudyResult]:
        """:meth:`fit` of every ``(outcome, values, extra)``, in one pass over the event
        months: outcomes observed for the same members at an event month (every outcome
        of statuses alone) share that month's weights, computed once. The same results,
        bit for bit, as fitting them one by one."""
        d = self._design
        matching = self.std_errors == "matching"
        status = d.status_by_event
        fits: dict[int, _Fit] = {}
        # the outcomes of statuses alone together, a month's values read from the statuses
        alone = [k for k, (_, _, extra) in enumerate(outcomes) if extra is None]
        lookups = [status_lookup(outcomes[k][1]) for k in alone]
        y_at = [lambda j, lookup=lookup: lookup[status[j]] for lookup in lookups]
        fits.update(zip(alone, _estimate(d, y_at, matching), strict=True))
        # each with a persons x months addition on its own (its members x months array
        # alive for its own fit only)
        for k, (_, values, extra) in enumerate(outcomes):
            if extra is not None:
                (fits[k],) = _estimate(d, [_by_event(self._outcome(values, extra))], matching)
        return {name: self._result(name, fits[k]) for k, (name, _, _) in enumerate(outcomes)}

    def fit_amounts(
        self, outcome: str, amounts: np.ndarray, rows: np.ndarray | None = None
    ) -> EventStudyResult:
        """An outcome measured per person and month rather than by status (earnings in
        DKK): ``amounts`` is persons x months like the panel's status matrix (or only the
        panel rows ``rows``, sorted), NaN where unknown. Months the design leaves out
        (censored, unobserved) stay out."""
        d = self._design
        y = amount_values(d, amounts, self.panel.first_month, rows)
        (f,) = _estimate(d, [_by_event(y)], self.std_errors == "matching")
        return self._result(outcome, f)

    def _result(self, outcome: str, f: _Fit) -> EventStudyResult:
        d = self._design
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
            power=self.power,
            placebo_months=self.placebo_months,
            report_window=self.window,
            estimand=self.estimand,
        )

    def _outcome(self, values: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
        d = self._design
        y = outcome_values(d.status, values)
        if extra is not None:
            y = y + member_values(d, self.panel.first_month, extra)
        return y

    def stacked(
        self,
        values: np.ndarray,
        *,
        extra: np.ndarray | None = None,
        window: tuple[int, int] | None = None,
    ) -> pd.DataFrame:
        """The regression data behind :meth:`fit` (restricted, person level): one row per
        set member and event month used, with the change since e = -1 and the final
        weight (participants 1; controls matching x censoring weight normalised per
        cohort and event month). WLS of ``change`` on cohort x event-month effects and
        ``treated`` with these weights, clustered on ``person``, reproduces the fit.
        ``window``: only the event months from ``window[0]`` to ``window[1]``."""
        d = self._design
        y = self._outcome(values, extra)
        dy = y - y[:, d.ref_col][:, None]
        lo, hi = (-np.inf, np.inf) if window is None else window
        frames = []
        for j, e in enumerate(d.event_times):
            if not lo <= e <= hi:
                continue
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
                        "score": d.score[rows],
                    }
                )
            )
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@dataclass(frozen=True, eq=False)
class _Fit:
    estimates: np.ndarray
    cov: np.ndarray
    n_persons: np.ndarray  # (2, E): participants, controls
    level_means: np.ndarray  # (2, E)
    psi: np.ndarray
    n_clusters: int


def _by_event(y: np.ndarray) -> Callable[[int], np.ndarray]:
    """The rows of a members x event months matrix as :func:`_estimate` takes them."""
    return np.ascontiguousarray(y.T).__getitem__  # event months as rows: contiguous


def _estimate(
    d: EventStudyDesign, y_at: Sequence[Callable[[int], np.ndarray]], matching: bool
) -> list[_Fit]:
    """Every event month's ATT, the persons behind it, the weighted level means and the
    person-clustered covariance of the stacked scores, for each outcome; ``y_at[k](j)``:
    the members' outcome ``k`` at event month ``j``. Taken one month at a time, a fit
    holds no members x months array of its own (at 1M persons each was 100 MB or more,
    paged in afresh). Outcomes observed for the same members at a month share that
    month's weights (:func:`_weights`)."""
    n_e, n_y = len(d.event_times), len(y_at)
    y_ref = [at(d.ref_col) for at in y_at]
    n_clusters = int(d.cluster.max()) + 1 if len(d.cluster) else 0
    est = np.full((n_y, n_e), np.nan)
    n_p = np.zeros((n_y, 2, n_e), dtype=np.int64)
    means = np.full((n_y, 2, n_e), np.nan)
    psi = [np.zeros((n_clusters, n_e)) for _ in range(n_y)]
    score = d.score if matching else None
    weight_by_e = d.weight_by_event
    for j in range(n_e):
        shared: tuple[np.ndarray, _Weights | None] | None = None  # (observed, weights)
        for k, at in enumerate(y_at):
            y_j = at(j)
            dy = y_j - y_ref[k]
            obs = np.isfinite(dy)
            if shared is None or not np.array_equal(obs, shared[0]):
                w = _weights(obs, d.treated, weight_by_e[j], d.cohort, d.n_cohorts, score)
                shared = (obs, w)
            w = shared[1]
            if w is None:
                continue
            res = _fit_event_time(dy, w, d.treated, d.cohort, d.n_cohorts, score)
            est[k, j] = res.tau
            psi[k][:, j] = np.bincount(d.cluster, weights=res.score, minlength=n_clusters)
            n_p[k, :, j] = w.n_persons(d.person_index)
            for g, (u, omega_u) in enumerate(w.members()):
                means[k, g, j] = np.average(y_j[u], weights=omega_u)
    fits = []
    for k in range(n_y):  # each full psi let go once its fit holds the active rows
        fits.append(_fit(est[k], n_p[k], means[k], psi[k]))
        psi[k] = np.zeros((0, n_e))
    return fits


def _fit(est: np.ndarray, n_p: np.ndarray, means: np.ndarray, psi: np.ndarray) -> _Fit:
    active = np.flatnonzero((psi != 0).any(axis=1))
    g = len(active)
    adj = g / (g - 1) if g > 1 else np.nan
    psi = psi[active] * np.sqrt(adj)
    cov = psi.T @ psi
    missing = ~np.isfinite(est)
    cov[missing, :] = np.nan
    cov[:, missing] = np.nan
    return _Fit(est, cov, n_p, means, psi, g)


@dataclass(frozen=True, eq=False)
class _EventTimeFit:
    tau: float
    score: np.ndarray  # per member: linearised contribution to tau - truth
    used: np.ndarray  # members in the regression at this e
    omega: np.ndarray  # final regression weights


@dataclass(eq=False)
class _Weights:
    """What an event month's fit takes from which members are observed, whatever their
    values (see :func:`_one_event_time`)."""

    treated: np.ndarray
    nt: np.ndarray  # observed participants per group
    ok: np.ndarray  # groups with participants and weighted controls
    used: np.ndarray
    omega: np.ndarray
    n_total: float
    w: np.ndarray  # omega of the used controls, 0 elsewhere
    safe: np.ndarray  # the groups' sums of w (1 where 0)
    score_parts: tuple[np.ndarray, np.ndarray, float] | None  # sc, w * sc, sum(w sc^2)
    signed: np.ndarray  # omega, negative for controls
    _members: list[tuple[np.ndarray, np.ndarray]] | None = None
    _n_persons: np.ndarray | None = None

    def members(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Participants', then controls' used rows and their omega."""
        if self._members is None:
            self._members = [
                (u, self.omega[u]) for u in (self.used & m for m in (self.treated, ~self.treated))
            ]
        return self._members

    def n_persons(self, persons: np.ndarray) -> np.ndarray:
        """Distinct participants and controls used (``persons``: dense person index)."""
        if self._n_persons is None:
            self._n_persons = np.array(
                [np.count_nonzero(np.bincount(persons[u], minlength=1)) for u, _ in self.members()]
            )
        return self._n_persons


def _weights(
    obs: np.ndarray,
    treated: np.ndarray,
    weight: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    score: np.ndarray | None,
) -> _Weights | None:
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
    w = np.where(~treated & used, omega, 0.0)
    sw = np.bincount(group, weights=w, minlength=n_groups)
    safe = np.where(sw > 0, sw, 1.0)
    parts = None
    if score is not None and np.any(score):
        mean_s = np.bincount(group, weights=w * score, minlength=n_groups) / safe
        sc = score - mean_s[group]
        parts = (sc, w * sc, float((w * sc**2).sum()))
    signed = np.where(treated, 1.0, -1.0) * omega
    return _Weights(treated, nt, ok, used, omega, nt[ok].sum(), w, safe, parts, signed)


def _one_event_time(
    dy: np.ndarray,
    treated: np.ndarray,
    weight: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    score: np.ndarray | None = None,
) -> _EventTimeFit | None:
    """tau_e of the WLS with ``group`` fixed effects, closed form, and each member's
    linearised contribution to tau_e - tau. Controls' weights are rescaled to sum to the
    group's observed participants, so the group effects take the weighted control mean
    and tau the participant-weighted mean of the groups' differences.

    Contributions (see the module docstring, *Standard errors*): participants
    ``d_i - m0(x_i) - tau``, controls ``-omega_j (d_j - m0(x_j))``, divided by the
    participants, with ``m0`` the controls' change predicted within the group from the
    matching score (weighted least squares on the group-demeaned score; Abadie & Imbens
    2011's regression on the matching variable). Without a score ``m0`` is the group's
    weighted control mean.

    In two steps: :func:`_weights` (which members are used, and their weights) and
    :func:`_fit_event_time` (the outcome's values)."""
    w = _weights(np.isfinite(dy), treated, weight, group, n_groups, score)
    return None if w is None else _fit_event_time(dy, w, treated, group, n_groups, score)


def _fit_event_time(
    dy: np.ndarray,
    w: _Weights,
    treated: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    score: np.ndarray | None,
) -> _EventTimeFit:
    d = np.where(np.isfinite(dy), dy, 0.0)
    od = w.omega * d
    sum_t = np.bincount(group, weights=np.where(treated, od, 0.0), minlength=n_groups)
    sum_c = np.bincount(group, weights=np.where(~treated, od, 0.0), minlength=n_groups)
    ok, nt, n_total = w.ok, w.nt, w.n_total
    tau = float((sum_t[ok] - sum_c[ok]).sum() / n_total)
    if score is None:  # the regression's own sandwich (cohort effects, PanelOLS)
        mu = np.where(ok, (sum_t - nt * tau + sum_c) / np.where(ok, 2 * nt, 1), 0.0)
        resid = d - mu[group] - tau * treated
        contribution = w.omega * np.where(treated, 0.5, -0.5) * resid / (n_total / 2)
        return _EventTimeFit(tau, contribution, w.used, w.omega)
    m0 = _control_prediction(d, w, group, n_groups)
    resid = np.where(treated, d - m0 - tau, d - m0)
    contribution = np.where(w.used, w.signed * resid / n_total, 0.0)
    return _EventTimeFit(tau, contribution, w.used, w.omega)


def _control_prediction(d: np.ndarray, w: _Weights, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Every member's predicted untreated change: the group's weighted control mean plus
    a common slope on the group-demeaned score, fitted on the controls."""
    mean_d = np.bincount(group, weights=w.w * d, minlength=n_groups) / w.safe
    if w.score_parts is None:
        return mean_d[group]
    sc, wsc, den = w.score_parts
    slope = float((wsc * (d - mean_d[group])).sum() / den) if den > 0 else 0.0
    return mean_d[group] + slope * sc
