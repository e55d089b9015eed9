"""Matching algorithms, one function each, chosen through the registry :data:`MATCHERS`.

Every matcher works within exact strata and returns matched sets: a set holds one or
more participants (weight 1 each) and controls whose weights sum to the number of
participants in the set. A control used in several sets keeps one row per use.
Ties in distance are broken by ``tiebreak`` (a rank of the pseudonymous ID), so the
result does not depend on the order of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

NO_CONTROL_IN_STRATUM = "no_control_in_stratum"
NO_CONTROL_WITHIN_CALIPER = "no_control_within_caliper"


@dataclass(frozen=True, eq=False)
class MatchInput:
    treated: np.ndarray  # bool per risk-set row
    stratum: np.ndarray  # int per row
    score: np.ndarray  # logit of the propensity score per row (zeros if unused)
    tiebreak: np.ndarray  # int per row, unique within a reference month
    features: np.ndarray | None  # (rows, d) Mahalanobis-transformed features, or None
    caliper: float  # absolute, on ``score``; inf for none
    k: int
    replace: bool


@dataclass(frozen=True, eq=False)
class Matches:
    set_id: np.ndarray  # per matched row
    row: np.ndarray  # risk-set row index
    weight: np.ndarray
    unmatched_row: np.ndarray  # participants' rows without a match
    unmatched_reason: np.ndarray  # str per unmatched row


Matcher = Callable[[MatchInput], Matches]


def _strata(inp: MatchInput) -> list[tuple[np.ndarray, np.ndarray]]:
    """(treated rows, control rows) per stratum with participants, controls ordered by
    (score, tiebreak)."""
    out = []
    order = np.lexsort((inp.tiebreak, inp.score, inp.stratum))
    st = inp.stratum[order]
    bounds = np.flatnonzero(np.r_[True, st[1:] != st[:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        rows = order[lo:hi]
        t = inp.treated[rows]
        if t.any():
            out.append((rows[t], rows[~t]))
    return out


def _with_controls(
    inp: MatchInput, unmatched: list[tuple[int, str]]
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The strata of :func:`_strata` that have controls; the participants of the others
    are added to ``unmatched`` (no control in the stratum) as the iteration reaches them."""
    for t_rows, c_rows in _strata(inp):
        if len(c_rows) == 0:
            unmatched += [(r, NO_CONTROL_IN_STRATUM) for r in t_rows]
        else:
            yield t_rows, c_rows


