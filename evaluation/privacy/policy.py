"""One small-cell suppression policy over every published table of a run.

:func:`suppress_run` takes the unsuppressed tables of a monthly run (``matching``,
``balance``, ``effects``, ``levels``, ``value``, ``portfolio``, ``indicators``,
``quarantine_summary``, ``sensitivity`` and, for the manifest, ``validation``: rows read, kept and
quarantined per input file) and returns them with every number that could single out
fewer than ``threshold`` persons blanked and flagged (``suppressed``,
``suppression_reason``). Every published number is a cell with persons behind it:

(``subgroups`` and ``durations``, when present, are covered the same way.)

1. **Primary.** A count of persons (:func:`count_cells`) in ``1 .. threshold - 1`` is
   blanked. Zero is published: "nobody" is not a small group. An effects row resting
   on few participants or few controls loses both counts and every estimate.
2. **Complementary.** A count must not follow from the published cells of the same or
   another table. :func:`relations` declares the identities a reader knows (enrolment =
   participants in the matching table = sum of the monthly enrolments; participants =
   matched + unmatched = matched + the unmatched reasons; the same counts in effects,
   levels and portfolio; starts by month as differences of the participants observed
   at consecutive event months; quarantined rows per file against the quarantine
   summary; participation rows kept against the offers' enrolment). Those that hold in
   the data are solved together (:mod:`.complement`): blanks are added until no blank
   count is derivable, by one identity or by several combined.
3. **Dependent values.** :func:`rules`: estimates, means and shares resting on a small
   count, shares that would give a blanked total away (``share * total``), value totals
   that would give the participants away (``total / per participant``), notes that tell
   the sign of a blanked estimate, pass/fail flags and status texts resting on blanked
   numbers are blanked with them.

Reasons: ``primary: fewer than N persons`` (the row rests on a small count),
``secondary: would reveal a suppressed count`` and ``rests on a suppressed count``,
joined by ``"; "``. Pure pandas/numpy and deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from evaluation.privacy.complement import complement
from evaluation.privacy.dependent import Blanks, Rests, Rule, ShareCounts, Verdict, apply_rules
from evaluation.privacy.extra_rules import contract_rules, decomposition_rules
from evaluation.privacy.relations import (
    CellIndex,
    CrossSum,
    Equal,
    GroupSum,
    MonthlyStarts,
    Relation,
    RowSum,
    Select,
    holding,
    select,
)
from evaluation.privacy.suppression import EFFECT_VALUES, FLAG, REASON, primary_reason

SECONDARY_REASON = "secondary: would reveal a suppressed count"
DERIVED_REASON = "rests on a suppressed count"

COUNT_INDICATORS = (
    "enrolment",
    "enrolment_total",
    "enrolment_by_month",
    "dropouts",
    "outcomes",
    "outcomes_by_month",
)
"""Indicators whose ``value`` is a number of persons."""
EFFECT_RULES = (
    "effect_below_trajectory",
    "target_missed",
    "effect_uncertain",
    "effect_not_clear",
    "effect_on_trajectory",
)
VERDICT_RESTS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(EFFECT_RULES, ("interim_att",)),
    "enrolment_behind": ("enrolment", "enrolment_total"),
    "dropouts_high": ("dropouts", "dropout_share"),
    "no_data_yet": (),
    "no_target": (),
}
"""Indicator rows each status rule's verdict and text rest on."""
SUBGROUP_DIMENSIONS = ("age_band", "sex", "education", "benefit_months", "start_half")
"""The dimensions of ``subgroups`` (:data:`evaluation.subgroups.DIMENSIONS`): each one's
participants add up to the offer's headline participants where every participant's set
has a control in the same level (the identity binds only where it holds)."""
SUBGROUP_VALUES = ("estimate", "std_error", "ci_low", "ci_high", "p_value", "p_value_holm")
"""A subgroup row's values resting on its counts. The heterogeneity test and the Holm
family leave out levels below the threshold (:mod:`evaluation.did.subgroups`), so they
do not rest on a suppressed estimate."""
HEADLINE_OUTCOME = "self_sufficient"
OUTSIDE = "unmatched_outside_target_group"
"""Participants not in the target group: outside the share in common support."""
PARTICIPANTS, CONTROLS = "participants", "matched_controls"  # levels groups

