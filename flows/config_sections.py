"""The run-level sections of the YAML config (estimation, valuation, privacy, validation,
report) and the shared base model and helpers; `flows.config` assembles them."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from evaluation import config as core
from evaluation.monetise import ContractTerms, Extrapolation, ValuationSettings
from evaluation.statuses import STATUSES

Status = Literal[
    "job",
    "education",
    "unemployment_insurance",
    "cash_benefit",
    "education_benefit",
    "sickness_benefit",
    "rehabilitation",
    "flexjob",
    "disability_pension",
    "other",
]
assert set(Status.__args__) == set(STATUSES)  # type: ignore[attr-defined]

FIRST_YEAR, LAST_YEAR = 1990, 2100
MIN_SAFE_CELL = 3  # below this, privacy.allow_small_cells must say so


def _month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text) or not (
        FIRST_YEAR <= int(text[:4]) <= LAST_YEAR
    ):
        raise ValueError(
            f"expected a month as YYYY-MM between {FIRST_YEAR}-01 and {LAST_YEAR}-12, got {text!r}"
        )
    return text


def _share(x: float) -> float:
    if not -1 < x < 1:
        raise ValueError(
            f"{x:g} is not a share: a share, 0.05 = 5 percentage points, lies between -1 and 1"
        )
    return x


MonthStr = Annotated[str, AfterValidator(_month)]
Share = Annotated[float, AfterValidator(_share)]
# Amounts in DKK: numbers only (never text; the YAML text is checked in config_checks).
Dkk = Annotated[float, Field(strict=True)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# Defaults are the core's (written once, in its frozen dataclasses); the models below only
# add bounds and messages. tests/test_config_sync.py checks that every field reaches the core.
_TARGET = core.defaults(core.TargetGroup)
_COVARIATES = core.defaults(core.CovariateSpec)
_MATCHING = core.defaults(core.MatchingConfig)
_TERMS = core.defaults(ContractTerms)
_OFFER = core.defaults(core.OfferConfig)
_ESTIMATION = core.defaults(core.EstimationConfig)
_VALUATION = core.defaults(ValuationSettings)
_EXTRAPOLATION = core.defaults(Extrapolation)
_RUN = core.defaults(core.EvaluationConfig)


class EstimationModel(_Model):
    event_window: tuple[
        Annotated[int, Field(ge=-60, le=0)], Annotated[int, Field(ge=0, le=120)]
    ] = _ESTIMATION["event_window"]
    headline_window: tuple[
        Annotated[int, Field(ge=0, le=120)], Annotated[int, Field(ge=0, le=120)]
    ] = _ESTIMATION["headline_window"]
    level: float = Field(default=_ESTIMATION["level"], gt=0.5, lt=1)
    bootstrap_below_clusters: int = Field(
        default=_ESTIMATION["bootstrap_below_clusters"], ge=0, le=100_000
    )
    # every replicate refits the event study: bounded so a typo cannot take hours or
    # exhaust memory
    bootstrap_reps: int = Field(default=_ESTIMATION["bootstrap_reps"], ge=99, le=99_999)
    # of the minimum detectable effect (effects columns mde and mde_power)
    power: float = Field(default=_ESTIMATION["power"], gt=0, lt=1)
    seed: int = _ESTIMATION["seed"]

    @model_validator(mode="after")
    def _windows(self) -> EstimationModel:
        lo, hi = self.event_window
        if not lo <= -2 < 0 <= hi:
            raise ValueError("event_window must run from at most -2 to at least 0")
        h0, h1 = self.headline_window
        if not 0 <= h0 <= h1 <= hi:
            raise ValueError("headline_window must lie within 0..event_window end")
        return self


class ValuationModel(_Model):
    horizon_months: int = Field(default=_VALUATION["horizon_months"], ge=1, le=120)
    discount_rate: float = Field(default=_VALUATION["discount_rate"], ge=0, lt=1)
    extrapolation: Literal["none", "constant", "decay"] = _EXTRAPOLATION["rule"]
    half_life_months: float = Field(default=_EXTRAPOLATION["half_life_months"], gt=0, le=600)
    price_year: int | None = Field(default=None, ge=2000, le=LAST_YEAR)
    prices: dict[
        Status, dict[Literal["kommune", "stat", "region"], Annotated[Dkk, Field(ge=0)]]
    ] = {}
    price_index: dict[
        Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)], Annotated[float, Field(gt=0)]
    ] = {}
    tax_rate: dict[
        Literal["kommune", "stat", "region"], Annotated[float, Field(ge=0, lt=1)]
    ] = {}  # on extra earnings, by payer: the public value of earnings_dkk


class PrivacyModel(_Model):
    """Small-cell suppression. ``min_cell_size`` below 3 needs ``allow_small_cells: true``
    (recorded in the manifest and the report). The CPR check of ID columns is always on."""

    allow_small_cells: bool = False
    min_cell_size: int = Field(default=_RUN["min_cell_size"], ge=1, le=1000)

    @model_validator(mode="before")
    @classmethod
    def _no_cpr_switch(cls, data: Any) -> Any:
        if isinstance(data, dict) and "cpr_guard" in data:
            raise ValueError(
                "cpr_guard is not a setting: the CPR check of ID columns is always on "
                "(pseudonymise IDs with `mereffekt pseudonymise`); remove the line"
            )
        return data

    @field_validator("min_cell_size")
    @classmethod
    def _small_cells(cls, k: int, info: ValidationInfo) -> int:
        if k < MIN_SAFE_CELL and not info.data.get("allow_small_cells", False):
            cells = "1 or 2 persons" if k == 1 else "2 persons"
            raise ValueError(
                f"{k} is below {MIN_SAFE_CELL}: cells of {cells} and what rests on them "
                "would be published; set privacy.allow_small_cells: true to allow it (it is "
                "recorded in the manifest and the report)"
            )
        return k


class ValidationModel(_Model):
    max_quarantine_share: float = Field(default=0.05, ge=0, le=1)


class ReportModel(_Model):
    """The report's tilbudsvifte: quadrant lines at a target price per extra
    self-sufficient citizen (DKK; the municipalities' "price per job") and a target effect
    (percentage points, 5 = 5 pp). Set both or neither; without them the lines sit at the
    medians of the offers shown and the report says so."""

    target_price_per_job_dkk: Dkk | None = Field(default=None, gt=0, le=1e9)
    target_effect_pp: Annotated[float, Field(strict=True)] | None = Field(
        default=None, gt=0, le=100
    )

    @field_validator("target_effect_pp")
    @classmethod
    def _not_a_share(cls, x: float | None) -> float | None:
        if x is not None and x < 1:
            raise ValueError(
                f"{x:g} looks like a share; target_effect_pp is in percentage points "
                f"(write {x * 100:g} for {x * 100:g} pp)"
            )
        return x

    @model_validator(mode="after")
    def _both_or_neither(self) -> ReportModel:
        if (self.target_price_per_job_dkk is None) != (self.target_effect_pp is None):
            raise ValueError(
                "set both target_price_per_job_dkk and target_effect_pp (the tilbudsvifte's "
                "two quadrant lines) or neither"
            )
        return self
