"""The report's subgroup section: forest plot, heterogeneity tests, the ITT sentence and
the participation lengths, in Danish and English, from the published tables only."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd
import pytest

from evaluation.texts import DASH, STYLES, TEXTS
from flows.report.cells import ReportData
from flows.report.sections.subgroups import subgroups


def _tables() -> dict[str, pd.DataFrame]:
    matching = pd.DataFrame({"offer_id": ["los"], "name": ["Projekt LOS"]})
    sub = pd.DataFrame(
        {
            "offer_id": "los",
            "dimension": ["age_band", "age_band", "sex", "sex"],
            "subgroup": ["<30", "30-49", "F", "M"],
            "estimate": [0.123, np.nan, 0.05, 0.06],
            "ci_low": [0.05, np.nan, 0.01, 0.02],
            "ci_high": [0.2, np.nan, 0.09, 0.1],
            "heterogeneity_p_value": [0.0004, 0.0004, np.nan, np.nan],
            "suppressed": [False, True, False, False],
        }
    )
    dur = pd.DataFrame(
        {
            "offer_id": "los",
            "duration": ["1-2", "3-5", "6-11", "12+", "ongoing"],
            "ended_early": [True, False, False, False, False],
            "n_participations": pd.array([15, 40, 30, 5, 10], dtype="Int64"),
            "share": [0.15, 0.4, 0.3, 0.05, 0.1],
            "suppressed": False,
        }
    )
    eff = pd.DataFrame(
        {
            "offer_id": "los",
            "outcome": "self_sufficient",
            "event_time": pd.array([None, None], dtype="Int64"),
            "estimand": ["per_protocol", "itt"],
            "estimate": [0.08, 0.061],
            "ci_low": [0.04, 0.021],
            "ci_high": [0.12, 0.101],
            "suppressed": False,
        }
    )
    return {"matching": matching, "subgroups": sub, "durations": dur, "effects": eff}


@pytest.mark.parametrize("lang", ["da", "en"])
def test_subgroup_section(lang):
    r = ReportData(_tables(), TEXTS[lang], STYLES[lang], lang, 5, (0, 11))
    html = subgroups(r)
    assert "id='subgroups-los'" in html and "Projekt LOS" in html
    assert html.count("<svg") == 1  # one forest plot for the one offer
    assert ("Alder: &lt;30" if lang == "da" else "Age: &lt;30") in html
    assert escape(STYLES[lang].p_value(0.0004)) in html  # the age test
    assert ("kan ikke testes" if lang == "da" else "cannot be tested") in html  # sex
    assert STYLES[lang].pp(0.061) in html  # the ITT headline
    assert STYLES[lang].pct(0.15) in html  # dropout share
    assert ("i gang" if lang == "da" else "ongoing") in html


def test_blank_duration_count_shows_a_dash_and_no_dropout_share():
    t = _tables()
    t["durations"].loc[0, ["n_participations", "share"]] = [pd.NA, np.nan]
    r = ReportData(t, TEXTS["en"], STYLES["en"], "en", 5, (0, 11))
    html = subgroups(r)
    assert f"Share ended before 3 months: {DASH}." in html


def test_no_subgroups_no_section():
    t = {"matching": _tables()["matching"]}
    r = ReportData(t, TEXTS["da"], STYLES["da"], "da", 5, (0, 11))
    assert subgroups(r) == ""
