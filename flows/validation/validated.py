"""The validated inputs: coded files, the kept rows, the quarantine and the report.

The clean frames (:attr:`ValidatedInputs.persons`, ``status``, ``participation``: the
kept rows, contract columns in contract order, plain numpy ints) are built when first
asked for. A run at scale never asks for ``status``: it takes the kept status rows as
month indices and status codes (:meth:`ValidatedInputs.status_months`,
:meth:`ValidatedInputs.status_rows`), so no second full-size copy of the status file is
made.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.measures import MeasureRows
from evaluation.panel import StatusCodes
from evaluation.statuses import STATUSES
from flows.validation.coded import CodedTable
from flows.validation.suites import Suite


@dataclass(frozen=True, eq=False)
class ValidatedInputs:
    """Clean input files (coded), the quarantine and a report of the run."""

    tables: dict[str, CodedTable]  # persons, status, participation (, outcomes if present)
    keep: dict[str, np.ndarray]  # a bool per row: kept
    quarantine: pd.DataFrame  # file, row, rule, column, message, person_key
    counts: dict[str, dict[str, int]]  # file -> read, kept, quarantined
    report_html: str
    suites: dict[str, Suite]

    @cached_property
    def persons(self) -> pd.DataFrame:
        return self.frame("persons")

    @cached_property
    def status(self) -> pd.DataFrame:
        return self.frame("status")

    @cached_property
    def participation(self) -> pd.DataFrame:
        return self.frame("participation")

    def kept_rows(self, field: str) -> np.ndarray | None:
        """Row numbers of the kept rows (None: every row is kept)."""
        keep = self.keep[field]
        return None if keep.all() else np.flatnonzero(keep)

    def frame(self, field: str) -> pd.DataFrame:
        """The kept rows of one file as a clean frame (a new frame on every call)."""
        suite, table, rows = self.suites[field], self.tables[field], self.kept_rows(field)
        frame = pd.DataFrame({c: table[c].take(rows) for c in suite.columns})
        for col, expected in suite.types.items():
            if expected.startswith("int") and isinstance(
                frame[col].dtype, pd.api.extensions.ExtensionDtype
            ):
                frame[col] = frame[col].astype(expected)
        return frame

    def status_months(self) -> np.ndarray:
        """Month index (int32) of every kept status row."""
        column = self.tables["status"]["month"]
        lut = months.from_dates(column.values)
        return lut[column.code_of_rows(self.kept_rows("status"))]

    def status_rows(self, person_ids: pd.Index) -> StatusCodes:
        """The kept status rows as arrays, persons as positions in ``person_ids`` (-1
        for an ID not there)."""
        table, rows = self.tables["status"], self.kept_rows("status")
        person = table["person_id"]
        person_lut = person_ids.get_indexer(person.values.astype("str")).astype(np.int32)
        status = table["status"]
        lookup = {name: i for i, name in enumerate(STATUSES)}
        status_lut = status.values.astype("str").map(lookup).fillna(-1).to_numpy(np.int8)
        return StatusCodes(
            person=person_lut[person.code_of_rows(rows)],
            month=self.status_months(),
            status=status_lut[status.code_of_rows(rows)],
        )

    @property
    def has_outcomes(self) -> bool:
        """Was ``outcomes_monthly.parquet`` given (and validated)?"""
        return "outcomes" in self.tables

    def measure_rows(self, person_ids: pd.Index, measures: tuple[str, ...]) -> MeasureRows:
        """The kept rows of ``outcomes_monthly.parquet`` as arrays: persons as positions
        in ``person_ids`` (-1 for an ID not there), measures as positions in
        ``measures`` (-1 for another); no rows without the file."""
        if not self.has_outcomes:
            return MeasureRows.empty()
        table, rows = self.tables["outcomes"], self.kept_rows("outcomes")
        person = table["person_id"]
        person_lut = person_ids.get_indexer(person.values.astype("str")).astype(np.int64)
        measure = table["measure"]
        measure_lut = pd.Index(list(measures)).get_indexer(measure.values.astype("str"))
        month = table["month"]
        month_lut = months.from_dates(month.values)
        value = table["value"].take(rows).to_numpy(dtype=np.float64, na_value=np.nan)
        return MeasureRows(
            person=person_lut[person.code_of_rows(rows)],
            month=month_lut[month.code_of_rows(rows)],
            measure=measure_lut[measure.code_of_rows(rows)].astype(np.int32),
            value=value,
        )
