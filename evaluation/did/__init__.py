"""Difference-in-differences estimators.

The matched event study (ATT by event month on the matched sets of
:mod:`evaluation.matching`, person-clustered, with inverse-probability-of-censoring
weights for controls who start later):

* :mod:`.data` - outcome values per status (:func:`status_outcome`,
  :func:`priced_outcome`) and the design of members x event months;
* :mod:`.model` - :class:`MatchedEventStudy`: build with a panel and a match,
  ``fit(outcome, values)``;
* :mod:`.results` - :class:`EventStudyResult`: estimates, covariance, pooled headline,
  pre-trend test, ``conf_int``, ``tidy()`` (``effects.parquet``), ``levels()``;
* :mod:`.inference` - Wald tests, the wild cluster bootstrap, Holm's adjustment,
  minimum detectable effects.

Callaway & Sant'Anna's staggered estimator (unmatched, ATT(g,t) and its aggregations):
:mod:`.staggered` (``att_gt``).
"""

from evaluation.did.data import priced_outcome, status_outcome
from evaluation.did.inference import WaldTest, holm, minimum_detectable_effect
from evaluation.did.model import MatchedEventStudy
from evaluation.did.results import EventStudyResult

__all__ = [
    "EventStudyResult",
    "MatchedEventStudy",
    "WaldTest",
    "holm",
    "minimum_detectable_effect",
    "priced_outcome",
    "status_outcome",
]
