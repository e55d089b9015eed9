"""Are we on track: a traffic light and the reason per offer, from the indicator table."""

from __future__ import annotations

from html import escape

import pandas as pd

from evaluation.texts import DASH
from flows.report import facts
from flows.report.cells import ReportData

EFFECT_CODES = frozenset(
    {
        "effect_below_trajectory",
        "target_missed",
        "effect_uncertain",
        "effect_not_clear",
        "effect_on_trajectory",
    }
)

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
    st = facts.status(r, o)
    ind = r.tables["indicators"]
    hit = ind[(ind["offer_id"] == o) & (ind["indicator"] == "status")] if len(ind) else ind
    rule = rule_text(r, o, hit.iloc[0]) if len(hit) and st.status != "suppressed" else DASH
    label = DASH if st.status == "suppressed" else r.t.status_labels.get(st.status, st.status)
    return (
        f"<tr data-offer='{escape(o)}'><td>{r.name(o)}</td>"
        f"<td class='status' data-status='{escape(st.status)}'>{light(st.status)}"
        f"{escape(label)}</td><td data-rule='{escape(st.code)}'>{rule}</td></tr>"
    )


def light(status: str) -> str:
    colour = LIGHTS.get(status, "#9e9e9e")
    return f"<span class='light' style='background:{colour}'></span>"


def rule_text(r: ReportData, offer: str, status_row: pd.Series) -> str:
    """The reason for the status in the report's language (HTML), by ``rule_code``: the
    effect rules from the interim effect as the monitor pooled it (:func:`facts.interim`),
    the others from the catalogue with the offer's (suppressed) indicator rows; the
    monitor's own text when the code is unknown."""
    code = status_row.get("rule_code")
    code = "" if code is None or pd.isna(code) else str(code)
    if code in EFFECT_CODES:
        sentence = interim_sentence(r, offer)
        if sentence:
            return sentence
    template = r.t.rule_texts.get(code)
    if template is None:
        rule = status_row.get("rule")
        return "" if rule is None or pd.isna(rule) else escape(str(rule))
    s, ind = r.s, r.indicator
    share = ind(offer, "enrolment", "value"), ind(offer, "enrolment", "planned")
    i = facts.interim(r, offer)
    return escape(
        template.format(
            last=s.number(None if i is None else i.last),
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
    )


def interim_sentence(r: ReportData, o: str) -> str:
    """The interim effect in words: its months, number and interval, against the path
    (before the target month) or the target (after it); "" without one."""
    i = facts.interim(r, o)
    if i is None or not i.effect.complete or i.target is None or i.target_month is None:
        return ""
    w, s = r.w, r.s
    src = f"indicators|{o}|interim_att|"
    nums = {
        "first": s.number(i.first),
        "last": s.number(i.last),
        "est": facts.tagged(s.pp(i.effect.value), i.effect.value, src + "value"),
        "lo": facts.tagged(s.pp(i.effect.low), i.effect.low, src + "ci_low"),
        "hi": facts.tagged(s.pp(i.effect.high), i.effect.high, src + "ci_high"),
        "target": facts.tagged(s.pp(i.target), i.target, f"indicators|{o}|trajectory_target|value"),
        "month": s.number(i.target_month),
    }
    if i.after_target:
        above = i.effect.value is not None and i.effect.value >= i.target
        relation = w.relation_above if above else w.relation_below
        text = w.interim_after.format(relation=relation, **nums)
    else:
        needed = facts.tagged(s.pp(i.needed), i.needed, src + "planned")
        text = w.interim_before.format(needed=needed, **nums)
    if i.effect.low is not None and i.effect.low <= 0 < (i.effect.value or 0):
        text += w.not_clear_tail
    return text
