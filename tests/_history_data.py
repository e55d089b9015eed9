"""Small hand-built municipality with an earlier offer as a confounder.

Everyone is on cash benefit at first. In month 6 a third of the persons start an earlier
offer ``old`` (4 months); it raises their monthly chance of finding a job for good
(its effect lasts). Persons back on cash benefit are in the target group of the
evaluated offer ``x``; those without any earlier offer start ``x`` at random in months
20..31 ("one offer per person", as the synthetic municipality), and ``x`` has no effect.
Nothing in the status lags tells an ``old`` participant from anyone else still on cash
benefit: only programme history does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation import months

FIRST = months.parse("2021-01")
N_MONTHS = 44
CASH, JOB = "cash_benefit", "job"


def history_inputs(seed: int, n: int = 4000) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.array([f"h{i:05d}" for i in range(n)])
    old = rng.random(n) < 1 / 3
    hazard = np.where(old, 0.15, 0.03)
    job = np.zeros((n, N_MONTHS), dtype=bool)
    state = np.zeros(n, dtype=bool)
    for t in range(N_MONTHS):
        h = np.where(t >= 10, hazard, 0.03)
        state = state | (rng.random(n) < h)
        state = state & ~(rng.random(n) < 0.05)  # some lose the job again
        job[:, t] = state
    persons = pd.DataFrame(
        {
            "person_id": ids,
            "birth_year": rng.integers(1970, 2000, n),
            "sex": rng.choice(["F", "M"], n),
            "education": rng.choice(["grundskole", "gymnasial"], n),
            "municipality_code": 101,
        }
    )
    month_dates = np.array([pd.Timestamp(months.label(FIRST + t) + "-01") for t in range(N_MONTHS)])
    status = pd.DataFrame(
        {
            "person_id": np.repeat(ids, N_MONTHS),
            "month": np.tile(month_dates, n),
            "status": np.where(job.ravel(), JOB, CASH),
        }
    )
    rows = [(i, 6, 9) for i in np.flatnonzero(old)]
    for i in np.flatnonzero(~old):
        for t in range(20, 32):
            if not job[i, t - 1] and rng.random() < 0.02:
                rows.append((i, t, t + 5))
                break
    participation = pd.DataFrame(
        {
            "person_id": ids[[r[0] for r in rows]],
            "offer_id": ["old" if r[1] == 6 else "x" for r in rows],
            "start_month": month_dates[[r[1] for r in rows]],
            "end_month": month_dates[[min(r[2], N_MONTHS - 1) for r in rows]],
        }
    )
    return persons, status, participation
