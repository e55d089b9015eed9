"""Callaway & Sant'Anna ATT(g,t) (``evaluation.did.staggered``).

- against the published R ``did`` numbers on mpdta (tests/data/mpdta, see its README);
- against ``csdid`` (a Python port of R ``did``) for options the R numbers do not cover
  (doubly robust with a covariate, universal base period, ``balance_e``, anticipation);
- against brute-force cell means and algebraic identities, and a known simulated effect.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.did.staggered import ATTgtResult, att_gt

DATA = Path(__file__).parent / "data" / "mpdta"
TOL = 1e-6
KW = {"y": "lemp", "t": "year", "unit": "countyreal", "group": "first.treat"}
SCENARIOS = {
    "mpdta_nev": {"control_group": "never_treated"},
    "mpdta_nyt": {"control_group": "not_yet_treated"},
    "mpdta_nev_reg_cov": {
        "control_group": "never_treated",
        "covariates": ["lpop"],
        "est_method": "reg",
    },
}
KINDS = ("simple", "group", "dynamic", "calendar")
CSDID_CASES = {  # must match tests/data/mpdta/make_csdid_reference.py
    "dr_cov": ({"covariates": ["lpop"], "est_method": "dr"}, None),
    "universal_balance1": ({"base_period": "universal"}, 1),
    "nyt_universal_dr_cov": (
        {"control_group": "not_yet_treated", "covariates": ["lpop"], "base_period": "universal"},
        None,
    ),
    "nyt_anticipation1": (
        {"control_group": "not_yet_treated", "est_method": "reg", "anticipation": 1},
        None,
    ),
}


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


@pytest.fixture(scope="module")
def fits(mpdta: pd.DataFrame) -> dict[str, ATTgtResult]:
    return {name: att_gt(mpdta, **KW, **kw) for name, kw in SCENARIOS.items()}


# --- R did ----------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_att_gt_equals_r_did(fits: dict[str, ATTgtResult], scenario: str) -> None:
    ref = pd.read_csv(DATA / "mpdta_att_gt_reference.csv")
    ref = ref[ref["scenario"] == scenario]
    got = fits[scenario].tidy()
    both = ref.merge(got, left_on=["group", "t"], right_on=["group", "time"], how="outer")
    assert len(both) == len(ref) == len(got) == 12
    np.testing.assert_allclose(both["att_y"], both["att_x"], rtol=0, atol=TOL)
    np.testing.assert_allclose(both["std_error"], both["se"], rtol=0, atol=TOL)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_aggregations_equal_r_did(fits: dict[str, ATTgtResult], scenario: str, kind: str) -> None:
    ref = pd.read_csv(DATA / "mpdta_aggte_reference.csv")
    ref = ref[(ref["scenario"] == scenario) & (ref["type"] == kind)]
    agg = fits[scenario].aggregate(kind)
    assert agg.overall_att == pytest.approx(ref["overall_att"].iloc[0], abs=TOL)
    assert agg.overall_se == pytest.approx(ref["overall_se"].iloc[0], abs=TOL)
    if kind == "simple":
        assert agg.labels.size == 0
    else:
        np.testing.assert_array_equal(agg.labels, ref["egt"].to_numpy())
        np.testing.assert_allclose(agg.att, ref["att_egt"], rtol=0, atol=TOL)
        np.testing.assert_allclose(agg.se, ref["se_egt"], rtol=0, atol=TOL)
    tidy = agg.tidy()
    assert len(tidy) == len(agg.labels) + 1 and tidy["label"].isna().iloc[-1]


# --- csdid (port of R did) for the other options ---------------------------------------------


@pytest.mark.parametrize("case", list(CSDID_CASES))
def test_other_options_equal_csdid(mpdta: pd.DataFrame, case: str) -> None:
    options, balance_e = CSDID_CASES[case]
    ref = pd.read_csv(DATA / "csdid_reference.csv")
    ref = ref[ref["case"] == case]
    res = att_gt(mpdta, **KW, **options)
    cells = ref[ref["kind"] == "att_gt"]
    np.testing.assert_array_equal(res.groups, cells["group"])
    np.testing.assert_array_equal(res.times, cells["time"])
    np.testing.assert_allclose(res.att, cells["att"], rtol=0, atol=TOL)
    np.testing.assert_allclose(res.se, cells["se"], rtol=0, atol=TOL)  # NaN at universal base
    dyn = res.aggregate("dynamic", balance_e=balance_e)
    ev = ref[ref["kind"] == "dynamic"]
    np.testing.assert_array_equal(dyn.labels, ev["time"])
    np.testing.assert_allclose(dyn.att, ev["att"], rtol=0, atol=TOL)
    np.testing.assert_allclose(dyn.se, ev["se"], rtol=0, atol=TOL)
    overall = ref[ref["kind"] == "dynamic_overall"].iloc[0]
    assert dyn.overall_att == pytest.approx(overall["att"], abs=TOL)
    assert dyn.overall_se == pytest.approx(overall["se"], abs=TOL)


# --- independent checks ---------------------------------------------------------------------


def _did_of_means(data: pd.DataFrame, g: int, t: int, base: int, controls: pd.Series) -> float:
    """A 2×2 DiD as the difference of four cell means."""
    treated = data["first.treat"] == g

    def mean(who: pd.Series, year: int) -> float:
        return data.loc[who & (data["year"] == year), "lemp"].mean()

    return (mean(treated, t) - mean(treated, base)) - (mean(controls, t) - mean(controls, base))


def test_cells_are_differences_of_four_means(fits: dict[str, ATTgtResult], mpdta) -> None:
    cohort = mpdta["first.treat"]
    for name in ("mpdta_nev", "mpdta_nyt"):
        res = fits[name]
        for g, t, att in zip(res.groups, res.times, res.att, strict=True):
            base = t - 1 if t < g else g - 1
            later = max(t, base)
            not_yet = (cohort > later) & (cohort != g)
            controls = cohort == 0 if name == "mpdta_nev" else (cohort == 0) | not_yet
            assert att == pytest.approx(_did_of_means(mpdta, g, t, base, controls), abs=1e-12)


def test_universal_base_period_telescopes_the_varying_one(mpdta, fits) -> None:
    varying = fits["mpdta_nev"].tidy().set_index(["group", "time"])["att"]
    universal = att_gt(mpdta, **KW, base_period="universal")
    tidy = universal.tidy().set_index(["group", "time"])
    for (g, t), att in tidy["att"].items():
        if t >= g:  # post-treatment cells share the base period g - 1
            assert att == pytest.approx(varying[g, t], abs=1e-12)
        else:  # Y(t) - Y(g-1) = -(sum of the consecutive changes from t to g-1)
            steps = [varying[g, s] for s in range(int(t) + 1, int(g))]
            assert att == pytest.approx(-sum(steps), abs=1e-12)
    base = tidy.loc[[(g, g - 1) for g in (2004, 2006, 2007)]]
    assert (base["att"] == 0).all() and base["std_error"].isna().all()


def test_anticipation_moves_the_base_period_back(mpdta, fits) -> None:
    plain = fits["mpdta_nev"].tidy().set_index(["group", "time"])["att"]
    antic = att_gt(mpdta, **KW, anticipation=1).tidy().set_index(["group", "time"])["att"]
    assert 2004 not in antic.index.get_level_values("group")  # no period before 2004 - 1
    for g in (2006, 2007):  # ATT(g, g) now compares with g - 2: two consecutive steps
        assert antic[g, g] == pytest.approx(plain[g, g - 1] + plain[g, g], abs=1e-12)


def test_balanced_event_time_with_one_cohort_is_that_cell(fits) -> None:
    res = fits["mpdta_nev"]
    dyn = res.aggregate("dynamic", balance_e=1)
    # cohorts seen at least 1 period after their start: 2004 and 2006; e from 1 - 3 to 1
    np.testing.assert_array_equal(dyn.labels, [-2, -1, 0, 1])
    cell = res.tidy().set_index(["group", "time"])
    assert dyn.att[0] == pytest.approx(cell.loc[(2006, 2004), "att"], abs=1e-15)
    assert dyn.se[0] == pytest.approx(cell.loc[(2006, 2004), "std_error"], abs=1e-15)
    sizes = pd.Series(res.unit_group).value_counts()
    w = sizes[[2004, 2006]].to_numpy() / sizes[[2004, 2006]].sum()
    expected = w @ cell.loc[[(2004, 2005), (2006, 2007)], "att"].to_numpy()
    assert dyn.att[-1] == pytest.approx(expected, abs=1e-15)
    assert dyn.overall_att == pytest.approx(dyn.att[2:].mean(), abs=1e-15)


def test_without_never_treated_the_last_cohort_is_only_a_control(mpdta) -> None:
    data = mpdta[mpdta["first.treat"] != 0]
    with pytest.raises(ValueError, match="never-treated"):
        att_gt(data, **KW, control_group="never_treated")
    res = att_gt(data, **KW, control_group="not_yet_treated")
    assert set(res.groups) == {2004, 2006} and res.times.max() == 2006  # 2007 on dropped
    cell = res.tidy().set_index(["group", "time"])["att"]
    controls = data["first.treat"] == 2007
    assert cell[2006, 2006] == pytest.approx(
        _did_of_means(data, 2006, 2006, 2005, controls), abs=1e-12
    )


def test_sample_rules_of_r_did(mpdta, fits) -> None:
    """Cohorts starting after the data are never treated; units treated in the first
    period (no pre-period) are dropped, so neither changes any estimate."""
    late = mpdta.assign(**{"first.treat": mpdta["first.treat"].replace(0, 2010)})
    early = mpdta[mpdta["first.treat"] == 2004].assign(
        countyreal=lambda d: d["countyreal"] + 100_000, **{"first.treat": 2003}
    )
    for name in ("mpdta_nev", "mpdta_nyt"):
        ref = fits[name]
        for data in (late, pd.concat([mpdta, early])):
            res = att_gt(data, **KW, **SCENARIOS[name])
            assert res.n_units == ref.n_units == 500
            np.testing.assert_allclose(res.att, ref.att, rtol=0, atol=1e-12)
            np.testing.assert_allclose(res.se, ref.se, rtol=0, atol=1e-12)
            got, want = res.aggregate("group"), ref.aggregate("group")
            assert got.overall_se == pytest.approx(want.overall_se, abs=1e-12)


def test_dr_equals_reg_without_covariates_and_is_close_with(mpdta) -> None:
    dr, reg = att_gt(mpdta, **KW, est_method="dr"), att_gt(mpdta, **KW, est_method="reg")
    np.testing.assert_allclose(dr.att, reg.att, atol=1e-12)
    np.testing.assert_allclose(dr.se, reg.se, atol=1e-12)
    dr_x = att_gt(mpdta, **KW, est_method="dr", covariates=["lpop"])
    reg_x = att_gt(mpdta, **KW, est_method="reg", covariates=["lpop"])
    assert not np.allclose(dr_x.att, reg_x.att, atol=1e-6)  # the methods do differ ...
    assert np.all(np.abs(dr_x.att - reg_x.att) < reg_x.se)  # ... well within one SE


def test_row_order_does_not_matter(mpdta, fits) -> None:
    shuffled = att_gt(mpdta.sample(frac=1.0, random_state=3), **KW)
    ref = fits["mpdta_nev"]
    np.testing.assert_allclose(shuffled.att, ref.att, rtol=0, atol=1e-12)
    np.testing.assert_allclose(shuffled.se, ref.se, rtol=0, atol=1e-12)
    assert shuffled.aggregate("dynamic").overall_se == pytest.approx(
        ref.aggregate("dynamic").overall_se, abs=1e-12
    )


def _simulated(effect: float, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, periods = 3000, np.arange(2010, 2018)
    cohort = rng.choice([0, 2012, 2014, 2016], size=n)
    unit_fe = rng.normal(0, 1, n) + 0.3 * (cohort > 0)  # cohorts differ in levels only
    time_fe = np.linspace(0, 1, len(periods))
    treated = (cohort[:, None] > 0) & (periods[None, :] >= cohort[:, None])
    y = unit_fe[:, None] + time_fe[None, :] + effect * treated + rng.normal(0, 0.5, (n, 8))
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), len(periods)),
            "year": np.tile(periods, n),
            "g": np.repeat(cohort, len(periods)),
            "y": y.ravel(),
        }
    )


@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
def test_recovers_a_known_effect(control_group) -> None:
    effect = 0.25
    res = att_gt(
        _simulated(effect), y="y", t="year", unit="id", group="g", control_group=control_group
    )
    post = res.times >= res.groups
    assert post.sum() == 12 and (~post).sum() == 9
    # every ATT(g,t) within 3 SE of the truth: the effect after the start, 0 before
    assert np.all(np.abs(res.att - effect * post) < 3 * res.se)
    assert np.all((res.se > 0.01) & (res.se < 0.1))  # a real sampling spread, not 0
    simple = res.aggregate("simple")
    assert abs(simple.overall_att - effect) < 3 * simple.overall_se


def test_bad_input_is_refused(mpdta) -> None:
    with pytest.raises(ValueError, match="balanced"):
        att_gt(mpdta.iloc[1:], **KW)
    with pytest.raises(ValueError, match="est_method"):
        att_gt(mpdta, **KW, est_method="ipw")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="missing column"):
        att_gt(mpdta, **{**KW, "y": "nope"})
    with pytest.raises(ValueError, match="dynamic"):
        att_gt(mpdta, **KW).aggregate("group", balance_e=1)
