"""What a month publishes besides its Parquet tables, as writers for
:func:`flows.publish.publish`: the report, the people's validation page and the
analysts' workbook, all from the run's suppressed tables; and the validation page with
row numbers for the restricted folder."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from flows.excel import WorkbookInfo, workbook_name, write_workbook
from flows.report import ReportOptions, render_report
from flows.report.validation_page import render_validation_page, row_numbers
from flows.validation import ValidatedInputs

Writer = Callable[[Path], None]


def month_files(
    tables: Mapping[str, pd.DataFrame],
    validated: ValidatedInputs,
    report: ReportOptions,
    workbook: WorkbookInfo,
    max_quarantine_share: float,
) -> tuple[dict[str, Writer], dict[str, Writer]]:
    """The writers of the published folder (``report.html``, ``validation_report.html``,
    the workbook) and of the restricted folder (``validation_report.html`` with the
    quarantined rows' numbers)."""

    def write_report(path: Path) -> None:
        path.write_text(render_report(tables, report), encoding="utf-8")

    def validation_page(rows: bool) -> Writer:
        html = render_validation_page(
            tables["quarantine_summary"],
            tables["validation"],
            as_of=report.as_of,
            run_id=report.run_id or "",
            lang=report.lang,
            min_cell_size=report.min_cell_size,
            max_quarantine_share=max_quarantine_share,
            row_numbers=row_numbers(validated.quarantine) if rows else None,
        )
        return lambda path: path.write_text(html, encoding="utf-8")

    public = {
        "report.html": write_report,
        "validation_report.html": validation_page(False),
        workbook_name(workbook.lang): lambda path: write_workbook(path, tables, workbook),
    }
    return public, {"validation_report.html": validation_page(True)}
