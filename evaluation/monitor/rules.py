"""The status rules: a registry evaluated in order, the worst status wins.

Every rule has a stable ``code``; a finding carries the code, the status and the numbers
its reason needs (:func:`reason_numbers`), and the sentence comes from the text
catalogue (:func:`evaluation.texts.monitor_reason`) where a table or summary is written.
A rule's check returns the status it sets, or None when it does not apply. Of all
rules that fire, the one with the worst status sets the offer's status (ties: the first
in :data:`RULES`); the on-track rules say why nothing is wrong.
For every offer at least one rule fires.

Effect rules (the offer has a target ``target`` at event month ``X``):

* ``no_data_yet`` (at risk): no interim effect yet - no event month after the start
  with ``min_treated`` participants, or the latest is before ``min_follow_up``;
* ``effect_below_trajectory`` (off track): the whole interval of the interim ATT is
  below the trajectory - a shortfall beyond the estimate's uncertainty;
* ``target_missed`` (off track): month ``X`` has been observed - the contract's window
  is over - and the interim ATT is below the target. Before ``X`` a shortfall within
  the interval only puts the offer at risk; at the end of the window the estimate is
  what the contract is judged on, so a shortfall is off track;
* ``effect_uncertain`` (at risk): below the trajectory before ``X``, interval includes it;
* ``effect_not_clear`` (at risk): at or above the trajectory, but the interval includes
  0 - an effect that cannot be told from none is not green;
* ``effect_on_trajectory`` (on track): the interim ATT is at or above the trajectory.

Delivery rules: ``enrolment_behind`` (actual starts so far under ``enrolment_at_risk``
of the plan so far: at risk; under ``enrolment_off_track``: off track; only with a
monthly plan), ``dropouts_high`` (at risk). ``no_target`` (on track): no target effect
is agreed, and nothing else is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from evaluation.monitor.config import MonitorSettings
from evaluation.monitor.trajectory import Interim

Status = Literal["on_track", "at_risk", "off_track"]
SEVERITY: dict[str, int] = {"on_track": 0, "at_risk": 1, "off_track": 2}


@dataclass(frozen=True)
class Facts:
    """What the rules look at (aggregate, as of one month)."""

    enrolled: int
    planned_enrolled: float  # planned starts up to the as-of month; NaN: no monthly plan
    dropouts: int
    interim: Interim | None
    target_effect: float | None
    target_event_month: int | None

    @property
    def dropout_share(self) -> float:
        return self.dropouts / self.enrolled if self.enrolled else np.nan

    @property
    def enrolment_share(self) -> float:
        p = self.planned_enrolled
        return self.enrolled / p if np.isfinite(p) and p > 0 else np.nan

    @property
    def has_target(self) -> bool:
        return self.target_effect is not None and self.target_event_month is not None


Check = Callable[[Facts, MonitorSettings], Status | None]


@dataclass(frozen=True)
class Rule:
    code: str
    check: Check


@dataclass(frozen=True, eq=False)
class Finding:
    """A rule that fired: its code, the status it sets and the numbers of its reason."""

    code: str
    status: Status
    numbers: Mapping[str, float | int | None]


def _judged(f: Facts) -> Interim | None:
    return f.interim if f.interim is not None and f.has_target else None


def _no_data_yet(f: Facts, s: MonitorSettings) -> Status | None:
    return "at_risk" if f.interim is None else None


def _below_trajectory(f: Facts, s: MonitorSettings) -> Status | None:
    i = _judged(f)
    return "off_track" if i is not None and i.ci_high < i.trajectory else None


def _window_over(f: Facts, i: Interim) -> bool:
    return f.target_event_month is not None and i.last >= f.target_event_month


def _target_missed(f: Facts, s: MonitorSettings) -> Status | None:
    i = _judged(f)
    hit = i is not None and _window_over(f, i) and i.ci_high >= i.trajectory > i.estimate
    return "off_track" if hit else None


def _uncertain(f: Facts, s: MonitorSettings) -> Status | None:
    i = _judged(f)
    hit = i is not None and not _window_over(f, i) and i.ci_high >= i.trajectory > i.estimate
    return "at_risk" if hit else None


def _not_clear(f: Facts, s: MonitorSettings) -> Status | None:
    i = _judged(f)
    hit = i is not None and i.estimate >= i.trajectory and i.ci_low <= 0
    return "at_risk" if hit else None


def _enrolment_behind(f: Facts, s: MonitorSettings) -> Status | None:
    share = f.enrolment_share
    if not np.isfinite(share) or share >= s.enrolment_at_risk:
        return None
    return "off_track" if share < s.enrolment_off_track else "at_risk"


def _dropouts_high(f: Facts, s: MonitorSettings) -> Status | None:
    share = f.dropout_share
    return "at_risk" if np.isfinite(share) and share > s.max_dropout_share else None


def _on_trajectory(f: Facts, s: MonitorSettings) -> Status | None:
    i = _judged(f)
    return "on_track" if i is not None and i.estimate >= i.trajectory else None


def _no_target(f: Facts, s: MonitorSettings) -> Status | None:
    return "on_track" if not f.has_target else None


RULES: tuple[Rule, ...] = (
    Rule("no_data_yet", _no_data_yet),
    Rule("effect_below_trajectory", _below_trajectory),
    Rule("target_missed", _target_missed),
    Rule("effect_uncertain", _uncertain),
    Rule("effect_not_clear", _not_clear),
    Rule("enrolment_behind", _enrolment_behind),
    Rule("dropouts_high", _dropouts_high),
    Rule("effect_on_trajectory", _on_trajectory),
    Rule("no_target", _no_target),
)
RULE_CODES: tuple[str, ...] = tuple(r.code for r in RULES)


def findings(
    facts: Facts, settings: MonitorSettings, rules: tuple[Rule, ...] = RULES
) -> tuple[Finding, ...]:
    """Every rule that fires, in registry order."""
    numbers = reason_numbers(facts, settings)
    out = []
    for rule in rules:
        status = rule.check(facts, settings)
        if status is not None:
            out.append(Finding(rule.code, status, numbers))
    return tuple(out)


def decide(found: tuple[Finding, ...]) -> Finding:
    """The worst status wins; among equals the first in registry order."""
    if not found:
        raise ValueError("no status rule fired; the rule registry must cover every case")
    worst = max(SEVERITY[f.status] for f in found)
    return next(f for f in found if SEVERITY[f.status] == worst)


# --- the numbers of the reasons ----------------------------------------------------------


def reason_numbers(f: Facts, s: MonitorSettings) -> dict[str, float | int | None]:
    """The raw numbers the reasons' sentences use (None: not known)."""
    i = f.interim
    return {
        "min_treated": s.min_treated,
        "min_follow_up": s.min_follow_up,
        "first": None if i is None else i.first,
        "last": None if i is None else i.last,
        "estimate": None if i is None else i.estimate,
        "ci_low": None if i is None else i.ci_low,
        "ci_high": None if i is None else i.ci_high,
        "level": None if i is None else i.level,
        "trajectory": None if i is None else i.trajectory,
        "target": f.target_effect,
        "target_month": f.target_event_month,
        "enrolled": f.enrolled,
        "planned": f.planned_enrolled,
        "share": f.enrolment_share,
        "dropouts": f.dropouts,
        "dropout_share": f.dropout_share,
        "dropout_months": s.dropout_months,
        "limit": s.max_dropout_share,
    }
