"""Why an offer sits above or below the line: its participants' raw difference from the
whole target group, split into who was enrolled (selection, "creaming") and what the
offer did (the extra effect).

Over the headline window W (event months, e.g. 0..11), with outcome levels (e.g. the
share self-sufficient) averaged over the months of W with equal weight:

    P = participants' mean level              (the event study's participants)
    C = matched controls' mean level          (the event study's weights: matching x
                                               censoring, normalised per start cohort)
    T = the whole target group's mean level, over the same months and cohorts

    raw difference  P - T  =  (C - T)      +  (P - C)
                              selection       extra effect

exactly (to rounding). P_e and C_e are the event study's level means
(:meth:`EventStudyResult.levels`): the persons observed at e and at the month before the
start. T_e is built to be comparable: for each start month s of a matched participant,
everyone in the target group in month s (the same rule as participants and controls;
the participants themselves included, as members of the group the committee compares
with) and observed in month s + e; cohort s weighted by its number of participants
observed at e, as the participants' mean is. So T is what an average member of the
target group looked like at the same calendar months as the participants.

The extra effect here is a difference in levels. The event study's estimate is the
difference in differences, P - C minus the same difference in the month before the start
(the ``baseline_gap``, reported beside it): matching is exact on the status in that month,
so the gap is small and the two nearly agree; a committee reads the levels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial

import numpy as np
import pandas as pd

from evaluation.config import TargetGroup
from evaluation.did.data import outcome_values
from evaluation.did.results import EventStudyResult
from evaluation.matching.results import MatchResult
from evaluation.panel import StatusPanel
from evaluation.statuses import UNOBSERVED
from evaluation.target import target_group_members

DECOMPOSITION_COLUMNS: tuple[str, ...] = (
    "offer_id",
    "outcome",
    "window_first",
    "window_last",
    "participants_level",
    "matched_controls_level",
    "target_group_level",
    "raw_difference",
    "selection",
    "extra_effect",
    "did_estimate",
    "did_std_error",
    "baseline_gap",
    "n_participants",
    "n_target_group",  # distinct persons in the target group at the start months used
    "note",
)


@dataclass(frozen=True)
class Decomposition:
    """One offer's raw difference = selection + extra effect (levels over the window)."""

    offer_id: str
    outcome: str
    window: tuple[int, int]
    participants_level: float
    matched_controls_level: float
    target_group_level: float
    did_estimate: float
    did_std_error: float
    baseline_gap: float
    n_participants: int
    n_target_group: int
    note: str = ""

    @property
    def raw_difference(self) -> float:
        return self.participants_level - self.target_group_level

    @property
    def selection(self) -> float:
        return self.matched_controls_level - self.target_group_level

    @property
    def extra_effect(self) -> float:
        return self.participants_level - self.matched_controls_level

    def tidy(self) -> pd.DataFrame:
        """One row of ``decomposition.parquet`` (:data:`DECOMPOSITION_COLUMNS`)."""
        row = {
            "offer_id": self.offer_id,
            "outcome": self.outcome,
            "window_first": self.window[0],
            "window_last": self.window[1],
            "participants_level": self.participants_level,
            "matched_controls_level": self.matched_controls_level,
            "target_group_level": self.target_group_level,
            "raw_difference": self.raw_difference,
            "selection": self.selection,
            "extra_effect": self.extra_effect,
            "did_estimate": self.did_estimate,
            "did_std_error": self.did_std_error,
            "baseline_gap": self.baseline_gap,
            "n_participants": self.n_participants,
            "n_target_group": self.n_target_group,
            "note": self.note,
        }
        frame = pd.DataFrame([row], columns=list(DECOMPOSITION_COLUMNS))
        for col in ("window_first", "window_last", "n_participants", "n_target_group"):
            frame[col] = frame[col].astype("int64")
        for col in ("offer_id", "outcome", "note"):
            frame[col] = frame[col].astype("str")
        return frame


