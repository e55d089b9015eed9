"""Prefect flows: the monthly evaluation, the backfill driver and the deployment.

The flow body reads like a table of contents; the work is in :mod:`flows.stages` and
:mod:`evaluation`. Faults that need no computing (config, output folders, the data's
period against the as-of month, offers without participants) stop the run first.
Person-level objects (validated frames, the panel, matched sets) are passed in memory
only. Prefect persists nothing: every task and flow has ``persist_result=False`` and no
cache policy. Each offer's aggregate tables are cached explicitly as Parquet files
(:mod:`flows.offer_cache`), keyed on the hashes of the input files, the config, the as-of
month and the code version, so a rerun with unchanged data skips the matching and
estimation.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from prefect import flow, get_run_logger, tags, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed
from pydantic import BaseModel, ConfigDict, Field

from evaluation.monitor import artifact_key
from evaluation.period import DataPeriod
from flows import guards, inputs, io, offer_cache, progress, stages
from flows.annotate import annotate
from flows.config import ConfigModel, config_hash, to_core
from flows.excel import WorkbookInfo, workbook_name, write_workbook
from flows.prepared import PreparedInputs, prepare
from flows.publish import manifest_counts, publish
from flows.report import render_report
from flows.report.validation_page import render_validation_page, row_numbers
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
# Nothing a task or flow returns is persisted by Prefect (persist_result=False, no cache
# policy): person-level objects stay in memory, the per-offer aggregate cache is
# :mod:`flows.offer_cache`, and a failed run ends in a Failed state that carries its
# exception in memory only (see :func:`monthly_evaluation`).


def _retry_on_io(task, task_run, state) -> bool:  # noqa: ANN001 - Prefect hook signature
    """Retry reading only on I/O errors, never on a contract failure."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:  # noqa: BLE001 - any other failure is not helped by a retry
        return False
    return False


@task(
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=_retry_on_io,
    persist_result=False,
    cache_policy=NO_CACHE,
)
def hash_inputs(data: str) -> dict[str, str]:
    return io.input_hashes(Path(data))


@task(
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=_retry_on_io,
    persist_result=False,
    cache_policy=NO_CACHE,
)
def validate(data: str, max_quarantine_share: float) -> ValidatedInputs:
    """Contract validation (person level: kept in memory, never persisted)."""
    return validate_inputs(Path(data), max_quarantine_share=max_quarantine_share)


@task(persist_result=False, cache_policy=NO_CACHE)
def build_panel(prepared: PreparedInputs, as_of: str):  # noqa: ANN201 - StatusPanel
    """The person x month panel as of ``as_of`` (status rows as codes, int8 matrix)."""
    return prepared.panel_as_of(as_of)


@task(persist_result=False, cache_policy=NO_CACHE)
def evaluate_offer_task(  # noqa: ANN001
    panel, offer, cfg, with_matched_sets: bool = False, earnings=None
) -> tuple[stages.OfferResults, pd.DataFrame | None]:
    """Match, estimate, value and monitor one offer: its aggregate tables, and with
    ``with_matched_sets`` its person-level matched sets (in memory, for the restricted
    folder); ``earnings``: status rows with earnings_dkk (in memory), or None."""
    sets: list[pd.DataFrame] = []
    results = stages.evaluate_offer(
        panel,
        offer,
        cfg,
        restricted=sets.append if with_matched_sets else None,
        earnings=earnings,
    )
    return results, (sets[0] if sets else None)


