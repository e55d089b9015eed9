"""Risk-set matching: risk sets, covariates, propensity score, matchers, balance."""

from evaluation.matching.data import RiskSets, build_risk_sets, covariates
from evaluation.matching.model import RiskSetMatching
from evaluation.matching.results import CommonSupport, MatchResult

__all__ = [
    "CommonSupport",
    "MatchResult",
    "RiskSetMatching",
    "RiskSets",
    "build_risk_sets",
    "covariates",
]
