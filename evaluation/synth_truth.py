"""The true effects of the synthetic municipality (:mod:`evaluation.synth`): the cohort x
event-month mean of ``Y(1) - Y(0)`` for every outcome set, and the true ATT over the
cohorts observed by a month."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.statuses import BENEFITS, CODE, SELF_SUFFICIENT, STATUSES

if TYPE_CHECKING:
    from evaluation.synth import SynthSpec

_S = CODE


def truth_outcomes() -> dict[str, tuple[str, ...]]:
    """Outcome status sets for which the generator writes true effects."""
    out = {"self_sufficient": SELF_SUFFICIENT, "on_benefits": BENEFITS}
    out.update({f"status:{s}": (s,) for s in STATUSES})
    return out


def true_effects(
    spec: SynthSpec,
    y0: np.ndarray,
    y1: np.ndarray,
    starts: np.ndarray,
    m0: int,
    outcomes: dict[str, tuple[str, ...]] | None = None,
) -> pd.DataFrame:
    """Cohort x event-month mean of Y(1) - Y(0) for every outcome set."""
    t_obs = y0.shape[1]
    frames = []
    for j, offer in enumerate(spec.offers):
        who = np.flatnonzero(starts[:, j] >= 0)
        if len(who) == 0:
            continue
        s = starts[who, j]
        for e in range(-12, t_obs):
            t = s + e
            ok = (t >= 0) & (t < t_obs)
            if not ok.any():
                continue
            rows, cols = who[ok], t[ok]
            cohort = s[ok]
            a, b = y1[rows, cols], y0[rows, cols]
            for name, sset in (outcomes or truth_outcomes()).items():
                codes = [_S[x] for x in sset]
                diff = np.isin(a, codes).astype(float) - np.isin(b, codes)
                sums = pd.Series(diff).groupby(cohort).agg(["sum", "size"])
                frames.append(
                    pd.DataFrame(
                        {
                            "offer_id": offer.offer_id,
                            "start_month": m0 + sums.index.to_numpy(),
                            "event_time": e,
                            "outcome": name,
                            "effect": sums["sum"].to_numpy() / sums["size"].to_numpy(),
                            "n": sums["size"].to_numpy().astype("int64"),
                        }
                    )
                )
    out = pd.concat(frames, ignore_index=True)
    out["start_month"] = months.to_timestamps(out["start_month"].to_numpy()).to_numpy()
    return out


def true_att(
    true_effects: pd.DataFrame, *, as_of: str | None = None, cohorts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """True ATT by offer, outcome and event month, over the cohorts observed by ``as_of``.

    ``cohorts`` (offer_id, start_month, n) reweights to a subset of participants, e.g.
    the matched ones; by default every participant counts.
    """
    te = true_effects
    if as_of is not None:
        observed = months.from_dates(te["start_month"]) + te["event_time"].to_numpy()
        te = te[observed <= months.parse(as_of)]
    if cohorts is not None:
        te = te.drop(columns="n").merge(cohorts, on=["offer_id", "start_month"])
    te = te.assign(w=te["effect"] * te["n"])
    g = te.groupby(["offer_id", "outcome", "event_time"], as_index=False)[["w", "n"]].sum()
    g["effect"] = g["w"] / g["n"]
    return g.drop(columns="w")
