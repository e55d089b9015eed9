"""The balance table counts small-range integer covariates by value instead of sorting
them; these properties pin that to the sorted answer, value for value."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.matching.balance import _binary, _mode, balance_table, ecdf_max

INT_TYPES = st.sampled_from([np.int8, np.int16, np.int32, np.int64, np.uint8])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), dtype=INT_TYPES, n=st.integers(1, 300),
       lo=st.integers(-120, 3), width=st.integers(0, 5))  # fmt: skip
def test_mode_and_binary_by_counting_equal_the_sorted_answer(seed, dtype, n, lo, width):
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.unsignedinteger):
        lo = max(lo, 0)
    v = rng.integers(lo, lo + width + 1, n).astype(dtype)
    values, counts = np.unique(v, return_counts=True)
    assert _mode(v) == values[counts.argmax()]  # the smallest of equally common ones
    assert _binary(v) == bool(np.all((v == 0) | (v == 1)))
    f = v.astype(np.float64)
    assert _mode(f) == values[counts.argmax()] and _binary(f) == _binary(v)


def test_a_count_covariate_is_judged_as_with_floats() -> None:
    """The same table whether a covariate arrives as int8 or as float64."""
    rng = np.random.default_rng(3)
    n = 4_000
    treated = rng.random(n) < 0.2
    weight = np.where(treated, 1.0, rng.random(n) * (rng.random(n) < 0.3))
    ints = pd.DataFrame({
        "months_on_benefit": rng.poisson(3, n).astype(np.int8),
        "flag": (rng.random(n) < 0.1).astype(np.int8),
        "negative": rng.integers(-3, 2, n).astype(np.int8),
    })  # fmt: skip
    a = balance_table(ints, treated, weight)
    b = balance_table(ints.astype(np.float64), treated, weight)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert a["binary"].tolist() == [False, True, False]


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10_000), dtype=INT_TYPES, n_t=st.integers(1, 200),
       n_c=st.integers(1, 400), lo=st.integers(-120, 3), width=st.integers(0, 6))  # fmt: skip
def test_ecdf_distance_by_counting_equals_the_sorted_one(seed, dtype, n_t, n_c, lo, width):
    """Integers with weights 1 are counted by value; floats take the sorting path: the
    same distance to the last bit."""
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.unsignedinteger):
        lo = max(lo, 0)
    x_t = rng.integers(lo, lo + width + 1, n_t).astype(dtype)
    x_c = rng.integers(lo, lo + width + 1, n_c).astype(dtype)
    counted = ecdf_max(x_t, None, x_c, None)
    assert counted == ecdf_max(x_t.astype(np.float64), None, x_c.astype(np.float64), None)
    assert 0.0 <= counted <= 1.0


def test_uint64_beyond_a_platform_integer_takes_the_sorting_path() -> None:
    big = np.array([2**64 - 1, 2**64 - 2, 2**64 - 2], np.uint64)
    other = np.array([2**64 - 1, 2**64 - 3], np.uint64)
    assert ecdf_max(big, None, other, None) == 0.5
    assert _mode(big) == 2**64 - 2
