"""Effect heterogeneity and person-level truth of the synthetic municipality: the
offers' effect factors by age band, and each participant's Y(1) - Y(0)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.statuses import CODE, SELF_SUFFICIENT
from evaluation.subgroups import AGE_BANDS

if TYPE_CHECKING:
    from evaluation.synth import SynthSpec

_SS = np.array([CODE[s] for s in SELF_SUFFICIENT])


def age_effect(
    spec: SynthSpec,
    factor: np.ndarray,
    offer: np.ndarray,
    birth_year: np.ndarray,
    start: np.ndarray,
) -> np.ndarray:
    """Effect factors with the offers' ``effect_by_age`` applied (age in the start year)."""
    out = factor.astype(float).copy()
    age = months.year_of(start) - birth_year
    for j, o in enumerate(spec.offers):
        if not o.effect_by_age:
            continue
        for (_, lo, hi), f in zip(AGE_BANDS, o.effect_by_age, strict=True):
            out[(offer == j) & (age >= lo) & (age <= hi)] = f
    return out


def individual_effects(
    spec: SynthSpec,
    ids: np.ndarray,
    y0: np.ndarray,
    y1: np.ndarray,
    starts: np.ndarray,
    m0: int,
    horizon: int = 36,
) -> pd.DataFrame:
    """Y(1) - Y(0) of self-sufficiency per participant and event month 0..horizon."""
    t_obs = y0.shape[1]
    frames = []
    for j, offer in enumerate(spec.offers):
        who = np.flatnonzero(starts[:, j] >= 0)
        s = starts[who, j]
        for e in range(horizon + 1):
            ok = s + e < t_obs
            rows, cols = who[ok], s[ok] + e
            diff = np.isin(y1[rows, cols], _SS).astype(np.int8) - np.isin(y0[rows, cols], _SS)
            frames.append(
                pd.DataFrame(
                    {
                        "person_id": ids[rows],
                        "offer_id": offer.offer_id,
                        "start_month": m0 + s[ok],
                        "event_time": e,
                        "effect": diff.astype(np.int8),
                    }
                )
            )
    out = pd.concat(frames, ignore_index=True)
    out["start_month"] = months.to_timestamps(out["start_month"].to_numpy()).to_numpy()
    return out
