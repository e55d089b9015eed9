"""Nearest-neighbour matching with replacement lays out its sets with array operations;
these properties pin that to assembling the sets pair by pair (the previous code, kept
here as the reference), array for array."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.matching.matchers import (
    NO_CONTROL_WITHIN_CALIPER,
    MatchInput,
    _assemble,
    _by_row,
    _k_nearest_features,
    _k_nearest_sorted,
    _with_controls,
    nearest_with_replacement,
)


def _pair_by_pair(inp: MatchInput):
    pairs, unmatched = [], []
    for t_rows, c_rows in _with_controls(inp, unmatched):
        if inp.features is not None:
            chosen, ok = _k_nearest_features(inp, t_rows, c_rows)
        else:
            chosen, ok = _k_nearest_sorted(inp, t_rows, c_rows)
        for i, r in enumerate(t_rows):
            if ok[i].any():
                pairs.append((np.array([r]), chosen[i][ok[i]]))
            else:
                unmatched.append((r, NO_CONTROL_WITHIN_CALIPER))
    return _assemble(_by_row(pairs, inp.tiebreak), unmatched)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 100_000),
    n=st.integers(0, 120),
    strata=st.integers(1, 6),
    k=st.integers(1, 4),
    caliper=st.sampled_from([np.inf, 0.5, 0.05, 0.0]),
    levels=st.integers(1, 8),
    features=st.booleans(),
)
def test_sets_with_replacement_equal_the_pair_by_pair_assembly(
    seed, n, strata, k, caliper, levels, features
):
    rng = np.random.default_rng(seed)
    score = rng.integers(0, levels, n) / levels  # few distinct scores: many ties
    inp = MatchInput(
        treated=rng.random(n) < 0.3,
        stratum=rng.integers(0, strata, n),
        score=score,
        tiebreak=rng.permutation(n),
        features=np.column_stack([score, rng.integers(0, 3, n)]) if features else None,
        caliper=caliper,
        k=k,
        replace=True,
    )
    got, want = nearest_with_replacement(inp), _pair_by_pair(inp)
    for name in ("set_id", "row", "weight", "unmatched_row", "unmatched_reason"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b, err_msg=name)
