"""The method notes: how to read the numbers, the valuation settings, the suppression
note."""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from evaluation.monetise.extrapolation import Extrapolation
from evaluation.texts import DASH
from flows.report import facts
from flows.report.cells import ReportData, whole
from flows.report.sections.suppression import suppressed_count


def method_notes(r: ReportData) -> str:
    """The method notes; the placebo months, the balance threshold and the extrapolation
    rule are the run's own (the same facts as the offer sections and the caveat)."""
    lo, hi = r.window
    general, (placebo_head, _), (balance_head, _) = (
        r.t.method_items[:-2],
        r.t.method_items[-2],
        r.t.method_items[-1],
    )
    notes = [(h, p.format(lo=lo, hi=hi)) for h, p in general]
    months = facts.placebo_months(r)
    if months is not None:
        notes.append((placebo_head, r.w.placebo_method.format(first=months[0], last=months[1])))
    notes.append((balance_head, r.w.balance_method.format(threshold=_thresholds(r))))
    items = "".join(f"<h3>{escape(h)}</h3><p>{escape(p)}</p>" for h, p in notes)
    return (
        f"<section id='method'><h2>{escape(r.t.method_title)}</h2>{items}{_settings(r)}"
        f"<p>{escape(r.t.suppressed_note.format(k=r.k))} "
        f"{escape(suppressed_count(r))}</p></section>"
    )


def _thresholds(r: ReportData) -> str:
    """The balance threshold, or the default with the offers that set their own."""
    st = r.settings
    values = {st.smd_threshold(o) for o in r.offers}
    if len(values) == 1:
        return facts.threshold_text(r, values.pop())
    own = {o: st.smd_threshold(o) for o in r.offers if st.smd_threshold(o) != st.default_smd}
    text = facts.threshold_text(r, st.default_smd)
    if not own:
        return text
    named = ", ".join(f"{r.names.get(o, o)}: {facts.threshold_text(r, v)}" for o, v in own.items())
    return f"{text} ({named})"


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
        extrapolation=_extrapolation_clause(r),
    )
    return "<p>" + escape(text) + "</p>"


def _extrapolation_clause(r: ReportData) -> str:
    ext = facts.extrapolation(r)
    if ext is None:
        return DASH
    return r.t.extrapolations[ext.rule].format(k=ext.last_months, h=f"{ext.half_life_months:g}")


def extrapolation(r: ReportData, label: Any) -> str:
    """The clause for a value table's extrapolation label ("decay(half_life=12,k=6)")."""
    text = "" if label is None or pd.isna(label) else str(label)
    ext = Extrapolation.from_label(text)
    template = None if ext is None else r.t.extrapolations.get(ext.rule)
    if ext is None or template is None:
        return text or DASH
    return template.format(k=ext.last_months, h=f"{ext.half_life_months:g}")
