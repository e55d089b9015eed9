"""How long participations last: descriptive only.

Participation length comes from ``end_month``: ``end - start + 1`` months (start and end
month both count), known only for participations that ended by the as-of month; the
others are ``ongoing``. A participation that ended before lasting ``early_months``
(3, the on-track monitor's ``dropout_months``) ended early: the dropout share.

Effects by completed vs early-ended participation are *not* shown: who completes depends
on how the participation goes, so such a split compares selected groups, not the offer's
effect. The distribution is shown next to the effect to say what "participating" meant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ONGOING = "ongoing"
DURATION_BINS: tuple[tuple[str, int, int], ...] = (
    ("1-2", 1, 2),
    ("3-5", 3, 5),
    ("6-11", 6, 11),
    ("12+", 12, 10_000),
)
DURATION_COLUMNS = ("offer_id", "duration", "ended_early", "n_participations", "share")


def duration_table(
    offer_id: str, start: np.ndarray, end: np.ndarray, as_of: int, *, early_months: int = 3
) -> pd.DataFrame:
    """One row per duration band and ``ongoing``: participations started by ``as_of``
    (month indices; ``end`` negative or NaN while open, an end after ``as_of`` counts as
    open), their number and share of all started; ``ended_early`` marks the bands that
    ended before lasting ``early_months`` (a band must lie wholly on one side)."""
    start = np.asarray(start, dtype=np.float64)
    end = np.asarray(end, dtype=np.float64)
    began = start <= as_of
    ended = began & np.isfinite(end) & (end >= 0) & (end <= as_of)
    length = np.where(ended, end - start + 1, np.nan)
    labels, early, counts = [], [], []
    for label, lo, hi in DURATION_BINS:
        if lo < early_months <= hi:
            raise ValueError(f"duration band {label} straddles early_months={early_months}")
        labels.append(label)
        early.append(hi < early_months)
        counts.append(int(((length >= lo) & (length <= hi)).sum()))
    labels.append(ONGOING)
    early.append(False)
    counts.append(int((began & ~ended).sum()))
    n = np.array(counts, dtype=np.int64)
    total = int(began.sum())
    return pd.DataFrame(
        {
            "offer_id": offer_id,
            "duration": labels,
            "ended_early": early,
            "n_participations": n,
            "share": n / total if total else np.full(len(n), np.nan),
        }
    )


def dropout_share(table: pd.DataFrame) -> float:
    """Share of started participations that ended early (NaN when it rests on a blank)."""
    rows = table[table["ended_early"].astype(bool)]
    return float(rows["share"].sum(min_count=1)) if len(rows) else np.nan
