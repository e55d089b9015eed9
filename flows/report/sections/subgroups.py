"""For whom, and what participating meant: per offer, a small forest plot of the headline
effect by subgroup (``subgroups.parquet``) with the heterogeneity test per dimension,
the intention-to-treat contrast beside the headline (``effects.parquet``, ``estimand``)
and the distribution of participation lengths with the dropout share
(``durations.parquet``; descriptive only).

Reads only the published (suppressed) tables; a blanked number shows "–". The section's
words are kept here in both languages (one small catalogue) rather than in
:mod:`evaluation.texts`, so that it can be added without touching the shared catalogue.
"""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from flows.report import plots
from flows.report.cells import ReportData, num

WORDS: dict[str, dict[str, Any]] = {
    "da": {
        "title": "For hvem virker tilbuddene?",
        "intro": (
            "Mer-effekten på selvforsørgelse det første år for deltagere opdelt efter "
            "forhold ved start. Hver deltager sammenlignes med de matchede kontroller i "
            "samme undergruppe. Testen for forskel spørger, om effekten er ens i alle "
            "undergrupper af en opdeling; p-værdierne for de enkelte undergrupper er "
            "Holm-justeret inden for tilbuddet. Små grupper vises som –."
        ),
        "axis": "Mer-effekt, procentpoint",
        "dimensions": {
            "age_band": "Alder",
            "sex": "Køn",
            "education": "Uddannelse",
            "benefit_months": "Mdr. på ydelse (36 mdr.)",
            "start_half": "Start",
        },
        "test": "Test for forskel",
        "dimension": "Opdeling",
        "p": "p-værdi",
        "no_test": "kan ikke testes",
        "itt": (
            "Hovedresultatet sammenligner start nu med ingen start i opfølgningen. "
            "Sammenlignet med ikke at starte nu (kontroller kan starte senere) er "
            "mer-effekten {est} ({lo} til {hi})."
        ),
        "durations": "Forløbenes længde (beskrivende)",
        "dropout": "Andel afbrudt inden 3 måneder: {share}.",
        "not_causal": (
            "Effekter for gennemførte og afbrudte forløb vises ikke: hvem der gennemfører, "
            "afhænger af hvordan forløbet går, så forskellen er ikke en effekt."
        ),
        "length": "Længde",
        "count": "Forløb",
        "share": "Andel",
        "ongoing": "i gang",
        "months": "mdr.",
    },
    "en": {
        "title": "For whom do the offers work?",
        "intro": (
            "The extra effect on self-sufficiency in the first year for participants split "
            "by their situation at the start. Each participant is compared with the matched "
            "controls in the same subgroup. The test for a difference asks whether the "
            "effect is the same in every subgroup of a split; the subgroups' p-values are "
            "Holm-adjusted within the offer. Small groups show as –."
        ),
        "axis": "Extra effect, percentage points",
        "dimensions": {
            "age_band": "Age",
            "sex": "Sex",
            "education": "Education",
            "benefit_months": "Months on benefit (36 m.)",
            "start_half": "Start",
        },
        "test": "Test for a difference",
        "dimension": "Split",
        "p": "p-value",
        "no_test": "cannot be tested",
        "itt": (
            "The headline compares starting now with not starting during follow-up. "
            "Against not starting now (controls may start later) the extra effect is "
            "{est} ({lo} to {hi})."
        ),
        "durations": "Length of participation (descriptive)",
        "dropout": "Share ended before 3 months: {share}.",
        "not_causal": (
            "Effects for completed and early-ended participations are not shown: who "
            "completes depends on how the participation goes, so the difference is not an "
            "effect."
        ),
        "length": "Length",
        "count": "Participations",
        "share": "Share",
        "ongoing": "ongoing",
        "months": "months",
    },
}


def subgroups(r: ReportData) -> str:
    """The section over every offer (empty when the run published no subgroups)."""
    sub, dur, eff = (r.tables.get(n, pd.DataFrame()) for n in ("subgroups", "durations", "effects"))
    if not len(sub) and not len(dur):
        return ""
    w = WORDS[r.lang]
    parts = [
        f"<section id='subgroups'><h2>{escape(w['title'])}</h2>",
        f"<p>{escape(w['intro'])}</p>",
    ]
    for offer in r.offers:
        parts.append(offer_block(r, offer, _of(sub, offer), _of(dur, offer), _of(eff, offer)))
    parts.append("</section>")
    return "\n".join(parts)


