"""The synthetic municipality: determinism, truth file, the null offer, creaming."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from evaluation import months
from evaluation.config import TargetGroup
from evaluation.panel import build_panel
from evaluation.statuses import SELF_SUFFICIENT, codes
from evaluation.synth import DEFAULT_OFFERS, SynthSpec, generate, truth_outcomes
from evaluation.target import target_group_members

SPEC = SynthSpec(persons=4_000, seed=5)


@pytest.fixture(scope="module")
def muni():
    return generate(SPEC)


def test_generator_is_deterministic(muni):
    again = generate(SPEC)
    pd.testing.assert_frame_equal(muni.status_monthly, again.status_monthly)
    pd.testing.assert_frame_equal(muni.participation, again.participation)
    pd.testing.assert_frame_equal(muni.true_effects, again.true_effects)
    other = generate(dataclasses.replace(SPEC, seed=6))
    assert not muni.status_monthly["status"].equals(other.status_monthly["status"])


def test_true_effects_shape(muni):
    te = muni.true_effects
    assert list(te.columns) == ["offer_id", "start_month", "event_time", "outcome", "effect", "n"]
    assert set(te["offer_id"]) == {o.offer_id for o in DEFAULT_OFFERS}
    assert set(te["outcome"]) == set(truth_outcomes())
    assert te["event_time"].min() == -12
    assert (te["n"] > 0).all() and te["effect"].between(-1, 1).all()
    # one row per offer x cohort x event month x outcome
    key = ["offer_id", "start_month", "event_time", "outcome"]
    assert not te.duplicated(key).any()
    # cohorts are the participation's start months, with its counts
    part = muni.participation.groupby(["offer_id", "start_month"]).size()
    n0 = te[(te["event_time"] == 0) & (te["outcome"] == "self_sufficient")]
    assert n0.set_index(["offer_id", "start_month"])["n"].sort_index().equals(part.sort_index())
    # before the start Y(1) == Y(0): no effect
    assert (te.loc[te["event_time"] < 0, "effect"] == 0).all()
    # the offers with an effect raise self-sufficiency a year on
    ss12 = te[(te["event_time"] == 12) & (te["outcome"] == "self_sufficient")]
    mean12 = ss12.assign(w=ss12["effect"] * ss12["n"]).groupby("offer_id")[["w", "n"]].sum()
    mean12 = mean12["w"] / mean12["n"]
    assert (mean12[["los", "jobformidler", "ung"]] > 0.02).all()


def test_null_offer_has_exactly_zero_effect_alone():
    """The null offer's treated path equals its untreated path: alone, its truth is 0."""
    praktik = next(o for o in DEFAULT_OFFERS if o.effect_factor == 1 and o.lockin_factor == 1)
    m = generate(SynthSpec(persons=3_000, seed=2, offers=(praktik,)))
    assert len(m.true_effects) > 0
    assert (m.true_effects["effect"] == 0).all()


def test_null_offer_forgoes_other_offers_only(muni):
    """With the other offers present, its participants forgo them (one offer per person):
    the truth against business as usual is zero or slightly negative, never positive."""
    te = muni.true_effects
    p = te[(te["offer_id"] == "praktik") & (te["outcome"] == "self_sufficient")]
    assert (p["effect"] <= 0).all()
    assert (p["effect"] * p["n"]).sum() / p["n"].sum() > -0.02


def test_creaming(muni):
    """Participants had more self-sufficient months in the 36 months before their start
    than the eligible persons (in the target group) who did not start then."""
    panel = build_panel(muni.persons, muni.status_monthly, muni.participation)
    ss = codes(SELF_SUFFICIENT)
    diffs, weights = [], []
    for o in muni.config["offers"]:
        rule = TargetGroup(
            tuple(o["target_group"]["statuses"]), o["target_group"]["months_before_start"]
        )
        starts = panel.offer_starts[o["offer_id"]]
        for s in np.unique(starts[starts < np.iinfo(np.int32).max]):
            elig = target_group_members(panel, int(s), rule)
            part = elig[starts[elig] == s]
            rest = elig[starts[elig] > s]
            if len(part) == 0 or len(rest) == 0:
                continue
            col = int(s) - panel.first_month
            win = panel.status[:, max(0, col - 36) : col]
            share = np.isin(win, ss).mean(axis=1)
            diffs.append(share[part].mean() - share[rest].mean())
            weights.append(len(part))
    gap = np.average(diffs, weights=weights)
    d = np.asarray(diffs)
    se = np.sqrt(np.average((d - gap) ** 2, weights=weights) / len(d))
    assert gap > 3 * se and gap > 0.03, (gap, se)
    assert months.label(panel.first_month) == SPEC.first_month


def test_a_short_municipality_has_starts_and_a_too_short_one_is_refused(tmp_path) -> None:
    """24 months (the shortest `mereffekt bench --months`): 12 months of history, then
    starts; fewer months are refused with the reason, not an empty truth table."""
    from flows.synthetic import write_synthetic

    write_synthetic(tmp_path / "short", persons=1_500, seed=2, n_months=24)
    starts = pd.read_parquet(tmp_path / "short" / "participation.parquet")["start_month"]
    assert len(starts) > 0 and starts.min() >= pd.Timestamp("2021-01-01")
    with pytest.raises(ValueError, match="at least 24 months"):
        write_synthetic(tmp_path / "tiny", persons=1_500, n_months=23)
    with pytest.raises(ValueError, match="no year of starts"):
        SynthSpec(n_months=30)
