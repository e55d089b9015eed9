"""The matched event study under its first name: the model, its result and the outcome
helpers, re-exported from :mod:`evaluation.did` (new code imports from there)."""

from evaluation.did.data import priced_outcome, status_outcome
from evaluation.did.model import MatchedEventStudy
from evaluation.did.results import GROUPS, METHOD, EventStudyResult

__all__ = [
    "GROUPS",
    "METHOD",
    "EventStudyResult",
    "MatchedEventStudy",
    "priced_outcome",
    "status_outcome",
]
