"""Validate the three input files against the contract-generated GX suites.

Runs before anything else. Reads ``persons.parquet``, ``status_monthly.parquet`` and
``participation.parquet``, checks them with Great Expectations 1.x (ephemeral context,
pandas) against the suites in ``expectations/`` (generated from ``data_contracts/`` by
``python -m flows.contracts``) and returns clean frames plus a quarantine table.

What a failed rule does comes from the suite (``meta.action``, set from the contract):

* ``quarantine`` (row level): the offending rows are set aside with the rule they broke
  (file, row, rule, column, message; never an ID value); the run goes on without them.
* ``stop`` (dataset level: missing or extra column, wrong type, no rows, a ``person_id``
  that looks like a CPR number), and more than ``max_quarantine_share`` of a file
  quarantined: :class:`ValidationError` with one line naming file, column, rule, count
  and up to five row numbers, raised before any frame is returned.

Order: all files are read and their structure (columns, types, row count) checked on the
whole frame; then the row rules run per partition of about ``partition_rows`` rows. Rows
are partitioned by ``person_id`` (factorised codes modulo the number of partitions), so
every uniqueness rule, which always includes ``person_id``, sees all rows it needs.
Cross-file rules (contract ``relationships``, :data:`CROSS_FILE_CHECKS`) run in pandas
against the *kept* rows of the file they refer to, files in the order persons, status,
participation: a status or participation row whose person is not among the kept persons
is quarantined, and so is an enrolment that starts before the person's first kept month
in status_monthly (or whose person has no kept month at all).

A file that is missing (rule ``file_present``) or cannot be read as Parquet (rule
``readable_parquet``) stops the run like any other dataset-level break.

Reading is lossless and kind-preserving before the type check: integer columns of any
width become int32 (nullable Int32 while nulls remain), string and dictionary columns
``str``, numbers float64, Parquet dates datetime64. A column of another kind is left as
it is and fails the type rule. An absent optional column (``earnings_dkk``) is added as
all-null, so the clean frames always have every contract column.

Row numbers are 0-based positions in the Parquet file.
"""

from __future__ import annotations

import html
import json
import logging
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parents[1]
EXPECTATIONS_DIR = ROOT / "expectations"
SUITES = {"persons": "persons", "status": "status_monthly", "participation": "participation"}
"""Field of :class:`ValidatedInputs` -> suite (and contract) name."""
ROW_KEY = "_row"
PARTITION_COLUMN = "person_id"
QUARANTINE_COLUMNS = ("file", "row", "rule", "column", "message")
STRUCTURAL = frozenset(
    {
        "expect_table_columns_to_match_set",
        "expect_column_values_to_be_of_type",
        "expect_table_row_count_to_be_between",
    }
)
"""Expectation types checked once on the whole frame before the row rules."""
UNIQUENESS = frozenset(
    {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}
)
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [ROW_KEY],
    "exclude_unexpected_values": True,
    "return_unexpected_index_query": False,
    "partial_unexpected_count": 0,
}
SHARE_RULE = "max_quarantine_share"

logger = logging.getLogger(__name__)


class ValidationError(Exception):
    """A hard stop: the inputs are unusable. ``str(error)`` is one line."""

    def __init__(self, message: str, *, report_html: str = "") -> None:
        super().__init__(" ".join(str(message).split()))
        self.report_html = report_html


@dataclass(frozen=True, eq=False)
class ValidatedInputs:
    """Clean input frames (contract columns), the quarantine and a report of the run."""

    persons: pd.DataFrame
    status: pd.DataFrame
    participation: pd.DataFrame
    quarantine: pd.DataFrame  # file, row, rule, column, message
    counts: dict[str, dict[str, int]]  # file -> read, kept, quarantined
    report_html: str


# --- suites ------------------------------------------------------------------------------


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


