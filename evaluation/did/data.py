"""The matched event study's inputs: outcome values per status and the design.

:class:`EventStudyDesign` holds the members of the matched sets x event months (status,
availability, weights) built once from the panel and the match; censoring of controls
at their own start and the inverse-probability-of-censoring weights (see
:mod:`evaluation.did.model`) are applied here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from evaluation.matching.data import NEVER
from evaluation.matching.results import MatchResult
from evaluation.panel import StatusPanel
from evaluation.statuses import STATUSES, UNOBSERVED, codes


def status_outcome(statuses: tuple[str, ...] | list[str]) -> np.ndarray:
    """Per-status values of a 0/1 outcome: 1 when the status is in ``statuses``."""
    v = np.zeros(len(STATUSES))
    v[codes(statuses)] = 1.0
    return v


def priced_outcome(prices: Mapping[str, float]) -> np.ndarray:
    """Per-status values of an amount outcome (e.g. public cost in DKK per month)."""
    return np.array([float(prices.get(s, 0.0)) for s in STATUSES])


def status_lookup(values: np.ndarray) -> np.ndarray:
    """``values`` per status code with NaN last: indexed by codes, UNOBSERVED (-1) gives
    NaN (see :func:`outcome_values`)."""
    return np.r_[np.asarray(values, dtype=np.float64), np.nan]


def outcome_values(status: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each member x event month's outcome value from its status code (NaN where
    unobserved)."""
    return status_lookup(values)[status]


assert UNOBSERVED == -1  # noqa: S101 - status_lookup's last entry is the unobserved code's


