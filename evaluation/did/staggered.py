"""Callaway & Sant'Anna (2021) group-time average treatment effects for staggered adoption.

The standard unmatched estimator beside the matched event study: for every treatment
cohort ``g`` (first period treated; 0 = never treated) and period ``t`` it compares the
change in the outcome of cohort ``g`` between a base period and ``t`` with the change of
a control group (never treated, or not yet treated by ``t``), and aggregates the ATT(g,t)
into simple, group, dynamic (event-time) and calendar summaries.

Follows the R package ``did`` (``att_gt`` with ``bstrap=FALSE`` and ``aggte``) for
balanced panels: the same base periods (``"varying"``: consecutive periods before
treatment, the last pre-treatment period after; ``"universal"``: always the last
pre-treatment period), the same control groups, outcome regression (``"reg"``, as
``DRDID::reg_did_panel``) or doubly robust (``"dr"``, as ``DRDID::drdid_panel``)
estimation, and analytic standard errors from the influence functions, including the
estimation effect of the aggregation weights. Without covariates both methods are the
difference of mean changes. Pure numpy on a unit × period matrix; the loop is over
(g, t) cells only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

ControlGroup = Literal["never_treated", "not_yet_treated"]
Method = Literal["reg", "dr"]
BasePeriod = Literal["varying", "universal"]
Aggregation = Literal["simple", "group", "dynamic", "calendar"]


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AggregateResult:
    """An aggregation of ATT(g,t): per label (cohort, event time or period) and overall."""

    kind: Aggregation
    labels: np.ndarray
    att: np.ndarray
    se: np.ndarray
    overall_att: float
    overall_se: float
    level: float = 0.95

    def tidy(self) -> pd.DataFrame:
        """One row per label plus an overall row (``label`` null)."""
        z = stats.norm.ppf(0.5 + self.level / 2)
        att = np.append(self.att, self.overall_att)
        se = np.append(self.se, self.overall_se)
        labels = pd.array([*self.labels.tolist(), None], dtype="Int64")
        with np.errstate(divide="ignore", invalid="ignore"):
            p = 2 * stats.norm.sf(np.abs(att / se))
        return pd.DataFrame(
            {
                "aggregation": self.kind,
                "label": labels,
                "estimate": att,
                "std_error": se,
                "ci_low": att - z * se,
                "ci_high": att + z * se,
                "p_value": p,
            }
        )


@dataclass(frozen=True, eq=False)
class ATTgtResult:
    """ATT(g,t) per cell with its influence function (units × cells)."""

    groups: np.ndarray  # cohort of each cell
    times: np.ndarray  # period of each cell
    att: np.ndarray
    influence: np.ndarray  # n_units × n_cells
    unit_group: np.ndarray  # cohort of each unit (0 = never treated)
    control_group: ControlGroup
    level: float = 0.95

    @property
    def n_units(self) -> int:
        return int(self.influence.shape[0])

    @property
    def se(self) -> np.ndarray:
        return _se(self.influence)

    def tidy(self) -> pd.DataFrame:
        """One row per (group, time) cell."""
        z = stats.norm.ppf(0.5 + self.level / 2)
        se = self.se
        with np.errstate(divide="ignore", invalid="ignore"):
            p = 2 * stats.norm.sf(np.abs(self.att / se))
        return pd.DataFrame(
            {
                "group": self.groups,
                "time": self.times,
                "event_time": self.times - self.groups,
                "att": self.att,
                "std_error": se,
                "ci_low": self.att - z * se,
                "ci_high": self.att + z * se,
                "p_value": p,
            }
        )

    def aggregate(
        self,
        kind: Aggregation,
        *,
        min_e: float = -np.inf,
        max_e: float = np.inf,
    ) -> AggregateResult:
        """Aggregate as R ``aggte(type=kind)`` with analytic standard errors."""
        return _AGGREGATIONS[kind](self, min_e, max_e)


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
    anticipation: int = 0,
    level: float = 0.95,
) -> ATTgtResult:
    """Group-time ATTs on a balanced panel in long form.

    ``group`` is the first period a unit is treated, 0 for never treated. Covariates are
    taken from each cell's base period. Units treated in the first period (or within
    ``anticipation`` of it) have no pre-period and are dropped, as in R ``did``.
    """
    if control_group not in ("never_treated", "not_yet_treated"):
        raise ValueError(f"control_group must be never_treated or not_yet_treated: {control_group}")
    if est_method not in ("reg", "dr"):
        raise ValueError(f"est_method must be reg or dr, not {est_method!r}")
    panel = _Panel.from_long(data, y=y, t=t, unit=unit, group=group, covariates=covariates)
    first = panel.periods[0]
    keep = ~((panel.g > 0) & (panel.g <= first + anticipation))
    panel = panel.subset(keep)
    cells_g, cells_t, atts, infs = [], [], [], []
    glist = np.unique(panel.g[panel.g > 0])
    periods = panel.periods
    offset = 1 if base_period == "varying" else 0
    for g in glist:
        pre = np.flatnonzero(periods + anticipation < g)
        if pre.size == 0:
            continue
        last_pre = int(pre[-1])
        for j in range(offset, len(periods)):
            base = j - 1 if base_period == "varying" else last_pre
            if periods[j] >= g - anticipation:  # post-treatment: compare with last pre-period
                base = last_pre
            if j == base:  # universal base period itself: zero by construction
                cells_g.append(g), cells_t.append(periods[j])
                atts.append(0.0), infs.append(np.zeros(panel.n))
                continue
            att, inf = _cell(panel, g, j, base, control_group, anticipation, est_method)
            if att is None:
                continue
            cells_g.append(g), cells_t.append(periods[j])
            atts.append(att), infs.append(inf)
    return ATTgtResult(
        groups=np.asarray(cells_g),
        times=np.asarray(cells_t),
        att=np.asarray(atts, dtype=float),
        influence=np.column_stack(infs) if infs else np.zeros((panel.n, 0)),
        unit_group=panel.g,
        control_group=control_group,
        level=level,
    )


@dataclass(frozen=True, eq=False)
class _Panel:
    periods: np.ndarray
    y: np.ndarray  # units × periods
    g: np.ndarray  # cohort per unit
    x: np.ndarray | None  # units × periods × covariates

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    def subset(self, keep: np.ndarray) -> _Panel:
        x = None if self.x is None else self.x[keep]
        return _Panel(self.periods, self.y[keep], self.g[keep], x)

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
        if frame[[y, t, group, *covariates]].isna().any().any():
            raise ValueError("att_gt: missing values in the outcome, time, group or covariates")
        units, u_idx = np.unique(frame[unit].to_numpy(), return_inverse=True)
        periods, t_idx = np.unique(frame[t].to_numpy(), return_inverse=True)
        n, n_t = len(units), len(periods)
        if len(frame) != n * n_t or np.unique(u_idx * n_t + t_idx).size != len(frame):
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
        return cls(periods.astype(float), ymat, g, x)


def _cell(
    panel: _Panel,
    g: float,
    j: int,
    base: int,
    control_group: ControlGroup,
    anticipation: int,
    method: Method,
) -> tuple[float | None, np.ndarray]:
    treated = panel.g == g
    if control_group == "never_treated":
        control = panel.g == 0
    else:
        later = panel.periods[max(j, base)] + anticipation
        control = (panel.g == 0) | ((panel.g > later) & ~treated)
    sub = treated | control
    n1 = int(sub.sum())
    if treated.sum() == 0 or control.sum() == 0:
        return None, np.zeros(panel.n)
    dy = panel.y[sub, j] - panel.y[sub, base]
    d = treated[sub].astype(float)
    if panel.x is None:
        xmat = np.ones((n1, 1))
    else:
        xmat = np.column_stack([np.ones(n1), panel.x[sub, base]])
    estimator = _reg_panel if method == "reg" or panel.x is None else _dr_panel
    att, psi = estimator(dy, d, xmat)
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
    xtx_inv = np.linalg.inv(xtx / n)
    lin_rep = (w * (dy - fitted))[:, None] * x @ xtx_inv
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
    outcome regression on the controls, with R's trimming of controls with ps > trim."""
    n = len(dy)
    coef, hessian_inv = _logit(d, x)
    ps = np.minimum(1.0 / (1.0 + np.exp(-(x @ coef))), 1 - 1e-6)
    keep = np.where(d == 1, ps < 1.01, ps < trim)
    fitted, lin_rep_ols = _ols_control(dy, d, x)
    w_treat = keep * d
    w_cont = keep * ps * (1 - d) / (1 - ps)
    resid = dy - fitted
    att_treat, att_cont = w_treat * resid, w_cont * resid
    eta_treat = att_treat.mean() / w_treat.mean()
    eta_cont = att_cont.mean() / w_cont.mean()
    lin_rep_ps = ((d - ps)[:, None] * x) @ (hessian_inv * n)
    inf_treat = att_treat - w_treat * eta_treat - lin_rep_ols @ (w_treat[:, None] * x).mean(0)
    inf_treat /= w_treat.mean()
    m2 = (w_cont * (resid - eta_cont))[:, None] * x
    inf_cont = (
        att_cont
        - w_cont * eta_cont
        + lin_rep_ps @ m2.mean(axis=0)
        - lin_rep_ols @ (w_cont[:, None] * x).mean(axis=0)
    ) / w_cont.mean()
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


