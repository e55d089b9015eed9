"""ATT(g,t) with covariates: R ``did``'s 2x2 estimators cell by cell (``DRDID``), with
each cell's influence function kept sparse over the units of the cell.

Balanced panels use the panel estimators (``reg_did_panel``, ``drdid_panel``) on the
change of the outcome, covariates from the earlier of the two periods; unbalanced panels
(``allow_unbalanced_panel``) use the repeated cross-section estimators (``reg_did_rc``,
the locally efficient ``drdid_rc``) on the observed rows of the two periods, covariates
from each row's own period, and sum each unit's rows of the influence function, as R
does. Cells whose regression design is singular are left out (R reports them missing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from evaluation.did.staggered_data import Cells, Method, StaggeredPanel

_TRIM = 0.995


@dataclass(frozen=True, eq=False)
class SparseInfluence:
    """units x cells influence functions, nonzero only on each cell's units."""

    n_units: int
    cohorts: np.ndarray  # cohort values
    unit_cohort: np.ndarray  # index into ``cohorts`` per unit
    matrix: sparse.csc_matrix

    def cell_variances(self) -> np.ndarray:
        sq = self.matrix.multiply(self.matrix)
        return np.asarray(sq.sum(axis=0)).ravel() / self.n_units**2

    def cov(self, cells: np.ndarray, cohort_terms: np.ndarray) -> np.ndarray:
        """Covariance of psi_j = sum_k cells[j, k] psi_k + cohort_terms[j, cohort(i)]."""
        psi = np.asarray(self.matrix @ cells.T) + cohort_terms[:, self.unit_cohort].T
        return psi.T @ psi / self.n_units**2


def estimate(
    panel: StaggeredPanel, cells: Cells, cohorts: np.ndarray, est_method: Method
) -> tuple[np.ndarray, np.ndarray, SparseInfluence]:
    """ATT per cell, which cells are estimable, and the sparse influence functions."""
    unit_cohort = np.searchsorted(cohorts, panel.g)
    control = cells.controls(cohorts)
    cell_fn = _panel_cell if panel.balanced else _rc_cell
    att = np.zeros(len(cells))
    ok = np.ones(len(cells), dtype=bool)
    idx, vals, counts = [], [], []
    for k in range(len(cells)):
        if cells.reference[k]:
            counts.append(0)
            continue
        treated = unit_cohort == np.searchsorted(cohorts, cells.group[k])
        ctrl = control[k][unit_cohort]
        res = cell_fn(panel, treated, ctrl, int(cells.period[k]), int(cells.base[k]), est_method)
        if res is None:
            ok[k] = False
            continue
        att[k], units, psi = res
        idx.append(units), vals.append(psi), counts.append(len(units))
    indptr = np.r_[0, np.cumsum(counts)]
    matrix = sparse.csc_matrix(
        (_cat(vals, float), _cat(idx, np.int64), indptr), shape=(panel.n, len(counts))
    )
    return att, ok, SparseInfluence(panel.n, cohorts, unit_cohort, matrix)


def _cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)


_Cell = tuple[float, np.ndarray, np.ndarray] | None


def _panel_cell(
    panel: StaggeredPanel, treated: np.ndarray, control: np.ndarray, j: int, base: int, m: Method
) -> _Cell:
    """Panel 2x2 on the change from ``base`` to ``j`` (units: treated and controls)."""
    if not treated.any() or not control.any():
        return None
    units = np.flatnonzero(treated | control)
    dy = panel.y[units, j] - panel.y[units, base]
    x = _design(panel.x[units, min(j, base)])
    try:
        att, psi = _PANEL[m](dy, treated[units].astype(float), x)
    except np.linalg.LinAlgError:
        return None
    return att, units, panel.n / len(units) * psi


