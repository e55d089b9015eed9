"""The HTML evaluation report (issue 8): :func:`render_report` turns a month's published
tables into one self-contained page; :func:`load_tables` reads them back."""

from flows.report.render import load_tables, render_report

__all__ = ["load_tables", "render_report"]
