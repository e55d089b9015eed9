"""The status rules: a registry evaluated in order, the worst status wins.

Every rule has a stable ``code`` (the report translates by code) and a plain-language
text in English and Danish. A rule's check returns the status it sets, or None when it
does not apply. Of all rules that fire, the one with the worst status sets the offer's
status (ties: the first in :data:`RULES`); the on-track rules say why nothing is wrong.
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

from evaluation.monitor.settings import Language, MonitorSettings
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
    texts: Mapping[str, str]  # language -> template (fields: see :func:`_fields`)


@dataclass(frozen=True)
class Finding:
    code: str
    status: Status
    text: str


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


_EN = "{first}–{last} months after the start the effect is {estimate} ({level} interval "
_DA = "{first}–{last} måneder efter start er effekten {estimate} ({level}-interval "

RULES: tuple[Rule, ...] = (
    Rule(
        "no_data_yet",
        _no_data_yet,
        {
            "en": "Too early to judge the effect: that needs {min_treated} participants "
            "followed for at least {min_follow_up} months after their start.",
            "da": "For tidligt at vurdere effekten: det kræver {min_treated} deltagere fulgt "
            "i mindst {min_follow_up} måneder efter start.",
        },
    ),
    Rule(
        "effect_below_trajectory",
        _below_trajectory,
        {
            "en": _EN + "{ci_low} to {ci_high}), clearly below the {trajectory} needed by "
            "then to reach {target} by month {target_month}.",
            "da": _DA + "{ci_low} til {ci_high}), klart under de {trajectory}, der skal til "
            "for at nå {target} i måned {target_month}.",
        },
    ),
    Rule(
        "target_missed",
        _target_missed,
        {
            "en": _EN + "{ci_low} to {ci_high}): month {target_month} has been reached and "
            "the effect is below the target of {trajectory}.",
            "da": _DA + "{ci_low} til {ci_high}): måned {target_month} er nået, og effekten "
            "ligger under målet på {trajectory}.",
        },
    ),
    Rule(
        "effect_uncertain",
        _uncertain,
        {
            "en": _EN + "{ci_low} to {ci_high}), below the {trajectory} needed by then, but "
            "the interval still includes it.",
            "da": _DA + "{ci_low} til {ci_high}), under de {trajectory}, der skal til på dette "
            "tidspunkt, men intervallet rummer det stadig.",
        },
    ),
    Rule(
        "enrolment_behind",
        _enrolment_behind,
        {
            "en": "{enrolled} participants have started against {planned} planned by now "
            "({share} of the plan).",
            "da": "{enrolled} deltagere er startet mod {planned} planlagt indtil nu "
            "({share} af planen).",
        },
    ),
    Rule(
        "dropouts_high",
        _dropouts_high,
        {
            "en": "{dropouts} participants ({dropout_share} of those started) stopped before "
            "{dropout_months} months, more than the limit of {limit}.",
            "da": "{dropouts} deltagere ({dropout_share} af de startede) stoppede inden "
            "{dropout_months} måneder, over grænsen på {limit}.",
        },
    ),
    Rule(
        "effect_on_trajectory",
        _on_trajectory,
        {
            "en": _EN + "{ci_low} to {ci_high}), at or above the {trajectory} needed by then "
            "to reach {target} by month {target_month}.",
            "da": _DA + "{ci_low} til {ci_high}), på eller over de {trajectory}, der skal til "
            "for at nå {target} i måned {target_month}.",
        },
    ),
    Rule(
        "no_target",
        _no_target,
        {
            "en": "No target effect is agreed; enrolment and dropouts are on plan.",
            "da": "Der er ikke aftalt et effektmål; tilgang og frafald følger planen.",
        },
    ),
)
RULE_CODES: tuple[str, ...] = tuple(r.code for r in RULES)


def findings(
    facts: Facts, settings: MonitorSettings, rules: tuple[Rule, ...] = RULES
) -> tuple[Finding, ...]:
    """Every rule that fires, in registry order."""
    out = []
    for rule in rules:
        status = rule.check(facts, settings)
        if status is not None:
            text = rule.texts[settings.language].format(**_fields(facts, settings))
            out.append(Finding(rule.code, status, text))
    return tuple(out)


def decide(found: tuple[Finding, ...]) -> Finding:
    """The worst status wins; among equals the first in registry order."""
    if not found:
        raise ValueError("no status rule fired; the rule registry must cover every case")
    worst = max(SEVERITY[f.status] for f in found)
    return next(f for f in found if SEVERITY[f.status] == worst)


# --- text fields ---------------------------------------------------------------------


def _pp(x: float | None, lang: Language) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    text = f"{100 * x:.1f}"
    return f"{text} pp" if lang == "en" else f"{text.replace('.', ',')} pct.-point"


def _share(x: float, lang: Language) -> str:
    if not np.isfinite(x):
        return "–"
    return f"{100 * x:.0f}%" if lang == "en" else f"{100 * x:.0f} %"


def _fields(f: Facts, s: MonitorSettings) -> dict[str, object]:
    lang = s.language
    i = f.interim
    return {
        "min_treated": s.min_treated,
        "min_follow_up": s.min_follow_up,
        "first": "–" if i is None else i.first,
        "last": "–" if i is None else i.last,
        "estimate": _pp(None if i is None else i.estimate, lang),
        "ci_low": _pp(None if i is None else i.ci_low, lang),
        "ci_high": _pp(None if i is None else i.ci_high, lang),
        "level": "–" if i is None else _share(i.level, lang),
        "trajectory": _pp(None if i is None else i.trajectory, lang),
        "target": _pp(f.target_effect, lang),
        "target_month": "–" if f.target_event_month is None else f.target_event_month,
        "enrolled": f.enrolled,
        "planned": "–" if not np.isfinite(f.planned_enrolled) else f"{f.planned_enrolled:.0f}",
        "share": _share(f.enrolment_share, lang),
        "dropouts": f.dropouts,
        "dropout_share": _share(f.dropout_share, lang),
        "dropout_months": s.dropout_months,
        "limit": _share(s.max_dropout_share, lang),
    }
