"""The decomposition of the raw difference into selection and extra effect, on the
synthetic municipality (known truth; praktik has no effect of its own and creams)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _municipality import demo_municipality

from evaluation import months
from evaluation.decomposition import DECOMPOSITION_COLUMNS, Decomposition, decompose
from evaluation.did import MatchedEventStudy, status_outcome
from evaluation.statuses import SELF_SUFFICIENT, UNOBSERVED
from evaluation.synth import true_att
from evaluation.target import in_target_group

VALUES = status_outcome(SELF_SUFFICIENT)


@pytest.fixture(scope="module")
def decompositions() -> dict[str, tuple[Decomposition, float]]:
    """Per offer: the decomposition and the true ATT over the headline window (the
    matched participants' cohorts, as the event-study truth test weighs them)."""
    m = demo_municipality()
    out = {}
    for offer in m.config.offers:
        match = m.matches[offer.offer_id]
        res = MatchedEventStudy(m.panel, match).fit("self_sufficient", VALUES)
        d = decompose(m.panel, match, res, offer.target_group, VALUES)
        tr = match.sets[match.sets["treated"]].groupby("ref_month").size()
        cohorts = pd.DataFrame(
            {
                "offer_id": offer.offer_id,
                "start_month": months.to_timestamps(tr.index.to_numpy()),
                "n": tr.to_numpy(),
            }
        )
        truth = true_att(m.synth.true_effects, cohorts=cohorts)
        truth = truth[truth["outcome"] == "self_sufficient"].set_index("event_time")["effect"]
        w = res._pool_weights
        t = truth.reindex(res.event_times).to_numpy()
        out[offer.offer_id] = (d, float(np.nansum(w * t)))
    return out


def test_raw_difference_is_selection_plus_extra_effect(decompositions) -> None:
    for d, _ in decompositions.values():
        assert np.isfinite(d.raw_difference)
        assert d.raw_difference == pytest.approx(d.selection + d.extra_effect, abs=1e-12)
        row = d.tidy()
        assert tuple(row.columns) == DECOMPOSITION_COLUMNS
        r = row.iloc[0]
        assert r["raw_difference"] == pytest.approx(r["selection"] + r["extra_effect"], abs=1e-12)


def test_creaming_shows_as_selection_not_effect(decompositions) -> None:
    """praktik has no effect of its own and creams hardest: its selection part is
    positive and its extra effect within 2.5 SE of the truth (about zero)."""
    d, truth = decompositions["praktik"]
    assert d.selection > 2 * d.did_std_error
    assert abs(d.extra_effect - truth) < 2.5 * d.did_std_error
    assert abs(truth) < 0.01
    for offer_id, (dd, t) in decompositions.items():  # every offer creams; effects honest
        assert dd.selection > 0, offer_id
        assert abs(dd.extra_effect - t) < 2.5 * dd.did_std_error, offer_id
        # matching is exact on the status before the start: levels and DiD nearly agree
        assert abs(dd.extra_effect - dd.did_estimate) <= abs(dd.baseline_gap) + 1e-9


def test_target_group_level_by_brute_force(decompositions) -> None:
    """T for one offer recomputed with the target-group rule applied person by person."""
    m = demo_municipality()
    offer = next(o for o in m.config.offers if o.offer_id == "ung")
    match = m.matches["ung"]
    d, _ = decompositions["ung"]
    tr = match.sets[match.sets["treated"]]
    everyone = np.arange(m.panel.n_persons)
    levels = []
    for e in range(d.window[0], d.window[1] + 1):
        num = den = 0.0
        for s, grp in tr.groupby("ref_month"):
            cols = (grp["ref_month"].to_numpy() - 1 - m.panel.first_month,
                    grp["ref_month"].to_numpy() + e - m.panel.first_month)  # fmt: skip
            if cols[1][0] >= m.panel.n_months:
                continue
            st = m.panel.status[grp["person"].to_numpy()]
            n_s = int(((st[:, cols[0][0]] != UNOBSERVED) & (st[:, cols[1][0]] != UNOBSERVED)).sum())
            if n_s == 0:
                continue
            members = everyone[in_target_group(m.panel, everyone, int(s), offer.target_group)]
            status = m.panel.status[members, cols[1][0]]
            status = status[status != UNOBSERVED]
            num += n_s * VALUES[status].mean()
            den += n_s
        if den:
            levels.append(num / den)
    assert d.target_group_level == pytest.approx(np.mean(levels), rel=1e-12)
