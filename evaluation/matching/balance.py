"""Covariate balance before and after matching.

Standardised mean differences use the same denominator before and after matching,
the pooled standard deviation of participants and candidate controls before matching
(Austin 2009), so a change in SMD reflects a change in means only. The variance ratio
is judged for non-binary covariates only, and only where at least ``vr_min_rows``
participants and as many controls differ from the covariate's most common value: for a
0/1 covariate the variance is a function of the mean, which the SMD already checks, and
for a sparse count (a benefit few people had) it is driven by a handful of persons.

A binary covariate is judged, as cobalt does by default (``bal.tab(binary = "raw")``,
ngreifer/cobalt at 3917ee7, man/bal.tab.Rd), by the raw difference in proportions after
matching against the same threshold: for a near-constant trait (0 % of participants
against 0.09 % of controls) the SMD divides a negligible difference by a tiny standard
deviation and fails, while the raw difference says what matters, how many persons differ.
The SMD columns still show the standardised difference for every covariate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def weighted_mean_var(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and (frequency-weight, unbiased where possible) variances."""
    x = np.asarray(x, dtype=np.float64)
    sw = w.sum()
    mean = (w[:, None] * x).sum(axis=0) / sw
    dev2 = (w[:, None] * (x - mean) ** 2).sum(axis=0)
    denom = sw - (w**2).sum() / sw
    var = dev2 / denom if denom > 0 else np.zeros_like(mean)
    return mean, var


def ecdf_max(
    x_t: np.ndarray, w_t: np.ndarray | None, x_c: np.ndarray, w_c: np.ndarray | None
) -> float:
    """Largest distance between the weighted empirical CDFs of one covariate (weights
    None: 1 each). Integer values sort by radix, in the same order as their floats;
    with weights 1, integers in a small range are counted by value instead."""
    if w_t is None and w_c is None and len(x_t) and len(x_c) and _small_ints(x_t, x_c):
        return _ecdf_max_counted(x_t, x_c)
    values = np.concatenate([x_t, x_c])
    order = np.argsort(values, kind="stable")
    values = values[order]
    share_t = np.full(len(x_t), 1.0 / len(x_t)) if w_t is None else w_t / w_t.sum()
    share_c = np.full(len(x_c), 1.0 / len(x_c)) if w_c is None else w_c / w_c.sum()
    wt = np.concatenate([share_t, np.zeros(len(x_c))])[order]
    wc = np.concatenate([np.zeros(len(x_t)), share_c])[order]
    last = np.r_[values[1:] != values[:-1], True]  # evaluate only at the end of ties
    diff = np.abs(np.cumsum(wt) - np.cumsum(wc))[last]
    return float(diff.max()) if len(diff) else 0.0


def _countable(dtype: np.dtype) -> bool:
    """Integers whose values fit a platform integer (not uint64, which may not)."""
    return np.issubdtype(dtype, np.integer) and np.can_cast(dtype, np.intp)


def _small_ints(*arrays: np.ndarray) -> bool:
    if not all(_countable(a.dtype) for a in arrays):
        return False
    lo = min(int(a.min()) for a in arrays)
    return max(int(a.max()) for a in arrays) - lo < SMALL_RANGE