KEEP: dict[str, tuple[str, ...]] = {
    "matching": ("offer_id", "name", "status", "method", "caliper"),
    "portfolio": (
        "offer_id",
        "offer_name",
        "participants",
        "cost_per_participant_dkk",
        "evidence_stars",
        "horizon_months",
        "extrapolation",
        "discount_rate",
        "price_year",
    ),
    "balance": ("offer_id", "offer_name", "covariate"),
    "contract": ("offer_id", "offer_name", "month", "quantity", "unit", "level", "n_draws"),
    "decomposition": ("offer_id", "offer_name", "outcome", "window_first", "window_last"),
}
"""Columns never blanked as dependent values (identifiers, names and config values)."""
VALUE_NUMBERS = ("value", "ci_low", "ci_high", "note")
MANIFEST, CHEAP, BEHIND_ESTIMATES, BASE = -1, 0, 1, 2
"""Tiers of count cells, cheapest complement first: the manifest's rows per input file
(so the tables do not depend on how many rows the files hold beyond the as-of month);
counts nothing rests on; estimates' counts (blanking hides a count, not the estimate);
matched participants (everything about the offer's effect and value rests on them)."""


def suppress_run(tables: Mapping[str, pd.DataFrame], threshold: int) -> dict[str, pd.DataFrame]:
    """Every table of ``tables`` with small counts, the counts that would reveal them and
    every value resting on them blanked, and ``suppressed``/``suppression_reason`` added
    to each table that suppression covers. Other tables are returned unchanged."""
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer):
        raise TypeError("threshold must be an integer")
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    frames = {k: v.reset_index(drop=True) for k, v in tables.items() if v is not None}
    index = CellIndex.build(frames, count_cells(frames))
    if np.nanmin(np.r_[index.value, 0.0]) < 0:
        raise ValueError("counts of persons must not be negative")
    primary = (index.value >= 1) & (index.value < threshold)
    forced = _companions(frames, index, primary)
    instances = holding(relations(frames), frames, index)
    solved = complement(index.value, primary | forced, instances, index.tier, threshold)
    blanks = Blanks({k: len(v) for k, v in frames.items()})
    small = primary | forced
    for (table, column), ids in index.ids.items():
        rows = ids >= 0
        mask, low = np.zeros(len(ids), bool), np.zeros(len(ids), bool)
        mask[rows], low[rows] = solved.blank[ids[rows]], small[ids[rows]]
        blanks.add(table, column, mask, low)
    apply_rules(rules(frames), frames, blanks, threshold)
    out = dict(tables)
    for name, frame in frames.items():
        if name in COVERED:
            out[name] = _publish(name, frame, blanks, index, threshold)
    return out


COVERED = (
    "matching",
    "balance",
    "effects",
    "levels",
    "value",
    "portfolio",
    "indicators",
    "quarantine_summary",
    "validation",
    "contract",
    "decomposition",
    "sensitivity",
    "subgroups",
    "durations",
)


def count_cells(tables: Mapping[str, pd.DataFrame]) -> tuple[Select, ...]:
    """The count cells of a run (columns present in ``tables``)."""
    matching = tables.get("matching", pd.DataFrame())
    reasons = tuple(c for c in matching.columns if c.startswith("unmatched_"))
    return (
        *(select("matching", c) for c in ("n_participants", "n_unmatched", *reasons)),
        select("matching", "n_candidate_rows"),
        select("matching", "n_controls", tier=BEHIND_ESTIMATES),
        select("matching", "n_matched", tier=BASE),
        select("portfolio", "participants", tier=BASE),
        select("effects", "n_treated", tier=BEHIND_ESTIMATES),
        select("effects", "n_control", tier=BEHIND_ESTIMATES),
        select("levels", "n_persons", tier=BEHIND_ESTIMATES),
        select("subgroups", "n_treated", tier=BEHIND_ESTIMATES),
        select("subgroups", "n_control", tier=BEHIND_ESTIMATES),
        select("durations", "n_participations"),
        select("indicators", "value", indicator=COUNT_INDICATORS),
        select("quarantine_summary", "n_rows"),
        select("quarantine_summary", "n_persons"),
        select("decomposition", "n_participants", tier=BASE),
        select("decomposition", "n_target_group"),
        *(select("validation", c, tier=MANIFEST) for c in ("read", "kept", "quarantined")),
    )


