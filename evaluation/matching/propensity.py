"""The propensity score: a logit (statsmodels) per offer on the pooled risk sets.

With large risk sets the model is fitted on all participants and a random sample of at
most ``max_control_rows`` candidate-control rows. Sampling controls at a constant rate
changes only the intercept of a logit (case-control sampling, Prentice & Pyke 1979), so
the linear predictor keeps its slopes; matching within strata on distances of the
linear predictor and a caliper in its standard deviations are unaffected by the shift.

With ``row_key`` (a unique sortable key per row, e.g. derived from the pseudonymous ID
and the reference month) rows are sampled and fitted in key order, so neither the
sample nor the fitted coefficients depend on the order of the rows.
"""

from __future__ import annotations

import functools
import threading
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg


@dataclass(frozen=True, eq=False)
class PropensityModel:
    columns: tuple[str, ...]
    center: np.ndarray
    scale: np.ndarray
    params: pd.Series  # on standardised columns, "const" first
    n_treated: int
    n_control_rows: int
    control_sampling_rate: float
    converged: bool

    def linear_predictor(self, x: pd.DataFrame, chunk: int = 500_000) -> np.ndarray:
        """Logit of the propensity score (up to the sampling intercept shift)."""
        beta = self.params.to_numpy()
        columns = list(self.columns)
        out = np.empty(len(x))
        # a chunk at a time (no full-size copy), each in the same buffer, standardised
        # in place: a fresh chunk-size array is paged in by the kernel every time
        buffer = np.empty((min(chunk, len(x)), len(columns)), order="F")
        for lo in range(0, len(x), chunk):
            rows = slice(lo, lo + chunk)
            n = len(x.index[rows])
            z = _float_rows(x, columns, rows, out=buffer if n == len(buffer) else None)
            z -= self.center
            z /= self.scale
            out[rows] = beta[0] + z @ beta[1:]
        return out


