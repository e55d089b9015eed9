"""Results of the Callaway & Sant'Anna estimator and their aggregations (R
``did::aggte`` with analytic standard errors).

Every aggregated estimate is a linear combination of the ATT(g,t) cells plus, for the
weights P(G = g) estimated from the data, a term that depends only on a unit's cohort
(R's ``wif``). So each aggregation is held as (cell weights, cohort terms), and its
standard errors come from the estimator's influence representation in one call,
``influence.cov(cell_weights, cohort_terms)``, which never needs a units x cells matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.did.staggered_data import BasePeriod, ControlGroup, Method

Aggregation = Literal["simple", "group", "dynamic", "calendar"]
SE_FLOOR = 10 * np.sqrt(np.finfo(float).eps)  # R did: smaller standard errors are NA


class Influence(Protocol):
    """The cells' unit-level influence functions psi_k(i), in whatever form."""

    n_units: int
    cohorts: np.ndarray  # cohort values indexing the cohort terms

    def cell_variances(self) -> np.ndarray:
        """sum_i psi_k(i)^2 / n^2 per cell."""
        ...

    def cov(self, cells: np.ndarray, cohort_terms: np.ndarray) -> np.ndarray:
        """sum_i psi_j(i) psi_l(i) / n^2 for psi_j = sum_k cells[j, k] psi_k +
        cohort_terms[j, cohort(i)]."""
        ...


def floor_se(var: np.ndarray) -> np.ndarray:
    se = np.sqrt(np.clip(var, 0.0, None))
    return np.where(se <= SE_FLOOR, np.nan, se)


def interval_frame(att: np.ndarray, se: np.ndarray, level: float) -> pd.DataFrame:
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.norm.sf(np.abs(att / se))
    return pd.DataFrame(
        {"std_error": se, "ci_low": att - z * se, "ci_high": att + z * se, "p_value": p}
    )


@dataclass(frozen=True, eq=False)
class AggregateResult:
    """An aggregation of ATT(g,t): per label (cohort, event time or period) and overall.

    ``labels`` are R's ``egt`` (empty for ``"simple"``); ``cov`` is the labels' joint
    covariance (their SEs squared on the diagonal, before R's floor).
    """

    kind: Aggregation
    labels: np.ndarray
    att: np.ndarray
    se: np.ndarray
    overall_att: float
    overall_se: float
    cov: np.ndarray
    level: float = 0.95

    def tidy(self) -> pd.DataFrame:
        """One row per label plus an overall row (``label`` null)."""
        att = np.append(self.att, self.overall_att)
        se = np.append(self.se, self.overall_se)
        head = pd.DataFrame(
            {
                "aggregation": self.kind,
                "label": pd.array([*self.labels.tolist(), None], dtype="Int64"),
                "estimate": att,
            }
        )
        return pd.concat([head, interval_frame(att, se, self.level)], axis=1)


@dataclass(frozen=True, eq=False)
class ATTgtResult:
    """ATT(g,t) per cell with the influence functions behind their standard errors.

    ``unit_group`` is the cohort of each unit of the estimation sample (0 = never
    treated); ``periods`` are all periods of the sample.
    """

    groups: np.ndarray  # cohort of each cell
    times: np.ndarray  # period of each cell
    att: np.ndarray
    se: np.ndarray
    unit_group: np.ndarray
    periods: np.ndarray
    influence: Influence
    control_group: ControlGroup
    est_method: Method
    base_period: BasePeriod
    anticipation: int
    balanced: bool = True
    level: float = 0.95

    @property
    def n_units(self) -> int:
        return int(len(self.unit_group))

    def tidy(self) -> pd.DataFrame:
        """One row per (group, time) cell."""
        head = pd.DataFrame(
            {
                "group": self.groups,
                "time": self.times,
                "event_time": self.times - self.groups,
                "att": self.att,
            }
        )
        return pd.concat([head, interval_frame(self.att, self.se, self.level)], axis=1)

    def aggregate(
        self,
        kind: Aggregation,
        *,
        min_e: float = -np.inf,
        max_e: float = np.inf,
        balance_e: int | None = None,
    ) -> AggregateResult:
        """Aggregate as R ``aggte(type=kind, min_e=, max_e=, balance_e=)``, analytic SEs.

        ``max_e`` limits the cells of ``"simple"``, ``"group"`` and ``"dynamic"``;
        ``min_e`` and ``balance_e`` (keep only cohorts observed for ``balance_e`` periods
        after treatment) apply to ``"dynamic"``, as in R.
        """
        if kind not in _AGGREGATIONS:
            raise ValueError(f"kind must be one of {', '.join(_AGGREGATIONS)}, not {kind!r}")
        if balance_e is not None and kind != "dynamic":
            raise ValueError("balance_e applies to the dynamic aggregation only")
        return _AGGREGATIONS[kind](_Cells.of(self), min_e, max_e, balance_e)


@dataclass(frozen=True, eq=False)
class _Combo:
    """A linear combination of the cells: estimate, cell weights, cohort terms."""

    att: float
    cells: np.ndarray
    cohorts: np.ndarray


