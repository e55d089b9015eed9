"""Risk-set matching: hand-built cases for risk sets, calipers, replacement, strata and
weights; on a synthetic municipality, balance after matching, the matched sets' strata,
calipers and nearest neighbours, and the no-effect offer, where the matched comparison
finds nothing and the naive comparison is fooled by creaming."""

from __future__ import annotations

import dataclasses
from typing import get_args

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _municipality import demo_municipality
from _tiny_panels import CASH, JOB, SICK, match_input, tiny_panel

from evaluation.config import CovariateSpec, MatchingConfig, MatchMethod, TargetGroup
from evaluation.matching import RiskSetMatching
from evaluation.matching.data import (
    MAX_LAGS,
    MAX_WINDOW_MONTHS,
    Covariate,
    RiskSets,
    build_risk_sets,
    covariate_list,
    covariate_named,
    covariate_names,
    covariates,
    status_lag1,
)
from evaluation.matching.history import other_offers, programme_key
from evaluation.matching.matchers import (
    MATCHERS,
    NO_CONTROL_IN_STRATUM,
    NO_CONTROL_WITHIN_CALIPER,
    MatchInput,
    exact,
    nearest_with_replacement,
    nearest_without_replacement,
)
from evaluation.matching.model import OUTSIDE_TARGET_GROUP
from evaluation.offer import evaluate_offer
from evaluation.panel import StatusPanel, build_panel
from evaluation.statuses import BENEFITS, CODE, SELF_SUFFICIENT, STATUSES
from evaluation.synth import SynthSpec, generate, true_att
from flows.config import parse_config, to_core

RULE = TargetGroup(statuses=(SICK,), months_before_start=2)


# --- risk sets ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def staggered() -> StatusPanel:
    """A starts month 3, B starts month 5, C never starts, D is never in the target
    group, E starts month 3 without meeting the target-group rule (job in month 2), F
    never starts and is in the target group in month 5 but not in month 3 (job in 2)."""
    statuses = {
        "A": [SICK] * 8,
        "B": [SICK] * 8,
        "C": [SICK] * 8,
        "D": [JOB] * 8,
        "E": [SICK, SICK, JOB, SICK, SICK, SICK, SICK, SICK],
        "F": [SICK, SICK, JOB, SICK, SICK, SICK, SICK, SICK],
    }
    starts = {"A": ("x", 3), "B": ("x", 5), "E": ("x", 3)}
    return tiny_panel(statuses, starts)


def _sets(panel: StatusPanel) -> dict[int, tuple[set[str], set[str]]]:
    """reference month offset -> (participants, candidate controls) by person ID."""
    risk = build_risk_sets(panel, "x", RULE)
    ids = panel.person_ids
    out = {}
    for s in np.unique(risk.ref_month):
        rows = risk.ref_month == s
        out[int(s - panel.first_month)] = (
            set(ids[risk.person[rows & risk.treated]]),
            set(ids[risk.person[rows & ~risk.treated]]),
        )
    return out


def test_later_starter_is_a_control_only_before_its_own_start(staggered: StatusPanel) -> None:
    sets = _sets(staggered)
    assert sets[3] == ({"A", "E"}, {"B", "C"})  # B (starts in 5) may serve in 3
    assert sets[5] == ({"B"}, {"C", "F"})  # A and E started before 5: never controls again
    assert set(sets) == {3, 5}


def test_never_treated_controls_are_refused_with_the_reason() -> None:
    from flows.config import ConfigError

    cfg = {
        "offers": [
            {
                "offer_id": "x",
                "name": "X",
                "target_group": {"statuses": ["sickness_benefit"]},
                "cost_per_participant_dkk": 1000,
                "matching": {"not_yet_treated": False},
            }
        ]
    }
    with pytest.raises(ConfigError, match="selected on their future"):
        parse_config(cfg)
    cfg["offers"][0]["matching"] = {"not_yet_treated": True}
    assert parse_config(cfg).offers[0].matching.not_yet_treated is True


def test_candidates_are_in_the_target_group_in_that_month(staggered: StatusPanel) -> None:
    sets = _sets(staggered)
    # F had a job in month 2, so is outside the target group in 3 but inside in 5
    assert "F" not in sets[3][1] and "F" in sets[5][1]
    # D is never in the target group: never a candidate
    assert all("D" not in controls for _, controls in sets.values())


