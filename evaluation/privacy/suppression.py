"""Small-cell suppression for every published table.

A published number must not let anyone single out a person. The rules:

**Primary suppression.** A count of persons in ``1 .. threshold - 1`` is blanked, and so
is every share, mean or estimate computed from it (``derived``). Zero is published by
default: "nobody" is not a small group of identifiable persons, and blanking zeros would
hide that an offer has no participants yet. Pass ``suppress_zeros=True`` for tables
where a zero is itself sensitive (e.g. "none of the participants in this group kept
their job").

**Secondary suppression.** When cells add up to a published total, one blanked cell can
be recovered by subtraction. Each :data:`SecondaryRule` names such a relation:

* :class:`RowTotal` - within groups of rows, one row (``key == total``) holds the sum of
  the others, e.g. enrolment per month plus the month ``"total"`` row of each offer, or
  participants per offer plus an ``"all"`` offers row. With ``key=None`` the group's
  sum is published elsewhere (another table), so it counts as known.
* :class:`ColumnTotal` - within each row, one column holds the sum of others, e.g.
  ``n_participants = n_matched + n_unmatched``.

While some relation has exactly one blanked cell that was suppressed, the smallest
other cell of that relation is blanked too: first positive parts, then zero parts, then
the total, ties by position. This repeats until no relation has a lone suppressed cell,
so also across overlapping relations (a table with row and column totals). Two blanked
cells in a relation reveal only their sum. (Linear combinations of several relations
of a two-way table can in rare patterns still narrow a cell down; the tables published
here have at most one layer of margins.)

Cells that were missing before suppression count as blanked (the reader cannot use
them) but never trigger secondary suppression on their own.

**Flags.** Two columns are added: ``suppressed`` (bool) and ``suppression_reason``
(``"primary: fewer than 5 persons"``, ``"secondary: recoverable from total"``, both
joined by ``"; "``, or missing). Count columns become nullable ``Int64`` whether or not
anything was blanked, so the Parquet schema does not change from month to month.

Everything is pure pandas/numpy and deterministic: the same table gives the same result.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

FLAG = "suppressed"
REASON = "suppression_reason"
SECONDARY = "secondary: recoverable from total"
EFFECT_COUNTS = ("n_treated", "n_control")
EFFECT_VALUES = (
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "p_value_holm",
    "band_low",
    "band_high",
    "mde",
    "placebo_p_value",
)
"""Columns of the effects table blanked with its counts (those present are used)."""


def primary_reason(threshold: int) -> str:
    return f"primary: fewer than {threshold} persons"


@dataclass(frozen=True)
class RowTotal:
    """Within each group of ``by``, the rows with ``frame[key] == total`` hold the sum of
    the group's other rows, for each of ``columns``. ``key=None``: every row of the group
    is a part and the group's sum is published elsewhere."""

    columns: tuple[str, ...]
    by: tuple[str, ...] = ()
    key: str | None = None
    total: Hashable = "total"


@dataclass(frozen=True)
class ColumnTotal:
    """Within each row, column ``total`` holds the sum of columns ``parts``.

    ``total_first``: blank the total (not the smallest part) as the complementary cell,
    for tables whose parts are the numbers readers need (e.g. matched participants)."""

    total: str
    parts: tuple[str, ...]
    total_first: bool = False


SecondaryRule = RowTotal | ColumnTotal


@dataclass(frozen=True)
class _Relation:
    """Flat cell indices (row * n_counts + column) that add up; the total, if in the
    table, is the last cell."""

    cells: np.ndarray
    has_total: bool
    total_first: bool = False


