"""Monthly register measures beyond the benefit status (months homeless, school absence
days, hospital contacts, ...), held as persons x months matrices beside the status panel.

A measure is declared in the config (:class:`Measure`): its ``kind`` says what a missing
person-month means. A person-month without a row in ``outcomes_monthly.parquet`` is 0 for
``binary`` and ``count`` measures (the register lists events; no row = no event) and
missing (NaN) for ``amount`` measures. A month in which the person has no status row at
all is NaN for every measure: the person is not observed then (not in the municipality).

Everything here is pure: arrays in, arrays out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from evaluation.statuses import UNOBSERVED

MeasureKind = Literal["binary", "count", "amount"]
KINDS: tuple[str, ...] = ("binary", "count", "amount")
PAYERS: tuple[str, ...] = ("kommune", "stat", "region")


@dataclass(frozen=True)
class Measure:
    """A declared measure: name, kind, labels and unit prices by payer (DKK per unit of
    the measure per month, e.g. per month homeless or per hospital contact)."""

    name: str
    kind: MeasureKind = "count"
    label_da: str = ""
    label_en: str = ""
    unit_price_dkk: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"measure {self.name}: kind must be one of {', '.join(KINDS)}")
        unknown = set(self.unit_price_dkk) - set(PAYERS)
        if unknown:
            raise ValueError(f"measure {self.name}: unknown payer(s) {', '.join(sorted(unknown))}")

    @property
    def fill(self) -> float:
        """The value of an observed person-month without a row."""
        return np.nan if self.kind == "amount" else 0.0

    def label(self, language: str = "da") -> str:
        text = self.label_da if language == "da" else self.label_en
        return text or self.name


@dataclass(frozen=True, eq=False)
class MeasureRows:
    """Measure rows as arrays: ``person`` (position in the panel's persons), ``month``
    (month index), ``measure`` (position in the declared measures) and ``value``."""

    person: np.ndarray
    month: np.ndarray
    measure: np.ndarray
    value: np.ndarray

    @classmethod
    def empty(cls) -> MeasureRows:
        e = np.array([], dtype=np.int64)
        return cls(e, e.astype(np.int32), e.astype(np.int32), e.astype(np.float64))


def measure_matrices(
    measures: tuple[Measure, ...],
    rows: MeasureRows,
    status: np.ndarray,
    first_month: int,
) -> dict[str, np.ndarray]:
    """One float32 persons x months matrix per declared measure, aligned with the status
    matrix ``status`` (whose column 0 is ``first_month``): the row's value where there is
    one, the measure's fill value (:attr:`Measure.fill`) in other observed months, NaN in
    months the person is unobserved. Rows outside the panel's months are ignored; two
    rows of one person, month and measure raise (the validation quarantines them)."""
    n_persons, n_months = status.shape
    unobserved = status == UNOBSERVED
    col = np.asarray(rows.month, dtype=np.int64) - first_month
    inside = (col >= 0) & (col < n_months) & (np.asarray(rows.person) >= 0)
    out: dict[str, np.ndarray] = {}
    for j, m in enumerate(measures):
        mat = np.full((n_persons, n_months), m.fill, dtype=np.float32)
        hit = inside & (np.asarray(rows.measure) == j)
        p, c = np.asarray(rows.person)[hit], col[hit]
        if len(np.unique(p * n_months + c)) != len(p):
            raise ValueError(f"outcomes_monthly: rows repeat a person and month for {m.name}")
        mat[p, c] = np.asarray(rows.value, dtype=np.float64)[hit]
        mat[unobserved] = np.nan
        out[m.name] = mat
    return out


def priced_measures(
    measures: tuple[Measure, ...], matrices: Mapping[str, np.ndarray], payer: str
) -> np.ndarray | None:
    """DKK per person-month of the measures priced for ``payer`` (``all``: every
    payer's price summed); None when no measure has a price for it. A missing value
    (amount measure, no row) counts as 0 here: the cost is that of what is recorded."""
    total = None
    for m in measures:
        if m.name not in matrices:
            continue
        price = (
            sum(m.unit_price_dkk.values()) if payer == "all" else m.unit_price_dkk.get(payer, 0.0)
        )
        if not price:
            continue
        part = np.nan_to_num(matrices[m.name], nan=0.0) * np.float32(price)
        total = part if total is None else total + part
    return total
