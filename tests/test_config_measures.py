"""The config's register measures and target-group measure rules (flows.config_measures),
and the money check of their unit prices (flows.config_checks)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from evaluation.config import MeasureRule
from flows import config_checks as checks
from flows.config_measures import (
    MeasureModel,
    MeasureRuleModel,
    to_measure,
    to_rules,
    unique_measures,
    unknown_measures,
)


def test_a_measure_converts_to_the_core() -> None:
    m = MeasureModel(name="homeless", kind="binary", label_da="Hjemløs",
                     unit_price_dkk={"kommune": 14000.0})  # fmt: skip
    core = to_measure(m)
    assert core.fill == 0.0 and core.label("da") == "Hjemløs" and core.label("en") == "homeless"
    assert dict(core.unit_price_dkk) == {"kommune": 14000.0}
    assert to_measure(MeasureModel(name="rent", kind="amount")).fill != 0  # NaN
    rules = to_rules({"homeless": MeasureRuleModel(min=1, months_before_start=3)})
    assert rules == (MeasureRule("homeless", 1.0, 3),)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"name": "homeless", "kind": "share"}, "kind"),
        ({"name": "Homeless", "kind": "binary"}, "pattern"),
        ({"name": "job", "kind": "binary"}, "already a status or outcome name"),
        ({"name": "self_sufficient", "kind": "count"}, "already"),
        ({"name": "public_cost_x", "kind": "count"}, "already"),
        ({"name": "visits", "kind": "count", "unit_price_dkk": {"kommunen": 1.0}}, "kommunen"),
        ({"name": "visits", "kind": "count", "unit_price_dkk": {"region": -1.0}}, "greater"),
        ({"name": "visits", "kind": "count", "unit_price_dkk": {"region": "4100"}}, "number"),
        ({"name": "visits", "kind": "count", "colour": "red"}, "colour"),
    ],
)
def test_bad_measures_are_refused(data: dict, fragment: str) -> None:
    with pytest.raises(ValidationError) as err:
        MeasureModel.model_validate(data)
    assert fragment in str(err.value)


def test_names_are_unique_and_known() -> None:
    a = MeasureModel(name="a", kind="count")
    with pytest.raises(ValueError, match="repeated: a"):
        unique_measures([a, a])
    assert unknown_measures(["a", "b", "b"], ["a"]) == ["b"]
    with pytest.raises(ValidationError):
        MeasureRuleModel(months_before_start=0)


def test_unit_prices_are_amounts_in_dkk() -> None:
    assert checks.is_money(("measures", 0, "unit_price_dkk", "region"))
    assert not checks.is_money(("measures", 0, "label_da"))
