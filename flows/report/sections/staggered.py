"""One sentence per offer: the standard staggered estimator (Callaway & Sant'Anna, the
secondary ``effects.parquet`` rows with ``method = "callaway_santanna"``) beside the
matched design's headline, and why the two can differ.

Every number is tagged with the Parquet cell it shows (``data-src``
``effects|<offer>|callaway_santanna|<column>``); the matched headline keeps the tags of
the headline rows (``effects|<offer>|<column>``)."""

from __future__ import annotations

from html import escape

import pandas as pd

from flows.report import facts
from flows.report.cells import ReportData, num

CS = "callaway_santanna"
PRETREND_P = 0.05
"""Below this p-value of the estimator's pre-period test the sentence says the
participants already differed before their start."""

WORDS: dict[str, dict[str, str]] = {
    "da": {
        "sentence": "Standardmetoden for forskudte starttidspunkter (Callaway & Sant'Anna) "
        "giver {cs} procentpoint ({lo} til {hi}) mod hovedtallets {m} procentpoint fra det "
        "matchede design. Den sammenligner deltagerne med alle personer i målgruppen, som "
        "endnu ikke er startet, uden at matche på deres historik: "
        "har tilbuddet optaget dem, der var tættest på at blive selvforsørgende (creaming), "
        "overvurderer den effekten. Det matchede design sammenligner deltagere med kontroller "
        "med samme historik.",
        "pretrend": " Her var deltagerne allerede forskellige fra de øvrige i månederne før "
        "start (testen for ens forløb før start afviser), et tegn på sådan udvælgelse.",
        "hidden": "Standardmetoden for forskudte starttidspunkter (Callaway & Sant'Anna) "
        "vises ikke for dette tilbud (for få personer eller ikke beregnelig).",
    },
    "en": {
        "sentence": "The standard estimator for staggered starts (Callaway & Sant'Anna) "
        "gives {cs} percentage points ({lo} to {hi}) against the headline's {m} percentage "
        "points from the matched design. It compares the participants "
        "with every person in the target group not yet started, without matching on their "
        "history: if the offer enrolled those closest to self-sufficiency (creaming), it "
        "overstates the effect. The matched design compares participants with controls of "
        "the same history.",
        "pretrend": " Here the participants already differed from the others in the months "
        "before the start (the pre-trend test rejects), a sign of such selection.",
        "hidden": "The standard estimator for staggered starts (Callaway & Sant'Anna) is "
        "not shown for this offer (too few persons, or not estimable).",
    },
}


def staggered_row(r: ReportData, o: str) -> pd.Series | None:
    """The offer's Callaway & Sant'Anna headline row of the headline outcome (None
    without one)."""
    eff = r.staggered
    if not len(eff):
        return None
    hit = eff[
        (eff["offer_id"] == o) & (eff["outcome"] == "self_sufficient") & eff["event_time"].isna()
    ]
    return hit.iloc[0] if len(hit) else None


def staggered_sentence(r: ReportData, o: str) -> str | None:
    """The sentence for offer ``o``; None without a Callaway & Sant'Anna row."""
    row = staggered_row(r, o)
    if row is None:
        return None
    w, s = WORDS[r.lang], r.s
    est, lo, hi = (num(row[c]) for c in ("estimate", "ci_low", "ci_high"))
    if est is None or lo is None or hi is None:
        return escape(w["hidden"])
    m = r.value("effects", o, "estimate")
    text = escape(w["sentence"]).format(
        cs=facts.tagged(s.pp(est), est, f"effects|{o}|{CS}|estimate"),
        lo=facts.tagged(s.pp(lo), lo, f"effects|{o}|{CS}|ci_low"),
        hi=facts.tagged(s.pp(hi), hi, f"effects|{o}|{CS}|ci_high"),
        m=facts.tagged(s.pp(m), m, f"effects|{o}|estimate"),
    )
    p = num(row.get("placebo_p_value"))
    return text + (escape(w["pretrend"]) if p is not None and p < PRETREND_P else "")
