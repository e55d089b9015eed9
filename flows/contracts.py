"""Generate the Great Expectations suites in ``expectations/`` from the ODCS contracts.

The contracts in ``data_contracts/*.odcs.yaml`` are the single source of truth. For each
contract this module

1. lints it against ODCS v3 (datacontract-cli, the same check as ``datacontract lint``);
2. exports its schema as a GX 1.x suite for pandas with datacontract-cli's exporter, the
   code behind ``datacontract export great-expectations --engine pandas``;
3. stamps every expectation with ``meta.action`` (``quarantine`` or ``stop``) and the
   suite with the file name, optional columns and cross-file rules, none of which the
   exporter carries over.

How the contract says what a failed rule does:

* a quality rule carries the custom property ``action`` (the exporter copies it into
  ``meta.data_contract_custom_properties``);
* a rule the exporter infers from the schema (column set, type, required/primaryKey,
  unique, enum, minimum/maximum) takes its action from the contract-level custom
  property ``schemaRuleActions``, keyed by rule kind (:data:`SCHEMA_RULE_KIND`);
* a property with the custom property ``optionalColumn: true`` may be absent;
* a cross-file rule is a property ``relationships`` entry (a foreign key, which the
  exporter ignores) with custom properties ``action``, ``rule``, ``description`` and
  optionally ``check`` and ``key`` (:data:`CROSS_FILE_CHECKS`); flows/validation.py
  checks it in pandas.

Quality rules must be written with ``engine: great-expectations`` and an
``implementation``; the exporter silently drops any other, so :func:`build_suite` fails
when a contract has a quality rule that did not reach the suite.

Usage: ``python -m flows.contracts [--check] [--contracts DIR] [--expectations DIR]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS_DIR = ROOT / "data_contracts"
EXPECTATIONS_DIR = ROOT / "expectations"
CONTRACT_SUFFIX = ".odcs.yaml"
ACTIONS = ("quarantine", "stop")
CROSS_FILE_CHECKS = (
    "exists",
    "not_before_first",
    "not_after_last",
    "age_within",
    "no_quarantined_rows",
)
"""What a cross-file rule checks (relationship custom property ``check``, default
``exists``): ``exists`` - the value occurs in the referenced column (a foreign key);
``not_before_first`` - the value is not before the smallest referenced value with the
same ``key`` (e.g. a start month not before the person's first observed month);
``not_after_last`` - the value is not after the largest referenced value (of the same
``key`` if one is given; e.g. a start month within the data period); ``age_within`` -
the calendar year of every referenced date with the same ``key`` minus the value (a
birth year) lies between ``minimum`` and ``maximum``; ``no_quarantined_rows`` - no
quarantined row of the referenced file has this value (checked last, after every other
rule of every file)."""
KEYED_CHECKS = ("not_before_first", "age_within")
"""Checks that need the custom property ``key``."""
BOUNDED_CHECKS = ("age_within",)
"""Checks that need the custom properties ``minimum`` and ``maximum``."""

SCHEMA_RULE_KIND: dict[str, str] = {
    "expect_table_columns_to_match_set": "columns",
    "expect_column_values_to_be_of_type": "type",
    "expect_column_values_to_not_be_null": "required",
    "expect_column_values_to_be_unique": "unique",
    "expect_column_values_to_be_in_set": "enum",
    "expect_column_values_to_be_between": "range",
    "expect_column_value_lengths_to_be_between": "length",
    "expect_column_values_to_match_regex": "pattern",
}
"""Rule kind of each expectation type the exporter infers from a schema."""


class ContractError(ValueError):
    """A contract that cannot be turned into a complete suite."""


def contract_paths(contracts_dir: Path) -> list[Path]:
    return sorted(Path(contracts_dir).glob(f"*{CONTRACT_SUFFIX}"))


def load_contract(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def suite_file_name(contract_path: Path) -> str:
    return Path(contract_path).name.removesuffix(CONTRACT_SUFFIX) + ".json"


def export_raw_suite(contract_path: Path) -> dict[str, Any]:
    """Lint the contract and export its (single) schema as datacontract-cli does."""
    from datacontract.data_contract import DataContract

    dc = DataContract(data_contract_file=str(contract_path), inline_references=False)
    run = dc.lint()
    if not run.has_passed():
        reasons = "; ".join(f"{c.name}: {c.reason}" for c in run.checks if c.reason)
        raise ContractError(f"{Path(contract_path).name} does not lint: {reasons or run.result}")
    schema = _single_schema(load_contract(contract_path), contract_path)
    raw = dc.export("great-expectations", schema_name=schema["name"], engine="pandas")
    return json.loads(raw)


def build_suite(contract_path: Path) -> dict[str, Any]:
    """The annotated GX suite for one contract (lint, export, annotate, check)."""
    contract_path = Path(contract_path)
    return annotate_suite(export_raw_suite(contract_path), contract_path)


def annotate_suite(raw: dict[str, Any], contract_path: Path) -> dict[str, Any]:
    """Add ``meta.action`` to each expectation and file-level facts to the suite meta."""
    contract = load_contract(contract_path)
    schema = _single_schema(contract, contract_path)
    defaults = _custom(contract.get("customProperties")).get("schemaRuleActions") or {}
    suite = json.loads(json.dumps(raw))  # deep copy
    for exp in suite["expectations"]:
        exp["meta"]["action"] = _action_of(exp, defaults, contract_path)
    _check_quality_rules_exported(schema, suite, contract_path)
    props = schema.get("properties") or []
    suite["meta"].update(
        {
            "file": schema.get("physicalName") or f"{schema['name']}.parquet",
            "contract": Path(contract_path).name,
            "optional_columns": [
                p["name"] for p in props if _custom(p.get("customProperties")).get("optionalColumn")
            ],
            "cross_file_rules": _cross_file_rules(schema, Path(contract_path).parent),
        }
    )
    return suite


def render_suite(suite: dict[str, Any]) -> str:
    return json.dumps(suite, indent=2, ensure_ascii=False) + "\n"


def export_suites(contracts_dir: Path, expectations_dir: Path) -> list[Path]:
    """Write one suite per contract in ``contracts_dir`` to ``expectations_dir``."""
    paths = contract_paths(contracts_dir)
    if not paths:
        raise ContractError(f"no *{CONTRACT_SUFFIX} contracts in {contracts_dir}")
    expectations_dir = Path(expectations_dir)
    expectations_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        out = expectations_dir / suite_file_name(path)
        out.write_text(render_suite(build_suite(path)), encoding="utf-8")
        written.append(out)
    return written


def stale_suites(contracts_dir: Path, expectations_dir: Path) -> list[str]:
    """Names of suites in ``expectations_dir`` that differ from a fresh export."""
    stale = []
    for path in contract_paths(contracts_dir):
        committed = Path(expectations_dir) / suite_file_name(path)
        fresh = render_suite(build_suite(path))
        if not committed.exists() or committed.read_text(encoding="utf-8") != fresh:
            stale.append(committed.name)
    return stale


# --- helpers ---------------------------------------------------------------------------


OUTPUTS_DIR = CONTRACTS_DIR / "outputs"
ARROW_TYPES = {"string": "string", "int64": "int64", "double": "float64", "bool": "bool"}
"""Arrow types an output contract's ``physicalType`` may name."""


def output_contract(name: str, contracts_dir: Path = OUTPUTS_DIR) -> dict[str, Any]:
    """The single schema of output contract ``name`` (e.g. ``effects``)."""
    path = Path(contracts_dir) / f"{name}{CONTRACT_SUFFIX}"
    return _single_schema(load_contract(path), path)


def output_schema(name: str, contracts_dir: Path = OUTPUTS_DIR) -> Any:
    """The Arrow schema of output ``name`` as its contract fixes it (columns, order,
    types, nullability)."""
    import pyarrow as pa

    fields = []
    for prop in output_contract(name, contracts_dir)["properties"]:
        kind = prop["physicalType"]
        if kind not in ARROW_TYPES:
            raise ContractError(f"output {name}: column {prop['name']} has type {kind!r}")
        fields.append(pa.field(prop["name"], pa.type_for_alias(ARROW_TYPES[kind])))
    return pa.schema(fields)


def output_columns(name: str) -> tuple[str, ...]:
    return tuple(output_schema(name).names)


SCHEMA_MODULE = ROOT / "evaluation" / "schema_tables.py"
"""The published tables' columns as Python data, generated from the output contracts."""


def render_schema_module(contracts_dir: Path = OUTPUTS_DIR) -> str:
    """The text of :data:`SCHEMA_MODULE`: every output contract's columns, Arrow types and
    whether they are required, in contract order (read by :mod:`evaluation.schema`)."""
    lines = [
        '"""Columns of every published table: name, Arrow type, required.',
        "",
        "Generated from data_contracts/outputs/*.odcs.yaml by ``make contracts``",
        "(``python -m flows.contracts``); do not edit. Read it through :mod:`evaluation.schema`.",
        '"""',
        "",
        "TABLES: dict[str, tuple[tuple[str, str, bool], ...]] = {",
    ]
    for path in contract_paths(contracts_dir):
        name = path.name.removesuffix(CONTRACT_SUFFIX)
        lines.append(f"    {json.dumps(name)}: (")
        for prop in output_contract(name, contracts_dir)["properties"]:
            kind = prop["physicalType"]
            if kind not in ARROW_TYPES:
                raise ContractError(f"output {name}: column {prop['name']} has type {kind!r}")
            column = f"{json.dumps(prop['name'])}, {json.dumps(kind)}, {bool(prop.get('required'))}"
            lines.append(f"        ({column}),")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _single_schema(contract: dict[str, Any], path: Path) -> dict[str, Any]:
    schemas = contract.get("schema") or []
    if len(schemas) != 1:
        raise ContractError(f"{Path(path).name}: expected exactly one schema, got {len(schemas)}")
    return schemas[0]


def _custom(custom_properties: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {cp["property"]: cp.get("value") for cp in custom_properties or []}


def _action_of(exp: dict[str, Any], defaults: dict[str, str], path: Path) -> str:
    meta = exp["meta"]
    origin = meta["data_contract_rule_location"]["origin"]
    if origin == "quality_block":
        action = (meta.get("data_contract_custom_properties") or {}).get("action")
        where = f"quality rule {meta.get('id') or meta.get('name')!r}"
    else:
        kind = SCHEMA_RULE_KIND.get(exp["type"])
        action = defaults.get(kind)
        where = f"schema rule {exp['type']} (kind {kind!r} in schemaRuleActions)"
    if action not in ACTIONS:
        raise ContractError(f"{Path(path).name}: {where} has no action in {ACTIONS}")
    return action


def _quality_rules(schema: dict[str, Any]) -> list[tuple[str | None, dict[str, Any]]]:
    rules = [(None, q) for q in schema.get("quality") or []]
    for prop in schema.get("properties") or []:
        rules += [(prop["name"], q) for q in prop.get("quality") or []]
    return rules


def _check_quality_rules_exported(
    schema: dict[str, Any], suite: dict[str, Any], path: Path
) -> None:
    """Fail when a quality rule was dropped (e.g. not ``engine: great-expectations``)."""
    exported = {
        e["meta"].get("id") or e["meta"].get("name")
        for e in suite["expectations"]
        if e["meta"]["data_contract_rule_location"]["origin"] == "quality_block"
    }
    for column, rule in _quality_rules(schema):
        key = rule.get("id") or rule.get("name")
        if key not in exported:
            raise ContractError(
                f"{Path(path).name}: quality rule {key!r} on {column or 'the table'} did not "
                "reach the suite; write it with engine: great-expectations and an implementation"
            )


def _cross_file_rules(schema: dict[str, Any], contracts_dir: Path) -> list[dict[str, Any]]:
    rules = []
    for prop in schema.get("properties") or []:
        for rel in prop.get("relationships") or []:
            custom = _custom(rel.get("customProperties"))
            if custom.get("action") not in ACTIONS:
                raise ContractError(f"relationship on {prop['name']} has no action in {ACTIONS}")
            check = custom.get("check") or "exists"
            if check not in CROSS_FILE_CHECKS:
                raise ContractError(
                    f"relationship on {prop['name']} has check {check!r}, not one of "
                    f"{CROSS_FILE_CHECKS}"
                )
            if check in KEYED_CHECKS and not custom.get("key"):
                raise ContractError(f"relationship on {prop['name']} ({check}) needs a key")
            if check in BOUNDED_CHECKS and not _bounded(custom):
                raise ContractError(
                    f"relationship on {prop['name']} ({check}) needs a numeric minimum and maximum"
                )
            ref_file, ref_column = _resolve_reference(rel["to"], contracts_dir)
            rule = {
                "rule": custom.get("rule") or f"{schema['name']}.{prop['name']}.{rel['id']}",
                "type": rel.get("type", "foreignKey"),
                "check": check,
                "column": prop["name"],
                "key": custom.get("key"),
                "ref_file": ref_file,
                "ref_column": ref_column,
                "action": custom["action"],
                "description": custom.get("description")
                or f"{prop['name']} must exist in {ref_file}.{ref_column}",
                "description_da": custom.get("description_da"),
            }
            if check in BOUNDED_CHECKS:
                rule |= {"minimum": custom["minimum"], "maximum": custom["maximum"]}
            rules.append(rule)
    return rules


def _bounded(custom: dict[str, Any]) -> bool:
    lo, hi = custom.get("minimum"), custom.get("maximum")
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lo, hi))
    return numbers and lo <= hi


