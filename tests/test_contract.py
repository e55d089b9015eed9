"""The investor's view of a results contract: hand-computed cash flows, multiple and IRR,
and the loss probabilities against their closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from evaluation import months
from evaluation.monetise import ContractTerms, EffectPath, payment_owed
from evaluation.monetise.contract import CONTRACT_COLUMNS, ContractModel, investor_view, irr


def _path(values, var: float = 0.0) -> EffectPath:
    n = len(values)
    return EffectPath(np.arange(n), np.asarray(values, float), np.eye(n) * var)


TERMS = ContractTerms(
    per_extra_outcome_month_dkk=5000,
    per_participant_reaching_outcome_dkk=10000,
    minimum_effect=0.02,
    horizon_months=3,
)
JAN = months.parse("2024-01")


def _model(terms: ContractTerms = TERMS) -> ContractModel:
    # 10 participants start in January and 10 in February, at 20,000 DKK each
    return ContractModel(terms, 20_000, np.array([10, 10]), JAN, headline_window=(0, 2))


def test_hand_computed_cash_flows() -> None:
    """Effect 0, 0.1, 0.2 in event months 0..2 (θ = 0.1), savings 1,000/2,000/3,000 DKK.

    Extra outcome months by calendar month: 10 x (0, .1, .2) + 10 x (0, .1, .2) shifted
    by one = 0, 1, 3, 2 -> x 5,000 DKK = 0, 5,000, 15,000, 10,000. Reaching the outcome:
    10 participants x θ x 10,000 = 10,000 DKK paid in each cohort's event month 2 (March,
    April). Payments 0, 5,000, 25,000, 20,000 = 50,000 DKK; outlay 200,000 in January
    and February; savings 10 x (1, 2, 3) + shifted = 10, 30, 50, 30 thousand DKK."""
    f = _model().flows(np.array([0.0, 0.1, 0.2]), np.array([1000.0, 2000.0, 3000.0]))
    np.testing.assert_allclose(f.payment, [0, 5000, 25000, 20000], atol=1e-6)
    np.testing.assert_allclose(f.outlay, [200000, 200000, 0, 0], atol=1e-6)
    np.testing.assert_allclose(f.savings, [10000, 30000, 50000, 30000], atol=1e-6)
    assert f.multiple == pytest.approx(50_000 / 400_000)
    assert f.municipality_net == pytest.approx(120_000 - 50_000)
    # the total equals payment_owed's amount for the 20 participants (all months observed)
    owed = payment_owed(TERMS, _path([0.0, 0.1, 0.2]), participants=20, headline_window=(0, 2))
    assert owed.owed.value == pytest.approx(f.payment.sum())
    r = f.irr_monthly()
    t = np.arange(4)
    assert np.sum(f.investor_net * (1 + r) ** -t) == pytest.approx(0.0, abs=1e-6)


def test_minimum_and_cap() -> None:
    below = _model().flows(np.array([0.0, 0.01, 0.02]), np.zeros(3))  # θ = 0.01 < 0.02
    assert not below.payment.any() and below.multiple == 0.0
    assert below.irr_monthly() == -1.0  # nothing comes back
    capped = ContractTerms(**{**TERMS.__dict__, "cap_dkk": 40_000})
    f = _model(capped).flows(np.array([0.0, 0.1, 0.2]), np.zeros(3))
    np.testing.assert_allclose(f.payment, [0, 5000, 25000, 10000], atol=1e-6)


def test_irr_hand_computed() -> None:
    """One participant, cost 100 DKK; 1,100 DKK per extra outcome month and an effect of
    0, 0.1: 110 DKK paid in month 1, so the monthly IRR is exactly 10%."""
    terms = ContractTerms(per_extra_outcome_month_dkk=1100, horizon_months=2)
    model = ContractModel(terms, 100.0, np.array([1]), JAN, headline_window=(0, 1))
    f = model.flows(np.array([0.0, 0.1]), np.zeros(2))
    np.testing.assert_allclose(f.investor_net, [-100, 110], atol=1e-9)
    assert f.irr_monthly() == pytest.approx(0.10, abs=1e-12)
    assert irr(np.array([-100.0, 0.0, 121.0])) == pytest.approx(0.10, abs=1e-12)
    res = investor_view("x", model, _path([0.0, 0.1]), _path([0.0, 0.0]), n_draws=10)
    t = res.tidy()
    annual = t.loc[t["quantity"] == "investor_irr_annual", "value"].item()
    assert annual == pytest.approx(1.1**12 - 1, rel=1e-12)


def test_loss_probabilities_match_their_closed_form() -> None:
    """Per-month payments only (no minimum, no cap): the investor loses exactly when the
    linear amount L = 5,000 x 100 x Σ ATT(e) falls below the outlay C, so
    P(loss) = Φ((C - E L) / sd L); the municipality pays more than it saves when
    L - S > 0 (S the savings, far above zero), a normal with the given cross-covariance."""
    terms = ContractTerms(per_extra_outcome_month_dkk=5000, horizon_months=3)
    model = ContractModel(terms, 1_000.0, np.array([100]), JAN, headline_window=(0, 2))
    b = np.array([0.05, 0.08, 0.10])
    cov_y = np.array([[4, 1, 0], [1, 4, 1], [0, 1, 4]]) * 1e-4
    s = np.array([400.0, 500.0, 600.0])
    cov_s = np.eye(3) * 100.0**2
    cross = np.eye(3) * 0.5e-2 * 100.0  # Cov(ATT(e), saving(e))
    g = 5000 * 100 * np.ones(3)
    mean_l, sd_l = g @ b, math.sqrt(g @ cov_y @ g)
    outlay = 100 * 1000.0
    p_loss = stats.norm.cdf((outlay - mean_l) / sd_l)
    h = 100 * np.ones(3)  # savings total = h's
    var_d = g @ cov_y @ g + h @ cov_s @ h - 2 * g @ cross @ h
    p_more = stats.norm.sf((h @ s - mean_l) / math.sqrt(var_d))
    n = 20_000
    res = investor_view(
        "x", model, EffectPath(np.arange(3), b, cov_y), EffectPath(np.arange(3), s, cov_s),
        cross_cov=cross, n_draws=n, seed=1,
    )  # fmt: skip
    assert 0.2 < p_loss < 0.8 and 0.05 < p_more < 0.95  # informative cases
    assert abs(res.prob_investor_loss - p_loss) < 4 * math.sqrt(p_loss * (1 - p_loss) / n)
    assert abs(res.prob_municipality_pays_more - p_more) < 4 * math.sqrt(p_more * (1 - p_more) / n)


def test_tidy_frame_follows_the_contract_columns() -> None:
    res = investor_view("los", _model(), _path([0.0, 0.1, 0.2], 1e-4),
                        _path([1000.0, 2000.0, 3000.0], 1e4), n_draws=50)  # fmt: skip
    t = res.tidy()
    assert tuple(t.columns) == CONTRACT_COLUMNS
    summary = t[t["month"].isna()]
    assert {"investor_multiple", "prob_investor_loss", "municipality_net_dkk"} <= set(
        summary["quantity"]
    )
    monthly = t[t["month"].notna()]
    assert monthly["month"].iloc[0] == "2024-01" and len(monthly) == 4 * 5
    assert "drawn independently" in " ".join(res.notes)


def test_offer_investor_view_from_start_months() -> None:
    """Starts given person by person (two in January, one in March) give the same flows
    as the counts 2, 0, 1; the municipality's savings are minus its cost effect."""
    from evaluation.monetise.investor import offer_investor_view

    effect = _path([0.0, 0.1, 0.2])
    cost = _path([-1000.0, -2000.0, -3000.0])
    res = offer_investor_view("x", TERMS, 20_000, np.array([JAN + 2, JAN, JAN]), effect, cost,
                              headline_window=(0, 2), n_draws=10)  # fmt: skip
    by_hand = ContractModel(TERMS, 20_000, np.array([2, 0, 1]), JAN, headline_window=(0, 2))
    f = by_hand.flows(np.array([0.0, 0.1, 0.2]), np.array([1000.0, 2000.0, 3000.0]))
    np.testing.assert_allclose(res.central.payment, f.payment)
    np.testing.assert_allclose(res.central.savings, f.savings)
    assert res.model.first_month == JAN
    assert offer_investor_view("x", TERMS, 1.0, np.array([], int), effect, None) is None


@pytest.mark.parametrize(("effect", "loses"), [(0.01, 1.0), (0.5, 0.0)])
def test_loss_probability_without_uncertainty_is_certain(effect: float, loses: float) -> None:
    """With no sampling variance every draw is the estimate: an effect below the
    break-even loses in every draw, one far above it in none."""
    terms = ContractTerms(per_extra_outcome_month_dkk=5000, horizon_months=3)
    model = ContractModel(terms, 1_000.0, np.array([100]), JAN, headline_window=(0, 2))
    # break-even: 5,000 x 100 x 3 x effect = 100,000 -> effect = 1/15
    res = investor_view("x", model, _path([effect] * 3), _path([0.0] * 3), n_draws=200)
    assert res.prob_investor_loss == loses


def test_irr_of_a_long_series_near_total_loss() -> None:
    """60 months with a small late repayment: the net present value overflows near
    -100% a month; the rate is still found (and solves the equation)."""
    flows = np.r_[-1000.0, np.zeros(58), 1e-3]
    r = irr(flows)
    assert -1 < r < 0
    assert np.sum(flows * (1 + r) ** -np.arange(60.0)) == pytest.approx(0.0, abs=1e-9)
