"""One owner for every published table's columns: the schema module is what the output
contracts say (generated from them), and every table the core builds has exactly its
columns, in its order, in values its Arrow types take."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pyarrow as pa
import pytest
from _municipality import demo_municipality

from evaluation import schema
from evaluation.config import OfferConfig, TargetGroup
from evaluation.monetise import TIDY_COLUMNS
from evaluation.monitor import INDICATOR_COLUMNS
from evaluation.offer import combine, evaluate_offer
from flows import contracts, io, publish
from flows.annotate import annotate


def test_schema_module_is_generated_from_the_output_contracts() -> None:
    committed = contracts.SCHEMA_MODULE.read_text(encoding="utf-8")
    assert committed == contracts.render_schema_module(), "run `make contracts`"
    contracted = sorted(
        p.name.removesuffix(".odcs.yaml") for p in contracts.contract_paths(contracts.OUTPUTS_DIR)
    )
    assert sorted(schema.TABLES) == contracted
    for name in schema.TABLES:
        assert schema.arrow_schema(name).equals(contracts.output_schema(name)), name


def test_published_tables_and_family_columns_come_from_the_schema() -> None:
    assert set(publish.RESULT_TABLES) | {"quarantine_summary"} == set(schema.TABLES)
    assert schema.core_columns("value") == TIDY_COLUMNS
    assert schema.core_columns("indicators") == INDICATOR_COLUMNS
    for name in schema.TABLES:
        assert set(schema.SUPPRESSION_COLUMNS) <= set(schema.columns(name)), name
    with pytest.raises(KeyError, match="no published table"):
        schema.columns("effect")


def _check(name: str, frame: pd.DataFrame, *, annotated: bool = False) -> None:
    """``frame`` has table ``name``'s columns in order (as the core builds it, or
    ``annotated`` for readers), and converts to its Arrow types."""
    expected = schema.columns(name, suppression=False) if annotated else schema.core_columns(name)
    assert tuple(frame.columns) == expected, name
    table = io.to_arrow(frame, schema.arrow_schema(name))  # casts; fails on a wrong type
    assert table.schema.equals(schema.arrow_schema(name)), name
    left_out = (*schema.SUPPRESSION_COLUMNS, *([] if annotated else schema.edge_columns(name)))
    for column in schema.table(name):
        if column.required and column.name not in left_out:
            assert table[column.name].null_count == 0, (name, column.name)


def _not_started(offer: OfferConfig) -> OfferConfig:
    """An offer of the config without any participant in the data (a plan instead)."""
    return dataclasses.replace(
        offer,
        offer_id="none",
        name="Uden deltagere",
        target_group=TargetGroup(("cash_benefit",)),
        planned_participants=50,
    )


def test_every_table_the_core_builds_has_the_schema_columns_and_types() -> None:
    """Each offer's tidy tables, with an estimate and without (an offer not started:
    a headline row per outcome saying why, a portfolio row without numbers, no value),
    and the run's tables after Holm's adjustment."""
    m = demo_municipality()
    none = evaluate_offer(m.panel, _not_started(m.config.offers[0]), m.config)
    assert none.status == "no_participants" and none.value is None
    evaluations = [*m.evaluations.values(), none]
    for e in evaluations:
        for name, frame in e.tidy().tables().items():
            if len(frame) or name not in ("value", "levels"):
                _check(name, frame)
    effects = none.tidy().effects
    assert list(effects["outcome"]) == list(none.outcomes) and effects["headline"].all()
    assert (effects["note"] == "no_participants").all()
    run = combine(evaluations)
    assert set(run) == set(schema.OFFER_TABLES)
    for name, frame in run.items():
        _check(name, frame)
    names = {e.offer_id: e.offer.name for e in evaluations}
    for name, frame in annotate(run, names).items():
        _check(name, frame, annotated=True)
    eff = run["effects"]
    in_family = eff["headline"] & eff["primary"] & (eff["estimand"] == "per_protocol")
    family = eff[in_family]
    assert set(family["outcome"]) == {"self_sufficient"}  # the config's primary outcome
    assert family["p_value_holm"].notna().sum() == family["p_value"].notna().sum() > 0
    assert (family["p_value_holm"].dropna() >= family["p_value"].dropna()).all()
    assert eff.loc[~in_family, "p_value_holm"].isna().all()  # secondary outcomes, ITT rows
    assert (eff.loc[eff["estimand"] == "itt", "headline"]).all()


def test_arrow_types_are_the_contract_types() -> None:
    alias = {"string": pa.string(), "int64": pa.int64(), "double": pa.float64(), "bool": pa.bool_()}
    for name in schema.TABLES:
        for column, field in zip(schema.table(name), schema.arrow_schema(name), strict=True):
            assert field.type == alias[column.type], (name, column.name)
