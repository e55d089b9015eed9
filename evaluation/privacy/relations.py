"""Count cells of a run's tables and the identities that link them.

A *count cell* is one number of persons in one published table: ``(table, row, column)``.
:class:`Select` names a family of them (a column, optionally only the rows whose key
columns hold given values); :class:`CellIndex` numbers every count cell of a run.

A *relation* is an identity between count cells that a reader of the tables knows or
can check, declared once for every run:

* :class:`Equal` - the same number in two places (``n_participants`` in the matching
  table is the ``enrolment`` indicator; participants at an event month are the levels'
  ``n_persons``);
* :class:`RowSum` - within a row, a total column is the sum of part columns
  (``n_unmatched = sum of unmatched_*``);
* :class:`GroupSum` - one cell is the sum of a group of rows, in the same or another
  table (``enrolment = sum of enrolment_by_month``);
* :class:`MonthlyStarts` - participants by start month follow from differences of the
  participants observed at consecutive event months (``starts(as_of - e) =
  n_treated(e) - n_treated(e + 1)`` when every starter of the month was matched).

Each relation yields *instances*, linear identities ``sum(coef * cell) = 0`` with
coefficients +1/-1. An instance binds only where it holds in the (unsuppressed) data:
an identity that does not hold cannot give a number away, and one that holds by
coincidence is treated as known, which can only blank more.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation import months

Instance = tuple[np.ndarray, np.ndarray]
"""Cell ids and their coefficients (+1/-1): ``sum(coef * value) == 0``."""


@dataclass(frozen=True)
class Select:
    """Cells of ``column`` in ``table``, on the rows whose ``where`` columns hold one of
    the given values (all rows when ``where`` is empty). ``tier`` orders the choice of
    complementary cells: lower tiers are blanked first (cheap, nothing rests on them)."""

    table: str
    column: str
    where: tuple[tuple[str, tuple[object, ...]], ...] = ()
    tier: int = 0

    def rows(self, tables: Mapping[str, pd.DataFrame]) -> np.ndarray:
        """Positions of the selected rows (empty if the table or column is absent)."""
        frame = tables.get(self.table)
        if frame is None or self.column not in frame.columns or not len(frame):
            return np.zeros(0, dtype=np.int64)
        keep = np.ones(len(frame), dtype=bool)
        for col, values in self.where:
            if col not in frame.columns:
                return np.zeros(0, dtype=np.int64)
            keep &= frame[col].isin(values).to_numpy(dtype=bool)
        return np.flatnonzero(keep)


def select(table: str, column: str, *, tier: int = 0, **where: object) -> Select:
    """``Select`` with ``where`` as keywords; a value may be one value or a tuple."""
    pairs = tuple((k, v if isinstance(v, tuple) else (v,)) for k, v in sorted(where.items()))
    return Select(table, column, pairs, tier)


@dataclass(frozen=True, eq=False)
class CellIndex:
    """Every count cell of a run, numbered 0..n-1."""

    table: np.ndarray  # object: table name per cell
    column: np.ndarray  # object: column name per cell
    row: np.ndarray  # int64: row position in its table
    value: np.ndarray  # float64: true value (NaN where missing)
    tier: np.ndarray  # int64
    ids: Mapping[tuple[str, str], np.ndarray]  # (table, column) -> id per row, -1 if none

    @classmethod
    def build(cls, tables: Mapping[str, pd.DataFrame], counts: tuple[Select, ...]) -> CellIndex:
        parts: list[tuple[str, str, np.ndarray, np.ndarray, int]] = []
        ids: dict[tuple[str, str], np.ndarray] = {}
        n = 0
        for sel in counts:
            rows = sel.rows(tables)
            if not len(rows):
                continue
            key = (sel.table, sel.column)
            frame = tables[sel.table]
            lookup = ids.setdefault(key, np.full(len(frame), -1, dtype=np.int64))
            rows = rows[lookup[rows] < 0]  # a cell named twice keeps its first tier
            lookup[rows] = np.arange(n, n + len(rows))
            values = pd.to_numeric(frame[sel.column].iloc[rows], errors="coerce")
            parts.append(
                (sel.table, sel.column, rows, values.to_numpy(float, na_value=np.nan), sel.tier)
            )
            n += len(rows)
        if not parts:
            empty = np.zeros(0)
            return cls(
                empty.astype(object),
                empty.astype(object),
                empty.astype(np.int64),
                empty,
                empty.astype(np.int64),
                {},
            )
        return cls(
            table=np.concatenate([np.full(len(p[2]), p[0], dtype=object) for p in parts]),
            column=np.concatenate([np.full(len(p[2]), p[1], dtype=object) for p in parts]),
            row=np.concatenate([p[2] for p in parts]).astype(np.int64),
            value=np.concatenate([p[3] for p in parts]),
            tier=np.concatenate([np.full(len(p[2]), p[4], dtype=np.int64) for p in parts]),
            ids=ids,
        )

    def __len__(self) -> int:
        return len(self.value)

    def of(self, sel: Select, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
        """The selected rows of ``sel``'s table with a column ``_cell`` (their cell ids);
        rows that are not count cells are dropped."""
        rows = sel.rows(tables)
        lookup = self.ids.get((sel.table, sel.column))
        if lookup is None or not len(rows):
            return pd.DataFrame({"_cell": pd.Series(dtype=np.int64)})
        frame = tables[sel.table].iloc[rows].copy()
        frame["_cell"] = lookup[rows]
        return frame[frame["_cell"] >= 0]


# --- relations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Equal:
    """``a`` and ``b`` are the same number on rows that agree on ``on``."""

    a: Select
    b: Select
    on: tuple[str, ...]

    def instances(self, tables: Mapping[str, pd.DataFrame], index: CellIndex) -> Iterator[Instance]:
        left, right = index.of(self.a, tables), index.of(self.b, tables)
        if not len(left) or not len(right) or not _has(left, right, self.on):
            return
        pairs = left[[*self.on, "_cell"]].merge(right[[*self.on, "_cell"]], on=list(self.on))
        one = np.array([1, -1])
        for a, b in zip(pairs["_cell_x"], pairs["_cell_y"], strict=True):
            if a < b or (self.a != self.b and a != b):
                yield np.array([a, b]), one


@dataclass(frozen=True)
class RowSum:
    """Within each row of ``table``: ``total = sum(parts)``."""

    table: str
    total: str
    parts: tuple[str, ...]

    def instances(self, tables: Mapping[str, pd.DataFrame], index: CellIndex) -> Iterator[Instance]:
        cols = (self.total, *self.parts)
        lookups = [index.ids.get((self.table, c)) for c in cols]
        present = [(c, lk) for c, lk in zip(cols, lookups, strict=True) if lk is not None]
        if lookups[0] is None or len(present) < 2:
            return
        ids = np.column_stack([lk for _, lk in present])
        coef = np.array([1] + [-1] * (len(present) - 1))
        for row in ids:
            if (row >= 0).all():
                yield row, coef


@dataclass(frozen=True)
class GroupSum:
    """``total`` is the sum of the ``parts`` rows that agree with it on ``on`` (``on=()``:
    all parts rows, e.g. one file's row count against every offer's enrolment)."""

    total: Select
    parts: Select
    on: tuple[str, ...]

    def instances(self, tables: Mapping[str, pd.DataFrame], index: CellIndex) -> Iterator[Instance]:
        totals, parts = index.of(self.total, tables), index.of(self.parts, tables)
        if not len(totals) or not len(parts) or not _has(totals, parts, self.on):
            return
        if self.on:
            groups = parts.groupby(list(self.on), dropna=False)["_cell"].apply(list)
            keys = [tuple(r) for r in totals[list(self.on)].itertuples(index=False)]
            found = [groups.get(k if len(k) > 1 else k[0]) for k in keys]
        else:
            found = [list(parts["_cell"])] * len(totals)
        for total, cells in zip(totals["_cell"], found, strict=True):
            if cells:
                yield np.array([total, *cells]), np.array([1] + [-1] * len(cells))


@dataclass(frozen=True)
class MonthlyStarts:
    """``starts`` in month ``as_of - e`` = ``observed(e) - observed(e + 1)`` for ``e >= 0``,
    by ``on`` (the participants observed ``e`` months after their start are those who
    started at least ``e`` months before the as-of month). Holds when every starter of
    the month was matched and followed; the data decide where it binds."""

    starts: Select  # rows with a "month" (YYYY-MM) and an "as_of" column
    observed: Select  # rows with an "event_time" column
    on: tuple[str, ...] = ("offer_id",)

    def instances(self, tables: Mapping[str, pd.DataFrame], index: CellIndex) -> Iterator[Instance]:
        starts, obs = index.of(self.starts, tables), index.of(self.observed, tables)
        if not len(starts) or not len(obs) or not {"month", "as_of"} <= set(starts.columns):
            return
        obs = obs[obs["event_time"].notna()]
        month = starts["month"].astype(str).map(months.parse)
        lag = starts["as_of"].astype(str).map(months.parse) - month
        by_lag = starts.assign(event_time=lag)[[*self.on, "event_time", "_cell"]]
        obs = obs.assign(event_time=obs["event_time"].astype(np.int64))
        nxt = obs.assign(event_time=obs["event_time"] - 1)
        keys = [*self.on, "event_time"]
        extra = [c for c in obs.columns if c not in (*keys, "_cell") and c in ("outcome", "group")]
        pairs = obs[[*keys, *extra, "_cell"]].merge(nxt[[*keys, *extra, "_cell"]], on=keys + extra)
        pairs = pairs[pairs["event_time"] >= 0].merge(by_lag, on=keys)
        for s, a, b in zip(pairs["_cell"], pairs["_cell_x"], pairs["_cell_y"], strict=True):
            yield np.array([s, a, b]), np.array([1, -1, 1])


@dataclass(frozen=True)
class CrossSum:
    """``total`` is the sum of one cell from each of ``parts`` (other tables or columns),
    on rows that agree on ``on``: participants = the participants the staggered estimator
    counts (those inside the target group) + those outside it."""

    total: Select
    parts: tuple[Select, ...]
    on: tuple[str, ...]

    def instances(self, tables: Mapping[str, pd.DataFrame], index: CellIndex) -> Iterator[Instance]:
        frames = [index.of(sel, tables) for sel in (self.total, *self.parts)]
        if any(not len(f) or not _has(f, f, self.on) for f in frames):
            return
        merged = frames[0][[*self.on, "_cell"]]
        for i, part in enumerate(frames[1:]):
            merged = merged.merge(
                part[[*self.on, "_cell"]], on=list(self.on), suffixes=("", f"_{i}")
            )
        cols = [c for c in merged.columns if c.startswith("_cell")]
        coef = np.array([1] + [-1] * len(self.parts))
        for cells in merged[cols].to_numpy(np.int64):
            yield cells, coef


Relation = Equal | RowSum | GroupSum | MonthlyStarts | CrossSum


def _has(left: pd.DataFrame, right: pd.DataFrame, on: tuple[str, ...]) -> bool:
    return all(c in left.columns and c in right.columns for c in on)


def holding(
    relations: tuple[Relation, ...], tables: Mapping[str, pd.DataFrame], index: CellIndex
) -> list[Instance]:
    """Every instance of ``relations`` that holds exactly in the data (no missing cell)."""
    out = []
    for rel in relations:
        for cells, coef in rel.instances(tables, index):
            values = index.value[cells]
            if np.isfinite(values).all() and abs(float(coef @ values)) < 0.5:
                out.append((cells.astype(np.int64), coef.astype(np.int64)))
    return out
