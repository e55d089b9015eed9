"""Versioned plans: planned participants, outcomes and payments by calendar month.

As in the INDIGO impact-bond data standard, a plan is never overwritten: a revision is
a new version valid from a month on. For each month the plan version valid *then*
gives the planned figure, so a revision from month ``r`` changes the planned figures of
months ``>= r`` only; earlier months keep the version that was valid for them. Actual
figures are never part of a plan, so a revision cannot rewrite them.

Months are month indices (:mod:`evaluation.months`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

PlanKind = Literal["participants", "outcomes", "payments"]
KINDS: tuple[PlanKind, ...] = ("participants", "outcomes", "payments")


def _frozen(values: Mapping[int, float] | None, what: str) -> Mapping[int, float] | None:
    if values is None:
        return None
    out = {int(m): float(v) for m, v in sorted(values.items())}
    bad = [m for m, v in out.items() if not np.isfinite(v) or v < 0]
    if bad:
        raise ValueError(f"{what}: planned figures must be finite and >= 0 (months {bad})")
    return MappingProxyType(out)


@dataclass(frozen=True)
class Plan:
    """One plan version: planned new participants (starts), outcomes and payments per
    calendar month. ``valid_from`` is the first month the version applies to."""

    version: str
    valid_from: int
    participants_by_month: Mapping[int, int]
    outcomes_by_month: Mapping[int, float] | None = None
    payments_by_month: Mapping[int, float] | None = None

    def __post_init__(self) -> None:
        if not str(self.version).strip():
            raise ValueError("a plan needs a non-empty version")
        starts = _frozen(self.participants_by_month, f"plan {self.version} participants")
        if any(v != int(v) for v in starts.values()):
            raise ValueError(f"plan {self.version}: planned participants must be whole numbers")
        object.__setattr__(self, "valid_from", int(self.valid_from))
        object.__setattr__(self, "participants_by_month", starts)
        for name in ("outcomes_by_month", "payments_by_month"):
            object.__setattr__(self, name, _frozen(getattr(self, name), f"plan {self.version}"))

    def __hash__(self) -> int:
        maps = (self.participants_by_month, self.outcomes_by_month, self.payments_by_month)
        return hash(
            (
                self.version,
                self.valid_from,
                *(None if m is None else tuple(m.items()) for m in maps),
            )
        )

    def figures(self, kind: PlanKind) -> Mapping[int, float] | None:
        """The planned figures of one kind by month (None: this version plans none)."""
        return getattr(self, f"{kind}_by_month")


@dataclass(frozen=True)
class PlanHistory:
    """All versions of an offer's plan; for each month the version valid then applies.

    The earliest version also covers the months before its ``valid_from`` (the original
    plan is the plan for everything it lists until it is revised).
    """

    plans: tuple[Plan, ...]

    def __post_init__(self) -> None:
        plans = tuple(sorted(self.plans, key=lambda p: p.valid_from))
        if not plans:
            raise ValueError("a plan history needs at least one plan")
        versions = [p.version for p in plans]
        if len(set(versions)) != len(versions):
            raise ValueError(f"plan versions must be unique, got {versions}")
        starts = [p.valid_from for p in plans]
        if len(set(starts)) != len(starts):
            raise ValueError("two plan versions cannot be valid from the same month")
        object.__setattr__(self, "plans", plans)

    @classmethod
    def of(cls, plans: PlanHistory | Iterable[Plan] | None) -> PlanHistory | None:
        """A history from a history, a sequence of plans (may be empty) or None."""
        if plans is None or isinstance(plans, PlanHistory):
            return plans
        plans = tuple(plans)
        return cls(plans) if plans else None

    def plan_for(self, month: int) -> Plan:
        """The version valid in ``month``."""
        valid = [p for p in self.plans if p.valid_from <= month]
        return valid[-1] if valid else self.plans[0]

    def has(self, kind: PlanKind) -> bool:
        return any(p.figures(kind) is not None for p in self.plans)

    def planned(self, kind: PlanKind, month: int) -> float:
        """Planned figure for ``month`` under the version valid then (0 if that version
        does not list the month; NaN if it plans nothing of this kind)."""
        figures = self.plan_for(month).figures(kind)
        return np.nan if figures is None else float(figures.get(month, 0.0))

    def months(self, kind: PlanKind) -> list[int]:
        """Every month any version lists for ``kind``."""
        out: set[int] = set()
        for p in self.plans:
            out.update(p.figures(kind) or ())
        return sorted(out)

    def by_month(self, kind: PlanKind) -> pd.DataFrame:
        """``month`` (index), ``planned`` and ``plan_version`` for every listed month."""
        ms = self.months(kind)
        return pd.DataFrame(
            {
                "month": np.array(ms, dtype=np.int64),
                "planned": [self.planned(kind, m) for m in ms],
                "plan_version": pd.array([self.plan_for(m).version for m in ms], dtype="str"),
            }
        )

    def cumulative(self, kind: PlanKind, as_of: int) -> float:
        """Planned total of months up to and including ``as_of``, each month under the
        version valid then (NaN if no version valid in those months plans this kind)."""
        if not self.has(kind):
            return np.nan
        values = np.array([self.planned(kind, m) for m in self.months(kind) if m <= as_of])
        if len(values) and np.isnan(values).all():
            return np.nan
        return float(np.nansum(values))
