"""The validated person x month panel every estimator works on.

Built once from the contract-checked frames: one int8 status matrix (persons x
months, ``UNOBSERVED`` where a person has no row), person attributes as arrays, and
participations as integer arrays. ``as_of`` cuts it to what was known in a month.

The panel does not depend on the order of the input rows: :func:`build_panel` puts
persons in ``person_id`` order and participations in (person_id, offer_id, start_month,
end_month) order, and the status matrix is filled by (person, month) position, so
shuffled inputs give an identical panel and therefore identical estimates, bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.statuses import CODE, EDUCATIONS, SEXES, STATUSES, UNOBSERVED


@dataclass(frozen=True, eq=False)
class Participations:
    """Who started which offer when. Months are month indices; ``end`` is -1 if open."""

    person: np.ndarray  # int64 row index into the panel
    offer: np.ndarray  # int32 index into ``offer_ids``
    start: np.ndarray  # int32 month index
    end: np.ndarray  # int32 month index or -1
    offer_ids: tuple[str, ...]

    def for_offer(self, offer_id: str) -> Participations:
        if offer_id not in self.offer_ids:
            keep = np.zeros(len(self.person), dtype=bool)
        else:
            keep = self.offer == self.offer_ids.index(offer_id)
        return self._subset(keep)

    def _subset(self, keep: np.ndarray) -> Participations:
        return Participations(
            self.person[keep], self.offer[keep], self.start[keep], self.end[keep], self.offer_ids
        )

    def known_in(self, month_idx: int) -> Participations:
        """Participations started by ``month_idx`` (offers without one dropped), end
        months after it treated as open (-1)."""
        keep = self.start <= month_idx
        present = np.unique(self.offer[keep])
        recode = np.full(len(self.offer_ids), -1, dtype=np.int32)
        recode[present] = np.arange(len(present), dtype=np.int32)
        end = np.where(self.end > month_idx, -1, self.end)
        return Participations(
            self.person[keep],
            recode[self.offer[keep]],
            self.start[keep],
            end[keep],
            tuple(self.offer_ids[i] for i in present),
        )

    def first_start(self, n_persons: int) -> np.ndarray:
        """Each person's first start month in these participations (int32; max int if none)."""
        out = np.full(n_persons, np.iinfo(np.int32).max, dtype=np.int32)
        np.minimum.at(out, self.person, self.start)
        return out


