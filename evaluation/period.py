"""The period the data cover: the first and the last *complete* month of status rows.

An extract is complete in a month when the bulk of persons have a status row in it. The
register's last month is often ragged (a few late rows of the next month, a partial
delivery), and a stray row far outside the period (year 1200, 2100) must not stretch it.
The rule, on the number of status rows per calendar month (one row per person and month,
as the input contract requires; months without rows count as 0):

* the **first complete month** is the earliest month with rows whose count is at least
  ``min_share`` (default one half) of the median count of the ``lookback`` (12) months
  that follow it;
* the **last complete month** is the latest month from the first complete month on whose
  count is at least ``min_share`` of the median count of the ``lookback`` months before
  it (months before the first complete month are not looked at).

A median of 0 (a month surrounded by empty months) never makes a month complete. Data
with rows in a single month have that month as first and last month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from evaluation import months


@dataclass(frozen=True)
class DataPeriod:
    """Month indices of the first and last complete month, and of the first and last
    month with any status row (which may lie outside the complete period)."""

    first_month: int
    last_month: int
    first_row_month: int
    last_row_month: int

    @property
    def first_label(self) -> str:
        return months.label(self.first_month)

    @property
    def last_label(self) -> str:
        return months.label(self.last_month)

    @property
    def ragged_after(self) -> bool:
        """True when some rows lie after the last complete month."""
        return self.last_row_month > self.last_month

    def describe(self) -> str:
        """``"2020-01 to 2024-12"`` (the complete months)."""
        return f"{self.first_label} to {self.last_label}"


def data_period(
    status_months: np.ndarray, *, min_share: float = 0.5, lookback: int = 12
) -> DataPeriod:
    """The data's complete period from the month index of every status row."""
    if not 0 < min_share <= 1:
        raise ValueError("min_share must lie in (0, 1]")
    if lookback < 1:
        raise ValueError("lookback must be at least 1")
    m = np.asarray(status_months, dtype=np.int64)
    if m.size == 0:
        raise ValueError("no status rows: the data cover no month")
    lo = int(m.min())
    counts = np.bincount(m - lo).astype(float)
    first = _first_complete(counts, min_share, lookback)
    last = first + _last_complete(counts[first:], min_share, lookback)
    return DataPeriod(
        first_month=lo + first,
        last_month=lo + last,
        first_row_month=lo,
        last_row_month=lo + len(counts) - 1,
    )


def _first_complete(counts: np.ndarray, min_share: float, lookback: int) -> int:
    """Offset of the first complete month (looking forward)."""
    after = np.concatenate([counts[1:], np.full(lookback, np.nan)])
    ref = _nanmedian_windows(after, lookback)[: len(counts)]
    ok = (counts > 0) & (np.isnan(ref) | _enough(counts, ref, min_share))
    return int(np.argmax(ok))  # the last month (no month after it) is always ok


def _last_complete(counts: np.ndarray, min_share: float, lookback: int) -> int:
    """Offset (from the first complete month) of the last complete month (looking back);
    the first complete month is complete by definition."""
    before = np.concatenate([np.full(lookback, np.nan), counts[:-1]])
    ref = _nanmedian_windows(before, lookback)[: len(counts)]
    ok = (counts > 0) & _enough(counts, np.nan_to_num(ref), min_share)
    ok[0] = True
    return int(len(ok) - 1 - np.argmax(ok[::-1]))


def _enough(counts: np.ndarray, ref: np.ndarray, min_share: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (ref > 0) & (counts >= min_share * ref)


def _nanmedian_windows(values: np.ndarray, width: int) -> np.ndarray:
    """Median of every window of ``width`` consecutive values, ignoring NaN (the padding
    outside the data); NaN for a window of padding only."""
    windows = sliding_window_view(values, width)
    filled = np.isfinite(windows).any(axis=1)
    out = np.full(len(windows), np.nan)
    if filled.any():
        out[filled] = np.nanmedian(windows[filled], axis=1)
    return out