def test_participant_outside_the_target_group_is_flagged(staggered: StatusPanel) -> None:
    risk = build_risk_sets(staggered, "x", RULE)
    flagged = dict(zip(staggered.person_ids[risk.person[risk.treated]],
                       risk.in_target[risk.treated], strict=True))  # fmt: skip
    assert flagged == {"A": True, "E": False, "B": True}
    # nobody is their own control
    for s in np.unique(risk.ref_month):
        rows = risk.ref_month == s
        assert not set(risk.person[rows & risk.treated]) & set(risk.person[rows & ~risk.treated])


def test_covariates_are_described_and_named_one_to_one() -> None:
    spec = CovariateSpec(lags=MAX_LAGS, windows=tuple(range(1, MAX_WINDOW_MONTHS + 1)))
    listed = covariate_list(spec)
    assert len({c.name for c in listed}) == len(listed)  # no two covariates share a name
    assert all(covariate_named(c.name) == c for c in listed)
    # names that a prefix reading would confuse: months on education benefit, a level
    assert covariate_named("education_benefit_12m") == Covariate(
        "months_in", "education_benefit", 12
    )
    assert covariate_named("education_kvu") == Covariate("education", level="kvu")
    assert covariate_named("lag4_job") == Covariate("lag", "job", 4)
    assert covariate_named("lag37_job") is None and covariate_named("age_squared") is None
    assert covariate_names(CovariateSpec(lags=1, windows=(6,), demographics=False)) == [
        *(f"lag1_{s}" for s in STATUSES),
        "self_sufficient_6m",
        "observed_6m",
        "self_sufficient_share_6m",
        *(f"{b}_6m" for b in BENEFITS),
        *(f"calendar_month_{m}" for m in range(1, 13)),
        "in_programme",
    ]
    # programme history: one pair per other offer in the data, looked up by descriptor
    hist = covariate_list(CovariateSpec(lags=0, windows=(), demographics=False), ("los", "a_b-2"))
    assert [c.name for c in hist][-5:] == [
        "programme_ever_los",
        "programme_months_los",
        "programme_ever_a_b-2",
        "programme_months_a_b-2",
        "in_programme",
    ]
    assert all(covariate_named(c.name) == c for c in hist)
    assert covariate_named("programme_ever_") is None


def test_self_sufficient_share_is_over_the_months_observed(staggered: StatusPanel) -> None:
    """A person with a short history: the share is over the months with data (E: job in
    1 of 3 observed months), 0 when no month before the reference month is observed."""
    ids = list(staggered.person_ids)
    first = staggered.first_month
    risk = RiskSets(
        "x",
        np.array([ids.index("E"), ids.index("B"), ids.index("C")], np.int64),
        np.array([first + 3, first + 5, first], np.int32),
        np.array([True, False, False]),
        np.ones(3, bool),
    )
    spec = CovariateSpec(
        lags=1, windows=(6,), demographics=False, calendar_month=False, programme_history=False
    )
    x = covariates(staggered, risk, spec)
    assert x["observed_6m"].tolist() == [3, 5, 0]
    assert x["self_sufficient_6m"].tolist() == [1, 0, 0]
    assert x["self_sufficient_share_6m"].tolist() == pytest.approx([1 / 3, 0, 0])


def test_counts_over_long_windows_are_not_cut_to_a_byte() -> None:
    """Window counts are stored narrow (int8); a window longer than 127 months keeps its
    counts whole (200 months on sickness benefit is 200, not -56)."""
    panel = tiny_panel({"L": [SICK] * 205 + [CASH] * 5, "M": [CASH] * 210})
    ref = panel.first_month + 205
    risk = RiskSets("x", np.array([0, 1], np.int64), np.full(2, ref, np.int32),
                    np.array([True, False]), np.ones(2, bool))  # fmt: skip
    spec = CovariateSpec(
        lags=1, windows=(12, 200), demographics=False, calendar_month=False,
        programme_history=False,
    )  # fmt: skip
    x = covariates(panel, risk, spec)
    assert x["sickness_benefit_200m"].tolist() == [200, 0]
    assert x["observed_200m"].tolist() == [200, 200]
    assert x["cash_benefit_200m"].tolist() == [0, 200]
    assert x["sickness_benefit_12m"].tolist() == [12, 0]


