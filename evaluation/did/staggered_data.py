"""Inputs of the Callaway & Sant'Anna estimator: the unit x period panel, built once from a
long frame; R ``did``'s sample rules; and the (cohort, period, base period) cells.

The panel is wide: outcome (and covariates) as units x periods arrays, NaN where a unit
has no row. A panel with such holes is unbalanced; it is accepted only with
``allow_unbalanced_panel`` (R ``did``'s option of the same name).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

ControlGroup = Literal["never_treated", "not_yet_treated"]
Method = Literal["reg", "dr"]
BasePeriod = Literal["varying", "universal"]
CONTROL_GROUPS: tuple[ControlGroup, ...] = ("never_treated", "not_yet_treated")
METHODS: tuple[Method, ...] = ("reg", "dr")
BASE_PERIODS: tuple[BasePeriod, ...] = ("varying", "universal")


@dataclass(frozen=True, eq=False)
class StaggeredPanel:
    """Units x periods outcome (NaN: no row), cohort per unit, optional covariates."""

    periods: np.ndarray  # float, ascending
    y: np.ndarray  # units x periods
    g: np.ndarray  # first period treated per unit, 0 = never
    x: np.ndarray | None  # units x periods x covariates

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    @cached_property
    def balanced(self) -> bool:
        return bool(np.isfinite(self.y).all())

    def subset(
        self, units: np.ndarray, periods: np.ndarray | slice = slice(None)
    ) -> StaggeredPanel:
        x = None if self.x is None else self.x[units][:, periods]
        return StaggeredPanel(self.periods[periods], self.y[units][:, periods], self.g[units], x)

    @classmethod
    def from_long(
        cls,
        data: pd.DataFrame,
        *,
        y: str,
        t: str,
        unit: str,
        group: str,
        covariates: Sequence[str] = (),
        allow_unbalanced: bool = False,
    ) -> StaggeredPanel:
        missing = [c for c in (y, t, unit, group, *covariates) if c not in data.columns]
        if missing:
            raise ValueError(f"att_gt: missing column(s) {', '.join(missing)}")
        frame = data[[unit, t, group, y, *covariates]]
        if frame.isna().any().any():
            raise ValueError(
                "att_gt: missing values in the unit, outcome, time, group or covariates"
            )
        u_idx, units = _codes(frame[unit].to_numpy())
        t_idx, periods = _codes(frame[t].to_numpy())
        n, n_t = len(units), len(periods)
        seen = np.zeros(n * n_t, dtype=bool)
        seen[u_idx.astype(np.int64) * n_t + t_idx] = True
        n_seen = int(seen.sum())
        if n_seen < len(frame):
            raise ValueError("att_gt: more than one row for a unit and period")
        if n_seen != n * n_t and not allow_unbalanced:
            raise ValueError(
                "att_gt: the panel must be balanced (one row per unit and period); "
                "pass allow_unbalanced_panel=True to use the units' rows as they are"
            )
        ymat = np.full((n, n_t), np.nan)
        ymat[u_idx, t_idx] = frame[y].to_numpy(float)
        return cls(
            np.asarray(periods, dtype=float),
            ymat,
            _unit_constant(frame[group].to_numpy(float), u_idx, n),
            _covariate_array(frame, covariates, u_idx, t_idx, n, n_t),
        )


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the sorted distinct values; a fast path for already sorted numbers (a
    panel in unit order)."""
    if values.dtype.kind in "iuf" and len(values) and np.all(values[1:] >= values[:-1]):
        starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
        return np.cumsum(np.r_[False, values[1:] != values[:-1]]), values[starts]
    codes, uniques = pd.factorize(values, sort=True)
    return codes, np.asarray(uniques)


def _unit_constant(values: np.ndarray, u_idx: np.ndarray, n: int) -> np.ndarray:
    g = np.zeros(n)
    g[u_idx] = values
    if not np.array_equal(g[u_idx], values):
        raise ValueError("att_gt: the group must be constant within each unit")
    return g