def _rc_cell(
    panel: StaggeredPanel, treated: np.ndarray, control: np.ndarray, j: int, base: int, m: Method
) -> _Cell:
    """Repeated cross-section 2x2 on the observed rows of periods ``j`` and ``base``."""
    units = np.flatnonzero(treated | control)
    obs = np.isfinite(panel.y[units][:, [j, base]])
    unit_rows = np.r_[units[obs[:, 0]], units[obs[:, 1]]]
    post = np.r_[np.ones(obs[:, 0].sum()), np.zeros(obs[:, 1].sum())]
    d = treated[unit_rows].astype(float)
    if min((d * post).sum(), (d * (1 - post)).sum()) == 0 or ((1 - d) * post).sum() == 0:
        return None
    if ((1 - d) * (1 - post)).sum() == 0:
        return None
    period = np.where(post == 1, j, base)
    y = panel.y[unit_rows, period]
    x = _design(panel.x[unit_rows, period])
    try:
        att, psi = _RC[m](y, post, d, x)
    except np.linalg.LinAlgError:
        return None
    summed, inverse = np.unique(unit_rows, return_inverse=True)
    per_unit = np.bincount(inverse, weights=panel.n / len(unit_rows) * psi)
    return att, summed, per_unit


def _design(x: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(len(x)), x])


