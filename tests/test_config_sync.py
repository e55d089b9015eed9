"""The YAML config's pydantic models and the core's frozen dataclasses stay in sync: every
field of a model reaches the core under its own name (or is an edge field, named here
with where it goes), defaults are the core's, and what the config says arrives: the
power of the minimum detectable effect, the language of the monitor's texts, the
balance threshold the report draws."""

from __future__ import annotations

import dataclasses

import pytest
from _municipality import demo_municipality
from pydantic import BaseModel
from scipy import stats

from evaluation import config as core
from evaluation.monetise import ContractTerms, Extrapolation, ValuationSettings
from evaluation.offer import evaluate_offer, monitor_offer
from flows import config as cfgmod
from flows.prices import load_catalogue
from flows.report import ReportOptions

# model -> (core dataclass, fields of the model that go elsewhere: where)
PAIRS: dict[type[BaseModel], tuple[type, dict[str, str]]] = {
    cfgmod.TargetGroupModel: (
        core.TargetGroup,
        {"measures": "TargetGroup.measures, a mapping turned into MeasureRule tuples"},
    ),
    cfgmod.CovariatesModel: (core.CovariateSpec, {}),
    cfgmod.MatchingModel: (
        core.MatchingConfig,
        {"not_yet_treated": "nowhere: only true is accepted (false is refused)"},
    ),
    cfgmod.PaymentTermsModel: (ContractTerms, {}),
    cfgmod.OfferModel: (core.OfferConfig, {}),
    cfgmod.OutcomeModel: (core.Outcome, {}),
    cfgmod.EstimationModel: (core.EstimationConfig, {}),
    cfgmod.ValuationModel: (
        ValuationSettings,
        {
            "extrapolation": "Extrapolation.rule",
            "half_life_months": "Extrapolation.half_life_months",
            "price_year": "the price catalogue",
            "prices": "the price catalogue",
            "price_index": "the price catalogue",
        },
    ),
    cfgmod.PrivacyModel: (
        core.EvaluationConfig,
        {"allow_small_cells": "manifest and report (ReportOptions)"},
    ),
}


@pytest.mark.parametrize("model", list(PAIRS), ids=lambda m: m.__name__)
def test_every_model_field_reaches_the_core_with_the_core_default(model) -> None:
    cls, elsewhere = PAIRS[model]
    names = {f.name for f in dataclasses.fields(cls)}
    defaults = core.defaults(cls)
    for name, info in model.model_fields.items():
        if name in elsewhere:
            continue
        assert name in names, f"{model.__name__}.{name} has no field in {cls.__name__}"
        if not info.is_required() and name in defaults:
            default = info.get_default(call_default_factory=True)
            if isinstance(default, BaseModel):  # less the fields that go elsewhere
                data = default.model_dump(exclude=set(PAIRS[type(default)][1]))
                default = core.from_dict(type(defaults[name]), data)
            elif isinstance(default, list):
                default = tuple(default)
            elif isinstance(default, dict):  # a mapping turned into sorted pairs (tax_rate)
                default = tuple(sorted(default.items()))
            assert default == defaults[name], f"{model.__name__}.{name}"
    for name, where in elsewhere.items():
        assert name in model.model_fields, (name, where)
    valuation = cfgmod.ValuationModel()
    assert valuation.extrapolation == Extrapolation().rule
    assert valuation.half_life_months == Extrapolation().half_life_months


def _config() -> cfgmod.ConfigModel:
    """A config that sets every field the core reads to a value other than its default."""
    offer = {
        "offer_id": "los",
        "name": "Projekt LOS",
        "target_group": {"statuses": ["sickness_benefit"], "months_before_start": 2},
        "cost_per_participant_dkk": 42000,
        "evidence_stars": 3,
        "planned_participants": 600,
        "target_effect": 0.05,
        "target_event_month": 12,
        "matching": {
            "method": "mahalanobis",
            "k": 2,
            "caliper_sd": 0.3,
            "exact_on": ["start_month", "sex"],
            "covariates": {
                "lags": 6,
                "windows": [24],
                "demographics": False,
                "programme_history": False,
            },
            "smd_threshold": 0.2,
            "variance_ratio_range": [0.4, 2.5],
            "min_participants": 20,
            "seed": 7,
        },
        "plans": [{"version": "v1", "valid_from": "2023-01", "participants_by_month": {}}],
        "payment_terms": {"per_extra_outcome_month_dkk": 5000, "cap_dkk": 1e6},
        "primary_outcome": "in_job",
    }
    return cfgmod.parse_config(
        {
            "offers": [offer],
            "outcomes": [{"name": "in_job", "statuses": ["job"]}],
            "estimation": {"level": 0.9, "power": 0.9, "bootstrap_reps": 199, "seed": 3},
            "valuation": {"horizon_months": 36, "extrapolation": "decay", "half_life_months": 9},
            "privacy": {"min_cell_size": 7},
        }
    )


