"""Are we on track: a traffic light and the reason per offer, from the indicator table."""

from __future__ import annotations

from html import escape

import pandas as pd

from evaluation.texts import DASH
from flows.report.cells import ReportData

LIGHTS = {
    "on_track": "#2e7d32",
    "at_risk": "#f9a825",
    "off_track": "#c62828",
    "too_early": "#9e9e9e",
    "no_target": "#9e9e9e",
}


def on_track(r: ReportData) -> str:
    t = r.t
    rows = "".join(_row(r, o) for o in r.offers)
    return (
        f"<section id='on-track'><h2>{escape(t.on_track_title)}</h2>"
        f"<p>{escape(t.on_track_intro)}</p><table><thead><tr>"
        f"<th>{escape(t.col_offer)}</th><th>{escape(t.col_status)}</th>"
        f"<th>{escape(t.col_rule)}</th></tr></thead><tbody>{rows}</tbody></table>"
        "</section>"
    )


def _row(r: ReportData, o: str) -> str:
    ind = r.tables["indicators"]
    hit = ind[(ind["offer_id"] == o) & (ind["indicator"] == "status")] if len(ind) else ind
    status = str(hit["status"].iloc[0]) if len(hit) else "no_target"
    rule = rule_text(r, o, hit.iloc[0]) if len(hit) else ""
    code = str(hit["rule_code"].iloc[0]) if len(hit) else ""
    if len(hit) and pd.isna(hit["status"].iloc[0]):  # suppressed: rests on hidden numbers
        status, rule, code = "suppressed", DASH, ""
    label = DASH if status == "suppressed" else r.t.status_labels.get(status, status)
    light = LIGHTS.get(status, "#9e9e9e")
    return (
        f"<tr data-offer='{escape(o)}'><td>{r.name(o)}</td>"
        f"<td class='status' data-status='{escape(status)}'>"
        f"<span class='light' style='background:{light}'></span>{escape(label)}</td>"
        f"<td data-rule='{escape(code)}'>{escape(rule)}</td></tr>"
    )


def rule_text(r: ReportData, offer: str, status_row: pd.Series) -> str:
    """The reason for the status in the report's language, by ``rule_code``, with the
    numbers of the offer's (suppressed) indicator rows; the monitor's own text when the
    code is unknown."""
    code = status_row.get("rule_code")
    template = r.t.rule_texts.get(str(code)) if pd.notna(code) else None
    if template is None:
        rule = status_row.get("rule")
        return "" if rule is None or pd.isna(rule) else str(rule)
    s, ind = r.s, r.indicator
    share = ind(offer, "enrolment", "value"), ind(offer, "enrolment", "planned")
    return template.format(
        last=s.number(ind(offer, "interim_att", "event_time")),
        estimate=s.pp(ind(offer, "interim_att")),
        ci_low=s.pp(ind(offer, "interim_att", "ci_low")),
        ci_high=s.pp(ind(offer, "interim_att", "ci_high")),
        trajectory=s.pp(ind(offer, "interim_att", "planned")),
        target=s.pp(ind(offer, "trajectory_target")),
        target_month=s.number(ind(offer, "trajectory_target", "event_time")),
        enrolled=s.number(share[0]),
        planned=s.number(share[1]),
        share=s.pct(None if None in share or not share[1] else share[0] / share[1]),
        dropouts=s.number(ind(offer, "dropouts")),
        dropout_share=s.pct(ind(offer, "dropout_share")),
    )
