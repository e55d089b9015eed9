"""The monitor's reasons, rendered from a rule's code and numbers.

The status rules (:mod:`evaluation.monitor.rules`) give a code and raw numbers; the
sentence comes from the catalogue's ``monitor_reasons`` in the plain number style of
Parquet text and artifacts (:meth:`~evaluation.texts.numbers.NumberStyle.plain_pp`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from evaluation.texts.catalogue import Lang
from evaluation.texts.languages import STYLES, TEXTS
from evaluation.texts.numbers import DASH, NumberStyle

Format = Callable[[NumberStyle, object], object]


def _as_is(style: NumberStyle, x: object) -> object:
    return DASH if x is None else x


# how each number of a reason is written (any other: as it is, "–" when None)
FORMATS: dict[str, Format] = {
    "estimate": NumberStyle.plain_pp,
    "ci_low": NumberStyle.plain_pp,
    "ci_high": NumberStyle.plain_pp,
    "trajectory": NumberStyle.plain_pp,
    "target": NumberStyle.plain_pp,
    "level": NumberStyle.plain_share,
    "share": NumberStyle.plain_share,
    "dropout_share": NumberStyle.plain_share,
    "limit": NumberStyle.plain_share,
    "planned": NumberStyle.plain_whole,
}


def monitor_reason(code: str, numbers: Mapping[str, object], lang: Lang) -> str:
    """The reason of status rule ``code`` in ``lang``, its fields filled from ``numbers``
    (see :func:`evaluation.monitor.rules.reason_numbers`)."""
    style = STYLES[lang]
    fields = {k: FORMATS.get(k, _as_is)(style, v) for k, v in numbers.items()}
    return TEXTS[lang].monitor_reasons[code].format(**fields)
