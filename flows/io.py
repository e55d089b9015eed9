"""Reading and writing at the edges: input hashes, result Parquet files with key-value
metadata, and the atomic, locked commit of a month's result folder.

A run writes everything into a hidden staging folder next to the target and renames it
into place only when every file is written, so ``OUT/as_of=YYYY-MM/`` is either the
previous complete result or the new complete result, never a mix. A per-month lock
file stops two runs of the same month from interleaving.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

INPUT_FILES = (
    "persons.parquet",
    "status_monthly.parquet",
    "participation.parquet",
    "outcomes_monthly.parquet",  # optional
)
MANIFEST = "manifest.json"


class OutputError(RuntimeError):
    """Results could not be written; the previous results of the month are intact."""


def month_dir(out: Path, as_of: str) -> Path:
    return Path(out) / f"as_of={as_of}"


def file_sha256(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def input_hashes(data_dir: Path) -> dict[str, str]:
    """SHA-256 of every input file that exists (missing files are reported by validation)."""
    data_dir = Path(data_dir)
    return {
        name: file_sha256(data_dir / name) for name in INPUT_FILES if (data_dir / name).is_file()
    }


def to_arrow(frame: pd.DataFrame, schema: pa.Schema | None = None) -> pa.Table:
    """A deterministic Arrow table: categoricals as plain strings, no pandas index.

    With ``schema`` (an output contract's), the table has exactly its columns, in its
    order and types; a missing column is all null, an extra one is an error."""
    if schema is not None:
        return _conform(frame, schema)
    frame = frame.copy()
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype("str")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    schema = pa.schema(
        [f.with_type(pa.string()) if pa.types.is_large_string(f.type) else f for f in table.schema]
    )
    return table.cast(schema).replace_schema_metadata(None)


def _conform(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    extra = [c for c in frame.columns if c not in schema.names]
    if extra:
        raise ValueError(f"columns not in the output contract: {', '.join(map(str, extra))}")
    arrays = []
    for f in schema:
        if f.name in frame.columns:
            col = frame[f.name]
            if isinstance(col.dtype, pd.CategoricalDtype):
                col = col.astype("str")
            arr = pa.array(col, from_pandas=True)
            arrays.append(arr.cast(f.type))
        else:
            arrays.append(pa.nulls(len(frame), f.type))
    return pa.Table.from_arrays(arrays, schema=schema).replace_schema_metadata(None)


def write_parquet(
    frame: pd.DataFrame,
    path: Path,
    metadata: Mapping[str, str],
    schema: pa.Schema | None = None,
) -> None:
    """Write ``frame`` (in ``schema`` when given) with run metadata (str -> str);
    byte-identical for identical input."""
    table = to_arrow(frame, schema)
    table = table.replace_schema_metadata({k: str(v) for k, v in sorted(metadata.items())})
    pq.write_table(table, path, compression="zstd", write_statistics=True)


def write_inputs(frames: Mapping[str, pd.DataFrame], data_dir: Path) -> None:
    """Write input frames (``persons``, ``status_monthly``, ``participation``)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        pq.write_table(to_arrow(frame), data_dir / f"{name}.parquet", compression="zstd")


def is_complete(out: Path, as_of: str) -> bool:
    """A month's results are complete when its committed folder has a manifest."""
    manifest = month_dir(out, as_of) / MANIFEST
    if not manifest.is_file():
        return False
    try:
        return json.loads(manifest.read_text()).get("status") == "complete"
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def month_lock(out: Path, as_of: str, *, wait_seconds: float = 0.0) -> Iterator[None]:
    """Exclusive lock for one month's results; waits up to ``wait_seconds``, then refuses.

    The lock is ``flock`` on ``OUT/.lock-as_of=YYYY-MM``. The holder deletes that file
    before it unlocks, so no lock file is left behind; a waiter that opened the file
    before it was deleted notices, once it holds the lock, that the path no longer names
    its file and starts again, so two writers never hold the lock at the same time."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f".lock-as_of={as_of}"
    handle = _acquire(path, time.monotonic() + wait_seconds, as_of, out)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _acquire(path: Path, deadline: float, as_of: str, out: Path):  # noqa: ANN202 - file
    while True:
        handle = open(path, "a+")  # noqa: SIM115 - closed by month_lock
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            if time.monotonic() >= deadline:
                raise OutputError(
                    f"another run is writing the results for {as_of} in {out}; "
                    "try again when it has finished"
                ) from None
            time.sleep(0.5)
            continue
        if _names(path, handle):
            return handle
        fcntl.flock(handle, fcntl.LOCK_UN)  # the holder deleted it meanwhile: again
        handle.close()


def _names(path: Path, handle) -> bool:  # noqa: ANN001 - an open file
    """True when ``path`` still names the open file ``handle``."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    own = os.fstat(handle.fileno())
    return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)


class StagedMonth:
    """A staging folder for one month that becomes ``OUT/as_of=YYYY-MM`` on commit."""

    def __init__(self, out: Path, as_of: str) -> None:
        self.out = Path(out)
        self.as_of = as_of
        self.target = month_dir(out, as_of)
        self.path = self.out / f".staging-as_of={as_of}-{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> StagedMonth:
        recover(self.out, self.as_of)
        self.path.mkdir(parents=True)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)

    def commit(self) -> Path:
        """Swap the staging folder into place: the old folder is moved aside first and
        deleted last; :func:`recover` restores it if the process dies in between."""
        _fsync_tree(self.path)
        old = self.out / f".old-as_of={self.as_of}"
        if old.exists():
            shutil.rmtree(old)
        try:
            if self.target.exists():
                os.rename(self.target, old)
            os.rename(self.path, self.target)
        except OSError as exc:
            if old.exists() and not self.target.exists():
                os.rename(old, self.target)
            raise OutputError(f"could not commit results for {self.as_of}: {exc}") from exc
        shutil.rmtree(old, ignore_errors=True)
        return self.target


def recover(out: Path, as_of: str) -> None:
    """Undo a commit interrupted between its two renames; drop dead staging folders."""
    out = Path(out)
    target, old = month_dir(out, as_of), out / f".old-as_of={as_of}"
    if old.exists() and not target.exists():
        os.rename(old, target)
    elif old.exists():
        shutil.rmtree(old, ignore_errors=True)
    for stale in out.glob(f".staging-as_of={as_of}-*"):
        shutil.rmtree(stale, ignore_errors=True)


def write_json(path: Path, payload: Mapping) -> None:
    Path(path).write_text(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")


def describe_os_error(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    return exc.strerror or str(exc)


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
