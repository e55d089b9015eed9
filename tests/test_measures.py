"""Register measures in the core: matrices by kind, target-group rules on age and
measures, measure histories as covariates, and the event study on a measure."""

from __future__ import annotations

import numpy as np
import pytest
from _municipality import demo_municipality

from evaluation import months
from evaluation.config import MeasureRule, TargetGroup
from evaluation.did import MatchedEventStudy, status_outcome
from evaluation.matching.data import build_risk_sets, measure_covariates
from evaluation.measures import Measure, MeasureRows, measure_matrices, priced_measures
from evaluation.statuses import CODE, SELF_SUFFICIENT, UNOBSERVED
from evaluation.target import in_target_group


def test_matrices_fill_by_kind_and_refuse_duplicates() -> None:
    status = np.array([[0, 0, UNOBSERVED], [1, 1, 1]], dtype=np.int8)
    rows = MeasureRows(
        person=np.array([0, 1, 1, 0]),
        month=np.array([100, 101, 102, 107]),  # the last one lies outside the panel
        measure=np.array([0, 1, 0, 0], dtype=np.int32),
        value=np.array([1.0, 250.0, 1.0, 1.0]),
    )
    ms = (Measure("homeless", "binary"), Measure("rent_dkk", "amount"))
    mat = measure_matrices(ms, rows, status, first_month=100)
    np.testing.assert_array_equal(mat["homeless"], [[1, 0, np.nan], [0, 0, 1]])
    np.testing.assert_array_equal(mat["rent_dkk"], [[np.nan] * 3, [np.nan, 250, np.nan]])
    dup = MeasureRows(np.array([0, 0]), np.array([100, 100]), np.zeros(2, np.int32), np.ones(2))
    with pytest.raises(ValueError, match="repeat"):
        measure_matrices(ms, dup, status, first_month=100)
    priced = (Measure("homeless", "binary", unit_price_dkk={"kommune": 10.0, "region": 1.0}),)
    np.testing.assert_array_equal(priced_measures(priced, mat, "all"), [[11, 0, 0], [0, 0, 11]])
    assert priced_measures(priced, mat, "stat") is None


@pytest.fixture(scope="module")
def world():
    m = demo_municipality()
    panel = m.panel
    # a planted measure: 1 in every month a person is on cash benefit, else 0
    cash = np.where(panel.status == UNOBSERVED, np.nan, panel.status == CODE["cash_benefit"])
    return m, panel.with_measures({"on_cash": cash.astype(np.float32)})


def test_measure_rule_equals_the_status_rule_it_mirrors(world) -> None:
    """A measure that is 1 exactly on cash benefit selects the same persons as the
    status rule; age narrows it by the calendar year of the start month."""
    _, panel = world
    everyone = np.arange(panel.n_persons)
    s = panel.first_month + 30
    by_status = in_target_group(panel, everyone, s, TargetGroup(("cash_benefit",), 3))
    by_measure = in_target_group(
        panel, everyone, s, TargetGroup((), measures=(MeasureRule("on_cash", 1, 3),))
    )
    assert by_status.sum() > 50
    np.testing.assert_array_equal(by_status, by_measure)
    young = TargetGroup((), age=(18, 29), measures=(MeasureRule("on_cash", 1, 3),))
    age = months.year_of(s) - panel.birth_year
    np.testing.assert_array_equal(
        in_target_group(panel, everyone, s, young), by_status & (age >= 18) & (age <= 29)
    )
    assert not in_target_group(
        panel, everyone, s, TargetGroup((), measures=(MeasureRule("nope"),))
    ).any()


def test_measure_history_covariates(world) -> None:
    m, panel = world
    rule = TargetGroup(("cash_benefit",), 3)
    risk = build_risk_sets(panel, "praktik", rule)
    spec = m.config.offers[0].matching.covariates
    cov = measure_covariates(panel, risk, spec)
    lag4 = risk.ref_month - 4 - panel.first_month
    ok = lag4 >= 0
    expected = panel.status[risk.person[ok], lag4[ok]] == CODE["cash_benefit"]
    np.testing.assert_array_equal(cov["on_cash_lag4"][ok], expected)
    assert (cov["on_cash_lag1"] == 1).all()  # the target-group rule
    assert set(cov) >= {"on_cash_12m", "on_cash_36m"}


def test_event_study_on_a_measure_equals_the_status_outcome(world) -> None:
    """A measure equal to the self-sufficiency indicator gives the same fit, bit for bit
    up to rounding, as the status outcome."""
    m, panel = world
    ss = np.isin(panel.status, [CODE[s] for s in SELF_SUFFICIENT]).astype(np.float32)
    ss[panel.status == UNOBSERVED] = np.nan
    study = MatchedEventStudy(panel, m.matches["ung"], bootstrap_below=0)
    a = study.fit("self_sufficient", status_outcome(SELF_SUFFICIENT))
    b = study.fit("ss_measure", np.zeros_like(status_outcome(SELF_SUFFICIENT)), extra=ss)
    np.testing.assert_allclose(a.estimates, b.estimates, atol=1e-12)
    np.testing.assert_allclose(a.cov, b.cov, atol=1e-12)


def test_outcome_specs_follow_the_offer_and_price_the_measures(world) -> None:
    import dataclasses

    from evaluation.measures import Measure as M
    from evaluation.outcome_specs import offer_outcome_names, outcome_specs

    m, panel = world
    cfg = dataclasses.replace(
        m.config, measures=(M("on_cash", "binary", unit_price_dkk={"kommune": 100.0}),)
    )
    offer = m.config.offers[0]
    assert offer_outcome_names(offer, cfg) == ("self_sufficient", "on_benefits", "on_cash")
    chosen = dataclasses.replace(offer, outcomes=("on_cash", "self_sufficient"))
    specs = {s.name: s for s in outcome_specs(panel, chosen, cfg)}
    assert list(specs)[:2] == ["on_cash", "self_sufficient"] and "on_benefits" not in specs
    kommune = specs["public_cost_dkk_kommune"]
    np.testing.assert_array_equal(
        kommune.extra, np.nan_to_num(panel.measures["on_cash"]) * np.float32(100.0)
    )
    assert specs["public_cost_dkk_stat"].extra is None  # no measure priced for the state


def test_offer_extras(world) -> None:
    import dataclasses

    from evaluation.decomposition import decompose
    from evaluation.matching.data import NEVER
    from evaluation.monetise import ContractTerms
    from evaluation.offer_extras import contract_table, decomposition_table
    from evaluation.outcome_specs import outcome_specs

    m, panel = world
    offer = dataclasses.replace(
        m.config.offer("ung"),
        payment_terms=ContractTerms(per_extra_outcome_month_dkk=5000, horizon_months=12),
    )
    match = m.matches["ung"]
    specs = outcome_specs(panel, offer, m.config)
    study = MatchedEventStudy(panel, match)
    studies = {s.name: study.fit(s.name, s.values, extra=s.extra) for s in specs[:1]}
    c = contract_table(panel, studies, offer, m.config)
    outlay = c[(c["quantity"] == "investor_outlay_dkk") & c["month"].isna()]["value"].item()
    starters = (panel.offer_starts["ung"] != NEVER).sum()
    assert outlay == pytest.approx(offer.cost_per_participant_dkk * starters)
    assert contract_table(panel, studies, m.config.offer("ung"), m.config).empty  # no terms
    d = decomposition_table(panel, match, studies, offer, specs)
    direct = decompose(
        panel, match, studies["self_sufficient"], offer.target_group, specs[0].values
    )
    assert d["selection"].item() == pytest.approx(direct.selection, abs=1e-15)