@dataclass(frozen=True, eq=False)
class StatusPanel:
    """Persons x months status matrix with person attributes and participations."""

    person_ids: np.ndarray  # object/str array, row order of ``status``
    first_month: int  # month index of column 0
    status: np.ndarray  # int8 (n_persons, n_months); UNOBSERVED = no row
    birth_year: np.ndarray  # int32
    sex: np.ndarray  # int8 index into SEXES
    education: np.ndarray  # int8 index into EDUCATIONS
    participations: Participations
    # declared register measures (evaluation.measures): name -> float32 matrix shaped
    # like ``status`` (NaN where unobserved or, for amounts, without a row)
    measures: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.person_ids)
        if self.status.ndim != 2 or self.status.shape[0] != n:
            raise ValueError("status must be a persons x months matrix")
        for name, matrix in self.measures.items():
            if matrix.shape != self.status.shape:
                raise ValueError(f"measure {name} must be shaped like the status matrix")
        for name in ("birth_year", "sex", "education"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} must have one entry per person")

    @property
    def n_persons(self) -> int:
        return self.status.shape[0]

    @property
    def n_months(self) -> int:
        return self.status.shape[1]

    @property
    def last_month(self) -> int:
        return self.first_month + self.n_months - 1

    def column(self, month_idx: int | np.ndarray) -> int | np.ndarray:
        """Matrix column of a calendar month index."""
        return np.asarray(month_idx) - self.first_month

    @cached_property
    def offer_starts(self) -> dict[str, np.ndarray]:
        """Per offer, each person's first start month (int32 max where none)."""
        return {
            o: self.participations.for_offer(o).first_start(self.n_persons)
            for o in self.participations.offer_ids
        }

    @cached_property
    def status_by_month(self) -> np.ndarray:
        """``status`` with months as rows (months x persons), contiguous per month: one
        month of every person in one pass (the target-group rule reads a few months of
        everyone for each start month; a column of ``status`` touches a cache line per
        person). As large as ``status`` (60 MB at 1M persons x 60 months)."""
        return np.ascontiguousarray(self.status.T)

    @cached_property
    def id_rank(self) -> np.ndarray:
        """Rank of each person's pseudonymous ID (int64): the tie-breaker wherever rows
        are ranked, so that no result depends on the order of rows."""
        ids = self.person_ids.astype(str)
        if pd.Index(ids).is_monotonic_increasing:
            return np.arange(len(ids), dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank

    def as_of(self, month_idx: int) -> StatusPanel:
        """The panel as known in ``month_idx``: later months and later starts removed,
        end months after it treated as still open, offers without a start by then
        dropped, and the months after the last observed one up to it left out. So a
        panel built from all rows and cut here equals one built from the rows known in
        ``month_idx`` (the months and starts up to it) and cut here."""
        if month_idx < self.first_month:
            raise ValueError(
                f"as-of month {months.label(month_idx)} is before the first data month"
            )
        last_col = min(self.n_months, month_idx - self.first_month + 1)
        while last_col > 1 and (self.status[:, last_col - 1] == UNOBSERVED).all():
            last_col -= 1
        return StatusPanel(
            self.person_ids,
            self.first_month,
            self.status[:, :last_col],
            self.birth_year,
            self.sex,
            self.education,
            self.participations.known_in(month_idx),
            {name: m[:, :last_col] for name, m in self.measures.items()},
        )

    def with_measures(self, measures: Mapping[str, np.ndarray]) -> StatusPanel:
        """The same panel with these measure matrices (shaped like ``status``)."""
        return replace(self, measures=dict(measures))


MAX_MONTHS = 12 * 111
"""Longest span of status months a panel may have (a life of 0-110 years): a stray row
centuries away must not stretch the persons x months matrix (the input contract keeps
months within 1990-01 .. 2099-12 and the flow cuts them at the as-of month)."""


def build_panel(
    persons: pd.DataFrame, status: pd.DataFrame, participation: pd.DataFrame
) -> StatusPanel:
    """Build the panel from validated frames (input contract columns).

    Rows of ``status`` or ``participation`` whose person is not in ``persons`` must have
    been quarantined already; they raise here, as do two status rows of one person and
    month with different statuses, and status months spanning more than
    :data:`MAX_MONTHS`. The result does not depend on the order of the rows: persons are
    put in ``person_id`` order and participations in (person_id, offer_id, start_month,
    end_month) order.
    """
    persons, ids = persons_in_id_order(persons)
    rows = StatusCodes(
        person=_indexer(ids, status["person_id"], "status_monthly"),
        month=months.from_dates(status["month"]),
        status=_codes(status["status"], STATUSES, "status"),
    )
    return build_panel_from_codes(persons, rows, participation)


@dataclass(frozen=True, eq=False)
class StatusCodes:
    """Status rows as arrays: ``person`` (position in the persons in ID order, -1 for
    a person not there), ``month`` (month index) and ``status`` (code, -1 unknown)."""

    person: np.ndarray
    month: np.ndarray
    status: np.ndarray


def persons_in_id_order(persons: pd.DataFrame) -> tuple[pd.DataFrame, pd.Index]:
    """The persons in ``person_id`` order and their IDs (which must be unique)."""
    persons = _in_id_order(persons)
    ids = pd.Index(persons["person_id"].astype("str"))
    if not ids.is_unique:
        raise ValueError("persons.person_id must be unique")
    return persons, ids


def build_panel_from_codes(
    persons: pd.DataFrame, rows: StatusCodes, participation: pd.DataFrame
) -> StatusPanel:
    """Build the panel from persons in ID order (:func:`persons_in_id_order`), their
    status rows as codes and the participations: the same panel :func:`build_panel`
    builds from the frames, without the status rows as strings."""
    ids = pd.Index(persons["person_id"].astype("str"))
    if len(rows.month) == 0:
        raise ValueError("status_monthly has no rows")
    if (rows.person < 0).any():
        raise ValueError(
            f"status_monthly: {(rows.person < 0).sum()} rows name a person not in persons"
        )
    if (rows.status < 0).any():
        raise ValueError(f"status: {(rows.status < 0).sum()} rows with an unknown value")
    first, matrix = _status_matrix(len(ids), rows)
    return StatusPanel(
        person_ids=ids.to_numpy(dtype=object),
        first_month=first,
        status=matrix,
        birth_year=persons["birth_year"].to_numpy(dtype=np.int32),
        sex=_codes(persons["sex"], SEXES, "sex"),
        education=_codes(persons["education"], EDUCATIONS, "education"),
        participations=_participations(ids, participation),
    )


def _in_id_order(persons: pd.DataFrame) -> pd.DataFrame:
    ids = persons["person_id"].astype("str")
    if ids.is_monotonic_increasing:
        return persons
    return persons.iloc[np.argsort(ids.to_numpy(dtype=str), kind="stable")]


CHUNK_ROWS = 4_000_000
"""Status rows placed into the matrix at a time (bounds the temporaries)."""


def _status_matrix(n_persons: int, rows: StatusCodes) -> tuple[int, np.ndarray]:
    """First month and the int8 persons x months matrix, filled by position (the order
    of rows does not matter)."""
    m = rows.month
    first, last = int(m.min()), int(m.max())
    if last - first + 1 > MAX_MONTHS:
        raise ValueError(
            f"status_monthly spans {months.label(first)} to {months.label(last)}, more than "
            f"{MAX_MONTHS // 12} years; months outside the data period must be removed first"
        )
    matrix = np.full((n_persons, last - first + 1), UNOBSERVED, dtype=np.int8)
    for lo in range(0, len(m), CHUNK_ROWS):
        chunk = slice(lo, lo + CHUNK_ROWS)
        matrix[rows.person[chunk], m[chunk] - first] = rows.status[chunk]
    clash = 0
    for lo in range(0, len(m), CHUNK_ROWS):
        chunk = slice(lo, lo + CHUNK_ROWS)
        clash += int((matrix[rows.person[chunk], m[chunk] - first] != rows.status[chunk]).sum())
    if clash:
        raise ValueError(
            f"status_monthly: {clash} rows repeat a person and month with another status"
        )
    return first, matrix


def _participations(ids: pd.Index, participation: pd.DataFrame) -> Participations:
    """Participations in (person_id, offer_id, start, end) order, whatever the row order."""
    offer_ids = tuple(sorted(participation["offer_id"].astype("str").unique()))
    person = _indexer(ids, participation["person_id"], "participation")
    offer = pd.Index(offer_ids).get_indexer(participation["offer_id"].astype("str"))
    start = months.from_dates(participation["start_month"])
    end = months.from_dates(participation["end_month"])
    order = np.lexsort((end, start, offer, person))
    return Participations(
        person=person[order],
        offer=offer[order].astype(np.int32),
        start=start[order],
        end=end[order],
        offer_ids=offer_ids,
    )


def _indexer(ids: pd.Index, values: pd.Series, what: str) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype):
        cat = ids.get_indexer(values.cat.categories.astype("str"))
        idx = np.where(values.cat.codes.to_numpy() < 0, -1, cat[values.cat.codes.to_numpy()])
    else:
        idx = ids.get_indexer(values.astype("str"))
    if (idx < 0).any():
        raise ValueError(f"{what}: {(idx < 0).sum()} rows name a person not in persons")
    return idx.astype(np.int64)


