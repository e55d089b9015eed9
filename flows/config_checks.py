"""Reading the config strictly: the YAML text itself, before and after the schema.

The schema (:mod:`flows.config`) sees values; some mistakes are only visible in the text:

* a key written twice in one mapping (YAML keeps the last value silently), including a
  second top-level section such as ``offers:``, which would replace the first;
* an amount in DKK written with a thousands separator: YAML reads ``42.000`` as the float
  42.0 and ``42,000`` as text; an amount in quotes (``"42000"``) is text, too;
* a whole number written as a decimal (``planned_participants: 1.000`` is read as 1);
* a file that is not UTF-8.

:func:`read_yaml` composes the document with a safe loader, refuses duplicate keys and
keeps every scalar's source text, style and line; :func:`money_problems` and
:func:`whole_number_problems` check that text; :func:`describe` names a field for a
message (with the offer id and the line).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]

PLAIN_AMOUNT = re.compile(r"[+-]?\d+(?:_\d+)*(?:\.\d{1,2})?")
THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(?:([.,])\d{3})(?:\1\d{3})*(?:[.,]\d{1,2})?")
WHOLE = re.compile(r"[+-]?\d+(?:_\d+)*")


class YamlProblem(ValueError):
    """The text of a YAML file cannot be read strictly (one line)."""


@dataclass(frozen=True)
class Scalar:
    """A scalar as written: source text, whether it was quoted, line (1-based), value."""

    text: str
    quoted: bool
    line: int
    value: Any


@dataclass(frozen=True)
class Document:
    data: Any
    scalars: Mapping[Path_, Scalar]
    lines: Mapping[Path_, int]  # where every mapping, sequence and scalar starts


class _Loader(yaml.SafeLoader):
    """A safe loader that also reads YAML 1.2 floats without a dot (``1e8``)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def read_yaml(path: Path) -> Document:
    """Parse ``path`` strictly; :class:`YamlProblem` names the line of what is wrong."""
    text = _decode(Path(path).read_bytes())
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        what = " ".join(str(exc.problem or exc).split())
        raise YamlProblem(f"{where}not valid YAML: {what}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem("not valid YAML: " + " ".join(str(exc).split())) from None
    finally:
        loader.dispose()
    scalars: dict[Path_, Scalar] = {}
    lines: dict[Path_, int] = {}
    data = None if node is None else _build(loader, node, (), scalars, lines)
    return Document(data=data, scalars=scalars, lines=lines)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = raw[exc.start]
        raise YamlProblem(
            f"line {line}: not UTF-8 text (byte 0x{byte:02x} at column {column}); "
            "save the file as UTF-8"
        ) from None


def _build(loader: _Loader, node: yaml.Node, path: Path_, scalars: dict, lines: dict) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_object(node, deep=True)
        scalars[path] = Scalar(node.value, node.style is not None, lines[path], value)
        return value
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(loader, item, (*path, i), scalars, lines) for i, item in enumerate(node.value)
        ]
    if isinstance(node, yaml.MappingNode):
        explicit = sum(k.tag != "tag:yaml.org,2002:merge" for k, _ in node.value)
        loader.flatten_mapping(node)  # merge keys (<<) first, as the safe loader does
        n_merged = len(node.value) - explicit
        out: dict[Any, Any] = {}
        seen: dict[Any, int] = {}
        for i, (key_node, value_node) in enumerate(node.value):
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if i >= n_merged:  # a merged key may be overridden; a written one only once
                if key in seen:
                    raise YamlProblem(_duplicate(key, path, seen[key], line))
                seen[key] = line
            out[key] = _build(loader, value_node, (*path, key), scalars, lines)
        return out
    raise YamlProblem(f"line {lines[path]}: unsupported YAML node")  # pragma: no cover


def _duplicate(key: Any, path: Path_, first: int, again: int) -> str:
    if not path:
        return (
            f"line {again}: top-level section {key!r} appears twice (lines {first} and "
            f"{again}); the second would replace the first: merge them into one"
        )
    return (
        f"line {again}: key {key!r} appears twice in {_dotted(path)} (lines {first} and "
        f"{again}); YAML would keep only the last value: remove one"
    )


# --- checks on the text -----------------------------------------------------------------


def is_money(path: Path_) -> bool:
    """An amount in DKK: a field ending in ``_dkk``, a price override
    (``valuation.prices.<status>.<payer>``), a measure's price by payer
    (``measures[i].unit_price_dkk.<payer>``) or a planned payment by month."""
    if not path:
        return False
    last = path[-1]
    if isinstance(last, str) and last.endswith("_dkk"):
        return True
    if len(path) == 4 and path[:2] == ("valuation", "prices"):
        return True
    if len(path) >= 2 and path[-2] == "unit_price_dkk":  # a measure's price by payer
        return True
    return len(path) >= 2 and path[-2] == "payments_by_month"