def _of(frame: pd.DataFrame, offer: str) -> pd.DataFrame:
    if not len(frame) or "offer_id" not in frame.columns:
        return pd.DataFrame()
    return frame[frame["offer_id"].astype(str) == offer]


def offer_block(
    r: ReportData, offer: str, sub: pd.DataFrame, dur: pd.DataFrame, eff: pd.DataFrame
) -> str:
    out = [f"<div class='subgroups' id='subgroups-{escape(offer)}'><h3>{r.name(offer)}</h3>"]
    if len(sub):
        out.append(_forest(r, sub))
        out.append(_tests(r, sub))
    itt = _itt(r, eff)
    if itt:
        out.append(f"<p>{escape(itt)}</p>")
    if len(dur):
        out.append(_durations(r, dur))
    out.append("</div>")
    return "\n".join(out)


def _label(r: ReportData, row: pd.Series) -> str:
    dims = WORDS[r.lang]["dimensions"]
    return f"{dims.get(str(row['dimension']), row['dimension'])}: {row['subgroup']}"


def _forest(r: ReportData, sub: pd.DataFrame) -> str:
    w = WORDS[r.lang]
    pct = [[None if num(v) is None else num(v) * 100 for v in sub[c]] for c in _EST]
    return plots.forest(
        [_label(r, row) for _, row in sub.iterrows()],
        *pct,
        title=f"{w['title']}",
        x_label=w["axis"],
        fmt_x=lambda v: r.s.number(v, 0),
    )


_EST = ("estimate", "ci_low", "ci_high")


def _tests(r: ReportData, sub: pd.DataFrame) -> str:
    w = WORDS[r.lang]
    rows = []
    for dim, grp in sub.groupby("dimension", sort=False):
        p = num(grp["heterogeneity_p_value"].iloc[0])
        text = w["no_test"] if p is None else r.s.p_value(p)
        name = w["dimensions"].get(str(dim), str(dim))
        rows.append(f"<tr><td>{escape(name)}</td><td class='num'>{escape(text)}</td></tr>")
    return (
        f"<table class='payers'><thead><tr><th>{escape(w['dimension'])}</th>"
        f"<th class='num'>{escape(w['test'])}: {escape(w['p'])}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _itt(r: ReportData, eff: pd.DataFrame) -> str:
    if not len(eff) or "estimand" not in eff.columns:
        return ""
    head = eff[(eff["estimand"] == "itt") & eff["event_time"].isna()]
    if not len(head):
        return ""
    row = head.iloc[0]
    est, lo, hi = (num(row[c]) for c in _EST)
    if est is None:
        return ""
    return WORDS[r.lang]["itt"].format(est=r.s.pp(est), lo=r.s.pp(lo), hi=r.s.pp(hi))


def _durations(r: ReportData, dur: pd.DataFrame) -> str:
    w = WORDS[r.lang]
    rows = []
    for _, row in dur.iterrows():
        band = str(row["duration"])
        label = w["ongoing"] if band == "ongoing" else f"{band} {w['months']}"
        rows.append(
            f"<tr><td>{escape(label)}</td>"
            f"<td class='num'>{escape(r.s.number(num(row['n_participations'])))}</td>"
            f"<td class='num'>{escape(r.s.pct(num(row['share'])))}</td></tr>"
        )
    early = dur[dur["ended_early"].astype(bool)]["share"]
    share = num(early.sum(min_count=1)) if early.notna().all() else None
    return (
        f"<h4>{escape(w['durations'])}</h4>"
        f"<p>{escape(w['dropout'].format(share=r.s.pct(share)))} {escape(w['not_causal'])}</p>"
        f"<table class='payers'><thead><tr><th>{escape(w['length'])}</th>"
        f"<th class='num'>{escape(w['count'])}</th><th class='num'>{escape(w['share'])}</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
