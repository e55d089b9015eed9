"""Readable names of the matching covariates, in the catalogue's languages."""

from __future__ import annotations

import re

from evaluation.texts.catalogue import Lang
from evaluation.texts.languages import STYLES, TEXTS

_LAG = re.compile(r"lag(\d+)_(\w+)")
_WINDOW = re.compile(r"(\w+?)_(\d+)m")
_CALENDAR = re.compile(r"calendar_month_(\d+)")


def covariate_label(name: str, lang: Lang) -> str:
    """A readable name of a matching covariate ("lag4_job" -> "job 4 mdr. før start")."""
    t, style = TEXTS[lang], STYLES[lang]
    if name in t.cov_fixed:
        return t.cov_fixed[name]
    if m := _LAG.fullmatch(name):
        status = t.status_names.get(m.group(2), m.group(2))
        return _capital(t.cov_lag.format(status=status, k=m.group(1)))
    if m := _CALENDAR.fullmatch(name):
        return t.cov_calendar.format(month=style.month_names[int(m.group(1)) - 1])
    if name.startswith("education_"):
        return t.cov_education.format(level=name.removeprefix("education_"))
    if m := _WINDOW.fullmatch(name):
        if m.group(1) == "observed":
            return t.cov_observed.format(n=m.group(2))
        status = t.status_names.get(m.group(1), m.group(1))
        return t.cov_window.format(status=status, n=m.group(2))
    return name


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
