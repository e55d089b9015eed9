"""Are we on track? Interim indicators and a status per offer between final results.

``plans`` (versioned plans, INDIGO style), ``progress`` (the aggregate inputs),
``trajectory`` (the path to the target effect and the interim ATT), ``rules`` (the status
rule registry), ``indicators`` (:func:`assess` -> :class:`OnTrack`, the indicator table
and the Prefect artifact text).
"""

from evaluation.monitor.indicators import (
    INDICATOR_COLUMNS,
    STATUS_COLUMNS,
    OnTrack,
    artifact_key,
    assess,
    markdown_summary,
    status_frame,
)
from evaluation.monitor.plans import Plan, PlanHistory
from evaluation.monitor.progress import (
    EffectPath,
    InterimPath,
    OfferProgress,
    count_dropouts,
    count_starts,
)
from evaluation.monitor.rules import RULE_CODES, RULES, Facts, Finding, Rule, Status
from evaluation.monitor.settings import MonitorSettings
from evaluation.monitor.trajectory import TRAJECTORIES, Interim, interim_effect, trajectory

__all__ = [
    "INDICATOR_COLUMNS",
    "RULES",
    "RULE_CODES",
    "STATUS_COLUMNS",
    "TRAJECTORIES",
    "EffectPath",
    "Facts",
    "Finding",
    "Interim",
    "InterimPath",
    "MonitorSettings",
    "OfferProgress",
    "OnTrack",
    "Plan",
    "PlanHistory",
    "Rule",
    "Status",
    "artifact_key",
    "assess",
    "count_dropouts",
    "count_starts",
    "interim_effect",
    "markdown_summary",
    "status_frame",
    "trajectory",
]
