"""ATT(g,t) without covariates whose controls must also be eligible for the cohort:
the comparison group of cohort g is the units not yet treated (as in R ``did``) that
meet an eligibility rule at g, e.g. an offer's target-group rule in its start month.

This equals R ``did``'s outcome regression (``reg``) with one binary covariate, "eligible
at g", taken from the base period: the treated are all eligible, so the regression's
prediction for them is the mean change of the eligible controls, and its influence
function is that of the difference of means with the eligible controls only (R takes a
pre-period cell's covariates from the earlier period instead; here eligibility at g
holds for every cell of cohort g).

A unit can be an eligible control for several cohorts, so its influence on an
aggregation sums roles across cohorts and per-cohort moments no longer suffice. The
influence functions are therefore aggregated directly, streaming over the units block by
block: one pass for the cells' sums, one for the cells' variances, one per aggregation
(its covariance). Memory is O(block x periods) plus O(cells x cohorts); nothing of size
units x cells is formed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from evaluation.did.staggered_data import Cells, Method
from evaluation.did.staggered_moments import CellAlgebra

Reader = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True, eq=False)
class Source:
    """The units' outcome and eligibility, read block by block in cohort order.

    ``read(units)``: units x periods outcome, NaN where unobserved; ``eligible(units)``:
    units x treated cohorts (the order of ``Cells`` cohorts) booleans."""

    read: Reader
    eligible: Reader
    unit_cohort: np.ndarray  # index into the cohort list
    n_cohorts: int
    chunk: int

    def blocks(self) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """(own cohort, z = (y o, o), eligibility) per block of units."""
        order = np.argsort(self.unit_cohort, kind="stable")
        bounds = np.searchsorted(self.unit_cohort[order], np.arange(self.n_cohorts + 1))
        for c in range(self.n_cohorts):
            for lo in range(bounds[c], bounds[c + 1], self.chunk):
                idx = order[lo : min(lo + self.chunk, bounds[c + 1])]
                y = self.read(idx)
                obs = np.isfinite(y)
                yield c, np.hstack([np.where(obs, y, 0.0), obs.astype(float)]), self.eligible(idx)


@dataclass(frozen=True, eq=False)
class StreamingInfluence:
    """The cells' influence functions, evaluated unit block by unit block."""

    n_units: int
    cohorts: np.ndarray  # cohort values (unit cohort index)
    source: Source
    dim: int  # columns of z: 2 x periods
    cell_cohort: np.ndarray  # treated cohort of each cell, index into ``cohorts``
    cell_scope: np.ndarray  # treated cohort of each cell, eligibility column
    control: np.ndarray  # cells x cohorts: own cohorts not yet treated
    alg: CellAlgebra  # of the estimable cells only

    @property
    def n_treated(self) -> np.ndarray:
        return self.alg.n_treated

    @property
    def n_control(self) -> np.ndarray:
        return self.alg.n_control

    def _scoped(self, c: int) -> dict[int, np.ndarray]:
        """Per eligibility column: the cells in which eligible units of cohort c are
        controls."""
        cells = np.flatnonzero(self.control[:, c])
        return {
            int(g): cells[self.cell_scope[cells] == g] for g in np.unique(self.cell_scope[cells])
        }

    def cell_variances(self) -> np.ndarray:
        out = np.zeros(len(self.cell_cohort))
        pos = self.alg.pos
        for c, z, elig in self.source.blocks():
            own = np.flatnonzero(self.cell_cohort == c)
            out[own] += _squares(z, pos[own], self.alg.treated_coef[own])
            for g, cells in self._scoped(c).items():
                rows = elig[:, g]
                out[cells] += _squares(z[rows], pos[cells], self.alg.control_coef[cells])
        return out / self.n_units**2

    def cov(self, weights: np.ndarray, cohort_terms: np.ndarray) -> np.ndarray:
        """sum_i psi_j psi_l / n^2, psi_j = sum_k weights[j, k] psi_k + cohort_terms[j, c_i]."""
        out = np.zeros((len(weights), len(weights)))
        dim = self.dim
        cache: dict[tuple[int, int], np.ndarray] = {}
        for c, z, elig in self.source.blocks():
            if (c, -1) not in cache:
                own = self.cell_cohort == c
                cache[c, -1] = _combined(weights, own, self.alg.pos, self.alg.treated_coef, dim)
                for g, cells in self._scoped(c).items():
                    mask = np.zeros(len(own), dtype=bool)
                    mask[cells] = True
                    cache[c, g] = _combined(weights, mask, self.alg.pos, self.alg.control_coef, dim)
            psi = z @ cache[c, -1].T + cohort_terms[:, c]
            for g in self._scoped(c):
                rows = elig[:, g]
                psi[rows] += z[rows] @ cache[c, g].T
            out += psi.T @ psi
        return out / self.n_units**2


def _squares(z: np.ndarray, pos: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """Per cell: the sum over these units of (coef . z[pos])^2."""
    if len(pos) == 0 or len(z) == 0:
        return np.zeros(len(pos))
    psi = sum(z[:, pos[:, p]] * coef[:, p] for p in range(4))
    return (psi**2).sum(axis=0)


def _combined(
    weights: np.ndarray, cells: np.ndarray, pos: np.ndarray, coef: np.ndarray, dim: int
) -> np.ndarray:
    """combinations x dim: sum over the given cells of weights[:, k] times the cell's
    coefficients placed at its columns."""
    k = np.flatnonzero(cells)
    rows = np.repeat(np.arange(len(k)), 4)
    q = sparse.csr_matrix((coef[k].ravel(), (rows, pos[k].ravel())), shape=(len(k), dim))
    return np.asarray((q.T @ weights[:, k].T).T)


def estimate(
    source: Source,
    cells: Cells,
    cohorts: np.ndarray,
    n_units: int,
    est_method: Method,
) -> tuple[np.ndarray, np.ndarray, StreamingInfluence]:
    """ATT per cell, which cells are estimable, and their influence functions.
    ``source.read`` returns exactly the periods of ``cells``."""
    groups = np.unique(cells.group)
    dim = 2 * len(cells.periods)
    own_sum = np.zeros((len(cohorts), dim))
    scoped_sum = np.zeros((len(groups), len(cohorts), dim))
    for c, z, elig in source.blocks():
        own_sum[c] += z.sum(axis=0)
        scoped_sum[:, c] += elig.T.astype(float) @ z
    treated = np.searchsorted(cohorts, cells.group)
    scope = np.searchsorted(groups, cells.group)
    control = cells.controls(cohorts)
    control_sum = np.einsum("kc,kcd->kd", control, scoped_sum[scope])
    alg = CellAlgebra.of(own_sum[treated], control_sum, cells, n_units, est_method)
    ok = alg.ok
    kept = CellAlgebra(
        alg.att[ok],
        ok[ok],
        alg.pos[ok],
        alg.treated_coef[ok],
        alg.control_coef[ok],
        alg.n_treated[ok],
        alg.n_control[ok],
    )
    influence = StreamingInfluence(
        n_units, cohorts, source, dim, treated[ok], scope[ok], control[ok], kept
    )
    return alg.att, ok, influence
