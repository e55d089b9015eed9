"""Sensitivity analyses: how strong would a violation of the design's assumptions have to
be to erase the effect?

Parallel trends (Rambachan & Roth 2023, Rev. Econ. Stud. 90:2555), from an event study's
estimates and covariance:

* :mod:`.data` - :class:`EventStudyInput` (pre and post periods around the reference
  month, from any event study with ``event_times``, ``estimates``, ``cov``) and the
  scalar :class:`Target` (one post event month or the mean over a window);
* :mod:`.restrictions` - Δ^RM(M̄) (relative magnitudes) and Δ^SD(M) (smoothness) as
  polyhedra;
* :mod:`.arp` - the conditional-least-favourable hybrid test of Andrews, Roth & Pakes
  (relative magnitudes), solved with :mod:`.lp`;
* :mod:`.flci` - the optimal fixed-length confidence interval (smoothness);
* :mod:`.model` - :func:`trend_sensitivity` (robust intervals over M̄ and M, the
  breakdown values) and its parts.

Hidden confounding:

* :mod:`.evalue` - the E-value on the risk-ratio scale (VanderWeele & Ding 2017, Ann.
  Intern. Med. 167:268) for a binary outcome, with the interval's bound;
* :mod:`.rosenbaum` - Rosenbaum's sensitivity bound Γ for 1:k matched sets.

:mod:`.results` - :class:`TrendSensitivity`, :class:`EValue`, :class:`RosenbaumBound`;
their ``tidy()`` frames have the columns of ``sensitivity.parquet``
(:data:`TIDY_COLUMNS`).
"""

from evaluation.sensitivity.data import EventStudyInput, Target
from evaluation.sensitivity.evalue import EValue, e_value, e_value_from_effect
from evaluation.sensitivity.model import (
    relative_magnitudes_breakdown,
    relative_magnitudes_interval,
    smoothness_breakdown,
    trend_sensitivity,
)
from evaluation.sensitivity.results import (
    TIDY_COLUMNS,
    TrendSensitivity,
    e_value_rows,
    rosenbaum_rows,
    tidy_rows,
)
from evaluation.sensitivity.rosenbaum import (
    MatchedSets,
    RosenbaumBound,
    rosenbaum_gamma,
    signed_rank_bound,
)

__all__ = [
    "TIDY_COLUMNS",
    "EValue",
    "EventStudyInput",
    "MatchedSets",
    "RosenbaumBound",
    "Target",
    "TrendSensitivity",
    "e_value",
    "e_value_from_effect",
    "e_value_rows",
    "relative_magnitudes_breakdown",
    "relative_magnitudes_interval",
    "rosenbaum_gamma",
    "rosenbaum_rows",
    "signed_rank_bound",
    "smoothness_breakdown",
    "tidy_rows",
    "trend_sensitivity",
]