@dataclass(frozen=True, eq=False)
class Suite:
    """A generated suite split into its structural and row parts."""

    name: str
    file: str
    columns: tuple[str, ...]
    types: dict[str, str]
    optional_columns: tuple[str, ...]
    cross_file_rules: tuple[dict[str, Any], ...]
    structural: tuple[Rule, ...]
    rows: tuple[Rule, ...]
    gx_structural: Any  # great_expectations.ExpectationSuite
    gx_rows: Any

    @property
    def partition_by_person(self) -> bool:
        """Partitioning by person is safe when every uniqueness rule includes person_id."""
        return all(PARTITION_COLUMN in r.columns for r in self.rows if r.type in UNIQUENESS)


def load_suite(path: Path) -> Suite:
    import great_expectations as gx

    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    exps = raw["expectations"]
    struct = [e for e in exps if e["type"] in STRUCTURAL]
    rows = [e for e in exps if e["type"] not in STRUCTURAL]
    columns = next(e["kwargs"]["column_set"] for e in struct if "column_set" in e["kwargs"])
    meta = raw["meta"]
    return Suite(
        name=Path(path).stem,
        file=meta["file"],
        columns=tuple(columns),
        types={
            e["kwargs"]["column"]: e["kwargs"]["type_"]
            for e in struct
            if e["type"] == "expect_column_values_to_be_of_type"
        },
        optional_columns=tuple(meta.get("optional_columns") or ()),
        cross_file_rules=tuple(meta.get("cross_file_rules") or ()),
        structural=tuple(Rule.from_expectation(e) for e in struct),
        rows=tuple(Rule.from_expectation(e) for e in rows),
        gx_structural=gx.ExpectationSuite(name=f"{raw['name']}.structure", expectations=struct),
        gx_rows=gx.ExpectationSuite(name=f"{raw['name']}.rows", expectations=rows),
    )


@cache
def load_suites(expectations_dir: Path = EXPECTATIONS_DIR) -> dict[str, Suite]:
    return {
        field: load_suite(Path(expectations_dir) / f"{name}.json") for field, name in SUITES.items()
    }


@cache
def _batch_definition() -> Any:
    """A pandas whole-dataframe batch definition in an ephemeral GX context, bars off.

    GX fingerprints every pandas batch below ``HASH_THRESHOLD`` bytes with an md5 of all
    rows, twice per validation; nothing here uses the fingerprint and at scale it is a
    seventh of the run time, so it is switched off.
    """
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas("mereffekt_inputs")
    return source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole")


def _run_gx(gx_suite: Any, frame: pd.DataFrame) -> dict[str, Any]:
    """Validate ``frame``; results by expectation id."""
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(gx_suite, result_format=RESULT_FORMAT)
    return {r.expectation_config.meta["expectation_id"]: r for r in result.results}


# --- outcomes and the report ------------------------------------------------------------


@dataclass(eq=False)
class _Outcome:
    """Accumulates one rule's results over partitions."""

    rule: Rule
    ran: bool = False
    evaluated: int = 0
    unexpected: int = 0
    observed: str = ""
    error: str = ""
    rows: list[np.ndarray] = field(default_factory=list)

    def add(self, result: Any, n_rows: int) -> None:
        self.ran = True
        res = result.result or {}
        error = _exception_message(result.exception_info)
        if error:
            self.error = error
        self.evaluated += int(res.get("element_count", n_rows))
        self.unexpected += int(res.get("unexpected_count", 0 if result.success else 1))
        if "observed_value" in res and self.rule.type != "expect_table_columns_to_match_set":
            self.observed = str(res["observed_value"])
        rows = _unexpected_rows(res)
        if len(rows):
            self.rows.append(rows)

    @property
    def success(self) -> bool:
        return self.ran and not self.error and self.unexpected == 0

    def row_numbers(self) -> np.ndarray:
        return np.sort(np.concatenate(self.rows)) if self.rows else np.empty(0, np.int64)


