"""The placebo test (event months -24..-13, which the matching balances only as sums):
its window rule, that it does not reject on the synthetic municipality, that it detects
a planted drift the covariates cannot see, and the wild bootstrap's edge cases."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from evaluation.did import MatchedEventStudy, status_outcome
from evaluation.did.inference import wild_bootstrap
from evaluation.did.placebo import placebo_test, placebo_window
from evaluation.matching import RiskSetMatching
from evaluation.panel import StatusPanel, build_panel
from evaluation.statuses import SELF_SUFFICIENT
from evaluation.synth import SynthSpec, generate
from evaluation.synth_plant import plant_hidden_drift
from flows.config import parse_config, to_core

OFFER = "jobformidler"  # the offer with most participants at a small size


def test_placebo_window_leaves_out_months_the_covariates_fix() -> None:
    assert placebo_window(12, (12, 36)) == tuple(range(-24, -12))
    # a 13-month count minus the 12 lags is month 13 itself: not a placebo month
    assert placebo_window(12, (12, 13, 36)) == tuple(range(-24, -13))
    assert placebo_window(6, (), length=3) == (-9, -8, -7)
    assert placebo_window(36, (36,)) == tuple(range(-48, -36))
    assert placebo_window(36, (36,), length=30) == tuple(range(-60, -36))  # config bound


def test_placebo_test_is_a_wald_test_over_the_given_months() -> None:
    e = np.arange(-5, 3)
    est = np.array([0.3, 0.1, 0.0, 5.0, 0.0, 0.0, 1.0, 1.0])
    cov = np.diag([0.01, 0.04, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0])
    t = placebo_test(e, est, cov, (-5, -4, -3))  # -3 has no variance: left out
    assert t.df == 2 and t.statistic == pytest.approx(0.3**2 / 0.01 + 0.1**2 / 0.04)
    assert t.window == "-5..-3"
    assert np.isnan(placebo_test(e, est, cov, (-3,)).p_value)


@functools.cache
def _municipality() -> tuple[StatusPanel, object]:
    m = generate(SynthSpec(persons=8_000, seed=1))
    panel = build_panel(m.persons, m.status_monthly, m.participation)
    return panel, to_core(parse_config(m.config), prices=None).offer(OFFER)


def _placebo_p(panel: StatusPanel, offer) -> float:
    match = RiskSetMatching(panel, offer.offer_id, offer.target_group, offer.matching).fit()
    res = MatchedEventStudy(panel, match).fit("ss", status_outcome(SELF_SUFFICIENT))
    assert res.placebo.months == tuple(range(-24, -12)) and res.placebo.df == 12
    return res.placebo.p_value


def test_placebo_does_not_reject_on_the_creaming_municipality() -> None:
    """The generator creams on the 36-month self-sufficient share (which includes the
    placebo months): the placebo still holds its level because the design matches on
    that share. One seed, fixed before looking (the rejection rate over 20 seeds is in
    benchmarks/bench_placebo.py)."""
    panel, offer = _municipality()
    assert _placebo_p(panel, offer) > 0.05


def test_placebo_detects_a_drift_the_covariates_cannot_see() -> None:
    """Participants' self-sufficient months moved from the third year before the start
    into the second: lags and counts unchanged, so the matching cannot see it."""
    panel, offer = _municipality()
    planted = plant_hidden_drift(panel, offer.offer_id)
    assert (planted.status != panel.status).sum() > 500  # a real change ...
    assert _placebo_p(planted, offer) < 0.001  # ... and found


def test_wild_bootstrap_returns_nan_where_not_estimable() -> None:
    """A parameter without variation (standard error 0: the reference month) gives NaN,
    never p = 0 or an interval of width 0; the others are unaffected."""
    rng = np.random.default_rng(3)
    psi = np.column_stack([np.zeros(30), rng.normal(size=30) / 30, np.zeros(30)])
    est = np.array([0.0, 0.05, np.nan])
    lo, hi, p = wild_bootstrap(psi, est, level=0.95, reps=199, seed=1)
    assert np.isnan([lo[0], hi[0], p[0], lo[2], hi[2], p[2]]).all()
    assert lo[1] < 0.05 < hi[1] and 0 < p[1] <= 1


def test_small_offer_bootstrap_rows_say_why_they_are_blank() -> None:
    panel, offer = _municipality()
    match = RiskSetMatching(panel, offer.offer_id, offer.target_group, offer.matching).fit()
    res = MatchedEventStudy(panel, match, bootstrap_below=10**6, bootstrap_reps=199).fit(
        "ss", status_outcome(SELF_SUFFICIENT)
    )
    tidy = res.tidy()
    assert (tidy["ci_method"] == "wild_cluster_bootstrap").all()
    ref = tidy[tidy["event_time"] == -1].iloc[0]
    assert np.isnan([ref["std_error"], ref["ci_low"], ref["ci_high"], ref["p_value"]]).all()
    assert ref["note"].startswith("not estimable")
    rest = tidy[tidy["note"].isna()]
    assert (rest["p_value"] > 0).all() and (rest["ci_high"] > rest["ci_low"]).all()
