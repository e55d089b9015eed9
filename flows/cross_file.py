"""The cross-file rules of the input contracts, checked in pandas.

A contract declares them as property ``relationships`` with a custom property ``check``
(:data:`flows.contracts.CROSS_FILE_CHECKS`); :mod:`flows.contracts` copies them into the
suite's ``meta.cross_file_rules``. Each check here takes the checked frame, the rule,
the referenced file's frame and the mask of its rows that count (the rows still kept),
and returns a boolean array: the rows that break the rule. The validator applies it to
the rows still kept. Checks never copy a whole referenced frame; the age check looks
only at persons whose birth year could put them outside the range in the data period.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

Check = Callable[[pd.DataFrame, dict[str, Any], pd.DataFrame, np.ndarray], np.ndarray]
NAT = np.iinfo(np.int64).min


def not_in_reference(
    frame: pd.DataFrame, xr: dict[str, Any], ref: pd.DataFrame, ref_keep: np.ndarray
) -> np.ndarray:
    """``exists``: rows whose value does not occur in the referenced column."""
    values = ref[xr["ref_column"]]
    return ~frame[xr["column"]].isin(values if ref_keep.all() else values[ref_keep]).to_numpy()


def before_first(
    frame: pd.DataFrame, xr: dict[str, Any], ref: pd.DataFrame, ref_keep: np.ndarray
) -> np.ndarray:
    """``not_before_first``: rows before the first referenced value of their key (or
    whose key has no referenced rows)."""
    bound = _per_key(frame, xr, ref, ref_keep, "min")
    return ~(frame[xr["column"]].to_numpy() >= bound)  # comparisons with NaT are False


def after_last(
    frame: pd.DataFrame, xr: dict[str, Any], ref: pd.DataFrame, ref_keep: np.ndarray
) -> np.ndarray:
    """``not_after_last``: rows after the last referenced value (of their key, if the
    rule has one); with no referenced rows at all, every row."""
    values = frame[xr["column"]].to_numpy()
    if xr.get("key"):
        return ~(values <= _per_key(frame, xr, ref, ref_keep, "max"))
    span = _masked_span(ref[xr["ref_column"]].to_numpy(), ref_keep)
    if span is None:
        return np.ones(len(frame), dtype=bool)
    return ~(values <= span[1])


def age_outside(
    frame: pd.DataFrame, xr: dict[str, Any], ref: pd.DataFrame, ref_keep: np.ndarray
) -> np.ndarray:
    """``age_within``: rows whose value (a birth year) puts some referenced date of
    their key (calendar year minus birth year) outside [minimum, maximum]."""
    lo, hi = xr["minimum"], xr["maximum"]
    birth = frame[xr["column"]].to_numpy(dtype="float64", na_value=np.nan)
    span = _masked_span(ref[xr["ref_column"]].to_numpy(), ref_keep)
    if span is None:
        return np.zeros(len(frame), dtype=bool)
    first, last = (_year(np.asarray([v]))[0] for v in span)
    maybe = (first - birth < lo) | (last - birth > hi)  # NaN birth years compare False
    if not maybe.any():
        return maybe
    key, column = xr["key"], xr["ref_column"]
    rows = ref_keep & ref[key].isin(frame.loc[maybe, key]).to_numpy()
    years = pd.DataFrame({key: ref.loc[rows, key].to_numpy(), "y": _year(ref.loc[rows, column])})
    span_by_key = years.groupby(key, sort=False)["y"].agg(["min", "max"])
    youngest = span_by_key["min"].reindex(frame[key]).to_numpy(dtype="float64") - birth
    oldest = span_by_key["max"].reindex(frame[key]).to_numpy(dtype="float64") - birth
    return maybe & ((youngest < lo) | (oldest > hi))


def with_quarantined_rows(
    frame: pd.DataFrame, xr: dict[str, Any], ref: pd.DataFrame, ref_keep: np.ndarray
) -> np.ndarray:
    """``no_quarantined_rows``: rows whose value occurs in a quarantined row of the
    referenced file (e.g. persons with an enrolment that was set aside)."""
    if ref_keep.all():
        return np.zeros(len(frame), dtype=bool)
    bad = ref.loc[~ref_keep, xr["ref_column"]].dropna().unique()
    return frame[xr["column"]].isin(bad).to_numpy()


CHECKS: dict[str, Check] = {
    "exists": not_in_reference,
    "not_before_first": before_first,
    "not_after_last": after_last,
    "age_within": age_outside,
    "no_quarantined_rows": with_quarantined_rows,
}
"""Cross-file rule ``check`` (flows.contracts.CROSS_FILE_CHECKS) -> rows that break it."""
DEFERRED = frozenset({"no_quarantined_rows"})
"""Checks run after every other rule of every file (they read other files' quarantine)."""


def _per_key(
    frame: pd.DataFrame, xr: dict[str, Any], ref: pd.DataFrame, ref_keep: np.ndarray, how: str
) -> np.ndarray:
    """Per row of ``frame``, the smallest or largest referenced value of its key (NaT
    where the key has no kept referenced rows)."""
    key, column = xr["key"], xr["ref_column"]
    rows = ref_keep & ref[key].isin(frame[key]).to_numpy()
    bound = ref.loc[rows, [key, column]].groupby(key, sort=False)[column].agg(how)
    return bound.reindex(frame[key]).to_numpy()


def _masked_span(values: np.ndarray, mask: np.ndarray) -> tuple[Any, Any] | None:
    """Smallest and largest non-missing datetime among the masked values, or None."""
    ints = values.view(np.int64)
    ok = mask & (ints != NAT)
    if not ok.any():
        return None
    lo = ints.min(where=ok, initial=np.iinfo(np.int64).max)
    hi = ints.max(where=ok, initial=NAT + 1)
    return np.int64(lo).view(values.dtype), np.int64(hi).view(values.dtype)


def _year(values: Any) -> np.ndarray:
    """Calendar years of datetimes (any unit)."""
    return np.asarray(values).astype("datetime64[Y]").astype(np.int64) + 1970
