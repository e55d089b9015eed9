"""Programme history: an earlier offer planted as a confounder in small hand-built data
biases the estimate without programme history and not with it; the history's
covariates, exact rules and zero hazards."""

from __future__ import annotations

import numpy as np
import pandas as pd
from _history_data import history_inputs

from evaluation.config import CovariateSpec, MatchingConfig, TargetGroup
from evaluation.did import MatchedEventStudy, status_outcome
from evaluation.matching import RiskSetMatching, build_risk_sets
from evaluation.matching.history import programme_history
from evaluation.panel import build_panel

RULE = TargetGroup(("cash_benefit",), 1)
SEEDS = (1, 2, 3)  # the first three, fixed before looking


def _pooled(panel, history: bool) -> tuple[float, float]:
    cfg = MatchingConfig(
        covariates=CovariateSpec(programme_history=history), exact_on=("start_month",)
    )
    match = RiskSetMatching(panel, "x", RULE, cfg).fit()
    res = MatchedEventStudy(panel, match, window=(-6, 11), placebo_months=()).fit(
        "job", status_outcome(("job",))
    )
    return res.pooled_estimate, res.pooled_std_error


def test_earlier_offer_confounds_without_programme_history_and_not_with_it() -> None:
    """x has no effect; persons who took ``old`` find jobs more often for good and never
    start x. Over three seeds the mean pooled estimate is compared with its standard
    error (the seeds are independent): without programme history the ``old``
    participants serve as controls and the estimate is clearly negative; with it they
    are excluded (no participant has that history) and the estimate is near 0."""
    without, with_, ses = [], [], []
    for seed in SEEDS:
        panel = build_panel(*history_inputs(seed))
        est0, _ = _pooled(panel, history=False)
        est1, se1 = _pooled(panel, history=True)
        without.append(est0)
        with_.append(est1)
        ses.append(se1)
    se_mean = np.sqrt(np.sum(np.square(ses))) / len(SEEDS)
    assert np.mean(without) / se_mean < -3, without
    assert abs(np.mean(with_) / se_mean) < 2.5, with_


def test_history_covariates_and_the_inside_rule() -> None:
    persons, status, participation = history_inputs(1, n=400)
    panel = build_panel(persons, status, participation)
    risk = build_risk_sets(panel, "x", RULE)
    hist = programme_history(panel, risk.person, risk.ref_month.astype(np.int64), "x")
    assert hist.offers == ("old",)
    q = participation[participation["offer_id"] == "old"]
    took = np.isin(panel.person_ids[risk.person], q["person_id"].to_numpy())
    np.testing.assert_array_equal(hist.ever[:, 0], took)  # every x risk set is after month 9
    first = pd.Timestamp("2021-01-01")
    start = (q["start_month"].iloc[0] - first).days // 30  # month 6
    assert (hist.months_since[took, 0] == risk.ref_month[took] - (panel.first_month + start)).all()
    assert not hist.inside.any()  # ``old`` ended in month 9, before every x start
    # nobody with that history is a control, and their hazard of starting x is 0
    match = RiskSetMatching(panel, "x", RULE, MatchingConfig(exact_on=("start_month",))).fit()
    controls = match.sets.loc[~match.sets["treated"], "person"].to_numpy()
    assert not np.isin(panel.person_ids[controls], q["person_id"].to_numpy()).any()
    assert match.balance.set_index("covariate").loc["programme_ever_old", "mean_control_after"] == 0
