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
            x,
            treated,
            max_control_rows=options.max_ps_rows,
            seed=options.seed,
            row_key=row_key,
            columns=ps_columns,
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


@dataclass(frozen=True, eq=False)
class FrameMatch:
    """A matched cross-section: :attr:`balance` and :meth:`att`."""

    rows: RowMatch
    frame: pd.DataFrame
    treated: np.ndarray
    stratum: np.ndarray
    metric: np.ndarray  # (rows, d): the distance the matching used (for sigma^2 neighbours)
    level: float

    @property
    def balance(self) -> pd.DataFrame:
        """Balance before and after, the columns of ``balance.parquet`` (no offer_id)."""
        return self.rows.balance[[c for c in BALANCE_COLUMNS if c in self.rows.balance]]

    @property
    def sets(self) -> pd.DataFrame:
        """Matched sets: set_id, row (position in the frame), treated, weight."""
        m = self.rows.matches
        return pd.DataFrame(
            {"set_id": m.set_id, "row": m.row, "treated": self.treated[m.row], "weight": m.weight}
        )

    def att(self, outcome: str, *, neighbours: int = 2) -> pd.Series:
        """ATT on ``outcome`` over the matched participants with the Abadie & Imbens
        (2006) variance for matching with replacement (Abadie, Drukker, Herr & Imbens
        2004, Stata J 4:290, eq. 10 with ``robusth(neighbours)``)::

            V = 1/N1^2 [ sum_i (Y_i - Yhat_i(0) - tau)^2
                         + sum_j (k_j^2 - sum_i w_ij^2) sigma_j^2 ]

        over participants i and controls j (w_ij: j's weight in i's set, k_j their sum),
        sigma_j^2 = J/(J+1) (Y_j - mean of its J nearest other controls of the stratum)^2
        on the matching's own distance. Conditional on the matching variable: the
        adjustment for an estimated propensity score (Abadie & Imbens 2016) is not
        applied."""
        y = self.frame[outcome].to_numpy(np.float64)
        m = self.rows.matches
        t = self.treated[m.row]
        n1 = int(t.sum())
        if n1 == 0:
            return _att_series(np.nan, np.nan, self.level, 0, 0)
        yhat0 = np.bincount(m.set_id[~t], weights=m.weight[~t] * y[m.row[~t]])
        sets_t = m.set_id[t]
        gap = y[m.row[t]] - yhat0[sets_t]
        tau = float(gap.mean())
        ctrl = m.row[~t]
        k = np.bincount(ctrl, weights=m.weight[~t], minlength=len(y))
        w2 = np.bincount(ctrl, weights=m.weight[~t] ** 2, minlength=len(y))
        used = np.flatnonzero(k > 0)
        sigma2 = _sigma2(y, self.metric, self.stratum, ~self.treated, used, neighbours)
        var = (((gap - tau) ** 2).sum() + ((k[used] ** 2 - w2[used]) * sigma2).sum()) / n1**2
        return _att_series(tau, float(np.sqrt(var)), self.level, n1, len(used))


BALANCE_COLUMNS = (
    "covariate",
    "smd_before",
    "smd_after",
    "variance_ratio_before",
    "variance_ratio_after",
    "ecdf_max_before",
    "ecdf_max_after",
    "passed",
)


def _att_series(tau: float, se: float, level: float, n1: int, n0: int) -> pd.Series:
    from scipy import stats

    z = stats.norm.ppf(1 - (1 - level) / 2)
    ok = np.isfinite(se) and se > 0
    return pd.Series(
        {
            "estimate": tau,
            "std_error": se if ok else np.nan,
            "ci_low": tau - z * se if ok else np.nan,
            "ci_high": tau + z * se if ok else np.nan,
            "n_treated": n1,
            "n_controls": n0,
        }
    )


def _sigma2(
    y: np.ndarray,
    metric: np.ndarray,
    stratum: np.ndarray,
    pool: np.ndarray,
    rows: np.ndarray,
    j: int,
) -> np.ndarray:
    """Abadie-Imbens conditional variance of each of ``rows``: from its ``j`` nearest
    other rows of ``pool`` in the same stratum (ties at the j-th distance all count)."""
    out = np.zeros(len(rows))
    for i, r in enumerate(rows):
        cand = np.flatnonzero(pool & (stratum == stratum[r]))
        cand = cand[cand != r]
        if len(cand) == 0:
            continue
        d = ((metric[cand] - metric[r]) ** 2).sum(axis=1)
        jj = min(j, len(cand))
        cut = np.partition(d, jj - 1)[jj - 1]
        near = cand[d <= cut]
        out[i] = len(near) / (len(near) + 1) * (y[r] - y[near].mean()) ** 2
    return out


def match_frame(
    frame: pd.DataFrame,
    treatment: str,
    covariates: list[str],
    *,
    k: int = 1,
    caliper_sd: float | None = 0.2,
    replace: bool = True,
    method: Literal["propensity", "mahalanobis", "exact"] = "propensity",
    exact: tuple[str, ...] = (),
    level: float = 0.95,
    seed: int = 20240101,
) -> FrameMatch:
    """Match the units of a cross-section (one row per unit) on ``covariates``: the
    propensity score (logit), Mahalanobis distance or exact matching, within the exact
    strata of the ``exact`` columns, k nearest controls within ``caliper_sd`` standard
    deviations of the score's logit. Ties are broken by row position."""
    treated = frame[treatment].to_numpy().astype(bool)
    x = frame[list(covariates)].astype(np.float64).reset_index(drop=True)
    if exact:
        stratum = frame[list(exact)].groupby(list(exact), sort=True).ngroup().to_numpy()
    else:
        stratum = np.zeros(len(frame), dtype=np.int64)
    options = MatchOptions(method=method, k=k, replace=replace, caliper_sd=caliper_sd, seed=seed)
    rows = match_rows(
        x,
        treated,
        stratum=stratum,
        tiebreak=np.arange(len(frame)),
        ps_columns=list(covariates),
        options=options,
    )
    if rows.features is not None:
        metric = rows.features
    elif method == "exact":
        metric = np.zeros((len(frame), 1))
    else:
        metric = rows.score[:, None]
    return FrameMatch(rows, frame.reset_index(drop=True), treated, stratum, metric, level)
