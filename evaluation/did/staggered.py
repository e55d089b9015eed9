"""Callaway & Sant'Anna (2021) group-time average treatment effects for staggered adoption.

The standard unmatched estimator beside the matched event study: for every treatment
cohort ``g`` (first period treated; 0 = never treated) and period ``t`` it compares the
change in the outcome of cohort ``g`` between a base period and ``t`` with the change of
a control group (never treated, or not yet treated by ``t``), and aggregates the ATT(g,t)
into simple, group, dynamic (event-time) and calendar summaries.

Follows the R package ``did`` (``att_gt`` with ``bstrap=FALSE``, then ``aggte``) for
balanced panels:

- the same sample rules: cohorts first treated after the last period count as never
  treated; units treated in the first period are dropped; without a never-treated group
  the last cohort serves only as a not-yet-treated control and the periods from its start
  (less ``anticipation``) are dropped;
- the same base periods (``"varying"``: consecutive periods before treatment, the last
  pre-treatment period after; ``"universal"``: always the last pre-treatment period,
  whose own cell is 0 with no standard error) and control groups;
- outcome regression (``"reg"``, ``DRDID::reg_did_panel``) or doubly robust estimation
  with a logit propensity (``"dr"``, ``DRDID::drdid_panel``), covariates taken from the
  base period; without covariates both are the difference of mean changes;
- analytic standard errors ``sqrt(mean(psi**2) / n)`` from the unit-level influence
  functions, aggregations including the estimation effect of the weights P(G = g)
  (R's ``wif``), and standard errors below ``10 * sqrt(eps)`` reported as missing.

Pure numpy on a unit × period matrix; the only Python loop is over (g, t) cells.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

ControlGroup = Literal["never_treated", "not_yet_treated"]
Method = Literal["reg", "dr"]
BasePeriod = Literal["varying", "universal"]
Aggregation = Literal["simple", "group", "dynamic", "calendar"]

_SE_FLOOR = 10 * np.sqrt(np.finfo(float).eps)  # R did: smaller standard errors are NA


def _se(inf: np.ndarray) -> np.ndarray:
    """Standard error per column of an influence-function matrix, as R ``did::getSE``."""
    n = inf.shape[0]
    se = np.sqrt(np.einsum("ij,ij->j", inf, inf) / n**2)
    return np.where(se <= _SE_FLOOR, np.nan, se)


def _interval_frame(att: np.ndarray, se: np.ndarray, level: float) -> pd.DataFrame:
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.norm.sf(np.abs(att / se))
    return pd.DataFrame(
        {"std_error": se, "ci_low": att - z * se, "ci_high": att + z * se, "p_value": p}
    )


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AggregateResult:
    """An aggregation of ATT(g,t): per label (cohort, event time or period) and overall.

    ``labels`` are R's ``egt`` (empty for ``"simple"``); ``influence`` is units × labels.
    """

    kind: Aggregation
    labels: np.ndarray
    att: np.ndarray
    se: np.ndarray
    overall_att: float
    overall_se: float
    influence: np.ndarray
    overall_influence: np.ndarray
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
        return pd.concat([head, _interval_frame(att, se, self.level)], axis=1)


@dataclass(frozen=True, eq=False)
class ATTgtResult:
    """ATT(g,t) per cell with its influence function (units × cells).

    ``unit_group`` is the cohort of each unit of the estimation sample (0 = never
    treated), in the row order of ``influence``.
    """

    groups: np.ndarray  # cohort of each cell
    times: np.ndarray  # period of each cell
    att: np.ndarray
    se: np.ndarray
    influence: np.ndarray  # n_units × n_cells
    unit_group: np.ndarray
    control_group: ControlGroup
    est_method: Method
    base_period: BasePeriod
    anticipation: int
    level: float = 0.95

    @property
    def n_units(self) -> int:
        return int(self.influence.shape[0])

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
        return pd.concat([head, _interval_frame(self.att, self.se, self.level)], axis=1)

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


# --- data -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Panel:
    periods: np.ndarray
    y: np.ndarray  # units × periods
    g: np.ndarray  # cohort per unit
    x: np.ndarray | None  # units × periods × covariates

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    def subset(self, units: np.ndarray, periods: np.ndarray | None = None) -> _Panel:
        cols = slice(None) if periods is None else periods
        x = None if self.x is None else self.x[units][:, cols]
        return _Panel(self.periods[cols], self.y[units][:, cols], self.g[units], x)

    @classmethod
    def from_long(
        cls,
        data: pd.DataFrame,
        *,
        y: str,
        t: str,
        unit: str,
        group: str,
        covariates: Sequence[str],
    ) -> _Panel:
        missing = [c for c in (y, t, unit, group, *covariates) if c not in data.columns]
        if missing:
            raise ValueError(f"att_gt: missing column(s) {', '.join(missing)}")
        frame = data[[unit, t, group, y, *covariates]]
        if frame.isna().any().any():
            raise ValueError(
                "att_gt: missing values in the unit, outcome, time, group or covariates"
            )
        u_idx, units = pd.factorize(frame[unit], sort=True)
        t_idx, periods = pd.factorize(frame[t], sort=True)
        n, n_t = len(units), len(periods)
        if len(frame) != n * n_t or np.bincount(u_idx * n_t + t_idx).max() > 1:
            raise ValueError("att_gt: the panel must be balanced (one row per unit and period)")
        ymat = np.empty((n, n_t))
        ymat[u_idx, t_idx] = frame[y].to_numpy(float)
        gvals = frame[group].to_numpy(float)
        g = np.zeros(n)
        g[u_idx] = gvals
        if not np.array_equal(g[u_idx], gvals):
            raise ValueError("att_gt: the group must be constant within each unit")
        x = None
        if covariates:
            x = np.empty((n, n_t, len(covariates)))
            x[u_idx, t_idx] = frame[list(covariates)].to_numpy(float)
        return cls(np.asarray(periods, dtype=float), ymat, g, x)


def _sample(
    panel: _Panel, control_group: ControlGroup, anticipation: int
) -> tuple[_Panel, np.ndarray]:
    """R ``did::pre_process_did`` for balanced panels: the estimation sample and the
    cohorts to estimate."""
    g = np.where(panel.g > panel.periods[-1], 0.0, panel.g)  # treated after the data: never
    panel = _Panel(panel.periods, panel.y, g, panel.x)
    cohorts = np.unique(g)
    if 0 not in cohorts:
        if control_group == "never_treated":
            raise ValueError("att_gt: there is no never-treated group; use not_yet_treated")
        last = cohorts.max()
        panel = panel.subset(np.arange(panel.n), panel.periods < last - anticipation)
        cohorts = cohorts[cohorts < last]
    first = panel.periods[0]
    cohorts = cohorts[(cohorts > 0) & (cohorts > first + anticipation)]
    treated_first = (panel.g > 0) & (panel.g <= first)
    if treated_first.any():  # R then keeps only never treated and estimable cohorts
        panel = panel.subset(np.flatnonzero((panel.g == 0) | np.isin(panel.g, cohorts)))
    if cohorts.size == 0:
        raise ValueError("att_gt: no cohort is first treated after the first period")
    return panel, cohorts


# --- estimation -----------------------------------------------------------------------------


def att_gt(
    data: pd.DataFrame,
    *,
    y: str,
    t: str,
    unit: str,
    group: str,
    control_group: ControlGroup = "never_treated",
    covariates: Sequence[str] = (),
    est_method: Method = "dr",
    base_period: BasePeriod = "varying",
    level: float = 0.95,
    anticipation: int = 0,
) -> ATTgtResult:
    """Group-time ATTs on a balanced panel in long form (one row per unit and period).

    ``group`` is the first period a unit is treated, 0 for never treated. Covariates are
    taken from each cell's base period. Cells without treated or control units are left
    out (R reports them as missing).
    """
    if control_group not in _CONTROLS:
        raise ValueError(f"control_group must be one of {', '.join(_CONTROLS)}: {control_group!r}")
    if est_method not in _ESTIMATORS:
        raise ValueError(f"est_method must be one of {', '.join(_ESTIMATORS)}: {est_method!r}")
    if base_period not in ("varying", "universal"):
        raise ValueError(f"base_period must be varying or universal, not {base_period!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    if anticipation < 0:
        raise ValueError(f"anticipation must be >= 0, not {anticipation}")
    full = _Panel.from_long(data, y=y, t=t, unit=unit, group=group, covariates=covariates)
    panel, cohorts = _sample(full, control_group, anticipation)
    estimator = _ESTIMATORS["reg" if panel.x is None else est_method]
    cells = _cells(panel.periods, cohorts, base_period, anticipation)
    influence = np.zeros((panel.n, len(cells)), order="F")  # one contiguous column per cell
    kept, atts = [], []
    for k, (g, j, base) in enumerate(cells):
        att = 0.0  # the universal base period itself: 0 by construction
        if j != base:
            treated = panel.g == g
            later = panel.periods[max(j, base)] + anticipation
            control = _CONTROLS[control_group](panel.g, later) & ~treated
            if not treated.any() or not control.any():
                continue
            att, influence[:, k] = _cell(panel, treated, control, j, base, estimator)
        kept.append(k), atts.append(att)
    if len(kept) < len(cells):
        influence = np.asfortranarray(influence[:, kept])
    cells_g = [cells[k][0] for k in kept]
    cells_t = [panel.periods[cells[k][1]] for k in kept]
    return ATTgtResult(
        groups=np.asarray(cells_g, dtype=float),
        times=np.asarray(cells_t, dtype=float),
        att=np.asarray(atts, dtype=float),
        se=_se(influence),
        influence=influence,
        unit_group=panel.g,
        control_group=control_group,
        est_method=est_method,
        base_period=base_period,
        anticipation=anticipation,
        level=level,
    )


def _cells(
    periods: np.ndarray, cohorts: np.ndarray, base_period: BasePeriod, anticipation: int
) -> list[tuple[float, int, int]]:
    """(cohort, period index, base period index) of every cell, in R's order."""
    out = []
    first_j = 1 if base_period == "varying" else 0
    for g in cohorts:
        last_pre = int(np.flatnonzero(periods + anticipation < g)[-1])
        for j in range(first_j, len(periods)):
            post = periods[j] >= g
            base = last_pre if post or base_period == "universal" else j - 1
            out.append((float(g), j, base))
    return out


