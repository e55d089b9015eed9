"""ATT(g,t) without covariates from per-cohort moments: the register-scale path.

Without covariates every 2x2 estimator of R ``did`` (``reg`` and ``dr``, panel and
repeated cross-section alike) is the difference of four means,

    ATT(g,t) = (mean_T[t] - mean_T[b]) - (mean_C[t] - mean_C[b]),

the means over the treated (cohort g) and control units observed in period t and base
period b. Its unit-level influence function (R's, after the ``n / n1`` rescaling and,
for an unbalanced panel, the sum over the unit's two rows) is

    psi_i = n * T_i * ((y_i[t] - mean_T[t]) o_i[t] / N_T[t] - (y_i[b] - mean_T[b]) o_i[b] / N_T[b])
          - n * C_i * (the same with the control means and counts),

with o_i[s] = 1 when unit i is observed in period s and N the observed counts. In a
balanced panel (o = 1) this is R's panel influence function n * (T_i (dy_i - m_T) / n_T
- C_i (dy_i - m_C) / n_C); with holes it is R's ``allow_unbalanced_panel`` one
(``DRDID::reg_did_rc`` / ``drdid_rc`` on the observed rows, summed per unit).

psi_i is linear in z_i = (y_i o_i, o_i) with coefficients that depend only on unit i's
cohort, and so is every aggregation of ATT(g,t) (R's weight influence ``wif`` depends on
the cohort only too). So the covariance of any set of aggregated estimates needs, per
cohort, only the count, mean and centred cross-products of z: no units x cells
influence matrix is ever formed. Units fully observed (o = 1) are kept apart so their
moments are T x T rather than 2T x 2T.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from evaluation.did.staggered_data import Cells, Method

CHUNK = 1 << 16  # units per block when accumulating moments
_TRIM = 0.995  # DRDID: controls with propensity >= this are trimmed (dr only)


@dataclass(frozen=True, eq=False)
class Moments:
    """Per stratum (cohort x fully observed or not): count, mean and centred
    cross-products of z = (y * o, o) over 2T columns."""

    n_periods: int
    stratum_cohort: np.ndarray  # index into the cohort list
    count: np.ndarray
    mean: np.ndarray  # strata x 2T
    gram: np.ndarray  # strata x 2T x 2T

    def cohort_sums(self, n_cohorts: int) -> tuple[np.ndarray, np.ndarray]:
        """Per cohort and period: sum of the observed outcomes, number observed."""
        sums = np.zeros((n_cohorts, 2 * self.n_periods))
        np.add.at(sums, self.stratum_cohort, self.count[:, None] * self.mean)
        return sums[:, : self.n_periods], sums[:, self.n_periods :]


class _Running:
    """Count, mean and centred cross-products merged block by block (Chan et al.)."""

    def __init__(self, dim: int) -> None:
        self.n, self.mean, self.gram = 0, np.zeros(dim), np.zeros((dim, dim))

    def add(self, z: np.ndarray) -> None:
        m = len(z)
        if m == 0:
            return
        mean_b = z.mean(axis=0)
        zc = z - mean_b
        gram_b = zc.T @ zc
        delta = mean_b - self.mean
        total = self.n + m
        self.gram += gram_b + np.outer(delta, delta) * (self.n * m / total)
        self.mean = self.mean + delta * (m / total)
        self.n = total


def accumulate(
    values: Callable[[np.ndarray], np.ndarray],
    unit_cohort: np.ndarray,
    n_cohorts: int,
    n_periods: int,
    *,
    chunk: int = CHUNK,
) -> Moments:
    """Moments of every cohort. ``values(units)`` returns those units' outcomes
    (len(units) x n_periods, NaN where not observed); it is called block by block, so
    the outcome of all units is never held at once."""
    order = np.argsort(unit_cohort, kind="stable")
    bounds = np.searchsorted(unit_cohort[order], np.arange(n_cohorts + 1))
    t = n_periods
    strata, counts, means, grams = [], [], [], []
    for c in range(n_cohorts):
        full, holes = _Running(t), _Running(2 * t)
        for lo in range(bounds[c], bounds[c + 1], chunk):
            y = values(order[lo : min(lo + chunk, bounds[c + 1])])
            obs = np.isfinite(y)
            complete = obs.all(axis=1)
            full.add(y[complete])
            part = ~complete
            holes.add(np.hstack([np.where(obs[part], y[part], 0.0), obs[part].astype(float)]))
        for run, embed in ((full, True), (holes, False)):
            if run.n:
                mean, gram = _embed(run.mean, run.gram, t) if embed else (run.mean, run.gram)
                strata.append(c), counts.append(run.n), means.append(mean), grams.append(gram)
    return Moments(
        t,
        np.array(strata, dtype=np.int64),
        np.array(counts, dtype=float),
        np.array(means).reshape(-1, 2 * t),
        np.array(grams).reshape(-1, 2 * t, 2 * t),
    )


def _embed(mean: np.ndarray, gram: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Moments of fully observed units in the 2T layout: o = 1 with no spread."""
    big = np.zeros((2 * t, 2 * t))
    big[:t, :t] = gram
    return np.r_[mean, np.ones(t)], big


