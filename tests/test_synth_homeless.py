"""The homelessness area's generator and the core on it: the estimate on the register
measure recovers the known truth (within 2.5 SE), the programme leaves self-sufficiency
alone, and matching on the measure's history removes the creaming a naive comparison
keeps."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd
import pytest

from evaluation import months
from evaluation.config import MatchingConfig, MeasureRule, TargetGroup
from evaluation.decomposition import decompose
from evaluation.did import MatchedEventStudy, status_outcome
from evaluation.matching import RiskSetMatching
from evaluation.measures import Measure, MeasureRows, measure_matrices
from evaluation.panel import build_panel
from evaluation.statuses import SELF_SUFFICIENT, STATUSES
from evaluation.synth import true_att
from evaluation.synth_homeless import OFFER_ID, HomelessSpec, generate_homeless

RULE = TargetGroup((), age=(18, 29), measures=(MeasureRule("homeless", 1, 3),))


@functools.cache
def _world():
    m = generate_homeless(HomelessSpec())
    panel = build_panel(m.persons, m.status_monthly, m.participation)
    ids = pd.Index(panel.person_ids.astype(str))
    o = m.outcomes_monthly
    rows = MeasureRows(
        ids.get_indexer(o["person_id"]),
        months.from_dates(o["month"]),
        np.zeros(len(o), np.int32),
        o["value"].to_numpy(),
    )
    mats = measure_matrices((Measure("homeless", "binary"),), rows, panel.status, panel.first_month)
    panel = panel.with_measures(mats).as_of(panel.last_month)
    match = RiskSetMatching(panel, OFFER_ID, RULE, MatchingConfig()).fit()
    return m, panel, match, MatchedEventStudy(panel, match)


def _truth(m, match, res) -> float:
    tr = match.sets[match.sets["treated"]].groupby("ref_month").size()
    cohorts = pd.DataFrame(
        {
            "offer_id": OFFER_ID,
            "start_month": months.to_timestamps(tr.index.to_numpy()),
            "n": tr.to_numpy(),
        }
    )
    t = true_att(m.true_effects, cohorts=cohorts)
    t = t[t["outcome"] == res.outcome].set_index("event_time")["effect"]
    return float(np.nansum(res._pool_weights * t.reindex(res.event_times).to_numpy()))


def test_generator_facts() -> None:
    m = generate_homeless(HomelessSpec(persons=2_000, seed=3))
    o = m.outcomes_monthly
    assert list(o.columns) == ["person_id", "month", "measure", "value"]
    assert (o["value"] == 1).all() and not o.duplicated(["person_id", "month"]).any()
    te = m.true_effects
    assert (te.loc[te["outcome"] == "self_sufficient", "effect"] == 0).all()
    assert (te.loc[te["event_time"] < 0, "effect"] == 0).all()  # no effect before the start
    after = te[(te["outcome"] == "homeless") & (te["event_time"] >= 1)]
    assert (after["effect"] * after["n"]).sum() < 0  # fewer months homeless


def test_estimate_on_the_measure_within_2_5_se_of_the_truth() -> None:
    m, panel, match, study = _world()
    assert match.n_matched >= 300
    res = study.fit("homeless", np.zeros(len(STATUSES)), extra=panel.measures["homeless"])
    truth = _truth(m, match, res)
    assert truth < -0.1  # a real effect: fewer months homeless
    assert abs(res.pooled_estimate - truth) < 2.5 * res.pooled_std_error
    ss = study.fit("self_sufficient", status_outcome(SELF_SUFFICIENT))
    assert _truth(m, match, ss) == 0.0
    assert abs(ss.pooled_estimate) < 2.5 * ss.pooled_std_error


def test_enrolment_creams_on_housing_history() -> None:
    """Participants were housed more of the 24 months before the start than the rest of
    the target group; after matching on the measure's history the gap is small."""
    _, panel, match, _ = _world()
    bal = match.balance.set_index("covariate")
    smd = bal.loc["homeless_36m"]
    assert smd["smd_before"] < -0.2
    assert abs(smd["smd_after"]) < 0.1


def test_decomposition_on_the_measure_adds_up() -> None:
    """Raw difference = selection + extra effect exactly, on a measure outcome, and the
    extra effect is near the truth. (The sign of the selection part is not asserted
    here: the target group's level includes its members who start later and are
    helped, which on this strong, much-used programme outweighs the creaming.)"""
    m, panel, match, study = _world()
    res = study.fit("homeless", np.zeros(len(STATUSES)), extra=panel.measures["homeless"])
    d = decompose(
        panel, match, res, RULE, np.zeros(len(STATUSES)), extra=panel.measures["homeless"]
    )
    assert d.raw_difference == pytest.approx(d.selection + d.extra_effect, abs=1e-12)
    assert np.isfinite(d.target_group_level) and d.n_target_group > d.n_participants
    assert abs(d.extra_effect - _truth(m, match, res)) < 2.5 * d.did_std_error + abs(d.baseline_gap)


@pytest.mark.parametrize(
    "rule",
    [
        RULE,
        TargetGroup(("sickness_benefit", "cash_benefit"), 3, age=(18, 29)),
        TargetGroup(("cash_benefit",), 2, measures=(MeasureRule("homeless", 1, 2),)),
        TargetGroup(("cash_benefit",), 2),
    ],
)
def test_target_group_members_follow_every_rule(rule: TargetGroup) -> None:
    """The fast member lookup (a slice of the status matrix) keeps the age and measure
    rules: the same persons as the rule applied person by person, in every month."""
    from evaluation.target import in_target_group, target_group_members

    _, panel, _, _ = _world()
    everyone = np.arange(panel.n_persons)
    for s in range(panel.first_month + 1, panel.first_month + panel.n_months, 7):
        fast = target_group_members(panel, s, rule)
        slow = everyone[in_target_group(panel, everyone, s, rule)]
        assert np.array_equal(fast, slow), (rule, s)


def test_true_effect_is_the_expected_difference_of_the_paths() -> None:
    """The published truth (exact from the hazards) agrees, month by month, with the
    realised mean of H(1) - H(0) over many simulated participants (within 4 SE)."""
    from evaluation import synth_homeless as sh

    spec = HomelessSpec()
    rng = np.random.default_rng(7)
    n, t_obs, s = 40_000, 20, 5
    v = rng.normal(size=n)
    uh = rng.random((n, t_obs))
    before = sh._homeless_path(spec, v, uh, rng)
    before[:, s - 1] = 1  # homeless in s - 1, as every participant
    start = np.full(n, s, dtype=np.int32)
    h1 = sh._treated_path(spec, v, uh, before, start)
    untreated = dataclasses.replace(spec, exit_factor=1.0)  # the same chain, same draws
    h0 = sh._treated_path(untreated, v, uh, before, start)
    te = sh._true_effects(spec, v, start, 0, t_obs)
    te = te[te["outcome"] == "homeless"].set_index("event_time")["effect"]
    diff = (h1 - h0)[:, s:].astype(float)
    realised = diff.mean(axis=0)
    se = diff.std(axis=0) / np.sqrt(n)
    expected = te.loc[0 : t_obs - s - 1].to_numpy()
    assert (expected[1:] < -0.05).all()
    assert np.all(np.abs(realised - expected) < 4 * se + 1e-12)
    assert (te.loc[-12:-1] == 0).all()
