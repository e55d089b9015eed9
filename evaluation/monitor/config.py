"""Thresholds and options of the on-track monitor (frozen; the flow maps its config)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from evaluation.texts.catalogue import Lang as Language

TrajectoryShape = Literal["linear", "step", "immediate"]


@dataclass(frozen=True)
class MonitorSettings:
    """``interim_months``: event months pooled into the interim ATT (the latest ones);
    ``min_treated``: participants an event month needs to count as observed;
    ``min_follow_up``: the latest observed event month must reach this before the effect
    is judged (early months are lock-in, when effects are expected to be negative);
    ``trajectory``: the shape of the path from 0 at the start to the target (see
    :data:`evaluation.monitor.trajectory.TRAJECTORIES`); ``enrolment_at_risk`` /
    ``enrolment_off_track``: share of the planned enrolment so far below which the offer
    is at risk / off track; ``max_dropout_share``: dropouts above this share of starts put
    it at risk; ``dropout_months``: a participation ending before lasting this many months
    is a dropout; ``language``: of the texts rendered from the catalogue (reasons,
    summaries)."""

    interim_months: int = 3
    min_treated: int = 30
    min_follow_up: int = 6
    trajectory: TrajectoryShape = "linear"
    enrolment_at_risk: float = 0.8
    enrolment_off_track: float = 0.5
    max_dropout_share: float = 0.3
    dropout_months: int = 3
    language: Language = "en"

    def __post_init__(self) -> None:
        if self.interim_months < 1 or self.min_treated < 1 or self.dropout_months < 1:
            raise ValueError("interim_months, min_treated and dropout_months must be >= 1")
        if self.min_follow_up < 0:
            raise ValueError("min_follow_up must be >= 0")
        if not 0 <= self.enrolment_off_track <= self.enrolment_at_risk <= 1:
            raise ValueError("need 0 <= enrolment_off_track <= enrolment_at_risk <= 1")
        if not 0 <= self.max_dropout_share <= 1:
            raise ValueError("max_dropout_share must be a share")