def suppress(
    frame: pd.DataFrame,
    *,
    counts: Sequence[str],
    derived: Mapping[str, str | Sequence[str]] | None = None,
    totals: Sequence[SecondaryRule] = (),
    threshold: int = 5,
    suppress_zeros: bool = False,
) -> pd.DataFrame:
    """A copy of ``frame`` with small cells blanked and flag columns added.

    ``counts``: columns holding numbers of persons. ``derived``: value column -> the
    count column(s) it rests on; it is blanked whenever one of them is suppressed.
    ``totals``: the additive relations used for secondary suppression.
    """
    derived = {k: (v,) if isinstance(v, str) else tuple(v) for k, v in (derived or {}).items()}
    _check(frame, counts, derived, totals, threshold)
    values = frame[list(counts)].apply(pd.to_numeric).to_numpy(dtype=float, na_value=np.nan)
    if (values < 0).any():
        raise ValueError("count columns must not be negative")
    primary = _primary(values, threshold, suppress_zeros=suppress_zeros)
    relations = _relations(frame, list(counts), totals)
    secondary = _secondary(values, primary, relations)

    out = frame.copy()
    for j, col in enumerate(counts):
        out[col] = _blank(out[col], primary[:, j] | secondary[:, j], integer=True)
    row_primary = primary.any(axis=1)
    row_secondary = secondary.any(axis=1)
    index = {c: j for j, c in enumerate(counts)}
    for col, bases in derived.items():
        idx = [index[b] for b in bases]
        p, s = primary[:, idx].any(axis=1), secondary[:, idx].any(axis=1)
        out[col] = _blank(out[col], p | s)
    return _flag(out, row_primary, row_secondary, threshold)


