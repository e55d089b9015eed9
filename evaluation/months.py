"""Calendar months as integers: ``index = year * 12 + (month - 1)``.

The whole library works on month indices; conversion to and from dates and
``YYYY-MM`` strings happens only here.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

_YM = re.compile(r"^(\d{4})-(\d{2})$")


def index(year: int, month: int) -> int:
    return year * 12 + (month - 1)


def parse(text: str) -> int:
    """``"2024-06"`` -> month index. Raises ValueError with a readable message."""
    m = _YM.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    return index(int(m.group(1)), int(m.group(2)))


def label(idx: int) -> str:
    """Month index -> ``"YYYY-MM"``."""
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def to_date(idx: int) -> date:
    return date(idx // 12, idx % 12 + 1, 1)


def from_dates(values: pd.Series | np.ndarray) -> np.ndarray:
    """Dates (any pandas-parsable datetime-like) -> month indices (int32); NaT -> -1."""
    s = pd.to_datetime(pd.Series(values), errors="raise")
    out = (s.dt.year * 12 + s.dt.month - 1).to_numpy(dtype="float64", na_value=np.nan)
    return np.where(np.isnan(out), -1, out).astype(np.int32)


def to_timestamps(idx: np.ndarray) -> pd.DatetimeIndex:
    idx = np.asarray(idx)
    return pd.to_datetime({"year": idx // 12, "month": idx % 12 + 1, "day": np.ones_like(idx)})


def year_of(idx: np.ndarray | int) -> np.ndarray | int:
    return np.asarray(idx) // 12


def calendar_month_of(idx: np.ndarray | int) -> np.ndarray | int:
    """1..12."""
    return np.asarray(idx) % 12 + 1