def _exception_message(info: Any) -> str:
    """First line of the exception GX caught, if any (flat or keyed by metric)."""
    if not isinstance(info, dict):
        return ""
    candidates = [info, *(v for v in info.values() if isinstance(v, dict))]
    for item in candidates:
        if item.get("raised_exception"):
            return (str(item.get("exception_message") or "error").splitlines() or ["error"])[0]
    return ""


def _unexpected_rows(res: dict[str, Any]) -> np.ndarray:
    out: list[int] = []
    for item in res.get("unexpected_index_list") or []:
        value = item.get(ROW_KEY) if isinstance(item, dict) else item
        if isinstance(value, list | tuple | np.ndarray):
            out.extend(int(v) for v in value)
        elif value is not None:
            out.append(int(value))
    return np.asarray(out, dtype=np.int64)


@dataclass(eq=False)
class _FileReport:
    suite: Suite
    outcomes: dict[str, _Outcome]
    read: int = 0
    quarantined: int = 0
    partitions: int = 0
    seconds: float = 0.0
    cross_file: dict[str, int] = field(default_factory=dict)
    share: float | None = None

    @classmethod
    def start(cls, suite: Suite) -> _FileReport:
        rules = suite.structural + suite.rows
        return cls(suite, {r.rule: _Outcome(r) for r in rules})


