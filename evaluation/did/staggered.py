"""Callaway & Sant'Anna (2021) group-time average treatment effects for staggered adoption.

The standard unmatched estimator beside the matched event study: for every treatment
cohort ``g`` (first period treated; 0 = never treated) and period ``t`` it compares the
change in the outcome of cohort ``g`` between a base period and ``t`` with the change of
a control group (never treated, or not yet treated by ``t``), and aggregates the ATT(g,t)
into simple, group, dynamic (event-time) and calendar summaries.

Follows the R package ``did`` (``att_gt`` with ``bstrap=FALSE``, then ``aggte``):

- the same sample rules (``staggered_data.sample_rules``), base periods (``"varying"``:
  consecutive periods before treatment, the last pre-treatment period after;
  ``"universal"``: always the last pre-treatment period, whose own cell is 0 with no
  standard error) and control groups;
- outcome regression (``"reg"``) or doubly robust estimation with a logit propensity
  (``"dr"``), covariates from the earlier period of each cell; without covariates both
  are the difference of mean changes;
- unbalanced panels with ``allow_unbalanced_panel=True``, as R: the repeated
  cross-section estimators on the rows observed in each cell's two periods, influence
  functions summed per unit (so standard errors are clustered on the unit);
- analytic standard errors ``sqrt(mean(psi**2) / n)`` from the unit-level influence
  functions, aggregations including the estimation effect of the weights P(G = g)
  (R's ``wif``), and standard errors below ``10 * sqrt(eps)`` reported as missing.

Scale. Without covariates (the register case) the estimates and every standard error
come from per-cohort moments of the outcome (``staggered_moments``): memory is
O(cohorts x periods^2), whatever the number of units, and the units are read block by
block. With covariates each cell's influence function is kept sparse over the cell's
units (``staggered_drdid``). No units x cells matrix is formed on either path.

Modules: ``staggered_data`` (panel, sample rules, cells), ``staggered_moments``,
``staggered_drdid`` and ``staggered_eligible`` (the estimation paths: moments, per-cell
with covariates, streamed with cohort-specific eligible controls),
``staggered_results`` (results and aggregations), ``staggered_register`` (the entry
point on the person x month panel).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from evaluation.did import staggered_drdid, staggered_eligible, staggered_moments
from evaluation.did.staggered_data import (
    BASE_PERIODS,
    CONTROL_GROUPS,
    METHODS,
    BasePeriod,
    Cells,
    ControlGroup,
    Method,
    StaggeredPanel,
    sample_rules,
)
from evaluation.did.staggered_results import (
    AggregateResult,
    Aggregation,
    ATTgtResult,
    Influence,
    floor_se,
)

__all__ = [
    "AggregateResult",
    "Aggregation",
    "ATTgtResult",
    "BasePeriod",
    "ControlGroup",
    "Method",
    "att_gt",
    "att_gt_from_values",
]


def _check_options(
    control_group: str, est_method: str, base_period: str, level: float, anticipation: int
) -> None:
    if control_group not in CONTROL_GROUPS:
        raise ValueError(
            f"control_group must be one of {', '.join(CONTROL_GROUPS)}: {control_group!r}"
        )
    if est_method not in METHODS:
        raise ValueError(f"est_method must be one of {', '.join(METHODS)}: {est_method!r}")
    if base_period not in BASE_PERIODS:
        raise ValueError(f"base_period must be varying or universal, not {base_period!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    if anticipation < 0:
        raise ValueError(f"anticipation must be >= 0, not {anticipation}")


def att_gt(
    data: pd.DataFrame,
    *,
    y: str,
    t: str,
    unit: str,
    group: str,
    control_group: ControlGroup = "never_treated",
    covariates: Sequence[str] = (),
    est_method: Method = "dr",
    base_period: BasePeriod = "varying",
    level: float = 0.95,
    anticipation: int = 0,
    allow_unbalanced_panel: bool = False,
) -> ATTgtResult:
    """Group-time ATTs from a panel in long form (one row per unit and period).

    ``group`` is the first period a unit is treated, 0 for never treated. Covariates are
    taken from each cell's earlier period (balanced) or each row's own period
    (unbalanced). Cells without treated or control units are left out (R reports them as
    missing). A panel with missing unit-periods is refused unless
    ``allow_unbalanced_panel``.
    """
    _check_options(control_group, est_method, base_period, level, anticipation)
    full = StaggeredPanel.from_long(
        data,
        y=y,
        t=t,
        unit=unit,
        group=group,
        covariates=covariates,
        allow_unbalanced=allow_unbalanced_panel,
    )
    sample = sample_rules(full.g, full.periods, control_group, anticipation)
    panel = StaggeredPanel(full.periods, full.y, sample.g, full.x).subset(
        sample.units, slice(0, sample.n_periods)
    )
    seen = np.isfinite(panel.y).any(axis=1)  # a period cut can leave units without rows
    if not seen.all():
        panel = panel.subset(np.flatnonzero(seen))
    cells = Cells.build(panel.periods, sample.cohorts, base_period, control_group, anticipation)
    cohorts = np.unique(panel.g)
    if panel.x is None:
        unit_cohort = np.searchsorted(cohorts, panel.g)
        moments = staggered_moments.accumulate(
            lambda idx: panel.y[idx], unit_cohort, len(cohorts), len(panel.periods)
        )
        att, ok, influence = staggered_moments.estimate(
            moments, cells, cohorts, panel.n, est_method
        )
    else:
        att, ok, influence = staggered_drdid.estimate(panel, cells, cohorts, est_method)
    options = dict(
        control_group=control_group,
        est_method=est_method,
        base_period=base_period,
        anticipation=anticipation,
        level=level,
    )
    return _assemble(cells, att, ok, influence, panel.g, panel.balanced, options)


def att_gt_from_values(
    values: Callable[[np.ndarray], np.ndarray],
    unit_group: np.ndarray,
    periods: np.ndarray,
    *,
    control_group: ControlGroup = "not_yet_treated",
    est_method: Method = "dr",
    base_period: BasePeriod = "varying",
    level: float = 0.95,
    anticipation: int = 0,
    eligible: Callable[[np.ndarray], np.ndarray] | None = None,
    eligible_cohorts: np.ndarray | None = None,
    chunk: int = staggered_moments.CHUNK,
) -> ATTgtResult:
    """Group-time ATTs without covariates from an outcome read block by block.

    ``values(units)`` returns the outcome of those units (indices into ``unit_group``)
    in every period, NaN where a unit has no observation (an unbalanced panel is used as
    with ``allow_unbalanced_panel``); ``unit_group`` is each unit's first treated period
    in the units of ``periods`` (0 = never). Units never observed in the kept periods
    must not be passed. ``chunk`` is the most units read at once.

    ``eligible(units)`` (units x ``eligible_cohorts`` booleans), if given, restricts the
    controls of each cohort to the units eligible for it (``staggered_eligible``);
    without it the estimator is R ``did``'s, from per-cohort moments
    (``staggered_moments``). Memory does not grow with the number of units beyond these
    vectors and one block.
    """
    _check_options(control_group, est_method, base_period, level, anticipation)
    periods = np.asarray(periods, dtype=float)
    sample = sample_rules(np.asarray(unit_group, float), periods, control_group, anticipation)
    kept_t, units = sample.n_periods, sample.units
    g = sample.g[units]
    cohorts = np.unique(g)
    cells = Cells.build(periods[:kept_t], sample.cohorts, base_period, control_group, anticipation)

    def read(idx: np.ndarray) -> np.ndarray:
        return values(units[idx])[:, :kept_t]

    unit_cohort = np.searchsorted(cohorts, g)
    if eligible is None:
        moments = staggered_moments.accumulate(read, unit_cohort, len(cohorts), kept_t, chunk=chunk)
        att, ok, influence = staggered_moments.estimate(moments, cells, cohorts, len(g), est_method)
        balanced = bool(np.all(moments.mean[:, kept_t:] == 1.0))
    else:
        cols = _eligibility_columns(eligible_cohorts, sample.cohorts)
        source = staggered_eligible.Source(
            read, lambda idx: eligible(units[idx])[:, cols], unit_cohort, len(cohorts), chunk
        )
        att, ok, influence = staggered_eligible.estimate(source, cells, cohorts, len(g), est_method)
        balanced = False  # not checked: the outcome is only streamed
    options = dict(
        control_group=control_group,
        est_method=est_method,
        base_period=base_period,
        anticipation=anticipation,
        level=level,
    )
    return _assemble(cells, att, ok, influence, g, balanced, options)


def _eligibility_columns(eligible_cohorts: np.ndarray | None, cohorts: np.ndarray) -> np.ndarray:
    if eligible_cohorts is None:
        raise ValueError("eligible needs eligible_cohorts, the cohorts of its columns")
    known = np.asarray(eligible_cohorts, dtype=float)
    cols = np.searchsorted(known, cohorts)
    if np.any(cols >= len(known)) or not np.array_equal(
        known[np.minimum(cols, len(known) - 1)], cohorts
    ):
        raise ValueError("eligible_cohorts must be sorted and hold every treated cohort")
    return cols


def _assemble(
    cells: Cells,
    att: np.ndarray,
    ok: np.ndarray,
    influence: Influence,
    unit_group: np.ndarray,
    balanced: bool,
    options: dict,
) -> ATTgtResult:
    return ATTgtResult(
        groups=cells.group[ok],
        times=cells.periods[cells.period[ok]],
        att=att[ok],
        se=floor_se(influence.cell_variances()),
        unit_group=unit_group,
        periods=cells.periods,
        influence=influence,
        balanced=balanced,
        **options,
    )
