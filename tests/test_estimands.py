"""The two estimands: per protocol (controls censored at their own later start, the
headline) and intention to treat (controls followed whatever they do later)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation import months
from evaluation.did import MatchedEventStudy, status_outcome
from evaluation.matching.data import NEVER
from evaluation.statuses import SELF_SUFFICIENT, UNOBSERVED
from evaluation.synth import true_att
from tests._hetero import hetero, study

SS = status_outcome(SELF_SUFFICIENT)
OFFERS = ("mentor", "praktik", "jobformidler")


def _later_starters(st: MatchedEventStudy) -> tuple[np.ndarray, np.ndarray]:
    """Control members who start the offer later, and the columns from their start on."""
    d = st.design
    own = st.panel.offer_starts[st.match.offer_id][d.person]
    months_ = d.ref_month[:, None] + d.event_times[None, :]
    after = ~d.treated[:, None] & (own[:, None] != NEVER) & (months_ >= own[:, None])
    return after.any(axis=1), after


def test_itt_follows_controls_after_their_own_start():
    """Per protocol, a control's months from their own start on are censored and the
    others carry censoring weights; ITT keeps those months and the matching weights."""
    pp, itt = study("mentor"), study("mentor", "itt")
    starters, after = _later_starters(pp)
    assert starters.sum() > 20  # some controls start mentor later
    assert (pp.design.status[after] == UNOBSERVED).all()
    observed = itt.design.status[after] != UNOBSERVED
    assert observed.mean() > 0.5  # unobserved only beyond the data or without e = -1
    w = pp.match.sets["weight"].to_numpy()
    np.testing.assert_allclose(itt.design.weight, w[:, None] * np.ones(itt.design.weight.shape[1]))
    assert (pp.design.weight[starters].max(axis=1) > w[starters]).any()  # IPC weights


def test_itt_equals_per_protocol_without_later_starters():
    """Where no control starts later the two designs coincide (weights aside): the
    persons who never start have identical statuses."""
    pp, itt = study("mentor"), study("mentor", "itt")
    starters, _ = _later_starters(pp)
    np.testing.assert_array_equal(pp.design.status[~starters], itt.design.status[~starters])


@pytest.mark.parametrize("offer_id", OFFERS)
def test_each_estimand_recovers_its_own_truth(offer_id):
    """The pooled ATT over event months 0..11 within 3.29 SE of the generator's truth of
    its estimand, over the matched participants' cohorts (6 checks, 0.1% each)."""
    synth, _ = hetero()
    for estimand, truth in (("per_protocol", synth.true_effects), ("itt", synth.itt_effects)):
        st = study(offer_id, estimand)
        res = st.fit("self_sufficient", SS)
        sets = st.match.sets
        n = sets[sets["treated"]].groupby("ref_month").size()
        cohorts = pd.DataFrame(
            {
                "offer_id": offer_id,
                "start_month": months.to_timestamps(n.index.to_numpy()),
                "n": n.to_numpy(),
            }
        )
        t = true_att(truth, cohorts=cohorts)
        t = t[t["outcome"] == "self_sufficient"].set_index("event_time")["effect"]
        pooled_truth = float(np.nansum(res._pool_weights * t.reindex(res.event_times).to_numpy()))
        z = (res.pooled_estimate - pooled_truth) / res.pooled_std_error
        assert abs(z) <= 3.29, (estimand, res.pooled_estimate, pooled_truth, z)


def test_itt_truth_is_smaller_where_controls_start_later():
    """In the generator, controls who do not start now may start later and benefit: the
    ITT truth of an effective offer is below its per-protocol truth."""
    synth, _ = hetero()

    def pooled(te: pd.DataFrame, offer_id: str) -> float:
        x = te[(te["offer_id"] == offer_id) & (te["outcome"] == "self_sufficient")]
        x = x[x["event_time"].between(0, 11)]
        return float((x["effect"] * x["n"]).sum() / x["n"].sum())

    for offer_id in ("mentor", "jobformidler", "ung"):
        assert pooled(synth.itt_effects, offer_id) < pooled(synth.true_effects, offer_id)
    assert abs(pooled(synth.itt_effects, "praktik")) < 0.01


def test_unknown_estimand_is_refused():
    st = study("mentor")
    with pytest.raises(ValueError, match="estimand"):
        MatchedEventStudy(st.panel, st.match, estimand="as_treated")
