"""Sensitivity to parallel-trend violations (Rambachan & Roth 2023) against the
``honestdid`` package (0.1.1) on the Benzarti & Carloni and Lovenheim & Willen event
studies shipped with the R package HonestDiD (honestdid 0.1.1's relative-magnitudes code
raises a TypeError for the average target, recorded in the reference; LW is stored for
smoothness only, as make_reference.py chooses), and
against planted violations of known size.

Reference values: tests/data/honestdid/reference.csv, made by make_reference.py there
(run in a separate virtual environment with honestdid installed; see its docstring).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from evaluation.sensitivity.data import EventStudyInput, Target
from evaluation.sensitivity.flci import fold_quantile, max_bias, optimal_flci
from evaluation.sensitivity.lp import EtaLp, VertexLp
from evaluation.sensitivity.model import (
    relative_magnitudes_breakdown,
    relative_magnitudes_interval,
    trend_sensitivity,
)
from evaluation.sensitivity.restrictions import smoothness

DATA = Path(__file__).parent / "data" / "honestdid"
REFERENCE = pd.read_csv(DATA / "reference.csv", keep_default_na=False, na_values=[""])


def _study(key: str) -> EventStudyInput:
    d = pd.read_csv(DATA / f"{key}_event_study.csv")
    sigma = d[[c for c in d.columns if c.startswith("sigma_")]].to_numpy()
    t = d["event_time"].to_numpy()
    return EventStudyInput(d["betahat"].to_numpy(), sigma, int((t < 0).sum()), int((t > 0).sum()))


def _l_vec(study: EventStudyInput, target: str) -> np.ndarray:
    if target == "first":
        return np.eye(study.n_post)[0]
    return np.full(study.n_post, 1.0 / study.n_post)


def _rows(restriction: str) -> list[dict]:
    ref = REFERENCE[(REFERENCE["restriction"] == restriction)]
    return ref[ref["error"].isna()].to_dict("records")


@pytest.mark.parametrize(
    "row", _rows("relative_magnitudes_clf"), ids=lambda r: f"{r['target']}-{r['m']}"
)
def test_relative_magnitudes_agree_with_honestdid(row: dict) -> None:
    """Same test (C-LF, κ = α/10, the same 1000 simulation draws) on the same grid of
    1000 points over ±20 standard errors: the interval ends are the same grid points, so
    they agree to rounding (1e-9 asked; the grid step is 0.04 standard errors)."""
    study = _study(row["data"])
    l_vec = _l_vec(study, row["target"])
    lo, hi, open_end = relative_magnitudes_interval(study, l_vec, row["m"])
    end = 20 * math.sqrt(l_vec @ study.cov[study.post, study.post] @ l_vec)
    # open only where honestdid's interval also reaches its grid's end (BC, M̄ = 2)
    assert open_end == any(abs(abs(x) - end) < 1e-12 for x in (row["lb"], row["ub"]))
    assert lo == pytest.approx(row["lb"], abs=1e-9)
    assert hi == pytest.approx(row["ub"], abs=1e-9)


def _mc_tolerance(t: float, sd: float) -> float:
    """Four standard errors of honestdid's folded-normal quantile (the 95% quantile of
    |N(t, 1)| from 10^6 draws), in the estimate's units: sqrt(p(1-p)/N) / density."""
    c = fold_quantile(t, 0.05)
    density = stats.norm.pdf(c - t) + stats.norm.pdf(c + t)
    return 4 * math.sqrt(0.05 * 0.95 / 1e6) / density * sd


