"""The offer's extra tables (ITT headline row, subgroups, durations) from its study."""

from __future__ import annotations

import numpy as np

from evaluation.config import EvaluationConfig
from evaluation.did.inference import holm_primary
from evaluation.offer_extras import offer_extras
from evaluation.synth import DEFAULT_OFFERS
from flows.config import parse_config, to_core
from tests._hetero import SPEC, hetero, study


def _settings() -> EvaluationConfig:
    synth, _ = hetero()
    return to_core(parse_config(synth.config), prices=None)


def test_offer_extras_of_mentor():
    _, panel = hetero()
    cfg = _settings()
    offer = next(o for o in cfg.offers if o.offer_id == "mentor")
    ex = offer_extras(panel, offer, cfg, study("mentor"))
    assert len(ex.itt_effects) == 1
    row = ex.itt_effects.iloc[0]
    assert row["estimand"] == "itt" and row["headline"] and row["outcome"] == "self_sufficient"
    assert study("mentor").estimand == "per_protocol"
    assert set(ex.subgroups["dimension"]) == {
        "age_band", "sex", "education", "benefit_months", "start_half"
    }  # fmt: skip
    assert (ex.subgroups["offer_id"] == "mentor").all()
    d = ex.durations
    parts = panel.participations.for_offer("mentor")
    assert d["n_participations"].sum() == len(parts.start)
    assert 0.1 < d.loc[d["ended_early"], "share"].sum() < 0.2  # the generator's 15% dropout


def test_no_study_gives_durations_only():
    _, panel = hetero()
    cfg = _settings()
    offer = next(o for o in cfg.offers if o.offer_id == "praktik")
    ex = offer_extras(panel, offer, cfg, None)
    assert ex.itt_effects.empty and ex.subgroups.empty and len(ex.durations) == 5


def test_holm_family_leaves_out_the_itt_rows():
    import pandas as pd

    eff = pd.DataFrame(
        {
            "offer_id": ["a", "a", "b"],
            "outcome": "self_sufficient",
            "headline": True,
            "estimand": ["per_protocol", "itt", "per_protocol"],
            "p_value": [0.01, 0.001, 0.04],
        }
    )
    primary, adj = holm_primary(eff, {"a": "self_sufficient", "b": "self_sufficient"})
    assert primary.all()
    assert np.isnan(adj[1]) and adj[0] == 0.02 and adj[2] == 0.04


def test_the_spec_keeps_the_default_offers():
    assert SPEC.offers[: len(DEFAULT_OFFERS)] == DEFAULT_OFFERS


def test_frames_follow_their_output_contracts():
    """subgroups (before offer_name, which annotate adds, and the suppression columns)
    and durations, in the contracts' order."""
    from evaluation.duration import duration_table
    from evaluation.subgroups import SUBGROUP_COLUMNS
    from flows.contracts import OUTPUTS_DIR, output_columns, output_schema

    tail = ["suppressed", "suppression_reason"]
    sub = [c for c in output_columns("subgroups") if c not in (*tail, "offer_name")]
    assert list(SUBGROUP_COLUMNS) == sub
    dur = duration_table("los", np.array([1, 2]), np.array([3, -1]), as_of=5)
    pending = output_schema("durations", OUTPUTS_DIR / "pending").names  # not published yet
    assert ["offer_id", "offer_name", *dur.columns[1:], *tail] == pending
