"""Reading an input file into coded columns (:mod:`flows.validation.coded`).

A file that is missing (rule ``file_present``) or cannot be read as Parquet (rule
``readable_parquet``) stops the run. Only the contract's columns are read (the names
of the others are kept for the column-set rule), two at a time, string columns as
Parquet dictionary codes. Each column's distinct values are converted to pandas
losslessly and kind-preserving, towards the contract type: integer columns of any
width become int32 (nullable Int32 while nulls remain), string and dictionary columns
``str``, numbers float64, Parquet dates datetime64. A column of another kind is left
as it is and fails the type rule. Because the conversion is applied to the distinct
values, a column's type and values are those the whole column would have. An absent
optional column (``earnings_dkk``) is added as all-null.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from flows.validation.coded import CodedColumn, CodedTable, encode
from flows.validation.errors import ValidationError, stop_message
from flows.validation.suites import Suite

READ_THREADS = 2
"""Columns read at once."""

INTS = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}


def read_coded(data_dir: Path, suite: Suite) -> CodedTable:
    """The suite's file as coded columns, or :class:`ValidationError`."""
    path = Path(data_dir) / suite.file
    _check_present(path, data_dir, suite)
    try:
        parquet = pq.ParquetFile(path)
        names = tuple(parquet.schema_arrow.names)
        n_rows = parquet.metadata.num_rows
        wanted = [c for c in suite.columns if c in names]
        # two columns at a time: Arrow reads and encodes without the GIL, on both cores
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            read = pool.map(lambda c: _read_column(path, c), wanted)
            columns = dict(zip(wanted, read, strict=True))
    except (pa.ArrowException, OSError, ValueError) as exc:
        first = str(exc).splitlines()[0][:200] if str(exc) else ""
        detail = f"cannot be read as Parquet ({type(exc).__name__}: {first})"
        raise ValidationError(
            stop_message(suite.file, "", "readable_parquet", "n/a", [], detail)
        ) from exc
    for col in suite.optional_columns:
        if col not in columns:
            values = _empty_column(suite.types.get(col, "object"), 1)
            columns[col] = CodedColumn(values, np.broadcast_to(np.int32(0), (n_rows,)))
            names += (col,)
    for col, expected in suite.types.items():
        if col in columns:
            c = columns[col]
            columns[col] = CodedColumn(normalise(c.values, expected), c.codes)
    return CodedTable(suite.file, names, n_rows, columns)


def _check_present(path: Path, data_dir: Path, suite: Suite) -> None:
    if path.is_file():
        return
    detail = (
        f"is a folder in {data_dir}, not a Parquet file"
        if path.is_dir()
        else f"not found in {data_dir}"
        if not path.exists()
        else f"is not a regular file in {data_dir}"
    )
    raise ValidationError(stop_message(suite.file, "", "file_present", "n/a", [], detail))


def _read_column(path: Path, name: str) -> CodedColumn:
    """One column (a reader of its own: a column per thread)."""
    parquet = pq.ParquetFile(path)
    field = parquet.schema_arrow.field(name)
    if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
        parquet = pq.ParquetFile(path, read_dictionary=[name])
    table = parquet.read(columns=[name])
    values, codes = encode(table.column(0))
    del table
    frame = pa.table({name: values}).to_pandas(date_as_object=False, types_mapper=INTS.get)
    return CodedColumn(frame[name], codes)


def _empty_column(expected: str, n: int) -> pd.Series:
    if expected == "str":
        return pd.Series(np.full(n, np.nan, dtype=object), dtype="str")
    if expected.startswith("datetime64"):
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
    if expected.startswith("int"):
        return pd.Series(pd.array([pd.NA] * n, dtype=expected.capitalize()))
    return pd.Series(np.full(n, np.nan), dtype="float64" if expected != "object" else object)


def normalise(col: pd.Series, expected: str) -> pd.Series:
    """Lossless, kind-preserving cast towards ``expected``; other kinds are left alone."""
    dtype = col.dtype
    if expected == "str":
        return _as_str(col)
    if expected.startswith("int") and pd.api.types.is_integer_dtype(dtype):
        info = np.iinfo(np.dtype(expected))
        lo, hi = col.min(), col.max()
        if len(col) and col.notna().any() and (lo < info.min or hi > info.max):
            return col
        return col.astype(expected if not col.isna().any() else expected.capitalize())
    if expected.startswith("float") and pd.api.types.is_numeric_dtype(dtype):
        if pd.api.types.is_bool_dtype(dtype):
            return col
        return pd.Series(col.to_numpy(dtype=expected, na_value=np.nan), index=col.index)
    if (
        expected.startswith("datetime64")
        and pd.api.types.is_object_dtype(dtype)
        and pd.api.types.infer_dtype(col, skipna=True) in ("date", "datetime")
    ):
        return pd.to_datetime(col)
    if expected.startswith("datetime64") and pd.api.types.is_datetime64_dtype(dtype):
        return _datetime_as(col, expected)
    return col


def _as_str(col: pd.Series) -> pd.Series:
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        if pd.api.types.infer_dtype(dtype.categories, skipna=True) in ("string", "empty"):
            return col.astype("str")
    elif isinstance(dtype, pd.StringDtype):
        return col if dtype == "str" and dtype.na_value is not pd.NA else col.astype("str")
    elif pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(col, skipna=True) in (
        "string",
        "empty",
    ):
        return col.astype("str")
    return col


def _datetime_as(col: pd.Series, expected: str) -> pd.Series:
    """Another datetime unit cast to ``expected`` when every value fits (GX compares
    nanosecond columns vectorised); a column with dates outside the nanosecond range
    (before 1677 or after 2262) keeps its unit, so nothing is lost."""
    if col.dtype == expected:
        return col
    lo, hi = col.min(), col.max()
    if pd.isna(lo) or (pd.Timestamp.min <= lo and hi <= pd.Timestamp.max):
        return col.astype(expected)
    return col
