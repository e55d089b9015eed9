"""Readable names of the matching covariates, in the catalogue's languages, from their
descriptors (:class:`evaluation.matching.data.Covariate`): nothing is parsed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from evaluation.texts.catalogue import Lang, Texts
from evaluation.texts.languages import STYLES, TEXTS
from evaluation.texts.numbers import NumberStyle

if TYPE_CHECKING:
    from evaluation.matching.data import Covariate

Label = Callable[["Covariate", Texts, NumberStyle], str]


def _status(c: Covariate, t: Texts) -> str:
    return t.status_names.get(c.status, c.status)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


LABELS: dict[str, Label] = {
    "age": lambda c, t, s: t.cov_fixed["age"],
    "male": lambda c, t, s: t.cov_fixed["sex_m"],
    "education": lambda c, t, s: t.cov_education.format(level=c.level),
    "lag": lambda c, t, s: _capital(t.cov_lag.format(status=_status(c, t), k=c.months)),
    "months_in": lambda c, t, s: t.cov_window.format(status=_status(c, t), n=c.months),
    "months_observed": lambda c, t, s: t.cov_observed.format(n=c.months),
    "share_in": lambda c, t, s: t.cov_share.format(status=_status(c, t), n=c.months),
    "calendar_month": lambda c, t, s: t.cov_calendar.format(month=s.month_names[c.month - 1]),
    "programme_ever": lambda c, t, s: t.cov_programme_ever.format(offer=c.offer),
    "programme_months": lambda c, t, s: t.cov_programme_months.format(offer=c.offer),
    "in_programme": lambda c, t, s: t.cov_fixed["in_programme"],
}
"""The label of each kind of covariate."""


def covariate_label(covariate: Covariate, lang: Lang) -> str:
    """A readable name of a matching covariate (lag 4 of ``job`` -> "Job 4 mdr. før
    start")."""
    return LABELS[covariate.kind](covariate, TEXTS[lang], STYLES[lang])
