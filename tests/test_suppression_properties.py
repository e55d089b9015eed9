"""Properties of small-cell suppression on random tables with margins.

The tables are two-way: groups of rows, each with an all-rows ``total`` row, and two
count columns with their row total ``n``, plus a share resting on ``a``. So every cell
sits in up to two additive relations (its group's column and its row).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.privacy import ColumnTotal, RowTotal, suppress, suppress_effects

COUNTS = ["a", "b", "n"]
RULES = (
    RowTotal(columns=("a", "b", "n"), by=("group",), key="row", total="total"),
    ColumnTotal(total="n", parts=("a", "b")),
)
SETTINGS = settings(max_examples=200, deadline=None)

small_or_large = st.one_of(st.integers(0, 6), st.integers(0, 60))


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    for g in range(draw(st.integers(1, 4))):
        parts = draw(st.lists(st.tuples(small_or_large, small_or_large), min_size=1, max_size=6))
        for i, (a, b) in enumerate(parts):
            rows.append((f"g{g}", f"r{i}", a, b))
        rows.append((f"g{g}", "total", sum(p[0] for p in parts), sum(p[1] for p in parts)))
    frame = pd.DataFrame(rows, columns=["group", "row", "a", "b"])
    frame["n"] = frame["a"] + frame["b"]
    frame["share_a"] = frame["a"] / frame["n"].where(frame["n"] > 0)
    return frame


def _run(frame: pd.DataFrame, threshold: int, zeros: bool) -> pd.DataFrame:
    return suppress(
        frame,
        counts=COUNTS,
        derived={"share_a": "a"},
        totals=RULES,
        threshold=threshold,
        suppress_zeros=zeros,
    )


def _relations(frame: pd.DataFrame) -> list[list[tuple[int, str]]]:
    """Every additive relation as (row position, column) cells, built independently."""
    rels = [[(r, "a"), (r, "b"), (r, "n")] for r in range(len(frame))]
    for _, pos in frame.groupby("group").indices.items():
        rels += [[(int(r), c) for r in pos] for c in COUNTS]
    return rels


@SETTINGS
@given(tables(), st.integers(2, 10), st.booleans())
def test_no_published_cell_rests_on_fewer_than_threshold(frame, threshold, zeros) -> None:
    out = _run(frame, threshold, zeros)
    low = 0 if zeros else 1
    for col in COUNTS:
        published = out[col].dropna().astype(int)
        assert not ((published >= low) & (published < threshold)).any()
    small_a = (frame["a"] >= low) & (frame["a"] < threshold)
    assert out.loc[small_a, "share_a"].isna().all()
    assert out.loc[out["a"].isna(), "share_a"].isna().all()


@SETTINGS
@given(tables(), st.integers(2, 10), st.booleans())
def test_only_suppressed_cells_change(frame, threshold, zeros) -> None:
    out = _run(frame, threshold, zeros)
    assert list(out.columns) == [*frame.columns, "suppressed", "suppression_reason"]
    for col in [*COUNTS, "share_a"]:
        before, after = frame[col].astype(float), out[col].astype(float)
        kept = after.notna()
        assert np.array_equal(before[kept], after[kept])  # published cells are unchanged
        changed = after.isna() & before.notna()
        assert out.loc[changed, "suppressed"].all()  # every blanked cell is flagged
    blank_counts = out[COUNTS].isna().any(axis=1)
    assert (out["suppressed"] == blank_counts).all()
    reason = out["suppression_reason"]
    assert (reason.notna() == out["suppressed"]).all()
    assert out[["group", "row"]].equals(frame[["group", "row"]])


@SETTINGS
@given(tables(), st.integers(2, 10), st.booleans())
def test_no_suppressed_cell_is_recoverable_from_a_total(frame, threshold, zeros) -> None:
    out = _run(frame, threshold, zeros)
    for cells in _relations(frame):
        blanked = sum(pd.isna(out.at[r, c]) for r, c in cells)
        assert blanked != 1, f"lone blank in relation {cells}"


@SETTINGS
@given(tables(), st.integers(2, 10))
def test_secondary_cells_only_where_a_relation_holds_a_suppressed_cell(frame, threshold) -> None:
    """Secondary blanks are never placed without a reason: each shares a relation with
    another blanked cell, and a table with no small count is published whole."""
    out = _run(frame, threshold, False)
    blank = {(r, c) for r in range(len(out)) for c in COUNTS if pd.isna(out.at[r, c])}
    primary = {(r, c) for r, c in blank if 0 < frame.at[r, c] < threshold}
    rels = _relations(frame)
    for cell in blank - primary:
        assert any(cell in rel and any(x in blank - {cell} for x in rel) for rel in rels)
    if not primary:
        assert not blank and not out["suppressed"].any()


@SETTINGS
@given(tables(), st.integers(2, 10))
def test_rerunning_suppression_changes_nothing(frame, threshold) -> None:
    once = _run(frame, threshold, False)
    pd.testing.assert_frame_equal(_run(once, threshold, False), once)


@SETTINGS
@given(
    st.lists(st.tuples(small_or_large, small_or_large), min_size=1, max_size=30),
    st.integers(2, 10),
)
def test_effect_rows_with_few_persons_publish_nothing(pairs, threshold) -> None:
    n_t, n_c = (np.array(x) for x in zip(*pairs, strict=True))
    frame = pd.DataFrame(
        {
            "offer_id": "o",
            "event_time": np.arange(len(pairs)),
            "estimate": np.linspace(-1, 1, len(pairs)),
            "std_error": 0.1,
            "p_value": 0.5,
            "n_treated": n_t,
            "n_control": n_c,
        }
    )
    out = suppress_effects(frame, threshold=threshold)
    small = ((n_t > 0) & (n_t < threshold)) | ((n_c > 0) & (n_c < threshold))
    cols = ["estimate", "std_error", "p_value", "n_treated", "n_control"]
    assert out.loc[small, cols].isna().all(axis=None)
    assert out.loc[~small, cols].notna().all(axis=None)
    assert (out["suppressed"] == small).all()