def _covariate_array(
    frame: pd.DataFrame,
    covariates: Sequence[str],
    u_idx: np.ndarray,
    t_idx: np.ndarray,
    n: int,
    n_t: int,
) -> np.ndarray | None:
    if not covariates:
        return None
    x = np.full((n, n_t, len(covariates)), np.nan)
    x[u_idx, t_idx] = frame[list(covariates)].to_numpy(float)
    return x


@dataclass(frozen=True, eq=False)
class Sample:
    """R ``did::pre_process_did``'s estimation sample: the recoded cohort per unit, the
    units and leading periods kept, and the cohorts to estimate."""

    g: np.ndarray  # recoded cohort per unit (all units)
    units: np.ndarray  # indices of the units kept
    n_periods: int  # the first n_periods periods are kept
    cohorts: np.ndarray  # cohorts with ATT(g,t) cells


def sample_rules(
    g: np.ndarray, periods: np.ndarray, control_group: ControlGroup, anticipation: int
) -> Sample:
    """R ``did`` 2.5's sample rules: cohorts first treated after the data (plus
    ``anticipation``) count as never treated; without a never-treated group the last
    cohort serves only as a not-yet-treated control and the periods from its start (less
    ``anticipation``) are dropped; units treated in the first period (plus
    ``anticipation``) are dropped. Unlike R, which then makes the last cohort never
    treated, ``never_treated`` controls without a never-treated group are refused."""
    if len(g) == 0:
        raise ValueError("att_gt: no units")
    g = np.where(g > periods[-1] + anticipation, 0.0, g)
    cohorts = np.unique(g)
    n_periods = len(periods)
    if 0 not in cohorts:
        if control_group == "never_treated":
            raise ValueError("att_gt: there is no never-treated group; use not_yet_treated")
        last = cohorts.max()
        n_periods = int(np.sum(periods < last - anticipation))
        cohorts = cohorts[cohorts < last]
    if n_periods == 0:
        raise ValueError("att_gt: no period before the last cohort starts")
    first = periods[0]
    cohorts = cohorts[(cohorts > 0) & (cohorts > first + anticipation)]
    if cohorts.size == 0:
        raise ValueError("att_gt: no cohort is first treated after the first period")
    treated_first = (g > 0) & (g <= first + anticipation)
    return Sample(g, np.flatnonzero(~treated_first), n_periods, cohorts)


@dataclass(frozen=True, eq=False)
class Cells:
    """The ATT(g,t) cells in R's order: cohort, period index and base period index."""

    group: np.ndarray  # float cohort per cell
    period: np.ndarray  # int period index
    base: np.ndarray  # int base period index
    periods: np.ndarray  # the period values
    control_group: ControlGroup
    anticipation: int

    def __len__(self) -> int:
        return len(self.group)

    @classmethod
    def build(
        cls,
        periods: np.ndarray,
        cohorts: np.ndarray,
        base_period: BasePeriod,
        control_group: ControlGroup,
        anticipation: int,
    ) -> Cells:
        rows = []
        first_j = 1 if base_period == "varying" else 0
        for g in cohorts:
            last_pre = int(np.flatnonzero(periods + anticipation < g)[-1])
            for j in range(first_j, len(periods)):
                post = periods[j] >= g
                base = last_pre if post or base_period == "universal" else j - 1
                rows.append((float(g), j, base))
        group, period, base = (np.array(v) for v in zip(*rows, strict=True))
        return cls(group.astype(float), period, base, periods, control_group, anticipation)

    @property
    def reference(self) -> np.ndarray:
        """Cells whose period is their base period (universal base): 0 by construction."""
        return self.period == self.base

    def controls(self, cohort_values: np.ndarray) -> np.ndarray:
        """cells x cohorts: is a unit of that cohort a control in that cell?"""
        c = np.asarray(cohort_values, dtype=float)[None, :]
        never = c == 0
        if self.control_group == "never_treated":
            return np.broadcast_to(never, (len(self), c.shape[1])).copy()
        later = self.periods[np.maximum(self.period, self.base)] + self.anticipation
        return never | ((c > later[:, None]) & (c != self.group[:, None]))