@task(persist_result=False, cache_policy=NO_CACHE)
def write_matched_sets(frame: pd.DataFrame, path: Path, key: str) -> None:
    """Person-level matched sets to the restricted folder (tagged with the offer's key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".tmp")
    io.write_parquet(frame, tmp, {MATCHED_SETS_KEY: key})
    tmp.replace(path)


@task(cache_policy=NO_CACHE, persist_result=False)
def write_results(
    params: RunParameters,
    as_of: str,
    tables: dict[str, pd.DataFrame],
    manifest: dict[str, Any],
    validated: ValidatedInputs,
    report: dict[str, Any],
    workbook: WorkbookInfo | None = None,
    max_quarantine_share: float = 0.05,
) -> Path:
    def write_report(path: Path) -> None:
        html = render_report(tables, as_of=as_of, run_id=manifest["run_id"], **report)
        path.write_text(html, encoding="utf-8")

    def validation_page(rows: bool) -> Callable[[Path], None]:
        """The people's validation page from the suppressed tables; row numbers only in
        the restricted copy."""
        html = render_validation_page(
            tables["quarantine_summary"],
            tables["validation"],
            as_of=as_of,
            run_id=manifest["run_id"],
            lang=report["lang"],
            min_cell_size=report["min_cell_size"],
            max_quarantine_share=max_quarantine_share,
            row_numbers=row_numbers(validated.quarantine) if rows else None,
        )
        return lambda path: path.write_text(html, encoding="utf-8")

    extra = {"report.html": write_report, "validation_report.html": validation_page(False)}
    if workbook is not None:  # the analysts' workbook, from the same suppressed tables
        extra[workbook_name(workbook.lang)] = lambda path: write_workbook(path, tables, workbook)

    return publish(
        out=Path(params.out),
        as_of=as_of,
        tables=tables,
        manifest=manifest,
        validated=validated,
        restricted_out=Path(params.restricted_out) if params.restricted_out else None,
        extra_files=extra,
        restricted_files={"validation_report.html": validation_page(True)},
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
def monthly_evaluation(params: RunParameters) -> Any:
    """Evaluate every offer as of one month and write ``OUT/as_of=YYYY-MM/``.

    A failure ends the flow run in a Failed state whose message is the one-line reason.
    The state carries the exception in memory for the caller (who sees it raised), and
    Prefect writes nothing to its result storage (a raised exception would be pickled
    there, with everything it holds)."""
    try:
        return evaluate_month(params)
    except Exception as exc:  # noqa: BLE001 - becomes the run's Failed state
        from flows.cli import error_line  # the same line the CLI prints

        line = error_line(exc)
        get_run_logger().error(line)
        return Failed(message=line, data=exc)


def evaluate_month(params: RunParameters) -> dict[str, Any]:
    """The monthly evaluation; faults that need no computing are found first."""
    as_of = params.as_of or last_closed_month()
    cfg_model = guards.preflight(params.config, params.out, params.restricted_out)
    cfg = to_core(cfg_model)
    with progress.stage("hashing the inputs"):
        hashes = hash_inputs(params.data)
    with progress.stage("validating the inputs"):
        prepared = _prepared(params.data, hashes, cfg_model.validation.max_quarantine_share)
    validated = prepared.validated
    offer_ids = [o.offer_id for o in cfg.offers]
    inputs.check_offer_ids(validated.participation["offer_id"].unique(), offer_ids)
    period = prepared.period
    guards.check_as_of(as_of, period, defaulted=params.as_of is None)
    not_started = guards.check_offers(
        cfg_model, validated.participation, source=f"config {params.config}"
    )
    progress.note(f"data {period.describe()}; evaluating as of {as_of}")
    with progress.stage(f"building the person x month panel as of {as_of}"):
        panel = build_panel(prepared, as_of)
    earnings = earnings_rows(validated)
    results = _offer_results(panel, cfg, cfg_model, params, hashes, as_of, earnings)
    primary = {o.offer_id: o.primary_outcome for o in cfg.offers}
    names = {o.offer_id: o.name for o in cfg.offers}
    combined = annotate(stages.combine(results, primary), names)
    tables = stages.suppress_tables(combined, cfg.min_cell_size, validated)
    publish_on_track(tables)
    manifest = _manifest(params, as_of, hashes, cfg_model, period, not_started, tables)
    manifest |= inputs.manifest_entries(
        panel,
        validated.status_months(),
        validated.participation,
        config_ids=offer_ids,
        as_of=as_of,
        min_cell_size=cfg.min_cell_size,
    )
    report = {
        "lang": params.lang,
        "min_cell_size": cfg.min_cell_size,
        "allow_small_cells": cfg_model.privacy.allow_small_cells,
        "headline_window": tuple(cfg.estimation.headline_window),
    }
    workbook = WorkbookInfo(
        as_of=as_of,
        run_id=manifest["run_id"],
        data_first_month=period.first_label,
        data_last_month=period.last_label,
        min_cell_size=cfg.min_cell_size,
        allow_small_cells=cfg_model.privacy.allow_small_cells,
        prices_illustrative=None if cfg.prices is None else cfg.prices.illustrative,
        lang=params.lang,  # type: ignore[arg-type]
    )
    with progress.stage("writing the results, the report and the workbook"):
        target = write_results(
            params,
            as_of,
            tables,
            manifest,
            validated,
            report,
            workbook,
            cfg_model.validation.max_quarantine_share,
        )
    get_run_logger().info("results for %s written to %s", as_of, target)
    return {
        "as_of": as_of,
        "out": str(target),
        "run_id": manifest["run_id"],
        "data_first_month": period.first_label,
        "data_last_month": period.last_label,
        "not_started": not_started,
    }


# --- helpers ----------------------------------------------------------------------------


def earnings_rows(validated: ValidatedInputs) -> pd.DataFrame | None:
    """The kept status rows' person, month and earnings_dkk (person level, in memory),
    or None when the file has no earnings column."""
    if "earnings_dkk" not in validated.tables["status"].columns:
        return None
    return validated.status[["person_id", "month", "earnings_dkk"]]


def _offer_results(  # noqa: ANN001
    panel,
    cfg,
    cfg_model: ConfigModel,
    params: RunParameters,
    hashes: dict,
    as_of: str,
    earnings=None,
) -> list[stages.OfferResults]:
    """Every offer's aggregate tables: from the offer cache where the key matches (and,
    with a restricted folder, its matched sets are there with the same key), else
    computed concurrently; the matched sets are written outside any cached step."""
    base = _key_base(hashes, cfg_model, as_of)
    folder = cache_dir(params)
    restricted = io.month_dir(Path(params.restricted_out), as_of) if params.restricted_out else None
    done: dict[str, stages.OfferResults] = {}
    todo = {}
    for offer in cfg.offers:
        key = offer_key(base, cfg_model, offer.offer_id)
        sets_path = restricted / f"matched_sets_{offer.offer_id}.parquet" if restricted else None
        hit = offer_cache.load(folder, key)
        if hit is not None and (sets_path is None or _tagged(sets_path, key)):
            done[offer.offer_id] = hit
            progress.note(f"{offer.offer_id}: from the cache")
        else:
            todo[offer.offer_id] = (key, sets_path)
    futures = {
        o.offer_id: evaluate_offer_task.submit(
            panel, o, cfg, todo[o.offer_id][1] is not None, earnings
        )
        for o in cfg.offers
        if o.offer_id in todo
    }
    t0 = time.perf_counter()
    with progress.stage(f"matching and estimating {len(futures)} offer(s)"):
        for offer_id, future in futures.items():
            key, sets_path = todo[offer_id]
            results, sets = future.result()
            if sets_path is not None:
                write_matched_sets(sets, sets_path, key)
            offer_cache.save(folder, key, results)
            done[offer_id] = results
            progress.note(f"{offer_id}: done ({time.perf_counter() - t0:.1f} s since the start)")
    return [done[o.offer_id] for o in cfg.offers]


MATCHED_SETS_KEY = "mereffekt.offer_cache_key"


def _tagged(path: Path, key: str) -> bool:
    """True when the restricted matched sets at ``path`` were written under ``key``."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, ValueError):
        return False
    return meta.get(MATCHED_SETS_KEY.encode(), b"").decode() == key


