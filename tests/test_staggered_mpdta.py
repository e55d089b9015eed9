"""Callaway & Sant'Anna ATT(g,t) against the published R ``did`` numbers on mpdta
(tests/data/mpdta, copied from ../shared/reference), and against a known simulated effect."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.did.staggered import att_gt

DATA = Path(__file__).parent / "data" / "mpdta"
TOL = 1e-6
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


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


@pytest.fixture(scope="module")
def fits(mpdta):
    return {
        name: att_gt(mpdta, y="lemp", t="year", unit="countyreal", group="first.treat", **kw)
        for name, kw in SCENARIOS.items()
    }


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_att_gt_equals_r_did(fits, scenario) -> None:
    ref = pd.read_csv(DATA / "mpdta_att_gt_reference.csv")
    ref = ref[ref["scenario"] == scenario]
    got = fits[scenario].tidy()
    both = ref.merge(got, left_on=["group", "t"], right_on=["group", "time"], how="outer")
    assert len(both) == len(ref) == len(got) == 12
    np.testing.assert_allclose(both["att_y"], both["att_x"], rtol=0, atol=TOL)
    np.testing.assert_allclose(both["std_error"], both["se"], rtol=0, atol=TOL)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_aggregations_equal_r_did(fits, scenario, kind) -> None:
    ref = pd.read_csv(DATA / "mpdta_aggte_reference.csv")
    ref = ref[(ref["scenario"] == scenario) & (ref["type"] == kind)]
    agg = fits[scenario].aggregate(kind)
    assert agg.overall_att == pytest.approx(ref["overall_att"].iloc[0], abs=TOL)
    assert agg.overall_se == pytest.approx(ref["overall_se"].iloc[0], abs=TOL)
    if kind != "simple":
        np.testing.assert_array_equal(agg.labels, ref["egt"].to_numpy())
        np.testing.assert_allclose(agg.att, ref["att_egt"], rtol=0, atol=TOL)
        np.testing.assert_allclose(agg.se, ref["se_egt"], rtol=0, atol=TOL)


def test_dr_equals_reg_without_covariates_and_is_close_with(mpdta) -> None:
    kw = {"y": "lemp", "t": "year", "unit": "countyreal", "group": "first.treat"}
    dr, reg = att_gt(mpdta, est_method="dr", **kw), att_gt(mpdta, est_method="reg", **kw)
    np.testing.assert_allclose(dr.att, reg.att, atol=1e-12)
    np.testing.assert_allclose(dr.se, reg.se, atol=1e-12)
    dr_x = att_gt(mpdta, est_method="dr", covariates=["lpop"], **kw)
    reg_x = att_gt(mpdta, est_method="reg", covariates=["lpop"], **kw)
    # two consistent estimators of the same ATT(g,t): their gap is well inside one SE
    assert np.all(np.abs(dr_x.att - reg_x.att) < reg_x.se)


def test_row_order_does_not_matter(mpdta) -> None:
    kw = {"y": "lemp", "t": "year", "unit": "countyreal", "group": "first.treat"}
    shuffled = mpdta.sample(frac=1.0, random_state=3)
    a, b = att_gt(mpdta, **kw), att_gt(shuffled, **kw)
    np.testing.assert_allclose(a.att, b.att, atol=1e-12)
    np.testing.assert_allclose(a.se, b.se, atol=1e-12)


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
    res = att_gt(_simulated(effect), y="y", t="year", unit="id", group="g",
                 control_group=control_group)  # fmt: skip
    dyn = res.aggregate("dynamic")
    post, pre = dyn.labels >= 0, dyn.labels < 0
    # post-treatment event times estimate the effect, pre-treatment ones zero (3 SE)
    assert np.all(np.abs(dyn.att[post] - effect) < 3 * dyn.se[post])
    assert np.all(np.abs(dyn.att[pre]) < 3 * dyn.se[pre])
    simple = res.aggregate("simple")
    assert abs(simple.overall_att - effect) < 3 * simple.overall_se
    # and the standard error is that of a real sampling distribution, not zero
    assert 0 < simple.overall_se < 0.05


def test_unbalanced_panel_is_refused(mpdta) -> None:
    with pytest.raises(ValueError, match="balanced"):
        att_gt(mpdta.iloc[1:], y="lemp", t="year", unit="countyreal", group="first.treat")
