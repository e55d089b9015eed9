"""Participation durations (descriptive): bands, ongoing, dropout share."""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.duration import dropout_share, duration_table


def test_duration_bands_hand_computed():
    """Starts in month 100; ends 100 (1 month), 101 (2), 102 (3), 111 (12), open, and an
    end after the as-of month (open then); a start after the as-of month is left out."""
    start = np.array([100, 100, 100, 100, 100, 100, 130])
    end = np.array([100, 101, 102, 111, -1, 125, 131])
    t = duration_table("x", start, end, as_of=120)
    got = dict(zip(t["duration"], t["n_participations"], strict=True))
    assert got == {"1-2": 2, "3-5": 1, "6-11": 0, "12+": 1, "ongoing": 2}
    assert t["share"].sum() == pytest.approx(1.0)
    assert t.loc[t["duration"] == "1-2", "ended_early"].item()
    assert not t.loc[t["duration"] != "1-2", "ended_early"].any()
    assert dropout_share(t) == pytest.approx(2 / 6)


def test_duration_nan_end_is_open_and_empty_offer_has_nan_shares():
    t = duration_table("x", np.array([5.0]), np.array([np.nan]), as_of=10)
    assert t.set_index("duration").loc["ongoing", "n_participations"] == 1
    empty = duration_table("y", np.array([]), np.array([]), as_of=10)
    assert (empty["n_participations"] == 0).all() and empty["share"].isna().all()


def test_band_may_not_straddle_the_early_limit():
    with pytest.raises(ValueError, match="straddles"):
        duration_table("x", np.array([1]), np.array([2]), as_of=5, early_months=2)
