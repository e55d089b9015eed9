"""Monetisation: price catalogue, extrapolation rules, value of an offer, results-based
payment. Hand-computable cases for every formula, then one synthetic end-to-end check
against the generator's true effects."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from _municipality import demo_municipality
from scipy import stats

from evaluation import months
from evaluation.monetise import (
    PAYERS,
    TIDY_COLUMNS,
    ContractTerms,
    EffectPath,
    Extrapolation,
    HeadlineEffect,
    PriceCatalogue,
    ValuationSettings,
    payment_owed,
    portfolio_frame,
    value_offer,
)
from evaluation.monetise.model import break_even, price_per_extra
from evaluation.statuses import STATUSES
from evaluation.synth import true_att
from flows.prices import load_catalogue

Z95 = float(stats.norm.ppf(0.975))


# -- helpers --------------------------------------------------------------------------------


def catalogue_dict(**overrides: object) -> dict:
    statuses = {
        s: {
            "price_year": 2020,
            "monthly_dkk": {"kommune": 100.0 * (i + 1), "stat": 10.0 * (i + 1)},
            "source": f"test price for {s}",
            "illustrative": True,
        }
        for i, s in enumerate(STATUSES)
    }
    data = {
        "version": "test-1",
        "currency": "DKK",
        "price_year": 2024,
        "price_index": {
            "name": "test index",
            "source": "made up for a test",
            "values": {2020: 100.0, 2024: 125.0},
        },
        "statuses": statuses,
    }
    data.update(overrides)
    return data


def path(estimates: list[float], cov: np.ndarray | None = None, first: int = 0) -> EffectPath:
    b = np.asarray(estimates, dtype=float)
    c = np.zeros((len(b), len(b))) if cov is None else np.asarray(cov, dtype=float)
    return EffectPath(np.arange(first, first + len(b)), b, c)


def settings(**kw: object) -> ValuationSettings:
    base = {"horizon_months": 3, "discount_rate": 0.0}
    base.update(kw)
    return ValuationSettings(**base)


def value(cost_effects: dict, *, cost: float = 0.0, n: int = 1, head=(0.05, 0.01), **kw):
    return value_offer(
        "x",
        cost_effects,
        HeadlineEffect(*head),
        cost_per_participant_dkk=cost,
        participants=n,
        price_year=2024,
        settings=settings(**kw),
    )


# -- price catalogue ----------------------------------------------------------------------


def test_monthly_cost_is_in_status_code_order_split_by_payer_and_sums_to_all() -> None:
    cat = PriceCatalogue.from_dict(catalogue_dict())
    k = cat.monthly_cost(payer="kommune", price_year=2020)
    s = cat.monthly_cost(payer="stat", price_year=2020)
    assert k.tolist() == [100.0 * (i + 1) for i in range(len(STATUSES))]
    assert s.tolist() == [10.0 * (i + 1) for i in range(len(STATUSES))]
    assert np.allclose(cat.monthly_cost(price_year=2020), k + s)
    assert cat.monthly_cost(payer="region").tolist() == [0.0] * len(STATUSES)
    assert cat.payers == ("kommune", "stat")  # region has no amount
    assert set(cat.by_payer()) == {"all", "kommune", "stat"}
    order = ("flexjob", "job")
    assert cat.monthly_cost(order, payer="kommune", price_year=2020).tolist() == [800.0, 100.0]


def test_price_year_conversion_uses_the_index_ratio() -> None:
    cat = PriceCatalogue.from_dict(catalogue_dict())
    # job: kommune 100 + stat 10 = 110 in 2020 prices; index 125 / 100
    assert cat.monthly_cost(price_year=2024)[0] == pytest.approx(110 * 1.25)
    assert cat.monthly_cost()[0] == pytest.approx(137.5)  # default = catalogue price year
    with pytest.raises(KeyError, match="2019"):
        cat.monthly_cost(price_year=2019)


def test_catalogue_rejects_missing_status_unknown_payer_and_unconvertible_year() -> None:
    data = catalogue_dict()
    del data["statuses"]["other"]
    with pytest.raises(ValueError, match="missing"):
        PriceCatalogue.from_dict(data)
    data = catalogue_dict()
    data["statuses"]["job"]["monthly_dkk"]["employer"] = 5.0
    with pytest.raises(ValueError, match="unknown payer"):
        PriceCatalogue.from_dict(data)
    data = catalogue_dict()
    data["statuses"]["job"]["price_year"] = 2010
    with pytest.raises(ValueError, match="2010"):
        PriceCatalogue.from_dict(data)
    data = catalogue_dict()
    data["statuses"]["job"]["source"] = "  "
    with pytest.raises(ValueError, match="source"):
        PriceCatalogue.from_dict(data)


def test_overrides_replace_named_payers_only_and_say_so() -> None:
    cat = PriceCatalogue.from_dict(catalogue_dict())
    new = cat.with_overrides(
        prices={"cash_benefit": {"kommune": 999.0}, "job": {"kommune": 1.0, "stat": 2.0}},
        price_index={2019: 99.0},
    )
    cb = new.prices["cash_benefit"]
    assert cb.amount("kommune") == 999.0 and cb.amount("stat") == 40.0
    assert "overridden" in cb.source and cb.illustrative  # stat amount still illustrative
    assert not new.prices["job"].illustrative  # every priced payer overridden
    assert new.price_index.values[2019] == 99.0
    assert new.version == "test-1+overrides"
    assert cat.prices["cash_benefit"].amount("kommune") == 400.0  # original untouched
    with pytest.raises(ValueError, match="unknown status"):
        cat.with_overrides(prices={"holiday": {"kommune": 1.0}})


def test_catalogue_round_trips_through_its_dict_form() -> None:
    cat = PriceCatalogue.from_dict(catalogue_dict())
    again = PriceCatalogue.from_dict(cat.to_dict())
    for payer in (None, *PAYERS):
        assert np.array_equal(again.monthly_cost(payer=payer), cat.monthly_cost(payer=payer))
    assert again.version == cat.version


def test_shipped_catalogue_prices_every_status_with_sources(tmp_path) -> None:
    cat = load_catalogue()
    assert set(cat.prices) == set(STATUSES)
    assert all(u.source.strip() for u in cat.prices.values())
    total = cat.monthly_cost()
    by_payer = sum(cat.monthly_cost(payer=p) for p in PAYERS)
    assert np.allclose(total, by_payer)
    assert (total >= 0).all() and total[STATUSES.index("job")] == 0
    assert cat.illustrative  # the defaults are marked as such
    t = cat.tidy()
    assert len(t) == len(STATUSES) * len(PAYERS)
    # an explicit path reads the same file format
    import yaml

    f = tmp_path / "prices.yaml"
    f.write_text(yaml.safe_dump(catalogue_dict()), encoding="utf-8")
    assert load_catalogue(f).version == "test-1"


# -- extrapolation rules ----------------------------------------------------------------------


def test_extrapolation_none_copies_observed_then_zero() -> None:
    p = Extrapolation("none").matrix(2, 4)
    assert p.tolist() == [[1, 0], [0, 1], [0, 0], [0, 0]]
    assert Extrapolation("none").matrix(5, 3).shape == (3, 5)  # horizon inside the data


def test_extrapolation_constant_holds_the_last_k_month_mean() -> None:
    obs = np.array([1.0, 2.0, 3.0])
    m = Extrapolation("constant", last_months=2).matrix(3, 5) @ obs
    assert m.tolist() == [1.0, 2.0, 3.0, 2.5, 2.5]
    m_all = Extrapolation("constant", last_months=10).matrix(3, 4) @ obs  # k > n: all months
    assert m_all[3] == pytest.approx(2.0)


def test_extrapolation_decay_halves_every_half_life() -> None:
    obs = np.array([8.0, 4.0])
    m = Extrapolation("decay", last_months=1, half_life_months=2).matrix(2, 6) @ obs
    assert m[:2].tolist() == [8.0, 4.0]
    assert m[2:] == pytest.approx([4 * 0.5**0.5, 2.0, 4 * 0.5**1.5, 1.0])


def test_extrapolation_rules_are_validated_and_labelled() -> None:
    with pytest.raises(ValueError, match="unknown extrapolation"):
        Extrapolation("linear")  # type: ignore[arg-type]
    assert Extrapolation("decay", half_life_months=6).label() == "decay(half_life=6,k=6)"
    assert "halves every 6 months" in Extrapolation("decay", half_life_months=6).describe()
    assert Extrapolation("constant", last_months=3).label() == "constant(k=3)"
    for ext in (
        Extrapolation(),
        Extrapolation("constant", last_months=3),
        Extrapolation("decay", last_months=2, half_life_months=7.5),
    ):
        assert Extrapolation.from_label(ext.label()) == ext
    assert Extrapolation.from_label("linear(k=3)") is None


# -- value: savings, discounting, intervals ------------------------------------------------------


def test_savings_are_minus_the_cost_effect_summed_over_the_horizon() -> None:
    v = value({"all": path([-100.0, -200.0, -300.0, -400.0])}, horizon_months=3)
    assert v.savings_per_participant.value == pytest.approx(600.0)
    assert v.months_observed == 4


def test_discounting_is_annual_rate_compounded_monthly_from_the_start_month() -> None:
    r = 0.12
    v = value({"all": path([-100.0] * 13)}, horizon_months=3, discount_rate=r)
    expected = 100 * (1 + 1.12 ** (-1 / 12) + 1.12 ** (-2 / 12))
    assert v.savings_per_participant.value == pytest.approx(expected)
    f = settings(horizon_months=13, discount_rate=0.035).discount_factors()
    assert f[0] == 1.0 and f[12] == pytest.approx(1 / 1.035)


def test_interval_of_a_sum_uses_the_full_covariance() -> None:
    cov = np.array([[4.0, 1.0, 0.0], [1.0, 9.0, 2.0], [0.0, 2.0, 16.0]])
    v = value({"all": path([-10.0, -10.0, -10.0], cov)}, horizon_months=3)
    s = v.savings_per_participant
    half = Z95 * math.sqrt(4 + 9 + 16 + 2 * (1 + 0 + 2))  # 1'Σ1 = 35
    assert s.value == pytest.approx(30.0)
    assert (s.ci_low, s.ci_high) == pytest.approx((30 - half, 30 + half))


def test_extrapolated_months_enter_value_and_variance_linearly() -> None:
    cov = np.eye(3) * 4.0
    b = [-100.0, -200.0, -300.0]
    v = value(
        {"all": path(b, cov)},
        horizon_months=5,
        extrapolation=Extrapolation("constant", last_months=2),
    )
    s = v.savings_per_participant
    assert s.value == pytest.approx(100 + 200 + 300 + 250 + 250)
    # weights on the observed months: [1, 1 + 2 * 0.5, 1 + 2 * 0.5] -> variance 4 * (1+4+4)
    assert s.ci_high - s.value == pytest.approx(Z95 * math.sqrt(36.0))
    d = value(
        {"all": path(b)},
        horizon_months=5,
        extrapolation=Extrapolation("decay", last_months=1, half_life_months=1),
    )
    assert d.savings_per_participant.value == pytest.approx(600 + 150 + 75)
    assert any("not observed" in n for n in d.notes)
    assert d.monthly["source"].tolist()[-2:] == ["extrapolated", "extrapolated"]


def test_only_the_contiguous_observed_run_from_month_zero_is_used() -> None:
    p = EffectPath(
        np.array([-1, 0, 1, 2, 3]),
        np.array([0.0, -10.0, -20.0, np.nan, -40.0]),
        np.zeros((5, 5)),
    )
    v = value({"all": p}, horizon_months=4)
    assert v.months_observed == 2
    assert v.savings_per_participant.value == pytest.approx(30.0)


def test_no_observed_month_gives_nan_with_a_reason() -> None:
    p = EffectPath(np.array([-1, 0]), np.array([0.0, np.nan]), np.full((2, 2), np.nan))
    v = value({"all": p}, cost=10.0)
    s = v.savings_per_participant
    assert math.isnan(s.value) and s.note
    assert v.break_even_month is None
    assert any("no observed month" in n for n in v.notes)


def test_net_value_total_value_and_return_per_krone() -> None:
    cov = np.eye(3) * 25.0
    v = value({"all": path([-100.0, -200.0, -300.0], cov)}, cost=500.0, n=10)
    half = Z95 * math.sqrt(75.0)
    net = v.net_value_per_participant
    assert (net.value, net.ci_low, net.ci_high) == pytest.approx((100.0, 100 - half, 100 + half))
    tot = v.total_net_value
    assert (tot.value, tot.ci_low) == pytest.approx((1000.0, 10 * (100 - half)))
    ret = v.return_per_krone
    assert (ret.value, ret.ci_high) == pytest.approx((1.2, (600 + half) / 500))
    zero_cost = value({"all": path([-1.0, -1.0, -1.0])}, cost=0.0)
    assert math.isnan(zero_cost.return_per_krone.value) and zero_cost.return_per_krone.note


def test_break_even_month_is_the_first_month_cumulative_savings_reach_the_cost() -> None:
    b = [-100.0, -200.0, -300.0]
    assert value({"all": path(b)}, cost=250.0).break_even_month == 1
    assert value({"all": path(b)}, cost=300.0).break_even_month == 1  # ">=": exactly covered
    assert value({"all": path(b)}, cost=100.0).break_even_month == 0
    never = value({"all": path(b)}, cost=700.0)
    assert never.break_even_month is None
    assert "do not cover" in never.get("break_even_month").note
    # discounting delays break-even: 600 undiscounted just covers 600, discounted does not
    assert value({"all": path(b)}, cost=600.0, discount_rate=0.1).break_even_month is None


def test_break_even_interval_comes_from_the_bounds_of_the_cumulative_savings() -> None:
    cum = np.array([100.0, 300.0, 600.0])
    var = np.array([1e4, 2e4, 3e4])
    be = break_even(cum, var, 250.0, z=Z95)
    # upper bound at e=0: 100 + 1.96 * 100 = 296 >= 250; lower bound first >= 250 at e=2
    assert (be.value, be.ci_low, be.ci_high) == (1.0, 0.0, 2.0)
    assert 600 - Z95 * math.sqrt(3e4) >= 250 > 300 - Z95 * math.sqrt(2e4)


def test_price_per_extra_self_sufficient_with_fieller_interval() -> None:
    p = price_per_extra(42_000.0, 0.06, 0.01, z=Z95)
    assert p.value == pytest.approx(700_000.0)
    assert p.ci_low == pytest.approx(42_000 / (0.06 + Z95 * 0.01))
    assert p.ci_high == pytest.approx(42_000 / (0.06 - Z95 * 0.01))
    wide = price_per_extra(42_000.0, 0.01, 0.01, z=Z95)
    assert wide.value == pytest.approx(4_200_000.0) and wide.ci_high == np.inf and wide.note
    for effect in (0.0, -0.02, np.nan):
        bad = price_per_extra(42_000.0, effect, 0.01, z=Z95)
        assert math.isnan(bad.value) and "not positive" in bad.note


def test_who_gains_payer_split_and_cost_on_the_cost_payer() -> None:
    k = path([-60.0, -60.0, -60.0], np.eye(3) * 4.0)
    s = path([-40.0, -40.0, -40.0], np.eye(3) * 1.0)
    a = path([-100.0, -100.0, -100.0], np.eye(3) * 9.0)
    v = value({"all": a, "kommune": k, "stat": s}, cost=200.0)
    assert v.payers == ("all", "kommune", "stat")
    assert v.get("savings_per_participant", "kommune").value == pytest.approx(180.0)
    assert v.get("net_value_per_participant", "kommune").value == pytest.approx(-20.0)
    assert v.get("net_value_per_participant", "stat").value == pytest.approx(120.0)
    assert v.get("net_value_per_participant", "all").value == pytest.approx(100.0)
    assert v.get("cost_per_participant", "stat").value == 0.0
    st = value({"all": a, "kommune": k, "stat": s}, cost=200.0, cost_payer="stat")
    assert st.get("net_value_per_participant", "stat").value == pytest.approx(-80.0)


def test_without_an_all_payer_path_the_interval_is_the_conservative_bound() -> None:
    k = path([-60.0, -60.0, -60.0], np.eye(3) * 4.0)  # sd of the sum: sqrt(12)
    s = path([-40.0, -40.0, -40.0], np.eye(3) * 1.0)  # sqrt(3)
    v = value({"kommune": k, "stat": s})
    a = v.savings_per_participant
    assert a.value == pytest.approx(300.0)
    assert a.ci_high - a.value == pytest.approx(Z95 * (math.sqrt(12) + math.sqrt(3)))
    assert any("conservative" in n for n in v.notes)


def test_sensitivity_scenarios_match_separate_valuations() -> None:
    b = [-100.0 - 10 * i for i in range(8)]
    cov = np.eye(8) * 16.0
    kw = {"cost": 500.0, "horizon_months": 6, "discount_rate": 0.035}
    v = value({"all": path(b, cov)}, **kw)
    central = v.savings_per_participant
    assert set(v.scenarios) == {
        "central",
        "effect_low",
        "effect_high",
        "horizon_12",
        "horizon_24",
        "horizon_36",
        "extrapolation_none",
        "extrapolation_constant",
        "extrapolation_decay",
        "prices_minus_20",
        "prices_plus_20",
    }
    plus = v.get("savings_per_participant", scenario="prices_plus_20")
    assert plus.value == pytest.approx(1.2 * central.value)
    assert plus.ci_high - plus.value == pytest.approx(1.2 * (central.ci_high - central.value))
    h12 = value({"all": path(b, cov)}, **{**kw, "horizon_months": 12})
    assert v.get("net_value_per_participant", scenario="horizon_12") == (
        h12.net_value_per_participant
    )
    const = value(
        {"all": path(b, cov)},
        **{**kw, "horizon_months": 6, "extrapolation": Extrapolation("constant")},
    )
    # horizon 6 lies inside 8 observed months: the rule does not matter here ...
    assert const.savings_per_participant == central
    # ... but it does at 36 months, beyond the 8 observed months
    c36 = value({"all": path(b, cov)}, **{**kw, "horizon_months": 36})
    assert v.get("savings_per_participant", scenario="horizon_36") == c36.savings_per_participant
    assert v.get("savings_per_participant", scenario="extrapolation_constant") == central
    assert v.get("savings_per_participant", scenario="effect_low").value == central.ci_low
    ppe = v.price_per_extra_self_sufficient
    assert v.get("price_per_extra_self_sufficient", scenario="effect_low").value == ppe.ci_high
    assert v.get("price_per_extra_self_sufficient", scenario="effect_high").value == ppe.ci_low


def test_extrapolation_scenarios_differ_beyond_the_data() -> None:
    v = value({"all": path([-100.0] * 4)}, horizon_months=6)  # 4 observed, 2 extrapolated
    got = {
        rule: v.get("savings_per_participant", scenario=f"extrapolation_{rule}").value
        for rule in ("none", "constant", "decay")
    }
    assert got["none"] == pytest.approx(400.0)
    assert got["constant"] == pytest.approx(600.0)
    assert got["decay"] == pytest.approx(400 + 100 * (0.5 ** (1 / 12) + 0.5 ** (2 / 12)))
    # horizon_36 keeps the central rule (none): nothing beyond month 3
    assert v.get("savings_per_participant", scenario="horizon_36").value == pytest.approx(400.0)
    labels = v.tidy().query("scenario == 'extrapolation_decay'")["extrapolation"]
    assert set(labels) == {"decay(half_life=12,k=6)"}


def test_tidy_frame_has_the_value_parquet_columns() -> None:
    v = value({"all": path([-1.0, -2.0, -3.0]), "kommune": path([-1.0, -2.0, -3.0])}, cost=1.0)
    t = v.tidy()
    assert tuple(t.columns) == TIDY_COLUMNS
    assert set(t["payer"]) == {"all", "kommune"}
    assert set(t["unit"]) == {"DKK", "DKK per participant", "months", "ratio"}
    central = t[t["scenario"] == "central"]
    assert not central.duplicated(["measure", "payer"]).any()
    assert (t["price_year"] == 2024).all() and (t["discount_rate"] == 0.0).all()
    assert t.loc[t["scenario"] == "horizon_36", "horizon_months"].eq(36).all()


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="horizons"):
        ValuationSettings(horizon_months=121)
    with pytest.raises(ValueError, match="cost_payer"):
        ValuationSettings(cost_payer="employer")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="keys"):
        value({"employer": path([1.0])})


def test_portfolio_frame_has_one_row_per_offer() -> None:
    a = value({"all": path([-100.0, -100.0, -100.0])}, cost=150.0, head=(0.1, 0.02))
    b = dataclasses.replace(a, offer_id="y")
    f = portfolio_frame([a, b], {"x": 3})
    assert f["offer_id"].tolist() == ["x", "y"]
    row = f.iloc[0]
    assert row["price_per_extra_self_sufficient_dkk"] == pytest.approx(1500.0)
    assert row["net_value_per_participant_dkk"] == pytest.approx(150.0)
    assert row["effect"] == pytest.approx(0.1) and row["evidence_stars"] == 3
    assert pd.isna(f.iloc[1]["evidence_stars"])
    for col in ("cost_per_participant_dkk", "effect", "evidence_stars"):
        assert col in f.columns


# -- results-based payment -----------------------------------------------------------------


def att(values: list[float], var: float = 0.0) -> EffectPath:
    return path(values, np.eye(len(values)) * var)


def test_payment_per_extra_outcome_month_and_per_extra_participant() -> None:
    terms = ContractTerms(
        per_extra_outcome_month_dkk=1000.0,
        per_participant_reaching_outcome_dkk=5000.0,
        horizon_months=3,
    )
    r = payment_owed(terms, att([0.1, 0.1, 0.1, 0.1]), participants=100, headline_window=(0, 1))
    assert r.get("extra_outcome_months").value == pytest.approx(30.0)  # 100 * 0.3
    assert r.get("extra_participants_reaching_outcome").value == pytest.approx(10.0)
    assert r.owed.value == pytest.approx(30_000 + 50_000)
    assert r.get("payment_owed_per_participant").value == pytest.approx(800.0)
    at2 = payment_owed(
        dataclasses.replace(terms, measurement_month=2, per_extra_outcome_month_dkk=0.0),
        att([0.1, 0.1, 0.3]),
        participants=100,
    )
    assert at2.owed.value == pytest.approx(100 * 0.3 * 5000)


def test_payment_cap_minimum_threshold_and_no_negative_payment() -> None:
    terms = ContractTerms(per_extra_outcome_month_dkk=1000.0, horizon_months=3, cap_dkk=20_000)
    capped = payment_owed(terms, att([0.1, 0.1, 0.1]), participants=100)
    assert capped.owed.value == 20_000.0
    assert capped.get("payment_uncapped").value == pytest.approx(30_000.0)
    assert any("cap" in n for n in capped.notes)
    below = payment_owed(
        dataclasses.replace(terms, minimum_effect=0.15), att([0.1, 0.1, 0.1]), participants=100
    )
    assert below.owed.value == 0.0 and not below.minimum_met
    assert any("below the minimum" in n for n in below.notes)
    negative = payment_owed(
        dataclasses.replace(terms, cap_dkk=None), att([-0.1, -0.1, -0.1]), participants=100
    )
    assert negative.owed.value == 0.0
    assert negative.get("payment_uncapped").value == pytest.approx(-30_000.0)


def test_payment_interval_is_the_payment_at_the_effect_bounds() -> None:
    var = 0.02**2
    terms = ContractTerms(per_extra_outcome_month_dkk=1000.0, horizon_months=2, minimum_effect=0.05)
    r = payment_owed(terms, att([0.1, 0.1], var), participants=100, headline_window=(0, 1))
    # L = 1000 * 100 * (b0 + b1): sd = 1e5 * sqrt(2) * 0.02; θ = mean: sd = 0.02 / sqrt(2)
    l_half = Z95 * 1e5 * math.sqrt(2 * var)
    t_half = Z95 * math.sqrt(var / 2)
    assert 0.1 - t_half > 0.05  # the minimum is met at both bounds here
    assert r.owed.ci_low == pytest.approx(20_000 - l_half)
    assert r.owed.ci_high == pytest.approx(20_000 + l_half)
    assert r.get("payment_owed", "effect_low").value == r.owed.ci_low
    strict = payment_owed(
        dataclasses.replace(terms, minimum_effect=0.08),
        att([0.1, 0.1], var),
        participants=100,
        headline_window=(0, 1),
    )
    assert 0.1 - t_half < 0.08  # at the lower bound the minimum is missed: nothing owed
    assert strict.owed.value == pytest.approx(20_000.0) and strict.owed.ci_low == 0.0
    t = strict.tidy()
    assert tuple(t.columns) == TIDY_COLUMNS
    assert set(t["scenario"]) == {"central", "effect_low", "effect_high"}


def test_payment_counts_only_observed_months_and_says_so() -> None:
    terms = ContractTerms(per_extra_outcome_month_dkk=100.0, horizon_months=12)
    r = payment_owed(terms, att([0.1, 0.2]), participants=10)
    assert r.months_observed == 2
    assert r.owed.value == pytest.approx(100 * 10 * 0.3)
    assert any("only months 0..1" in n for n in r.notes)


# -- synthetic municipality: estimated value vs the value of the true effects --------------


@pytest.fixture(scope="module")
def los() -> dict:
    """``los`` of the demo municipality as the core evaluated it (the shipped catalogue,
    the default valuation settings) and its true effects."""
    m = demo_municipality()
    e = m.evaluations["los"]
    prices = m.config.prices.by_payer(price_year=m.config.price_year)
    treated = e.match.sets[e.match.sets["treated"]]
    cohorts = (
        pd.DataFrame(
            {
                "offer_id": "los",
                "start_month": months.to_timestamps(treated["ref_month"].to_numpy()),
            }
        )
        .groupby(["offer_id", "start_month"])
        .size()
        .rename("n")
        .reset_index()
    )
    as_of = months.label(m.panel.last_month)
    truth = true_att(m.synth.true_effects, as_of=as_of, cohorts=cohorts)
    truth = truth[truth["offer_id"] == "los"]
    return {
        "value": e.value,
        "price_year": m.config.price_year,
        "prices": prices,
        "truth": truth,
        "n": e.match.n_matched,
        "cost": e.offer.cost_per_participant_dkk,
    }


def _true_cost_path(truth: pd.DataFrame, prices: np.ndarray) -> EffectPath:
    """True effect on cost at e: sum over statuses of price_s x true effect on status s."""
    t = truth[truth["outcome"].str.startswith("status:")]
    wide = t.pivot(index="event_time", columns="outcome", values="effect")
    eff = sum(prices[i] * wide[f"status:{s}"] for i, s in enumerate(STATUSES))
    e = eff.index.to_numpy()
    return EffectPath(e, eff.to_numpy(), np.zeros((len(e), len(e))))


def test_synthetic_value_interval_covers_the_value_of_the_true_effects(los: dict) -> None:
    est, truth = los["value"], los["truth"]
    assert est.settings == ValuationSettings()  # the synthetic config values by default
    true_paths = {k: _true_cost_path(truth, v) for k, v in los["prices"].items()}
    head = truth[(truth["outcome"] == "self_sufficient") & truth["event_time"].between(0, 11)]
    tru = value_offer(
        "los",
        true_paths,
        HeadlineEffect(float(head["effect"].mean()), 0.0),
        cost_per_participant_dkk=los["cost"],
        participants=los["n"],
        price_year=los["price_year"],
    )
    assert est.months_observed >= 24  # the 24-month horizon is fully observed: no extrapolation
    # the payers' fits add up to the all-payer fit (the estimator is linear in the prices)
    parts = sum(est.get("savings_per_participant", p).value for p in ("kommune", "stat", "region"))
    assert parts == pytest.approx(est.savings_per_participant.value, rel=1e-9)
    # the true-effect value lies inside the estimate's 95% interval ...
    for measure in ("savings_per_participant", "net_value_per_participant"):
        e, t = est.get(measure), tru.get(measure)
        assert e.ci_low <= t.value <= e.ci_high, (measure, e, t.value)
    ppe = est.price_per_extra_self_sufficient
    assert ppe.ci_low <= tru.price_per_extra_self_sufficient.value <= ppe.ci_high
    # ... and each payer's within 3.29 standard errors (99.9%: three payers tested at once)
    for payer in ("kommune", "stat", "region"):
        e, t = est.get("savings_per_participant", payer), tru.get("savings_per_participant", payer)
        se = (e.ci_high - e.ci_low) / (2 * Z95)
        assert abs(e.value - t.value) <= 3.29 * se, (payer, e, t.value)
    # the true value is the hand formula: -sum_e d_e sum_s price_s true_effect_s(e)
    d = 1.035 ** (-np.arange(24) / 12)
    tp = true_paths["all"]
    by_e = dict(zip(tp.event_times.tolist(), tp.estimates, strict=True))
    hand = -sum(d[e] * by_e[e] for e in range(24))
    assert tru.savings_per_participant.value == pytest.approx(hand)