# --- aggregation ----------------------------------------------------------------------------


def _se(inf: np.ndarray) -> np.ndarray:
    n = inf.shape[0]
    return np.sqrt((inf**2).mean(axis=0) / n)


def _group_shares(res: ATTgtResult) -> np.ndarray:
    """P(G = g) over all units, for each cell's cohort."""
    glist, counts = np.unique(res.unit_group, return_counts=True)
    share = dict(zip(glist, counts / res.n_units, strict=True))
    return np.array([share[g] for g in res.groups])


def _weight_if(res: ATTgtResult, keep: np.ndarray, pg: np.ndarray) -> np.ndarray:
    """Influence of estimating the aggregation weights P(G=g) (R ``did:::wif``)."""
    is_g = (res.unit_group[:, None] == res.groups[keep][None, :]).astype(float)
    centred = is_g - pg[keep][None, :]
    total = pg[keep].sum()
    return centred / total - centred.sum(axis=1, keepdims=True) * (pg[keep] / total**2)[None, :]


def _weighted(res: ATTgtResult, keep: np.ndarray, pg: np.ndarray) -> tuple[float, np.ndarray]:
    """Cohort-size weighted mean of the kept cells and its influence function."""
    w = pg[keep] / pg[keep].sum()
    att = float(res.att[keep] @ w)
    inf = res.influence[:, keep] @ w + _weight_if(res, keep, pg) @ res.att[keep]
    return att, inf