_CONTROLS: dict[ControlGroup, Callable[[np.ndarray, float], np.ndarray]] = {
    "never_treated": lambda g, later: g == 0,
    "not_yet_treated": lambda g, later: (g == 0) | (g > later),
}

_Estimator = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[float, np.ndarray]]


def _cell(
    panel: _Panel,
    treated: np.ndarray,
    control: np.ndarray,
    j: int,
    base: int,
    estimator: _Estimator,
) -> tuple[float, np.ndarray]:
    """ATT(g,t) and its influence function over all units (0 outside the cell)."""
    if panel.x is None:  # difference of mean changes, without subsetting
        dy = panel.y[:, j] - panel.y[:, base]
        n_t, n_c = treated.sum(), control.sum()
        m_t, m_c = dy[treated].mean(), dy[control].mean()
        inf = panel.n * (treated * (dy - m_t) / n_t - control * (dy - m_c) / n_c)
        return float(m_t - m_c), inf
    sub = treated | control
    n1 = int(sub.sum())
    dy = panel.y[sub, j] - panel.y[sub, base]
    xmat = np.column_stack([np.ones(n1), panel.x[sub, base]])
    att, psi = estimator(dy, treated[sub].astype(float), xmat)
    inf = np.zeros(panel.n)
    inf[sub] = panel.n / n1 * psi
    return att, inf