def relations(tables: Mapping[str, pd.DataFrame]) -> tuple[Relation, ...]:
    """The identities between count cells that a reader of the tables knows."""
    matching = tables.get("matching", pd.DataFrame())
    reasons = tuple(c for c in matching.columns if c.startswith("unmatched_"))
    treated, control = select("effects", "n_treated"), select("effects", "n_control")
    ind = lambda name: select("indicators", "value", indicator=name)  # noqa: E731
    offer = ("offer_id",)
    return (
        RowSum("matching", "n_participants", ("n_matched", "n_unmatched")),
        RowSum("matching", "n_participants", ("n_matched", *reasons)),
        RowSum("matching", "n_unmatched", reasons),
        Equal(select("matching", "n_participants"), ind("enrolment"), offer),
        Equal(ind("enrolment"), ind("enrolment_total"), offer),
        GroupSum(ind("enrolment"), ind("enrolment_by_month"), offer),
        GroupSum(ind("outcomes"), ind("outcomes_by_month"), offer),
        Equal(select("matching", "n_matched"), select("portfolio", "participants"), offer),
        Equal(select("matching", "n_matched"), treated, offer),
        Equal(select("matching", "n_controls"), control, offer),
        Equal(treated, treated, ("offer_id", "event_time")),  # the same for every outcome
        Equal(control, control, ("offer_id", "event_time")),
        Equal(select("effects", "n_treated", headline=True), treated, ("offer_id", "outcome")),
        Equal(select("effects", "n_control", headline=True), control, ("offer_id", "outcome")),
        Equal(treated, select("levels", "n_persons", group=PARTICIPANTS), _EVENT),
        Equal(control, select("levels", "n_persons", group=CONTROLS), _EVENT),
        MonthlyStarts(ind("enrolment_by_month"), treated),
        *(
            GroupSum(
                select("effects", "n_treated", headline=True),
                select("subgroups", "n_treated", dimension=dim),
                ("offer_id", "outcome"),
            )
            for dim in SUBGROUP_DIMENSIONS
        ),
        GroupSum(ind("enrolment"), select("durations", "n_participations"), offer),
        GroupSum(ind("dropouts"), select("durations", "n_participations", ended_early=True), offer),
        RowSum("validation", "read", ("kept", "quarantined")),
        GroupSum(
            select("validation", "quarantined"), select("quarantine_summary", "n_rows"), ("file",)
        ),
        GroupSum(select("validation", "kept", file="participation.parquet"), ind("enrolment"), ()),
        Equal(select("matching", "n_matched"), select("decomposition", "n_participants"), offer),
        CrossSum(  # the staggered estimator's participants: those inside the target group
            select("matching", "n_participants"),
            (
                select("effects", "n_treated", headline=True, method=STAGGERED),
                select("matching", OUTSIDE),
            ),
            offer,
        ),
        CrossSum(  # ... and so the matched ones plus those unmatched for another reason
            select("effects", "n_treated", headline=True, method=STAGGERED),
            tuple(select("matching", c) for c in ("n_matched", *reasons) if c != OUTSIDE),
            offer,
        ),
    )


_EVENT = ("offer_id", "outcome", "event_time")


def rules(tables: Mapping[str, pd.DataFrame]) -> tuple[Rule, ...]:
    """What rests on what, in the order it is applied."""
    return (
        *_effect_rules(tables),
        *_matching_rules(tables),
        *_indicator_rules(),
        *_value_rules(tables),
    )


_OFFER = ("offer_id",)
MATCHED, STAGGERED = "matched_event_study", "callaway_santanna"
"""``effects.method`` of the matched design's rows: the value, payment, sensitivity,
contract and on-track rows rest on them, not on the secondary Callaway & Sant'Anna rows
(``callaway_santanna``, which are suppressed on their own counts like any effects row)."""
_HEADLINE = select("effects", "estimate", headline=True, method=MATCHED)
_INDICATOR_VALUES = ("value", "ci_low", "ci_high")


def _effect_rules(tables: Mapping[str, pd.DataFrame]) -> tuple[Rule, ...]:
    eff = tables.get("effects", pd.DataFrame())
    effect_values = tuple(c for c in (*EFFECT_VALUES, "note") if c in eff.columns)
    return (
        Rests("effects", effect_values, select("effects", "n_treated"), when="primary"),
        Rests("effects", effect_values, select("effects", "n_control"), when="primary"),
        Rests("levels", ("mean",), select("levels", "n_persons")),
        *(
            Rests("subgroups", SUBGROUP_VALUES, select("subgroups", c), when="primary")
            for c in ("n_treated", "n_control")
        ),
        Rests("durations", ("share",), select("durations", "n_participations")),
    )


def _matching_rules(tables: Mapping[str, pd.DataFrame]) -> tuple[Rule, ...]:
    return (
        Rests("matching", ("ess_controls",), select("matching", "n_controls"), when="primary"),
        *(
            Rests("matching", (c,), select("matching", "n_matched"), when="primary")
            for c in ("max_abs_smd_after", "balance_passed", "share_treated_in_support")
        ),
        *(
            Rests("matching", ("share_treated_in_support",), select("matching", c))
            for c in ("n_participants", OUTSIDE)
        ),
        ShareCounts("matching", "share_treated_in_support", "n_participants", (OUTSIDE,)),
        Rests(
            "balance",
            _others(tables, "balance"),
            select("matching", "n_matched"),
            _OFFER,
            "primary",
        ),
    )


