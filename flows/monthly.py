"""Prefect flows: the monthly evaluation, the backfill driver and the deployment.

The flow body reads like a table of contents; the work is in :mod:`flows.stages` and
:mod:`evaluation`. Person-level objects (validated frames, the panel, matched sets) are
passed in memory only: their tasks have ``persist_result=False`` and no cache. The one
cached task, :func:`evaluate_offer_task`, returns aggregate tables only and is keyed on the
hashes of the input files, the offer's config, the as-of month and the code version, so
a rerun with unchanged data skips the matching and estimation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from prefect import flow, get_run_logger, tags, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.filesystems import LocalFileSystem
from pydantic import BaseModel, ConfigDict, Field

from evaluation.monitor import artifact_key
from flows import io, stages
from flows.config import ConfigModel, config_hash, load_config, to_core
from flows.outcome import fail_with_one_line
from flows.publish import publish
from flows.report import render_report
from flows.validation import ValidatedInputs, validate_inputs

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
CRON = "0 6 5 * *"  # the 5th of every month at 06:00 Copenhagen time
DEPLOYMENT_NAME = "monthly-evaluation"


def code_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mereffekt")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def last_closed_month(now: dt.datetime | None = None) -> str:
    """The month before the current month in Copenhagen time, as YYYY-MM."""
    now = now or dt.datetime.now(COPENHAGEN)
    first = now.date().replace(day=1)
    prev = first - dt.timedelta(days=1)
    return f"{prev.year:04d}-{prev.month:02d}"


class RunParameters(BaseModel):
    """Parameters of one monthly evaluation (the deployment's typed parameters)."""

    model_config = ConfigDict(extra="forbid")

    data: str = Field(description="Folder with persons/status_monthly/participation.parquet")
    config: str = Field(description="Evaluation config (YAML)")
    out: str = Field(description="Output folder; results go to OUT/as_of=YYYY-MM/")
    as_of: str | None = Field(
        default=None,
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="Evaluate as of this month (default: the month just closed)",
    )
    restricted_out: str | None = Field(
        default=None, description="Folder for person-level rows (matched sets, quarantine)"
    )
    lang: str = Field(default="da", pattern="^(da|en)$")
    cache_dir: str | None = Field(
        default=None, description="Where cached aggregate task results live"
    )


# --- tasks ------------------------------------------------------------------------------


def _retry_on_io(task, task_run, state) -> bool:  # noqa: ANN001 - Prefect hook signature
    """Retry reading only on I/O errors, never on a contract failure."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:  # noqa: BLE001 - any other failure is not helped by a retry
        return False
    return False


@task(retries=2, retry_delay_seconds=2, retry_condition_fn=_retry_on_io, cache_policy=NO_CACHE)
def hash_inputs(data: str) -> dict[str, str]:
    return io.input_hashes(Path(data))


_VALIDATED: dict[str, ValidatedInputs] = {}  # process memo, keyed on input hashes (max 1)


@task(
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=_retry_on_io,
    persist_result=False,
    cache_policy=NO_CACHE,
)
def validate(data: str, hashes: dict[str, str], max_quarantine_share: float) -> ValidatedInputs:
    """Contract validation (person level: kept in memory, never persisted)."""
    key = hashlib.sha256(repr((sorted(hashes.items()), max_quarantine_share)).encode()).hexdigest()
    if key not in _VALIDATED:
        _VALIDATED.clear()
        _VALIDATED[key] = validate_inputs(Path(data), max_quarantine_share=max_quarantine_share)
    return _VALIDATED[key]


@task(persist_result=False, cache_policy=NO_CACHE)
def build_panel(validated: ValidatedInputs, as_of: str):  # noqa: ANN201 - StatusPanel
    return stages.panel_as_of(validated.persons, validated.status, validated.participation, as_of)


def _offer_cache_key(context: Any, parameters: dict[str, Any]) -> str:
    return parameters["cache_key"]


@task(cache_key_fn=_offer_cache_key, persist_result=True)
def evaluate_offer_task(  # noqa: ANN001
    panel, offer, cfg, cache_key: str, restricted_dir: str | None = None
) -> stages.OfferResults:
    """Match, estimate, value and monitor one offer; aggregate tables only. With
    ``restricted_dir`` the matched sets go there (person level; part of the cache key)."""
    writer = None
    if restricted_dir is not None:
        path = Path(restricted_dir) / f"matched_sets_{offer.offer_id}.parquet"

        def writer(frame: pd.DataFrame) -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name("." + path.name + ".tmp")
            io.write_parquet(frame, tmp, {})
            tmp.replace(path)

    return stages.evaluate_offer(panel, offer, cfg, restricted=writer)


@task(cache_policy=NO_CACHE, persist_result=False)
def write_results(
    params: RunParameters,
    as_of: str,
    tables: dict[str, pd.DataFrame],
    manifest: dict[str, Any],
    validated: ValidatedInputs,
    report: dict[str, Any],
) -> Path:
    def write_report(path: Path) -> None:
        html = render_report(tables, as_of=as_of, run_id=manifest["run_id"], **report)
        path.write_text(html, encoding="utf-8")

    return publish(
        out=Path(params.out),
        as_of=as_of,
        tables=tables,
        manifest=manifest,
        validated=validated,
        restricted_out=Path(params.restricted_out) if params.restricted_out else None,
        extra_files={"report.html": write_report},
    )


@task(cache_policy=NO_CACHE, persist_result=False)
def publish_on_track(tables: dict[str, pd.DataFrame]) -> list[str]:
    """One markdown and one table artifact per offer with stable keys
    (``on-track-<offer>`` and ``on-track-<offer>-table``), from the suppressed tables."""
    indicators, matching = tables.get("indicators"), tables.get("matching")
    if indicators is None or indicators.empty:
        return []
    names = dict(zip(matching["offer_id"], matching["name"], strict=True))
    keys = []
    for offer_id in pd.unique(indicators["offer_id"]):
        key = artifact_key(str(offer_id))
        markdown, rows = stages.on_track_summary(indicators, offer_id, names.get(offer_id, ""))
        create_markdown_artifact(markdown=markdown, key=key, description="Are we on track?")
        create_table_artifact(table=rows, key=f"{key}-table", description="On-track indicators")
        keys.append(key)
    return keys


# --- flows ------------------------------------------------------------------------------


@flow(name="monthly-evaluation", log_prints=True, persist_result=False)
@fail_with_one_line
def monthly_evaluation(params: RunParameters) -> dict[str, Any]:
    """Evaluate every offer as of one month and write ``OUT/as_of=YYYY-MM/``."""
    logger = get_run_logger()
    as_of = params.as_of or last_closed_month()
    cfg_model = load_config(Path(params.config))
    cfg = to_core(cfg_model)
    hashes = hash_inputs(params.data)
    validated = validate(params.data, hashes, cfg_model.validation.max_quarantine_share)
    panel = build_panel(validated, as_of)
    key_base = _key_base(hashes, cfg_model, as_of)
    restricted = (
        str(io.month_dir(Path(params.restricted_out), as_of)) if params.restricted_out else None
    )
    evaluate = evaluate_offer_task.with_options(result_storage=_cache_storage(params))
    futures = [
        evaluate.submit(
            panel,
            offer,
            cfg,
            cache_key=_offer_key(key_base + repr(restricted), cfg_model, offer.offer_id),
            restricted_dir=restricted,
        )
        for offer in cfg.offers
    ]
    results = [f.result() for f in futures]
    tables = stages.suppress_tables(stages.combine(results), cfg.min_cell_size)
    publish_on_track(tables)
    manifest = _manifest(params, as_of, hashes, cfg_model, validated, tables)
    report = {
        "lang": params.lang,
        "min_cell_size": cfg.min_cell_size,
        "headline_window": tuple(cfg.estimation.headline_window),
    }
    target = write_results(params, as_of, tables, manifest, validated, report)
    logger.info("results for %s written to %s", as_of, target)
    return {"as_of": as_of, "out": str(target), "run_id": manifest["run_id"]}


# --- helpers ----------------------------------------------------------------------------


def _cache_storage(params: RunParameters) -> str:
    """A saved LocalFileSystem block at :func:`cache_dir` (Prefect requires result storage
    to be saved server-side); named after the folder so each folder has one block."""
    folder = cache_dir(params).expanduser().resolve()
    name = "mereffekt-cache-" + hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    LocalFileSystem(basepath=str(folder)).save(name, overwrite=True)
    return f"local-file-system/{name}"


def cache_dir(params: RunParameters) -> Path:
    """Where the cached per-offer aggregate tables live: ``params.cache_dir``, else
    ``$MEREFFEKT_CACHE_DIR``, else ``~/.cache/mereffekt/results`` (never Prefect's default
    result storage, never the published OUT folder)."""
    if params.cache_dir:
        return Path(params.cache_dir)
    env = os.environ.get("MEREFFEKT_CACHE_DIR")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "mereffekt" / "results"


def _key_base(hashes: dict[str, str], cfg: ConfigModel, as_of: str) -> str:
    common = cfg.model_dump(mode="json", exclude={"offers"})
    return repr((sorted(hashes.items()), as_of, code_version(), sorted(common.items())))


def _offer_key(base: str, cfg: ConfigModel, offer_id: str) -> str:
    offer = next(o for o in cfg.offers if o.offer_id == offer_id)
    text = base + repr(offer.model_dump(mode="json"))
    return "offer-" + hashlib.sha256(text.encode()).hexdigest()


def run_id(hashes: dict[str, str], cfg: ConfigModel, as_of: str) -> str:
    """Deterministic run id: same inputs, config, month and code give the same id, so a
    rerun writes byte-identical Parquet files."""
    text = repr((sorted(hashes.items()), config_hash(cfg), as_of, code_version()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _manifest(
    params: RunParameters,
    as_of: str,
    hashes: dict[str, str],
    cfg: ConfigModel,
    validated: ValidatedInputs,
    tables: dict[str, pd.DataFrame],
) -> dict[str, Any]:
    return {
        "run_id": run_id(hashes, cfg, as_of),
        "as_of": as_of,
        "code_version": code_version(),
        "config_hash": config_hash(cfg),
        "input_hashes": hashes,
        "validation": validated.counts,
        "offers": [o.offer_id for o in cfg.offers],
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "pid": os.getpid(),
    }


def run_monthly(params: RunParameters, *, tags_: tuple[str, ...] = ()) -> dict[str, Any]:
    """Run the flow (on the configured Prefect API or Prefect's temporary local server)."""
    with tags(*tags_):
        return monthly_evaluation(params)
