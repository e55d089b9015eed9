"""Guard against Danish personal numbers (CPR) entering the pipeline.

A CPR number is ``DDMMYY-SSSS`` or ``DDMMYYSSSS``: a birth date and four serial digits.
:func:`looks_like_cpr` flags a value when, after optional surrounding whitespace, it is
exactly such a number with a real calendar date. The century comes from the 7th digit
(the first serial digit) by the CPR office's rule:

* 0-3: 1900-1999;
* 4 or 9: 2000-2036 for YY 00-36, else 1937-1999;
* 5-8: 2000-2057 for YY 00-57, else 1858-1899;

so ``29 Feb 00`` is a valid date with 7th digit 4-9 (year 2000, a leap year) and not with
7th digit 0-3 (1900 is not a leap year). The modulus-11 check is deliberately *not*
applied: it was dropped in 2007 and numbers without it exist, so requiring it would miss
real CPR numbers. Future birth dates are not rejected, so the answer does not depend on
today's date.

Integer input is read as the digits of the number zero-padded to ten places, because a
CPR number stored as an integer loses its leading zero. Missing values are never CPR.

The check is vectorised: one regular-expression match over the whole column (Arrow's
regex kernel for pandas' string dtype), then integer arithmetic on the few candidates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

CANDIDATE = r"\s*[0-9]{6}-?[0-9]{4}\s*"
"""A CPR-shaped value (date not yet checked)."""
MAX_ROWS_REPORTED = 5
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


@dataclass(frozen=True)
class CprFinding:
    """Values of one column that look like CPR numbers: how many and where (never what)."""

    column: str
    count: int
    rows: tuple[int, ...]
    """0-based positions of the first few offending rows (at most ``MAX_ROWS_REPORTED``)."""

    def describe(self) -> str:
        where = ", ".join(str(r) for r in self.rows)
        more = ", ..." if self.count > len(self.rows) else ""
        return (
            f"column {self.column!r}: {self.count} value(s) look like CPR numbers "
            f"(rows {where}{more})"
        )


def looks_like_cpr(values: pd.Series | np.ndarray | Iterable[object]) -> np.ndarray:
    """Boolean array: which values are (whitespace-padded) CPR numbers with a valid date."""
    text = _as_text(values)
    out = np.zeros(len(text), dtype=bool)
    shaped = text.str.fullmatch(CANDIDATE).fillna(False).to_numpy(dtype=bool)
    if not shaped.any():
        return out
    digits = text[shaped].str.strip().str.replace("-", "", regex=False)
    out[shaped] = _valid_date(digits.astype("int64").to_numpy())
    return out


def cpr_columns(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> dict[str, CprFinding]:
    """Findings for the columns (default: every text and integer column) that hold at least
    one CPR-like value; an empty dict means none does."""
    if columns is None:
        columns = [c for c in frame.columns if _checkable(frame[c])]
    findings = {}
    for col in columns:
        hits = np.flatnonzero(looks_like_cpr(frame[col]))
        if len(hits):
            rows = tuple(int(r) for r in hits[:MAX_ROWS_REPORTED])
            findings[str(col)] = CprFinding(column=str(col), count=len(hits), rows=rows)
    return findings


def _checkable(column: pd.Series) -> bool:
    dtype = column.dtype
    return (
        pd.api.types.is_string_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
        or (pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))
    )


def _as_text(values: pd.Series | np.ndarray | Iterable[object]) -> pd.Series:
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    series = series.reset_index(drop=True)
    dtype = series.dtype
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        ints = series.astype("Int64")
        in_range = (ints >= 0) & (ints < 10**10)
        return ints.where(in_range).astype("str").str.zfill(10)
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return series
    if pd.api.types.is_object_dtype(dtype):
        return series.astype("str")
    # floats, dates, booleans: not text, never a CPR number
    return pd.Series(pd.array([pd.NA] * len(series), dtype="str"))


def _valid_date(number: np.ndarray) -> np.ndarray:
    """For ten-digit integers DDMMYYSSSS: is DD-MM-YY a real date in the century given by S?"""
    day = number // 10**8
    month = number // 10**6 % 100
    yy = number // 10**4 % 100
    seventh = number // 1000 % 10
    year = yy + _century(seventh, yy)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    days = _DAYS[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    return month_ok & (day >= 1) & (day <= days)


def _century(seventh: np.ndarray, yy: np.ndarray) -> np.ndarray:
    five_to_eight = (seventh >= 5) & (seventh <= 8)
    modern = (seventh >= 4) & (yy <= np.where(five_to_eight, 57, 36))
    return np.where(modern, 2000, np.where(five_to_eight, 1800, 1900))
