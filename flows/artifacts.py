"""The on-track Prefect artifacts: one markdown and one table artifact per offer with
stable keys (``on-track-<offer>`` and ``on-track-<offer>-table``), made from the run's
small-cell suppressed indicator table (no person-level content)."""

from __future__ import annotations

import pandas as pd
from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from evaluation.monitor import artifact_key


@task(cache_policy=NO_CACHE, persist_result=False)
def publish_on_track(tables: dict[str, pd.DataFrame]) -> list[str]:
    """One markdown and one table artifact per offer, from the suppressed tables."""
    indicators, matching = tables.get("indicators"), tables.get("matching")
    if indicators is None or indicators.empty:
        return []
    names = dict(zip(matching["offer_id"], matching["name"], strict=True))
    keys = []
    for offer_id in pd.unique(indicators["offer_id"]):
        key = artifact_key(str(offer_id))
        markdown, rows = on_track_summary(indicators, offer_id, names.get(offer_id, ""))
        create_markdown_artifact(markdown=markdown, key=key, description="Are we on track?")
        create_table_artifact(table=rows, key=f"{key}-table", description="On-track indicators")
        keys.append(key)
    return keys


ON_TRACK_ROWS = ("enrolment", "enrolment_total", "dropouts", "dropout_share", "interim_att")


def on_track_summary(indicators: pd.DataFrame, offer_id: str, name: str) -> tuple[str, list]:
    """A markdown summary and table rows of one offer's (suppressed) indicators: the
    status with the rule that set it, then enrolment, dropouts and the interim effect
    against the trajectory. Blanked numbers show as "–"; no person-level content."""
    rows = indicators[indicators["offer_id"] == offer_id]
    status = rows[rows["indicator"] == "status"]
    head = status.iloc[0] if len(status) else None
    table = []
    for ind in ON_TRACK_ROWS:
        hit = rows[rows["indicator"] == ind]
        if len(hit) == 0:
            continue
        r = hit.iloc[0]
        table.append(
            {
                "indicator": ind,
                "value": _fmt(r["value"]),
                "planned": _fmt(r["planned"]),
                "interval": (
                    f"{_fmt(r['ci_low'])} to {_fmt(r['ci_high'])}"
                    if pd.notna(r["ci_low"]) and pd.notna(r["ci_high"])
                    else "–"
                ),
                "event_month": "–" if pd.isna(r["event_time"]) else str(int(r["event_time"])),
            }
        )
    hidden = head is not None and pd.isna(head["status"])  # rests on a suppressed number
    state = "unknown" if head is None else "–" if hidden else str(head["status"])
    lines = [
        f"## {name} ({offer_id}): {state.replace('_', ' ')}",
        "",
        f"As of {rows['as_of'].iloc[0] if len(rows) else '–'}."
        + ("" if head is None or hidden else f" Rule `{head['rule_code']}`: {head['rule']}"),
        "",
        "| indicator | value | planned / needed | interval | event month |",
        "|---|---|---|---|---|",
        *(
            f"| {t['indicator']} | {t['value']} | {t['planned']} | {t['interval']} | "
            f"{t['event_month']} |"
            for t in table
        ),
    ]
    return "\n".join(lines) + "\n", table


def _fmt(x: object) -> str:
    if x is None or pd.isna(x):
        return "–"
    x = float(x)
    return f"{x:,.0f}" if x == round(x) and abs(x) >= 1 else f"{x:.3f}"
