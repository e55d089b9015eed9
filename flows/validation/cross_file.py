"""The cross-file rules of the input contracts, checked in pandas and numpy.

A contract declares them as property ``relationships`` with a custom property ``check``
(:data:`flows.contracts.CROSS_FILE_CHECKS`); :mod:`flows.contracts` copies them into the
suite's ``meta.cross_file_rules``. Each check here takes the checked file, the rule, the
referenced file and the mask of its rows that count (the rows still kept), and returns a
boolean array: the rows that break the rule. The validator applies it to the rows still
kept. Checks work on the files' distinct values and codes
(:class:`flows.validation.coded.CodedTable`): a key is looked up once per distinct
value, and per-key bounds are taken only over the referenced rows whose key occurs in
the checked file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from flows.validation.coded import CodedTable, isin

Check = Callable[[CodedTable, dict[str, Any], CodedTable, np.ndarray], np.ndarray]


def not_in_reference(
    table: CodedTable, xr: dict[str, Any], ref: CodedTable, ref_keep: np.ndarray
) -> np.ndarray:
    """``exists``: rows whose value does not occur in the referenced column."""
    refcol = ref[xr["ref_column"]]
    present = refcol.values[refcol.used(None if ref_keep.all() else ref_keep)]
    column = table[xr["column"]]
    return column.rows_mask(~isin(column.values, present))


def before_first(
    table: CodedTable, xr: dict[str, Any], ref: CodedTable, ref_keep: np.ndarray
) -> np.ndarray:
    """``not_before_first``: rows before the first referenced value of their key (or
    whose key has no referenced rows)."""
    bound = _per_key(table, xr, ref, ref_keep, "min")
    return ~(_row_values(table, xr["column"]) >= bound)  # comparisons with NaT are False


def after_last(
    table: CodedTable, xr: dict[str, Any], ref: CodedTable, ref_keep: np.ndarray
) -> np.ndarray:
    """``not_after_last``: rows after the last referenced value (of their key, if the
    rule has one); with no referenced rows at all, every row."""
    values = _row_values(table, xr["column"])
    if xr.get("key"):
        return ~(values <= _per_key(table, xr, ref, ref_keep, "max"))
    span = _span(ref, xr["ref_column"], ref_keep)
    if span is None:
        return np.ones(table.n_rows, dtype=bool)
    return ~(values <= span[1])


def age_outside(
    table: CodedTable, xr: dict[str, Any], ref: CodedTable, ref_keep: np.ndarray
) -> np.ndarray:
    """``age_within``: rows whose value (a birth year) puts some referenced date of
    their key (calendar year minus birth year) outside [minimum, maximum]."""
    lo, hi = xr["minimum"], xr["maximum"]
    birth = table[xr["column"]].take().to_numpy(dtype="float64", na_value=np.nan)
    span = _span(ref, xr["ref_column"], ref_keep)
    if span is None:
        return np.zeros(table.n_rows, dtype=bool)
    first, last = (_year(np.asarray([v]))[0] for v in span)
    maybe = (first - birth < lo) | (last - birth > hi)  # NaN birth years compare False
    if not maybe.any():
        return maybe
    youngest = _year(_per_key(table, xr, ref, ref_keep, "min", rows=maybe)) - birth
    oldest = _year(_per_key(table, xr, ref, ref_keep, "max", rows=maybe)) - birth
    return maybe & ((youngest < lo) | (oldest > hi))


def with_quarantined_rows(
    table: CodedTable, xr: dict[str, Any], ref: CodedTable, ref_keep: np.ndarray
) -> np.ndarray:
    """``no_quarantined_rows``: rows whose value occurs in a quarantined row of the
    referenced file (e.g. persons with an enrolment that was set aside)."""
    if ref_keep.all():
        return np.zeros(table.n_rows, dtype=bool)
    refcol = ref[xr["ref_column"]]
    bad = refcol.values[refcol.used(~ref_keep)].dropna()
    column = table[xr["column"]]
    return column.rows_mask(isin(column.values, bad))


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


def _row_values(table: CodedTable, column: str) -> np.ndarray:
    return table[column].take().to_numpy()


def _per_key(
    table: CodedTable,
    xr: dict[str, Any],
    ref: CodedTable,
    ref_keep: np.ndarray,
    how: str,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Per row of ``table``, the smallest or largest referenced value of its key (NaT
    where the key has no kept referenced rows); only ``rows`` (a mask) if given."""
    key, refkey, refcol = table[xr["key"]], ref[xr["key"]], ref[xr["ref_column"]]
    wanted = key.values[key.used(rows)]
    # referenced key values that occur in the checked rows, and the kept rows having them
    relevant = isin(refkey.values, wanted) & ~refkey.missing()
    ref_rows = np.flatnonzero(ref_keep & relevant[refkey.code_of_rows()])
    values = refcol.take(ref_rows)
    ok = values.notna().to_numpy()
    grouped = values[ok].groupby(refkey.code_of_rows(ref_rows)[ok], sort=False).agg(how)
    by_ref_code = pd.Series(grouped.to_numpy(), index=grouped.index, dtype=values.dtype)
    # per distinct value of the checked key: its referenced key code, then the bound
    ref_code = pd.Index(refkey.values).get_indexer(key.values)
    bound = by_ref_code.reindex(ref_code).to_numpy()
    per_row = bound[key.code_of_rows()]
    return per_row if rows is None else np.where(rows, per_row, per_row.dtype.type("NaT"))


def _span(ref: CodedTable, column: str, keep: np.ndarray) -> tuple[Any, Any] | None:
    """Smallest and largest non-missing value among the kept rows, or None."""
    col = ref[column]
    values = col.values[col.used(keep)].dropna()
    if values.empty:
        return None
    return values.min().to_datetime64(), values.max().to_datetime64()


def _year(values: Any) -> np.ndarray:
    """Calendar years of datetimes (any unit); NaN for NaT."""
    v = np.asarray(values)
    years = v.astype("datetime64[Y]").astype(np.int64).astype(np.float64) + 1970
    return np.where(np.isnat(v), np.nan, years)