def _render_report(reports: list[_FileReport], *, status: str, max_share: float) -> str:
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<title>mereffekt input validation</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #bbb;padding:3px 8px;text-align:left}.failed{color:#a00}"
        ".passed{color:#070}.notrun{color:#777}</style></head><body>",
        "<h1>mereffekt input validation</h1>",
        f"<p>Status: <b>{html.escape(status)}</b>. Maximum quarantined share per file: "
        f"{max_share:.1%}. Row numbers are 0-based positions in the file; no ID values "
        "are shown.</p>",
    ]
    for rep in reports:
        kept = rep.read - rep.quarantined
        parts.append(
            f"<h2>{html.escape(rep.suite.file)}</h2><p>rows read {rep.read:,}, kept {kept:,}, "
            f"quarantined {rep.quarantined:,}; {rep.partitions} partition(s), "
            f"{rep.seconds:.1f} s</p>"
        )
        parts.append(
            "<table><tr><th>rule</th><th>expectation</th><th>column</th><th>action</th>"
            "<th>result</th><th>rows evaluated</th><th>unexpected</th><th>observed</th></tr>"
        )
        for out in rep.outcomes.values():
            res = "not run" if not out.ran else ("passed" if out.success else "failed")
            observed = out.error or out.observed
            parts.append(
                "<tr>"
                + "".join(
                    f"<td>{html.escape(str(v))}</td>"
                    for v in (out.rule.rule, out.rule.type, out.rule.column, out.rule.action)
                )
                + f"<td class='{res.replace(' ', '')}'>{res}</td><td>{out.evaluated:,}</td>"
                f"<td>{out.unexpected:,}</td><td>{html.escape(observed)}</td></tr>"
            )
        for xr in rep.suite.cross_file_rules:
            n = rep.cross_file.get(xr["rule"])
            res = "not run" if n is None else ("passed" if n == 0 else "failed")
            parts.append(
                f"<tr><td>{html.escape(xr['rule'])}</td><td>cross-file {xr.get('check', 'exists')} "
                f"(pandas)</td><td>{xr['column']}</td><td>{xr['action']}</td>"
                f"<td class='{res.replace(' ', '')}'>{res}</td><td></td>"
                f"<td>{'' if n is None else f'{n:,}'}</td><td></td></tr>"
            )
        if rep.share is not None:
            res = "passed" if rep.share <= max_share else "failed"
            parts.append(
                f"<tr><td>{SHARE_RULE}</td><td>quarantined share (pandas)</td><td></td>"
                f"<td>stop</td><td class='{res}'>{res}</td><td>{rep.read:,}</td>"
                f"<td>{rep.quarantined:,}</td><td>{rep.share:.2%}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


# --- reading -----------------------------------------------------------------------------


def _read(data_dir: Path, suite: Suite) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(data_dir) / suite.file
    if not path.is_file():
        detail = (
            f"is a folder in {data_dir}, not a Parquet file"
            if path.is_dir()
            else f"not found in {data_dir}"
            if not path.exists()
            else f"is not a regular file in {data_dir}"
        )
        raise ValidationError(_stop_message(suite.file, "", "file_present", "n/a", [], detail))
    try:
        table = pq.read_table(path)
        ints = {
            pa.int8(): pd.Int8Dtype(),
            pa.int16(): pd.Int16Dtype(),
            pa.int32(): pd.Int32Dtype(),
            pa.int64(): pd.Int64Dtype(),
            pa.uint8(): pd.UInt8Dtype(),
            pa.uint16(): pd.UInt16Dtype(),
            pa.uint32(): pd.UInt32Dtype(),
            pa.uint64(): pd.UInt64Dtype(),
        }
        frame = table.to_pandas(
            date_as_object=False, types_mapper=ints.get, split_blocks=True, self_destruct=True
        )
        del table
    except (pa.ArrowException, OSError, ValueError) as exc:
        first = str(exc).splitlines()[0][:200] if str(exc) else ""
        raise ValidationError(
            _stop_message(
                suite.file,
                "",
                "readable_parquet",
                "n/a",
                [],
                f"cannot be read as Parquet ({type(exc).__name__}: {first})",
            )
        ) from exc
    for col in suite.optional_columns:
        if col not in frame.columns:
            frame[col] = _empty_column(suite.types.get(col, "object"), len(frame))
    for col, expected in suite.types.items():
        if col in frame.columns:
            frame[col] = _normalise(frame[col], expected)
    return frame


def _empty_column(expected: str, n: int) -> pd.Series:
    if expected == "str":
        return pd.Series(np.full(n, np.nan, dtype=object), dtype="str")
    if expected.startswith("datetime64"):
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
    if expected.startswith("int"):
        return pd.Series(pd.array([pd.NA] * n, dtype=expected.capitalize()))
    return pd.Series(np.full(n, np.nan), dtype="float64" if expected != "object" else object)


def _normalise(col: pd.Series, expected: str) -> pd.Series:
    """Lossless, kind-preserving cast towards ``expected``; other kinds are left alone."""
    dtype = col.dtype
    if expected == "str":
        if isinstance(dtype, pd.CategoricalDtype):
            if pd.api.types.infer_dtype(dtype.categories, skipna=True) in ("string", "empty"):
                return col.astype("str")
        elif isinstance(dtype, pd.StringDtype):
            return col if dtype == "str" and dtype.na_value is not pd.NA else col.astype("str")
        elif pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(col, skipna=True) in (
            "string",
            "empty",
        ):
            return col.astype("str")
        return col
    if expected.startswith("int") and pd.api.types.is_integer_dtype(dtype):
        info = np.iinfo(np.dtype(expected))
        lo, hi = col.min(), col.max()
        if len(col) and col.notna().any() and (lo < info.min or hi > info.max):
            return col
        return col.astype(expected if not col.isna().any() else expected.capitalize())
    if expected.startswith("float") and pd.api.types.is_numeric_dtype(dtype):
        if pd.api.types.is_bool_dtype(dtype):
            return col
        return pd.Series(col.to_numpy(dtype=expected, na_value=np.nan), index=col.index)
    if (
        expected.startswith("datetime64")
        and pd.api.types.is_object_dtype(dtype)
        and pd.api.types.infer_dtype(col, skipna=True) in ("date", "datetime")
    ):
        return pd.to_datetime(col)
    return col


def _finalise(frame: pd.DataFrame, suite: Suite) -> pd.DataFrame:
    """Clean frame in the contract's column order with plain numpy ints."""
    frame = frame[list(suite.columns)]
    for col, expected in suite.types.items():
        if expected.startswith("int") and isinstance(
            frame[col].dtype, pd.api.extensions.ExtensionDtype
        ):
            frame[col] = frame[col].astype(expected)
    return frame.reset_index(drop=True)


# --- checks ------------------------------------------------------------------------------


def _stop_message(file: str, column: str, rule: str, count: str, rows: Any, detail: str) -> str:
    shown = ", ".join(str(int(r)) for r in list(rows)[:5]) if len(rows) else "n/a"
    return (
        f"{file}, column {column or '(table)'}, rule {rule}: {detail}; count {count}; "
        f"rows {shown}. Run stopped; nothing was written."
    )


def _check_structure(frame: pd.DataFrame, rep: _FileReport) -> None:
    suite = rep.suite
    results = _run_gx(suite.gx_structural, frame)
    for rule in suite.structural:
        rep.outcomes[rule.rule].add(results[rule.rule], len(frame))
    order = ("expect_table_columns_to_match_set", "expect_column_values_to_be_of_type")
    for kind in (*order, "expect_table_row_count_to_be_between"):
        for rule in (r for r in suite.structural if r.type == kind):
            out = rep.outcomes[rule.rule]
            if not out.success:
                raise ValidationError(_structure_message(frame, suite, out, results[rule.rule]))


def _structure_message(frame: pd.DataFrame, suite: Suite, out: _Outcome, result: Any) -> str:
    rule = out.rule
    if rule.type == "expect_table_columns_to_match_set":
        mismatch = (result.result or {}).get("details", {}).get("mismatched", {})
        missing = sorted(mismatch.get("missing") or [])
        extra = sorted(mismatch.get("unexpected") or [])
        column = ",".join(missing + extra)
        detail = "; ".join(
            s
            for s in (
                f"missing column(s) {', '.join(missing)}" if missing else "",
                f"unexpected column(s) {', '.join(extra)}" if extra else "",
            )
            if s
        )
        return _stop_message(
            suite.file, column, rule.rule, f"{len(missing) + len(extra)} column(s)", [], detail
        )
    if rule.type == "expect_column_values_to_be_of_type":
        observed = out.error or f"type is {frame[rule.column].dtype}"
        return _stop_message(
            suite.file,
            rule.column,
            rule.rule,
            f"{len(frame):,} rows",
            [],
            f"{rule.description}, {observed}",
        )
    return _stop_message(
        suite.file, rule.column, rule.rule, f"{len(frame):,} rows", [], rule.description
    )


def _partitions(frame: pd.DataFrame, n_parts: int) -> Iterator[pd.DataFrame]:
    """Frames of about ``len / n_parts`` rows with ``_row``; a person's rows stay together."""
    n = len(frame)
    if n_parts <= 1:
        yield frame.assign(**{ROW_KEY: np.arange(n, dtype=np.int64)})
        return
    codes, _ = pd.factorize(frame[PARTITION_COLUMN], use_na_sentinel=True)
    part = (codes % n_parts).astype(np.int16 if n_parts < 2**15 else np.int32)
    del codes
    order = np.argsort(part, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(part, minlength=n_parts))])
    del part
    for i in range(n_parts):
        idx = order[bounds[i] : bounds[i + 1]]
        if len(idx):
            sub = frame.take(idx)
            sub[ROW_KEY] = idx.astype(np.int64)
            yield sub


