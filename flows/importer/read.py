"""Reading an analyst's extract (CSV or xlsx) into text cells with their row numbers.

CSV as Danish spreadsheets write it: the separator is found from the header line (``;``,
``,`` or a tab), the encoding from the bytes (a UTF-8 or UTF-16 byte-order mark, else
UTF-8, else Windows-1252). xlsx: the first sheet; dates and numbers stay typed. Row
numbers are those the analyst sees: the line in the CSV file (header = 1) or the row in
the sheet. Blank lines are skipped.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ExtractError(ValueError):
    """A file cannot be imported; ``str(error)`` is one line. Nothing was written."""


@dataclass(frozen=True)
class RawTable:
    """The cells of one extract: header, rows of cells, the source row of each row."""

    source: str  # the file's name, for messages
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    line: tuple[int, ...]  # row number in the source of each row
    encoding: str  # "UTF-8", "Windows-1252", "UTF-16" or "xlsx"
    separator: str  # "" for xlsx
    decimal: str  # the decimal mark of text numbers: "," (Danish) or "."


def read_table(path: Path) -> RawTable:
    """The extract at ``path`` (``.csv``/``.txt`` or ``.xlsx``)."""
    path = Path(path)
    if not path.is_file():
        raise ExtractError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return _read_csv(path)
    if suffix == ".xlsx":
        return _read_xlsx(path)
    raise ExtractError(f"{path.name}: expected a .csv or .xlsx file, not {suffix or 'no suffix'}")


def decode(data: bytes, name: str) -> tuple[str, str]:
    """The text of a CSV file and the encoding's name."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise ExtractError(
            f"{name}: neither UTF-8 nor Windows-1252 (byte {exc.start}); save it as CSV UTF-8"
        ) from exc


def _read_csv(path: Path) -> RawTable:
    text, encoding = decode(path.read_bytes(), path.name)
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), None)
    if first is None:
        raise ExtractError(f"{path.name}: the file is empty")
    separator = max((";", "\t", ","), key=first.count)
    if first.count(separator) == 0:
        raise ExtractError(
            f"{path.name}: no ';', ',' or tab in the header line; expected columns separated by ';'"
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header: tuple[str, ...] | None = None
    rows, numbers = [], []
    start = 1
    for record in reader:
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = tuple(record)
            continue
        rows.append(tuple(record))
        numbers.append(line)
    assert header is not None
    decimal = "." if separator == "," else ","
    return RawTable(path.name, header, tuple(rows), tuple(numbers), encoding, separator, decimal)


def _read_xlsx(path: Path) -> RawTable:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ExtractError(f"{path.name}: not a readable xlsx workbook ({exc})") from exc
    try:
        sheet = book.worksheets[0]
        header: tuple[str, ...] | None = None
        rows, numbers = [], []
        for number, record in enumerate(sheet.iter_rows(values_only=True), start=1):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in record):
                continue
            if header is None:
                header = tuple("" if c is None else str(c) for c in record)
                continue
            rows.append(tuple(record))
            numbers.append(number)
    finally:
        book.close()
    if header is None:
        raise ExtractError(f"{path.name}: the first sheet is empty")
    return RawTable(path.name, header, tuple(rows), tuple(numbers), "xlsx", "", ",")
