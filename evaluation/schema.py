"""Every published table's columns and Arrow types: one owner.

The output contracts (``data_contracts/outputs/*.odcs.yaml``) are the user-facing source;
``make contracts`` generates :mod:`evaluation.schema_tables` from them, and a test checks
that the two agree and that every table the core builds (:meth:`OfferEvaluation.tidy`,
:func:`evaluation.offer.combine`) has exactly these columns. The columns
``suppressed`` and ``suppression_reason`` are added by small-cell suppression
(:mod:`evaluation.privacy.policy`); ``columns(name, suppression=False)`` leaves them out.
The columns for people reading the tables, ``offer_name`` (every table with an
``offer_id`` but ``matching``, which has ``name``), ``effects.outcome_label`` and
``effects.unit``, are added to the run's tables by :func:`flows.annotate.annotate`;
:func:`core_columns` leaves out both kinds (the tables as the core builds them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
import pyarrow as pa

from evaluation.schema_tables import TABLES

ArrowType = Literal["string", "int64", "double", "bool"]
SUPPRESSION_COLUMNS = ("suppressed", "suppression_reason")
EDGE_COLUMNS = {"effects": ("offer_name", "outcome_label", "unit")}
"""Columns added at the edge (:func:`flows.annotate.annotate`), by table; ``offer_name``
in every other table that has it."""
OFFER_TABLES = (
    "matching",
    "balance",
    "effects",
    "levels",
    "value",
    "portfolio",
    "indicators",
    "contract",
    "decomposition",
    "sensitivity",
    "subgroups",
)
"""The tables every offer contributes (published as ``<name>.parquet``)."""


@dataclass(frozen=True)
class Column:
    name: str
    type: ArrowType
    required: bool


def table(name: str) -> tuple[Column, ...]:
    """The columns of published table ``name``, in order."""
    try:
        spec = TABLES[name]
    except KeyError:
        raise KeyError(f"no published table {name!r}; known: {', '.join(TABLES)}") from None
    return tuple(Column(n, t, r) for n, t, r in spec)  # type: ignore[arg-type]


def columns(name: str, *, suppression: bool = True) -> tuple[str, ...]:
    """Column names of table ``name``; without the suppression columns when
    ``suppression=False`` (the tables of a run before suppression)."""
    return tuple(c.name for c in table(name) if suppression or c.name not in SUPPRESSION_COLUMNS)


def edge_columns(name: str) -> tuple[str, ...]:
    """The columns of table ``name`` added at the edge (:data:`EDGE_COLUMNS`)."""
    return EDGE_COLUMNS.get(name, tuple(c for c in ("offer_name",) if c in columns(name)))


def core_columns(name: str) -> tuple[str, ...]:
    """Column names of table ``name`` as the core builds it: without the suppression
    columns and without the columns added at the edge."""
    edge = edge_columns(name)
    return tuple(c for c in columns(name, suppression=False) if c not in edge)


def arrow_schema(name: str) -> pa.Schema:
    """The Arrow schema of table ``name``: columns, order and types of its Parquet file."""
    return pa.schema([pa.field(c.name, pa.type_for_alias(_ALIAS[c.type])) for c in table(name)])


_ALIAS: Mapping[str, str] = {
    "string": "string",
    "int64": "int64",
    "double": "float64",
    "bool": "bool",
}


def empty(name: str) -> pd.DataFrame:
    """Table ``name`` without rows (its core columns)."""
    return pd.DataFrame(columns=list(core_columns(name)))


def conform(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """``frame`` with exactly table ``name``'s core columns (:func:`core_columns`), in
    order: a missing column is null, any other column (a diagnostic the table does not
    publish) is dropped."""
    return frame.reindex(columns=list(core_columns(name)))


def row(name: str, **values: Any) -> dict[str, Any]:
    """One row of table ``name``: every column null (NaN) but those given."""
    unknown = set(values) - set(core_columns(name))
    if unknown:
        raise ValueError(f"{name}: columns not in the table: {', '.join(sorted(unknown))}")
    return {c: values.get(c, float("nan")) for c in core_columns(name)}
