"""The HTML evaluation report (issue 8): :func:`render_report` turns a month's published
tables into one self-contained page (how: :class:`ReportOptions`); :func:`load_tables`
reads them back.

:mod:`.render` assembles the page, :mod:`.cells` reads the published cells,
:mod:`.sections` holds one module per section, :mod:`.plots` draws the inline SVG
charts; the words are in :mod:`evaluation.texts`."""

from flows.report.render import ReportOptions, load_tables, render_report

__all__ = ["ReportOptions", "load_tables", "render_report"]