def _indicator_rules() -> tuple[Rule, ...]:
    return (
        *(
            Rests(
                "indicators",
                _INDICATOR_VALUES,
                select("indicators", "value", indicator=base),
                _OFFER,
                where=(("indicator", ("dropout_share",)),),
            )
            for base in ("dropouts", "enrolment")
        ),
        Rests(
            "indicators",
            _INDICATOR_VALUES,
            select("effects", "estimate", outcome=HEADLINE_OUTCOME, method=MATCHED),
            ("offer_id", "event_time"),
            where=(("indicator", ("interim_att_by_event_month",)),),
        ),
        Rests(
            "indicators",
            _INDICATOR_VALUES,
            select("indicators", "value", indicator="interim_att_by_event_month"),
            _OFFER,
            where=(("indicator", ("interim_att",)),),
        ),
        Verdict(
            "indicators",
            ("status", "rule_code", "rule"),
            "rule_code",
            "indicator",
            VERDICT_RESTS,
            ("interim_att", *COUNT_INDICATORS, "dropout_share"),
            where=(("indicator", ("status",)),),
        ),
    )


def _value_rules(tables: Mapping[str, pd.DataFrame]) -> tuple[Rule, ...]:
    return (
        Rests(
            "portfolio",
            _others(tables, "portfolio"),
            select("portfolio", "participants"),
            when="primary",
        ),
        Rests("portfolio", _others(tables, "portfolio"), _HEADLINE, _OFFER),
        Rests("value", VALUE_NUMBERS, select("matching", "n_matched"), _OFFER),
        Rests("value", VALUE_NUMBERS, _HEADLINE, _OFFER),
        # sensitivity rows restate the headline effect (its interval, a risk ratio from
        # it) and rest on the matched sets: blanked with the headline or the matched count
        Rests("sensitivity", VALUE_NUMBERS, select("matching", "n_matched"), _OFFER),
        Rests("sensitivity", VALUE_NUMBERS, _HEADLINE, ("offer_id", "outcome")),
        *contract_rules(_HEADLINE),
        *decomposition_rules(_HEADLINE),
    )


def _others(tables: Mapping[str, pd.DataFrame], name: str) -> tuple[str, ...]:
    frame = tables.get(name, pd.DataFrame())
    return tuple(c for c in frame.columns if c not in KEEP[name] and c not in (FLAG, REASON))


def _companions(
    frames: Mapping[str, pd.DataFrame], index: CellIndex, primary: np.ndarray
) -> np.ndarray:
    """An effects row resting on few participants or few controls loses both counts (with
    1:k matching one count reveals the other)."""
    forced = np.zeros(len(index), dtype=bool)
    t, c = index.ids.get(("effects", "n_treated")), index.ids.get(("effects", "n_control"))
    if t is None or c is None:
        return forced
    both = (t >= 0) & (c >= 0)
    t, c = t[both], c[both]
    small = primary[t] | primary[c]
    forced[t[small]] = forced[c[small]] = True
    return forced & ~primary


# --- output ------------------------------------------------------------------------------


def _publish(
    name: str, frame: pd.DataFrame, blanks: Blanks, index: CellIndex, threshold: int
) -> pd.DataFrame:
    out = frame.copy()
    n = len(out)
    reasons = {k: np.zeros(n, dtype=bool) for k in ("primary", "secondary", "derived")}
    count_cols = {c for (t, c) in index.ids if t == name}
    for (table, col), mask in blanks.blank.items():
        if table != name or col not in out.columns:
            continue
        changed = mask & out[col].notna().to_numpy(dtype=bool)
        small = blanks.get(table, col, "primary") & changed
        out[col] = _blank(out[col], mask, count=col in count_cols and name != "indicators")
        reasons["primary"] |= small
        kind = "secondary" if col in count_cols else "derived"
        reasons[kind] |= changed & ~small
    for col in count_cols:
        if name != "indicators" and col in out.columns:
            out[col] = _blank(out[col], np.zeros(n, bool), count=True)
    texts = (primary_reason(threshold), SECONDARY_REASON, DERIVED_REASON)
    joined = [
        "; ".join(t for t, on in zip(texts, flags, strict=True) if on) or None
        for flags in zip(*reasons.values(), strict=True)
    ]
    out[FLAG] = np.logical_or.reduce(list(reasons.values())) if n else np.zeros(0, bool)
    out[REASON] = pd.array(joined, dtype="str")
    return out


def _blank(column: pd.Series, mask: np.ndarray, *, count: bool) -> pd.Series:
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        column = column.astype("boolean")
    elif pd.api.types.is_integer_dtype(dtype) or (
        count and pd.api.types.is_numeric_dtype(dtype) and _whole(column)
    ):
        column = column.astype("Int64")
    return column.mask(mask) if mask.any() else column


def _whole(column: pd.Series) -> bool:
    values = column.dropna()
    return bool((values == values.round()).all())
