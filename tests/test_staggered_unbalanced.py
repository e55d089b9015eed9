"""Callaway & Sant'Anna on an unbalanced panel (R ``did``'s ``allow_unbalanced_panel``).

References: mpdta with 10 % of its county-years removed (a seeded draw, stored in
tests/data/mpdta/mpdta_unbalanced_dropped.csv), estimated by ``csdid`` 0.4.3 and
``moderndid`` 0.2.0 (tests/data/mpdta/make_unbalanced_reference.py, README there).

Where the peers differ from R ``did`` (both read here from R's source), the test says so:
- ``csdid``'s ``drdid_rc`` adds the pre-period outcome-regression estimation effect
  with the opposite sign to ``DRDID::drdid_rc`` (R: ``inf.treat.or.post +
  inf.treat.or.pre``), so its doubly robust cells with covariates differ from R's in
  the standard error (by up to 4.2e-4); ``moderndid`` follows R there.
- ``moderndid`` (run with ``panel=False``, its only working unbalanced mode) computes the
  aggregation weights P(G = g) over rows rather than units, so its aggregated standard
  errors differ from R's (by up to 3e-4); ``csdid`` follows R there.
So: every number against ``csdid`` at 1e-6, except the doubly robust cases with
covariates, whose cells are checked against ``moderndid`` at 1e-6 and whose aggregations
against ``csdid`` at 5e-4 (standard errors; estimates at 1e-6).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.did.staggered import ATTgtResult, att_gt

DATA = Path(__file__).parent / "data" / "mpdta"
TOL = 1e-6
CSDID_DR_SIGN_TOL = 5e-4
KW = {
    "y": "lemp",
    "t": "year",
    "unit": "countyreal",
    "group": "first.treat",
    "allow_unbalanced_panel": True,
}
CASES = {  # must match make_unbalanced_reference.py
    "unb_nev": {"control_group": "never_treated"},
    "unb_nyt": {"control_group": "not_yet_treated"},
    "unb_nyt_universal": {
        "control_group": "not_yet_treated",
        "est_method": "reg",
        "base_period": "universal",
    },
    "unb_nev_reg_cov": {"covariates": ["lpop"], "est_method": "reg"},
    "unb_nev_dr_cov": {"covariates": ["lpop"], "est_method": "dr"},
    "unb_nyt_dr_cov": {
        "control_group": "not_yet_treated",
        "covariates": ["lpop"],
        "est_method": "dr",
    },
}
DR_COV = {"unb_nev_dr_cov", "unb_nyt_dr_cov"}


@pytest.fixture(scope="module")
def unbalanced() -> pd.DataFrame:
    data = pd.read_csv(DATA / "mpdta.csv")
    dropped = pd.read_csv(DATA / "mpdta_unbalanced_dropped.csv")
    key = pd.MultiIndex.from_frame(data[["countyreal", "year"]])
    out = data[~key.isin(pd.MultiIndex.from_frame(dropped))]
    assert len(out) == 2250 and len(dropped) == 250
    return out


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(DATA / "unbalanced_reference.csv")


@pytest.fixture(scope="module")
def fits(unbalanced: pd.DataFrame) -> dict[str, ATTgtResult]:
    return {case: att_gt(unbalanced, **KW, **kw) for case, kw in CASES.items()}


def _ref(reference: pd.DataFrame, package: str, case: str, kind: str) -> pd.DataFrame:
    out = reference[
        (reference["package"] == package)
        & (reference["case"] == case)
        & (reference["kind"] == kind)
    ]
    assert len(out) > 0
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_att_gt_equals_the_peer_that_follows_r(fits, reference, case: str) -> None:
    res = fits[case]
    assert not res.balanced and res.n_units == 500
    cells = _ref(reference, "moderndid" if case in DR_COV else "csdid", case, "att_gt")
    np.testing.assert_array_equal(res.groups, cells["group"])
    np.testing.assert_array_equal(res.times, cells["time"])
    np.testing.assert_allclose(res.att, cells["att"], rtol=0, atol=TOL)
    np.testing.assert_allclose(res.se, cells["se"], rtol=0, atol=TOL)  # NaN at universal base


@pytest.mark.parametrize("case", list(CASES))
def test_att_gt_of_both_peers(fits, reference, case: str) -> None:
    """Estimates agree with both peers; standard errors with both except csdid's dr."""
    res = fits[case]
    for package in ("csdid", "moderndid"):
        cells = _ref(reference, package, case, "att_gt")
        np.testing.assert_allclose(res.att, cells["att"], rtol=0, atol=TOL)
        se_tol = CSDID_DR_SIGN_TOL if package == "csdid" and case in DR_COV else TOL
        np.testing.assert_allclose(res.se, cells["se"], rtol=0, atol=se_tol)


@pytest.mark.parametrize("case", list(CASES))
def test_aggregations_equal_csdid(fits, reference, case: str) -> None:
    res = fits[case]
    se_tol = CSDID_DR_SIGN_TOL if case in DR_COV else TOL
    dyn = res.aggregate("dynamic")
    ev = _ref(reference, "csdid", case, "dynamic")
    np.testing.assert_array_equal(dyn.labels, ev["time"])
    np.testing.assert_allclose(dyn.att, ev["att"], rtol=0, atol=TOL)
    np.testing.assert_allclose(dyn.se, ev["se"], rtol=0, atol=se_tol)
    for kind in ("dynamic", "simple", "group", "calendar"):
        agg = dyn if kind == "dynamic" else res.aggregate(kind)
        overall = _ref(reference, "csdid", case, f"{kind}_overall").iloc[0]
        assert agg.overall_att == pytest.approx(overall["att"], abs=TOL)
        assert agg.overall_se == pytest.approx(overall["se"], abs=se_tol)


def test_cells_are_differences_of_four_observed_means(fits, unbalanced) -> None:
    """Without covariates an unbalanced cell is (treated mean at t - at the base) -
    (control mean at t - at the base), each over the units observed then."""
    res = fits["unb_nyt"]
    cohort = unbalanced["first.treat"]

    def mean(who: pd.Series, year: float) -> float:
        return unbalanced.loc[who & (unbalanced["year"] == year), "lemp"].mean()

    for g, t, att in zip(res.groups, res.times, res.att, strict=True):
        base = t - 1 if t < g else g - 1
        treated = cohort == g
        controls = (cohort == 0) | ((cohort > max(t, base)) & (cohort != g))
        want = (mean(treated, t) - mean(treated, base)) - (mean(controls, t) - mean(controls, base))
        assert att == pytest.approx(want, abs=1e-12)


def test_balanced_data_with_the_option_is_the_balanced_estimate(unbalanced) -> None:
    """R uses the panel estimators when the data turn out balanced."""
    full = pd.read_csv(DATA / "mpdta.csv")
    kw = {"covariates": ["lpop"], "est_method": "dr"}
    with_option = att_gt(full, **KW, **kw)
    without = att_gt(full, **{**KW, "allow_unbalanced_panel": False}, **kw)
    assert with_option.balanced
    np.testing.assert_array_equal(with_option.att, without.att)
    np.testing.assert_array_equal(with_option.se, without.se)


def test_unbalanced_panel_needs_the_option(unbalanced) -> None:
    with pytest.raises(ValueError, match="allow_unbalanced_panel"):
        att_gt(unbalanced, **{**KW, "allow_unbalanced_panel": False})
    with pytest.raises(ValueError, match="more than one row"):
        att_gt(pd.concat([unbalanced, unbalanced.iloc[:1]]), **KW)
