"""The synthetic municipality's frames in the input format (:mod:`evaluation.synth`):
participation, monthly status with earnings, and the evaluation config of its offers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.statuses import CODE, STATUSES

if TYPE_CHECKING:
    from evaluation.synth import SynthSpec

_S = CODE


def participation_frame(
    rng: np.random.Generator, spec: SynthSpec, ids: np.ndarray, starts: np.ndarray, m0: int
) -> pd.DataFrame:
    rows = []
    last = m0 + spec.n_months - 1
    for j, offer in enumerate(spec.offers):
        who = np.flatnonzero(starts[:, j] >= 0)
        s = m0 + starts[who, j]
        duration = rng.integers(3, 10, size=len(who))
        dropout = rng.random(len(who)) < 0.15
        duration = np.where(dropout, rng.integers(1, 3, size=len(who)), duration)
        end = s + duration - 1
        end_dates = pd.Series(months.to_timestamps(end)).where(end <= last)
        rows.append(
            pd.DataFrame(
                {
                    "person_id": ids[who],
                    "offer_id": offer.offer_id,
                    "start_month": months.to_timestamps(s),
                    "end_month": end_dates.to_numpy(),
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    frame["person_id"] = frame["person_id"].astype("str")
    frame["offer_id"] = frame["offer_id"].astype("str")
    frame["start_month"] = frame["start_month"].astype("datetime64[ms]")
    frame["end_month"] = frame["end_month"].astype("datetime64[ms]")
    return frame.sort_values(["offer_id", "start_month", "person_id"], ignore_index=True)


def status_frame(
    ids: np.ndarray, status: np.ndarray, z: np.ndarray, rng: np.random.Generator, m0: int
) -> pd.DataFrame:
    n, t_obs = status.shape
    flat = status.ravel()
    codes = np.repeat(np.arange(n), t_obs)
    month = np.tile(months.to_timestamps(m0 + np.arange(t_obs)).to_numpy(), n)
    wage = 26_000 * np.exp(0.15 * z)
    earnings = np.where(
        flat == _S["job"],
        np.repeat(wage, t_obs) * rng.lognormal(0, 0.2, size=n * t_obs),
        np.where(flat == _S["flexjob"], 12_000.0, 0.0),
    )
    return pd.DataFrame(
        {
            "person_id": pd.Categorical.from_codes(codes, categories=pd.Index(ids, dtype="str")),
            "month": month.astype("datetime64[ms]"),
            "status": pd.Categorical.from_codes(flat, categories=list(STATUSES)),
            "earnings_dkk": np.round(earnings, 0),
        }
    )


def config_dict(spec: SynthSpec) -> dict:
    """The evaluation config of the generated offers (as YAML data)."""
    return {
        "offers": [
            {
                "offer_id": o.offer_id,
                "name": o.name,
                "target_group": {
                    "statuses": list(o.statuses),
                    "months_before_start": o.months_before_start,
                },
                "cost_per_participant_dkk": o.cost_per_participant_dkk,
                "evidence_stars": o.evidence_stars,
                "target_effect": o.target_effect,
                "target_event_month": o.target_event_month,
            }
            for o in spec.offers
        ]
    }
