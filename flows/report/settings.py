"""The run's settings that the report states (balance thresholds, whether prices are
illustrative, the tilbudsvifte's targets, the monitor's pooled months)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from evaluation.monitor.config import MonitorSettings

DEFAULT_SMD = 0.1


@dataclass(frozen=True)
class ReportSettings:
    """The run's settings the report states: balance thresholds by offer (default for
    an offer not named), whether the price catalogue is illustrative (None: unknown), the
    tilbudsvifte's targets (None: medians as a fallback) and the monitor's pooled months."""

    smd_thresholds: Mapping[str, float] = field(default_factory=dict)
    default_smd: float = DEFAULT_SMD
    prices_illustrative: bool | None = None
    target_price_per_job_dkk: float | None = None
    target_effect_pp: float | None = None
    interim_months: int = MonitorSettings().interim_months

    def smd_threshold(self, offer: str) -> float:
        return float(self.smd_thresholds.get(offer, self.default_smd))
