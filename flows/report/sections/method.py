"""The method notes: how to read the numbers, the valuation settings, the suppression
note."""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from evaluation.monetise.extrapolation import Extrapolation
from evaluation.texts import DASH
from flows.report.cells import ReportData, whole
from flows.report.sections.suppression import suppressed_count


def method_notes(r: ReportData) -> str:
    lo, hi = r.window
    items = "".join(
        f"<h3>{escape(h)}</h3><p>{escape(p.format(lo=lo, hi=hi))}</p>" for h, p in r.t.method_items
    )
    return (
        f"<section id='method'><h2>{escape(r.t.method_title)}</h2>{items}{_settings(r)}"
        f"<p>{escape(r.t.suppressed_note.format(k=r.k))} "
        f"{escape(suppressed_count(r))}</p></section>"
    )


def _settings(r: ReportData) -> str:
    """The valuation settings of the first offer's portfolio row ("" without one)."""
    if not r.offers:
        return ""
    o = r.offers[0]
    rate = r.value("portfolio", o, "discount_rate")
    row = r.row("portfolio", o)
    if row is None or rate is None:
        return ""
    text = r.t.value_settings.format(
        horizon=whole(row.get("horizon_months")),
        rate=r.s.number(rate * 100, 1),
        year=whole(row.get("price_year")),
        extrapolation=extrapolation(r, row.get("extrapolation")),
    )
    return "<p>" + escape(text) + "</p>"


def extrapolation(r: ReportData, label: Any) -> str:
    """The clause for a value table's extrapolation label ("decay(half_life=12,k=6)")."""
    text = "" if label is None or pd.isna(label) else str(label)
    ext = Extrapolation.from_label(text)
    template = None if ext is None else r.t.extrapolations.get(ext.rule)
    if ext is None or template is None:
        return text or DASH
    return template.format(k=ext.last_months, h=f"{ext.half_life_months:g}")
