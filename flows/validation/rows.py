"""Rules over several rows or columns, partition by partition, and the row-rule stops.

Rows are partitioned by ``person_id`` (its codes modulo the number of partitions, about
``partition_rows`` rows each), so every uniqueness rule, which always includes
``person_id``, sees all rows it needs. Uniqueness rules (group ``sets``) run on the
rows' codes: a missing value becomes NaN, as GX expects of a missing value. The other
row rules (group ``rows``, e.g. a column pair) run on the rows' values.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd

from flows.validation.coded import CodedColumn, CodedTable
from flows.validation.errors import ValidationError, stop_message
from flows.validation.gx import GxRunner
from flows.validation.outcomes import FileReport
from flows.validation.suites import PARTITION_COLUMN, ROW_KEY


def check_rows(gx: GxRunner, table: CodedTable, rep: FileReport, partition_rows: int) -> None:
    """Run the ``sets`` and ``rows`` groups over the partitions; stop where a row rule
    could not be evaluated or a stop rule found rows."""
    suite = rep.suite
    groups = [g for g in ("sets", "rows") if g in suite.gx]
    n_parts = max(1, math.ceil(table.n_rows / partition_rows)) if suite.partition_by_person else 1
    for rows in partitions(table, n_parts):
        rep.partitions += 1
        for group in groups:
            frame = _frame(table, suite.rules(group), rows, codes=group == "sets")
            for rule_id, result in gx.run(suite.gx[group], frame).items():
                rep.outcomes[rule_id].add(result, len(rows))
            del frame
    _raise_stops(rep)


def partitions(table: CodedTable, n_parts: int) -> Iterator[np.ndarray]:
    """Row numbers of each non-empty partition (ascending); a person's rows stay together."""
    if n_parts <= 1:
        yield np.arange(table.n_rows, dtype=np.int64)
        return
    part = table[PARTITION_COLUMN].code_of_rows() % n_parts
    for i in range(n_parts):
        rows = np.flatnonzero(part == i)
        if len(rows):
            yield rows.astype(np.int64)


def _frame(table: CodedTable, rules, rows: np.ndarray, *, codes: bool) -> pd.DataFrame:  # noqa: ANN001
    columns = dict.fromkeys(c for r in rules for c in r.columns)
    data = {
        c: _codes(table[c], rows) if codes else table[c].take(rows)
        for c in columns
        if c in table.columns
    }
    return pd.DataFrame({**data, ROW_KEY: rows})


def _codes(column: CodedColumn, rows: np.ndarray) -> np.ndarray:
    """The rows' codes; NaN where the value is missing."""
    codes = column.code_of_rows(rows)
    missing = column.missing()
    if not missing.any():
        return codes
    out = codes.astype(np.float64)
    out[missing[codes]] = np.nan
    return out


def _raise_stops(rep: FileReport) -> None:
    suite = rep.suite
    for rule in suite.rows:
        out = rep.outcomes[rule.rule]
        if out.error:
            detail = f"rule could not be evaluated ({out.error})"
            raise ValidationError(
                stop_message(suite.file, rule.column, rule.rule, "n/a", [], detail)
            )
        if rule.action == "stop" and out.unexpected:
            count = f"{out.unexpected:,} rows"
            raise ValidationError(
                stop_message(
                    suite.file, rule.column, rule.rule, count, out.row_numbers(), rule.description
                )
            )
