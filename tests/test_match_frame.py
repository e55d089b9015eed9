"""The cross-section matcher: against a peer (causalinference) on MatchIt's lalonde
data, the Abadie-Imbens standard error against a hand computation, and its balance
table (the columns of balance.parquet)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.matching import match_frame

DATA = Path(__file__).parent / "data" / "lalonde"
REFERENCE = json.loads((DATA / "reference.json").read_text())  # make_reference.py


@pytest.fixture(scope="module")
def lalonde() -> pd.DataFrame:
    return pd.read_csv(DATA / "lalonde.tab", sep=" ", quotechar='"')


@pytest.mark.parametrize("k", [1, 3])
def test_mahalanobis_matches_equal_the_peer_where_there_are_no_ties(lalonde, k) -> None:
    """Every participant whose k nearest controls are unique (no tie at the k-th
    distance: causalinference then uses more than k) gets the peer's matched mean; the
    ATT differs only through the tied participants (ties are broken by row here)."""
    m = match_frame(
        lalonde, "treat", REFERENCE["covariates"], k=k, caliper_sd=None, method="mahalanobis"
    )
    sets = m.sets
    y = lalonde["re78"].to_numpy()
    c = sets[~sets["treated"]]
    yhat0 = (c["weight"] * y[c["row"]]).groupby(c["set_id"]).sum()
    t = sets[sets["treated"]].set_index("set_id")["row"]
    ours = pd.Series(yhat0.loc[t.index].to_numpy(), index=t.to_numpy()).sort_index()
    peer = np.array(REFERENCE[f"yhat0_m{k}"])
    untied = (np.array(REFERENCE[f"n_matches_m{k}"]) == k) & _clear_kth(lalonde, k)
    assert len(ours) == len(peer) == 185 and untied.sum() >= 160
    np.testing.assert_allclose(ours.to_numpy()[untied], peer[untied], rtol=1e-10)
    att = m.att("re78")
    # the same ATT once the tied participants take the peer's mean
    both = np.where(untied, ours.to_numpy(), peer)
    assert (y[ours.index] - both).mean() == pytest.approx(REFERENCE[f"att_m{k}"], rel=1e-10)
    assert att["n_treated"] == 185 and att["ci_low"] < att["estimate"] < att["ci_high"]


def _clear_kth(lalonde: pd.DataFrame, k: int) -> np.ndarray:
    """Participants whose k-th and (k+1)-th nearest controls are not within rounding of
    each other (distances computed two ways may order a near tie differently)."""
    x = lalonde[REFERENCE["covariates"]].to_numpy(float)
    vals, vecs = np.linalg.eigh(np.cov(x, rowvar=False))
    z = (x - x.mean(axis=0)) @ (vecs / np.sqrt(vals))
    t = lalonde["treat"].to_numpy() == 1
    d = ((z[t][:, None, :] - z[~t][None, :, :]) ** 2).sum(axis=2)
    part = np.sort(d, axis=1)[:, k - 1 : k + 1]
    return part[:, 1] - part[:, 0] > 1e-9 * (1 + part[:, 1])


def test_abadie_imbens_standard_error_by_hand() -> None:
    """Six units on one covariate, k = 1 with replacement, exact distances.

    Participants A (x=0, y=5), B (x=2, y=7); controls c1 (x=0.1, y=1), c2 (x=1.9, y=3),
    c3 (x=2.2, y=4), c4 (x=5, y=0). A takes c1, B takes c2 (c3 is 0.2 away).
    tau = ((5-1) + (7-3)) / 2 = 4. Each control is used once: k_j^2 - sum w^2 = 0, so
    V = [(4-4)^2 + (4-4)^2] / 4 = 0: the formula gives 0 here, which must be reported
    as not estimable, not as a zero-width interval. With B's outcome 9 instead:
    tau = 5, V = [(4-5)^2 + (6-5)^2] / 4 = 0.5."""
    frame = pd.DataFrame(
        {
            "t": [1, 1, 0, 0, 0, 0],
            "x": [0.0, 2.0, 0.1, 1.9, 2.2, 5.0],
            "y": [5.0, 7.0, 1.0, 3.0, 4.0, 0.0],
        }
    )
    m = match_frame(frame, "t", ["x"], k=1, caliper_sd=None, method="mahalanobis")
    flat = m.att("y")
    assert flat["estimate"] == 4 and np.isnan(flat["std_error"]) and np.isnan(flat["ci_low"])
    frame.loc[1, "y"] = 9.0
    att = match_frame(frame, "t", ["x"], k=1, caliper_sd=None, method="mahalanobis").att("y")
    assert att["estimate"] == 5 and att["std_error"] == pytest.approx(np.sqrt(0.5))


def test_reused_control_adds_its_variance_from_its_neighbours() -> None:
    """A and B (x = 0 and 0.05) both take c1 (x = 0.02, y = 2); c1's two nearest other
    controls c2 (x = 1, y = 4) and c3 (x = 1.5, y = 6) give sigma^2 = 2/3 (2 - 5)^2 = 6.
    tau = ((5 - 2) + (9 - 2)) / 2 = 5; V = [(3-5)^2 + (7-5)^2 + (2^2 - 2) * 6] / 4 = 5."""
    frame = pd.DataFrame(
        {
            "t": [1, 1, 0, 0, 0],
            "x": [0.0, 0.05, 0.02, 1.0, 1.5],
            "y": [5.0, 9.0, 2.0, 4.0, 6.0],
        }
    )
    att = match_frame(frame, "t", ["x"], k=1, caliper_sd=None, method="mahalanobis").att("y")
    assert att["estimate"] == 5 and att["std_error"] == pytest.approx(np.sqrt(5.0))


def test_propensity_matching_on_lalonde_balances_and_reports_like_balance_parquet(lalonde):
    cov = ["age", "educ", "married", "nodegree", "re74", "re75"]
    m = match_frame(lalonde, "treat", cov, k=1, caliper_sd=0.2)
    b = m.balance
    assert list(b.columns) == [
        "covariate",
        "smd_before",
        "smd_after",
        "variance_ratio_before",
        "variance_ratio_after",
        "ecdf_max_before",
        "ecdf_max_after",
        "passed",
    ]
    assert list(b["covariate"]) == cov
    assert b["smd_after"].abs().max() < b["smd_before"].abs().max()
    att = m.att("re78")
    assert 0 < att["n_treated"] <= 185 and att["std_error"] > 0
