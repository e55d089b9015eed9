"""The per-table suppression the pipeline used before issue 14, kept as the known leaky
baseline of tests/test_privacy_recovery.py: the brute-force attacker must find its
leaks (so the test can fail). Copied from flows/stages.py at commit 8d718c1; the
quarantine summary and the manifest's validation counts were published unsuppressed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation import schema
from evaluation.privacy.suppression import (
    FLAG,
    REASON,
    ColumnTotal,
    RowTotal,
    suppress,
    suppress_effects,
)
from flows.publish import quarantine_summary, validation_counts

BALANCE_COLUMNS = schema.columns("balance", suppression=False)
MATCHING_COLUMNS = schema.columns("matching", suppression=False)
PORTFOLIO_COLUMNS = schema.columns("portfolio", suppression=False)
UNMATCHED_REASONS = tuple(
    c.removeprefix("unmatched_") for c in MATCHING_COLUMNS if c.startswith("unmatched_")
)


def old_policy(tables: dict, threshold: int, validated) -> dict:  # noqa: ANN001
    out = suppress_tables(tables, threshold)
    out["quarantine_summary"] = quarantine_summary(validated.quarantine)
    out["validation"] = validation_counts(validated.counts)
    return out


VALUE_NUMBERS = ("value", "ci_low", "ci_high")
PORTFOLIO_NUMBERS = tuple(
    c
    for c in PORTFOLIO_COLUMNS
    if c
    not in (
        "offer_id",
        "participants",
        "cost_per_participant_dkk",
        "evidence_stars",
        "horizon_months",
        "extrapolation",
        "discount_rate",
        "price_year",
        "note",
    )
)


def suppress_tables(tables: dict[str, pd.DataFrame], threshold: int) -> dict[str, pd.DataFrame]:
    """Every published table with counts of fewer than ``threshold`` persons, and every
    number resting on them, blanked and flagged (``suppressed``, ``suppression_reason``).

    Effects and levels rest on their own counts; matching adds secondary suppression
    (participants = matched + unmatched = sum of the reasons); balance and value rest on
    the offer's matched participants, the portfolio on its ``participants``.
    """
    out = dict(tables)
    if len(tables.get("effects", ())):
        out["effects"] = suppress_effects(tables["effects"], threshold=threshold)
    if len(tables.get("levels", ())):
        out["levels"] = suppress(
            tables["levels"],
            counts=["n_persons"],
            derived={"mean": "n_persons"},
            threshold=threshold,
        )
    matching = tables.get("matching", pd.DataFrame())
    if len(matching):
        reasons = tuple(f"unmatched_{r}" for r in UNMATCHED_REASONS)
        out["matching"] = suppress(
            matching,
            counts=["n_participants", "n_matched", "n_unmatched", *reasons, "n_controls"],
            derived={
                "ess_controls": "n_controls",
                "max_abs_smd_after": "n_matched",
                "share_treated_in_support": "n_matched",
            },
            totals=[
                ColumnTotal("n_participants", ("n_matched", "n_unmatched"), total_first=True),
                ColumnTotal("n_unmatched", reasons),
            ],
            threshold=threshold,
        )
        matched = matching.set_index("offer_id")["n_matched"]
        for name, numbers in (
            ("balance", BALANCE_NUMBERS),
            ("value", VALUE_NUMBERS),
        ):
            if len(tables.get(name, ())):
                out[name] = _suppress_by_offer(tables[name], matched, numbers, threshold)
    if len(tables.get("indicators", ())):
        out["indicators"] = suppress_indicators(tables["indicators"], threshold)
    if len(tables.get("portfolio", ())):
        out["portfolio"] = suppress(
            tables["portfolio"],
            counts=["participants"],
            derived=dict.fromkeys(PORTFOLIO_NUMBERS, "participants"),
            threshold=threshold,
        )
    return out


COUNT_INDICATORS = ("enrolment", "enrolment_by_month", "dropouts")
"""Indicators whose value is a number of persons (``enrolment`` = sum of the months)."""
DERIVED_INDICATORS = {"enrolment_total": "enrolment", "dropout_share": "dropouts"}
"""Indicators whose value rests on a count indicator of the same offer."""


def suppress_indicators(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Blank person counts under ``threshold`` in the indicator table: monthly enrolment
    (with secondary suppression against the enrolment total), dropouts, and the values
    resting on them (the enrolment total row, the dropout share). Effects in the table
    rest on at least ``MonitorSettings.min_treated`` participants."""
    frame = frame.reset_index(drop=True)
    is_count = frame["indicator"].isin(COUNT_INDICATORS).to_numpy()
    enrol = frame["indicator"].isin(["enrolment", "enrolment_by_month"]).to_numpy()
    work = frame.assign(
        _n=frame["value"].where(is_count).astype("Float64"),
        _group=np.where(enrol, "enrolment", "row" + pd.Series(frame.index).astype(str)),
        _role=np.where(frame["indicator"] == "enrolment", "total", "part"),
    )
    done = suppress(
        work,
        counts=["_n"],
        totals=[RowTotal(("_n",), by=("offer_id", "_group"), key="_role", total="total")],
        threshold=threshold,
    )
    blank = done["_n"].isna().to_numpy() & is_count
    for derived, base in DERIVED_INDICATORS.items():
        hidden = set(done.loc[blank & (done["indicator"] == base).to_numpy(), "offer_id"])
        rows = (
            (done["indicator"] == derived) & done["offer_id"].isin(hidden) & done["value"].notna()
        )
        done.loc[rows, FLAG] = True
        done.loc[rows, REASON] = f"rests on a suppressed {base} count"
        blank |= rows.to_numpy()
    done["value"] = done["value"].mask(blank)
    return done.drop(columns=["_n", "_group", "_role"])


BALANCE_NUMBERS = tuple(c for c in BALANCE_COLUMNS if c not in ("offer_id", "covariate", "passed"))


def _suppress_by_offer(
    frame: pd.DataFrame, persons: pd.Series, numbers: tuple[str, ...], threshold: int
) -> pd.DataFrame:
    """Blank ``numbers`` of the offers resting on fewer than ``threshold`` persons."""
    base = "_n_persons"
    counted = frame.assign(**{base: frame["offer_id"].map(persons).astype("Int64")})
    done = suppress(
        counted, counts=[base], derived=dict.fromkeys(numbers, base), threshold=threshold
    )
    return done.drop(columns=base)
