"""Risk-set matching: hand-built cases for risk sets, calipers, replacement, strata and
weights; on a synthetic municipality, balance after matching and the no-effect offer,
where the matched comparison finds nothing and the naive comparison is fooled by
creaming."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _tiny_panels import match_input, tiny_panel

from evaluation.config import MatchingConfig, TargetGroup
from evaluation.did.event_study import MatchedEventStudy, status_outcome
from evaluation.matching import RiskSetMatching
from evaluation.matching.data import build_risk_sets
from evaluation.matching.matchers import (
    NO_CONTROL_IN_STRATUM,
    NO_CONTROL_WITHIN_CALIPER,
    exact,
    nearest_with_replacement,
    nearest_without_replacement,
)
from evaluation.panel import build_panel
from evaluation.statuses import CODE, SELF_SUFFICIENT
from evaluation.synth import SynthSpec, generate, true_att
from flows.config import parse_config, to_core

SICK = "sickness_benefit"
RULE = TargetGroup(statuses=(SICK,), months_before_start=2)


# --- risk sets ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def staggered():
    """A starts month 3, B starts month 5, C never starts, D is never in the target
    group, E starts month 3 without meeting the target-group rule (job in month 2)."""
    statuses = {
        "A": [SICK] * 8,
        "B": [SICK] * 8,
        "C": [SICK] * 8,
        "D": ["job"] * 8,
        "E": [SICK, SICK, "job", SICK, SICK, SICK, SICK, SICK],
    }
    starts = {"A": ("x", 3), "B": ("x", 5), "E": ("x", 3)}
    return tiny_panel(statuses, starts)


def _sets(panel, *, not_yet_treated: bool) -> dict[int, tuple[set[str], set[str]]]:
    """reference month offset -> (participants, candidate controls) by person ID."""
    risk = build_risk_sets(panel, "x", RULE, not_yet_treated=not_yet_treated)
    ids = panel.person_ids
    out = {}
    for s in np.unique(risk.ref_month):
        rows = risk.ref_month == s
        out[int(s - panel.first_month)] = (
            set(ids[risk.person[rows & risk.treated]]),
            set(ids[risk.person[rows & ~risk.treated]]),
        )
    return out


def test_later_starter_is_a_control_only_before_its_own_start(staggered) -> None:
    sets = _sets(staggered, not_yet_treated=True)
    assert sets[3] == ({"A", "E"}, {"B", "C"})  # B (starts in 5) may serve in 3
    assert sets[5] == ({"B"}, {"C"})  # A and E started before 5: never controls again
    assert set(sets) == {3, 5}


def test_not_yet_treated_switched_off_leaves_only_never_starters(staggered) -> None:
    sets = _sets(staggered, not_yet_treated=False)
    assert sets[3] == ({"A", "E"}, {"C"})
    assert sets[5] == ({"B"}, {"C"})


def test_participant_outside_the_target_group_is_flagged(staggered) -> None:
    risk = build_risk_sets(staggered, "x", RULE)
    flagged = dict(zip(staggered.person_ids[risk.person[risk.treated]],
                       risk.in_target[risk.treated], strict=True))  # fmt: skip
    assert flagged == {"A": True, "E": False, "B": True}
    # D (never in the target group) is never a candidate, nobody is their own control
    assert "D" not in set(staggered.person_ids[risk.person])
    for s in np.unique(risk.ref_month):
        rows = risk.ref_month == s
        assert not set(risk.person[rows & risk.treated]) & set(risk.person[rows & ~risk.treated])


# --- matchers on hand-set scores ------------------------------------------------------------


def _sets_of(m) -> dict[int, dict[int, float]]:
    """set id -> {row: weight} for the controls."""
    out: dict[int, dict[int, float]] = {}
    for sid, row, w in zip(m.set_id, m.row, m.weight, strict=True):
        out.setdefault(int(sid), {})[int(row)] = float(w)
    return out


def test_caliper_excludes_distant_controls_and_reports_the_participant() -> None:
    # rows: 0 treated at 0.0; 1 treated at 2.0; controls 2 at 0.05, 3 at 0.5
    inp = match_input([True, True, False, False], [0.0, 2.0, 0.05, 0.5], caliper=0.1, k=3)
    m = nearest_with_replacement(inp)
    sets = _sets_of(m)
    assert sets == {0: {0: 1.0, 2: 1.0}}  # only the control within 0.1, full weight
    assert m.unmatched_row.tolist() == [1]
    assert m.unmatched_reason.tolist() == [NO_CONTROL_WITHIN_CALIPER]


def test_with_replacement_a_control_serves_twice_and_its_weights_add_up() -> None:
    # two participants at 0.0 and 0.02, one good control at 0.01 and a far one at 1.0
    inp = match_input([True, True, False, False], [0.0, 0.02, 0.01, 1.0], k=1)
    m = nearest_with_replacement(inp)
    control = m.row[~np.isin(m.row, [0, 1])]
    assert control.tolist() == [2, 2]
    assert m.weight[m.row == 2].sum() == pytest.approx(2.0)


def test_without_replacement_a_control_is_used_once() -> None:
    inp = match_input([True, True, False, False], [0.0, 0.02, 0.01, 1.0], k=1, replace=False)
    m = nearest_without_replacement(inp)
    controls = m.row[~np.isin(m.row, [0, 1])]
    assert sorted(controls.tolist()) == [2, 3]  # the second participant gets the far one
    # with a caliper the far control is refused and that participant is reported
    tight = match_input(
        [True, True, False, False], [0.0, 0.02, 0.01, 1.0], k=1, replace=False, caliper=0.1
    )
    m = nearest_without_replacement(tight)
    assert (m.row == 2).sum() == 1 and 3 not in m.row
    assert m.unmatched_reason.tolist() == [NO_CONTROL_WITHIN_CALIPER]


def test_weights_sum_to_one_per_participant_with_fewer_than_k_matches() -> None:
    # k=3 but only two controls within the caliper
    inp = match_input([True, False, False, False], [0.0, 0.01, -0.02, 0.9], k=3, caliper=0.1)
    sets = _sets_of(nearest_with_replacement(inp))
    assert sets == {0: {0: 1.0, 1: 0.5, 2: 0.5}}


def test_strata_are_exact() -> None:
    # the nearest control on the score is in another stratum and must not be used
    inp = match_input(
        [True, False, False, True],
        [0.0, 0.0, 0.3, 0.0],
        stratum=[1, 2, 1, 3],
        k=1,
    )
    m = nearest_with_replacement(inp)
    assert _sets_of(m) == {0: {0: 1.0, 2: 1.0}}
    assert m.unmatched_row.tolist() == [3]
    assert m.unmatched_reason.tolist() == [NO_CONTROL_IN_STRATUM]


def test_exact_matching_weights_controls_to_the_number_of_participants() -> None:
    inp = match_input([True, True, False, False, False, True], [0] * 6, stratum=[1, 1, 1, 1, 1, 2])
    m = exact(inp)
    controls = ~np.isin(m.row, [0, 1, 5])
    assert m.weight[controls].sum() == pytest.approx(2.0)  # two participants in stratum 1
    np.testing.assert_allclose(m.weight[controls], 2 / 3)
    assert m.unmatched_reason.tolist() == [NO_CONTROL_IN_STRATUM]


# --- a synthetic municipality ---------------------------------------------------------------


@pytest.fixture(scope="module")
def municipality():
    s = generate(SynthSpec(persons=20_000, seed=1))
    panel = build_panel(s.persons, s.status_monthly, s.participation)
    cfg = to_core(parse_config(s.config))
    fits = {
        o.offer_id: RiskSetMatching(panel, o.offer_id, o.target_group, o.matching).fit()
        for o in cfg.offers
    }
    return s, panel, cfg, fits


def test_balance_passes_after_matching_for_every_offer(municipality) -> None:
    _, _, _, fits = municipality
    failed_before = 0
    for offer_id, fit in fits.items():
        b = fit.balance
        assert len(b) > 20, offer_id  # lags, windows, demographics, calendar month
        judged = b[b["smd_judged"]]
        worst = judged.loc[judged["smd_after"].abs().idxmax()]
        print(
            f"{offer_id}: most unbalanced after matching {worst['covariate']} "
            f"SMD before {worst['smd_before']:+.3f} after {worst['smd_after']:+.3f}"
        )
        assert b["passed"].all(), b[~b["passed"]]
        # counts, age and common statuses are judged; only binaries that fewer than ten
        # matched persons on either side have are left to the reader (see balance_table)
        assert b.loc[~b["binary"], "smd_judged"].all()
        assert b["smd_judged"].sum() >= 30
        failed_before += int((b["smd_before"].abs() > 0.1).sum())
    # creaming: before matching participants differ from the target group
    assert failed_before > 0


def _post_mean(panel, person: np.ndarray, ref: np.ndarray, horizon: int = 12) -> np.ndarray:
    """Share of observed months self-sufficient in months s..s+horizon-1 per row."""
    ss = np.isin(panel.status, [CODE[s] for s in SELF_SUFFICIENT])
    cols = (ref - panel.first_month)[:, None] + np.arange(horizon)[None, :]
    seen = cols < panel.n_months
    vals = ss[person[:, None], np.minimum(cols, panel.n_months - 1)]
    return np.where(seen, vals, 0).sum(1) / np.maximum(seen.sum(1), 1)


def test_no_effect_offer_matched_finds_nothing_naive_is_fooled(municipality) -> None:
    s, panel, cfg, fits = municipality
    truth = true_att(s.true_effects, as_of="2024-12")
    truth = truth[(truth["outcome"] == "self_sufficient") & truth["event_time"].between(0, 11)]
    null = truth.groupby("offer_id")["effect"].mean().abs()
    offer_id = str(null.idxmin())
    assert null[offer_id] < 0.01  # the generator's no-effect offer (up to simulation noise)
    offer = next(o for o in cfg.offers if o.offer_id == offer_id)
    # matched: the event study on the matched sets over the first year after start
    study = MatchedEventStudy(panel, fits[offer_id], headline_window=(0, 11))
    res = study.fit("self_sufficient", status_outcome(SELF_SUFFICIENT))
    z_matched = res.pooled_estimate / res.pooled_std_error
    assert abs(z_matched) <= 2.5, (res.pooled_estimate, res.pooled_std_error)
    # naive: participants against everyone else in the target group in the same start
    # months, unweighted, person-clustered standard error
    risk = build_risk_sets(panel, offer_id, offer.target_group)
    observed = (risk.ref_month - panel.first_month) < panel.n_months
    y = _post_mean(panel, risk.person[observed], risk.ref_month[observed])
    x = sm.add_constant(risk.treated[observed].astype(float))
    ols = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": risk.person[observed]})
    naive, naive_se = float(ols.params[1]), float(ols.bse[1])
    print(
        f"{offer_id}: matched {res.pooled_estimate:+.4f} (SE {res.pooled_std_error:.4f}), "
        f"naive {naive:+.4f} (SE {naive_se:.4f})"
    )
    # creaming flatters the naive comparison: it is positive and clearly apart from zero
    # and from the matched estimate (two-sided 5 % level)
    assert naive / naive_se > 1.96
    assert (naive - res.pooled_estimate) / np.hypot(naive_se, res.pooled_std_error) > 1.96


def test_same_inputs_same_matches(municipality) -> None:
    _, panel, cfg, fits = municipality
    o = cfg.offers[0]
    again = RiskSetMatching(panel, o.offer_id, o.target_group, o.matching).fit()
    pd.testing.assert_frame_equal(again.sets, fits[o.offer_id].sets)
    pd.testing.assert_frame_equal(again.unmatched, fits[o.offer_id].unmatched)


def test_without_replacement_uses_each_control_once_per_month(municipality) -> None:
    _, panel, cfg, _ = municipality
    o = cfg.offers[0]
    fit = RiskSetMatching(
        panel, o.offer_id, o.target_group, MatchingConfig(replace=False, k=2)
    ).fit()
    controls = fit.sets[~fit.sets["treated"]]
    assert not controls.duplicated(["person", "ref_month"]).any()
    sums = fit.sets.groupby("set_id")["weight"].sum()
    n_treated = fit.sets.groupby("set_id")["treated"].sum()
    np.testing.assert_allclose(sums, 2 * n_treated)  # participants 1 + controls summing to 1
