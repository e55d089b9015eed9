"""Are we on track? Interim indicators and a status per offer between final results.

* :mod:`.config` - :class:`MonitorSettings` (thresholds, trajectory shape, language);
* :mod:`.data` - what the flow hands over for one offer (:class:`OfferProgress`,
  aggregate only) and the counting helpers; :mod:`.plans` - versioned plans (INDIGO
  style);
* :mod:`.trajectory` - the registry of paths to the target effect and the interim ATT;
* :mod:`.rules` - the registry of status rules: codes, statuses and the numbers of
  their reasons;
* :mod:`.model` - :func:`assess`: progress -> :class:`OnTrack`;
* :mod:`.results` - :class:`OnTrack`, the indicator table (``indicators.parquet``) and
  the per-offer Prefect artifact; reasons are rendered there from
  :mod:`evaluation.texts`.
"""

from evaluation.monitor.config import MonitorSettings
from evaluation.monitor.data import (
    EffectPath,
    InterimPath,
    OfferProgress,
    count_dropouts,
    count_starts,
)
from evaluation.monitor.model import assess
from evaluation.monitor.plans import Plan, PlanHistory
from evaluation.monitor.results import (
    INDICATOR_COLUMNS,
    STATUS_COLUMNS,
    OnTrack,
    artifact_key,
    markdown_summary,
    status_frame,
)
from evaluation.monitor.rules import RULE_CODES, RULES, Facts, Finding, Rule, Status
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
