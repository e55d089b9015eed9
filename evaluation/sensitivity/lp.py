"""The two linear programmes of the ARP test, solved many times with a changing right-hand
side or objective: warm-started HiGHS models.

The ARP test solves the same programme for 1000 simulated draws and for every grid value
of θ; through ``scipy.optimize.linprog`` each solve costs about 5-10 ms of set-up, through
a HiGHS model kept between solves (only the bounds or costs change, the last basis is the
start) about 1 ms. The model is scipy's own HiGHS binding (``scipy.optimize._highspy``,
the one ``linprog`` uses; scipy is pinned); where it cannot be imported, ``linprog`` is
used instead, with the same answers (a test compares both).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

try:  # scipy's HiGHS binding (private module, silent unlike the highspy package)
    from scipy.optimize._highspy import _core as _hs
except ImportError:  # pragma: no cover - the linprog path below is tested directly
    _hs = None


def _model(cost: np.ndarray, matrix: np.ndarray, col_bounds, row_bounds):
    inf = _hs.kHighsInf
    lp = _hs.HighsLp()
    n_row, n_col = matrix.shape
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.where(np.isinf(col_bounds[0]), -inf, col_bounds[0])
    lp.col_upper_ = np.where(np.isinf(col_bounds[1]), inf, col_bounds[1])
    lp.row_lower_ = np.where(np.isinf(row_bounds[0]), -inf, row_bounds[0])
    lp.row_upper_ = np.where(np.isinf(row_bounds[1]), inf, row_bounds[1])
    lp.a_matrix_.format_ = _hs.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.arange(0, n_row * n_col + 1, n_col, dtype=np.int32)
    lp.a_matrix_.index_ = np.tile(np.arange(n_col, dtype=np.int32), n_row)
    lp.a_matrix_.value_ = np.ascontiguousarray(matrix, dtype=float).ravel()
    h = _hs._Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")
    h.passModel(lp)
    return h


class EtaLp:
    """η̂(y) = min η s.t. y - X τ̃ <= η sd, with the dual solution γ̂ (γ >= 0, γ'sd = 1,
    X'γ = 0, η̂ = γ̂'y)."""

    def __init__(self, x: np.ndarray, sd: np.ndarray, *, warm: bool = True) -> None:
        self.x, self.sd = np.asarray(x, float), np.asarray(sd, float)
        self.k, self.m = self.x.shape[1], len(self.sd)
        self.matrix = np.column_stack([-self.sd, -self.x])
        self.cost = np.r_[1.0, np.zeros(self.k)]
        self._h = None
        if warm and _hs is not None:
            free = (np.full(self.k + 1, -np.inf), np.full(self.k + 1, np.inf))
            rows = (np.full(self.m, -np.inf), np.zeros(self.m))
            self._h = _model(self.cost, self.matrix, free, rows)
            self._lower = -_hs.kHighsInf

    def solve(self, y: np.ndarray) -> tuple[float, np.ndarray] | None:
        if self._h is None:
            res = optimize.linprog(
                self.cost, A_ub=self.matrix, b_ub=-y, bounds=[(None, None)] * (self.k + 1),
                method="highs",
            )  # fmt: skip
            if res.status != 0:
                return None
            return float(res.x[0]), -np.asarray(res.ineqlin.marginals)
        h, lower = self._h, self._lower
        for i, v in enumerate(-np.asarray(y, dtype=float)):
            h.changeRowBounds(i, lower, float(v))
        h.run()
        if h.getModelStatus() != _hs.HighsModelStatus.kOptimal:
            return None
        sol = h.getSolution()
        return float(sol.col_value[0]), -np.asarray(sol.row_dual)


class VertexLp:
    """max γ'c over γ >= 0, γ'sd = 1, X'γ = 0 (the dual of :class:`EtaLp`): value and
    optimal vertex."""

    def __init__(self, x: np.ndarray, sd: np.ndarray, *, warm: bool = True) -> None:
        self.sd = np.asarray(sd, float)
        self.m = len(self.sd)
        self.a_eq = np.vstack([self.sd, np.asarray(x, float).T])
        self.b_eq = np.zeros(len(self.a_eq))
        self.b_eq[0] = 1.0
        self._h = None
        if warm and _hs is not None:
            cols = (np.zeros(self.m), np.full(self.m, np.inf))
            self._h = _model(np.zeros(self.m), self.a_eq, cols, (self.b_eq, self.b_eq))
            self._cols = np.arange(self.m, dtype=np.int32)

    def solve(self, c: np.ndarray) -> tuple[float, np.ndarray] | None:
        if self._h is None:
            res = optimize.linprog(
                -c, A_eq=self.a_eq, b_eq=self.b_eq, bounds=[(0, None)] * self.m, method="highs"
            )
            if res.status != 0:
                return None
            return -float(res.fun), np.asarray(res.x)
        h = self._h
        h.changeColsCost(self.m, self._cols, -np.asarray(c, dtype=float))
        h.run()
        if h.getModelStatus() != _hs.HighsModelStatus.kOptimal:
            return None
        gamma = np.asarray(h.getSolution().col_value)
        return float(gamma @ c), gamma
