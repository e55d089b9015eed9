"""How to value an offer and what a results contract pays: the monetisation settings.

Frozen and validated when built; the flow maps its config onto them
(:mod:`flows.config`). The formulas that use them are in :mod:`.model` (value) and
:mod:`.payments` (results-based payment).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from evaluation.monetise.catalogue import PAYERS, Payer
from evaluation.monetise.extrapolation import Extrapolation

MAX_HORIZON_MONTHS = 120


@dataclass(frozen=True)
class ValuationSettings:
    """How to value: horizon, extrapolation, discounting, interval level, sensitivity."""

    horizon_months: int = 24
    extrapolation: Extrapolation = field(default_factory=Extrapolation)
    discount_rate: float = 0.035
    cost_payer: Payer = "kommune"
    level: float = 0.95
    sensitivity_horizons: tuple[int, ...] = (12, 24, 36)
    price_shifts: tuple[float, ...] = (-0.2, 0.2)
    tax_rate: tuple[tuple[str, float], ...] = ()  # (payer, rate) on extra earnings

    def __post_init__(self) -> None:
        for h in (self.horizon_months, *self.sensitivity_horizons):
            if not 1 <= h <= MAX_HORIZON_MONTHS:
                raise ValueError(f"horizons must be 1..{MAX_HORIZON_MONTHS} months, got {h}")
        if not (math.isfinite(self.discount_rate) and self.discount_rate > -1):
            raise ValueError("discount_rate must be a number above -1")
        if self.cost_payer not in PAYERS:
            raise ValueError(f"cost_payer must be one of {PAYERS}")
        if not 0 < self.level < 1:
            raise ValueError("level must be between 0 and 1")
        if any(s <= -1 for s in self.price_shifts):
            raise ValueError("price shifts must be above -100%")

    def discount_factors(self, horizon: int | None = None) -> np.ndarray:
        """d_e = (1 + r) ** (-e / 12) for e = 0..H-1."""
        h = self.horizon_months if horizon is None else horizon
        return (1.0 + self.discount_rate) ** (-np.arange(h) / 12.0)


@dataclass(frozen=True)
class ContractTerms:
    """Payment terms of a results contract (mirrors the flow's ``payment_terms``)."""

    outcome: str = "self_sufficient"
    per_extra_outcome_month_dkk: float = 0.0  # per extra person-month in the outcome
    per_participant_reaching_outcome_dkk: float = 0.0  # per extra participant in the outcome
    minimum_effect: float = 0.0  # no payment while the measured effect θ is below this
    cap_dkk: float | None = None  # total cap over the contract
    horizon_months: int = 24
    measurement_month: int | None = None  # None: θ is the headline-window mean

    def __post_init__(self) -> None:
        rates = (self.per_extra_outcome_month_dkk, self.per_participant_reaching_outcome_dkk)
        if any(not (math.isfinite(r) and r >= 0) for r in rates):
            raise ValueError("payment rates must be non-negative numbers")
        if self.cap_dkk is not None and not self.cap_dkk >= 0:
            raise ValueError("cap_dkk must be non-negative")
        if not 1 <= self.horizon_months <= 120:
            raise ValueError("horizon_months must be 1..120")
        if self.measurement_month is not None and self.measurement_month < 0:
            raise ValueError("measurement_month must be an event month >= 0")

    def owed(self, uncapped: float, effect: float) -> float:
        """P(L, θ): the amount owed for an uncapped amount L and measured effect θ."""
        if not (np.isfinite(uncapped) and np.isfinite(effect)):
            return np.nan
        if effect < self.minimum_effect:
            return 0.0
        cap = np.inf if self.cap_dkk is None else self.cap_dkk
        return float(min(max(uncapped, 0.0), cap))
