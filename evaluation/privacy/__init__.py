"""Privacy: keep CPR numbers out, pseudonymise person IDs, suppress small cells.

* :mod:`.cpr` - :func:`looks_like_cpr` and :func:`cpr_columns`, the guard that stops a
  Danish personal number from entering the pipeline;
* :mod:`.pseudonymise` - keyed HMAC-SHA256 pseudonyms, stable across months;
* :mod:`.suppression` - primary and secondary small-cell suppression of one table
  (:func:`suppress`, :func:`suppress_effects`), the primitives;
* :mod:`.policy` - :func:`suppress_run`, the one policy over all published tables of a
  run: primary suppression, complementary suppression over the identities between
  tables (:mod:`.relations`, solved by :mod:`.complement`) and the values, notes and
  flags resting on blanked counts (:mod:`.dependent`).
"""

from evaluation.privacy.cpr import CprFinding, cpr_columns, looks_like_cpr
from evaluation.privacy.policy import suppress_run
from evaluation.privacy.pseudonymise import MIN_KEY_BYTES, check_key, pseudonymise
from evaluation.privacy.suppression import (
    EFFECT_COUNTS,
    EFFECT_VALUES,
    FLAG,
    REASON,
    SECONDARY,
    ColumnTotal,
    RowTotal,
    SecondaryRule,
    primary_reason,
    suppress,
    suppress_effects,
)

__all__ = [
    "EFFECT_COUNTS",
    "EFFECT_VALUES",
    "FLAG",
    "MIN_KEY_BYTES",
    "REASON",
    "SECONDARY",
    "ColumnTotal",
    "CprFinding",
    "RowTotal",
    "SecondaryRule",
    "check_key",
    "cpr_columns",
    "looks_like_cpr",
    "primary_reason",
    "pseudonymise",
    "suppress",
    "suppress_effects",
    "suppress_run",
]
