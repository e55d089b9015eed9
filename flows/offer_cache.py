"""A cache of each offer's aggregate tables, as Parquet files in a folder of our own.

A rerun with unchanged inputs, config, as-of month and code skips the matching and
estimation of an offer: its tables (:class:`flows.stages.OfferResults`, aggregate only,
not yet suppressed) are read back from ``CACHE/<key>/``. The key is a hash of all of
these (:func:`flows.monthly.offer_key`). Nothing person level is cached: the matched sets
go to the restricted folder, written by the flow, never here. Prefect's result
persistence is not used.

An entry is written into a hidden folder and renamed into place, so a reader sees a
complete entry or none. A damaged or unreadable entry counts as a miss; a cache that
cannot be written is skipped (the run does not depend on it).
"""

from __future__ import annotations

import logging
import shutil
import uuid
from dataclasses import fields
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from flows.stages import OfferResults

TABLES = tuple(f.name for f in fields(OfferResults) if f.name != "offer_id")
OFFER_KEY = b"mereffekt.offer_id"

logger = logging.getLogger(__name__)


def load(folder: Path, key: str) -> OfferResults | None:
    """The cached tables of ``key``, or None."""
    entry = Path(folder) / key
    if not entry.is_dir():
        return None
    try:
        tables = {}
        offer_id = None
        for name in TABLES:
            table = pq.read_table(entry / f"{name}.parquet")
            offer_id = (table.schema.metadata or {}).get(OFFER_KEY, b"").decode()
            tables[name] = table.to_pandas()
    except (OSError, pa.ArrowException) as exc:
        logger.warning("offer cache entry %s unreadable (%s); recomputing", key, exc)
        return None
    return OfferResults(offer_id=offer_id or "", **tables)


def save(folder: Path, key: str, results: OfferResults) -> None:
    """Store ``results`` under ``key`` (atomic; an existing entry is kept)."""
    folder = Path(folder)
    tmp = folder / f".{key}.{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir(parents=True)
        for name in TABLES:
            table = pa.Table.from_pandas(getattr(results, name))
            meta = {**(table.schema.metadata or {}), OFFER_KEY: results.offer_id.encode()}
            pq.write_table(table.replace_schema_metadata(meta), tmp / f"{name}.parquet")
        tmp.rename(folder / key)
    except OSError as exc:  # an entry written meanwhile, a full or read-only cache disk
        if not (folder / key).is_dir():
            logger.warning("offer cache not written (%s); the run goes on without it", exc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
