"""Are we on track? Indicators and a status per offer between final results.

:func:`assess` turns an offer's :class:`OfferProgress` into an :class:`OnTrack` result:
enrolment against the (versioned) plan, dropouts, the interim ATT over the latest
observed event months against the trajectory to the contract's target, outcomes and
payments against the plan, and a status set by the rules of
:mod:`evaluation.monitor.rules`. :meth:`OnTrack.indicators_frame` is the long table
written to ``indicators.parquet``; :func:`markdown_summary` and :func:`artifact_key`
give the per-offer Prefect artifact. Everything is aggregate: no person appears.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats

from evaluation import months
from evaluation.monitor.plans import PlanHistory, PlanKind
from evaluation.monitor.progress import OfferProgress
from evaluation.monitor.rules import RULES, Facts, Finding, Rule, Status, decide, findings
from evaluation.monitor.settings import MonitorSettings
from evaluation.monitor.trajectory import Interim, interim_effect, observed_months, trajectory

INDICATOR_COLUMNS: tuple[str, ...] = (
    "offer_id",
    "indicator",
    "month",
    "event_time",
    "value",
    "planned",
    "ci_low",
    "ci_high",
    "plan_version",
    "status",
    "rule_code",
    "rule",
    "as_of",
)
STATUS_COLUMNS: tuple[str, ...] = ("offer_id", "status", "rule_code", "rule", "as_of")
_STR_COLUMNS = ("offer_id", "indicator", "month", "plan_version", "status", "rule_code", "rule")
_FLOAT_COLUMNS = ("value", "planned", "ci_low", "ci_high")
# actual figures by month (OfferProgress field) and the plan kind they are compared with
_BY_MONTH: dict[str, tuple[str, PlanKind]] = {
    "enrolment": ("starts_by_month", "participants"),
    "outcomes": ("outcomes_by_month", "outcomes"),
    "payments": ("payments_by_month", "payments"),
}


@dataclass(frozen=True, eq=False)
class OnTrack:
    """One offer's interim indicators and status as of a month (aggregate only)."""

    offer_id: str
    as_of: int
    status: Status
    rule_code: str
    rule: str
    findings: tuple[Finding, ...]
    facts: Facts
    planned_participants: int | None
    plan_version: str | None
    level: float
    language: str
    by_month: pd.DataFrame  # indicator, month, value, planned, plan_version
    path: pd.DataFrame  # event_time, estimate, ci_low, ci_high, trajectory, n_treated

    @property
    def interim(self) -> Interim | None:
        return self.facts.interim

    @cached_property
    def _rows(self) -> list[dict[str, object]]:
        f, i = self.facts, self.facts.interim
        rows: list[dict[str, object]] = [
            _row("enrolment", f.enrolled, f.planned_enrolled, plan_version=self.plan_version),
            _row("enrolment_total", f.enrolled, self.planned_participants),
            _row("dropouts", f.dropouts),
            _row("dropout_share", f.dropout_share),
        ]
        for kind in ("outcomes", "payments"):
            part = self.by_month[self.by_month["indicator"] == f"{kind}_by_month"]
            if len(part):
                done = part["month"] <= self.as_of
                value = part.loc[done, "value"].sum()
                planned = part.loc[done, "planned"].sum(min_count=1)
                rows.append(_row(kind, value, planned, plan_version=self.plan_version))
        rows.append(
            _row(
                "interim_att",
                np.nan if i is None else i.estimate,
                np.nan if i is None else i.trajectory,
                event_time=None if i is None else i.last,
                ci=(np.nan, np.nan) if i is None else (i.ci_low, i.ci_high),
            )
        )
        rows.append(_row("trajectory_target", f.target_effect, event_time=f.target_event_month))
        for r in self.path.itertuples(index=False):
            rows.append(
                _row(
                    "interim_att_by_event_month",
                    r.estimate,
                    r.trajectory,
                    event_time=int(r.event_time),
                    ci=(r.ci_low, r.ci_high),
                )
            )
        for r in self.by_month.itertuples(index=False):
            rows.append(
                _row(
                    r.indicator, r.value, r.planned, month=int(r.month), plan_version=r.plan_version
                )
            )
        rows.append(_row("status", status=self.status, rule_code=self.rule_code, rule=self.rule))
        return rows

    def indicators_frame(self) -> pd.DataFrame:
        """The long indicator table (columns :data:`INDICATOR_COLUMNS`)."""
        frame = pd.DataFrame(self._rows)
        frame.insert(0, "offer_id", self.offer_id)
        frame["as_of"] = months.label(self.as_of)
        return _typed(frame)

    def summary_table(self) -> pd.DataFrame:
        """The headline indicators for people (formatted text): indicator, actual,
        planned (or needed); what :func:`markdown_summary` shows as its table."""
        return _summary_table(self, language=self.language)


