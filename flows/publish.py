"""Publishing a month's results: suppression, Parquet with run metadata, the validation
report, the quarantine summary and the manifest, committed atomically under a lock.

Published folder ``OUT/as_of=YYYY-MM/`` (aggregate only)::

    effects.parquet  balance.parquet  matching.parquet  levels.parquet
    value.parquet  portfolio.parquet  indicators.parquet
    quarantine/summary.parquet  validation_report.html  report.html  resultater.xlsx
    manifest.json

Person-level rows (the quarantined row numbers, matched sets) go only to
``restricted_out`` and only when it is given, with the engineers' validation page
(``validation_data_docs.html``: every expectation and its result, with unsuppressed
counts) and the writers of ``restricted_files`` (the people's validation page with row
numbers). ``validation_report.html`` in OUT is the people's page without row numbers,
from the suppressed tables (:mod:`flows.report.validation_page`), an ``extra_files``
writer of the monthly flow.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.privacy.policy import suppress_run
from evaluation.schema import OFFER_TABLES, arrow_schema
from flows import io
from flows.validation import ValidatedInputs

RESULT_TABLES = OFFER_TABLES
"""The result tables published as ``<name>.parquet`` (besides the quarantine summary)."""


def parquet_metadata(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Key-value metadata carried by every result Parquet file (deterministic)."""
    return {
        "mereffekt.run_id": manifest["run_id"],
        "mereffekt.as_of": manifest["as_of"],
        "mereffekt.code_version": manifest["code_version"],
        "mereffekt.config_hash": manifest["config_hash"],
        "mereffekt.input_hashes": json.dumps(manifest["input_hashes"], sort_keys=True),
    }


def validation_counts(counts: Mapping[str, Mapping[str, int]]) -> pd.DataFrame:
    """Rows read, kept and quarantined per input file, as a table (suppressed with the
    run's tables before the manifest shows it)."""
    rows = [
        {"file": f, **{k: int(c[k]) for k in ("read", "kept", "quarantined")}}
        for f, c in counts.items()
    ]
    return pd.DataFrame(rows, columns=["file", "read", "kept", "quarantined"])


def manifest_counts(validation: pd.DataFrame) -> dict[str, dict[str, int | None]]:
    """The (suppressed) validation counts as the manifest shows them: null where blanked."""
    return {
        str(r["file"]): {
            k: None if pd.isna(r[k]) else int(r[k]) for k in ("read", "kept", "quarantined")
        }
        for _, r in validation.iterrows()
    }


