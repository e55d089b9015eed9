"""The ODCS contracts lint, every rule in them reaches its GX suite, and the committed
suites in expectations/ are exactly what the generator (flows.contracts) writes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows import contracts

CONTRACTS = contracts.contract_paths(contracts.CONTRACTS_DIR)
DATACONTRACT = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "datacontract"


def _suite(contract: Path) -> dict[str, Any]:
    path = contracts.EXPECTATIONS_DIR / contracts.suite_file_name(contract)
    return json.loads(path.read_text(encoding="utf-8"))


def _custom(item: dict[str, Any]) -> dict[str, Any]:
    return {cp["property"]: cp.get("value") for cp in item.get("customProperties") or []}


def _find(suite: dict[str, Any], etype: str, **kwargs: Any) -> list[dict[str, Any]]:
    return [
        e
        for e in suite["expectations"]
        if e["type"] == etype and all(e["kwargs"].get(k) == v for k, v in kwargs.items())
    ]


def test_the_input_contracts_exist() -> None:
    assert [p.name for p in CONTRACTS] == [
        "outcomes_monthly.odcs.yaml",  # optional input
        "participation.odcs.yaml",
        "persons.odcs.yaml",
        "status_monthly.odcs.yaml",
    ]


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda p: p.name)
def test_datacontract_lint_passes(contract: Path) -> None:
    done = subprocess.run(
        [str(DATACONTRACT), "lint", str(contract)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "valid" in done.stdout.lower()


def test_committed_suites_equal_a_fresh_export(tmp_path: Path) -> None:
    written = contracts.export_suites(contracts.CONTRACTS_DIR, tmp_path)
    committed = sorted(p.name for p in contracts.EXPECTATIONS_DIR.glob("*.json"))
    assert sorted(p.name for p in written) == committed
    for path in written:
        fresh = path.read_text(encoding="utf-8")
        assert (contracts.EXPECTATIONS_DIR / path.name).read_text(encoding="utf-8") == fresh, (
            f"expectations/{path.name} is out of sync with its contract: "
            "run python -m flows.contracts"
        )
    assert contracts.main(["--check"]) == 0


def test_check_reports_an_edited_suite(tmp_path: Path) -> None:
    contracts.export_suites(contracts.CONTRACTS_DIR, tmp_path)
    path = tmp_path / "persons.json"
    suite = json.loads(path.read_text(encoding="utf-8"))
    suite["expectations"].pop()
    path.write_text(contracts.render_suite(suite), encoding="utf-8")
    assert contracts.stale_suites(contracts.CONTRACTS_DIR, tmp_path) == ["persons.json"]
    assert contracts.main(["--check", "--expectations", str(tmp_path)]) == 1


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda p: p.name)
def test_every_contract_rule_is_in_the_suite(contract: Path) -> None:
    """Checked against the contract itself, not against the exporter's idea of it."""
    doc = contracts.load_contract(contract)
    (schema,) = doc["schema"]
    suite = _suite(contract)
    props = schema["properties"]
    actions = _custom(doc)["schemaRuleActions"]

    def one(etype: str, kind: str | None = None, **kwargs: Any) -> dict[str, Any]:
        found = _find(suite, etype, **kwargs)
        assert len(found) == 1, (contract.name, etype, kwargs)
        if kind:
            assert found[0]["meta"]["action"] == actions[kind], (etype, kwargs)
        return found[0]

    one("expect_table_columns_to_match_set", "columns", column_set=[p["name"] for p in props])
    for p in props:
        col = p["name"]
        one("expect_column_values_to_be_of_type", "type", column=col, type_=p["physicalType"])
        nulls = _find(suite, "expect_column_values_to_not_be_null", column=col)
        assert len(nulls) == (1 if p.get("required") else 0), col
        if p.get("required"):
            assert nulls[0]["meta"]["action"] == actions["required"]
        unique = _find(suite, "expect_column_values_to_be_unique", column=col)
        assert len(unique) == (1 if p.get("unique") or p.get("primaryKey") else 0), col
        if "enum" in p:
            values = [e["value"] if isinstance(e, dict) else e for e in p["enum"]]
            one("expect_column_values_to_be_in_set", "enum", column=col, value_set=values)
        bounds = p.get("logicalTypeOptions") or {}
        if "minimum" in bounds or "maximum" in bounds:
            ranges = [
                e
                for e in _find(suite, "expect_column_values_to_be_between", column=col)
                if e["meta"]["data_contract_rule_location"]["origin"] == "schema_inferred"
            ]
            assert len(ranges) == 1, (contract.name, col)
            exp = ranges[0]
            assert exp["meta"]["action"] == actions["range"]
            assert exp["kwargs"].get("min_value") == bounds.get("minimum")
            assert exp["kwargs"].get("max_value") == bounds.get("maximum")
        if _custom(p).get("optionalColumn"):
            assert col in suite["meta"]["optional_columns"]
    quality = [(None, q) for q in schema.get("quality") or []]
    quality += [(p["name"], q) for p in props for q in p.get("quality") or []]
    for column, q in quality:
        impl = q["implementation"]
        kwargs = dict(impl.get("kwargs") or {})
        if column:
            kwargs["column"] = column
        exp = one(impl["type"], **kwargs)
        assert exp["meta"]["id"] == q["id"]
        assert exp["meta"]["action"] == _custom(q)["action"]
    relations = [(p["name"], r) for p in props for r in p.get("relationships") or []]
    cross = suite["meta"]["cross_file_rules"]
    assert len(cross) == len(relations)
    for (column, rel), xr in zip(relations, cross, strict=True):
        custom = _custom(rel)
        assert (xr["column"], xr["rule"], xr["action"]) == (
            column,
            custom["rule"],
            custom["action"],
        )
        assert xr["check"] == custom.get("check", "exists")
        assert xr["ref_file"] in {
            "persons.parquet",
            "status_monthly.parquet",
            "participation.parquet",
        }
        assert xr["check"] in contracts.CROSS_FILE_CHECKS
        if xr["check"] in contracts.BOUNDED_CHECKS:
            assert (xr["minimum"], xr["maximum"]) == (custom["minimum"], custom["maximum"])
    for exp in suite["expectations"]:
        assert exp["meta"]["action"] in contracts.ACTIONS
    assert suite["meta"]["file"] == schema["physicalName"]


