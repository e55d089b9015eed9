"""A file's structure (columns, types, row count) and its value rules.

The column-set rule runs on an empty frame with the file's column names, the row-count
rule on a frame with the file's rows and no columns, and each column's type rule with
its value rules on the column's distinct values (:mod:`flows.validation.suites`). A
value rule's unexpected values become unexpected rows through the codes. The run stops
on a missing or extra column, a wrong type or no rows, in that order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from flows.validation.coded import CodedTable
from flows.validation.errors import ValidationError, stop_message
from flows.validation.gx import GxRunner
from flows.validation.outcomes import FileReport, Outcome, unexpected_index
from flows.validation.suites import COLUMN_SET, ROW_COUNT, ROW_KEY, TYPE


def check_structure(gx: GxRunner, table: CodedTable, rep: FileReport) -> None:
    """Run the structural and value rules of one file; stop on a structural break."""
    suite = rep.suite
    columns = gx.run(suite.gx["columns"], pd.DataFrame(columns=list(table.names)))
    _add(rep, columns, table.n_rows)
    _raise_first(rep, table, columns, COLUMN_SET)
    results: dict[str, Any] = {}
    if "row_count" in suite.gx:  # an optional file (outcomes_monthly) may have no rows
        rows = pd.DataFrame(index=pd.RangeIndex(table.n_rows))
        results = dict(gx.run(suite.gx["row_count"], rows))
        _add(rep, results, table.n_rows)
    for col in suite.value_columns():
        results |= _run_values(gx, table, rep, col)
    _raise_first(rep, table, results, TYPE)
    _raise_first(rep, table, results, ROW_COUNT)


def _add(rep: FileReport, results: dict[str, Any], n_rows: int) -> None:
    for rule_id, result in results.items():
        rep.outcomes[rule_id].add(result, n_rows)


def _run_values(gx: GxRunner, table: CodedTable, rep: FileReport, col: str) -> dict[str, Any]:
    """The column's type and value rules on its distinct values."""
    column = table[col]
    frame = pd.DataFrame({col: column.values, ROW_KEY: np.arange(len(column.values))})
    results = gx.run(rep.suite.gx[f"values:{col}"], frame)
    for rule_id, result in results.items():
        outcome = rep.outcomes[rule_id]
        if outcome.rule.type == TYPE:
            outcome.add(result, table.n_rows)
            continue
        flagged = np.zeros(len(column.values), dtype=bool)
        flagged[unexpected_index(result.result or {})] = True
        outcome.add(result, table.n_rows, column.rows_where(flagged))
    return results


def _raise_first(rep: FileReport, table: CodedTable, results: dict[str, Any], kind: str) -> None:
    for rule in (r for r in rep.suite.structural if r.type == kind):
        out = rep.outcomes[rule.rule]
        if not out.success:
            raise ValidationError(_message(table, rep, out, results.get(rule.rule)))


def _message(table: CodedTable, rep: FileReport, out: Outcome, result: Any) -> str:
    rule, file, n = out.rule, rep.suite.file, table.n_rows
    if rule.type == COLUMN_SET:
        mismatch = ((result.result if result else None) or {}).get("details", {})
        mismatch = mismatch.get("mismatched", {})
        missing = sorted(mismatch.get("missing") or [])
        extra = sorted(mismatch.get("unexpected") or [])
        parts = (
            f"missing column(s) {', '.join(missing)}" if missing else "",
            f"unexpected column(s) {', '.join(extra)}" if extra else "",
        )
        detail = "; ".join(p for p in parts if p)
        count = f"{len(missing) + len(extra)} column(s)"
        return stop_message(file, ",".join(missing + extra), rule.rule, count, [], detail)
    if rule.type == TYPE:
        observed = out.error or f"type is {table[rule.column].values.dtype}"
        detail = f"{rule.description}, {observed}"
        return stop_message(file, rule.column, rule.rule, f"{n:,} rows", [], detail)
    return stop_message(file, rule.column, rule.rule, f"{n:,} rows", [], rule.description)
