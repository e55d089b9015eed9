"""Risk-set matching: every participant against comparable citizens of the same target
group in the month they started.

* configuration: :class:`~evaluation.config.MatchingConfig` and
  :class:`~evaluation.config.CovariateSpec` (in :mod:`evaluation.config`);
* :mod:`.data` - risk sets (:func:`build_risk_sets`), the covariates measured before
  each start (:func:`covariates`) and the registry of exact-matching keys
  (:data:`~evaluation.matching.data.EXACT_KEYS`);
* :mod:`.propensity` - the propensity model (logit, sampled controls);
* :mod:`.matchers` - the registry of matching variants by (method, with replacement)
  (:data:`~evaluation.matching.matchers.MATCHERS`), one algorithm each;
* :mod:`.balance` - standardised differences and variance ratios before and after;
* :mod:`.history` - programme history (earlier offers) as covariates and exact rules;
* :mod:`.frame` - the matcher on rows (:func:`match_rows`) and on a plain cross-section
  (:func:`match_frame`: ``.balance``, ``.att(outcome)`` with Abadie-Imbens errors);
* :mod:`.model` - :class:`RiskSetMatching`: build with the panel and options, ``fit()``
  (:func:`match_rows` on the risk sets);
* :mod:`.results` - :class:`MatchResult` (matched sets, unmatched participants, balance,
  common support, hazards for the event study's censoring weights).
"""

from evaluation.matching.data import RiskSets, build_risk_sets, covariates
from evaluation.matching.frame import FrameMatch, match_frame
from evaluation.matching.model import RiskSetMatching
from evaluation.matching.results import CommonSupport, MatchResult

__all__ = [
    "CommonSupport",
    "FrameMatch",
    "MatchResult",
    "RiskSetMatching",
    "RiskSets",
    "build_risk_sets",
    "covariates",
    "match_frame",
]
