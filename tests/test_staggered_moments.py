"""The register-scale path of Callaway & Sant'Anna (``staggered_moments``: estimates and
standard errors from per-cohort moments, no units x cells influence matrix) against the
per-unit path (``staggered_drdid`` with an intercept-only design: every unit's influence
function formed explicitly, R's ``reg_did_panel`` / ``reg_did_rc``), on simulated
balanced and unbalanced panels, for every cell and every aggregation."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from evaluation.did import staggered_drdid
from evaluation.did.staggered import att_gt, att_gt_from_values
from evaluation.did.staggered_data import Cells, StaggeredPanel, sample_rules


def _simulated(n: int, periods: int, holes: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.arange(periods, dtype=float) + 1
    g = rng.choice(np.r_[0, years[2:-1]], size=n)
    y = rng.normal(0, 1, n)[:, None] + 0.2 * years + 0.3 * (years >= g[:, None]) * (g[:, None] > 0)
    y = y + rng.normal(0, 1, (n, periods)) * (1 + 0.5 * g[:, None] / periods)
    frame = pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), periods),
            "t": np.tile(years, n),
            "g": np.repeat(g, periods),
            "y": y.ravel(),
        }
    )
    return frame[rng.random(len(frame)) >= holes]


def _per_unit(data: pd.DataFrame, **options) -> tuple:
    """The per-unit influence functions of the same cells (intercept-only design)."""
    full = StaggeredPanel.from_long(data, y="y", t="t", unit="id", group="g", allow_unbalanced=True)
    sample = sample_rules(full.g, full.periods, options["control_group"], 0)
    panel = StaggeredPanel(full.periods, full.y, sample.g, np.zeros((full.n, len(full.periods), 0)))
    panel = panel.subset(sample.units, slice(0, sample.n_periods))
    cells = Cells.build(
        panel.periods, sample.cohorts, options["base_period"], options["control_group"], 0
    )
    return staggered_drdid.estimate(panel, cells, np.unique(panel.g), "reg")


CASES = [
    {"control_group": "never_treated", "base_period": "varying"},
    {"control_group": "not_yet_treated", "base_period": "varying"},
    {"control_group": "not_yet_treated", "base_period": "universal"},
]


@pytest.mark.parametrize("holes", [0.0, 0.15])
@pytest.mark.parametrize("options", CASES)
def test_moments_equal_per_unit_influence(holes: float, options: dict) -> None:
    data = _simulated(800, 7, holes, seed=3)
    res = att_gt(data, y="y", t="t", unit="id", group="g", allow_unbalanced_panel=True, **options)
    assert res.balanced == (holes == 0)
    att, ok, per_unit = _per_unit(data, **options)
    np.testing.assert_allclose(res.att, att[ok], rtol=0, atol=1e-12)
    slow = replace(res, influence=per_unit)
    np.testing.assert_allclose(
        res.influence.cell_variances(), per_unit.cell_variances(), rtol=1e-9, atol=1e-18
    )
    for kind in ("simple", "group", "dynamic", "calendar"):
        fast, brute = res.aggregate(kind), slow.aggregate(kind)
        np.testing.assert_allclose(fast.att, brute.att, rtol=0, atol=1e-12)
        np.testing.assert_allclose(fast.cov, brute.cov, rtol=1e-9, atol=1e-15)
        assert fast.overall_se == pytest.approx(brute.overall_se, rel=1e-9)


def test_arbitrary_combinations_have_the_same_covariance() -> None:
    """cov(L, K) for random cell weights and cohort terms, not just R's aggregations."""
    data = _simulated(500, 6, 0.2, seed=5)
    options = {"control_group": "not_yet_treated", "base_period": "varying"}
    res = att_gt(data, y="y", t="t", unit="id", group="g", allow_unbalanced_panel=True, **options)
    _, _, per_unit = _per_unit(data, **options)
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(4, len(res.att)))
    terms = rng.normal(size=(4, len(res.influence.cohorts)))
    np.testing.assert_allclose(
        res.influence.cov(weights, terms), per_unit.cov(weights, terms), rtol=1e-9
    )


def test_outcome_read_block_by_block_gives_the_same_result() -> None:
    """``att_gt_from_values`` (outcome read through a callback in small blocks) equals
    ``att_gt`` on the long frame."""
    data = _simulated(600, 6, 0.1, seed=9)
    wide = data.pivot(index="id", columns="t", values="y")
    g = data.groupby("id")["g"].first().reindex(wide.index).to_numpy()
    y = wide.to_numpy()
    calls = []

    def values(units: np.ndarray) -> np.ndarray:
        calls.append(len(units))
        return y[units]

    fast = att_gt_from_values(values, g, wide.columns.to_numpy(), base_period="universal", chunk=64)
    ref = att_gt(
        data,
        y="y",
        t="t",
        unit="id",
        group="g",
        control_group="not_yet_treated",
        base_period="universal",
        allow_unbalanced_panel=True,
    )
    assert max(calls) <= 64 and sum(calls) == len(g)
    np.testing.assert_allclose(fast.att, ref.att, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fast.se, ref.se, rtol=1e-10)
    a, b = fast.aggregate("dynamic"), ref.aggregate("dynamic")
    np.testing.assert_allclose(a.se, b.se, rtol=1e-10)
