"""The monthly status codes, as in the Danish transfer-payment registers (DREAM).

Statuses are stored as small integers in the person x month matrix; the code of a
status is its position in :data:`STATUSES`. ``UNOBSERVED`` marks a month with no row.
"""

from __future__ import annotations

import numpy as np

STATUSES: tuple[str, ...] = (
    "job",
    "education",
    "unemployment_insurance",
    "cash_benefit",
    "education_benefit",
    "sickness_benefit",
    "rehabilitation",
    "flexjob",
    "disability_pension",
    "other",
)
CODE: dict[str, int] = {name: i for i, name in enumerate(STATUSES)}
UNOBSERVED: int = -1

SELF_SUFFICIENT: tuple[str, ...] = ("job", "education")
BENEFITS: tuple[str, ...] = (
    "unemployment_insurance",
    "cash_benefit",
    "education_benefit",
    "sickness_benefit",
    "rehabilitation",
    "flexjob",
    "disability_pension",
)

EDUCATIONS: tuple[str, ...] = (
    "grundskole",
    "gymnasial",
    "erhvervsfaglig",
    "kvu",
    "mvu",
    "lvu",
    "ukendt",
)
SEXES: tuple[str, ...] = ("F", "M")


def codes(names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Integer codes of the given status names (raises KeyError on an unknown name)."""
    return np.array([CODE[n] for n in names], dtype=np.int8)


def indicator(status: np.ndarray, names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Boolean array: is ``status`` one of ``names``? Unobserved months are False."""
    return np.isin(status, codes(names))