# --- the whole model on a hand-built panel (exact matching: no fragile propensity) ----------


@pytest.fixture(scope="module")
def two_statuses() -> StatusPanel:
    """Target group: sickness or cash benefit in the month before the start.

    P1 starts in 3 after sickness, P2 in 3 after cash benefit, P3 in 5 after cash
    benefit, P4 in 3 after a job (outside the target group). Controls: S1, S2 (sick
    throughout), K1 (cash benefit to 3, then sick), K2 (cash benefit, job from 4 on, so
    outside the target group in 5), N (always a job)."""
    statuses = {
        "P1": [SICK] * 8,
        "P2": [CASH] * 8,
        "P3": [SICK, SICK, CASH, CASH, CASH, CASH, CASH, CASH],
        "P4": [SICK, SICK, JOB, JOB, JOB, JOB, JOB, JOB],
        "S1": [SICK] * 8,
        "S2": [SICK] * 8,
        "K1": [CASH, CASH, CASH, SICK, SICK, SICK, SICK, SICK],
        "K2": [CASH, CASH, CASH, CASH, JOB, JOB, JOB, JOB],
        "N": [JOB] * 8,
    }
    starts = {"P1": ("x", 3), "P2": ("x", 3), "P3": ("x", 5), "P4": ("x", 3)}
    return tiny_panel(statuses, starts)


