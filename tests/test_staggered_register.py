"""Callaway & Sant'Anna for one offer on the person x month panel
(``evaluation.did.staggered_register``): the design (units, cohorts, eligibility), the
streamed estimator with eligible controls against a brute-force one, the known truth of
a no-effect offer assigned at random within the target group, and the creaming bias of
the generator's own no-effect offer that the unmatched estimator does not remove."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from evaluation import months
from evaluation.config import TargetGroup
from evaluation.did.staggered import att_gt_from_values
from evaluation.did.staggered_data import Cells
from evaluation.did.staggered_drdid import SparseInfluence
from evaluation.did.staggered_register import METHOD, OfferDesign, StaggeredOffer
from evaluation.panel import Participations, StatusPanel, build_panel
from evaluation.schema import core_columns
from evaluation.statuses import CODE, SELF_SUFFICIENT, STATUSES, UNOBSERVED, codes
from evaluation.synth import SynthSpec, generate, true_att
from evaluation.target import in_target_group

SELF = np.isin(np.arange(len(STATUSES)), codes(SELF_SUFFICIENT)).astype(float)
CASH = TargetGroup(("cash_benefit",), 3)


def _panel(status: np.ndarray, person: list[int], start: list[int], first: int) -> StatusPanel:
    n = status.shape[0]
    parts = Participations(
        np.array(person, np.int64),
        np.zeros(len(person), np.int32),
        np.array(start, np.int32),
        np.full(len(person), -1, np.int32),
        ("offer",),
    )
    return StatusPanel(
        np.array([f"P{i}" for i in range(n)], dtype=object),
        first,
        status.astype(np.int8),
        np.full(n, 1980, np.int32),
        np.zeros(n, np.int8),
        np.zeros(n, np.int8),
        parts,
    )


def test_design_units_cohorts_and_eligibility() -> None:
    c, j, o = CODE["cash_benefit"], CODE["job"], UNOBSERVED
    status = np.array(  # months 100..105; the rule: cash benefit in the 3 months before
        [
            [c, c, c, c, c, j],  # starts in 103, in the target group then; eligible in 104
            [j, c, c, c, j, j],  # eligible in 104 only
            [c, c, c, c, c, c],  # eligible in 103 and 104
            [j, j, j, j, j, j],  # never eligible: not a unit
            [c, c, c, j, c, c],  # eligible in 103, but starts in 104 outside the group: out
            [o, o, c, c, c, o],  # eligible only in 105, when nobody starts: not a unit
            [j, c, c, c, c, c],  # starts in 104, in the target group then
        ]
    )
    panel = _panel(status, [0, 4, 6], [103, 104, 104], first=100)
    d = OfferDesign.build(panel, "offer", CASH)
    np.testing.assert_array_equal(d.persons, [0, 1, 2, 6])
    np.testing.assert_array_equal(d.cohort, [103, 0, 0, 104])
    np.testing.assert_array_equal(d.start_months, [103, 104])
    np.testing.assert_array_equal(d.eligible, [[1, 1], [0, 1], [1, 1], [0, 1]])
    assert d.n_outside_target == 1 and d.n_participants == 2
    for col, month in enumerate(d.start_months):  # the rule of evaluation.target
        want = in_target_group(panel, d.persons, int(month), CASH)
        np.testing.assert_array_equal(d.eligible[:, col], want)


def _brute_force(
    y: np.ndarray, g: np.ndarray, elig: np.ndarray, glist: np.ndarray, cells: Cells
) -> tuple[np.ndarray, np.ndarray]:
    """ATT(g,t) with eligible not-yet-treated controls and every unit's influence
    function (R's repeated cross-section form, summed per unit), cell by cell."""
    n = len(g)
    obs, yz = np.isfinite(y), np.nan_to_num(y)
    att, psi = np.zeros(len(cells)), np.zeros((n, len(cells)))
    for k in range(len(cells)):
        gk, t, b = cells.group[k], cells.period[k], cells.base[k]
        if t == b:
            continue
        later = cells.periods[max(t, b)]
        treated = g == gk
        control = ((g == 0) | (g > later)) & (g != gk) & elig[:, np.searchsorted(glist, gk)]
        parts = []
        for who in (treated, control):
            n_t, n_b = obs[who, t].sum(), obs[who, b].sum()
            e_t, e_b = yz[who, t].sum() / n_t, yz[who, b].sum() / n_b
            parts.append(
                (
                    e_t - e_b,
                    who * ((yz[:, t] - obs[:, t] * e_t) / n_t - (yz[:, b] - obs[:, b] * e_b) / n_b),
                )
            )
        att[k] = parts[0][0] - parts[1][0]
        psi[:, k] = n * (parts[0][1] - parts[1][1])
    return att, psi


@pytest.mark.parametrize("base_period", ["universal", "varying"])
def test_eligible_controls_equal_brute_force(base_period: str) -> None:
    rng = np.random.default_rng(11)
    n, periods = 700, np.arange(1.0, 8.0)
    g = rng.choice([0.0, 3.0, 5.0, 6.0], size=n, p=[0.4, 0.2, 0.2, 0.2])
    glist = np.array([3.0, 5.0, 6.0])
    elig = rng.random((n, 3)) < 0.6
    elig[g > 0, np.searchsorted(glist, g[g > 0])] = True
    y = rng.normal(size=(n, 7)) + 0.1 * periods + 0.3 * (periods >= g[:, None]) * (g[:, None] > 0)
    y[rng.random(y.shape) < 0.1] = np.nan
    res = att_gt_from_values(
        lambda idx: y[idx],
        g,
        periods,
        base_period=base_period,
        eligible=lambda idx: elig[idx],
        eligible_cohorts=glist,
        chunk=50,
    )
    cells = Cells.build(periods, glist, base_period, "not_yet_treated", 0)
    att, psi = _brute_force(y, g, elig, glist, cells)
    np.testing.assert_allclose(res.att, att, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.nan_to_num(res.se) ** 2, (psi**2).sum(axis=0) / n**2, rtol=1e-9)
    cohorts = np.unique(g)
    dense = SparseInfluence(n, cohorts, np.searchsorted(cohorts, g), sparse.csc_matrix(psi))
    slow = replace(res, influence=dense)
    for kind in ("dynamic", "group", "simple"):
        a, b = res.aggregate(kind), slow.aggregate(kind)
        np.testing.assert_allclose(a.cov, b.cov, rtol=1e-9, atol=1e-15)
        assert a.overall_se == pytest.approx(b.overall_se, rel=1e-9)


@pytest.fixture(scope="module")
def municipality():
    m = generate(SynthSpec(persons=8_000, seed=3))  # the size and seed of tests/conftest.py
    return m, build_panel(m.persons, m.status_monthly, m.participation)


def _random_offer(panel: StatusPanel, hazard: float, seed: int) -> StatusPanel:
    """A panel whose only offer enrols persons at random among those in the CASH target
    group and not yet enrolled, month by month: an offer without effect whose enrolment
    depends on nothing but the target-group rule."""
    rng = np.random.default_rng(seed)
    started = np.zeros(panel.n_persons, dtype=bool)
    person, start = [], []
    everyone = np.arange(panel.n_persons)
    for s in range(panel.first_month + 24, panel.last_month + 1):
        elig = everyone[in_target_group(panel, everyone, s, CASH) & ~started]
        take = elig[rng.random(len(elig)) < hazard]
        started[take] = True
        person.append(take), start.append(np.full(len(take), s))
    p = np.concatenate(person)
    parts = Participations(
        p.astype(np.int64),
        np.zeros(len(p), np.int32),
        np.concatenate(start).astype(np.int32),
        np.full(len(p), -1, np.int32),
        ("random",),
    )
    return replace(panel, participations=parts)


def test_no_effect_offer_assigned_at_random_is_recovered(municipality) -> None:
    """Truth 0; the headline (mean ATT(e), e = 0..11) within 2.5 SE, the SE of the size
    the participants allow, and no pre-trend."""
    _, panel = municipality
    fit = StaggeredOffer(_random_offer(panel, 0.03, seed=3), "random", CASH).fit("ss", SELF)
    assert 300 < fit.att_gt.unit_group.astype(bool).sum() < 500  # participants
    assert abs(fit.pooled_estimate) < 2.5 * fit.pooled_std_error
    assert 0.01 < fit.pooled_std_error < 0.04
    assert fit.pretrend.p_value > 0.01


def test_creamed_no_effect_offer_is_flagged_by_the_pre_trends(municipality) -> None:
    """The generator's no-effect offer creams on the last 36 months' self-sufficiency.
    The unmatched estimator does not balance that history: its pre-period ATT(e) are far
    from 0 (the participants were self-sufficient more often a year before) and its
    headline lies above the truth (about +0.08 here), which the matched design avoids."""
    m, panel = municipality
    rule = TargetGroup(("cash_benefit",), 3)
    fit = StaggeredOffer(panel, "praktik", rule).fit("ss", SELF)
    truth = true_att(m.true_effects, as_of=months.label(panel.last_month))
    truth = truth[(truth["offer_id"] == "praktik") & (truth["outcome"] == "self_sufficient")]
    t = truth.set_index("event_time")["effect"].reindex(fit.event_times).to_numpy()
    pooled_truth = float(np.nansum(fit._pool_weights * t))
    assert abs(pooled_truth) < 0.01  # no effect of its own
    assert fit.pretrend.p_value < 1e-6
    assert fit.estimates[fit.event_times == -12][0] > 5 * fit.std_errors[fit.event_times == -12][0]
    assert fit.pooled_estimate - pooled_truth > 0


def test_tidy_has_the_effects_columns(municipality) -> None:
    _, panel = municipality
    fit = StaggeredOffer(panel, "los", TargetGroup(("sickness_benefit",), 2)).fit("ss", SELF)
    tidy = fit.tidy()
    assert tuple(tidy.columns) == core_columns("effects")  # the effects table's core columns
    assert (tidy["method"] == METHOD).all()
    np.testing.assert_array_equal(tidy["event_time"].iloc[:-1], np.arange(-12, 25))
    head = tidy.iloc[-1]
    assert head["headline"] and pd.isna(head["event_time"])
    in_window = tidy["event_time"].between(0, 11)
    assert head["estimate"] == pytest.approx(tidy.loc[in_window, "estimate"].mean(), abs=1e-12)
    assert head["ci_low"] < head["estimate"] < head["ci_high"]
    assert tidy["n_treated"].dtype == np.int64 and (tidy.loc[in_window, "n_treated"] > 0).all()
    ref = tidy[tidy["event_time"] == -1].iloc[0]
    assert ref["estimate"] == 0 and np.isnan(ref["std_error"])  # the universal base month


def test_offer_without_participants_gives_an_empty_estimate(municipality) -> None:
    _, panel = municipality
    tidy = StaggeredOffer(panel, "no-such-offer", CASH).fit("ss", SELF).tidy()
    assert len(tidy) == 1 and tidy["headline"].iloc[0] and np.isnan(tidy["estimate"].iloc[0])
    assert tidy["n_treated"].iloc[0] == 0
