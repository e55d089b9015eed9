"""Columns for people reading the published tables: the offer's name beside its id, and
the unit of every effect.

:func:`annotate` runs on the combined tables of a run, before small-cell suppression
(neither column rests on a count: the policy keeps them, ``evaluation/privacy/policy.py``
``KEEP``). ``matching`` already carries the offer's name as ``name``; every other table
with an ``offer_id`` gets ``offer_name`` right after it, and ``effects`` gets ``unit``
after ``ci_high`` (the unit of ``estimate``, ``std_error``, ``ci_low``, ``ci_high`` and
``mde``, ``band_low``, ``band_high``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

SHARE = "share"
DKK_PER_PERSON_MONTH = "dkk_per_person_month"
PER_PERSON_MONTH = "per_person_month"
EFFECT_UNITS = (SHARE, DKK_PER_PERSON_MONTH, PER_PERSON_MONTH)
"""Values of ``effects.unit``: a difference in the share of persons (0.05 = 5 percentage
points) for 0/1 outcomes, DKK of public expenditure per person and month for the
``public_cost_dkk*`` outcomes, units of the measure per person and month for a count or
amount register measure."""
COST_PREFIX = "public_cost_dkk"
NAMED_ELSEWHERE = ("matching",)
"""Tables that carry the offer's name under another column (``matching.name``)."""


EARNINGS = "earnings_dkk"


def effect_unit(outcome: str) -> str:
    """The unit of an effect on ``outcome`` (public cost and earnings: DKK per month)."""
    amount = str(outcome).startswith(COST_PREFIX) or str(outcome) == EARNINGS
    return DKK_PER_PERSON_MONTH if amount else SHARE


def annotate(
    tables: Mapping[str, pd.DataFrame],
    offer_names: Mapping[str, str],
    *,
    outcome_labels: Mapping[str, str] | None = None,
    outcome_units: Mapping[str, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """``tables`` with ``offer_name`` (from ``offer_names``: offer id -> name, the config's
    names) in every table with an ``offer_id``, and ``outcome_label`` (from
    ``outcome_labels``, else the outcome) after ``outcome`` and ``unit`` in ``effects``
    (``outcome_units`` overrides :func:`effect_unit`, e.g. for count measures). Tables
    are copied, never changed in place."""
    out = {}
    for name, frame in tables.items():
        if frame is not None and "offer_id" in frame.columns and name not in NAMED_ELSEWHERE:
            frame = _with_offer_name(frame, offer_names)
        if name == "effects" and frame is not None and "outcome" in frame.columns:
            frame = _with_unit(frame, outcome_units or {})
            frame = _with_label(frame, outcome_labels or {})
        out[name] = frame
    return out


def _with_offer_name(frame: pd.DataFrame, offer_names: Mapping[str, str]) -> pd.DataFrame:
    ids = frame["offer_id"].astype("str")
    unknown = sorted(set(ids) - set(offer_names))
    if unknown:
        raise ValueError(f"no name for offer(s) {', '.join(unknown)} in the config")
    names = pd.array([offer_names[i] for i in ids], dtype="str")
    frame = frame.drop(columns=["offer_name"], errors="ignore")
    frame.insert(frame.columns.get_loc("offer_id") + 1, "offer_name", names)
    return frame


def _with_label(frame: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    names = pd.array([labels.get(str(o), str(o)) for o in frame["outcome"]], dtype="str")
    frame = frame.drop(columns=["outcome_label"], errors="ignore")
    frame.insert(frame.columns.get_loc("outcome") + 1, "outcome_label", names)
    return frame


def _with_unit(frame: pd.DataFrame, units_by_outcome: Mapping[str, str]) -> pd.DataFrame:
    units = pd.array(
        [units_by_outcome.get(str(o)) or effect_unit(o) for o in frame["outcome"]], dtype="str"
    )
    frame = frame.drop(columns=["unit"], errors="ignore")
    at = frame.columns.get_loc("ci_high") + 1 if "ci_high" in frame.columns else len(frame.columns)
    frame.insert(at, "unit", units)
    return frame


def outcome_labels(cfg: Any, lang: str) -> dict[str, str]:
    """Readable outcome names for ``effects.outcome_label``: the report texts' names of
    the known outcomes, then the config's measures' labels (``label_da``/``label_en``)."""
    from evaluation.texts import TEXTS

    labels = dict(TEXTS[lang].outcome_names) if lang in TEXTS else {}
    for m in getattr(cfg, "measures", ()):
        labels[m.name] = m.label(lang)
    return labels


def measure_units(cfg: Any) -> dict[str, str]:
    """``effects.unit`` of the config's measures: a share for a binary measure, units per
    person and month for a count or an amount."""
    return {
        m.name: SHARE if m.kind == "binary" else PER_PERSON_MONTH
        for m in getattr(cfg, "measures", ())
    }
