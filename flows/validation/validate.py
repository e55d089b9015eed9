"""The entry point: validate the input files against the contract-generated suites.

Runs before anything else. Reads ``persons.parquet``, ``status_monthly.parquet``,
``participation.parquet`` and, when present, ``outcomes_monthly.parquet``
(:mod:`~flows.validation.reading`), checks them with Great Expectations 1.x (ephemeral
context, pandas) against the suites in ``expectations/`` (generated from
``data_contracts/`` by ``python -m flows.contracts``) and returns the kept rows plus a
quarantine table (:class:`~flows.validation.validated.ValidatedInputs`).

What a failed rule does comes from the suite (``meta.action``, set from the contract):

* ``quarantine`` (row level): the offending rows are set aside with the rule they broke
  (file, row, rule, column, message and a run-local ``person_key`` to count persons;
  never an ID value); the run goes on without them.
* ``stop`` (dataset level: missing or extra column, wrong type, no rows, a ``person_id``
  that looks like a CPR number), and more than ``max_quarantine_share`` of a file
  quarantined: :class:`ValidationError` with one line naming file, column, rule, count
  and up to five row numbers, raised before anything is returned.

Order: every file is read and its structure (columns, types, row count) checked, with
its value rules run on each column's distinct values
(:mod:`~flows.validation.structure`); then the rules over several rows or columns run
per partition of about ``partition_rows`` rows (:mod:`~flows.validation.rows`); then the
cross-file rules (:mod:`~flows.validation.quarantine`, :mod:`~flows.validation.cross_file`).
So a person whose age lies outside 0-110 in one of their (row-valid) status months is set
aside; a status or participation row whose person is not among the kept persons is
quarantined, and so is an enrolment that starts before the person's first kept month in
status_monthly (or whose person has no kept month at all) or after the last month of the
data. Last, a person with a quarantined enrolment is set aside too (rule
``no_quarantined_rows``), and with them their status rows and other enrolments (the
foreign-key rules once more): a participant whose start cannot be placed must never
serve as a control.

Row numbers are 0-based positions in the Parquet file.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flows.validation.errors import ValidationError
from flows.validation.gx import GxRunner
from flows.validation.outcomes import FileReport
from flows.validation.quarantine import Quarantine, check_share, cross_files, quarantine_table
from flows.validation.reading import read_coded
from flows.validation.report import render_report
from flows.validation.rows import check_rows
from flows.validation.structure import check_structure
from flows.validation.suites import OPTIONAL_FILES, Suite, load_suites
from flows.validation.validated import ValidatedInputs

logger = logging.getLogger("flows.validation")


def validate_inputs(
    data_dir: Path,
    *,
    max_quarantine_share: float = 0.05,
    partition_rows: int = 2_000_000,
    fingerprint: bool = False,
    measures: tuple[str, ...] | None = None,
) -> ValidatedInputs:
    """Validate the input folder; the kept rows and the quarantine, or
    :class:`ValidationError` (whose ``report_html`` is the report so far).
    ``fingerprint=True`` lets GX fingerprint its batches (:mod:`flows.validation.gx`).
    ``measures``: the measures the config declares; a row of ``outcomes_monthly.parquet``
    (optional: absent, it is not validated) with another measure is quarantined (None,
    without a config: not checked)."""
    if not 0.0 <= max_quarantine_share <= 1.0:
        raise ValueError("max_quarantine_share must be between 0 and 1")
    if partition_rows < 1:
        raise ValueError("partition_rows must be positive")
    suites = {
        f: s
        for f, s in load_suites(measures=measures).items()
        if f not in OPTIONAL_FILES or (Path(data_dir) / s.file).exists()
    }
    reports = {f: FileReport.start(s) for f, s in suites.items()}
    run = _Run(suites, reports, GxRunner(fingerprint=fingerprint), max_quarantine_share)
    try:
        return run.validate(Path(data_dir), partition_rows)
    except ValidationError as exc:
        logger.error("input validation stopped: %s", exc)
        raise ValidationError(str(exc), report_html=run.report(f"stopped: {exc}")) from exc


class _Run:
    """One validation: the suites, the per-file reports, the GX runner and the limit."""

    def __init__(self, suites: dict[str, Suite], reports: dict[str, FileReport],
                 gx: GxRunner, max_share: float) -> None:  # fmt: skip
        self.suites, self.reports, self.gx, self.max_share = suites, reports, gx, max_share

    def report(self, status: str) -> str:
        return render_report(list(self.reports.values()), status=status, max_share=self.max_share)

    def validate(self, data_dir: Path, partition_rows: int) -> ValidatedInputs:
        suites, reports = self.suites, self.reports
        tables = {}
        for f, suite in suites.items():
            t0 = time.perf_counter()
            tables[f] = read_coded(data_dir, suite)
            reports[f].read = tables[f].n_rows
            check_structure(self.gx, tables[f], reports[f])
            reports[f].seconds += time.perf_counter() - t0
        q = Quarantine()
        for f in suites:
            t0 = time.perf_counter()
            check_rows(self.gx, tables[f], reports[f], partition_rows)
            q.start(f, reports[f], tables[f].n_rows)
            reports[f].seconds += time.perf_counter() - t0
        cross_files(suites, tables, q, reports)
        for f in suites:
            rep = reports[f]
            rep.quarantined = int(len(q.keep[f]) - q.keep[f].sum())
            check_share(rep, q.bad[f], self.max_share)
            _log_file(rep)
        counts = {
            r.suite.file: {"read": r.read, "kept": r.read - r.quarantined,
                           "quarantined": r.quarantined}
            for r in reports.values()
        }  # fmt: skip
        return ValidatedInputs(
            tables=tables,
            keep=q.keep,
            quarantine=quarantine_table(suites, tables, q),
            counts=counts,
            report_html=self.report("passed"),
            suites=suites,
        )


def _log_file(rep: FileReport) -> None:
    logger.info(
        "%s: %d rows read, %d quarantined, %d partition(s), %.1f s",
        rep.suite.file,
        rep.read,
        rep.quarantined,
        rep.partitions,
        rep.seconds,
    )
    if rep.quarantined:
        logger.warning("%s: %d rows quarantined", rep.suite.file, rep.quarantined)
