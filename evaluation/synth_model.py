"""The synthetic municipality's untreated status dynamics: monthly transition
probabilities out of each status (the rest stays), as a matrix over the status codes."""

from __future__ import annotations

import numpy as np

from evaluation.statuses import CODE, STATUSES

_S = CODE
_N_STATUS = len(STATUSES)

# Monthly transition probabilities out of each status (the rest stays).
_EXITS: dict[str, dict[str, float]] = {
    "job": {
        "unemployment_insurance": 0.008,
        "cash_benefit": 0.003,
        "sickness_benefit": 0.008,
        "education": 0.002,
        "other": 0.004,
    },
    "education": {"job": 0.025, "education_benefit": 0.01, "cash_benefit": 0.004, "other": 0.006},
    "unemployment_insurance": {
        "job": 0.11,
        "education": 0.006,
        "sickness_benefit": 0.012,
        "cash_benefit": 0.01,
        "other": 0.005,
    },
    "cash_benefit": {
        "job": 0.03,
        "education": 0.01,
        "sickness_benefit": 0.01,
        "rehabilitation": 0.007,
        "education_benefit": 0.012,
        "other": 0.008,
    },
    "education_benefit": {"education": 0.05, "job": 0.03, "cash_benefit": 0.01, "other": 0.01},
    "sickness_benefit": {
        "job": 0.075,
        "rehabilitation": 0.015,
        "cash_benefit": 0.012,
        "unemployment_insurance": 0.01,
        "flexjob": 0.005,
        "disability_pension": 0.003,
        "other": 0.006,
    },
    "rehabilitation": {
        "job": 0.012,
        "flexjob": 0.015,
        "disability_pension": 0.01,
        "cash_benefit": 0.01,
        "other": 0.005,
    },
    "flexjob": {
        "job": 0.004,
        "disability_pension": 0.004,
        "sickness_benefit": 0.004,
        "other": 0.003,
    },
    "disability_pension": {"other": 0.002},
    "other": {
        "job": 0.045,
        "education": 0.012,
        "cash_benefit": 0.02,
        "unemployment_insurance": 0.01,
        "sickness_benefit": 0.005,
    },
}


def _base_matrix() -> np.ndarray:
    p = np.zeros((_N_STATUS, _N_STATUS))
    for origin, exits in _EXITS.items():
        for dest, prob in exits.items():
            p[_S[origin], _S[dest]] = prob
    return p


BASE = _base_matrix()
"""Row: the status a month starts in; column: where it may go (exit probabilities)."""
