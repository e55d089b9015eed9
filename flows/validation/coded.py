"""Columns as distinct values plus a code per row (a dictionary encoding).

A :class:`CodedColumn` holds a column's distinct values once, as pandas (normalised
towards the contract type, see :mod:`flows.validation.reading`), and an integer code per
row into them. String columns arrive dictionary-encoded from Parquet; other columns are
dictionary-encoded by Arrow. A null is one more distinct value. The rows' values are
never materialised unless asked for (:meth:`CodedColumn.take`), so a status column of
60 million rows costs its codes (4 bytes a row), not 60 million Python strings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True, eq=False)
class CodedColumn:
    """Distinct values and a code per row (``codes is None``: the values are the rows)."""

    values: pd.Series  # RangeIndex; may repeat a value (null and NaN, say)
    codes: np.ndarray | None

    @property
    def n_rows(self) -> int:
        return len(self.values) if self.codes is None else len(self.codes)

    def code_of_rows(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The codes of ``rows`` (all rows if None)."""
        if self.codes is None:
            return np.arange(len(self.values)) if rows is None else np.asarray(rows)
        return self.codes if rows is None else self.codes[rows]

    def rows_where(self, flagged: np.ndarray) -> np.ndarray:
        """Row numbers (int64, ascending) whose value is flagged (a bool per value)."""
        if not flagged.any():
            return np.empty(0, np.int64)
        if self.codes is None:
            return np.flatnonzero(flagged).astype(np.int64)
        return np.flatnonzero(flagged[self.codes]).astype(np.int64)

    def rows_mask(self, flagged: np.ndarray) -> np.ndarray:
        """A bool per row: is its value flagged (a bool per value)?"""
        return flagged if self.codes is None else flagged[self.codes]

    def floats(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The values of ``rows`` (all rows if None) as float64, NaN where missing or not
        a number (without a pandas column of every row)."""
        values = pd.to_numeric(self.values, errors="coerce")
        numbers = values.to_numpy(np.float64, na_value=np.nan)
        if self.codes is None:
            return numbers if rows is None else numbers[rows]
        return numbers[self.code_of_rows(rows)]

    def take(self, rows: np.ndarray | None = None) -> pd.Series:
        """The values of ``rows`` (all rows if None) as a pandas column."""
        return self.values.take(self.code_of_rows(rows)).reset_index(drop=True)

    def used(self, keep: np.ndarray | None = None) -> np.ndarray:
        """A bool per value: does some (kept) row have it?"""
        out = np.zeros(len(self.values), dtype=bool)
        every = keep is None or keep.all()
        out[self.code_of_rows(None if every else np.flatnonzero(keep))] = True
        return out

    def missing(self) -> np.ndarray:
        """A bool per value: is it missing (null, NaN, NaT) in pandas?"""
        return self.values.isna().to_numpy()


@dataclass(frozen=True, eq=False)
class CodedTable:
    """One input file: its column names as read, its row count and its coded columns."""

    file: str
    names: tuple[str, ...]
    n_rows: int
    columns: dict[str, CodedColumn]

    def __getitem__(self, column: str) -> CodedColumn:
        return self.columns[column]


def isin(values: pd.Series, other: pd.Series) -> np.ndarray:
    """A bool per entry of ``values``: does it occur in ``other``? A missing value
    occurs where ``other`` has one (as with ``Series.isin``). In Arrow (hashing in C++)
    when both convert to one Arrow type; pandas 3's ``isin`` of string columns walks the
    values in Python (15 s for a million IDs)."""
    try:
        a = pa.array(values, from_pandas=True)
        b = pa.array(other, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return values.isin(other).to_numpy()
    if a.type != b.type:
        return values.isin(other).to_numpy()
    return pc.is_in(a, value_set=b, skip_nulls=False).to_numpy(zero_copy_only=False)


def encode(column: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray | None]:
    """Distinct values (nulls as one trailing null) and int32 codes of an Arrow column;
    ``(column, None)`` for types Arrow cannot dictionary-encode."""
    if not pa.types.is_dictionary(column.type):
        try:
            column = pc.dictionary_encode(column)
        except (pa.ArrowNotImplementedError, pa.ArrowTypeError):
            return column.combine_chunks(), None
    value_type = column.type.value_type
    if column.num_chunks == 0:
        return pa.array([], type=value_type), np.empty(0, np.int32)
    column = column.unify_dictionaries()
    dictionary = column.chunk(0).dictionary
    indices = pa.chunked_array([c.indices for c in column.chunks]).cast(pa.int32())
    if indices.null_count:
        indices = indices.fill_null(len(dictionary))
        dictionary = pa.concat_arrays([dictionary, pa.nulls(1, type=value_type)])
    return dictionary, indices.to_numpy()