def _resolve_reference(to: str, contracts_dir: Path) -> tuple[str, str]:
    """``persons.odcs.yaml#/schema/persons/properties/person_id`` -> file and column."""
    if "#" not in to:
        raise ContractError(f"cross-file reference {to!r} must name a contract file")
    file_part, pointer = to.split("#", 1)
    parts = pointer.strip("/").split("/")
    if len(parts) != 4 or parts[0] != "schema" or parts[2] != "properties":
        raise ContractError(f"reference {to!r} is not #/schema/<id>/properties/<id>")
    target = load_contract(Path(contracts_dir) / file_part)
    schema = next((s for s in target.get("schema") or [] if s.get("id") == parts[1]), None)
    prop = next(
        (p for p in (schema or {}).get("properties") or [] if p.get("id") == parts[3]), None
    )
    if schema is None or prop is None:
        raise ContractError(f"reference {to!r} does not resolve")
    return schema.get("physicalName") or f"{schema['name']}.parquet", prop["name"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flows.contracts", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--contracts", type=Path, default=CONTRACTS_DIR)
    parser.add_argument("--expectations", type=Path, default=EXPECTATIONS_DIR)
    parser.add_argument(
        "--check", action="store_true", help="only report suites that are out of sync"
    )
    args = parser.parse_args(argv)
    outputs = args.contracts / "outputs"
    if args.check:
        stale = [
            args.expectations / name for name in stale_suites(args.contracts, args.expectations)
        ]
        if SCHEMA_MODULE.read_text(encoding="utf-8") != render_schema_module(outputs):
            stale.append(SCHEMA_MODULE)
        for path in stale:
            print(f"out of sync: {path}", file=sys.stderr)
        return 1 if stale else 0
    for path in export_suites(args.contracts, args.expectations):
        print(f"wrote {path}")
    SCHEMA_MODULE.write_text(render_schema_module(outputs), encoding="utf-8")
    print(f"wrote {SCHEMA_MODULE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
