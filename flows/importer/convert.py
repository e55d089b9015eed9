"""Turning the text cells of an extract into the columns and types of its input contract.

Columns are named as in the contract (``data_contracts/*.odcs.yaml``), or by one of the
Danish aliases in :data:`ALIASES` (case, spaces and ``-`` do not matter). Values:

* text: as written, without surrounding spaces;
* whole numbers (``birth_year``, ``municipality_code``): ``1985``; an xlsx number
  ``1985.0`` too;
* numbers (``earnings_dkk``): Danish ``12.345,50`` or ``12345,50`` (with ``,`` as the
  decimal mark; ``.`` only in thousands groups); in a ``,``-separated file ``12345.50``;
  a trailing ``kr.`` and spaces are ignored;
* months and dates: ``dd-mm-yyyy``, ``dd.mm.yyyy``, ``dd/mm/yyyy``, ``yyyy-mm-dd`` or
  ``yyyy-mm`` (the first of the month); an xlsx date cell as it is.

An empty cell is null: the contract's rules then decide (a required column's row is set
aside). A value that cannot be read is a problem with its row and column; nothing is
guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from flows.contracts import CONTRACTS_DIR, load_contract
from flows.importer.read import ExtractError, RawTable

FILES = ("persons", "status_monthly", "participation")
ALIASES: dict[str, tuple[str, ...]] = {
    "person_id": ("personid", "person", "pseudonym"),
    "birth_year": ("fødselsår", "foedselsaar", "fodselsar"),
    "sex": ("køn", "koen", "kon"),
    "education": ("uddannelse",),
    "municipality_code": ("kommunekode", "kommunenr"),
    "month": ("måned", "maaned", "maned"),
    "status": ("forsørgelse", "ydelse"),
    "earnings_dkk": ("indkomst", "indkomst_kr", "lønindkomst", "loenindkomst"),
    "offer_id": ("tilbud", "tilbud_id", "indsats"),
    "start_month": ("startmåned", "startmaaned", "start"),
    "end_month": ("slutmåned", "slutmaaned", "slut"),
}
"""Danish column names accepted for a contract column (documented in the README)."""
MAX_SHOWN = 20


@dataclass(frozen=True)
class Problem:
    """A value that cannot be read: where and why (never the value of an ID column)."""

    source: str
    line: int
    column: str
    reason: str

    def describe(self) -> str:
        return f"{self.source} row {self.line}, column {self.column}: {self.reason}"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # the contract's physicalType: str, int32, float64, datetime64[ns]
    optional: bool


def contract_columns(name: str) -> tuple[Column, ...]:
    """The columns of input contract ``name`` (e.g. ``persons``)."""
    contract = load_contract(CONTRACTS_DIR / f"{name}.odcs.yaml")
    props = contract["schema"][0]["properties"]
    out = []
    for p in props:
        custom = {c["property"]: c.get("value") for c in p.get("customProperties") or []}
        out.append(Column(p["name"], p["physicalType"], bool(custom.get("optionalColumn"))))
    return tuple(out)


def _key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(text).strip().lower())


def map_header(raw: RawTable, columns: tuple[Column, ...]) -> dict[str, int]:
    """Contract column -> position in the extract; one-line error when a column is
    missing, unknown or given twice."""
    names = {c.name: c.name for c in columns}
    for c in columns:
        for alias in ALIASES.get(c.name, ()):
            names.setdefault(alias, c.name)
    found: dict[str, int] = {}
    unknown = []
    for i, head in enumerate(raw.header):
        name = names.get(_key(head))
        if name is None:
            if head.strip():
                unknown.append(head.strip())
            continue
        if name in found:
            raise ExtractError(f"{raw.source}: column {name} is given twice ({head!r})")
        found[name] = i
    if unknown:
        raise ExtractError(
            f"{raw.source}: unknown column(s) {', '.join(map(repr, unknown))}; expected "
            f"{', '.join(c.name for c in columns)} (see the README's data dictionary)"
        )
    missing = [c.name for c in columns if c.name not in found and not c.optional]
    if missing:
        raise ExtractError(
            f"{raw.source}: missing column(s) {', '.join(missing)}; found "
            f"{', '.join(repr(h) for h in raw.header)}"
        )
    return found


def convert(raw: RawTable, columns: tuple[Column, ...]) -> tuple[pd.DataFrame, list[Problem]]:
    """The extract as a frame of the contract's columns and types, and the values that
    could not be read."""
    where = map_header(raw, columns)
    problems: list[Problem] = []
    data = {}
    for col in columns:
        i = where.get(col.name)
        cells = [r[i] if i is not None and i < len(r) else None for r in raw.rows]
        values = []
        for line, cell in zip(raw.line, cells, strict=True):
            try:
                values.append(_value(cell, col.kind, raw.decimal))
            except ValueError as exc:
                values.append(None)
                problems.append(Problem(raw.source, line, col.name, str(exc)))
        data[col.name] = _typed(values, col.kind)
    return pd.DataFrame(data), problems


def _typed(values: list[Any], kind: str) -> pd.Series:
    if kind == "str":
        return pd.Series(pd.array(values, dtype="str"))
    if kind.startswith("int"):
        return pd.Series(pd.array(values, dtype="Int32"))
    if kind == "float64":
        return pd.Series(np.array([np.nan if v is None else v for v in values], dtype=float))
    return pd.Series(pd.to_datetime(pd.Series(values, dtype="object")), dtype="datetime64[ns]")


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _value(cell: Any, kind: str, decimal: str) -> Any:
    if _blank(cell):
        return None
    if kind == "str":
        return str(cell).strip() if not isinstance(cell, float) else _whole_text(cell)
    if kind.startswith("int"):
        return _whole(cell, decimal)
    if kind == "float64":
        return _number(cell, decimal)
    return _date(cell)


def _whole_text(x: float) -> str:
    return str(int(x)) if x.is_integer() else str(x)


def _whole(cell: Any, decimal: str) -> int:
    x = _number(cell, decimal)
    if not float(x).is_integer():
        raise ValueError("not a whole number")
    return int(x)


THOUSANDS = {
    ",": re.compile(r"-?\d{1,3}(\.\d{3})+(,\d+)?"),
    ".": re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?"),
}


def _number(cell: Any, decimal: str) -> float:
    if isinstance(cell, bool):
        raise ValueError("not a number")
    if isinstance(cell, int | float):
        return float(cell)
    text = str(cell).strip().replace("\u2212", "-").replace("\xa0", "").replace(" ", "")
    text = re.sub(r"(?i)kr\.?$", "", text)
    group = "." if decimal == "," else ","
    if THOUSANDS[decimal].fullmatch(text):
        text = text.replace(group, "")
    elif group in text:
        hint = f"; write it with '{decimal}' as the decimal mark" if decimal == "," else ""
        raise ValueError(f"'{_shown(cell)}' is not a number{hint}")
    try:
        return float(text.replace(",", ".") if decimal == "," else text)
    except ValueError:
        raise ValueError(f"'{_shown(cell)}' is not a number") from None


DATES = (
    (re.compile(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})"), ("d", "m", "y")),
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), ("y", "m", "d")),
    (re.compile(r"(\d{4})-(\d{1,2})"), ("y", "m")),
)
TIME = re.compile(r"[ T]00:00(:00(\.0+)?)?$")


def _date(cell: Any) -> dt.datetime:
    if isinstance(cell, dt.datetime):
        return cell
    if isinstance(cell, dt.date):
        return dt.datetime(cell.year, cell.month, cell.day)
    text = TIME.sub("", str(cell).strip())
    for pattern, parts in DATES:
        m = pattern.fullmatch(text)
        if m:
            got = dict(zip(parts, map(int, m.groups()), strict=True))
            try:
                return dt.datetime(got["y"], got["m"], got.get("d", 1))
            except ValueError:
                break
    raise ValueError(f"'{_shown(cell)}' is not a date (dd-mm-yyyy, yyyy-mm-dd or yyyy-mm)")


CPR_LIKE = re.compile(r"\d{6}-?\d{4}")


def _shown(cell: Any) -> str:
    """A value for a message: cut to 20 characters, never a CPR-like number."""
    text = str(cell).strip()
    if CPR_LIKE.search(text):
        return "(a value that looks like a CPR number)"
    return text if len(text) <= 20 else text[:20] + "…"


def describe(problems: list[Problem], limit: int = MAX_SHOWN) -> list[str]:
    """The problem list as printed: at most ``limit`` lines and a count of the rest."""
    lines = [p.describe() for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more")
    return lines