def _check_rows(frame: pd.DataFrame, rep: _FileReport, partition_rows: int) -> None:
    suite = rep.suite
    n_parts = max(1, math.ceil(len(frame) / partition_rows)) if suite.partition_by_person else 1
    for part in _partitions(frame, n_parts):
        rep.partitions += 1
        results = _run_gx(suite.gx_rows, part)
        for rule in suite.rows:
            rep.outcomes[rule.rule].add(results[rule.rule], len(part))
        del part, results
    for rule in suite.rows:
        out = rep.outcomes[rule.rule]
        if out.error:
            raise ValidationError(
                _stop_message(
                    suite.file,
                    rule.column,
                    rule.rule,
                    "n/a",
                    [],
                    f"rule could not be evaluated ({out.error})",
                )
            )
        if rule.action == "stop" and out.unexpected:
            raise ValidationError(
                _stop_message(
                    suite.file,
                    rule.column,
                    rule.rule,
                    f"{out.unexpected:,} rows",
                    out.row_numbers(),
                    rule.description,
                )
            )


def _quarantine(rep: _FileReport) -> dict[str, np.ndarray]:
    """Rows per quarantine rule (GX rules only)."""
    return {
        r.rule: rep.outcomes[r.rule].row_numbers()
        for r in rep.suite.rows
        if r.action == "quarantine" and rep.outcomes[r.rule].unexpected
    }