def _float_rows(
    x: pd.DataFrame,
    columns: list[str],
    rows: slice | np.ndarray,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """``x.loc[rows, columns]`` as a float64 matrix, column by column (pandas' own take
    over a frame of several blocks copies every block first), into ``out`` when given.
    Column-major, as pandas gives it: the products that follow sum in the same order."""
    if out is None:
        out = np.empty((len(x.index[rows]), len(columns)), order="F")
    for j, c in enumerate(columns):
        out[:, j] = x[c].to_numpy()[rows]
    return out


def fit_propensity(
    x: pd.DataFrame,
    treated: np.ndarray,
    *,
    max_control_rows: int,
    seed: int,
    row_key: np.ndarray | None = None,
    columns: list[str] | None = None,
) -> PropensityModel:
    """The logit of ``treated`` on ``columns`` of ``x`` (all of them if None)."""
    names = list(x.columns if columns is None else columns)
    rng = np.random.default_rng(seed)
    order = np.arange(len(treated)) if row_key is None else np.argsort(row_key, kind="stable")
    t_rows = order[treated[order]]
    c_rows = order[~treated[order]]
    rate = 1.0
    if len(c_rows) > max_control_rows:
        rate = max_control_rows / len(c_rows)
        pick = np.sort(rng.choice(len(c_rows), size=max_control_rows, replace=False))
        c_rows = c_rows[pick]
    rows = np.concatenate([t_rows, c_rows])
    xs = _float_rows(x, names, rows)
    y = treated[rows].astype(float)
    keep = _estimable_columns(xs, y.astype(bool))
    keep = keep[_independent_columns(xs[:, keep])]
    cols = tuple(names[k] for k in keep)
    xs = xs[:, keep]
    center, scale = xs.mean(axis=0), xs.std(axis=0)
    z = np.column_stack([np.ones(len(xs)), (xs - center) / scale])
    params, converged = _logit(y, z)
    return PropensityModel(
        columns=cols,
        center=center,
        scale=scale,
        params=pd.Series(params, index=["const", *cols]),
        n_treated=len(t_rows),
        n_control_rows=len(c_rows),
        control_sampling_rate=rate,
        converged=converged,
    )


def _estimable_columns(xs: np.ndarray, t: np.ndarray, min_rows: int = 5) -> np.ndarray:
    """Columns whose value differs from its mode in at least ``min_rows`` participants
    and ``min_rows`` controls: rarer ones make the logit (quasi-)separated. They stay
    in the balance table."""
    off_mode = xs != np.array([_mode(c) for c in xs.T])
    enough = (off_mode[t].sum(axis=0) >= min_rows) & (off_mode[~t].sum(axis=0) >= min_rows)
    return np.flatnonzero(enough)


def _mode(column: np.ndarray) -> float:
    """The most frequent value (the smallest of equally frequent ones)."""
    values, counts = np.unique(column, return_counts=True)
    return values[counts.argmax()]


def _independent_columns(xs: np.ndarray, tol: float = 1e-8) -> np.ndarray:
    """Columns with variance that are not linear combinations of earlier ones.

    A pivoted QR of the centred, scaled matrix finds the rank; of each dependent group
    (status-lag dummies of one month, 12-month counts that sum lag dummies) the columns
    earliest in the pivot order are kept.
    """
    sd = xs.std(axis=0)
    varying = np.flatnonzero(sd > 0)
    if len(varying) == 0:
        return varying
    z = (xs[:, varying] - xs[:, varying].mean(axis=0)) / sd[varying]
    z = np.column_stack([np.ones(len(z)), z])
    gram = z.T @ z
    _, r, piv = scipy.linalg.qr(gram, pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int((diag > tol * diag[0]).sum())
    chosen = np.sort(piv[:rank])
    chosen = chosen[chosen > 0] - 1  # drop the intercept column
    return varying[chosen]


# A regular logit converges in well under a dozen Newton steps; one that has not by then
# is (quasi-)separated and will not, and each step costs a full Hessian.
NEWTON_MAXITER = 12
_WARNINGS_LOCK = threading.Lock()


@functools.cache
def _buffered_logit() -> type:
    """statsmodels' ``Logit`` whose Hessian reuses one rows x columns buffer per model.
    statsmodels forms ``L (1 - L) X'`` afresh at every Newton step, an array as large as
    the design (about 75 MB at 1M persons), which the kernel pages in each time: the
    Hessian took about twice as long as its product. The buffer holds the same products
    in the same layout (that of ``X``), so the Hessian is the same, bit for bit."""
    from statsmodels.discrete.discrete_model import Logit  # heavy: only when fitting

    class BufferedLogit(Logit):
        _weighted: np.ndarray | None = None

        def hessian(self, params: np.ndarray) -> np.ndarray:
            x = self.exog
            p = self.predict(params)
            if self._weighted is None or self._weighted.shape != x.shape:
                self._weighted = np.empty_like(x, dtype=np.float64)  # x's layout
            np.multiply(x, (p * (1 - p))[:, None], out=self._weighted)
            return -np.dot(self._weighted.T, x)

    return BufferedLogit


def _logit(y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, bool]:
    Logit = _buffered_logit()  # noqa: N806 - a class

    # warnings' filters are process-wide: offers fitted in threads at once take turns,
    # so one fit's "ignore" is never undone by another's exit while it still runs
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = None
        try:
            res = Logit(y, z, check_rank=False).fit(method="newton", maxiter=NEWTON_MAXITER, disp=0)
            params = np.asarray(res.params)
            if np.all(np.isfinite(params)) and res.mle_retvals.get("converged", False):
                return params, True
            start = params if np.all(np.isfinite(params)) else None
        except (np.linalg.LinAlgError, ValueError):
            pass
        # Still (quasi-)separated or singular: bounded quasi-Newton steps from where Newton
        # stopped; the linear predictor is usable even if some coefficient drifts.
        res = Logit(y, z, check_rank=False).fit(
            method="lbfgs", maxiter=300, disp=0, start_params=start
        )
        return np.asarray(res.params), False
