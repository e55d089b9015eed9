"""Are we on track? :func:`assess` turns an offer's :class:`OfferProgress` into an
:class:`OnTrack` result: enrolment against the (versioned) plan, dropouts, the interim ATT
over the latest observed event months against the trajectory to the contract's target,
outcomes and payments against the plan, and a status set by the rules of
:mod:`evaluation.monitor.rules`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from evaluation.monitor.config import MonitorSettings
from evaluation.monitor.data import OfferProgress
from evaluation.monitor.plans import PlanHistory, PlanKind
from evaluation.monitor.results import OnTrack
from evaluation.monitor.rules import RULES, Facts, Rule, decide, findings
from evaluation.monitor.trajectory import interim_effect, observed_months, trajectory

# actual figures by month (OfferProgress field) and the plan kind they are compared with
_BY_MONTH: dict[str, tuple[str, PlanKind]] = {
    "enrolment": ("starts_by_month", "participants"),
    "outcomes": ("outcomes_by_month", "outcomes"),
    "payments": ("payments_by_month", "payments"),
}


def assess(
    progress: OfferProgress,
    settings: MonitorSettings | None = None,
    *,
    rules: tuple[Rule, ...] = RULES,
) -> OnTrack:
    """The on-track indicators and status of one offer.

    ``progress.dropouts`` should be counted with ``settings.dropout_months`` (see
    :func:`~evaluation.monitor.data.count_dropouts`); ``rules``: the status rules in
    order (the registry :data:`~evaluation.monitor.rules.RULES` by default)."""
    s = settings or MonitorSettings()
    p = progress
    plans: PlanHistory | None = p.plans  # type: ignore[assignment]  # normalised on build
    interim = None
    if p.effect is not None:
        interim = interim_effect(
            p.effect,
            target_effect=p.target_effect,
            target_event_month=p.target_event_month,
            level=p.level,
            settings=s,
        )
    facts = Facts(
        enrolled=p.enrolled,
        planned_enrolled=np.nan if plans is None else plans.cumulative("participants", p.as_of),
        dropouts=int(p.dropouts),
        interim=interim,
        target_effect=p.target_effect,
        target_event_month=p.target_event_month,
    )
    return _result(p, facts, s, plans, rules)


def _result(
    p: OfferProgress,
    facts: Facts,
    settings: MonitorSettings,
    plans: PlanHistory | None,
    rules: tuple[Rule, ...],
) -> OnTrack:
    found = findings(facts, settings, rules)
    chosen = decide(found)
    return OnTrack(
        offer_id=p.offer_id,
        as_of=p.as_of,
        status=chosen.status,
        rule_code=chosen.code,
        findings=found,
        facts=facts,
        planned_participants=p.planned_participants,
        plan_version=None if plans is None else plans.plan_for(p.as_of).version,
        level=p.level,
        language=settings.language,
        by_month=_by_month(p, plans),
        path=_path(p, settings),
    )


def _by_month(p: OfferProgress, plans: PlanHistory | None) -> pd.DataFrame:
    """Actual against planned by calendar month, each month under the plan version valid
    then; months after the as-of month carry the plan only."""
    parts = []
    for name, (field, kind) in _BY_MONTH.items():
        actual: Mapping[int, float] | None = getattr(p, field)
        planned = plans is not None and plans.has(kind)
        if actual is None and not planned:
            continue
        actual = actual or {}
        listed = set(actual) | set(plans.months(kind) if planned else ())
        if not listed:
            continue
        ms = np.arange(min(listed), max(listed) + 1)
        value = np.array([float(actual.get(int(m), 0.0)) for m in ms])
        value[ms > p.as_of] = np.nan
        parts.append(
            pd.DataFrame(
                {
                    "indicator": f"{name}_by_month",
                    "month": ms.astype(np.int64),
                    "value": value,
                    "planned": [plans.planned(kind, int(m)) if planned else np.nan for m in ms],
                    "plan_version": [
                        plans.plan_for(int(m)).version if planned else None for m in ms
                    ],
                }
            )
        )
    columns = ["indicator", "month", "value", "planned", "plan_version"]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    return pd.concat(parts, ignore_index=True)[columns]


def _path(p: OfferProgress, s: MonitorSettings) -> pd.DataFrame:
    """ATT by observed event month against the trajectory."""
    columns = ["event_time", "estimate", "ci_low", "ci_high", "trajectory", "n_treated"]
    if p.effect is None:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    path = p.effect
    ok = observed_months(path, s)
    e = np.asarray(path.event_times, dtype=np.int64)[ok]
    est = np.asarray(path.estimates, dtype=np.float64)[ok]
    se = np.asarray(path.std_errors, dtype=np.float64)[ok]
    from scipy import stats  # heavy: imported when monitoring, not when reading a config

    z = float(stats.norm.ppf(1 - (1 - p.level) / 2))
    traj = np.full(len(e), np.nan)
    if p.target_effect is not None and p.target_event_month is not None:
        traj = trajectory(e, p.target_effect, p.target_event_month, shape=s.trajectory)
    return pd.DataFrame(
        {
            "event_time": e,
            "estimate": est,
            "ci_low": est - z * se,
            "ci_high": est + z * se,
            "trajectory": traj,
            "n_treated": np.asarray(path.n_treated, dtype=np.int64)[ok],
        }
    )