def _kept_mask(n: int, bad: dict[str, np.ndarray]) -> np.ndarray:
    keep = np.ones(n, dtype=bool)
    for rows in bad.values():
        keep[rows] = False
    return keep


def _not_in_reference(frame: pd.DataFrame, xr: dict[str, Any], ref: pd.DataFrame) -> np.ndarray:
    """``exists``: rows whose value does not occur in the referenced column."""
    return ~frame[xr["column"]].isin(ref[xr["ref_column"]]).to_numpy()


def _before_first(frame: pd.DataFrame, xr: dict[str, Any], ref: pd.DataFrame) -> np.ndarray:
    """``not_before_first``: rows before the first referenced value of their key (or
    whose key has no referenced rows)."""
    key, ref_column = xr["key"], xr["ref_column"]
    ref = ref.loc[ref[key].isin(frame[key]), [key, ref_column]]
    first = ref.groupby(key, sort=False)[ref_column].min()
    bound = first.reindex(frame[key]).to_numpy()  # NaT where the key has no rows
    return ~(frame[xr["column"]].to_numpy() >= bound)  # comparisons with NaT are False


CROSS_FILE_CHECKS = {"exists": _not_in_reference, "not_before_first": _before_first}
"""Cross-file rule ``check`` (flows.contracts.CROSS_FILE_CHECKS) -> rows that break it."""


def _check_cross_file(
    frame: pd.DataFrame, keep: np.ndarray, rep: _FileReport, kept: dict[str, pd.DataFrame]
) -> dict[str, np.ndarray]:
    """Quarantine kept rows that break a cross-file rule against the kept rows of the
    referenced file; rules run in contract order, each on the rows still kept."""
    bad = {}
    for xr in rep.suite.cross_file_rules:
        check = CROSS_FILE_CHECKS[xr.get("check", "exists")]
        broken = keep & check(frame, xr, kept[xr["ref_file"]])
        rows = np.flatnonzero(broken).astype(np.int64)
        rep.cross_file[xr["rule"]] = len(rows)
        if len(rows):
            bad[xr["rule"]] = rows
            keep = keep & ~broken
    return bad


def _check_share(rep: _FileReport, bad: dict[str, np.ndarray], max_share: float) -> None:
    rep.share = rep.quarantined / rep.read if rep.read else 0.0
    if rep.share <= max_share:
        return
    worst = max(bad, key=lambda k: len(bad[k]))
    column = _rule_column(rep.suite, worst)
    raise ValidationError(
        _stop_message(
            rep.suite.file,
            column,
            SHARE_RULE,
            f"{rep.quarantined:,} of {rep.read:,} rows",
            bad[worst],
            f"{rep.share:.1%} of rows quarantined, more than the allowed {max_share:.1%}; "
            f"most by rule {worst} ({len(bad[worst]):,} rows)",
        )
    )


def _rule_column(suite: Suite, rule: str) -> str:
    for r in suite.rows:
        if r.rule == rule:
            return r.column
    for xr in suite.cross_file_rules:
        if xr["rule"] == rule:
            return xr["column"]
    return ""


def _rule_message(suite: Suite, rule: str) -> str:
    for r in suite.rows:
        if r.rule == rule:
            return f"breaks rule: {r.description}"
    for xr in suite.cross_file_rules:
        if xr["rule"] == rule:
            return f"breaks rule: {xr['description']}"
    return "breaks rule"