def _cat(xs: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(xs).astype(dtype) if xs else np.array([], dtype=dtype)


def _assemble(
    pairs: list[tuple[np.ndarray, np.ndarray]], unmatched: list[tuple[int, str]]
) -> Matches:
    """Turn (treated row, chosen control rows) pairs into sets with weights."""
    set_id, row, weight = [], [], []
    for sid, (t_rows, c_rows) in enumerate(pairs):
        set_id.append(np.full(len(t_rows) + len(c_rows), sid))
        row.append(np.concatenate([t_rows, c_rows]))
        weight.append(np.r_[np.ones(len(t_rows)), np.full(len(c_rows), len(t_rows) / len(c_rows))])
    return Matches(
        set_id=_cat(set_id, np.int64),
        row=_cat(row, np.int64),
        weight=_cat(weight, np.float64),
        unmatched_row=np.array([u[0] for u in unmatched], dtype=np.int64),
        unmatched_reason=np.array([u[1] for u in unmatched], dtype=object),
    )


def nearest_with_replacement(inp: MatchInput) -> Matches:
    """k nearest controls on the score within the caliper, controls reusable: a set per
    matched participant, numbered as :func:`_by_row` numbers them."""
    t_parts, chosen_parts, ok_parts = [], [], []
    unmatched: list[tuple[int, str]] = []
    for t_rows, c_rows in _with_controls(inp, unmatched):
        if inp.features is not None:
            chosen, ok = _k_nearest_features(inp, t_rows, c_rows)
        else:
            chosen, ok = _k_nearest_sorted(inp, t_rows, c_rows)
        has = ok.any(axis=1)
        unmatched += [(r, NO_CONTROL_WITHIN_CALIPER) for r in t_rows[~has]]
        t_parts.append(t_rows[has])
        chosen_parts.append(chosen[has])
        ok_parts.append(ok[has])
    k = inp.k
    t = _cat(t_parts, np.int64)
    chosen = np.concatenate(chosen_parts) if chosen_parts else np.zeros((0, k), np.int64)
    ok = np.concatenate(ok_parts) if ok_parts else np.zeros((0, k), bool)
    order = np.lexsort((t, inp.tiebreak[t]))  # by tie-break key, then row
    t, chosen, ok = t[order], chosen[order], ok[order]
    # each set's rows: its participant (weight 1), then its controls (1 / their number)
    used = np.column_stack([np.ones(len(t), bool), ok])
    n_c = ok.sum(axis=1)
    weight = np.column_stack([np.ones(len(t)), np.repeat((1 / n_c)[:, None], k, axis=1)])
    return Matches(
        set_id=np.repeat(np.arange(len(t), dtype=np.int64), 1 + n_c),
        row=np.column_stack([t, chosen])[used].astype(np.int64),
        weight=weight[used],
        unmatched_row=np.array([u[0] for u in unmatched], dtype=np.int64),
        unmatched_reason=np.array([u[1] for u in unmatched], dtype=object),
    )


def _k_nearest_sorted(
    inp: MatchInput, t_rows: np.ndarray, c_rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """k nearest in a stratum's controls sorted by score: among 2k around the insertion
    point. Returns chosen control rows (n_t, k) and a validity mask."""
    k = inp.k
    cs = inp.score[c_rows]
    ts = inp.score[t_rows]
    pos = np.searchsorted(cs, ts)
    idx = pos[:, None] + np.arange(-k, k)[None, :]
    valid = (idx >= 0) & (idx < len(cs))
    idx_c = np.clip(idx, 0, len(cs) - 1)
    d = np.abs(cs[idx_c] - ts[:, None])
    d = np.where(valid & (d <= inp.caliper), d, np.inf)
    tb = inp.tiebreak[c_rows][idx_c]
    order = np.lexsort((tb, d), axis=1)[:, :k]
    take = np.take_along_axis(idx_c, order, axis=1)
    ok = np.isfinite(np.take_along_axis(d, order, axis=1))
    return c_rows[take], ok


def _k_nearest_features(
    inp: MatchInput, t_rows: np.ndarray, c_rows: np.ndarray, chunk: int = 512
) -> tuple[np.ndarray, np.ndarray]:
    """k nearest by Euclidean distance on (Mahalanobis-transformed) features, with the
    score caliper applied."""
    k = min(inp.k, len(c_rows))
    fc = inp.features[c_rows]
    nc2 = (fc**2).sum(axis=1)
    chosen = np.zeros((len(t_rows), inp.k), dtype=np.int64)
    ok = np.zeros((len(t_rows), inp.k), dtype=bool)
    for lo in range(0, len(t_rows), chunk):
        tr = t_rows[lo : lo + chunk]
        ft = inp.features[tr]
        d = (ft**2).sum(axis=1)[:, None] + nc2[None, :] - 2 * ft @ fc.T
        far = np.abs(inp.score[tr][:, None] - inp.score[c_rows][None, :]) > inp.caliper
        d = np.where(far, np.inf, np.maximum(d, 0))
        tb = np.broadcast_to(inp.tiebreak[c_rows], d.shape)
        part = np.argpartition(d, k - 1, axis=1)[:, :k] if k < d.shape[1] else np.argsort(d, axis=1)
        dk = np.take_along_axis(d, part, axis=1)
        o = np.lexsort((np.take_along_axis(tb, part, axis=1), dk), axis=1)
        part = np.take_along_axis(part, o, axis=1)
        chosen[lo : lo + len(tr), :k] = c_rows[part]
        ok[lo : lo + len(tr), :k] = np.isfinite(np.take_along_axis(dk, o, axis=1))
    return chosen, ok


def nearest_without_replacement(inp: MatchInput) -> Matches:
    """Greedy k nearest on the score, each control used at most once per stratum.

    Participants are served from the highest score down (the hardest to match first).
    """
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    unmatched: list[tuple[int, str]] = []
    for t_rows, c_rows in _with_controls(inp, unmatched):
        cs = inp.score[c_rows]
        used = np.zeros(len(c_rows), dtype=bool)
        for r in t_rows[np.lexsort((inp.tiebreak[t_rows], -inp.score[t_rows]))]:
            picks = _greedy_pick(cs, used, inp.score[r], inp.k, inp.caliper)
            if picks:
                used[picks] = True
                pairs.append((np.array([r]), c_rows[picks]))
            else:
                unmatched.append((int(r), NO_CONTROL_WITHIN_CALIPER))
    return _assemble(_by_row(pairs, inp.tiebreak), unmatched)


def _greedy_pick(cs: np.ndarray, used: np.ndarray, s: float, k: int, caliper: float) -> list[int]:
    """Up to k nearest unused positions in sorted ``cs`` within the caliper."""
    pos = int(np.searchsorted(cs, s))
    lo, hi, picks = pos - 1, pos, []
    while len(picks) < k:
        while lo >= 0 and used[lo]:
            lo -= 1
        while hi < len(cs) and used[hi]:
            hi += 1
        dl = s - cs[lo] if lo >= 0 else np.inf
        dh = cs[hi] - s if hi < len(cs) else np.inf
        if min(dl, dh) > caliper or not np.isfinite(min(dl, dh)):
            break
        if dh < dl:
            picks.append(hi)
            hi += 1
        else:
            picks.append(lo)
            lo -= 1
    return picks


def exact(inp: MatchInput) -> Matches:
    """Exact matching alone: every control in a participant's stratum, weighted so the
    controls of a stratum sum to its number of participants."""
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    unmatched: list[tuple[int, str]] = []
    for t_rows, c_rows in _with_controls(inp, unmatched):
        pairs.append((np.sort(t_rows), np.sort(c_rows)))
    return _assemble(pairs, unmatched)


def _by_row(
    pairs: list[tuple[np.ndarray, np.ndarray]], tiebreak: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Number sets by the participant's tie-break key (then row), so set ids depend
    neither on stratum iteration nor on the order of rows."""
    return sorted(pairs, key=lambda p: (int(tiebreak[p[0][0]]), int(p[0][0])))


@dataclass(frozen=True)
class MatcherSpec:
    """A matching variant: its algorithm and what the model must hand it.

    ``uses_score``: the propensity score's logit orders candidates and the caliper
    applies to it (without: zero scores, no caliper, no common-support summary);
    ``uses_features``: distances are Mahalanobis distances on the covariates."""

    matcher: Matcher
    uses_score: bool = True
    uses_features: bool = False


MATCHERS: dict[tuple[str, bool], MatcherSpec] = {
    ("propensity", True): MatcherSpec(nearest_with_replacement),
    ("propensity", False): MatcherSpec(nearest_without_replacement),
    ("mahalanobis", True): MatcherSpec(nearest_with_replacement, uses_features=True),
    ("exact", True): MatcherSpec(exact, uses_score=False),
    ("exact", False): MatcherSpec(exact, uses_score=False),  # every control once anyway
}
"""Matching variants by (method, with replacement)."""