@dataclass(frozen=True, eq=False)
class _Cells:
    """The ATT(g,t) cells with what every aggregation needs: P(G = g) per cell, and R's
    recoding of periods and cohorts to consecutive integers (``max_e`` counts periods)."""

    res: ATTgtResult
    pg: np.ndarray  # P(G = g) of each cell's cohort
    t_rank: np.ndarray
    g_rank: np.ndarray

    @classmethod
    def of(cls, res: ATTgtResult) -> _Cells:
        cohorts, counts = np.unique(res.unit_group, return_counts=True)
        pg = counts[np.searchsorted(cohorts, res.groups)] / res.n_units
        tlist = np.union1d(res.periods, res.groups)
        return cls(res, pg, np.searchsorted(tlist, res.times), np.searchsorted(tlist, res.groups))

    def post(self, max_e: float) -> np.ndarray:
        """R's ``keepers``: post-treatment cells up to ``max_e`` periods after the start."""
        return (self.g_rank <= self.t_rank) & (self.t_rank <= self.g_rank + max_e)

    def weighted(self, keep: np.ndarray, *, wif: bool = True) -> _Combo:
        """P(G = g)-weighted mean of the kept cells, with the effect of estimating the
        weights (R ``wif``) unless ``wif`` is False."""
        res, pg = self.res, self.pg[keep]
        w = pg / pg.sum()
        cells = np.zeros(len(res.att))
        cells[keep] = w
        terms = np.zeros(len(res.influence.cohorts))
        if wif:
            terms = weight_influence(res.influence.cohorts, res.groups[keep], pg, res.att[keep])
        return _Combo(float(res.att[keep] @ w), cells, terms)


def weight_influence(
    cohorts: np.ndarray, groups: np.ndarray, pg: np.ndarray, att: np.ndarray
) -> np.ndarray:
    """Influence, per unit cohort, of estimating the weights pg / sum(pg) of the cells
    (cohorts ``groups``) on their weighted mean of ``att``: R's ``did:::wif(...) %*%
    att``, which depends on a unit only through its cohort."""
    total, mean = pg.sum(), pg @ att
    cell_cohort = np.searchsorted(cohorts, groups)
    att_sum = np.bincount(cell_cohort, weights=att, minlength=len(cohorts))
    count = np.bincount(cell_cohort, minlength=len(cohorts)).astype(float)
    return (att_sum - mean) / total - (count - total) * mean / total**2


def _result(
    cells: _Cells, kind: Aggregation, labels: np.ndarray, parts: list[_Combo], overall: _Combo
) -> AggregateResult:
    combos = [*parts, overall]
    finite = np.isfinite(overall.att)
    if not finite:
        combos = parts
    cov = np.zeros((0, 0))
    if combos:
        cov = cells.res.influence.cov(
            np.array([c.cells for c in combos]), np.array([c.cohorts for c in combos])
        )
    se = floor_se(np.diag(cov))
    n = len(parts)
    return AggregateResult(
        kind=kind,
        labels=np.asarray(labels),
        att=np.array([p.att for p in parts], dtype=float),
        se=se[:n],
        overall_att=float(overall.att),
        overall_se=float(se[n]) if finite else np.nan,
        cov=cov[:n, :n],
        level=cells.res.level,
    )


def _mean_of(parts: list[_Combo], n_cells: int, n_cohorts: int) -> _Combo:
    """Equal-weight mean of aggregated effects (the dynamic and calendar overall)."""
    if not parts:
        return _Combo(np.nan, np.zeros(n_cells), np.zeros(n_cohorts))
    return _Combo(
        float(np.mean([p.att for p in parts])),
        np.mean([p.cells for p in parts], axis=0),
        np.mean([p.cohorts for p in parts], axis=0),
    )


def _simple(cells: _Cells, min_e: float, max_e: float, balance_e: int | None) -> AggregateResult:
    overall = cells.weighted(np.flatnonzero(cells.post(max_e)))
    return _result(cells, "simple", np.array([]), [], overall)


def _group(cells: _Cells, min_e: float, max_e: float, balance_e: int | None) -> AggregateResult:
    res = cells.res
    glist = np.unique(res.groups)
    post = cells.post(max_e)
    parts = [cells.weighted(np.flatnonzero(post & (res.groups == g)), wif=False) for g in glist]
    # overall: cohort effects weighted by cohort size, with the weights' influence
    pgg = np.array([np.mean(res.unit_group == g) for g in glist])
    att_g = np.array([p.att for p in parts])
    w = pgg / pgg.sum()
    overall = _Combo(
        float(att_g @ w),
        np.array([p.cells for p in parts]).T @ w,
        weight_influence(res.influence.cohorts, glist, pgg, att_g),
    )
    return _result(cells, "group", glist, parts, overall)


def _dynamic(cells: _Cells, min_e: float, max_e: float, balance_e: int | None) -> AggregateResult:
    res = cells.res
    e_cell = res.times - res.groups
    included = np.ones(len(e_cell), dtype=bool)
    eseq = np.unique(e_cell)
    if balance_e is not None:  # only cohorts seen balance_e periods after their start
        last, first = res.times.max(), res.times.min()
        included = last - res.groups >= balance_e
        eseq = np.unique(e_cell[included])
        eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - last + first)]
    eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
    parts = [cells.weighted(np.flatnonzero((e_cell == e) & included)) for e in eseq]
    post = [p for p, e in zip(parts, eseq, strict=True) if e >= 0]
    overall = _mean_of(post, len(res.att), len(res.influence.cohorts))
    return _result(cells, "dynamic", eseq, parts, overall)


def _calendar(cells: _Cells, min_e: float, max_e: float, balance_e: int | None) -> AggregateResult:
    res = cells.res
    tlist = np.unique(res.times)
    tlist = tlist[tlist >= res.groups.min()]
    parts = [cells.weighted(np.flatnonzero((res.times == t) & (res.groups <= t))) for t in tlist]
    overall = _mean_of(parts, len(res.att), len(res.influence.cohorts))
    return _result(cells, "calendar", tlist, parts, overall)


_AGGREGATIONS: dict[Aggregation, Callable[[_Cells, float, float, int | None], AggregateResult]] = {
    "simple": _simple,
    "group": _group,
    "dynamic": _dynamic,
    "calendar": _calendar,
}
