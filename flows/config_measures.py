"""The config's register measures (``measures:``) and the target-group rules on them, at
the CLI/flow boundary: pydantic models that reject unknown or bad fields, checked against
each other and the offers, converted into :class:`evaluation.measures.Measure`.

Example::

    measures:
      - {name: homeless, kind: binary, label_da: Hjemløs, label_en: Homeless,
         unit_price_dkk: {kommune: 14000}}
      - {name: hospital_contacts, kind: count, unit_price_dkk: {region: 4100}}
    offers:
      - offer_id: bolig
        target_group:
          age: [18, 29]
          measures: {homeless: {min: 1, months_before_start: 3}}
        outcomes: [homeless, self_sufficient]
        primary_outcome: homeless
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from evaluation.config import MeasureRule
from evaluation.measures import Measure
from evaluation.statuses import STATUSES

Payer = Literal["kommune", "stat", "region"]
Dkk = Annotated[float, Field(strict=True)]
NAME = r"^[a-z][a-z0-9_]{0,39}$"
RESERVED = frozenset({"self_sufficient", "on_benefits", *STATUSES})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class MeasureModel(_Model):
    """One declared measure of ``outcomes_monthly.parquet``."""

    name: str = Field(pattern=NAME)
    kind: Literal["binary", "count", "amount"]
    label_da: str | None = Field(default=None, min_length=1, max_length=80)
    label_en: str | None = Field(default=None, min_length=1, max_length=80)
    unit_price_dkk: dict[Payer, Annotated[Dkk, Field(ge=0)]] = {}

    @model_validator(mode="after")
    def _name(self) -> MeasureModel:
        if self.name in RESERVED or self.name.startswith("public_cost"):
            raise ValueError(
                f"measure name {self.name!r} is already a status or outcome name; choose another"
            )
        return self


class MeasureRuleModel(_Model):
    """A target-group rule on a measure: at least ``min`` in each of the
    ``months_before_start`` months before the start."""

    min: float = Field(default=1.0, ge=-1e9, le=1e9)
    months_before_start: int = Field(default=1, ge=1, le=36)


def unique_measures(measures: list[MeasureModel]) -> list[MeasureModel]:
    names = [m.name for m in measures]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"measure names must be unique; repeated: {', '.join(dup)}")
    return measures


def unknown_measures(used: Iterable[str], declared: Iterable[str]) -> list[str]:
    """Names in ``used`` that are not declared measures."""
    known = set(declared)
    return sorted({u for u in used if u not in known})


def to_measure(m: MeasureModel) -> Measure:
    return Measure(
        name=m.name,
        kind=m.kind,
        label_da=m.label_da or "",
        label_en=m.label_en or "",
        unit_price_dkk=dict(m.unit_price_dkk),
    )


def to_rules(rules: dict[str, MeasureRuleModel]) -> tuple[MeasureRule, ...]:
    return tuple(
        MeasureRule(name, r.min, r.months_before_start) for name, r in sorted(rules.items())
    )
