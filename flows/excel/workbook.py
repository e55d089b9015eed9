"""Writing ``resultater.xlsx`` / ``results.xlsx`` with XlsxWriter.

The workbook is built from the published (suppressed) tables only: a blank Parquet cell
is a blank Excel cell. It is byte-identical for identical tables and info: XlsxWriter
writes the zip members with a fixed timestamp (1980-01-01, ``in_memory``), and the
document's created date is set to the first day of the as-of month (never the clock).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from flows.excel import readme as rm
from flows.excel.columns import FACTORS, FORMATS, SHEETS, UNIT_COLUMN, Col, Sheet
from flows.excel.vocabulary import (
    Lang,
    hidden,
    reason,
    unbounded,
    unit_suffix,
    unit_word,
    word,
    yes_no,
)

FILE_NAMES = {"da": "resultater.xlsx", "en": "results.xlsx"}
FLAG, REASON = "suppressed", "suppression_reason"
HIDDEN_HEADERS = {"da": ("Skjult", "Årsag til skjult tal"), "en": ("Hidden", "Why hidden")}


def workbook_name(lang: Lang) -> str:
    return FILE_NAMES[lang]


def write_workbook(path: Path, tables: Mapping[str, pd.DataFrame], info: rm.WorkbookInfo) -> None:
    """Write the analysts' workbook of one month to ``path`` (tables: the suppressed
    tables of the run, as published)."""
    Path(path).write_bytes(workbook_bytes(tables, info))


def workbook_bytes(tables: Mapping[str, pd.DataFrame], info: rm.WorkbookInfo) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    first = dt.datetime.strptime(info.as_of + "-01", "%Y-%m-%d").replace(tzinfo=dt.UTC)
    wb.set_properties({"title": rm.TITLE[_i(info.lang)], "created": first})
    styles = _styles(wb)
    readme = wb.add_worksheet(rm.SHEET_NAME[_i(info.lang)])
    written = []
    for sheet in SHEETS:
        frame = tables.get(sheet.table)
        if frame is None:
            continue
        if sheet.rows is not None and len(frame):
            frame = frame[sheet.rows(frame).to_numpy(bool)]
        ws = wb.add_worksheet(_name(sheet, info.lang))
        _write_sheet(ws, sheet, frame.reset_index(drop=True), info.lang, styles)
        written.append(sheet)
    _write_readme(readme, written, info, styles)
    wb.close()
    return buffer.getvalue()


def _i(lang: Lang) -> int:
    return 0 if lang == "da" else 1


def _name(sheet: Sheet, lang: Lang) -> str:
    return sheet.da if lang == "da" else sheet.en


def _styles(wb: Any) -> dict[str, Any]:
    out = {
        "head": wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1}),
        "text": wb.add_format({"valign": "top"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "bold": wb.add_format({"bold": True, "valign": "top", "text_wrap": True}),
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "hidden": wb.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"}),
        "inf": wb.add_format({"italic": True, "align": "right"}),
    }
    for unit, fmt in FORMATS.items():
        out[unit] = wb.add_format({"num_format": fmt})
    return out


def header(col: Col, sheet: Sheet, lang: Lang) -> str:
    """The column's header with its unit, e.g. ``Mer-effekt (pp)``."""
    text = col.da if lang == "da" else col.en
    unit = sheet.unit if col.kind == "sheet" else col.kind
    if col.kind == "row":
        return f"{text} ({'se Enhed' if lang == 'da' else 'see Unit'})"
    if unit in FORMATS and unit not in ("number", "int"):
        suffix = unit_suffix(unit, lang)
        return text if suffix.lower() in text.lower() else f"{text} ({suffix})"
    return text


def column_unit(col: Col, sheet: Sheet, row: Mapping[str, Any]) -> str | None:
    """The workbook unit of a cell (None for text, booleans and plain whole numbers)."""
    if col.kind == "sheet":
        return sheet.unit
    if col.kind == "row":
        return sheet.row_unit(row) if sheet.row_unit else None
    if col.kind in FORMATS:
        return col.kind
    return None


