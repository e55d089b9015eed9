"""Every validation rule in words, in Danish or English, from the generated suites.

A rule written in a contract (a quality rule or a cross-file relationship) is described
by the contract itself: ``description`` in English, the custom property
``description_da`` in Danish. A rule the exporter infers from the schema (columns, type,
filled in, unique, allowed values, range) is described from its kind and arguments.
Nothing here runs a rule; :mod:`flows.validation` does that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from flows.contracts import EXPECTATIONS_DIR

Lang = Literal["da", "en"]
SUITES = ("persons", "status_monthly", "participation")
SHARE_RULE = "max_quarantine_share"


@dataclass(frozen=True)
class RuleWords:
    """One rule of one input file, in words."""

    file: str
    rule: str
    column: str
    action: str  # quarantine | stop
    text: str


TYPE_WORDS = {
    "str": ("tekst", "text"),
    "int32": ("et helt tal", "a whole number"),
    "int64": ("et helt tal", "a whole number"),
    "float64": ("et tal", "a number"),
    "datetime64[ns]": ("en dato", "a date"),
}
TEMPLATES = {
    "expect_table_columns_to_match_set": (
        "filen har præcis kolonnerne {columns}",
        "the file has exactly the columns {columns}",
    ),
    "expect_column_values_to_be_of_type": ("{column} er {type}", "{column} is {type}"),
    "expect_column_values_to_not_be_null": ("{column} er udfyldt", "{column} is filled in"),
    "expect_column_values_to_be_unique": (
        "{column} forekommer kun én gang",
        "{column} occurs only once",
    ),
    "expect_column_values_to_be_in_set": (
        "{column} er en af: {values}",
        "{column} is one of: {values}",
    ),
    "between": ("{column} ligger mellem {lo} og {hi}", "{column} lies between {lo} and {hi}"),
    "at_least": ("{column} er mindst {lo}", "{column} is at least {lo}"),
    "at_most": ("{column} er højst {hi}", "{column} is at most {hi}"),
    "expect_table_row_count_to_be_between": (
        "filen har mindst én række",
        "the file has at least one row",
    ),
    SHARE_RULE: (
        "højst {share} af filens rækker sættes til side; ellers stopper kørslen",
        "at most {share} of the file's rows are set aside; otherwise the run stops",
    ),
}


def _i(lang: Lang) -> int:
    return 0 if lang == "da" else 1


@cache
def _suite(name: str, folder: Path) -> dict[str, Any]:
    return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))


def rules_in_words(
    lang: Lang, *, max_quarantine_share: float, expectations_dir: Path = EXPECTATIONS_DIR
) -> list[RuleWords]:
    """Every rule of the three input suites, file by file, in the suites' order: the
    expectations, then the cross-file rules, then the quarantined-share rule."""
    out = []
    for name in SUITES:
        suite = _suite(name, Path(expectations_dir))
        file = suite["meta"]["file"]
        optional = tuple(suite["meta"].get("optional_columns") or ())
        for exp in suite["expectations"]:
            out.append(_expectation(file, exp, optional, lang))
        for xr in suite["meta"].get("cross_file_rules") or ():
            text = xr.get("description_da") if lang == "da" else xr["description"]
            out.append(
                RuleWords(file, xr["rule"], xr["column"], xr["action"], text or xr["description"])
            )
        share = _percent(max_quarantine_share, lang)
        text = TEMPLATES[SHARE_RULE][_i(lang)].format(share=share)
        out.append(RuleWords(file, SHARE_RULE, "", "stop", text))
    return out


def _expectation(
    file: str, exp: dict[str, Any], optional: tuple[str, ...], lang: Lang
) -> RuleWords:
    meta, kw = exp["meta"], exp["kwargs"]
    column = kw.get("column") or ",".join(kw.get("column_list") or ())
    if meta["data_contract_rule_location"]["origin"] == "quality_block":
        custom = meta.get("data_contract_custom_properties") or {}
        text = (custom.get("description_da") if lang == "da" else None) or exp.get("description")
    else:
        text = _inferred(exp["type"], kw, optional, lang)
    return RuleWords(file, meta["expectation_id"], column, meta["action"], text or exp["type"])


def _inferred(kind: str, kw: dict[str, Any], optional: tuple[str, ...], lang: Lang) -> str:
    i = _i(lang)
    column = kw.get("column", "")
    if kind == "expect_table_columns_to_match_set":
        cols = ", ".join(kw["column_set"])
        text = TEMPLATES[kind][i].format(columns=cols)
        if optional:
            text += (" (må undvære " if lang == "da" else " (may lack ") + ", ".join(optional) + ")"
        return text
    if kind == "expect_column_values_to_be_of_type":
        word = TYPE_WORDS.get(kw["type_"], (kw["type_"], kw["type_"]))[i]
        return TEMPLATES[kind][i].format(column=column, type=word)
    if kind == "expect_column_values_to_be_in_set":
        return TEMPLATES[kind][i].format(column=column, values=", ".join(map(str, kw["value_set"])))
    if kind == "expect_column_values_to_be_between":
        lo, hi = _bound(kw.get("min_value")), _bound(kw.get("max_value"))
        key = "between" if lo and hi else "at_least" if lo else "at_most"
        return TEMPLATES[key][i].format(column=column, lo=lo, hi=hi)
    if kind in TEMPLATES:
        return TEMPLATES[kind][i].format(column=column)
    return kind


def _bound(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if "T" in text and text[:4].isdigit():  # a date bound: the month is what matters
        return text[:7]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return text


def _percent(share: float, lang: Lang) -> str:
    text = f"{100 * share:.1f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')} %" if lang == "da" else f"{text}%"