def _exact_fit(panel: StatusPanel, **options: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    rule = TargetGroup(statuses=(SICK, CASH), months_before_start=1)
    cfg = MatchingConfig(method="exact", min_participants=1, **options)  # type: ignore[arg-type]
    fit = RiskSetMatching(panel, "x", rule, cfg).fit()
    ids, first = panel.person_ids, panel.first_month
    sets = fit.sets.assign(id=ids[fit.sets["person"]], month=fit.sets["ref_month"] - first)
    unmatched = fit.unmatched.assign(id=ids[fit.unmatched["person"]])
    return sets, unmatched


def test_model_strata_are_start_month_by_previous_status(two_statuses: StatusPanel) -> None:
    sets, unmatched = _exact_fit(two_statuses)
    # month 3, sick in month 2: P1 against S1, S2 (and P3, K1 are on cash benefit in 2)
    p1 = sets[sets["set_id"] == sets.loc[sets["id"] == "P1", "set_id"].item()]
    assert set(p1.loc[~p1["treated"], "id"]) == {"S1", "S2"}
    # month 3, cash benefit in month 2: P2 against P3 (not yet started), K1, K2
    p2 = sets[sets["set_id"] == sets.loc[sets["id"] == "P2", "set_id"].item()]
    assert set(p2.loc[~p2["treated"], "id"]) == {"P3", "K1", "K2"}
    assert (sets.loc[sets["treated"], "weight"] == 1.0).all()
    assert set(sets.loc[sets["treated"], "month"]) == {3}
    # every control of a set has its participant's start month and status in s - 1
    rows = RiskSets(
        "x",
        sets["person"].to_numpy(),
        sets["ref_month"].to_numpy(),
        sets["treated"].to_numpy(),
        np.ones(len(sets), bool),
    )
    lag = status_lag1(two_statuses, rows)
    keys = sets.assign(lag=lag).groupby("set_id")[["ref_month", "lag"]].nunique()
    assert (keys == 1).all().all()
    # weights: each participant's controls sum to 1
    c = sets[~sets["treated"]].groupby("set_id")["weight"].sum()
    np.testing.assert_allclose(c, 1.0)
    # P3 (month 5, cash benefit in 4): K2 left the target group, K1 is sick in 4, so no
    # control shares the stratum; P4 had a job before starting
    reasons = dict(zip(unmatched["id"], unmatched["reason"], strict=True))
    assert reasons == {"P3": NO_CONTROL_IN_STRATUM, "P4": OUTSIDE_TARGET_GROUP}
    # nobody is their own control, P4 and N appear nowhere
    for _, g in sets.groupby("set_id"):
        assert not set(g.loc[g["treated"], "id"]) & set(g.loc[~g["treated"], "id"])
    assert not {"P4", "N"} & set(sets["id"])


# --- matchers on hand-set scores ------------------------------------------------------------


def test_every_method_has_a_registered_variant_and_others_are_refused(
    two_statuses: StatusPanel,
) -> None:
    assert {method for method, _ in MATCHERS} == set(get_args(MatchMethod))
    assert all((method, True) in MATCHERS for method in get_args(MatchMethod))
    rule = TargetGroup(statuses=(SICK, CASH), months_before_start=1)
    with pytest.raises(ValueError, match="unknown matching method 'nearest'"):
        RiskSetMatching(two_statuses, "x", rule, MatchingConfig(method="nearest"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="with replacement only"):
        RiskSetMatching(
            two_statuses, "x", rule, MatchingConfig(method="mahalanobis", replace=False)
        )
    # exact matching uses every control of a stratum once, with or without replacement
    sets, _ = _exact_fit(two_statuses)
    again, _ = _exact_fit(two_statuses, replace=False)
    pd.testing.assert_frame_equal(sets, again)


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


def test_ties_are_broken_by_id_rank_not_row_order() -> None:
    # two controls at the same distance: the one with the lower ID rank wins, whatever
    # the order of the rows
    treated = [True, False, False]
    score = [0.0, -0.1, 0.1]
    for tiebreak, winner in (([0, 5, 9], 1), ([0, 9, 5], 2)):
        inp = MatchInput(
            treated=np.array(treated),
            stratum=np.zeros(3, np.int64),
            score=np.array(score),
            tiebreak=np.array(tiebreak),
            features=None,
            caliper=np.inf,
            k=1,
            replace=True,
        )
        m = nearest_with_replacement(inp)
        assert m.row[~np.isin(m.row, [0])].tolist() == [winner]
        # reversing the rows changes nothing but the row numbers
        rev = MatchInput(
            treated=inp.treated[::-1].copy(),
            stratum=inp.stratum,
            score=inp.score[::-1].copy(),
            tiebreak=inp.tiebreak[::-1].copy(),
            features=None,
            caliper=np.inf,
            k=1,
            replace=True,
        )
        m2 = nearest_with_replacement(rev)
        assert m2.row[m2.row != 2].tolist() == [2 - winner]


# --- a synthetic municipality ---------------------------------------------------------------


@pytest.fixture(scope="module")
def municipality():
    """20,000 persons, seed 1, every offer matched (the shared demo municipality)."""
    m = demo_municipality()
    return m.synth, m.panel, m.config, m.matches


def test_balance_passes_after_matching_for_every_offer(municipality) -> None:
    _, panel, cfg, fits = municipality
    failed_before = 0
    for offer_id, fit in fits.items():
        b = fit.balance
        assert len(b) > 20, offer_id  # lags, windows, demographics, calendar month
        judged = b[b["smd_judged"]]
        before = judged.loc[judged["smd_before"].abs().idxmax()]
        after = judged.loc[judged["smd_after"].abs().idxmax()]
        print(
            f"\n{offer_id}: most unbalanced before matching {before['covariate']} "
            f"SMD {before['smd_before']:+.3f} -> {before['smd_after']:+.3f}; "
            f"most unbalanced after matching {after['covariate']} "
            f"SMD {after['smd_before']:+.3f} -> {after['smd_after']:+.3f}"
        )
        # Every covariate passes, except that a variance ratio of a sparse count may lie
        # just outside 0.5..2 (seed 1: praktik's months on unemployment insurance in the
        # last 12, held by 34 of 563 participants, ratio 2.4 after matching, SMD 0.08;
        # jobformidler's months in flexjob in the last 36, held by 13 of 1,789, ratio 2.0,
        # SMD 0.01): the variance of a count that few hold is the sum of a handful of
        # squares (13 holders: a relative SD of at least 1/sqrt(13) = 0.28 on each side).
        failed = b[~b["passed"]]
        vr_only = (
            ~failed["binary"]
            & (failed["smd_after"].abs() <= cfg.offer(offer_id).matching.smd_threshold)
            & failed["variance_ratio_after"].between(0.4, 2.5)
        )
        assert vr_only.all(), failed
        held = _held_by_participants(panel, fit, cfg.offer(offer_id), list(failed["covariate"]))
        assert all(share < 0.1 for share in held.values()), held  # sparse counts only
        # counts, age and common statuses are judged; only binaries that fewer than ten
        # matched persons on either side have are left to the reader (see balance_table)
        assert b.loc[~b["binary"], "smd_judged"].all()
        assert b["smd_judged"].sum() >= 30
        failed_before += int(
            (judged["smd_before"].abs() > cfg.offer(offer_id).matching.smd_threshold).sum()
        )
    # creaming: before matching participants differ from the target group, so this test
    # would fail if matching did nothing
    assert failed_before > 0


def _held_by_participants(panel: StatusPanel, fit, offer, names: list[str]) -> dict[str, float]:
    """Share of the matched participants with a non-zero value of each covariate."""
    if not names:
        return {}
    t = fit.sets[fit.sets["treated"]]
    n = len(t)
    risk = RiskSets(
        offer.offer_id,
        t["person"].to_numpy(),
        t["ref_month"].to_numpy().astype(np.int32),
        np.ones(n, bool),
        np.ones(n, bool),
    )
    x = covariates(panel, risk, offer.matching.covariates)
    return {c: float((x[c] != 0).mean()) for c in names}


def _risk_rows(panel: StatusPanel, offer) -> RiskSets:
    """The risk-set rows the model matches (participants outside the target group out)."""
    risk = build_risk_sets(panel, offer.offer_id, offer.target_group)
    keep = ~risk.treated | risk.in_target
    return RiskSets(
        offer.offer_id,
        risk.person[keep],
        risk.ref_month[keep],
        risk.treated[keep],
        np.ones(keep.sum(), bool),
    )


def test_matched_sets_respect_strata_caliper_and_nearest_neighbours(municipality) -> None:
    """For every offer, recompute each row's score from the fitted propensity model and
    check every matched set: one participant, k nearest controls of its stratum (start
    month x status in s - 1 x programme-history key) within the caliper, weights summing
    to 1, not itself; and that participants reported unmatched had nothing within the
    caliper."""
    _, panel, cfg, fits = municipality
    for offer in cfg.offers:
        fit, k = fits[offer.offer_id], offer.matching.k
        risk = _risk_rows(panel, offer)
        x = covariates(panel, risk, offer.matching.covariates)
        score = fit.propensity.linear_predictor(x)
        # in chunks through one buffer (the last one shorter): each chunk's scores exactly
        # as from a fresh array of its own
        chunk, m = len(x) // 7 + 3, fit.propensity
        assert len(x) % chunk != 0
        fresh = [
            m.params.iloc[0]
            + ((x.iloc[lo : lo + chunk][list(m.columns)].to_numpy(float) - m.center) / m.scale)
            @ m.params.to_numpy()[1:]
            for lo in range(0, len(x), chunk)
        ]
        np.testing.assert_array_equal(m.linear_predictor(x, chunk=chunk), np.concatenate(fresh))
        stratum = risk.ref_month.astype(np.int64) * 100 + status_lag1(panel, risk)
        # with the programme-history rules (inside another offer; rare histories exact)
        history = programme_key(x, risk.treated, other_offers(panel, offer.offer_id))
        assert history.max() < 1 << 20
        stratum = stratum * (1 << 20) + history
        caliper = fit.support.caliper
        key = risk.person * 10_000 + risk.ref_month
        order = np.argsort(key)
        sets = fit.sets
        row = order[np.searchsorted(key[order], sets["person"] * 10_000 + sets["ref_month"])]
        assert (key[row] == sets["person"] * 10_000 + sets["ref_month"]).all()
        assert (risk.treated[row] == sets["treated"]).all()
        t_row = pd.Series(row[sets["treated"]], index=sets.loc[sets["treated"], "set_id"])
        assert t_row.index.is_unique  # one participant per set (k-nearest matching)
        c = sets[~sets["treated"]].assign(row=row[~sets["treated"]])
        c["t_row"] = t_row.loc[c["set_id"]].to_numpy()
        assert (stratum[c["row"]] == stratum[c["t_row"]]).all()
        assert (risk.person[c["row"]] != risk.person[c["t_row"]]).all()
        dist = np.abs(score[c["row"]] - score[c["t_row"]])
        assert (dist <= caliper * (1 + 1e-9)).all()
        np.testing.assert_allclose(c.groupby("set_id")["weight"].sum(), 1.0)
        per_set = c.assign(dist=dist).groupby("t_row")["dist"].agg(["max", "size"])
        assert (per_set["size"] <= k).all()
        # no unused control of the stratum is nearer than a set's farthest control, and a
        # set with fewer than k controls took every control within the caliper
        ctrl = ~risk.treated
        for s in np.unique(stratum[per_set.index]):
            cs = np.sort(score[ctrl & (stratum == s)])
            sets_s = per_set[stratum[per_set.index] == s]
            ts = score[sets_s.index]
            eps = 1e-9 * (1 + np.abs(ts))
            d = sets_s["max"].to_numpy()
            nearer = np.searchsorted(cs, ts + d - eps) - np.searchsorted(cs, ts - d + eps, "right")
            assert (nearer <= sets_s["size"].to_numpy() - 1).all(), offer.offer_id
            short = sets_s["size"].to_numpy() < k
            inside = np.searchsorted(cs, ts + caliper, "right") - np.searchsorted(cs, ts - caliper)
            assert (inside[short] == sets_s["size"].to_numpy()[short]).all(), offer.offer_id
        # every participant is matched or reported, once
        u = fit.unmatched
        assert len(t_row) + len(u) == fit.n_participants
        by_caliper = u[u["reason"] == NO_CONTROL_WITHIN_CALIPER]
        u_row = order[
            np.searchsorted(key[order], by_caliper["person"] * 10_000 + by_caliper["ref_month"])
        ]
        for r in u_row:
            near = ctrl & (stratum == stratum[r]) & (np.abs(score - score[r]) <= caliper)
            assert not near.any()


def test_same_inputs_same_matches(municipality) -> None:
    _, panel, cfg, fits = municipality
    o = cfg.offer("ung")
    again = RiskSetMatching(panel, o.offer_id, o.target_group, o.matching).fit()
    pd.testing.assert_frame_equal(again.sets, fits[o.offer_id].sets)
    pd.testing.assert_frame_equal(again.unmatched, fits[o.offer_id].unmatched)
    pd.testing.assert_frame_equal(again.balance, fits[o.offer_id].balance)


def test_without_replacement_uses_each_control_once_per_month(municipality) -> None:
    _, panel, cfg, _ = municipality
    o = cfg.offer("ung")
    fit = RiskSetMatching(
        panel, o.offer_id, o.target_group, MatchingConfig(replace=False, k=2)
    ).fit()
    controls = fit.sets[~fit.sets["treated"]]
    assert not controls.duplicated(["person", "ref_month"]).any()
    sums = fit.sets.groupby("set_id")["weight"].sum()
    n_treated = fit.sets.groupby("set_id")["treated"].sum()
    np.testing.assert_allclose(sums, 2 * n_treated)  # participants 1 + controls summing to 1
    # with replacement the same data reuse controls (so the test above is not vacuous)
    again = RiskSetMatching(panel, o.offer_id, o.target_group, MatchingConfig(k=2)).fit()
    assert again.sets[~again.sets["treated"]].duplicated(["person", "ref_month"]).any()


# --- the no-effect offer --------------------------------------------------------------------


def _post_mean(panel: StatusPanel, person: np.ndarray, ref: np.ndarray, horizon: int = 12):
    """Share of observed months self-sufficient in months s..s+horizon-1 per row."""
    ss = np.isin(panel.status, [CODE[s] for s in SELF_SUFFICIENT])
    cols = (ref - panel.first_month)[:, None] + np.arange(horizon)[None, :]
    seen = cols < panel.n_months
    vals = ss[person[:, None], np.minimum(cols, panel.n_months - 1)]
    return np.where(seen, vals, 0).sum(1) / np.maximum(seen.sum(1), 1)


def test_no_effect_offer_matched_finds_nothing_naive_is_fooled() -> None:
    """The offer whose true effect is zero. The naive bias from creaming is about +0.04
    in months 0-11 (seen over seeds at 20,000 persons: z of 1 to 4 with about 550
    participants), so 4 SE needs about four times as many: 100,000 persons (about 2,700
    participants, naive SE about 0.006). Only that offer is matched."""
    s = generate(SynthSpec(persons=100_000, seed=1))
    truth = true_att(s.true_effects, as_of="2024-12")
    truth = truth[(truth["outcome"] == "self_sufficient") & truth["event_time"].between(0, 11)]
    null = truth.groupby("offer_id")["effect"].mean().abs()
    offer_id = str(null.idxmin())
    assert null[offer_id] < 0.01  # the generator's no-effect offer (up to simulation noise)
    assert [o.effect_factor for o in SynthSpec().offers if o.offer_id == offer_id] == [1.0]
    panel = build_panel(s.persons, s.status_monthly, s.participation)
    cfg = to_core(parse_config(s.config), prices=None)  # effects only, no valuation
    cfg = dataclasses.replace(cfg, outcomes=cfg.outcomes[:1])
    assert [o.name for o in cfg.outcomes] == ["self_sufficient"]
    offer = cfg.offer(offer_id)
    # matched as the flow does; the event study on the matched sets over months 0..11
    evaluation = evaluate_offer(panel, offer, cfg)
    fit, res = evaluation.match, evaluation.studies["self_sufficient"]
    assert cfg.estimation.headline_window == (0, 11)
    z_matched = res.pooled_estimate / res.pooled_std_error
    # naive: participants against everyone else in the target group in the same start
    # months, unweighted, person-clustered standard error
    risk = build_risk_sets(panel, offer_id, offer.target_group)
    observed = (risk.ref_month - panel.first_month) < panel.n_months
    y = _post_mean(panel, risk.person[observed], risk.ref_month[observed])
    x = sm.add_constant(risk.treated[observed].astype(float))
    ols = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": risk.person[observed]})
    naive, naive_se = float(ols.params[1]), float(ols.bse[1])
    print(
        f"\n{offer_id} ({fit.n_matched} matched): matched "
        f"{res.pooled_estimate:+.4f} (SE {res.pooled_std_error:.4f}, z {z_matched:+.2f}), "
        f"naive {naive:+.4f} (SE {naive_se:.4f}, z {naive / naive_se:+.2f})"
    )
    assert abs(z_matched) <= 2.5, (res.pooled_estimate, res.pooled_std_error)
    # creaming flatters the naive comparison: positive and far from zero
    assert naive / naive_se > 4


def test_the_buffered_logit_is_statsmodels_logit_bit_for_bit() -> None:
    """The propensity logit's Hessian fills one buffer per model instead of a fresh
    array per Newton step: the same Hessian and the same fitted coefficients as
    statsmodels' own Logit, bit for bit, over repeated steps and a refit."""
    from evaluation.matching.propensity import _buffered_logit, _logit

    rng = np.random.default_rng(11)
    n, k = 4_000, 9
    z = np.column_stack([np.ones(n), rng.standard_normal((n, k - 1))])
    y = (rng.random(n) < 1 / (1 + np.exp(-(z @ rng.normal(0, 0.6, k))))).astype(float)
    for design in (z, np.asfortranarray(z)):  # row- and column-major designs alike
        ours, theirs = _buffered_logit()(y, design), sm.Logit(y, design)
        for _ in range(3):
            p = rng.normal(0, 0.3, k)
            np.testing.assert_array_equal(ours.hessian(p), theirs.hessian(p))
    reference = sm.Logit(y, z, check_rank=False).fit(method="newton", maxiter=12, disp=0)
    params, converged = _logit(y, z)
    assert converged
    np.testing.assert_array_equal(params, reference.params)


def test_covariates_do_not_depend_on_the_order_of_the_risk_set_rows(municipality) -> None:
    """A reference month's rows are written as a slice when consecutive (as built) and
    by index otherwise: shuffled rows get the same covariates, row for row."""
    _, panel, cfg, _ = municipality
    offer = cfg.offers[0]
    risk = _risk_rows(panel, offer)
    order = np.random.default_rng(5).permutation(risk.n_rows)
    shuffled = RiskSets(
        risk.offer_id,
        risk.person[order],
        risk.ref_month[order],
        risk.treated[order],
        risk.in_target[order],
    )
    spec = offer.matching.covariates
    as_built, mixed = covariates(panel, risk, spec), covariates(panel, shuffled, spec)
    pd.testing.assert_frame_equal(
        mixed.reset_index(drop=True), as_built.iloc[order].reset_index(drop=True)
    )
