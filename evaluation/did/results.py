"""The result of the matched event study of one offer on one outcome."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.did.inference import (
    minimum_detectable_effect,
    sup_t_critical,
    wild_bootstrap,
)
from evaluation.did.placebo import PlaceboTest, placebo_test

METHOD = "matched_event_study"
GROUPS = ("participants", "matched_controls")
NOT_ESTIMABLE = (
    "not estimable: standard error 0 (participants and controls cannot differ in this "
    "month: the reference month or a month fixed by the target-group rule)"
)


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
    power: float = 0.8  # of the minimum detectable effect
    placebo_months: tuple[int, ...] = ()  # event months of the placebo test
    report_window: tuple[int, int] | None = None  # event months tidy() reports (None: all)
    estimand: str = "per_protocol"  # or "itt" (see evaluation.did.model.ESTIMANDS)

    @property
    def std_errors(self) -> np.ndarray:
        """Per event month; NaN where the variance is 0 (not estimable: the reference
        month and months the target-group rule fixes)."""
        v = np.diag(self.cov)
        return np.where(np.isfinite(v) & (v > 1e-24), np.sqrt(np.clip(v, 0, None)), np.nan)

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
        """Minimum detectable pooled effect at ``power`` and the run's level."""
        se = self.pooled_std_error
        if not (np.isfinite(se) and se > 0):
            return np.nan
        return minimum_detectable_effect(se, level=self.level, power=self.power)

    @cached_property
    def placebo(self) -> PlaceboTest:
        """Joint test of the placebo months (see :mod:`evaluation.did.placebo`)."""
        return placebo_test(self.event_times, self.estimates, self.cov, self.placebo_months)

    @cached_property
    def band_critical(self) -> float:
        """sup-t critical value over the reported event months with a standard error."""
        rows = self._reported & np.isfinite(self.std_errors)
        return sup_t_critical(
            self.cov[np.ix_(rows, rows)], level=self.level, reps=10_000, seed=self.seed
        )

    @property
    def _reported(self) -> np.ndarray:
        if self.report_window is None:
            return np.ones(len(self.event_times), bool)
        lo, hi = self.report_window
        return (self.event_times >= lo) & (self.event_times <= hi)

    @cached_property
    def _bootstrap(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        w = self._pool_weights
        psi = np.column_stack([np.nan_to_num(self.psi), np.nan_to_num(self.psi) @ w])
        est = np.r_[self.estimates, self.pooled_estimate]
        return wild_bootstrap(
            psi, np.nan_to_num(est), level=self.level, reps=self.bootstrap_reps, seed=self.seed
        )

    def conf_int(self, level: float | None = None) -> pd.DataFrame:
        """Normal intervals per event month (bootstrap intervals when ``bootstrap``);
        NaN where not estimable."""
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
        """One row per reported event month plus the pooled headline row (event_time
        null): estimate, matching-aware standard error, interval, p-value, the
        simultaneous band (event months), MDE and placebo test (headline row)."""
        z = stats.norm.ppf(1 - (1 - self.level) / 2)
        se = np.r_[self.std_errors, self.pooled_std_error]
        se = np.where(np.isfinite(se) & (se > 0), se, np.nan)
        est = np.r_[self.estimates, self.pooled_estimate]
        with np.errstate(divide="ignore", invalid="ignore"):
            p = 2 * stats.norm.sf(np.abs(est / se))
        lo, hi = est - z * se, est + z * se
        ci_method = "normal"
        if self.bootstrap:
            lo, hi, p = self._bootstrap
            ci_method = "wild_cluster_bootstrap"
        c = self.band_critical
        band_lo = np.r_[self.estimates - c * se[:-1], np.nan]
        band_hi = np.r_[self.estimates + c * se[:-1], np.nan]
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
                "band_low": band_lo,
                "band_high": band_hi,
                "n_treated": np.r_[self.n_treated, nt].astype("int64"),
                "n_control": np.r_[self.n_control, nc].astype("int64"),
                "method": METHOD,
                "estimand": self.estimand,
                "ci_method": ci_method,
                "level": self.level,
            }
        )
        frame["headline"] = frame["event_time"].isna()
        frame["mde"] = np.where(frame["headline"], self.mde, np.nan)
        frame["mde_power"] = np.where(frame["headline"], self.power, np.nan)
        frame["placebo_p_value"] = np.where(frame["headline"], self.placebo.p_value, np.nan)
        frame["placebo_window"] = pd.array(
            [self.placebo.window if h else None for h in frame["headline"]], dtype="str"
        )
        note = np.where(np.isnan(se) & np.isfinite(est), NOT_ESTIMABLE, None)
        frame["note"] = pd.array(note, dtype="str")
        keep = np.r_[self._reported, True]
        return frame[keep].reset_index(drop=True)

    def levels(self) -> pd.DataFrame:
        """Mean outcome level by event month of the participants and of the matched
        controls, the latter with the estimator's weights (matching x censoring,
        normalised per cohort), over the persons whose e = -1 and e are observed. Their
        difference minus the difference at e = -1 is the estimate."""
        n_e = len(self.event_times)
        means = np.full((2, n_e), np.nan) if self.level_means is None else self.level_means
        n = np.zeros((2, n_e), np.int64) if self.level_n is None else self.level_n
        frame = pd.DataFrame(
            {
                "offer_id": self.offer_id,
                "outcome": self.outcome,
                "event_time": np.tile(self.event_times, 2).astype("int64"),
                "group": np.repeat(list(GROUPS), n_e),
                "mean": means.ravel(),
                "n_persons": n.ravel().astype("int64"),
            }
        )
        return frame[np.tile(self._reported, 2)].reset_index(drop=True)

    def summary(self) -> str:
        lo, hi = self.headline_window
        t = self.tidy().iloc[-1]
        return (
            f"{self.offer_id} / {self.outcome}: ATT over months {lo}..{hi} = "
            f"{t['estimate']:.4f} (SE {t['std_error']:.4f}, {self.level:.0%} CI "
            f"{t['ci_low']:.4f} to {t['ci_high']:.4f}); {self.placebo.verdict(self.level)}"
        )
