"""The target group of everyone in a month (read month by month from the panel's
transposed status matrix) is the rule applied person by person."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation import months
from evaluation.config import TargetGroup
from evaluation.statuses import STATUSES, codes
from evaluation.target import in_target_group, target_group_members
from tests._tiny_panels import FIRST, tiny_panel

SOME = ("sickness_benefit", "cash_benefit", "job", "education")


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 30),
    k=st.integers(0, 4),
    month=st.integers(-1, 8),
    rule_statuses=st.sets(st.sampled_from(SOME), max_size=3),
    age=st.sampled_from([None, (40, 50), (18, 30)]),
)
def test_members_of_a_month_are_the_persons_meeting_the_rule(seed, n, k, month, rule_statuses, age):
    assert set(SOME) <= set(STATUSES)
    rng = np.random.default_rng(seed)
    panel = tiny_panel({f"p{i:02d}": list(rng.choice(SOME, 7)) for i in range(n)})
    rule = TargetGroup(tuple(sorted(rule_statuses)), months_before_start=k, age=age)
    m = months.parse(FIRST) + month
    everyone = np.arange(panel.n_persons)
    expected = np.flatnonzero(in_target_group(panel, everyone, m, rule))
    np.testing.assert_array_equal(target_group_members(panel, m, rule), expected)
    # and the rule as written, person by person
    col, wanted = month, set(codes(rule.statuses))
    by_hand = []
    for p in everyone:
        ok = k <= 0 or not rule.statuses
        if not ok and col - k >= 0 and col <= panel.n_months:
            ok = all(int(x) in wanted for x in panel.status[p, col - k : col])
        if age is not None:
            ok = ok and age[0] <= months.year_of(m) - panel.birth_year[p] <= age[1]
        by_hand.append(ok)
    np.testing.assert_array_equal(expected, np.flatnonzero(by_hand))