def _quarantine_frame(file: str, suite: Suite, bad: dict[str, np.ndarray]) -> pd.DataFrame:
    frames = [
        pd.DataFrame(
            {
                "file": file,
                "row": rows,
                "rule": rule,
                "column": _rule_column(suite, rule),
                "message": _rule_message(suite, rule),
            }
        )
        for rule, rows in bad.items()
    ]
    return pd.concat(frames, ignore_index=True) if frames else _empty_quarantine()


def _empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": pd.Series(dtype="str"),
            "row": pd.Series(dtype="int64"),
            "rule": pd.Series(dtype="str"),
            "column": pd.Series(dtype="str"),
            "message": pd.Series(dtype="str"),
        }
    )


# --- entry point -------------------------------------------------------------------------


def validate_inputs(
    data_dir: Path,
    *,
    max_quarantine_share: float = 0.05,
    partition_rows: int = 2_000_000,
) -> ValidatedInputs:
    """Validate the input folder; clean frames and quarantine, or :class:`ValidationError`."""
    if not 0.0 <= max_quarantine_share <= 1.0:
        raise ValueError("max_quarantine_share must be between 0 and 1")
    if partition_rows < 1:
        raise ValueError("partition_rows must be positive")
    suites = load_suites()
    reports = {f: _FileReport.start(s) for f, s in suites.items()}
    report = lambda status: _render_report(  # noqa: E731
        list(reports.values()), status=status, max_share=max_quarantine_share
    )
    try:
        return _validate(
            Path(data_dir), suites, reports, max_quarantine_share, partition_rows, report
        )
    except ValidationError as exc:
        logger.error("input validation stopped: %s", exc)
        raise ValidationError(str(exc), report_html=report(f"stopped: {exc}")) from exc


def _validate(data_dir, suites, reports, max_share, partition_rows, report) -> ValidatedInputs:
    frames = {}
    for f, suite in suites.items():
        t0 = time.perf_counter()
        frames[f] = _read(data_dir, suite)
        reports[f].read = len(frames[f])
        _check_structure(frames[f], reports[f])
        reports[f].seconds += time.perf_counter() - t0
    bad: dict[str, dict[str, np.ndarray]] = {}
    kept: dict[str, pd.DataFrame] = {}
    for f, suite in suites.items():  # in SUITES order: a file's references come before it
        t0 = time.perf_counter()
        rep = reports[f]
        _check_rows(frames[f], rep, partition_rows)
        bad[f] = _quarantine(rep)
        keep = _kept_mask(len(frames[f]), bad[f])
        cross = _check_cross_file(frames[f], keep, rep, kept)
        for rows in cross.values():
            keep[rows] = False
        bad[f] |= cross
        rep.quarantined = int(len(keep) - keep.sum())
        _check_share(rep, bad[f], max_share)
        frames[f] = kept[suite.file] = _finalise(
            frames[f] if keep.all() else frames[f][keep], suite
        )
        rep.seconds += time.perf_counter() - t0
        logger.info(
            "%s: %d rows read, %d quarantined, %d partition(s), %.1f s",
            suite.file,
            rep.read,
            rep.quarantined,
            rep.partitions,
            rep.seconds,
        )
        if rep.quarantined:
            logger.warning("%s: %d rows quarantined", suite.file, rep.quarantined)
    quarantine = pd.concat(
        [_quarantine_frame(suites[f].file, suites[f], bad[f]) for f in suites], ignore_index=True
    ).sort_values(["file", "row", "rule"], ignore_index=True)
    counts = {
        r.suite.file: {"read": r.read, "kept": r.read - r.quarantined, "quarantined": r.quarantined}
        for r in reports.values()
    }
    return ValidatedInputs(
        persons=frames["persons"],
        status=frames["status"],
        participation=frames["participation"],
        quarantine=quarantine[list(QUARANTINE_COLUMNS)],
        counts=counts,
        report_html=report("passed"),
    )


__all__ = ["ValidatedInputs", "ValidationError", "validate_inputs"]