def test_to_core_carries_every_field() -> None:
    cfg = _config()
    c = cfgmod.to_core(cfg, prices=load_catalogue(), language="da")
    o, m = c.offers[0], c.offers[0].matching
    assert (m.method, m.k, m.caliper_sd, m.exact_on) == (
        "mahalanobis",
        2,
        0.3,
        ("start_month", "sex"),
    )
    assert (m.smd_threshold, m.variance_ratio_range) == (0.2, (0.4, 2.5))
    assert (m.min_participants, m.seed) == (20, 7)
    assert m.covariates == core.CovariateSpec(
        lags=6, windows=(24,), demographics=False, programme_history=False
    )
    assert o.primary_outcome == "in_job"
    assert o.target_group == core.TargetGroup(("sickness_benefit",), 2)
    assert (o.evidence_stars, o.planned_participants, o.target_effect) == (3, 600, 0.05)
    assert o.payment_terms == ContractTerms(per_extra_outcome_month_dkk=5000.0, cap_dkk=1e6)
    assert [p.version for p in o.plans] == ["v1"]
    assert [x.name for x in c.outcomes] == ["self_sufficient", "on_benefits", "in_job"]
    assert c.estimation.power == 0.9 and c.estimation.level == 0.9 and c.estimation.seed == 3
    assert c.valuation == ValuationSettings(
        horizon_months=36, extrapolation=Extrapolation("decay", half_life_months=9), level=0.9
    )
    assert c.min_cell_size == 7 and c.monitor.language == "da"
    assert c.prices is not None and c.price_year == c.prices.price_year
    assert cfgmod.to_core(cfg, prices=None).prices is None
    report = ReportOptions.for_run(c, as_of="2024-06", lang="en", run_id="x")
    assert report.smd_threshold("los") == 0.2 and report.smd_threshold("other") == 0.1


def test_power_reaches_the_minimum_detectable_effect() -> None:
    """``estimation.power`` is the power of the MDE (columns ``mde`` and ``mde_power``):
    the MDE scales by (z_level + z_power) / (z_level + z_0.8)."""
    m = demo_municipality()
    offer = min(m.config.offers, key=lambda o: m.evaluations[o.offer_id].match.n_matched)
    cfg = dataclasses.replace(
        m.config,
        prices=None,
        outcomes=m.config.outcomes[:1],
        estimation=dataclasses.replace(m.config.estimation, power=0.9),
    )
    at_90 = evaluate_offer(m.panel, offer, cfg).studies["self_sufficient"]
    at_80 = m.evaluations[offer.offer_id].studies["self_sufficient"]
    assert (at_80.power, at_90.power) == (0.8, 0.9)
    assert at_90.pooled_std_error == at_80.pooled_std_error
    z = stats.norm.ppf(0.975)
    ratio = (z + stats.norm.ppf(0.9)) / (z + stats.norm.ppf(0.8))
    assert at_90.mde == pytest.approx(at_80.mde * ratio, rel=1e-12)
    head = at_90.tidy()
    row = head[head["headline"]].iloc[0]
    assert row["mde"] == pytest.approx(at_90.mde) and row["mde_power"] == 0.9


def test_the_monitor_speaks_the_run_language() -> None:
    m = demo_municipality()
    e = m.evaluations["los"]
    cfg = dataclasses.replace(
        m.config, monitor=dataclasses.replace(m.config.monitor, language="da")
    )
    assert e.on_track.language == "en"  # the municipality's config: English texts
    da = monitor_offer(m.panel, e.offer, cfg, e.studies["self_sufficient"])
    assert da.rule_code == e.on_track.rule_code and da.rule != e.on_track.rule
    assert da.rule == e.on_track.reason("da")