def _ols_control(dy: np.ndarray, d: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Outcome regression on the controls: fitted changes for everyone and the
    asymptotic linear representation of the coefficients."""
    n = len(dy)
    w = 1.0 - d
    xtx = (w[:, None] * x).T @ x
    coef = np.linalg.solve(xtx, (w[:, None] * x).T @ dy)
    fitted = x @ coef
    lin_rep = (w * (dy - fitted))[:, None] * x @ np.linalg.inv(xtx / n)
    return fitted, lin_rep


def _reg_panel(dy: np.ndarray, d: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Outcome-regression DiD for panel data (``DRDID::reg_did_panel``)."""
    fitted, lin_rep = _ols_control(dy, d, x)
    mean_d = d.mean()
    att_treat, att_cont = d * dy, d * fitted
    eta_treat, eta_cont = att_treat.mean() / mean_d, att_cont.mean() / mean_d
    inf_treat = (att_treat - d * eta_treat) / mean_d
    m1 = (d[:, None] * x).mean(axis=0)
    inf_cont = (att_cont - d * eta_cont + lin_rep @ m1) / mean_d
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def _dr_panel(
    dy: np.ndarray, d: np.ndarray, x: np.ndarray, trim: float = 0.995
) -> tuple[float, np.ndarray]:
    """Doubly robust DiD for panel data (``DRDID::drdid_panel``): logit propensity and
    outcome regression on the controls, with R's trimming of controls with ps >= trim."""
    n = len(dy)
    coef, cov = _logit(d, x)
    ps = np.minimum(1.0 / (1.0 + np.exp(-(x @ coef))), 1 - 1e-6)
    keep = np.where(d == 1, ps < 1.01, ps < trim)
    fitted, lin_rep_ols = _ols_control(dy, d, x)
    w_treat = keep * d
    w_cont = keep * ps * (1 - d) / (1 - ps)
    resid = dy - fitted
    att_treat, att_cont = w_treat * resid, w_cont * resid
    eta_treat = att_treat.mean() / w_treat.mean()
    eta_cont = att_cont.mean() / w_cont.mean()
    lin_rep_ps = ((d - ps)[:, None] * x) @ (cov * n)
    m1 = (w_treat[:, None] * x).mean(axis=0)
    inf_treat = (att_treat - w_treat * eta_treat - lin_rep_ols @ m1) / w_treat.mean()
    m2 = ((w_cont * (resid - eta_cont))[:, None] * x).mean(axis=0)
    m3 = (w_cont[:, None] * x).mean(axis=0)
    inf_cont = (att_cont - w_cont * eta_cont + lin_rep_ps @ m2 - lin_rep_ols @ m3) / w_cont.mean()
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def _logit(d: np.ndarray, x: np.ndarray, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Logit by Newton-Raphson; the coefficients and the inverse information matrix
    (the model-based covariance, ``vcov`` in R)."""
    coef = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(x @ coef)))
        info = (x * (p * (1 - p))[:, None]).T @ x
        step = np.linalg.solve(info, x.T @ (d - p))
        coef += step
        if np.max(np.abs(step)) < tol:
            break
    p = 1.0 / (1.0 + np.exp(-(x @ coef)))
    return coef, np.linalg.inv((x * (p * (1 - p))[:, None]).T @ x)


_ESTIMATORS: dict[Method, _Estimator] = {"reg": _reg_panel, "dr": _dr_panel}


# --- aggregation (R did::compute.aggte) -----------------------------------------------------


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
        tlist = np.unique(res.times)
        return cls(res, pg, np.searchsorted(tlist, res.times), np.searchsorted(tlist, res.groups))

    def post(self, max_e: float) -> np.ndarray:
        """R's ``keepers``: post-treatment cells up to ``max_e`` periods after the start."""
        return (self.g_rank <= self.t_rank) & (self.t_rank <= self.g_rank + max_e)

    def weighted(self, keep: np.ndarray, *, wif: bool = True) -> tuple[float, np.ndarray]:
        """P(G = g)-weighted mean of the kept cells and its influence function, with the
        effect of estimating the weights (R ``wif``) unless ``wif`` is False."""
        res, pg = self.res, self.pg[keep]
        w = pg / pg.sum()
        att = float(res.att[keep] @ w)
        inf = res.influence[:, keep] @ w
        if wif:
            inf = inf + _weight_if(res.unit_group, res.groups[keep], pg, res.att[keep])
        return att, inf


def _weight_if(
    unit_group: np.ndarray, groups: np.ndarray, pg: np.ndarray, att: np.ndarray
) -> np.ndarray:
    """Influence of estimating the weights pg / sum(pg) of the cells (cohorts ``groups``)
    on their weighted mean of ``att``: R's ``did:::wif(...) %*% att``, without forming
    R's units × cells matrix."""
    total, mean = pg.sum(), pg @ att
    cohorts, cell_cohort = np.unique(groups, return_inverse=True)
    att_sum = np.bincount(cell_cohort, weights=att, minlength=len(cohorts))
    count = np.bincount(cell_cohort, minlength=len(cohorts)).astype(float)
    idx = np.minimum(np.searchsorted(cohorts, unit_group), len(cohorts) - 1)
    member = cohorts[idx] == unit_group
    att_i, count_i = np.where(member, att_sum[idx], 0.0), np.where(member, count[idx], 0.0)
    return (att_i - mean) / total - (count_i - total) * mean / total**2


def _result(
    cells: _Cells,
    kind: Aggregation,
    labels: np.ndarray,
    parts: list[tuple[float, np.ndarray]],
    overall: tuple[float, np.ndarray],
) -> AggregateResult:
    att = np.array([a for a, _ in parts], dtype=float)
    inf = np.column_stack([i for _, i in parts]) if parts else np.zeros((cells.res.n_units, 0))
    return AggregateResult(
        kind=kind,
        labels=np.asarray(labels),
        att=att,
        se=_se(inf),
        overall_att=overall[0],
        overall_se=float(_se(overall[1][:, None])[0]),
        influence=inf,
        overall_influence=overall[1],
        level=cells.res.level,
    )


def _mean_of(parts: list[tuple[float, np.ndarray]], n: int) -> tuple[float, np.ndarray]:
    """Equal-weight mean of aggregated effects (the dynamic and calendar overall)."""
    if not parts:
        return np.nan, np.full(n, np.nan)
    return float(np.mean([a for a, _ in parts])), np.mean([i for _, i in parts], axis=0)


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
    att_g = np.array([a for a, _ in parts])
    w = pgg / pgg.sum()
    inf = np.column_stack([i for _, i in parts]) @ w
    inf = inf + _weight_if(res.unit_group, glist, pgg, att_g)
    return _result(cells, "group", glist, parts, (float(att_g @ w), inf))


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
    overall = _mean_of([p for p, e in zip(parts, eseq, strict=True) if e >= 0], res.n_units)
    return _result(cells, "dynamic", eseq, parts, overall)


def _calendar(cells: _Cells, min_e: float, max_e: float, balance_e: int | None) -> AggregateResult:
    res = cells.res
    tlist = np.unique(res.times)
    tlist = tlist[tlist >= res.groups.min()]
    parts = [cells.weighted(np.flatnonzero((res.times == t) & (res.groups <= t))) for t in tlist]
    return _result(cells, "calendar", tlist, parts, _mean_of(parts, res.n_units))


_AGGREGATIONS: dict[Aggregation, Callable[[_Cells, float, float, int | None], AggregateResult]] = {
    "simple": _simple,
    "group": _group,
    "dynamic": _dynamic,
    "calendar": _calendar,
}
