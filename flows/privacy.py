"""Pseudonymising input files before they enter the pipeline (the data owner's step).

``mereffekt pseudonymise --data RAW --out CLEAN [--key-file KEY]`` reads every
``*.parquet`` in ``RAW``, replaces the ID columns (default ``person_id``) by keyed
pseudonyms (:func:`evaluation.privacy.pseudonymise`) and writes the files to ``CLEAN``,
one row group at a time, so memory stays at one row group however long the panel is.
Each output file is written under a temporary name and renamed into place when complete.

The key comes from a file or from ``$MEREFFEKT_PSEUDONYM_KEY`` and is never logged or
shown in an error. It must be kept apart from the data: a key file inside a data
folder is refused. The same key must be used every month, or the months will not join.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from evaluation.privacy import MIN_KEY_BYTES, cpr_columns, pseudonymise

log = logging.getLogger(__name__)

KEY_ENV_VAR = "MEREFFEKT_PSEUDONYM_KEY"


class PrivacyError(ValueError):
    """A key or a file would put personal data at risk; nothing was written."""


def load_key(
    *,
    env_var: str = KEY_ENV_VAR,
    key_file: Path | None = None,
    data_dir: Path | Sequence[Path] | None = None,
) -> bytes:
    """The pseudonym key: the bytes of ``key_file`` if given, else of ``$env_var``,
    without surrounding whitespace (so ``openssl rand -hex 32 > key`` works).

    Raises :class:`PrivacyError` if there is no key, it is shorter than 32 bytes, or the
    key file lies inside one of the data folders ``data_dir``.
    """
    if key_file is not None:
        key_file = Path(key_file)
        _not_inside_data(key_file, data_dir)
        if not key_file.is_file():
            raise PrivacyError(f"pseudonym key file {key_file} does not exist")
        if key_file.stat().st_mode & 0o077:
            log.warning("pseudonym key file %s is readable by other users", key_file)
        key, source = key_file.read_bytes().strip(), f"key file {key_file}"
    else:
        value = os.environ.get(env_var)
        if not value:
            raise PrivacyError(f"no pseudonym key: set ${env_var} or pass a key file")
        key, source = value.strip().encode("utf-8"), f"${env_var}"
    if len(key) < MIN_KEY_BYTES:
        raise PrivacyError(
            f"the pseudonym key in {source} is too short ({len(key)} bytes); "
            f"it needs at least {MIN_KEY_BYTES} bytes, e.g. from 'openssl rand -hex 32'"
        )
    return key


def pseudonymise_inputs(
    src: Path, dst: Path, key: bytes, *, id_columns: Sequence[str] = ("person_id",)
) -> dict[str, int]:
    """Rewrite every ``src/*.parquet`` into ``dst`` with pseudonymised ``id_columns``.

    ID columns become strings; other columns are copied unchanged. Returns the number
    of rows per file. Raises :class:`PrivacyError` if ``dst`` is ``src``, or if a column
    that is not an ID column still holds CPR-like values (that file is not written).
    """
    src, dst = Path(src), Path(dst)
    if dst.resolve() == src.resolve():
        raise PrivacyError("the output folder must differ from the input folder")
    files = sorted(p for p in src.glob("*.parquet") if p.is_file())
    if not files:
        raise PrivacyError(f"no .parquet files in {src}")
    dst.mkdir(parents=True, exist_ok=True)
    return {p.name: _rewrite(p, dst / p.name, key, tuple(id_columns)) for p in files}


def _rewrite(path: Path, target: Path, key: bytes, id_columns: tuple[str, ...]) -> int:
    source = pq.ParquetFile(path)
    schema = _output_schema(source.schema_arrow, id_columns)
    tmp = target.with_name(f".{target.name}.partial")
    rows = 0
    try:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for i in range(source.num_row_groups):
                table = source.read_row_group(i)
                _refuse_cpr(table, id_columns, path, offset=rows)
                writer.write_table(_pseudonymise_table(table, key, id_columns, schema))
                rows += table.num_rows
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return rows


def _output_schema(schema: pa.Schema, id_columns: tuple[str, ...]) -> pa.Schema:
    fields = [f.with_type(pa.string()) if f.name in id_columns else f for f in schema]
    metadata = dict(schema.metadata or {})
    metadata.pop(b"pandas", None)  # its dtypes would contradict the new ID type
    return pa.schema(fields, metadata=metadata or None)


def _pseudonymise_table(
    table: pa.Table, key: bytes, id_columns: tuple[str, ...], schema: pa.Schema
) -> pa.Table:
    columns = []
    for name in table.column_names:
        column = table.column(name)
        if name in id_columns:
            column = _pseudonymise_column(column, key)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def _pseudonymise_column(column: pa.ChunkedArray, key: bytes) -> pa.Array:
    """One HMAC per distinct ID in the row group: hash the dictionary, then take."""
    column = column.combine_chunks()
    encoded = column if pa.types.is_dictionary(column.type) else pc.dictionary_encode(column)
    dictionary = encoded.dictionary
    if not pa.types.is_string(dictionary.type):
        dictionary = pc.cast(dictionary, pa.string())
    names = pseudonymise(np.asarray(dictionary.to_pylist(), dtype=object), key)
    return pc.take(pa.array(names, type=pa.string()), encoded.indices)


def _refuse_cpr(table: pa.Table, id_columns: tuple[str, ...], path: Path, offset: int) -> None:
    others = [n for n in table.column_names if n not in id_columns]
    text = [
        n
        for n in others
        if pa.types.is_string(table.schema.field(n).type)
        or pa.types.is_large_string(table.schema.field(n).type)
        or pa.types.is_integer(table.schema.field(n).type)
    ]
    if not text:
        return
    findings = cpr_columns(table.select(text).to_pandas())
    if findings:
        shifted = (
            replace(f, rows=tuple(r + offset for r in f.rows)).describe() for f in findings.values()
        )
        raise PrivacyError(
            f"{path.name}: {'; '.join(shifted)}; not an ID column, so the file was not written"
        )


def _not_inside_data(key_file: Path, data_dir: Path | Sequence[Path] | None) -> None:
    if data_dir is None:
        return
    folders = [data_dir] if isinstance(data_dir, str | os.PathLike) else list(data_dir)
    resolved = key_file.resolve()
    for folder in folders:
        if resolved.is_relative_to(Path(folder).resolve()):
            raise PrivacyError(
                f"the pseudonym key file {key_file} lies inside the data folder {folder}; "
                "keep the key apart from the data it protects"
            )
