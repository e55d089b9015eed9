"""The contract-generated GX suites (``expectations/``), grouped by how each rule runs.

Every expectation of a suite runs, unchanged, in exactly one group:

* ``columns`` (the column set) on an empty frame with the file's columns;
* ``row_count`` on a frame with the file's number of rows and no columns;
* ``values:<column>`` (the column's type rule and its *value rules*: rules whose verdict
  for a row depends only on that row's value in that one column: filled, in a set,
  between, matching a regex) on the column's distinct values, once each; a value's
  verdict then holds for every row with that value;
* ``sets`` (uniqueness rules) on the rows' dictionary codes, partition by partition
  (a code stands for one value, so a pair of codes repeats exactly when the pair of
  values does);
* ``rows`` (every other rule, e.g. a column pair) on the rows' values, partition by
  partition.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXPECTATIONS_DIR = ROOT / "expectations"
SUITES = {
    "persons": "persons",
    "status": "status_monthly",
    "participation": "participation",
    "outcomes": "outcomes_monthly",
}
"""Field of :class:`ValidatedInputs` -> suite (and contract) name."""
OPTIONAL_FILES = frozenset({"outcomes"})
"""Fields whose file may be absent (then the file is not validated and holds no rows)."""
VALUE_SET_FROM_CONFIG = "valueSetFromConfig"
"""Custom property of an in-set rule whose value set the config gives (``measures``:
the names of the declared measures); without a config the rule does not run."""
ROW_KEY = "_row"
PARTITION_COLUMN = "person_id"
PERSON_ID = "person_id"
QUARANTINE_COLUMNS = ("file", "row", "rule", "column", "message", "person_key")
SHARE_RULE = "max_quarantine_share"

COLUMN_SET = "expect_table_columns_to_match_set"
ROW_COUNT = "expect_table_row_count_to_be_between"
TYPE = "expect_column_values_to_be_of_type"
STRUCTURAL = frozenset({COLUMN_SET, TYPE, ROW_COUNT})
"""Expectation types checked on every file before any row rule."""
UNIQUENESS = frozenset(
    {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}
)
VALUE_RULES = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
    }
)
"""Single-column expectations whose verdict for a row is a function of its value alone."""


@dataclass(frozen=True)
class Rule:
    """One expectation of a suite, as the validator needs it."""

    rule: str
    type: str
    column: str
    columns: tuple[str, ...]
    action: str
    description: str

    @classmethod
    def from_expectation(cls, exp: dict[str, Any]) -> Rule:
        kw = exp["kwargs"]
        cols = tuple(kw.get("column_list") or ())
        if not cols:
            cols = tuple(c for c in (kw.get("column"), kw.get("column_A"), kw.get("column_B")) if c)
        return cls(
            rule=exp["meta"]["expectation_id"],
            type=exp["type"],
            column=",".join(cols),
            columns=cols,
            action=exp["meta"]["action"],
            description=exp.get("description") or exp["meta"].get("name") or exp["type"],
        )

    @property
    def group(self) -> str:
        """The group (see the module docstring) this rule runs in."""
        if self.type == COLUMN_SET:
            return "columns"
        if self.type == ROW_COUNT:
            return "row_count"
        if self.type == TYPE or (self.type in VALUE_RULES and len(self.columns) == 1):
            return f"values:{self.columns[0]}"
        return "sets" if self.type in UNIQUENESS else "rows"


@dataclass(frozen=True, eq=False)
class Suite:
    """A generated suite: its rules (structural and row) and their GX suites by group."""

    name: str
    file: str
    columns: tuple[str, ...]
    types: dict[str, str]
    optional_columns: tuple[str, ...]
    cross_file_rules: tuple[dict[str, Any], ...]
    structural: tuple[Rule, ...]
    rows: tuple[Rule, ...]
    gx: dict[str, Any]  # group -> great_expectations.ExpectationSuite

    @property
    def partition_by_person(self) -> bool:
        """Partitioning by person is safe when every uniqueness rule includes person_id."""
        return all(PARTITION_COLUMN in r.columns for r in self.rows if r.type in UNIQUENESS)

    def rules(self, group: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.structural + self.rows if r.group == group)

    def value_columns(self) -> tuple[str, ...]:
        """Columns with a type or value rule, in contract order."""
        return tuple(c for c in self.columns if f"values:{c}" in self.gx)


def load_suite(path: Path, value_sets: dict[str, list[str]] | None = None) -> Suite:
    """The suite at ``path``; an in-set rule with :data:`VALUE_SET_FROM_CONFIG` takes its
    value set from ``value_sets`` (by the property's value) and is left out when that
    does not name it."""
    import great_expectations as gx

    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    exps = _with_config_sets(raw["expectations"], value_sets or {})
    struct = [e for e in exps if e["type"] in STRUCTURAL]
    rows = [e for e in exps if e["type"] not in STRUCTURAL]
    columns = next(e["kwargs"]["column_set"] for e in struct if "column_set" in e["kwargs"])
    groups: dict[str, list[dict[str, Any]]] = {}
    for e in exps:
        groups.setdefault(Rule.from_expectation(e).group, []).append(e)
    meta = raw["meta"]
    return Suite(
        name=Path(path).stem,
        file=meta["file"],
        columns=tuple(columns),
        types={e["kwargs"]["column"]: e["kwargs"]["type_"] for e in struct if e["type"] == TYPE},
        optional_columns=tuple(meta.get("optional_columns") or ()),
        cross_file_rules=tuple(meta.get("cross_file_rules") or ()),
        structural=tuple(Rule.from_expectation(e) for e in struct),
        rows=tuple(Rule.from_expectation(e) for e in rows),
        gx={
            group: gx.ExpectationSuite(name=f"{raw['name']}.{group}", expectations=items)
            for group, items in groups.items()
        },
    )


def _with_config_sets(exps: list[dict[str, Any]], value_sets: dict[str, list[str]]) -> list:
    out = []
    for e in exps:
        source = (e["meta"].get("data_contract_custom_properties") or {}).get(VALUE_SET_FROM_CONFIG)
        if source is None:
            out.append(e)
        elif source in value_sets:
            out.append({**e, "kwargs": {**e["kwargs"], "value_set": sorted(value_sets[source])}})
    return out


def load_suites(
    expectations_dir: Path = EXPECTATIONS_DIR, *, measures: tuple[str, ...] | None = None
) -> dict[str, Suite]:
    """The input suites by :class:`ValidatedInputs` field; ``measures``: the measures the
    config declares (None: no config, the declared-measure rule does not run)."""
    sets = {} if measures is None else {"measures": list(measures)}
    return {
        field: load_suite(Path(expectations_dir) / f"{name}.json", sets)
        for field, name in SUITES.items()
    }
