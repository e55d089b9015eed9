"""The restrictions on the differential trend δ (Rambachan & Roth 2023, Section 2.3), as
polyhedra {δ : A δ <= d} over δ = (δ_-K..δ_-1, δ_1..δ_T), with δ_0 = 0 (the reference
period) substituted out.

* Smoothness Δ^SD(M): every second difference of δ, including those through δ_0, is at
  most M in absolute value: |(δ_{t+1} - δ_t) - (δ_t - δ_{t-1})| <= M. M = 0 allows
  exactly linear trends.
* Relative magnitudes Δ^RM(M̄): every post-period first difference is at most M̄ times
  the largest pre-period one, |δ_{t} - δ_{t-1}| <= M̄ max_{s<=0} |δ_s - δ_{s-1}| for
  t >= 1. It is a union of polyhedra, one for each pre period s attaining the maximum
  and each sign of that difference: Δ^RM_{s,+}(M̄) and Δ^RM_{s,-}(M̄), where
  |δ_t - δ_{t-1}| <= ±(δ_s - δ_{s-1}) for pre t and <= ±M̄ (δ_s - δ_{s-1}) for post t.

Rows come in the order of the R package HonestDiD (first the "+" then the "-" side of
each absolute value, zero rows removed), which fixes the simulation draws of the
least-favourable critical value (:mod:`.arp`).
"""

from __future__ import annotations

import numpy as np


def _drop_reference(a: np.ndarray, n_pre: int) -> np.ndarray:
    return np.delete(a, n_pre, axis=1)


def smoothness(n_pre: int, n_post: int, m: float) -> tuple[np.ndarray, np.ndarray]:
    """(A, d) of Δ^SD(M)."""
    n = n_pre + n_post
    second = np.zeros((n - 1, n + 1))
    for r in range(n - 1):
        second[r, r : r + 3] = (1.0, -2.0, 1.0)
    a = _drop_reference(np.vstack([second, -second]), n_pre)
    return a, np.full(len(a), float(m))


def relative_magnitudes(
    n_pre: int, n_post: int, mbar: float, s: int, positive: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(A, d) of Δ^RM_{s,±}(M̄) for the pre period s in -(K-1)..0 (the first difference
    δ_s - δ_{s-1}) and its sign."""
    if not -(n_pre - 1) <= s <= 0:
        raise ValueError(f"s must lie in -{n_pre - 1}..0")
    n = n_pre + n_post
    first = np.zeros((n, n + 1))
    for r in range(n):
        first[r, r : r + 2] = (-1.0, 1.0)
    ref = np.zeros(n + 1)
    col = n_pre + s - 1  # column of δ_{s-1}; δ_t sits in column n_pre + t
    ref[col : col + 2] = (-1.0, 1.0) if positive else (1.0, -1.0)
    bound = np.vstack([np.tile(ref, (n_pre, 1)), np.tile(mbar * ref, (n_post, 1))])
    a = np.vstack([first - bound, -first - bound])
    a = a[(a**2).sum(axis=1) > 1e-10]
    a = _drop_reference(a, n_pre)
    return a, np.zeros(len(a))


def post_rows(a: np.ndarray, n_pre: int) -> np.ndarray:
    """Rows of A that involve a post period (the moments the test uses; rows on pre
    periods only do not depend on the target)."""
    return np.flatnonzero((a[:, n_pre:] != 0).any(axis=1))
