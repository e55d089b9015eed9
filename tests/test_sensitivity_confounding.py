"""Sensitivity to hidden confounding: the E-value against VanderWeele & Ding's worked
examples, Rosenbaum's Γ against hand-computed bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from evaluation.sensitivity.evalue import (
    bounding_factor,
    e_value,
    e_value_from_effect,
    outcome_strength_needed,
    risk_ratio_from_effect,
)
from evaluation.sensitivity.results import e_value_rows, rosenbaum_rows, tidy_rows
from evaluation.sensitivity.rosenbaum import (
    MatchedSets,
    mcnemar_bound,
    p_value_bound,
    rosenbaum_gamma,
    signed_rank_bound,
)

# --- E-value ------------------------------------------------------------------------------


def test_e_value_breastfeeding_example() -> None:
    """VanderWeele & Ding (2017), Victora et al.: RR 3.9 (1.8 to 8.7) -> E-values 7.26
    and 3.0 (hand: 3.9 + sqrt(3.9 x 2.9); 1.8 + sqrt(1.8 x 0.8) = 1.8 + 1.2)."""
    ev = e_value(3.9, 1.8, 8.7)
    assert ev.e_value == pytest.approx(3.9 + math.sqrt(3.9 * 2.9), abs=1e-12)
    assert round(ev.e_value, 2) == 7.26
    assert ev.e_value_ci == pytest.approx(3.0, abs=1e-12)


def test_e_value_smoking_example() -> None:
    """The EValue package's documented example (Hammond & Horn): RR 10.73 (8.02, 14.36)
    -> 20.94777 and 15.52336."""
    ev = e_value(10.73, 8.02, 14.36)
    assert ev.e_value == pytest.approx(20.94777, abs=5e-6)
    assert ev.e_value_ci == pytest.approx(15.52336, abs=5e-6)


def test_e_value_protective_and_null_crossing() -> None:
    ev = e_value(0.8, 0.7, 0.9)  # protective: 1/0.8 = 1.25 -> 1.25 + sqrt(1.25 x 0.25)
    assert ev.e_value == pytest.approx(1.25 + math.sqrt(1.25 * 0.25), abs=1e-12)
    assert ev.e_value_ci == pytest.approx(1 / 0.9 + math.sqrt(1 / 0.9 * (1 / 0.9 - 1)))
    assert e_value(1.3, 0.9, 1.8).e_value_ci == 1.0  # the interval contains the null


def test_the_e_value_explains_the_risk_ratio_away_exactly() -> None:
    """The joint bounding factor at X = Y = E equals the risk ratio, and any other pair
    on the curve does too (the sentence's X and Y)."""
    rr = 1.37
    ev = e_value(rr)
    x, y = ev.sentence_inputs()
    assert bounding_factor(x, y) == pytest.approx(rr, rel=1e-12)
    y2 = outcome_strength_needed(rr, 3.0)
    assert bounding_factor(3.0, y2) == pytest.approx(rr, rel=1e-12)
    assert outcome_strength_needed(rr, 1.2) == np.inf  # weaker than RR: impossible


def test_e_value_from_an_effect_on_a_share() -> None:
    """Participants 40% self-sufficient, effect 5 points (1 to 9): counterfactual 35%,
    RR = 0.40 / 0.35; the interval maps the effect's bounds with p1 fixed."""
    ev = e_value_from_effect(0.05, 0.01, 0.09, participants_share=0.40)
    assert ev.risk_ratio == pytest.approx(0.40 / 0.35)
    assert ev.rr_ci_low == pytest.approx(0.40 / 0.39)
    assert ev.rr_ci_high == pytest.approx(0.40 / 0.31)
    assert ev.e_value_ci == pytest.approx(e_value(0.40 / 0.39).e_value)
    assert risk_ratio_from_effect(0.5, 0.4) == np.inf
    frame = tidy_rows(e_value_rows(ev), offer_id="los", outcome="ss", target="headline",
                      level=0.95)  # fmt: skip
    assert list(frame["quantity"]) == ["risk_ratio", "e_value", "e_value_ci"]


# --- Rosenbaum's Γ ------------------------------------------------------------------------


def test_mcnemar_bound_hand_computed() -> None:
    """Pairs with a 0/1 outcome, 17 discordant pairs of which 16 favour the participant
    (Rosenbaum 2002, §4.3.2): at Γ = 1 the bound is P(Bin(17, 1/2) >= 16) = 18 / 2^17, at
    Γ = 3 it is P(Bin(17, 3/4) >= 16) = 17 (3/4)^16 (1/4) + (3/4)^17 = 5 (3/4)^16."""
    assert mcnemar_bound(16, 1, 1.0) == pytest.approx(18 / 2**17, rel=1e-12)
    assert mcnemar_bound(16, 1, 3.0) == pytest.approx(5 * 0.75**16, rel=1e-12)
    assert mcnemar_bound(16, 1, 3.0) > 0.05 > mcnemar_bound(16, 1, 2.9)


def _pairs(treated_only: int, control_only: int, concordant: int) -> MatchedSets:
    y_t = [1] * treated_only + [0] * control_only + [1] * concordant
    y_c = [0] * treated_only + [1] * control_only + [1] * concordant
    n = len(y_t)
    set_id = np.repeat(np.arange(n), 2)
    treated = np.tile([True, False], n)
    y = np.column_stack([y_t, y_c]).ravel()
    return MatchedSets.build(set_id, treated, y)


def test_general_bound_on_pairs_is_mcnemars_normal_approximation() -> None:
    """For pairs the set scores are ±1 on discordant pairs: the bound is the normal
    approximation of Binomial(D, Γ/(1+Γ)) (by hand), without continuity correction."""
    sets = _pairs(60, 25, 40)
    d, t = 85, 60
    for gamma in (1.0, 1.5, 2.0):
        p = gamma / (1 + gamma)
        z = (t - d * p) / math.sqrt(d * p * (1 - p))
        assert p_value_bound(sets, gamma) == pytest.approx(stats.norm.sf(z), rel=1e-10)


def test_one_to_k_binary_sets_hand_computed() -> None:
    """Three 1:2 sets with a 0/1 outcome. A set with m of its 3 members in the outcome
    contributes, at the worst u, P(participant in the outcome) = mΓ / (mΓ + 3 - m)
    (Rosenbaum 2002, §4.4); the statistic is an affine function of the participants'
    outcomes within each set, so the deviate is that of Σ y_participant."""
    set_id = np.repeat([0, 1, 2], 3)
    treated = np.tile([True, False, False], 3)
    y = np.array([1, 0, 0, 1, 1, 0, 0, 1, 0])  # m = 1, 2, 1; participant 1, 1, 0
    sets = MatchedSets.build(set_id, treated, y)
    gamma = 2.0
    ps = [m * gamma / (m * gamma + 3 - m) for m in (1, 2, 1)]
    # score of a member in the outcome minus one not in it: 1 + 1/2 (= 3/2) in every set
    mean = sum(1.5 * p - (m / 2) for p, m in zip(ps, (1, 2, 1), strict=True))
    var = sum(1.5**2 * p * (1 - p) for p in ps)
    observed = sets.statistic
    assert observed == pytest.approx(1.0 + 0.5 - 0.5)  # 1 - 0, 1 - 1/2, 0 - 1/2
    z = (observed - mean) / math.sqrt(var)
    assert p_value_bound(sets, gamma) == pytest.approx(stats.norm.sf(z), rel=1e-12)


def test_gamma_is_where_the_bound_reaches_alpha() -> None:
    rng = np.random.default_rng(3)
    n_sets, k = 400, 3
    set_id = np.repeat(np.arange(n_sets), k + 1)
    treated = np.tile([True] + [False] * k, n_sets)
    y = rng.normal(size=n_sets * (k + 1)) + 0.4 * treated
    sets = MatchedSets.build(set_id, treated, y)
    rb = rosenbaum_gamma(sets, alpha=0.05)
    assert rb.gamma > 1.5 and rb.p_value_at_1 < 1e-6
    assert rb.p_value_at_gamma == pytest.approx(0.05, abs=1e-6)
    assert p_value_bound(sets, rb.gamma * 0.99) < 0.05 < p_value_bound(sets, rb.gamma * 1.01)
    null = MatchedSets.build(set_id, treated, rng.normal(size=len(y)))
    assert rosenbaum_gamma(null).gamma == 1.0  # not significant even at Γ = 1
    down = MatchedSets.build(set_id, treated, -y, alternative="less")
    assert rosenbaum_gamma(down).gamma == pytest.approx(rb.gamma, rel=1e-9)
    frame = tidy_rows(rosenbaum_rows(rb), offer_id="x", outcome="y", target="headline",
                      level=0.95)  # fmt: skip
    assert frame.loc[frame["quantity"] == "gamma", "value"].item() == rb.gamma


# Morton et al. (1982), lead in the blood of 33 children whose father worked in a battery
# factory and 33 matched controls (Rosenbaum 2002, §4.3.3; the example of R's rbounds).
LEAD_EXPOSED = [38, 23, 41, 18, 37, 36, 23, 62, 31, 34, 24, 14, 21, 17, 16, 20, 15, 10, 45, 39,
                22, 35, 49, 48, 44, 35, 43, 39, 34, 13, 73, 25, 27]  # fmt: skip
LEAD_CONTROL = [16, 18, 18, 24, 19, 11, 10, 15, 16, 18, 18, 13, 19, 10, 16, 16, 24, 13, 9, 14,
                21, 19, 7, 18, 19, 12, 11, 22, 25, 16, 13, 11, 13]  # fmt: skip


def test_signed_rank_bound_hand_computed() -> None:
    """Five pairs, d = 3, -1, 4, 2, 5: ranks of |d| are 3, 1, 4, 2, 5 and T = 14. At Γ = 3,
    p = 3/4: E = 3/4 x 15 = 11.25, Var = 3/4 x 1/4 x 55 = 10.3125."""
    z = (14 - 11.25) / math.sqrt(10.3125)
    assert signed_rank_bound(np.array([3, -1, 4, 2, 5]), 3.0) == pytest.approx(
        stats.norm.sf(z), rel=1e-12
    )


def test_signed_rank_bound_on_the_lead_data() -> None:
    """At Γ = 1 the bound is Wilcoxon's signed rank test (scipy, normal approximation
    with the tie correction, no continuity correction), and it grows with Γ. Hand
    check of the crossing: the lead effect stays significant at 5% up to a Γ between 4
    and 5 (0.0367 at Γ = 4, 0.0694 at Γ = 5 here)."""
    d = np.array(LEAD_EXPOSED) - np.array(LEAD_CONTROL)
    ref = stats.wilcoxon(d, alternative="greater", method="approx", correction=False)
    assert signed_rank_bound(d, 1.0) == pytest.approx(ref.pvalue, rel=1e-9)
    bounds = [signed_rank_bound(d, g) for g in (1.0, 2.0, 3.0, 4.0, 5.0)]
    assert bounds == sorted(bounds)
    assert bounds[3] < 0.05 < bounds[4]
