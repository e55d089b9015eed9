"""Numbers, notes and flags that rest on count cells, and the blanking they follow.

Once the count cells are decided (:mod:`.complement`), every other published value is
blanked when what it rests on is: an estimate resting on a small count, a share that
would give a blanked total away, a note that tells the sign of a blanked estimate, a
pass/fail flag or a status text resting on blanked numbers. Each rule is declared as
data (:class:`Rests`, :class:`ShareCounts`, :class:`Verdict`) and applied in order, so
a rule may rest on what an earlier rule blanked.

:class:`Blanks` holds, per ``(table, column)``, which rows are blanked and which of
those rest on a small count (``primary``); the flag columns are built from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from evaluation.privacy.relations import Select

When = Literal["any", "primary"]


@dataclass
class Blanks:
    """Blanked rows per (table, column), and which of them rest on a small count."""

    sizes: Mapping[str, int]
    blank: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    primary: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    def get(self, table: str, column: str, when: When = "any") -> np.ndarray:
        store = self.blank if when == "any" else self.primary
        mask = store.get((table, column))
        return np.zeros(self.sizes.get(table, 0), dtype=bool) if mask is None else mask

    def add(self, table: str, column: str, rows: np.ndarray, primary: np.ndarray) -> None:
        small = self.get(table, column, "primary") | (rows & primary)
        self.blank[(table, column)] = self.get(table, column) | rows
        self.primary[(table, column)] = small


@dataclass(frozen=True)
class Rests:
    """``columns`` of the rows of ``table`` (``where``) are blanked when a ``base`` cell
    on a row that agrees on ``on`` (``()``: the same row) is blanked (``when="any"``) or
    rests on a small count (``when="primary"``)."""

    table: str
    columns: tuple[str, ...]
    base: Select
    on: tuple[str, ...] = ()
    when: When = "any"
    where: tuple[tuple[str, tuple[object, ...]], ...] = ()

    def apply(self, tables: Mapping[str, pd.DataFrame], blanks: Blanks) -> None:
        frame = tables.get(self.table)
        base = tables.get(self.base.table)
        if frame is None or base is None or not len(frame) or not len(base):
            return
        rows = Select(self.base.table, self.base.column, self.base.where).rows(tables)
        hit = np.zeros(len(base), dtype=bool)
        hit[rows] = blanks.get(self.base.table, self.base.column, self.when)[rows]
        small = np.zeros(len(base), dtype=bool)
        small[rows] = blanks.get(self.base.table, self.base.column, "primary")[rows]
        target = _where(frame, self.where)
        if not self.on:
            if self.table != self.base.table:
                raise ValueError("a rule on another table needs join columns")
            on_hit, on_small = hit, small
        else:
            on_hit = _matches(frame, base[hit], self.on)
            on_small = _matches(frame, base[hit & small], self.on)
        for col in self.columns:
            if col in frame.columns:
                blanks.add(self.table, col, target & on_hit, on_small)


@dataclass(frozen=True)
class ShareCounts:
    """A share publishes its numerator and the rest of its denominator as counts
    (``share * denominator`` and ``(1 - share) * denominator``): blank it when either is
    small (the share of participants inside common support shows how many are outside).
    The denominator is column ``denominator`` less the columns ``minus``."""

    table: str
    share: str
    denominator: str
    minus: tuple[str, ...] = ()

    def apply(self, tables: Mapping[str, pd.DataFrame], blanks: Blanks, threshold: int) -> None:
        frame = tables.get(self.table)
        if frame is None or not len(frame) or not {self.share, self.denominator} <= set(frame):
            return
        share = pd.to_numeric(frame[self.share], errors="coerce").to_numpy(float, na_value=np.nan)
        den = pd.to_numeric(frame[self.denominator], errors="coerce").to_numpy(
            float, na_value=np.nan
        )
        with np.errstate(invalid="ignore"):
            inside = np.round(share * den)
            small = ((inside >= 1) & (inside < threshold)) | (
                (den - inside >= 1) & (den - inside < threshold)
            )
        blanks.add(self.table, self.share, small, small)


@dataclass(frozen=True)
class Verdict:
    """Status rows (``where``) whose deciding rule (``code``) rests on the ``value`` of
    other rows of the same offer (``rests[code]``: the values of ``key`` it reads) lose
    their ``columns`` when one of those values is blanked. Unknown codes rest on every
    row in ``unknown``."""

    table: str
    columns: tuple[str, ...]
    code: str
    key: str
    rests: Mapping[str, tuple[str, ...]]
    unknown: tuple[str, ...]
    where: tuple[tuple[str, tuple[object, ...]], ...] = ()
    on: tuple[str, ...] = ("offer_id",)
    value: str = "value"

    def apply(self, tables: Mapping[str, pd.DataFrame], blanks: Blanks) -> None:
        frame = tables.get(self.table)
        if frame is None or not len(frame) or self.code not in frame.columns:
            return
        hidden = blanks.get(self.table, self.value)
        small = blanks.get(self.table, self.value, "primary")
        target = np.flatnonzero(_where(frame, self.where))
        out, out_small = np.zeros(len(frame), bool), np.zeros(len(frame), bool)
        keys = frame[list(self.on)].astype(str).agg("\x1f".join, axis=1).to_numpy()
        for i in target:
            code = frame[self.code].iloc[i]
            names = self.rests.get(str(code), self.unknown) if pd.notna(code) else ()
            same = (keys == keys[i]) & frame[self.key].isin(names).to_numpy(bool)
            out[i], out_small[i] = (hidden & same).any(), (small & same).any()
        for col in self.columns:
            if col in frame.columns:
                blanks.add(self.table, col, out, out_small)


Rule = Rests | ShareCounts | Verdict


def apply_rules(
    rules: tuple[Rule, ...], tables: Mapping[str, pd.DataFrame], blanks: Blanks, threshold: int
) -> None:
    for rule in rules:
        if isinstance(rule, ShareCounts):
            rule.apply(tables, blanks, threshold)
        else:
            rule.apply(tables, blanks)


def _where(frame: pd.DataFrame, where: tuple[tuple[str, tuple[object, ...]], ...]) -> np.ndarray:
    keep = np.ones(len(frame), dtype=bool)
    for col, values in where:
        keep &= frame[col].isin(values).to_numpy(dtype=bool) if col in frame.columns else False
    return keep


def _matches(frame: pd.DataFrame, hits: pd.DataFrame, on: tuple[str, ...]) -> np.ndarray:
    """Rows of ``frame`` whose ``on`` values occur in ``hits``."""
    if not len(hits) or not all(c in frame.columns and c in hits.columns for c in on):
        return np.zeros(len(frame), dtype=bool)
    keys = pd.MultiIndex.from_frame(hits[list(on)].astype(str))
    mine = pd.MultiIndex.from_frame(frame[list(on)].astype(str))
    return mine.isin(keys)
