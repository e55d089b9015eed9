"""Small-cell suppression of subgroups.parquet and durations.parquet."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.privacy.policy import suppress_run


def _effects(n_treated: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "offer_id": ["a"],
            "outcome": ["self_sufficient"],
            "event_time": pd.array([None], dtype="Int64"),
            "estimate": [0.05],
            "std_error": [0.02],
            "ci_low": [0.01],
            "ci_high": [0.09],
            "p_value": [0.01],
            "n_treated": [n_treated],
            "n_control": [40],
            "headline": [True],
        }
    )


def _subgroups(levels: dict[str, tuple[int, int]]) -> pd.DataFrame:
    n = len(levels)
    return pd.DataFrame(
        {
            "offer_id": "a",
            "outcome": "self_sufficient",
            "dimension": "sex",
            "subgroup": list(levels),
            "estimate": np.linspace(0.01, 0.02, n),
            "std_error": 0.01,
            "ci_low": 0.0,
            "ci_high": 0.04,
            "p_value": 0.2,
            "p_value_holm": 0.4,
            "n_treated": [t for t, _ in levels.values()],
            "n_control": [c for _, c in levels.values()],
            "heterogeneity_statistic": 1.0,
            "heterogeneity_p_value": 0.3,
        }
    )


def test_small_subgroup_is_blanked_and_its_complement_too():
    """F has 3 participants: blanked with its estimate; M (9) would give F away as
    12 - 9, so its count is blanked too (its estimate stays: it rests on 9 persons)."""
    out = suppress_run(
        {"effects": _effects(12), "subgroups": _subgroups({"F": (3, 10), "M": (9, 30)})}, 5
    )
    sub = out["subgroups"].set_index("subgroup")
    assert sub.loc["F", "n_treated"] is pd.NA and np.isnan(sub.loc["F", "estimate"])
    assert np.isnan(sub.loc["F", "p_value_holm"]) and sub.loc["F", "suppressed"]
    assert sub.loc["F", "suppression_reason"].startswith("primary")
    assert sub.loc["M", "n_treated"] is pd.NA and out["effects"]["n_treated"].item() == 12
    assert sub.loc["M", "suppression_reason"] == "secondary: would reveal a suppressed count"
    assert sub.loc["M", "estimate"] == 0.02
    assert sub.loc["M", "heterogeneity_p_value"] == 0.3  # small levels are not in the test


def test_subgroups_without_small_cells_are_published_whole():
    out = suppress_run(
        {"effects": _effects(20), "subgroups": _subgroups({"F": (8, 20), "M": (12, 25)})}, 5
    )
    sub = out["subgroups"]
    assert not sub["suppressed"].any()
    assert sub["n_treated"].tolist() == [8, 12]


def test_small_duration_band_is_blanked_with_its_share():
    dur = pd.DataFrame(
        {
            "offer_id": "a",
            "duration": ["1-2", "3-5", "6-11", "12+", "ongoing"],
            "ended_early": [True, False, False, False, False],
            "n_participations": [2, 10, 0, 6, 12],
            "share": np.array([2, 10, 0, 6, 12]) / 30,
        }
    )
    ind = pd.DataFrame(
        {"offer_id": ["a"], "indicator": ["enrolment"], "value": [30.0], "as_of": ["2024-06"]}
    )
    out = suppress_run({"durations": dur, "indicators": ind}, 5)["durations"]
    d = out.set_index("duration")
    assert d.loc["1-2", "n_participations"] is pd.NA and np.isnan(d.loc["1-2", "share"])
    assert d.loc["6-11", "n_participations"] == 0  # nobody is not a small group
    blanked = int(out["n_participations"].isna().sum())
    assert blanked >= 2  # the total is published: one more band must go with it
