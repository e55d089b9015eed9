"""A cache of each offer's aggregate tables, as Parquet files in a folder of our own.

A rerun with unchanged inputs, config, as-of month, language and code skips the
matching and estimation of an offer: its tables (:class:`evaluation.offer.OfferTables`,
aggregate only, not yet suppressed) are read back from ``CACHE/<key>/``. The key is a
hash of all of these (:func:`offer_key`). Nothing person level is cached: the matched
sets go to the restricted folder, written by the flow, never here. Prefect's result
persistence is not used.

An entry is written into a hidden folder and renamed into place, so a reader sees a
complete entry or none. A damaged or unreadable entry counts as a miss; a cache that
cannot be written is skipped (the run does not depend on it).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from evaluation.offer import OfferTables
from evaluation.schema import OFFER_TABLES as TABLES
from flows.config import ConfigModel

OFFER_KEY = b"mereffekt.offer_id"
CACHE_FORMAT = "offer-parquet-4"  # changes with the cached tables (4: callaway_santanna rows)

logger = logging.getLogger(__name__)


def cache_dir(given: str | None = None) -> Path:
    """Where the cached per-offer aggregate tables live: ``given``, else
    ``$MEREFFEKT_CACHE_DIR``, else ``~/.cache/mereffekt/results`` (never Prefect's default
    result storage, never the published OUT folder)."""
    if given:
        return Path(given)
    env = os.environ.get("MEREFFEKT_CACHE_DIR")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "mereffekt" / "results"


def offer_keys(
    hashes: Mapping[str, str], cfg: ConfigModel, *, as_of: str, lang: str, code: str
) -> dict[str, str]:
    """Each offer's cache key, by offer id: a hash of the input files' hashes, the as-of
    month, the language of the texts in the tables, the code version, the config shared
    by the offers and the offer's own config."""
    common = cfg.model_dump(mode="json", exclude={"offers"})
    base = repr((CACHE_FORMAT, sorted(hashes.items()), as_of, lang, code, sorted(common.items())))
    return {o.offer_id: offer_key(base, o.model_dump(mode="json")) for o in cfg.offers}


def offer_key(base: str, offer: Mapping[str, object]) -> str:
    """The key of one offer (its config as JSON-ready data) on the run's ``base``."""
    return "offer-" + hashlib.sha256((base + repr(offer)).encode()).hexdigest()


def load(folder: Path, key: str) -> OfferTables | None:
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
    return OfferTables(offer_id=offer_id or "", **tables)


def save(folder: Path, key: str, results: OfferTables) -> None:
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
