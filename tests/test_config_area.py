"""The config keys of other areas: measures, target groups by age and measure, per-offer
outcomes and the primary outcome's default, read strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.config import MeasureRule
from flows.config import ConfigError, load_config, parse_config, to_core

BASE = """
measures:
  - {name: homeless, kind: binary, label_da: Hjemløs, unit_price_dkk: {kommune: 14000}}
offers:
  - offer_id: bolig
    name: Bolig først
    target_group: {age: [18, 29], measures: {homeless: {min: 1, months_before_start: 3}}}
    cost_per_participant_dkk: 90000
    outcomes: [homeless, self_sufficient]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_area_config_converts(tmp_path: Path) -> None:
    cfg = to_core(load_config(_write(tmp_path, BASE)), prices=None)
    offer = cfg.offers[0]
    assert offer.primary_outcome == "homeless"  # the first of outcomes
    assert offer.outcomes == ("homeless", "self_sufficient")
    assert offer.target_group.statuses == () and offer.target_group.age == (18, 29)
    assert offer.target_group.measures == (MeasureRule("homeless", 1.0, 3),)
    assert cfg.measures[0].label("da") == "Hjemløs"
    assert dict(cfg.measures[0].unit_price_dkk) == {"kommune": 14000.0}


def test_employment_defaults_are_unchanged(tmp_path: Path) -> None:
    raw = {"offers": [{"offer_id": "los", "name": "LOS", "cost_per_participant_dkk": 1.0,
                       "target_group": {"statuses": ["sickness_benefit"]}}]}  # fmt: skip
    offer = to_core(parse_config(raw), prices=None).offers[0]
    assert offer.primary_outcome == "self_sufficient" and offer.outcomes == ()


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("kommune: 14000", "kommune: 14.000", "thousands separator"),
        ("age: [18, 29]", "age: [29, 18]", "min <= max"),
        ("kind: binary", "kind: share", "kind"),
        ("outcomes: [homeless, self_sufficient]",
         "outcomes: [homeless]\n    primary_outcome: self_sufficient",
         "primary_outcome 'self_sufficient' is not an outcome of the offer"),
        ("measures: {homeless: {min: 1, months_before_start: 3}}", "measures: {sofa: {}}",
         "target_group.measures names sofa"),
    ],
)  # fmt: skip
def test_bad_area_configs_are_refused(tmp_path: Path, old: str, new: str, fragment: str) -> None:
    assert old in BASE
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, BASE.replace(old, new)))
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)
