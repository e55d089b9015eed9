"""The matcher on a plain cross-section (one row per unit), and the core that the
risk-set matcher applies to its risk sets: propensity score, calipers, the registered
matching variant and balance, on rows.

:func:`match_frame` is the public entry for a cross-section::

    m = match_frame(frame, "treated", ["age", "educ", "re74"], k=1, caliper_sd=0.2)
    m.balance            # same columns as balance.parquet
    m.att("re78")        # estimate, std_error, ci_low, ci_high (Abadie-Imbens)

:class:`~evaluation.matching.model.RiskSetMatching` calls :func:`match_rows` on the rows
of its risk sets (exact on the start month), so there is one implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from evaluation.matching.balance import balance_table
from evaluation.matching.matchers import MATCHERS, Matches, MatchInput
from evaluation.matching.propensity import PropensityModel, fit_propensity
from evaluation.matching.results import CommonSupport


@dataclass(frozen=True)
class MatchOptions:
    method: Literal["propensity", "mahalanobis", "exact"] = "propensity"
    k: int = 1
    replace: bool = True
    caliper_sd: float | None = 0.2
    smd_threshold: float = 0.1
    variance_ratio_range: tuple[float, float] = (0.5, 2.0)
    max_ps_rows: int = 100_000
    seed: int = 20240101

    def __post_init__(self) -> None:
        if self.method not in {method for method, _ in MATCHERS}:
            raise ValueError(f"unknown matching method {self.method!r}")
        if self.k < 1:
            raise ValueError("k must be at least 1")
        if self.caliper_sd is not None and self.caliper_sd <= 0:
            raise ValueError("caliper_sd must be positive or None")
        if (self.method, self.replace) not in MATCHERS:
            raise ValueError(f"{self.method} matching is implemented with replacement only")


@dataclass(frozen=True, eq=False)
class RowMatch:
    """Matched rows: the sets (``matches``), the score, caliper, support and balance."""

    matches: Matches
    propensity: PropensityModel | None
    score: np.ndarray  # logit of the propensity score per row (zeros when unused)
    features: np.ndarray | None  # Mahalanobis features per row (None when unused)
    caliper: float
    support: CommonSupport | None
    balance: pd.DataFrame

    def weights(self, n_rows: int) -> np.ndarray:
        """Total matching weight per row (1 for matched participants)."""
        m = self.matches
        return np.bincount(m.row, weights=m.weight, minlength=n_rows)


def match_rows(
    x: pd.DataFrame,
    treated: np.ndarray,
    *,
    stratum: np.ndarray,
    tiebreak: np.ndarray,
    ps_columns: list[str],
    options: MatchOptions,
    row_key: np.ndarray | None = None,
) -> RowMatch:
    """Match the treated rows of ``x`` to control rows within ``stratum``."""
    variant = MATCHERS[(options.method, options.replace)]
    ps, score = None, np.zeros(len(x))
    if variant.uses_score:
        ps = fit_propensity(
            x[ps_columns],
            treated,
            max_control_rows=options.max_ps_rows,
            seed=options.seed,
            row_key=row_key,
        )
        score = ps.linear_predictor(x)
    caliper = _caliper(score, treated, options.caliper_sd) if variant.uses_score else np.inf
    features = mahalanobis_features(x) if variant.uses_features else None
    m = variant.matcher(
        MatchInput(
            treated=treated,
            stratum=stratum,
            score=score,
            tiebreak=tiebreak,
            features=features,
            caliper=caliper,
            k=options.k,
            replace=options.replace,
        )
    )
    balance = balance_table(
        x,
        treated,
        np.bincount(m.row, weights=m.weight, minlength=len(x)),
        smd_threshold=options.smd_threshold,
        variance_ratio_range=options.variance_ratio_range,
    )
    support = _support(score, treated, caliper) if variant.uses_score else None
    return RowMatch(m, ps, score, features, caliper, support, balance)


def _caliper(score: np.ndarray, treated: np.ndarray, caliper_sd: float | None) -> float:
    if caliper_sd is None:
        return np.inf
    sd = np.sqrt((score[treated].var() + score[~treated].var()) / 2)
    return float(caliper_sd * sd) if sd > 0 else np.inf


def mahalanobis_features(x: pd.DataFrame, max_rows: int = 200_000) -> np.ndarray:
    """Covariates whitened with the pseudo-inverse square root of their covariance, so
    Euclidean distance on the result is the Mahalanobis distance."""
    xv = x.to_numpy(np.float64)
    keep = xv.std(axis=0) > 0
    xv = xv[:, keep]
    sample = xv[:: max(1, len(xv) // max_rows)]
    cov = np.cov(sample, rowvar=False)
    vals, vecs = np.linalg.eigh(np.atleast_2d(cov))
    inv_sqrt = np.where(vals > 1e-9 * vals.max(), 1 / np.sqrt(np.maximum(vals, 1e-300)), 0.0)
    return (xv - sample.mean(axis=0)) @ (vecs * inv_sqrt)


def _support(score: np.ndarray, treated: np.ndarray, caliper: float) -> CommonSupport:
    ts, cs = score[treated], score[~treated]
    return CommonSupport(
        caliper=caliper,
        treated_score_range=(float(ts.min()), float(ts.max())),
        control_score_range=(float(cs.min()), float(cs.max())),
        share_treated_in_support=float(((ts >= cs.min()) & (ts <= cs.max())).mean()),
        share_controls_in_support=float(((cs >= ts.min()) & (cs <= ts.max())).mean()),
    )