def quarantine_summary(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Quarantined rows and distinct persons by file, rule and column (no row numbers,
    no IDs; persons are counted with the quarantine's run-local ``person_key``, and rows
    without a person_id count no person)."""
    cols = ["file", "rule", "column"]
    if quarantine.empty:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in cols}).assign(
            n_rows=pd.Series(dtype="int64"), n_persons=pd.Series(dtype="int64")
        )
    persons = quarantine["person_key"].where(quarantine["person_key"] >= 0)
    out = (
        quarantine.assign(_person=persons)
        .groupby(cols, as_index=False, dropna=False)
        .agg(n_rows=("row", "size"), n_persons=("_person", "nunique"))
    )
    return out.astype({"n_rows": "int64", "n_persons": "int64"})


def suppress_tables(
    tables: Mapping[str, pd.DataFrame], threshold: int, validated: ValidatedInputs | None = None
) -> dict[str, pd.DataFrame]:
    """The run's tables suppressed by one policy over all of them
    (:func:`evaluation.privacy.policy.suppress_run`). With ``validated``, the quarantine
    summary and the rows read/kept/quarantined per file (``validation``, for the
    manifest) are suppressed with them."""
    run = dict(tables)
    if validated is not None:
        run["quarantine_summary"] = quarantine_summary(validated.quarantine)
        run["validation"] = validation_counts(validated.counts)
    return suppress_run(run, threshold)


def publish(
    *,
    out: Path,
    as_of: str,
    tables: Mapping[str, pd.DataFrame],
    manifest: dict[str, Any],
    validated: ValidatedInputs,
    restricted_out: Path | None = None,
    extra_files: Mapping[str, Callable[[Path], None]] | None = None,
    restricted_files: Mapping[str, Callable[[Path], None]] | None = None,
    lock_wait_seconds: float = 0.0,
) -> Path:
    """Write everything into a staging folder and commit it as ``OUT/as_of=YYYY-MM``.

    ``extra_files`` maps a file name to a writer (e.g. the HTML report) run inside the
    staging folder; ``restricted_files`` likewise for the restricted folder (written only
    with ``restricted_out``). On any failure the previous results of the month stay
    untouched.
    """
    with (
        io.month_lock(out, as_of, wait_seconds=lock_wait_seconds),
        io.StagedMonth(out, as_of) as stage,
    ):
        try:
            files = _write_tables(stage.path, tables, parquet_metadata(manifest))
            for name, writer in (extra_files or {}).items():
                writer(stage.path / name)
            manifest = {
                **manifest,
                "files": {
                    name: {"rows": n, "sha256": io.file_sha256(stage.path / name)}
                    for name, n in files.items()
                },
                "status": "complete",
            }
            io.write_json(stage.path / io.MANIFEST, manifest)
        except OSError as exc:
            raise io.OutputError(
                f"could not write the results for {as_of} to {out}: "
                f"{io.describe_os_error(exc)}; the previous results are untouched"
            ) from exc
        target = stage.commit()
    if restricted_out is not None:
        write_restricted(Path(restricted_out), as_of, validated, restricted_files)
    return target


def _write_tables(
    folder: Path, tables: Mapping[str, pd.DataFrame], meta: Mapping[str, str]
) -> dict[str, int]:
    """The result tables and the quarantine summary as Parquet files in their contracts'
    columns and types; the number of rows by file name."""
    files = {}
    for name in RESULT_TABLES:
        frame = tables.get(name, pd.DataFrame())
        io.write_parquet(frame, folder / f"{name}.parquet", meta, arrow_schema(name))
        files[f"{name}.parquet"] = len(frame)
    (folder / "quarantine").mkdir()
    summary = tables.get("quarantine_summary")
    if summary is None or "suppressed" not in summary.columns:
        raise ValueError("the quarantine summary must be suppressed with the run's tables")
    path = folder / "quarantine" / "summary.parquet"
    io.write_parquet(summary, path, meta, arrow_schema("quarantine_summary"))
    files["quarantine/summary.parquet"] = len(summary)
    return files


def write_restricted(
    restricted_out: Path,
    as_of: str,
    validated: ValidatedInputs,
    files: Mapping[str, Callable[[Path], None]] | None = None,
) -> None:
    """Person-level rows for the data owner only (quarantined row numbers and rules; the
    matched sets are written there by the offer tasks), the engineers' validation page
    and the writers of ``files``."""
    folder = io.month_dir(restricted_out, as_of)
    folder.mkdir(parents=True, exist_ok=True)
    io.write_parquet(validated.quarantine, folder / "quarantine_rows.parquet", {})
    (folder / DATA_DOCS).write_text(validated.report_html, encoding="utf-8")
    for name, writer in (files or {}).items():
        writer(folder / name)


DATA_DOCS = "validation_data_docs.html"
"""The engineers' validation page (every expectation with its result and unsuppressed
counts), restricted folder only."""


def read_results(out: Path, name: str) -> pd.DataFrame:
    """All months of one result table as one frame (``as_of`` from the folder names)."""
    import pyarrow.dataset as ds

    paths = sorted(str(p) for p in Path(out).glob(f"as_of=*/{name}.parquet"))
    if not paths:
        return pd.DataFrame()
    dataset = ds.dataset(paths, format="parquet", partitioning="hive", partition_base_dir=str(out))
    return dataset.to_table().to_pandas()