def amount_values(
    design: EventStudyDesign,
    amounts: np.ndarray,
    first_month: int,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Each member x event month's value of a persons x months matrix (column 0 =
    ``first_month``; row i is panel row ``rows[i]``, sorted, or panel row i without
    ``rows``): NaN for persons or months outside the matrix, where the amount is NaN and
    where the design does not use the month (status ``UNOBSERVED``: censored or
    unobserved)."""
    amounts = np.asarray(amounts, dtype=np.float64)
    if rows is None:
        pos, known = design.person, design.person < amounts.shape[0]
    else:
        pos = np.clip(np.searchsorted(rows, design.person), 0, max(len(rows) - 1, 0))
        known = (len(rows) > 0) & (rows[pos] == design.person)
    cols = design.ref_month[:, None] + design.event_times[None, :] - first_month
    inside = (cols >= 0) & (cols < amounts.shape[1]) & known[:, None]
    if amounts.size == 0:
        return np.full(cols.shape, np.nan)
    y = amounts[np.where(known, pos, 0)[:, None], np.clip(cols, 0, amounts.shape[1] - 1)]
    return np.where(inside & (design.status != UNOBSERVED), y, np.nan)


def member_values(design: EventStudyDesign, first_month: int, matrix: np.ndarray) -> np.ndarray:
    """Each member x event month's value of a persons x months ``matrix`` (a register
    measure, :mod:`evaluation.measures`; column 0 = ``first_month``), NaN wherever the
    design has no usable status (unobserved, censored, no month before the start)."""
    cols = design.ref_month[:, None] + design.event_times[None, :] - first_month
    inside = (cols >= 0) & (cols < matrix.shape[1])
    out = np.full(cols.shape, np.nan)
    rows = np.broadcast_to(design.person[:, None], cols.shape)
    out[inside] = matrix[rows[inside], cols[inside]]
    out[design.status == UNOBSERVED] = np.nan
    return out


@dataclass(frozen=True, eq=False)
class EventStudyDesign:
    """Members of the matched sets x event months: statuses, availability and weights."""

    event_times: np.ndarray
    status: np.ndarray  # (members, E) int8, UNOBSERVED where not usable
    treated: np.ndarray
    weight: np.ndarray  # (members, E): matching weight x censoring weight
    set_id: np.ndarray
    ref_month: np.ndarray
    cohort: np.ndarray  # dense 0..C-1 index of ref_month: the normalising group
    cluster: np.ndarray  # dense person index 0..G-1
    person: np.ndarray
    score: np.ndarray  # the matching's propensity logit per member (zeros if none)

    @property
    def ref_col(self) -> int:
        return int(np.flatnonzero(self.event_times == -1)[0])

    @property
    def n_cohorts(self) -> int:
        return int(self.cohort.max()) + 1 if len(self.cohort) else 0

    @cached_property
    def weight_by_event(self) -> np.ndarray:
        """``weight`` with event months as rows (E, members), contiguous per month."""
        return np.ascontiguousarray(self.weight.T)

    @cached_property
    def status_by_event(self) -> np.ndarray:
        """``status`` with event months as rows (E, members), contiguous per month."""
        return np.ascontiguousarray(self.status.T)

    @cached_property
    def person_index(self) -> np.ndarray:
        """A dense 0..P-1 index of ``person`` per member (to count persons)."""
        return np.unique(self.person, return_inverse=True)[1]

    @classmethod
    def build(
        cls,
        panel: StatusPanel,
        match: MatchResult,
        window: tuple[int, int],
        ipcw: bool,
        censor: bool = True,
    ) -> EventStudyDesign:
        """``censor``: controls leave at their own start (per protocol, with ``ipcw``
        weights); without, they are followed whatever they do later (intention to treat:
        "not start now", usual practice afterwards)."""
        sets = match.sets
        e = np.arange(window[0], window[1] + 1)
        person = sets["person"].to_numpy(np.int64)
        ref = sets["ref_month"].to_numpy(np.int64)
        treated = sets["treated"].to_numpy(bool)
        months_ = ref[:, None] + e[None, :]
        cols = months_ - panel.first_month
        inside = (cols >= 0) & (cols < panel.n_months)
        status = np.where(
            inside, panel.status[person[:, None], np.clip(cols, 0, panel.n_months - 1)], UNOBSERVED
        ).astype(np.int8)
        own_start = panel.offer_starts.get(match.offer_id, np.full(panel.n_persons, NEVER))
        if censor:
            censored = ~treated[:, None] & (months_ >= own_start[person][:, None])
            status[censored] = UNOBSERVED
        base = status[:, np.flatnonzero(e == -1)[0]]
        status[base == UNOBSERVED, :] = UNOBSERVED
        weight = sets["weight"].to_numpy(np.float64)[:, None] * np.ones(len(e))
        if ipcw and censor:
            weight *= censoring_weights(panel, match.hazards, person, ref, treated, e)
        return cls(
            event_times=e,
            status=status,
            treated=treated,
            weight=weight,
            set_id=sets["set_id"].to_numpy(np.int64),
            ref_month=ref,
            cohort=np.unique(ref, return_inverse=True)[1],
            cluster=np.unique(person, return_inverse=True)[1],
            person=person,
            score=(
                sets["score"].to_numpy(np.float64)
                if "score" in sets.columns
                else np.zeros(len(person))
            ),
        )


def censoring_weights(
    panel: StatusPanel,
    hazards: pd.DataFrame,
    person: np.ndarray,
    ref: np.ndarray,
    treated: np.ndarray,
    e: np.ndarray,
) -> np.ndarray:
    """1 / P(not started in months ref+1 .. ref+e) for control members (1 elsewhere).

    ``hazards`` has a row for every month a control person was at risk of starting (the
    risk-set rows); months without a row have hazard zero (not in the target group).
    """
    out = np.ones((len(person), len(e)))
    if len(hazards) == 0:
        return out
    who, dense = np.unique(hazards["person"].to_numpy(), return_inverse=True)
    log_surv = np.zeros((len(who), panel.n_months + 1))
    cols = hazards["month"].to_numpy() - panel.first_month + 1
    h = np.clip(hazards["hazard"].to_numpy(np.float64), 0.0, 1.0 - 1e-9)
    np.add.at(log_surv, (dense, cols), np.log1p(-h))
    cum = np.cumsum(log_surv, axis=1)  # cum[:, c + 1] = sum over matrix columns <= c
    pos = np.searchsorted(who, person)
    has = ~treated & (pos < len(who)) & (who[np.minimum(pos, len(who) - 1)] == person)
    rows = np.flatnonzero(has)
    c0 = ref[rows] - panel.first_month + 1  # column index of the reference month, +1
    after = np.clip(c0[:, None] + np.maximum(e, 0)[None, :], 0, panel.n_months)
    logs = cum[pos[rows][:, None], after] - cum[pos[rows], np.clip(c0, 0, panel.n_months)][:, None]
    out[rows] = np.exp(-logs)
    return out
