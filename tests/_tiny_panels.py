"""Hand-built panels of a few persons and months for matching tests."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.matching.matchers import MatchInput
from evaluation.panel import StatusPanel, build_panel

FIRST = "2023-01"
SICK = "sickness_benefit"
CASH = "cash_benefit"
JOB = "job"


def month_date(i: int) -> dt.date:
    """The date of the ``i``-th month after FIRST (0-based)."""
    m = months.parse(FIRST) + i
    return dt.date(m // 12, m % 12 + 1, 1)


def tiny_panel(
    statuses: dict[str, list[str]], starts: dict[str, tuple[str, int]] | None = None
) -> StatusPanel:
    """A panel from ``statuses`` (person -> status per month from FIRST) and ``starts``
    (person -> (offer, start month number)); every person born 1980, female, grundskole."""
    persons = pd.DataFrame(
        {
            "person_id": list(statuses),
            "birth_year": np.int32(1980),
            "sex": "F",
            "education": "grundskole",
            "municipality_code": np.int32(101),
        }
    )
    status = pd.DataFrame(
        [(pid, month_date(i), s) for pid, seq in statuses.items() for i, s in enumerate(seq)],
        columns=["person_id", "month", "status"],
    )
    starts = starts or {}
    participation = pd.DataFrame(
        {
            "person_id": list(starts),
            "offer_id": [o for o, _ in starts.values()],
            "start_month": [month_date(i) for _, i in starts.values()],
            "end_month": [None] * len(starts),
        }
    )
    return build_panel(persons, status, participation)


def match_input(
    treated: list[bool],
    score: list[float],
    *,
    stratum: list[int] | None = None,
    caliper: float = np.inf,
    k: int = 1,
    replace: bool = True,
) -> MatchInput:
    """Matcher input with hand-set scores; the tie-breaker is the row number."""
    n = len(treated)
    return MatchInput(
        treated=np.asarray(treated, bool),
        stratum=np.asarray(stratum if stratum is not None else [0] * n, np.int64),
        score=np.asarray(score, float),
        tiebreak=np.arange(n),
        features=None,
        caliper=caliper,
        k=k,
        replace=replace,
    )