def money_problems(doc: Document) -> Iterator[tuple[Path_, str]]:
    """Amounts in DKK that are not plain numbers (``42000`` and ``42000.5`` are)."""
    for path, s in doc.scalars.items():
        if not is_money(path) or s.value is None:
            continue
        text = s.text.strip()
        if THOUSANDS.fullmatch(text):  # 42.000 (YAML reads 42.0), 42,000 (text), "42.000"
            yield path, _separator_message(text)
        elif s.quoted:
            hint = f": write {text}" if PLAIN_AMOUNT.fullmatch(text) else ""
            yield path, f"{s.text!r} is text in quotes; amounts in DKK are plain numbers{hint}"
        elif isinstance(s.value, float) and not math.isfinite(s.value):
            yield path, f"must be a finite amount of DKK, not {text}"
        elif isinstance(s.value, int | float) and not PLAIN_AMOUNT.fullmatch(text):
            yield path, f"{text} is not a plain amount; write digits, at most 2 decimals (øre)"


def _separator_message(text: str) -> str:
    sep = re.search("[.,]", text).group()  # the first separator groups the thousands
    suggestion = text.replace(sep, "").replace(",", ".")
    return (
        f"{text} looks like a number with a thousands separator ({sep!r}); amounts in DKK "
        f"are plain numbers: write {suggestion}"
    )


def whole_number_problems(doc: Document, validated: Any) -> Iterator[tuple[Path_, str]]:
    """Whole-number fields written as decimals (``1.000`` read as 1)."""
    for path, s in doc.scalars.items():
        value = _lookup(validated, path)
        if isinstance(value, bool) or not isinstance(value, int):
            continue
        text = s.text.strip()
        if s.quoted or WHOLE.fullmatch(text):
            continue
        if THOUSANDS.fullmatch(text):
            yield path, f"{text} looks like a thousands separator: write {re.sub('[.,]', '', text)}"
        else:
            yield path, f"{text} is not a whole number as written: write {value}"


def _lookup(data: Any, path: Path_) -> Any:
    for p in path:
        in_map = isinstance(data, Mapping) and p in data
        in_seq = isinstance(data, list | tuple) and isinstance(p, int) and 0 <= p < len(data)
        if not (in_map or in_seq):
            return None
        data = data[p]
    return data


# --- naming a field in a message --------------------------------------------------------


def describe(path: Path_, doc: Document | None, data: Any) -> str:
    """``offer 'los' cost_per_participant_dkk (line 9)`` or ``estimation.level (line 3)``."""
    where = _dotted(path) or "(top)"
    if len(path) >= 2 and path[0] == "offers" and isinstance(path[1], int):
        offer = _lookup(data, path[:2])
        oid = offer.get("offer_id") if isinstance(offer, Mapping) else None
        rest = _dotted(path[2:])
        label = f"offer {oid!r}" if isinstance(oid, str) else f"offers[{path[1]}]"
        where = f"{label} {rest}" if rest else label
    line = _line(path, doc)
    return f"{where} (line {line})" if line else where


def _line(path: Path_, doc: Document | None) -> int | None:
    if doc is None:
        return None
    for n in range(len(path), -1, -1):
        key = path[:n]
        if key in doc.lines:
            return doc.lines[key]
        as_text = tuple(str(p) for p in key)
        for candidate, line in doc.lines.items():
            if tuple(str(p) for p in candidate) == as_text:
                return line
    return None


def raw_text(path: Path_, doc: Document | None) -> str | None:
    if doc is None:
        return None
    s = doc.scalars.get(path) or next(
        (v for k, v in doc.scalars.items() if tuple(map(str, k)) == tuple(map(str, path))), None
    )
    return None if s is None else s.text


def _dotted(path: Path_) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def schema_problem(err: Any, doc: Document | None) -> tuple[Path_, str]:
    """A pydantic error as (path, message), with the value as written."""
    path = tuple(err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field"
    elif err["type"] not in ("missing", "model_type"):
        text = raw_text(path, doc)
        if text is not None and not msg.startswith(text):
            msg += f" (got {text})"
    return path, msg


def raise_if(
    error: type[Exception], source: str, doc: Document | None, raw: Any, problems: list
) -> None:
    """Raise ``error`` naming every problem on one line."""
    if problems:
        parts = [f"{describe(path, doc, raw)}: {msg}" for path, msg in problems]
        raise error(f"{source}: " + "; ".join(parts))