def _event_window(res: ATTgtResult, min_e: float, max_e: float) -> np.ndarray:
    e = res.times - res.groups
    return (e >= min_e) & (e <= max_e)


def _simple(res: ATTgtResult, min_e: float, max_e: float) -> AggregateResult:
    pg = _group_shares(res)
    keep = np.flatnonzero((res.groups <= res.times) & (res.times <= res.groups + max_e))
    att, inf = _weighted(res, keep, pg)
    se = float(_se(inf[:, None])[0])
    return AggregateResult("simple", np.array([]), np.array([]), np.array([]), att, se, res.level)


def _group(res: ATTgtResult, min_e: float, max_e: float) -> AggregateResult:
    pg = _group_shares(res)
    glist = np.unique(res.groups)
    atts, infs = [], []
    for g in glist:
        keep = np.flatnonzero(
            (res.groups == g) & (g <= res.times) & (res.times <= res.groups + max_e)
        )
        w = pg[keep] / pg[keep].sum()
        atts.append(float(res.att[keep].mean()))
        infs.append(res.influence[:, keep] @ w)
    att_g, inf_g = np.asarray(atts), np.column_stack(infs)
    share = np.array([np.mean(res.unit_group == g) for g in glist])
    w = share / share.sum()
    centred = (res.unit_group[:, None] == glist[None, :]).astype(float) - share[None, :]
    wif = centred / share.sum() - centred.sum(axis=1, keepdims=True) * (share / share.sum() ** 2)
    inf = inf_g @ w + wif @ att_g
    overall = float(att_g @ w)
    return AggregateResult(
        "group", glist, att_g, _se(inf_g), overall, float(_se(inf[:, None])[0]), res.level
    )


def _dynamic(res: ATTgtResult, min_e: float, max_e: float) -> AggregateResult:
    pg = _group_shares(res)
    e_cell = res.times - res.groups
    eseq = np.unique(e_cell)
    eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
    atts, infs = [], []
    for e in eseq:
        att, inf = _weighted(res, np.flatnonzero(e_cell == e), pg)
        atts.append(att)
        infs.append(inf)
    att_e, inf_e = np.asarray(atts), np.column_stack(infs)
    post = eseq >= 0
    overall_inf = inf_e[:, post].mean(axis=1)
    return AggregateResult(
        "dynamic",
        eseq,
        att_e,
        _se(inf_e),
        float(att_e[post].mean()),
        float(_se(overall_inf[:, None])[0]),
        res.level,
    )


def _calendar(res: ATTgtResult, min_e: float, max_e: float) -> AggregateResult:
    pg = _group_shares(res)
    tlist = np.unique(res.times)
    tlist = tlist[tlist >= res.groups.min()]
    atts, infs = [], []
    for t1 in tlist:
        att, inf = _weighted(res, np.flatnonzero((res.times == t1) & (res.groups <= t1)), pg)
        atts.append(att)
        infs.append(inf)
    att_t, inf_t = np.asarray(atts), np.column_stack(infs)
    overall_inf = inf_t.mean(axis=1)
    return AggregateResult(
        "calendar",
        tlist,
        att_t,
        _se(inf_t),
        float(att_t.mean()),
        float(_se(overall_inf[:, None])[0]),
        res.level,
    )


_AGGREGATIONS = {"simple": _simple, "group": _group, "dynamic": _dynamic, "calendar": _calendar}
