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
from evaluation.privacy.policy import suppress_run

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


# --- the run's policy: relations across tables ----------------------------------------------

REASONS = ("unmatched_outside_target_group", "unmatched_no_control_within_caliper")


@st.composite
def runs(draw: st.DrawFn) -> dict[str, pd.DataFrame]:
    """Matching, indicators and portfolio tables of 1-3 offers whose counts agree: the
    participants are the matched plus the unmatched (by reason), the enrolment is the sum
    of the monthly enrolments, the portfolio's participants are the matched."""
    matching, indicators, portfolio = [], [], []
    for o in range(draw(st.integers(1, 3))):
        offer = f"o{o}"
        reasons = [draw(small_or_large) for _ in REASONS]
        matched = draw(small_or_large)
        total = matched + sum(reasons)
        n_months = draw(st.integers(1, 6))
        cuts = sorted(
            draw(st.lists(st.integers(0, total), min_size=n_months - 1, max_size=n_months - 1))
        )
        monthly = np.diff([0, *cuts, total])
        dropouts = draw(st.integers(0, total))
        matching.append(
            {
                "offer_id": offer,
                "n_participants": total,
                "n_matched": matched,
                "n_unmatched": sum(reasons),
                **dict(zip(REASONS, reasons, strict=True)),
            }
        )
        portfolio.append({"offer_id": offer, "participants": matched, "effect": 0.01})
        rows = [
            ("enrolment", None, total),
            ("enrolment_total", None, total),
            ("dropouts", None, dropouts),
            ("dropout_share", None, dropouts / total if total else np.nan),
        ]
        rows += [("enrolment_by_month", f"2024-{m + 1:02d}", v) for m, v in enumerate(monthly)]
        indicators += [
            {"offer_id": offer, "indicator": i, "month": m, "value": float(v), "as_of": "2024-12"}
            for i, m, v in rows
        ]
    return {
        "matching": pd.DataFrame(matching),
        "indicators": pd.DataFrame(indicators),
        "portfolio": pd.DataFrame(portfolio),
    }


def _run_relations(t: dict[str, pd.DataFrame]) -> list[list[tuple[str, int, str]]]:
    """Every additive relation of ``runs`` as (table, row, column) cells, built here."""
    rels = []
    ind = t["indicators"]
    for r, row in t["matching"].iterrows():
        m = [("matching", r, c) for c in ("n_participants", "n_matched", "n_unmatched")]
        rels += [m, [m[2]] + [("matching", r, c) for c in REASONS]]
        rows = ind.index[ind["offer_id"] == row["offer_id"]]
        at = {
            i: ("indicators", k, "value")
            for k, i in zip(rows, ind.loc[rows, "indicator"], strict=True)
        }
        rels += [[m[0], at["enrolment"]], [at["enrolment"], at["enrolment_total"]]]
        months = [
            ("indicators", k, "value")
            for k in rows
            if ind.at[k, "indicator"] == "enrolment_by_month"
        ]
        rels.append([at["enrolment"], *months])
        rels.append([m[1], ("portfolio", r, "participants")])
    return rels


@settings(max_examples=120, deadline=None)
@given(runs(), st.integers(2, 10))
def test_run_policy_leaves_no_relation_with_one_blank(tables, threshold) -> None:
    """After the run's policy no relation has exactly one blank member, and the
    relations together (linear algebra, independent of the policy's solver) determine
    no blanked count."""
    out = suppress_run(tables, threshold)
    blank = lambda c: pd.isna(out[c[0]].at[c[1], c[2]])  # noqa: E731
    for cells in _run_relations(tables):
        assert sum(blank(c) for c in cells) != 1, cells
    for name in tables:  # no small count is published, every blanked cell is flagged
        frame = out[name]
        for col in ("n_participants", "n_matched", "n_unmatched", *REASONS, "participants"):
            if col in frame:
                v = frame[col].dropna().astype(int)
                assert not ((v > 0) & (v < threshold)).any()
        changed = tables[name].notna().to_numpy() & frame[tables[name].columns].isna().to_numpy()
        assert (frame["suppressed"].to_numpy(bool) == changed.any(axis=1)).all()
    rels = _run_relations(tables)
    cells = sorted({c for rel in rels for c in rel})
    unknown = [c for c in cells if pd.isna(out[c[0]].at[c[1], c[2]])]
    if not unknown:
        return
    col = {c: j for j, c in enumerate(unknown)}
    a = np.zeros((len(rels), len(unknown)))
    for i, rel in enumerate(rels):
        for k, c in enumerate(rel):
            if c in col:
                a[i, col[c]] += 1 if k == 0 else -1
    rank = np.linalg.matrix_rank(a)
    for j, c in enumerate(unknown):
        rank_without = np.linalg.matrix_rank(np.delete(a, j, axis=1))
        assert rank == rank_without, f"{c} follows from the published cells"
