"""An offer evaluated in two steps (matching, then the rest from that match, as the flow
runs them in separate tasks) is the offer evaluated at once."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.offer import evaluate_offer, match_offer
from tests._municipality import demo_municipality


def test_an_offer_estimated_from_its_own_match_is_the_offer_evaluated_at_once() -> None:
    m = demo_municipality()
    offer = m.config.offers[1]
    match = match_offer(m.panel, offer)
    assert match.n_matched > 0
    in_steps = evaluate_offer(m.panel, offer, m.config, match=match)
    assert in_steps.match is match
    at_once = m.evaluations[offer.offer_id].tidy().tables()
    for name, table in in_steps.tidy().tables().items():
        pd.testing.assert_frame_equal(table, at_once[name], check_exact=True, obj=name)


def test_the_match_of_another_offer_is_refused() -> None:
    m = demo_municipality()
    first, second = m.config.offers[:2]
    with pytest.raises(ValueError, match=f"match given is of offer {first.offer_id}"):
        evaluate_offer(m.panel, second, m.config, match=m.matches[first.offer_id])