@pytest.mark.parametrize(
    "row", _rows("smoothness_flci"), ids=lambda r: f"{r['data']}-{r['target']}-{r['m']}"
)
def test_smoothness_flci_agrees_with_honestdid(row: dict) -> None:
    """The optimal FLCI solves the same problem as honestdid's, more exactly: it takes the
    folded-normal quantile exactly (honestdid: 10^6 simulated draws) and minimises the
    length to solver precision (honestdid: bisection on the optimal standard deviation to
    1/100 of its range). Hence three checks:

    1. honestdid's own estimator, evaluated here (worst-case bias by the closed form, its
       standard deviation, the exact quantile), has honestdid's half-length within the
       Monte Carlo error of its quantile (4 standard errors);
    2. the half-length found here is never longer than that estimator's (it is the
       optimum) and at most 1% shorter (honestdid's bisection slack);
    3. honestdid's centre is its estimator's w'β̂ (to 1e-9), and the interval ends here
       differ from its ends by at most 10% of the half-length: the length is flat around
       the optimum, so near-optimal weights can centre differently (Lovenheim & Willen,
       first post period, M = 0.01: half-lengths within 0.07%, centres 6% of it apart)."""
    study = _study(row["data"])
    l_vec = _l_vec(study, row["target"])
    m = row["m"]
    w = np.array(json.loads(row["weights"]))
    sd = math.sqrt(w @ study.cov @ w)
    bias = max_bias(w[: study.n_pre], l_vec, m)
    theirs = sd * fold_quantile(bias / sd, 0.05)
    assert theirs == pytest.approx(row["half_length"], abs=_mc_tolerance(bias / sd, sd))
    ours = optimal_flci(study.estimates, study.cov, study.n_pre, l_vec, m)
    assert ours.half_length <= theirs + 1e-9
    assert ours.half_length >= 0.99 * theirs
    assert (row["lb"] + row["ub"]) / 2 == pytest.approx(w @ study.estimates, abs=1e-9)
    lo, hi = ours.ci
    assert abs(lo - row["lb"]) <= 0.10 * row["half_length"]
    assert abs(hi - row["ub"]) <= 0.10 * row["half_length"]


def test_original_interval_agrees_with_honestdid() -> None:
    for row in REFERENCE[REFERENCE["restriction"] == "original"].to_dict("records"):
        study = _study(row["data"])
        l_vec = _l_vec(study, row["target"])
        est = l_vec @ study.estimates[study.post]
        se = math.sqrt(l_vec @ study.cov[study.post, study.post] @ l_vec)
        assert est - 1.959963984540054 * se == pytest.approx(row["lb"], abs=1e-12)
        assert est + 1.959963984540054 * se == pytest.approx(row["ub"], abs=1e-12)


def test_max_bias_closed_form_equals_the_linear_programme() -> None:
    """The FLCI's worst-case bias formula against max w'δ over Δ^SD(M) by HiGHS."""
    rng = np.random.default_rng(7)
    for n_pre, n_post in ((1, 1), (4, 4), (6, 3)):
        l_vec = rng.uniform(size=n_post)
        v = rng.normal(size=n_pre)
        g = n_pre - np.arange(n_pre)  # Σ_j j v_{-j} must equal Σ_t t l_t
        v += g * ((np.arange(1, n_post + 1) @ l_vec - g @ v) / (g @ g))
        a, d = smoothness(n_pre, n_post, 0.3)
        res = optimize.linprog(-np.r_[v, l_vec], A_ub=a, b_ub=d, bounds=[(None, None)] * len(a[0]))
        assert max_bias(v, l_vec, 0.3) == pytest.approx(-res.fun, rel=1e-9, abs=1e-12)
    assert max_bias(np.array([1.0, 1.0]), np.array([1.0]), 0.3) == np.inf  # not trend-free


def test_warm_started_programmes_equal_linprog() -> None:
    """The warm-started HiGHS models give linprog's solutions (value and dual vertex)."""
    rng = np.random.default_rng(11)
    x, sd = rng.normal(size=(12, 3)), rng.uniform(0.5, 2, size=12)
    warm, cold = EtaLp(x, sd), EtaLp(x, sd, warm=False)
    for _ in range(20):
        y = rng.normal(size=12)
        (e1, g1), (e2, g2) = warm.solve(y), cold.solve(y)
        assert e1 == pytest.approx(e2, abs=1e-9)
        assert g1 @ y == pytest.approx(e1, abs=1e-8) and g2 @ y == pytest.approx(e2, abs=1e-8)
        c = rng.normal(size=12)
        (v1, _), (v2, _) = VertexLp(x, sd).solve(c), VertexLp(x, sd, warm=False).solve(c)
        assert v1 == pytest.approx(v2, abs=1e-9)
        assert v1 == pytest.approx(VertexLp(x, sd).solve(c)[0], abs=1e-9)


# --- planted violations ---------------------------------------------------------------------

TAU = 0.05