def _ecdf_max_counted(x_t: np.ndarray, x_c: np.ndarray) -> float:
    """:func:`ecdf_max` with weights 1 for integers in a small range, without sorting.
    There, each CDF at the end of a value's ties is the running sum of ``1/n`` over the
    group's rows up to it (the other group's zeros add nothing), so it is the k-th
    partial sum of ``1/n``, k the group's rows with that value or less: the same sums,
    in the same order, so the same maximum to the last bit."""
    lo = min(int(x_t.min()), int(x_c.min()))
    size = max(int(x_t.max()), int(x_c.max())) - lo + 1
    found = np.zeros(size, dtype=bool)
    cdf = []
    for x in (x_t, x_c):
        index = x.astype(np.intp)
        if lo:
            index -= lo
        counts = np.bincount(index, minlength=size)
        found |= counts > 0
        k = np.cumsum(counts)  # rows with this value or less
        partial = np.cumsum(np.full(len(x), 1.0 / len(x)))
        cdf.append(np.where(k > 0, partial[np.maximum(k - 1, 0)], 0.0))
    return float(np.abs(cdf[0] - cdf[1])[found].max())


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size of weights ``w``."""
    w = np.asarray(w, dtype=np.float64)
    return float(w.sum() ** 2 / (w**2).sum()) if len(w) and (w**2).sum() > 0 else 0.0


def balance_table(
    x: pd.DataFrame,
    treated: np.ndarray,
    matched_weight: np.ndarray,
    *,
    smd_threshold: float = 0.1,
    variance_ratio_range: tuple[float, float] = (0.5, 2.0),
    vr_min_rows: int = 10,
) -> pd.DataFrame:
    """Balance of every covariate before (all risk-set rows, weight 1) and after
    matching (``matched_weight``: 1 for matched participants, the matching weight for
    controls, 0 for rows not used). A binary covariate is judged on the raw difference in
    proportions (``mean_treated_after - mean_control_after``), any other on its SMD, both
    against ``smd_threshold``; ``smd_judged`` is True for every covariate (kept for
    readers of the column)."""
    t = treated.astype(bool)
    c = ~t
    used_t = t & (matched_weight > 0)
    used_c = c & (matched_weight > 0)
    rows = [
        _covariate_balance(x[col].to_numpy(), t, c, used_t, used_c, matched_weight, vr_min_rows)
        for col in x.columns
    ]
    table = pd.DataFrame(rows)
    table.insert(0, "covariate", x.columns.astype(str))
    lo, hi = variance_ratio_range
    vr = table["variance_ratio_after"]
    vr_ok = ~table["variance_ratio_judged"] | vr.isna() | ((vr >= lo) & (vr <= hi))
    diff = np.where(
        table["binary"],
        table["mean_treated_after"] - table["mean_control_after"],
        table["smd_after"],
    )
    smd_ok = ~table["smd_judged"] | (np.abs(diff.astype(float)) <= smd_threshold)
    table["passed"] = smd_ok & vr_ok
    return table


def _covariate_balance(
    column: np.ndarray,
    t: np.ndarray,
    c: np.ndarray,
    used_t: np.ndarray,
    used_c: np.ndarray,
    w: np.ndarray,
    vr_min_rows: int,
) -> dict[str, float | bool]:
    """Balance of one covariate (column-wise keeps memory at one float64 column). Means
    and variances on float64; sorting, counting and the 0/1 test on the column's own
    integers where it has them (the same order and counts, faster)."""
    key = (
        column if np.issubdtype(column.dtype, np.integer) else column.astype(np.float64, copy=False)
    )

    def rows(mask: np.ndarray) -> np.ndarray:  # taken, then converted: no full-length copy
        return key[mask].astype(np.float64, copy=False)

    m_t0, v_t0 = _mv(rows(t), None)
    m_c0, v_c0 = _mv(rows(c), None)
    m_t1, v_t1 = _mv(rows(used_t), w[used_t])
    m_c1, v_c1 = _mv(rows(used_c), w[used_c])
    sd = np.sqrt((v_t0 + v_c0) / 2)
    binary = _binary(key)
    judged = not binary and _off_mode_rows(key, used_t, used_c, vr_min_rows)
    smd_judged = True  # binaries on the raw difference (see the module docstring)
    if binary:
        e0, e1 = abs(m_t0 - m_c0), abs(m_t1 - m_c1)
    else:
        e0 = ecdf_max(key[t], None, key[c], None)
        e1 = ecdf_max(key[used_t], w[used_t], key[used_c], w[used_c])
    return {
        "binary": binary,
        "variance_ratio_judged": bool(judged),
        "smd_judged": bool(smd_judged),
        "mean_treated_before": m_t0,
        "mean_control_before": m_c0,
        "mean_treated_after": m_t1,
        "mean_control_after": m_c1,
        "smd_before": float(_smd(np.array(m_t0 - m_c0), np.array(sd))),
        "smd_after": float(_smd(np.array(m_t1 - m_c1), np.array(sd))),
        "variance_ratio_before": float(_ratio(np.array(v_t0), np.array(v_c0))),
        "variance_ratio_after": float(_ratio(np.array(v_t1), np.array(v_c1))),
        "ecdf_max_before": e0,
        "ecdf_max_after": e1,
    }


def _off_mode_rows(v: np.ndarray, used_t: np.ndarray, used_c: np.ndarray, k: int) -> bool:
    """Do at least ``k`` used participants and ``k`` used controls differ from the most
    common value?"""
    off_mode = v != _mode(v)
    return bool(off_mode[used_t].sum() >= k and off_mode[used_c].sum() >= k)


SMALL_RANGE = 1 << 16
"""Integers within this range are counted by value (bincount) rather than sorted."""


def _binary(key: np.ndarray) -> bool:
    """Is every value 0 or 1? (Integers: by their range, without a mask per value.)"""
    if np.issubdtype(key.dtype, np.integer):
        return bool(len(key) == 0 or (key.min() >= 0 and key.max() <= 1))
    return bool(np.all((key == 0) | (key == 1)))


def _mode(v: np.ndarray) -> float | int:
    """The most common value, the smallest of equally common ones (integers in a small
    range counted by value: the same value as sorting them)."""
    if _countable(v.dtype) and len(v):
        lo, hi = int(v.min()), int(v.max())
        if hi - lo < SMALL_RANGE:
            index = v.astype(np.intp)
            if lo:
                index -= lo
            counts = np.bincount(index, minlength=hi - lo + 1)
            return v.dtype.type(lo + int(counts.argmax()))
    values, counts = np.unique(v, return_counts=True)
    return values[counts.argmax()]


def _mv(x: np.ndarray, w: np.ndarray | None) -> tuple[float, float]:
    """:func:`weighted_mean_var` of one column; ``w`` None: weights 1, without
    multiplying by them (the same sums: a product with 1 is exact)."""
    if w is not None:
        if len(x) == 0 or w.sum() <= 0:
            return np.nan, np.nan
        m, v = weighted_mean_var(x[:, None], w)
        return float(m[0]), float(v[0])
    n = len(x)
    if n == 0:
        return np.nan, np.nan
    x2 = x[:, None]
    mean = x2.sum(axis=0) / float(n)
    dev = x2 - mean
    dev **= 2  # in place: the same squares, one large temporary fewer
    dev2 = dev.sum(axis=0)
    denom = float(n) - float(n) / float(n)
    var = dev2 / denom if denom > 0 else np.zeros_like(mean)
    return float(mean[0]), float(var[0])


def _smd(diff: np.ndarray, sd: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        tiny = np.abs(diff) < 1e-9
        out = np.where(sd > 0, diff / np.where(sd > 0, sd, 1), np.where(tiny, 0.0, np.inf))
    return out


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((a == 0) & (b == 0), np.nan, a / np.where(b > 0, b, np.nan))