def suppress_effects(
    frame: pd.DataFrame,
    *,
    threshold: int = 5,
    counts: Sequence[str] = EFFECT_COUNTS,
    values: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The effects table with every row resting on fewer than ``threshold`` treated or
    control persons blanked: its estimate, standard error, interval, p-values and both
    counts (with 1:k matching one count reveals the other), flagged as primary."""
    _check(frame, counts, {}, (), threshold)
    if values is None:
        values = [c for c in EFFECT_VALUES if c in frame.columns]
    missing = [c for c in values if c not in frame.columns]
    if missing:
        raise ValueError(f"columns not in the table: {', '.join(missing)}")
    numbers = frame[list(counts)].apply(pd.to_numeric).to_numpy(dtype=float, na_value=np.nan)
    small = _primary(numbers, threshold, suppress_zeros=False).any(axis=1)
    out = frame.copy()
    for col in counts:
        out[col] = _blank(out[col], small, integer=True)
    for col in values:
        out[col] = _blank(out[col], small)
    return _flag(out, small, np.zeros(len(frame), dtype=bool), threshold)


# --- primary and secondary ----------------------------------------------------------------


def _primary(values: np.ndarray, threshold: int, *, suppress_zeros: bool) -> np.ndarray:
    low = 0 if suppress_zeros else 1
    with np.errstate(invalid="ignore"):
        return (values >= low) & (values < threshold)


def _secondary(values: np.ndarray, primary: np.ndarray, relations: list[_Relation]) -> np.ndarray:
    """Complementary cells, added until no relation has a lone suppressed cell."""
    blank = (primary | np.isnan(values)).ravel()
    suppressed = primary.ravel().copy()
    flat = values.ravel()
    changed = True
    while changed:
        changed = False
        for rel in relations:
            lone = blank[rel.cells]
            if lone.sum() != 1 or not suppressed[rel.cells[lone]][0]:
                continue
            pick = _complement(rel, flat, blank)
            if pick is not None:
                blank[pick] = suppressed[pick] = True
                changed = True
    return (suppressed & ~primary.ravel()).reshape(values.shape)


def _complement(rel: _Relation, flat: np.ndarray, blank: np.ndarray) -> int | None:
    """The cell to blank next: smallest positive part, then a zero part, then the total
    (the total first when the relation says so)."""
    is_total = np.zeros(len(rel.cells), dtype=bool)
    is_total[-1] = rel.has_total
    open_ = ~blank[rel.cells]
    if not open_.any():
        return None
    cells, vals, tot = rel.cells[open_], flat[rel.cells[open_]], is_total[open_]
    order = np.lexsort((cells, vals, vals == 0, ~tot if rel.total_first else tot))
    return int(cells[order[0]])


def _relations(
    frame: pd.DataFrame, counts: list[str], totals: Sequence[SecondaryRule]
) -> list[_Relation]:
    n = len(counts)
    index = {c: j for j, c in enumerate(counts)}
    rows = np.arange(len(frame))
    out: list[_Relation] = []
    for rule in totals:
        if isinstance(rule, ColumnTotal):
            cols = [index[c] for c in (*rule.parts, rule.total)]
            out.extend(_Relation(r * n + np.array(cols), True, rule.total_first) for r in rows)
            continue
        for parts, total in _row_groups(frame, rule):
            for col in rule.columns:
                pos = parts if total is None else np.append(parts, total)
                if len(pos) >= 2:
                    out.append(_Relation(pos * n + index[col], total is not None))
    return out


def _row_groups(frame: pd.DataFrame, rule: RowTotal) -> list[tuple[np.ndarray, int | None]]:
    """(positions of the parts, position of the total row or None) per group of ``by``."""
    if rule.by:
        groups = frame.groupby(list(rule.by), sort=False, dropna=False).indices.values()
    else:
        groups = [np.arange(len(frame))]
    out = []
    for pos in groups:
        pos = np.sort(np.asarray(pos))
        if rule.key is None:
            out.append((pos, None))
            continue
        is_total = (frame[rule.key].iloc[pos] == rule.total).to_numpy(dtype=bool)
        if is_total.sum() > 1:
            raise ValueError(f"more than one {rule.key}={rule.total!r} row in a group of {rule.by}")
        if is_total.any():
            out.append((pos[~is_total], int(pos[is_total][0])))
    return out


# --- output -------------------------------------------------------------------------------


def _blank(column: pd.Series, mask: np.ndarray, *, integer: bool = False) -> pd.Series:
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        column = column.astype("boolean")
    elif integer and pd.api.types.is_numeric_dtype(dtype):
        whole = column.dropna()
        if pd.api.types.is_integer_dtype(dtype) or (whole == whole.round()).all():
            column = column.astype("Int64")
    elif pd.api.types.is_integer_dtype(dtype):
        column = column.astype("Int64")
    return column.mask(mask)


def _flag(
    out: pd.DataFrame, primary: np.ndarray, secondary: np.ndarray, threshold: int
) -> pd.DataFrame:
    reasons = [
        "; ".join(r for r, on in ((primary_reason(threshold), p), (SECONDARY, s)) if on)
        for p, s in zip(primary, secondary, strict=True)
    ]
    if REASON in out.columns:  # suppressed before: keep the earlier reasons
        earlier = out[REASON].fillna("").astype(str).tolist()
        reasons = [
            "; ".join(dict.fromkeys(filter(None, (*e.split("; "), r))))
            for e, r in zip(earlier, reasons, strict=True)
        ]
    flag = primary | secondary
    if FLAG in out.columns:
        flag = flag | out[FLAG].fillna(False).to_numpy(dtype=bool)
    out[FLAG] = flag
    out[REASON] = pd.array([r or None for r in reasons], dtype="str")
    return out


def _check(
    frame: pd.DataFrame,
    counts: Sequence[str],
    derived: Mapping[str, tuple[str, ...]],
    totals: Sequence[SecondaryRule],
    threshold: int,
) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer):
        raise TypeError("threshold must be an integer")
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    if isinstance(counts, str):
        raise TypeError("counts must be a sequence of column names, not one string")
    needed = [*counts, *derived]
    for rule in totals:
        if isinstance(rule, RowTotal):
            needed += [*rule.by, *([rule.key] if rule.key is not None else [])]
    missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if missing:
        raise ValueError(f"columns not in the table: {', '.join(missing)}")
    not_counts = [b for bases in derived.values() for b in bases if b not in counts]
    for rule in totals:
        cols = rule.columns if isinstance(rule, RowTotal) else (*rule.parts, rule.total)
        not_counts += [c for c in cols if c not in counts]
    if not_counts:
        raise ValueError(f"not among the count columns: {', '.join(dict.fromkeys(not_counts))}")
    if set(derived) & set(counts):
        raise ValueError("a column cannot be both a count and derived from counts")