def _planted(slope: float, sd: float, seed: int = 0) -> EventStudyInput:
    """Event study with 4 pre and 2 post periods, effect TAU after the start and a linear
    differential trend slope x t in every period (t = -4..-1, 1, 2; the reference t = 0)."""
    t = np.r_[np.arange(-4, 0), np.arange(1, 3)]
    noise = np.random.default_rng(seed).normal(size=len(t)) * sd
    return EventStudyInput(np.where(t > 0, TAU, 0.0) + slope * t + noise, np.eye(6) * sd**2, 4, 2)


@pytest.mark.parametrize("slope", [0.1, 0.05, 0.025, -0.025])
def test_planted_linear_trend_sets_the_breakdown(slope: float) -> None:
    """With a trend of slope d the first post estimate is TAU + d, the pre-period first
    differences are all d, and under Δ^RM(M̄) the first post violation may reach M̄|d|:
    the interval reaches zero from M̄ = |TAU + d| / |d| on (1.5, 2, 3 and 1 here). With a
    negligible sampling error (SE 1e-5) the breakdown value is that, to the bisection's
    tolerance (0.01) and the noise (< 0.005)."""
    study = _planted(slope, 1e-5)
    l_vec = Target.month(0).vector(study)
    expected = abs(TAU + slope) / abs(slope)
    got = relative_magnitudes_breakdown(study, l_vec, tol=0.01, sims=200)
    assert got == pytest.approx(expected, abs=0.015)


SD = 0.002


def test_breakdown_falls_with_the_trend_and_bounds_the_intervals() -> None:
    """Noisier study (SE 0.002, so that the planted slopes dominate the pre-period
    changes; with SE 0.01 the noise's largest change sets the breakdown near 0.8 for all
    three): a steeper planted trend lowers the breakdown value, which
    stays below the noiseless value (sampling error only widens the intervals); the
    robust interval excludes zero just below the breakdown and contains it just above;
    the smoothness interval at M = 0 (linear trends allowed) recovers TAU."""
    values = []
    for slope in (0.01, 0.02, 0.04):
        study = _planted(slope, SD, seed=3)
        l_vec = Target.month(0).vector(study)
        values.append(relative_magnitudes_breakdown(study, l_vec, tol=0.005, sims=200))
        assert values[-1] < (TAU + slope) / slope
    assert values[0] > values[1] > values[2] > 0
    study = _planted(0.04, SD, seed=3)
    l_vec = Target.month(0).vector(study)
    lo, _, _ = relative_magnitudes_interval(
        study, l_vec, values[2] - 0.05, sims=200, grid_points=2001
    )
    assert lo > 0
    lo, _, _ = relative_magnitudes_interval(
        study, l_vec, values[2] + 0.05, sims=200, grid_points=2001
    )
    assert lo <= 0
    flci = optimal_flci(study.estimates, study.cov, 4, l_vec, 0.0)
    assert flci.ci[0] <= TAU <= flci.ci[1]
    naive = study.estimates[study.post][0]
    assert naive - 1.96 * SD > TAU  # the usual interval misses the effect


def test_trend_sensitivity_tidy_frame() -> None:
    study = _planted(0.0, 0.01, seed=1)
    res = trend_sensitivity(study, Target.window(0, 1), mbars=(0.5,), ms=(0.0,), breakdown=False)
    t = res.tidy(offer_id="los", outcome="self_sufficient")
    assert set(t["analysis"]) == {"parallel_trends", "relative_magnitudes", "smoothness"}
    assert (t["target"] == "mean e=0..1").all()
    ci = t[t["quantity"] == "robust_ci"]
    assert (ci["ci_low"] < ci["ci_high"]).all()


def test_certified_vertices_give_the_programmes_values() -> None:
    """The least-favourable critical value's draws: η̂ from a vertex certified optimal
    equals the linear programme's (to its tolerance), on every branch of Δ^RM for BC."""
    from evaluation.sensitivity.arp import _eta, simulated_etas
    from evaluation.sensitivity.model import _rm_branches

    study = _study("bc")
    for branch in _rm_branches(study, _l_vec(study, "first"), 1.0, 0.05, 0, 200):
        p = branch.problem
        draws = np.random.RandomState(0).multivariate_normal(np.zeros(len(p.sd)), p.sigma, 200)
        exact = np.array([_eta(p, y)[0] for y in draws])
        assert simulated_etas(p, draws) == pytest.approx(exact, abs=1e-6)
