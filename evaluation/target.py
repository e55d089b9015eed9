"""The target-group rule, applied identically to participants and controls."""

from __future__ import annotations

import numpy as np

from evaluation import months
from evaluation.config import MeasureRule, TargetGroup
from evaluation.panel import StatusPanel
from evaluation.statuses import codes


def in_target_group(
    panel: StatusPanel, persons: np.ndarray, month_idx: int, rule: TargetGroup
) -> np.ndarray:
    """For persons (row indices), were they in the target group in month ``month_idx``?

    Months before the first data month count as not meeting the rule (for the status and
    the measure rules); a measure the panel does not hold is never met.
    """
    persons = np.asarray(persons, dtype=np.int64)
    ok = _status_rule(panel, persons, month_idx, rule)
    if rule.age is not None:
        age = months.year_of(month_idx) - panel.birth_year[persons]
        ok &= (age >= rule.age[0]) & (age <= rule.age[1])
    for m in rule.measures:
        ok &= _measure_rule(panel, persons, month_idx, m)
    return ok


def _status_rule(
    panel: StatusPanel, persons: np.ndarray, month_idx: int, rule: TargetGroup
) -> np.ndarray:
    col = month_idx - panel.first_month
    k = rule.months_before_start
    if k <= 0 or not rule.statuses:
        return np.ones(len(persons), dtype=bool)
    if col - k < 0 or col > panel.n_months:
        return np.zeros(len(persons), dtype=bool)
    return _all_in(panel.status[persons, col - k : col].T, rule)


def _all_in(by_month: np.ndarray, rule: TargetGroup) -> np.ndarray:
    """Per person of an int8 status block with months as rows (months x persons): is
    every month's status one of the rule's? (A lookup table over the 256 int8 values,
    month by month: no temporaries of the block's size.)"""
    member = np.zeros(256, dtype=bool)
    member[np.asarray(codes(rule.statuses), dtype=np.int8).view(np.uint8)] = True
    out = np.ones(by_month.shape[1], dtype=bool)
    for month in by_month:
        out &= member[month.view(np.uint8)]
    return out


def _measure_rule(
    panel: StatusPanel, persons: np.ndarray, month_idx: int, m: MeasureRule
) -> np.ndarray:
    col = month_idx - panel.first_month
    k = m.months_before_start
    matrix = panel.measures.get(m.measure)
    if matrix is None or col - k < 0 or col > panel.n_months:
        return np.zeros(len(persons), dtype=bool)
    if k <= 0:
        return np.ones(len(persons), dtype=bool)
    block = matrix[persons, col - k : col]
    return (block >= m.min).all(axis=1)  # NaN (unobserved, no amount) is not met


def target_group_members(panel: StatusPanel, month_idx: int, rule: TargetGroup) -> np.ndarray:
    """Row indices of everyone in the target group in ``month_idx`` (the status rule on a
    slice of the status matrix, then the age and measure rules on its members)."""
    col, k = month_idx - panel.first_month, rule.months_before_start
    if k <= 0 or not rule.statuses or col - k < 0 or col > panel.n_months:
        everyone = np.arange(panel.n_persons)
        return everyone[in_target_group(panel, everyone, month_idx, rule)]
    rows = np.flatnonzero(_all_in(panel.status_by_month[col - k : col], rule))
    if rule.age is None and not rule.measures:
        return rows
    keep = np.ones(len(rows), dtype=bool)
    if rule.age is not None:
        age = months.year_of(month_idx) - panel.birth_year[rows]
        keep &= (age >= rule.age[0]) & (age <= rule.age[1])
    for m in rule.measures:
        keep &= _measure_rule(panel, rows, month_idx, m)
    return rows[keep]