def target_group_levels(
    panel: StatusPanel,
    rule: TargetGroup,
    values: np.ndarray,
    cohorts: np.ndarray,
    cohort_weights: np.ndarray,
    extra: np.ndarray | None = None,
    members_of: Callable[[int], np.ndarray] | None = None,
) -> tuple[float, int]:
    """Σ_s w_s T_s / Σ_s w_s for one event month: T_s the mean outcome, in the month
    ``cohorts[s] + e`` already folded into ``cohorts``, of the target group at each
    start month. Here ``cohorts`` is a (start month, outcome month) array of pairs;
    ``extra`` a persons x months matrix added to the status values (a register
    measure, as given to the event study's fit); ``members_of``: the target group's
    rows at a start month, if known already (default :func:`target_group_members`)."""
    if members_of is None:
        members_of = partial(target_group_members, panel, rule=rule)
    total, weight, members = 0.0, 0.0, 0
    for (start, month), w in zip(cohorts, cohort_weights, strict=True):
        if w <= 0:
            continue
        who = members_of(int(start))
        col = int(month) - panel.first_month
        if not 0 <= col < panel.n_months or not len(who):
            continue
        status = panel.status[who, col]
        y = outcome_values(status, values)
        if extra is not None:
            y = y + extra[who, col]
        y = y[(status != UNOBSERVED) & np.isfinite(y)]
        if len(y):
            total += w * float(y.mean())
            weight += w
            members += len(who)
    return (total / weight if weight > 0 else np.nan), members


def decompose(
    panel: StatusPanel,
    match: MatchResult,
    result: EventStudyResult,
    rule: TargetGroup,
    values: np.ndarray,
    *,
    extra: np.ndarray | None = None,
) -> Decomposition:
    """The decomposition of one offer over ``result``'s headline window (see the module
    docstring); ``values`` (and ``extra``) are the outcome's values per status (and the
    measure matrix), as given to the fit."""
    lo, hi = result.headline_window
    levels = _levels(result)
    treated = match.sets[match.sets["treated"]]
    person = treated["person"].to_numpy(np.int64)
    start = treated["ref_month"].to_numpy(np.int64)
    base_ok = _observed(panel, person, start - 1)
    members_of = cache(partial(target_group_members, panel, rule=rule))  # by start month
    used_t, used_p, used_c = [], [], []  # target group, participants, controls per month
    members: set[int] = set()
    for j, e in enumerate(result.event_times):
        if not lo <= e <= hi or not np.isfinite(levels[:, j]).all():
            continue
        ok = base_ok & _observed(panel, person, start + e)
        starts, counts = np.unique(start[ok], return_counts=True)
        t_e, _ = target_group_levels(
            panel,
            rule,
            values,
            np.column_stack([starts, starts + e]),
            counts.astype(float),
            extra,
            members_of,
        )
        if not np.isfinite(t_e):
            continue
        used_t.append(t_e)
        used_p.append(levels[0, j])
        used_c.append(levels[1, j])
        members.update(int(s) for s in starts)
    who = [members_of(s) for s in sorted(members)]
    n_target = len(np.unique(np.concatenate(who))) if who else 0
    ref = np.flatnonzero(result.event_times == -1)
    gap = float(levels[0, ref[0]] - levels[1, ref[0]]) if len(ref) else np.nan
    note = "" if used_t else "no month of the headline window observed yet"
    return Decomposition(
        offer_id=match.offer_id,
        outcome=result.outcome,
        window=(int(lo), int(hi)),
        participants_level=float(np.mean(used_p)) if used_p else np.nan,
        matched_controls_level=float(np.mean(used_c)) if used_c else np.nan,
        target_group_level=float(np.mean(used_t)) if used_t else np.nan,
        did_estimate=result.pooled_estimate,
        did_std_error=result.pooled_std_error,
        baseline_gap=gap,
        n_participants=int(len(np.unique(person))),
        n_target_group=int(n_target),
        note=note,
    )


def _levels(result: EventStudyResult) -> np.ndarray:
    """Participants' and matched controls' mean levels per event month (NaN without)."""
    if result.level_means is None:
        return np.full((2, len(result.event_times)), np.nan)
    return result.level_means


def _observed(panel: StatusPanel, person: np.ndarray, month: np.ndarray) -> np.ndarray:
    col = np.asarray(month) - panel.first_month
    inside = (col >= 0) & (col < panel.n_months)
    out = np.zeros(len(person), dtype=bool)
    out[inside] = panel.status[person[inside], col[inside]] != UNOBSERVED
    return out
