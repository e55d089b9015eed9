"""Prefect flows: the monthly evaluation, the backfill driver and the deployment.

The flow body reads like a table of contents: read and validate the inputs, build the
panel (:func:`evaluation.panel.panel_as_of`), evaluate each offer
(:mod:`flows.offers` over :func:`evaluation.offer.evaluate_offer`), combine and suppress
the tables (:func:`evaluation.offer.combine`, :func:`flows.publish.suppress_tables`),
publish them with the report. Faults that need no computing (config, output folders,
the data's period against the as-of month, offers without participants) stop the run
first. Person-level objects (validated frames, the panel, matched sets) are passed in
memory only. Prefect persists nothing: every task and flow has ``persist_result=False``
and no cache policy. Each offer's aggregate tables are cached explicitly as Parquet
files (:mod:`flows.offer_cache`), keyed on the hashes of the input files, the config, the
as-of month, the language and the code version, so a rerun with unchanged data skips
the matching and estimation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from concurrent.futures import Future
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from prefect import Flow, flow, get_run_logger, tags, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed
from pydantic import BaseModel, ConfigDict, Field

from evaluation.config import EvaluationConfig
from evaluation.earnings import EarningsRows
from evaluation.offer import combine
from evaluation.panel import StatusPanel
from evaluation.period import DataPeriod
from flows import dask_cluster, guards, inputs, io, offer_cache, progress
from flows.annotate import annotate, measure_units, outcome_labels
from flows.artifacts import publish_on_track
from flows.config import ConfigModel, config_hash, to_core
from flows.excel import WorkbookInfo
from flows.month_files import month_files
from flows.offers import OfferThreads, evaluate_offers
from flows.prepared import PreparedInputs, prepare
from flows.prices import load_catalogue
from flows.publish import manifest_counts, publish, suppress_tables
from flows.report import ReportOptions
from flows.validation import ValidatedInputs, validate_inputs

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
CRON = "0 6 5 * *"  # the 5th of every month at 06:00 Copenhagen time
DEPLOYMENT_NAME = "monthly-evaluation"
TABLE_LANGUAGE = "en"
"""Language of the few texts inside the published tables (the indicators' ``rule``): the
tables are the same whatever the report's language, which renders its texts from the
codes (``rule_code``) and numbers."""


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
def validate(
    data: str, max_quarantine_share: float, measures: tuple[str, ...] | None = None
) -> ValidatedInputs:
    """Contract validation (person level: kept in memory, never persisted); ``measures``:
    the config's declared measures (rows of others in outcomes_monthly are set aside)."""
    return validate_inputs(Path(data), max_quarantine_share=max_quarantine_share, measures=measures)


@task(persist_result=False, cache_policy=NO_CACHE)
def build_panel(prepared: PreparedInputs, as_of: str) -> StatusPanel:
    """The person x month panel as of ``as_of`` (status rows as codes, int8 matrix)."""
    return prepared.panel_as_of(as_of)


@task(cache_policy=NO_CACHE, persist_result=False)
def write_results(
    params: RunParameters,
    tables: dict[str, pd.DataFrame],
    manifest: dict[str, Any],
    validated: ValidatedInputs,
    report: ReportOptions,
    workbook: WorkbookInfo,
    max_quarantine_share: float,
) -> Path:
    """The month's tables, report, validation page and workbook, published at once."""
    public, restricted = month_files(tables, validated, report, workbook, max_quarantine_share)
    return publish(
        out=Path(params.out),
        as_of=report.as_of,
        tables=tables,
        manifest=manifest,
        validated=validated,
        restricted_out=Path(params.restricted_out) if params.restricted_out else None,
        extra_files=public,
        restricted_files=restricted,
    )


# --- flows ------------------------------------------------------------------------------

FLOW_OPTIONS: dict[str, Any] = {
    "name": "monthly-evaluation",
    "log_prints": True,
    "persist_result": False,
    # offers at once in this process (not Prefect's default of all of them: memory)
    "task_runner": OfferThreads(),
}


@flow(**FLOW_OPTIONS)
def monthly_evaluation(params: RunParameters) -> Any:
    """Evaluate every offer as of one month and write ``OUT/as_of=YYYY-MM/``.

    A failure ends the flow run in a Failed state whose message is the one-line reason.
    The state carries the exception in memory for the caller (who sees it raised), and
    Prefect writes nothing to its result storage (a raised exception would be pickled
    there, with everything it holds)."""
    return _run_or_fail(params, None)


def monthly_evaluation_reusing(prepared: PreparedInputs) -> Flow:
    """The monthly evaluation flow (same name and options as :func:`monthly_evaluation`)
    for runs that use ``prepared`` (its validation and its panel) instead of validating
    again and building the panel, as long as their input files are the ones it was
    prepared from (a backfill prepares once for all its months). The prepared inputs
    travel in the flow object, in memory, never as a parameter (Prefect records
    parameters) nor in module state."""

    @flow(**FLOW_OPTIONS)
    def monthly_evaluation(params: RunParameters) -> Any:
        return _run_or_fail(params, prepared)

    return monthly_evaluation


def _run_or_fail(params: RunParameters, given: PreparedInputs | None) -> Any:
    try:
        return evaluate_month(params, given)
    except Exception as exc:  # noqa: BLE001 - becomes the run's Failed state
        from flows.cli import error_line  # the same line the CLI prints

        line = error_line(exc)
        get_run_logger().error(line)
        return Failed(message=line, data=exc)


def evaluate_month(params: RunParameters, given: PreparedInputs | None = None) -> dict[str, Any]:
    """The monthly evaluation; faults that need no computing are found first."""
    as_of = params.as_of or last_closed_month()
    cfg_model = guards.preflight(params.config, params.out, params.restricted_out)
    cfg = to_core(cfg_model, prices=load_catalogue(), language=TABLE_LANGUAGE)
    share = cfg_model.validation.max_quarantine_share
    with progress.stage("hashing the inputs"):
        hashes = hash_inputs(params.data)
    with progress.stage("validating the inputs"):
        use_given = (
            given is not None and given.matches(hashes, share) and given.measures == cfg.measures
        )
        names = tuple(m.name for m in cfg.measures)
        prepared = (
            given
            if use_given
            else prepare(validate(params.data, share, names), hashes, share, measures=cfg.measures)
        )
    validated = prepared.validated
    not_started = _check_against_data(params, cfg_model, prepared, as_of)
    # on Dask the workers lay out their own earnings
    earnings = None if dask_cluster.on_dask() else prepared.earnings_soon()
    with progress.stage(f"building the person x month panel as of {as_of}"):
        panel = build_panel(prepared, as_of)
    tables = _tables(params, as_of, panel, cfg, cfg_model, hashes, validated, prepared, earnings)
    publish_on_track(tables)
    manifest = _manifest(params, as_of, hashes, cfg_model, prepared.period, not_started, tables)
    manifest |= inputs.manifest_entries(
        panel,
        validated.status_months(),
        validated.participation,
        config_ids=[o.offer_id for o in cfg.offers],
        as_of=as_of,
        min_cell_size=cfg.min_cell_size,
    )
    report, workbook = _options(params, cfg, cfg_model, manifest)
    with progress.stage("writing the results, the report and the workbook"):
        target = write_results(params, tables, manifest, validated, report, workbook, share)
    get_run_logger().info("results for %s written to %s", as_of, target)
    return {
        "as_of": as_of,
        "out": str(target),
        "run_id": manifest["run_id"],
        "data_first_month": prepared.period.first_label,
        "data_last_month": prepared.period.last_label,
        "not_started": not_started,
    }


# --- helpers ----------------------------------------------------------------------------


def _check_against_data(
    params: RunParameters, cfg: ConfigModel, prepared: PreparedInputs, as_of: str
) -> list[str]:
    """The offers not started yet; stops the run when the data's offer ids do not fit the
    config or the as-of month lies outside the data."""
    participation = prepared.validated.participation
    inputs.check_offer_ids(participation["offer_id"].unique(), [o.offer_id for o in cfg.offers])
    guards.check_as_of(as_of, prepared.period, defaulted=params.as_of is None)
    not_started = guards.check_offers(cfg, participation, source=f"config {params.config}")
    progress.note(f"data {prepared.period.describe()}; evaluating as of {as_of}")
    return not_started


def _tables(
    params: RunParameters,
    as_of: str,
    panel: StatusPanel,
    cfg: EvaluationConfig,
    cfg_model: ConfigModel,
    hashes: dict[str, str],
    validated: ValidatedInputs,
    prepared: PreparedInputs,
    earnings: Future[EarningsRows | None] | None,
) -> dict[str, pd.DataFrame]:
    """Every offer evaluated (or read from the offer cache, or taken from a backfill's
    workers: ``prepared.take_ahead``), combined across offers, annotated for readers and
    suppressed for small cells; ``earnings``: the status rows' earnings (on their way:
    :meth:`PreparedInputs.earnings_soon`; None on Dask)."""
    keys = offer_cache.offer_keys(
        hashes, cfg_model, as_of=as_of, lang=TABLE_LANGUAGE, code=code_version()
    )
    restricted = io.month_dir(Path(params.restricted_out), as_of) if params.restricted_out else None
    share = cfg_model.validation.max_quarantine_share
    offers = evaluate_offers(
        panel,
        cfg,
        keys,
        cache=offer_cache.cache_dir(params.cache_dir),
        restricted=restricted,
        # on Dask the workers read the shared inputs themselves
        shared=dask_cluster.InputsRef.of(params.data, hashes, share, as_of, cfg.measures)
        if dask_cluster.on_dask()
        else None,
        earnings=earnings,
        ahead=prepared.take_ahead,
    )
    names = {o.offer_id: o.name for o in cfg.offers}
    combined = annotate(
        combine(offers),
        names,
        # effects.outcome_label: Danish, as every table is the same whatever the report's
        # language (a measure's label_da from the config)
        outcome_labels=outcome_labels(cfg, "da"),
        outcome_units=measure_units(cfg),
    )
    return suppress_tables(combined, cfg.min_cell_size, validated)


def _options(
    params: RunParameters, cfg: EvaluationConfig, cfg_model: ConfigModel, manifest: dict
) -> tuple[ReportOptions, WorkbookInfo]:
    """How the report (and the validation page) and the workbook are written."""
    small = cfg_model.privacy.allow_small_cells
    report = ReportOptions.for_run(
        cfg,
        as_of=manifest["as_of"],
        lang=params.lang,  # type: ignore[arg-type]
        run_id=manifest["run_id"],
        allow_small_cells=small,
        target_price_per_job_dkk=cfg_model.report.target_price_per_job_dkk,
        target_effect_pp=cfg_model.report.target_effect_pp,
    )
    workbook = WorkbookInfo(
        as_of=manifest["as_of"],
        run_id=manifest["run_id"],
        data_first_month=manifest["data_first_month"],
        data_last_month=manifest["data_last_month"],
        min_cell_size=cfg.min_cell_size,
        allow_small_cells=small,
        prices_illustrative=None if cfg.prices is None else cfg.prices.illustrative,
        lang=params.lang,  # type: ignore[arg-type]
    )
    return report, workbook


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


def run_monthly(
    params: RunParameters, *, tags_: tuple[str, ...] = (), task_runner: Any = None
) -> dict[str, Any]:
    """Run the flow (on the configured Prefect API or Prefect's temporary local server);
    with ``task_runner`` (:func:`flows.dask_cluster.task_runner`) the offers run on it."""
    if task_runner is None:
        with tags(*tags_):
            return monthly_evaluation(params)
    with dask_cluster.shared_api(), tags(*tags_):
        return monthly_evaluation.with_options(task_runner=task_runner)(params)