def _ols(y: np.ndarray, x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS of y on x over the rows with weight w (0/1): fitted values for every row and
    the coefficients' asymptotic linear representation (rows x k), as DRDID."""
    n = len(y)
    xtx = (w[:, None] * x).T @ x
    if np.linalg.cond(xtx) > 1 / np.finfo(float).eps:
        raise np.linalg.LinAlgError("singular regression design")
    coef = np.linalg.solve(xtx, (w[:, None] * x).T @ y)
    fitted = x @ coef
    return fitted, (w * (y - fitted))[:, None] * x @ np.linalg.inv(xtx / n)


def _reg_panel(dy: np.ndarray, d: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Outcome-regression DiD for panel data (``DRDID::reg_did_panel``)."""
    fitted, lin_rep = _ols(dy, x, 1.0 - d)
    mean_d = d.mean()
    att_treat, att_cont = d * dy, d * fitted
    eta_treat, eta_cont = att_treat.mean() / mean_d, att_cont.mean() / mean_d
    inf_treat = (att_treat - d * eta_treat) / mean_d
    m1 = (d[:, None] * x).mean(axis=0)
    inf_cont = (att_cont - d * eta_cont + lin_rep @ m1) / mean_d
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def _dr_panel(dy: np.ndarray, d: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Doubly robust DiD for panel data (``DRDID::drdid_panel``): logit propensity and
    outcome regression on the controls, with R's trimming of controls with ps >= 0.995."""
    n = len(dy)
    coef, cov = _logit(d, x)
    ps = np.minimum(1.0 / (1.0 + np.exp(-(x @ coef))), 1 - 1e-6)
    keep = np.where(d == 1, ps < 1.01, ps < _TRIM)
    fitted, lin_rep_ols = _ols(dy, x, 1.0 - d)
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


def _reg_rc(
    y: np.ndarray, post: np.ndarray, d: np.ndarray, x: np.ndarray
) -> tuple[float, np.ndarray]:
    """Outcome-regression DiD for repeated cross sections (``DRDID::reg_did_rc``)."""
    fit_pre, rep_pre = _ols(y, x, (1 - d) * (1 - post))
    fit_post, rep_post = _ols(y, x, (1 - d) * post)
    w_pre, w_post = d * (1 - post), d * post
    eta_pre = (w_pre * y).mean() / w_pre.mean()
    eta_post = (w_post * y).mean() / w_post.mean()
    reg_cont = d * (fit_post - fit_pre)
    eta_cont = reg_cont.mean() / d.mean()
    inf_treat = w_post * (y - eta_post) / w_post.mean() - w_pre * (y - eta_pre) / w_pre.mean()
    m1 = (d[:, None] * x).mean(axis=0)
    inf_cont = (reg_cont - d * eta_cont + (rep_post - rep_pre) @ m1) / d.mean()
    return float((eta_post - eta_pre) - eta_cont), inf_treat - inf_cont


@dataclass(frozen=True, eq=False)
class _RcFits:
    """The nuisance fits of ``drdid_rc``: propensity and the four outcome regressions
    (fitted values for every row and asymptotic linear representations)."""

    ps: np.ndarray
    rep_ps: np.ndarray
    keep: np.ndarray
    cont: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]  # pre, post
    treat: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

    @classmethod
    def fit(cls, y: np.ndarray, post: np.ndarray, d: np.ndarray, x: np.ndarray) -> _RcFits:
        n = len(y)
        coef, _ = _logit(d, x)
        ps = np.minimum(1.0 / (1.0 + np.exp(-(x @ coef))), 1 - 1e-6)
        hessian = np.linalg.inv((x * (ps * (1 - ps))[:, None]).T @ x) * n
        return cls(
            ps=ps,
            rep_ps=((d - ps)[:, None] * x) @ hessian,
            keep=np.where(d == 1, ps < 1.01, ps < _TRIM).astype(float),
            cont=(_ols(y, x, (1 - d) * (1 - post)), _ols(y, x, (1 - d) * post)),
            treat=(_ols(y, x, d * (1 - post)), _ols(y, x, d * post)),
        )


def _mean_ratio(w: np.ndarray, v: np.ndarray) -> float:
    return float((w * v).mean() / w.mean())


def _dr_rc(
    y: np.ndarray, post: np.ndarray, d: np.ndarray, x: np.ndarray
) -> tuple[float, np.ndarray]:
    """Locally efficient doubly robust DiD for repeated cross sections
    (``DRDID::drdid_rc``), term by term as in R."""
    f = _RcFits.fit(y, post, d, x)
    (fc_pre, rc_pre), (fc_post, rc_post) = f.cont
    (ft_pre, rt_pre), (ft_post, rt_post) = f.treat
    odds = f.keep * f.ps * (1 - d) / (1 - f.ps)
    w = {
        "t_pre": f.keep * d * (1 - post),
        "t_post": f.keep * d * post,
        "c_pre": odds * (1 - post),
        "c_post": odds * post,
        "d": f.keep * d,
    }
    resid = y - (post * fc_post + (1 - post) * fc_pre)
    gap_post, gap_pre = ft_post - fc_post, ft_pre - fc_pre
    att = {k: _mean_ratio(w[k], resid) for k in ("t_pre", "t_post", "c_pre", "c_post")}
    att["d_post"], att["dt1"] = _mean_ratio(w["d"], gap_post), _mean_ratio(w["t_post"], gap_post)
    att["d_pre"], att["dt0"] = _mean_ratio(w["d"], gap_pre), _mean_ratio(w["t_pre"], gap_pre)
    est = (
        (att["t_post"] - att["t_pre"])
        - (att["c_post"] - att["c_pre"])
        + (att["d_post"] - att["dt1"])
        - (att["d_pre"] - att["dt0"])
    )

    def lead(wk: np.ndarray, v: np.ndarray, a: float) -> np.ndarray:
        return wk * (v - a) / wk.mean()

    def slope(wk: np.ndarray, v: np.ndarray | float = 1.0) -> np.ndarray:
        return ((wk * v)[:, None] * x).mean(axis=0) / wk.mean()

    inf_treat = (
        lead(w["t_post"], resid, att["t_post"])
        - lead(w["t_pre"], resid, att["t_pre"])
        - rc_post @ slope(w["t_post"], post)
        - rc_pre @ slope(w["t_pre"], 1 - post)
    )
    m2 = slope(w["c_post"], resid - att["c_post"]) - slope(w["c_pre"], resid - att["c_pre"])
    inf_cont = (
        lead(w["c_post"], resid, att["c_post"])
        - lead(w["c_pre"], resid, att["c_pre"])
        + f.rep_ps @ m2
        - rc_post @ slope(w["c_post"], post)
        - rc_pre @ slope(w["c_pre"], 1 - post)
    )
    inf_eff = (lead(w["d"], gap_post, att["d_post"]) - lead(w["t_post"], gap_post, att["dt1"])) - (
        lead(w["d"], gap_pre, att["d_pre"]) - lead(w["t_pre"], gap_pre, att["dt0"])
    )
    mom_post = slope(w["d"]) - slope(w["t_post"])
    mom_pre = slope(w["d"]) - slope(w["t_pre"])
    inf_or = (rt_post - rc_post) @ mom_post - (rt_pre - rc_pre) @ mom_pre
    return float(est), inf_treat - inf_cont + inf_eff + inf_or


_Estimator = Callable[..., tuple[float, np.ndarray]]
_PANEL: dict[Method, _Estimator] = {"reg": _reg_panel, "dr": _dr_panel}
_RC: dict[Method, _Estimator] = {"reg": _reg_rc, "dr": _dr_rc}
