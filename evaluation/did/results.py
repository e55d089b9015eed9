"""The result of the matched event study of one offer on one outcome."""

from __future__ import annotations

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

METHOD = "matched_event_study"
GROUPS = ("participants", "matched_controls")


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
    power: float = 0.8  # of the minimum detectable effect (column ``mde_80``)

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
        """Minimum detectable pooled effect at ``power`` (80% by default; the tidy
        column keeps the name ``mde_80`` whatever the power)."""
        return minimum_detectable_effect(self.pooled_std_error, level=self.level, power=self.power)

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