@dataclass(frozen=True, eq=False)
class MomentInfluence:
    """The cells' influence functions as coefficients on z per cohort role.

    A cell touches four columns of z (``pos``: y[t], y[b], o[t], o[b]); units of its
    treated cohort weigh them by ``treated_coef``, units of its control cohorts by
    ``control_coef``, all others by 0.
    """

    n_units: int
    cohorts: np.ndarray  # cohort values, index = unit cohort index
    moments: Moments
    treated: np.ndarray  # cohort index of each cell's treated units
    control: np.ndarray  # cells x cohorts
    pos: np.ndarray  # cells x 4
    treated_coef: np.ndarray  # cells x 4
    control_coef: np.ndarray  # cells x 4
    n_treated: np.ndarray  # per cell: treated units observed in its period
    n_control: np.ndarray  # per cell: control units observed in its period

    def _role(self, c: int) -> np.ndarray:
        """cells x 4 coefficients for units of cohort c."""
        return (
            self.treated_coef * (self.treated == c)[:, None]
            + self.control_coef * self.control[:, c][:, None]
        )

    def cell_variances(self) -> np.ndarray:
        """sum_i psi_i^2 / n^2 per cell."""
        out = np.zeros(len(self.treated))
        m = self.moments
        for s, c in enumerate(m.stratum_cohort):
            coef = self._role(int(c))
            sub = m.gram[s][self.pos[:, :, None], self.pos[:, None, :]]
            centred = np.einsum("kp,kpq,kq->k", coef, sub, coef)
            level = (coef * m.mean[s][self.pos]).sum(axis=1)
            out += centred + m.count[s] * level**2
        return out / self.n_units**2

    def cov(self, cells: np.ndarray, cohort_terms: np.ndarray) -> np.ndarray:
        """Covariance of the combinations psi_j = sum_k cells[j, k] psi_k +
        cohort_terms[j, cohort(i)]: sum_i psi_j psi_l / n^2."""
        m = self.moments
        k, dim = len(self.treated), 2 * m.n_periods
        rows = np.repeat(np.arange(k), 4)
        out = np.zeros((cells.shape[0], cells.shape[0]))
        for s, c in enumerate(m.stratum_cohort):
            coef = sparse.csr_matrix(
                (self._role(int(c)).ravel(), (rows, self.pos.ravel())), shape=(k, dim)
            )
            a = np.asarray((coef.T @ cells.T).T)  # combinations x 2T
            level = a @ m.mean[s] + cohort_terms[:, c]
            out += a @ m.gram[s] @ a.T + m.count[s] * np.outer(level, level)
        return out / self.n_units**2


@dataclass(frozen=True, eq=False)
class CellAlgebra:
    """ATT and influence coefficients of every cell from its four observed sums.

    ``pos`` are the columns of z a cell touches (y[t], y[b], o[t], o[b]); a treated unit
    weighs them by ``treated_coef``, a control unit by ``control_coef``.
    """

    att: np.ndarray
    ok: np.ndarray  # estimable (R reports the others missing)
    pos: np.ndarray  # cells x 4
    treated_coef: np.ndarray  # cells x 4
    control_coef: np.ndarray  # cells x 4
    n_treated: np.ndarray  # treated units observed in the cell's period
    n_control: np.ndarray  # control units observed in the cell's period

    @classmethod
    def of(
        cls,
        treated_sum: np.ndarray,
        control_sum: np.ndarray,
        cells: Cells,
        n_units: int,
        est_method: Method,
    ) -> CellAlgebra:
        """``treated_sum`` / ``control_sum``: per cell, the sums of z = (y o, o) over its
        treated / control units (cells x 2T). A cell needs treated and control units
        observed in both its periods; with ``dr`` it also needs the treated share of its
        observations below DRDID's trimming level (else every control is trimmed and R
        reports the cell missing)."""
        t = treated_sum.shape[1] // 2
        rows = np.arange(len(cells))
        j, b = cells.period, cells.base
        n_tt, n_tb = treated_sum[rows, t + j], treated_sum[rows, t + b]
        n_ct, n_cb = control_sum[rows, t + j], control_sum[rows, t + b]
        with np.errstate(divide="ignore", invalid="ignore"):
            e_tt, e_tb = treated_sum[rows, j] / n_tt, treated_sum[rows, b] / n_tb
            e_ct, e_cb = control_sum[rows, j] / n_ct, control_sum[rows, b] / n_cb
            ok = (np.minimum(n_tt, n_tb) > 0) & (np.minimum(n_ct, n_cb) > 0)
            if est_method == "dr":
                share = (n_tt + n_tb) / (n_tt + n_tb + n_ct + n_cb)
                ok &= np.minimum(share, 1 - 1e-6) < _TRIM
            att = (e_tt - e_tb) - (e_ct - e_cb)
            t_coef = n_units * np.column_stack([1 / n_tt, -1 / n_tb, -e_tt / n_tt, e_tb / n_tb])
            c_coef = -n_units * np.column_stack([1 / n_ct, -1 / n_cb, -e_ct / n_ct, e_cb / n_cb])
        ref = cells.reference
        att[ref], ok[ref] = 0.0, True
        t_coef[ref | ~ok], c_coef[ref | ~ok] = 0.0, 0.0
        pos = np.column_stack([j, b, t + j, t + b])
        return cls(att, ok, pos, t_coef, c_coef, n_tt, n_ct)


def estimate(
    moments: Moments,
    cells: Cells,
    cohorts: np.ndarray,
    n_units: int,
    est_method: Method,
) -> tuple[np.ndarray, np.ndarray, MomentInfluence]:
    """ATT per cell, which cells are estimable, and their influence functions."""
    ysum, osum = moments.cohort_sums(len(cohorts))
    sums = np.hstack([ysum, osum])
    treated = np.searchsorted(cohorts, cells.group)
    control = cells.controls(cohorts)
    alg = CellAlgebra.of(sums[treated], control @ sums, cells, n_units, est_method)
    ok = alg.ok
    influence = MomentInfluence(
        n_units,
        cohorts,
        moments,
        treated[ok],
        control[ok],
        alg.pos[ok],
        alg.treated_coef[ok],
        alg.control_coef[ok],
        alg.n_treated[ok],
        alg.n_control[ok],
    )
    return alg.att, ok, influence