def assess(
    progress: OfferProgress,
    settings: MonitorSettings | None = None,
    *,
    rules: tuple[Rule, ...] = RULES,
) -> OnTrack:
    """The on-track indicators and status of one offer.

    ``progress.dropouts`` should be counted with ``settings.dropout_months`` (see
    :func:`~evaluation.monitor.progress.count_dropouts`); ``rules``: the status rules in
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
        rule=chosen.text,
        findings=found,
        facts=facts,
        planned_participants=p.planned_participants,
        plan_version=None if plans is None else plans.plan_for(p.as_of).version,
        level=p.level,
        language=settings.language,
        by_month=_by_month(p, plans),
        path=_path(p, settings),
    )


def status_frame(results: Iterable[OnTrack]) -> pd.DataFrame:
    """One row per offer: offer_id, status, rule_code, rule, as_of."""
    frame = pd.DataFrame(
        [
            {
                "offer_id": r.offer_id,
                "status": r.status,
                "rule_code": r.rule_code,
                "rule": r.rule,
                "as_of": months.label(r.as_of),
            }
            for r in results
        ],
        columns=list(STATUS_COLUMNS),
    )
    return frame.astype({c: "str" for c in STATUS_COLUMNS})


def artifact_key(offer_id: str) -> str:
    """A stable Prefect artifact key per offer: ``on-track-<offer_id>`` in lowercase
    letters, digits and dashes only."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(offer_id).lower()).strip("-")
    if not slug:
        raise ValueError(f"offer id {offer_id!r} has no letters or digits for an artifact key")
    return f"on-track-{slug}"


# --- markdown -----------------------------------------------------------------------------

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "on_track": "On track",
        "at_risk": "At risk",
        "off_track": "Off track",
        "as_of": "As of {month}.",
        "indicator": "Indicator",
        "actual": "Actual",
        "planned": "Planned / needed",
        "enrolment": "Participants started",
        "enrolment_total": "Planned participants in total",
        "dropouts": "Dropouts",
        "effect": "Effect {first}–{last} months after the start",
        "effect_none": "Effect so far",
        "target": "Target effect",
        "target_value": "{target} by month {month}",
        "outcomes": "Outcomes so far",
        "payments": "Payments so far",
        "plan": "plan {version}",
        "interval": "{level} interval",
    },
    "da": {
        "on_track": "På rette spor",
        "at_risk": "I risiko",
        "off_track": "Ikke på rette spor",
        "as_of": "Opgjort {month}.",
        "indicator": "Indikator",
        "actual": "Faktisk",
        "planned": "Planlagt / nødvendigt",
        "enrolment": "Deltagere startet",
        "enrolment_total": "Planlagte deltagere i alt",
        "dropouts": "Frafald",
        "effect": "Effekt {first}–{last} måneder efter start",
        "effect_none": "Effekt indtil nu",
        "target": "Effektmål",
        "target_value": "{target} i måned {month}",
        "outcomes": "Resultater indtil nu",
        "payments": "Betalinger indtil nu",
        "plan": "plan {version}",
        "interval": "{level}-interval",
    },
}


