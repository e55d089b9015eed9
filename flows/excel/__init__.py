"""The analysts' workbook (issue 18): ``resultater.xlsx`` (``results.xlsx`` with
``--lang en``) in every month folder, from the published, suppressed tables.

:mod:`.columns` says which table each sheet shows and how (headers, units, factors),
:mod:`.vocabulary` the words for codes, units and suppression reasons, :mod:`.readme` the
"Læs mig" sheet, :mod:`.workbook` writes the file (XlsxWriter, byte-deterministic)."""

from flows.excel.readme import WorkbookInfo
from flows.excel.workbook import workbook_name, write_workbook

__all__ = ["WorkbookInfo", "workbook_name", "write_workbook"]