# --- the generator refuses incomplete contracts ------------------------------------------


def _edited_contracts(tmp_path: Path, name: str, edit) -> Path:  # noqa: ANN001
    """Copy all contracts to tmp_path and apply ``edit`` to the parsed ``name``."""
    for path in CONTRACTS:
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / name
    doc = yaml.safe_load(target.read_text(encoding="utf-8"))
    edit(doc["schema"][0])
    target.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def _status_prop(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in schema["properties"] if p["name"] == name)


def test_a_quality_rule_the_exporter_drops_fails(tmp_path: Path) -> None:
    def edit(schema: dict[str, Any]) -> None:
        schema["quality"].append(
            {
                "id": "status_sql_rule",
                "name": "a rule in SQL",
                "type": "sql",
                "query": "SELECT COUNT(*) FROM status_monthly WHERE earnings_dkk > 1e7",
                "mustBe": 0,
                "customProperties": [{"property": "action", "value": "quarantine"}],
            }
        )

    path = _edited_contracts(tmp_path, "status_monthly.odcs.yaml", edit)
    with pytest.raises(contracts.ContractError, match="'status_sql_rule'.*did not reach"):
        contracts.build_suite(path)


def test_a_rule_without_action_fails(tmp_path: Path) -> None:
    def edit(schema: dict[str, Any]) -> None:
        _status_prop(schema, "month")["quality"][0]["customProperties"] = []

    path = _edited_contracts(tmp_path, "status_monthly.odcs.yaml", edit)
    with pytest.raises(contracts.ContractError, match="status_month_first_day.*no action"):
        contracts.build_suite(path)


def test_an_unknown_cross_file_check_fails(tmp_path: Path) -> None:
    def edit(schema: dict[str, Any]) -> None:
        rel = _status_prop(schema, "start_month")["relationships"][0]
        next(cp for cp in rel["customProperties"] if cp["property"] == "check")["value"] = "bogus"

    path = _edited_contracts(tmp_path, "participation.odcs.yaml", edit)
    with pytest.raises(contracts.ContractError, match="check 'bogus'"):
        contracts.build_suite(path)


def test_a_contract_that_does_not_lint_fails(tmp_path: Path) -> None:
    def edit(schema: dict[str, Any]) -> None:
        schema["properties"][0]["logicalType"] = "not-a-type"

    path = _edited_contracts(tmp_path, "persons.odcs.yaml", edit)
    with pytest.raises(contracts.ContractError, match="does not lint"):
        contracts.build_suite(path)


def test_an_age_check_without_bounds_fails(tmp_path: Path) -> None:
    def edit(schema: dict[str, Any]) -> None:
        rel = _status_prop(schema, "birth_year")["relationships"][0]
        rel["customProperties"] = [
            cp for cp in rel["customProperties"] if cp["property"] != "maximum"
        ]

    path = _edited_contracts(tmp_path, "persons.odcs.yaml", edit)
    with pytest.raises(contracts.ContractError, match="age_within.*minimum and maximum"):
        contracts.build_suite(path)