def _write_sheet(ws: Any, sheet: Sheet, frame: pd.DataFrame, lang: Lang, st: dict) -> None:
    cols = sheet.columns
    heads = [header(c, sheet, lang) for c in cols] + list(HIDDEN_HEADERS[lang])
    ws.write_row(0, 0, heads, st["head"])
    ws.set_row(0, 45)
    ws.freeze_panes(1, 0)
    widths = [min(max(12, len(h) // 2 + 4), 40) for h in heads]
    records = frame.to_dict("records")
    for r, rec in enumerate(records, start=1):
        for c, col in enumerate(cols):
            _write_cell(ws, r, c, col, sheet, rec, lang, st)
        if bool(rec.get(FLAG, False)):
            ws.write_string(r, len(cols), hidden(lang), st["hidden"])
            ws.write_string(r, len(cols) + 1, reason(rec.get(REASON) or "", lang), st["text"])
    for c, w in enumerate(widths):
        ws.set_column(c, c, w if c < len(cols) else 28)
    ws.autofilter(0, 0, max(len(records), 1), len(heads) - 1)


def _write_cell(
    ws: Any, r: int, c: int, col: Col, sheet: Sheet, row: Mapping[str, Any], lang: Lang, st: dict
) -> None:
    if col.name in ("unit", UNIT_COLUMN):
        unit = sheet.unit or (sheet.row_unit(row) if sheet.row_unit else None)
        if unit is not None:
            ws.write_string(r, c, unit_word(unit, lang), st["text"])
        return
    value = row.get(col.name)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return  # blank: null in Parquet (not computed, or hidden)
    if col.kind == "text":
        ws.write_string(r, c, word(col.vocab, value, lang) if col.vocab else str(value), st["text"])
    elif col.kind == "bool":
        ws.write_string(r, c, yes_no(bool(value), lang), st["text"])
    elif col.kind == "int":
        ws.write_number(r, c, float(value), st["int"])
    else:
        unit = column_unit(col, sheet, row)
        x = float(value)
        if math.isinf(x):
            ws.write_string(r, c, ("-" if x < 0 else "") + unbounded(lang), st["inf"])
            return
        ws.write_number(r, c, x * FACTORS.get(unit or "", 1.0), st.get(unit or "number"))


def _write_readme(ws: Any, sheets: list[Sheet], info: rm.WorkbookInfo, st: dict) -> None:
    i = _i(info.lang)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 90)
    ws.set_column(2, 3, 30)
    ws.write_string(0, 0, rm.TITLE[i], st["title"])
    suppression = rm.SUPPRESSION[i].format(k=info.min_cell_size)
    if info.allow_small_cells:
        suppression += rm.SMALL_CELLS[i]
    facts = (
        ("as_of", info.as_of),
        ("period", f"{info.data_first_month} – {info.data_last_month}"),
        ("run", info.run_id),
        ("suppression", suppression),
        ("prices", rm.PRICES[info.prices_illustrative][i]),
        ("source", rm.SOURCE[i]),
    )
    r = 2
    for key, text in facts:
        ws.write_string(r, 0, rm.FACTS[key][i], st["bold"])
        ws.write_string(r, 1, text, st["wrap"])
        r += 1
    r = _section(ws, r + 1, rm.HEADINGS["sheets"][i], st)
    for sheet in sheets:
        ws.write_string(r, 0, _name(sheet, info.lang), st["bold"])
        ws.write_string(r, 1, sheet.about_da if info.lang == "da" else sheet.about_en, st["wrap"])
        r += 1
    r = _section(ws, r + 1, rm.HEADINGS["terms"][i], st)
    for term, text in rm.TERMS:
        ws.write_string(r, 0, term[i], st["bold"])
        ws.write_string(r, 1, text[i], st["wrap"])
        r += 1
    r = _section(ws, r + 1, rm.HEADINGS["columns"][i], st)
    ws.write_row(r, 0, rm.HEADINGS["column_head"][i], st["head"])
    for row in column_list(sheets, info.lang):
        r += 1
        ws.write_row(r, 0, row, st["text"])


def _section(ws: Any, r: int, title: str, st: dict) -> int:
    ws.write_string(r, 0, title, st["title"])
    return r + 1


def column_list(sheets: list[Sheet], lang: Lang) -> list[tuple[str, str, str, str]]:
    """(sheet, header, Parquet file and column, unit in words) for every column shown."""
    rows = []
    for sheet in sheets:
        file = "quarantine/summary" if sheet.table == "quarantine_summary" else sheet.table
        for col in sheet.columns:
            unit = sheet.unit if col.kind == "sheet" else col.kind
            words = (
                ("se Enhed" if lang == "da" else "see Unit")
                if col.kind == "row"
                else unit_word(unit, lang)
                if unit in FORMATS and unit not in ("int", "number")
                else ""
            )
            source = "–" if col.name == UNIT_COLUMN else f"{file}.parquet: {col.name}"
            rows.append((_name(sheet, lang), header(col, sheet, lang), source, words))
        for h, src in zip(HIDDEN_HEADERS[lang], (FLAG, REASON), strict=True):
            rows.append((_name(sheet, lang), h, f"{file}.parquet: {src}", ""))
    return rows
