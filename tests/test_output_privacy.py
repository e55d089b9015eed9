"""The run's suppression policy on hand-made indicator and matching tables: no count of
1-4 persons survives, and no blanked count can be recovered from a total, a share or
the sum of the blanked months."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from evaluation.privacy.policy import COUNT_INDICATORS, suppress_run
from evaluation.schema import columns
from flows.artifacts import on_track_summary

THRESHOLD = 5


def _indicators(monthly: list[int], dropouts: int) -> pd.DataFrame:
    n = len(monthly)
    total = float(sum(monthly))
    rows = [
        ("enrolment", None, total),
        ("enrolment_total", None, total),
        ("dropouts", None, float(dropouts)),
        ("dropout_share", None, dropouts / total if total else np.nan),
        ("interim_att", None, 0.04),
        *(("enrolment_by_month", f"2024-{m + 1:02d}", float(v)) for m, v in enumerate(monthly)),
    ]
    frame = pd.DataFrame(rows, columns=["indicator", "month", "value"])
    frame.insert(0, "offer_id", "los")
    for col in ("planned", "ci_low", "ci_high"):
        frame[col] = np.nan
    frame["event_time"] = pd.array([None] * len(frame), dtype="Int64")
    frame["as_of"] = "2024-12"
    assert len(frame) == n + 5
    return frame


@settings(max_examples=200, deadline=None)
@given(
    monthly=st.lists(st.integers(0, 12), min_size=1, max_size=12),
    dropouts=st.integers(0, 12),
)
@example(monthly=[0], dropouts=1)  # a share that was never defined is not 'suppressed'
def test_indicator_counts_are_never_small_or_recoverable(monthly, dropouts) -> None:
    before = _indicators(monthly, dropouts)
    out = suppress_run({"indicators": before}, THRESHOLD)["indicators"]
    value = out.set_index("indicator")["value"]
    counts = out[out["indicator"].isin(COUNT_INDICATORS)]["value"].dropna()
    assert not ((counts > 0) & (counts < THRESHOLD)).any()
    months = out[out["indicator"] == "enrolment_by_month"]
    blanked = months["value"].isna()
    if pd.notna(value["enrolment"]):
        # a total with exactly one blanked month would give that month away
        assert blanked.sum() != 1
        assert value["enrolment_total"] == value["enrolment"]
        # nor may the blanked months' sum pin them (each small month is 1..4)
        hidden = np.array(monthly)[blanked.to_numpy()]
        small = ((hidden > 0) & (hidden < THRESHOLD)).sum()
        if small and small == len(hidden):
            assert hidden.sum() not in (small, small * (THRESHOLD - 1))
        elif small:
            assert hidden.sum() != small
    else:
        assert pd.isna(value["enrolment_total"])
    if pd.isna(value["dropouts"]) or pd.isna(value["enrolment"]):
        assert pd.isna(value["dropout_share"])  # share x total would give it away
    assert value["interim_att"] == 0.04  # effects are not counts
    # exactly the values blanked here are flagged
    blanked_here = before["value"].notna().to_numpy() & out["value"].isna().to_numpy()
    assert (out["suppressed"].to_numpy(bool) == blanked_here).all()


def test_matching_blanks_the_total_not_the_matched_participants() -> None:
    matching = columns("matching", suppression=False)
    reasons = [c for c in matching if c.startswith("unmatched_")]
    row = dict.fromkeys(matching, 0)
    row.update(
        offer_id="los",
        name="Projekt LOS",
        status="matched",
        method="propensity",
        n_participants=602,
        n_matched=600,
        n_unmatched=2,
        unmatched_no_control_within_caliper=2,
        n_controls=1500,
        ess_controls=900.0,
        balance_passed=True,
        max_abs_smd_after=0.05,
        caliper=0.2,
        share_treated_in_support=0.99,
    )
    tables = {"matching": pd.DataFrame([row])}
    out = suppress_run(tables, THRESHOLD)["matching"].iloc[0]
    assert out["n_matched"] == 600 and out["max_abs_smd_after"] == 0.05
    assert pd.isna(out["n_unmatched"]) and pd.isna(out["unmatched_no_control_within_caliper"])
    assert pd.isna(out["n_participants"])  # else participants - matched = unmatched
    assert out["suppressed"] and "secondary" in out["suppression_reason"]
    assert pd.isna(out["share_treated_in_support"])  # 0.99 = 596/602 gives the total
    assert all(out[r] == 0 for r in reasons if r != "unmatched_no_control_within_caliper")


def test_on_track_summary_of_a_suppressed_status_shows_a_dash() -> None:
    """A status resting on a blanked count is blanked; the Prefect artifact says "–"."""
    before = _indicators([1, 2, 1], dropouts=0)
    status = before.iloc[[0]].assign(indicator="status", value=np.nan, month=None)
    status = status.assign(status="off_track", rule_code="enrolment_behind", rule="4 of 20")
    frame = pd.concat([before, status], ignore_index=True)
    out = suppress_run({"indicators": frame}, THRESHOLD)["indicators"]
    row = out[out["indicator"] == "status"].iloc[0]
    assert pd.isna(row["status"]) and pd.isna(row["rule"]) and row["suppressed"]
    markdown, _ = on_track_summary(out, "los", "Projekt LOS")
    assert "nan" not in markdown and "4 of 20" not in markdown and ": –" in markdown