def markdown_summary(result: OnTrack, *, name: str | None = None) -> str:
    """A short markdown summary and table of one offer (aggregates only), for the
    Prefect markdown artifact; in the language of the rule texts."""
    language = result.language
    t = _LABELS[language]
    table = _summary_table(result, language=language)
    lines = [
        f"## {name or result.offer_id}: {t[result.status]}",
        "",
        result.rule,
        "",
        t["as_of"].format(month=months.label(result.as_of)),
        "",
        f"| {t['indicator']} | {t['actual']} | {t['planned']} |",
        "|---|---:|---:|",
        *(f"| {r.indicator} | {r.actual} | {r.planned} |" for r in table.itertuples()),
    ]
    return "\n".join(lines) + "\n"


def _summary_table(r: OnTrack, *, language: str = "en") -> pd.DataFrame:
    t = _LABELS[language]
    f, i = r.facts, r.facts.interim
    pp = _fmt_pp(language)
    version = "" if r.plan_version is None else f" ({t['plan'].format(version=r.plan_version)})"
    rows = [
        (t["enrolment"], f"{f.enrolled}", _fmt_num(f.planned_enrolled) + version),
        (t["enrolment_total"], f"{f.enrolled}", _fmt_num(r.planned_participants)),
        (t["dropouts"], f"{f.dropouts} ({_fmt_share(f.dropout_share, language)})", "–"),
    ]
    if i is None:
        rows.append((t["effect_none"], "–", "–"))
    else:
        level = t["interval"].format(level=_fmt_share(i.level, language))
        rows.append(
            (
                t["effect"].format(first=i.first, last=i.last),
                f"{pp(i.estimate)} ({level} {pp(i.ci_low)} – {pp(i.ci_high)})",
                pp(i.trajectory),
            )
        )
    if f.target_effect is not None:
        target = t["target_value"].format(target=pp(f.target_effect), month=f.target_event_month)
        rows.append((t["target"], "–", target))
    frame = r.by_month
    for kind in ("outcomes", "payments"):
        part = frame[(frame["indicator"] == f"{kind}_by_month") & (frame["month"] <= r.as_of)]
        if len(part):
            planned = part["planned"].sum(min_count=1)
            rows.append((t[kind], _fmt_num(part["value"].sum()), _fmt_num(planned)))
    return pd.DataFrame(rows, columns=["indicator", "actual", "planned"])


def _fmt_pp(language: str) -> Callable[[float | None], str]:
    def fmt(x: float | None) -> str:
        if x is None or not np.isfinite(x):
            return "–"
        text = f"{100 * x:.1f}"
        return f"{text} pp" if language == "en" else f"{text.replace('.', ',')} pct.-point"

    return fmt


def _fmt_num(x: float | None) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:,.0f}"


def _fmt_share(x: float, language: str) -> str:
    if not np.isfinite(x):
        return "–"
    return f"{100 * x:.0f}%" if language == "en" else f"{100 * x:.0f} %"


# --- frames ---------------------------------------------------------------------------------


def _row(
    indicator: str,
    value: float | None = np.nan,
    planned: float | None = np.nan,
    *,
    month: int | None = None,
    event_time: int | None = None,
    ci: tuple[float, float] = (np.nan, np.nan),
    plan_version: str | None = None,
    status: str | None = None,
    rule_code: str | None = None,
    rule: str | None = None,
) -> dict[str, object]:
    return {
        "indicator": indicator,
        "month": None if month is None else months.label(month),
        "event_time": event_time,
        "value": np.nan if value is None else float(value),
        "planned": np.nan if planned is None else float(planned),
        "ci_low": float(ci[0]),
        "ci_high": float(ci[1]),
        "plan_version": plan_version,
        "status": status,
        "rule_code": rule_code,
        "rule": rule,
    }


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reindex(columns=list(INDICATOR_COLUMNS))
    for c in _STR_COLUMNS:
        frame[c] = pd.array([None if _missing(v) else str(v) for v in frame[c]], dtype="str")
    frame["as_of"] = frame["as_of"].astype("str")
    frame["event_time"] = pd.array(
        [None if _missing(v) else int(v) for v in frame["event_time"]], dtype="Int64"
    )
    for c in _FLOAT_COLUMNS:
        frame[c] = frame[c].astype("float64")
    return frame


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


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