def _prepared(data: str, hashes: dict[str, str], share: float) -> PreparedInputs:
    """The prepared inputs: those handed over by :func:`reusing_inputs` when they belong
    to the same input files, else validated now (the panel is built per month)."""
    given = _GIVEN.get()
    if given is not None and given.matches(hashes, share):
        return given
    return prepare(validate(data, share), hashes, share)


_GIVEN: ContextVar[PreparedInputs | None] = ContextVar("mereffekt_prepared", default=None)


@contextlib.contextmanager
def reusing_inputs(prepared: PreparedInputs) -> Iterator[None]:
    """Within the block, runs on the input files with the prepared hashes use
    ``prepared`` (its validation and its panel) instead of validating again and building
    the panel (a backfill prepares once for all its months). Scoped to the block and the
    current context: nothing is kept after it, and nothing reaches Prefect."""
    token = _GIVEN.set(prepared)
    try:
        yield
    finally:
        _GIVEN.reset(token)


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
    return repr(
        (CACHE_FORMAT, sorted(hashes.items()), as_of, code_version(), sorted(common.items()))
    )


CACHE_FORMAT = "offer-parquet-1"  # changes when the cached tables change shape


def offer_key(base: str, cfg: ConfigModel, offer_id: str) -> str:
    """The offer cache's key: inputs, as-of month, code, shared config and the offer's."""
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
    period: DataPeriod,
    not_started: list[str],
    tables: dict[str, pd.DataFrame],
) -> dict[str, Any]:
    return {
        "run_id": run_id(hashes, cfg, as_of),
        "as_of": as_of,
        "data_first_month": period.first_label,
        "data_last_month": period.last_label,
        "code_version": code_version(),
        "config_hash": config_hash(cfg),
        "input_hashes": hashes,
        "validation": manifest_counts(tables["validation"]),  # suppressed
        "offers": [o.offer_id for o in cfg.offers],
        "offers_not_started": not_started,
        "privacy": {
            "min_cell_size": cfg.privacy.min_cell_size,
            "allow_small_cells": cfg.privacy.allow_small_cells,
        },
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "pid": os.getpid(),
    }


def run_monthly(params: RunParameters, *, tags_: tuple[str, ...] = ()) -> dict[str, Any]:
    """Run the flow (on the configured Prefect API or Prefect's temporary local server)."""
    with tags(*tags_):
        return monthly_evaluation(params)
