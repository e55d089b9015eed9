"""The on-track result of one offer: :class:`OnTrack`, its indicator table (written to
``indicators.parquet``) and the per-offer artifact (:func:`markdown_summary`,
:func:`artifact_key`). Texts are rendered here, at the edge, from the catalogue
(:mod:`evaluation.texts`): the rules give codes and numbers. Aggregates only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.monitor.rules import Facts, Finding, Status
from evaluation.monitor.trajectory import Interim
from evaluation.schema import core_columns
from evaluation.texts import STYLES, TEXTS, Lang, monitor_reason

INDICATOR_COLUMNS: tuple[str, ...] = core_columns("indicators")
"""The columns of :meth:`OnTrack.indicators_frame` (``indicators.parquet``)."""
STATUS_COLUMNS: tuple[str, ...] = ("offer_id", "status", "rule_code", "rule", "as_of")
_STR_COLUMNS = ("offer_id", "indicator", "month", "plan_version", "status", "rule_code", "rule")
_FLOAT_COLUMNS = ("value", "planned", "ci_low", "ci_high")


@dataclass(frozen=True, eq=False)
class OnTrack:
    """One offer's interim indicators and status as of a month (aggregate only)."""

    offer_id: str
    as_of: int
    status: Status
    rule_code: str
    findings: tuple[Finding, ...]
    facts: Facts
    planned_participants: int | None
    plan_version: str | None
    level: float
    language: Lang
    by_month: pd.DataFrame  # indicator, month, value, planned, plan_version
    path: pd.DataFrame  # event_time, estimate, ci_low, ci_high, trajectory, n_treated

    @property
    def interim(self) -> Interim | None:
        return self.facts.interim

    @cached_property
    def rule(self) -> str:
        """The reason for the status, in ``language``, from the text catalogue."""
        return self.reason(self.language)

    def reason(self, language: Lang) -> str:
        """The reason for the status (the rule that set it) in ``language``."""
        chosen = next(f for f in self.findings if f.code == self.rule_code)
        return monitor_reason(chosen.code, chosen.numbers, language)

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


def markdown_summary(result: OnTrack, *, name: str | None = None) -> str:
    """A short markdown summary and table of one offer (aggregates only), for the
    Prefect markdown artifact; in the result's language."""
    texts = TEXTS[result.language]
    t = texts.on_track_summary
    table = _summary_table(result, language=result.language)
    lines = [
        f"## {name or result.offer_id}: {texts.status_labels[result.status]}",
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


def _summary_table(r: OnTrack, *, language: Lang = "en") -> pd.DataFrame:
    t, s = TEXTS[language].on_track_summary, STYLES[language]
    f, i = r.facts, r.facts.interim
    version = "" if r.plan_version is None else f" ({t['plan'].format(version=r.plan_version)})"
    rows = [
        (t["enrolment"], f"{f.enrolled}", s.plain_count(f.planned_enrolled) + version),
        (t["enrolment_total"], f"{f.enrolled}", s.plain_count(r.planned_participants)),
        (t["dropouts"], f"{f.dropouts} ({s.plain_share(f.dropout_share)})", "–"),
    ]
    if i is None:
        rows.append((t["effect_none"], "–", "–"))
    else:
        level = t["interval"].format(level=s.plain_share(i.level))
        rows.append(
            (
                t["effect"].format(first=i.first, last=i.last),
                f"{s.plain_pp(i.estimate)} ({level} {s.plain_pp(i.ci_low)} – "
                f"{s.plain_pp(i.ci_high)})",
                s.plain_pp(i.trajectory),
            )
        )
    if f.target_effect is not None:
        target = t["target_value"].format(
            target=s.plain_pp(f.target_effect), month=f.target_event_month
        )
        rows.append((t["target"], "–", target))
    frame = r.by_month
    for kind in ("outcomes", "payments"):
        part = frame[(frame["indicator"] == f"{kind}_by_month") & (frame["month"] <= r.as_of)]
        if len(part):
            planned = part["planned"].sum(min_count=1)
            rows.append((t[kind], s.plain_count(part["value"].sum()), s.plain_count(planned)))
    return pd.DataFrame(rows, columns=["indicator", "actual", "planned"])


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