def _codes(values: pd.Series, allowed: tuple[str, ...], what: str) -> np.ndarray:
    lookup = {name: i for i, name in enumerate(allowed)}
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = np.array([lookup.get(str(c), -1) for c in values.cat.categories], dtype=np.int8)
        out = cats[values.cat.codes.to_numpy()]
    else:
        out = pd.Series(values.astype("str")).map(lookup).fillna(-1).to_numpy(dtype=np.int8)
    if (out < 0).any():
        raise ValueError(f"{what}: {(out < 0).sum()} rows with an unknown value")
    return out.astype(np.int8)


__all__ = [
    "CODE",
    "Participations",
    "StatusCodes",
    "StatusPanel",
    "build_panel",
    "build_panel_from_codes",
    "panel_as_of",
    "persons_in_id_order",
]


def panel_as_of(
    persons: pd.DataFrame, status: pd.DataFrame, participation: pd.DataFrame, as_of: str
) -> StatusPanel:
    """The person x month panel as known at the end of ``as_of`` (``YYYY-MM``): status
    months after it and participations started after it are cut, later end months count
    as open."""
    m = months.parse(as_of)
    status = status[months.from_dates(status["month"]) <= m]
    participation = participation[months.from_dates(participation["start_month"]) <= m]
    if status.empty:
        raise ValueError(f"no status months on or before the as-of month {as_of}")
    return build_panel(persons, status, participation).as_of(m)
