"""The target-group rule, applied identically to participants and controls."""

from __future__ import annotations

import numpy as np

from evaluation.config import TargetGroup
from evaluation.panel import StatusPanel
from evaluation.statuses import codes


def in_target_group(
    panel: StatusPanel, persons: np.ndarray, month_idx: int, rule: TargetGroup
) -> np.ndarray:
    """For persons (row indices), were they in the target group in month ``month_idx``?

    Months before the first data month count as not meeting the rule.
    """
    col = month_idx - panel.first_month
    k = rule.months_before_start
    if k <= 0:
        return np.ones(len(persons), dtype=bool)
    if col - k < 0 or col > panel.n_months:
        return np.zeros(len(persons), dtype=bool)
    block = panel.status[persons, col - k : col]
    return np.isin(block, codes(rule.statuses)).all(axis=1)


def target_group_members(panel: StatusPanel, month_idx: int, rule: TargetGroup) -> np.ndarray:
    """Row indices of everyone in the target group in ``month_idx``."""
    everyone = np.arange(panel.n_persons)
    return everyone[in_target_group(panel, everyone, month_idx, rule)]
