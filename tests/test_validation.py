"""Input validation (flows.validation): every contract rule on a small synthetic folder.

Row-level breaks are all injected into one folder and validated once (module fixture);
each dataset-level break gets its own small folder and must stop the run with one line
naming file, column, rule, count and rows, never an ID value.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import _validation_cases as cases
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from flows import contracts
from flows.validation import (
    CROSS_FILE_CHECKS,
    SHARE_RULE,
    ValidatedInputs,
    ValidationError,
    load_suites,
    validate_inputs,
)

ROOT = Path(__file__).resolve().parents[1]
SUITES = {k: s for k, s in load_suites().items() if k in cases.SUITE_FRAME}
"""The three required files (outcomes_monthly.parquet: tests/test_outcomes_input.py)."""
ALL_IDS = tuple(cases.base_frames()["persons"]["person_id"])


@pytest.fixture(scope="module")
def clean_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cases.write(cases.base_frames(), tmp_path_factory.mktemp("clean"))


@pytest.fixture(scope="module")
def clean(clean_dir: Path) -> ValidatedInputs:
    return validate_inputs(clean_dir)


@pytest.fixture(scope="module")
def dirty() -> cases.DirtyCase:
    return cases.dirty_case()


@pytest.fixture(scope="module")
def dirty_result(dirty: cases.DirtyCase, tmp_path_factory: pytest.TempPathFactory):
    folder = cases.write(dirty.frames, tmp_path_factory.mktemp("dirty"))
    return validate_inputs(folder, max_quarantine_share=0.5)


def _stop(frames: cases.Frames, tmp_path: Path, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validate_inputs(cases.write(frames, tmp_path), **kwargs)
    return info.value


def _assert_stop_line(err: ValidationError, file: str, column: str, rule: str) -> str:
    """The one-line stop message names file, column, rule, count and rows; no IDs."""
    msg = str(err)
    assert "\n" not in msg
    assert msg.startswith(f"{file}, column {column}, rule {rule}:"), msg
    assert re.search(r"; count [^;]+; rows [^;]+\. Run stopped", msg), msg
    assert not any(pid in msg for pid in ALL_IDS)
    assert "stopped" in err.report_html and rule in err.report_html
    return msg


# --- clean input -------------------------------------------------------------------------


def test_clean_inputs_pass_unchanged(clean: ValidatedInputs) -> None:
    base = cases.base_frames()
    assert clean.quarantine.empty
    assert list(clean.quarantine.columns) == [
        "file",
        "row",
        "rule",
        "column",
        "message",
        "person_key",
    ]
    for name, frame in (
        ("persons", clean.persons),
        ("status_monthly", clean.status),
        ("participation", clean.participation),
    ):
        assert list(frame.columns) == list(base[name].columns)
        assert clean.counts[cases.FILES[name]] == {
            "read": len(base[name]),
            "kept": len(base[name]),
            "quarantined": 0,
        }
        # dates of any unit are read as nanoseconds when every value fits (same values)
        expected = base[name].astype(
            {c: frame[c].dtype for c in frame if frame[c].dtype.kind == "M"}
        )
        pd.testing.assert_frame_equal(frame, expected, check_dtype=False, check_index_type=False)
    assert clean.persons["birth_year"].dtype == np.int32
    assert clean.persons["municipality_code"].dtype == np.int32
    assert clean.status["person_id"].dtype == "str"
    assert clean.status["month"].dtype.kind == "M"
    assert "passed" in clean.report_html and "stopped" not in clean.report_html


def test_report_lists_every_rule_and_no_ids(clean: ValidatedInputs) -> None:
    for suite in SUITES.values():
        for rule in suite.structural + suite.rows:
            assert rule.rule in clean.report_html
        for xr in suite.cross_file_rules:
            assert xr["rule"] in clean.report_html
    assert not any(pid in clean.report_html for pid in ALL_IDS)


def test_no_progress_bars_warnings_or_log_noise_on_stderr(clean_dir: Path) -> None:
    """A fresh process (as the CLI runs it) writes nothing to stderr for clean inputs:
    no GX progress bars, no Python warnings, no log lines."""
    code = "import sys; from flows.validation import validate_inputs; validate_inputs(sys.argv[1])"
    done = subprocess.run(
        [sys.executable, "-c", code, str(clean_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Calculating Metrics" not in done.stderr
    assert done.stderr == ""


def test_lenient_encodings_are_normalised(tmp_path: Path) -> None:
    """Dictionary strings, other int widths, Parquet dates and no earnings column pass."""
    f = cases.base_frames()
    persons = pa.Table.from_pandas(f["persons"], preserve_index=False)
    persons = persons.set_column(
        1, "birth_year", persons["birth_year"].cast(pa.int16())
    ).set_column(2, "sex", persons["sex"].dictionary_encode())
    status = f["status_monthly"].drop(columns="earnings_dkk")
    status = pa.Table.from_pandas(status, preserve_index=False)
    status = status.set_column(1, "month", status["month"].cast(pa.date32())).set_column(
        2, "status", status["status"].dictionary_encode()
    )
    out = validate_inputs(
        cases.write(f, tmp_path, tables={"persons": persons, "status_monthly": status})
    )
    assert out.quarantine.empty
    assert out.persons["birth_year"].dtype == np.int32
    assert out.persons["sex"].dtype == "str" and out.status["status"].dtype == "str"
    assert out.status["month"].dtype.kind == "M"
    assert list(out.status.columns) == ["person_id", "month", "status", "earnings_dkk"]
    assert out.status["earnings_dkk"].isna().all()


# --- row-level breaks: quarantine, the run goes on ---------------------------------------


def test_quarantine_is_exactly_the_injected_breaks(dirty, dirty_result) -> None:
    got = set(
        zip(
            dirty_result.quarantine["file"],
            dirty_result.quarantine["row"].astype(int),
            dirty_result.quarantine["rule"],
            strict=True,
        )
    )
    assert got - dirty.expected == set(), "quarantined rows that break no rule"
    assert dirty.expected - got == set(), "breaks that were not quarantined"


def test_every_quarantine_rule_is_exercised(dirty) -> None:
    quarantine_rules = {
        r.rule for s in SUITES.values() for r in s.rows if r.action == "quarantine"
    } | {xr["rule"] for s in SUITES.values() for xr in s.cross_file_rules}
    assert quarantine_rules == {rule for _, _, rule in dirty.expected}


def test_clean_frames_drop_exactly_the_quarantined_rows(dirty, dirty_result) -> None:
    for name, frame in (
        ("persons", dirty_result.persons),
        ("status_monthly", dirty_result.status),
        ("participation", dirty_result.participation),
    ):
        file = cases.FILES[name]
        bad = {row for f, row, _ in dirty.expected if f == file}
        source = dirty.frames[name]
        kept = source.drop(index=sorted(bad)).reset_index(drop=True)
        assert dirty_result.counts[file] == {
            "read": len(source),
            "kept": len(kept),
            "quarantined": len(bad),
        }
        assert frame["person_id"].tolist() == kept["person_id"].tolist()
        required = [c for c in frame.columns if c not in ("earnings_dkk", "end_month")]
        assert not frame[required].isna().any().any()
    assert not dirty_result.persons["person_id"].isin(dirty.dropped_ids).any()
    assert dirty_result.persons["birth_year"].dtype == np.int32


def test_quarantine_rows_name_rule_column_and_no_ids(dirty_result) -> None:
    q = dirty_result.quarantine
    rules = {r.rule: r.column for s in SUITES.values() for r in s.rows} | {
        xr["rule"]: xr["column"] for s in SUITES.values() for xr in s.cross_file_rules
    }
    assert (q["column"] == q["rule"].map(rules)).all()
    assert q["message"].str.startswith("breaks rule: ").all()
    text = " ".join(q.astype(str).to_numpy().ravel()) + dirty_result.report_html
    assert "Pnot-a-person" not in text
    assert not any(pid in text for pid in ALL_IDS)
    assert q.equals(q.sort_values(["file", "row", "rule"], ignore_index=True))


def test_quarantined_share_above_limit_stops(tmp_path: Path) -> None:
    f = cases.base_frames()
    s = f["status_monthly"]
    rows = np.arange(0, len(s), 16)  # 6.25% of the rows
    s.loc[rows, "status"] = "retired"
    err = _stop(f, tmp_path)
    msg = _assert_stop_line(err, cases.S, "status", SHARE_RULE)
    assert f"count {len(rows):,} of {len(s):,} rows" in msg
    assert "rows 0, 16, 32, 48, 64." in msg
    assert "status_must_belong_to_allowed_values" in msg
    # the same folder passes under a larger configured share
    out = validate_inputs(tmp_path, max_quarantine_share=0.07)
    assert len(out.status) == len(s) - len(rows)
    assert set(out.quarantine["row"]) == set(rows)


# --- dataset-level breaks: the run stops ---------------------------------------------------

TYPE_RULES = [
    (field, rule)
    for field, s in SUITES.items()
    for rule in s.structural
    if rule.type == "expect_column_values_to_be_of_type"
]


@pytest.mark.parametrize(("field", "rule"), TYPE_RULES, ids=[r.rule for _, r in TYPE_RULES])
def test_wrong_type_stops(field: str, rule, tmp_path: Path) -> None:
    f = cases.base_frames()
    name = cases.SUITE_FRAME[field]
    col = f[name][rule.column]
    f[name][rule.column] = cases.WRONG_TYPE[SUITES[field].types[rule.column]](col)
    err = _stop(f, tmp_path)
    msg = _assert_stop_line(err, SUITES[field].file, rule.column, rule.rule)
    assert f"count {len(col):,} rows" in msg


def test_integer_too_wide_for_the_contract_type_stops(tmp_path: Path) -> None:
    f = cases.base_frames()
    f["persons"]["birth_year"] = f["persons"]["birth_year"].astype("int64")
    f["persons"].loc[4, "birth_year"] = 2**40
    _assert_stop_line(
        _stop(f, tmp_path),
        cases.P,
        "birth_year",
        "persons.birth_year.birth_year_must_be_of_type_int32",
    )


@pytest.mark.parametrize(
    ("name", "change", "column", "detail"),
    [
        ("persons", lambda d: d.drop(columns="sex"), "sex", "missing column(s) sex"),
        (
            "status_monthly",
            lambda d: d.assign(kommune=1),
            "kommune",
            "unexpected column(s) kommune",
        ),
        (
            "participation",
            lambda d: d.rename(columns={"offer_id": "tilbud_id"}),
            "offer_id,tilbud_id",
            "missing column(s) offer_id; unexpected column(s) tilbud_id",
        ),
    ],
    ids=["missing", "extra", "renamed"],
)
def test_schema_drift_stops(name, change, column, detail, tmp_path: Path) -> None:
    f = cases.base_frames()
    f[name] = change(f[name])
    err = _stop(f, tmp_path)
    suite = next(s for s in SUITES.values() if s.file == cases.FILES[name])
    msg = _assert_stop_line(err, suite.file, column, f"{suite.name}.column_set")
    assert detail in msg


@pytest.mark.parametrize("name", list(cases.FILES))
def test_no_rows_stops(name: str, tmp_path: Path) -> None:
    f = cases.base_frames()
    f[name] = f[name].iloc[:0]
    suite = next(s for s in SUITES.values() if s.file == cases.FILES[name])
    rule = next(r for r in suite.structural if r.type == "expect_table_row_count_to_be_between")
    msg = _assert_stop_line(_stop(f, tmp_path), suite.file, "(table)", rule.rule)
    assert "count 0 rows" in msg


@pytest.mark.parametrize("name", list(cases.FILES))
def test_missing_file_stops(name: str, tmp_path: Path) -> None:
    folder = cases.write(cases.base_frames(), tmp_path)
    (folder / cases.FILES[name]).unlink()
    with pytest.raises(ValidationError) as info:
        validate_inputs(folder)
    msg = _assert_stop_line(info.value, cases.FILES[name], "(table)", "file_present")
    assert "not found" in msg


@pytest.mark.parametrize("damage", ["corrupt", "truncated"])
def test_unreadable_parquet_stops(damage: str, tmp_path: Path) -> None:
    folder = cases.write(cases.base_frames(), tmp_path)
    path = folder / cases.S
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:  # flip the bytes of the middle third (column chunks), keep header and footer
        lo, hi = len(data) // 3, 2 * len(data) // 3
        junk = bytes(b ^ 0x5A for b in data[lo:hi])
        path.write_bytes(data[:lo] + junk + data[hi:])
    with pytest.raises(ValidationError) as info:
        validate_inputs(folder)
    msg = _assert_stop_line(info.value, cases.S, "(table)", "readable_parquet")
    assert "cannot be read as Parquet" in msg


@pytest.mark.parametrize(
    ("name", "cpr"),
    [
        ("persons", cases.CPR_LIKE[0]),
        ("status_monthly", cases.CPR_LIKE[1]),
        ("participation", cases.CPR_LIKE[0]),
        ("persons", cases.CPR_LIKE[2]),
    ],
    ids=["persons-dash", "status-no-dash", "participation-dash", "persons-padded"],
)
def test_cpr_like_person_id_stops(name: str, cpr: str, tmp_path: Path) -> None:
    f = cases.base_frames()
    rows = [3, 7] if name != "participation" else [2]
    f[name].loc[rows, "person_id"] = cpr
    suite = next(s for s in SUITES.values() if s.file == cases.FILES[name])
    rule = f"{suite.name}.person_id.person_id_must_not_look_like_a_cpr_number"
    msg = _assert_stop_line(_stop(f, tmp_path), suite.file, "person_id", rule)
    assert f"count {len(rows)} rows; rows {', '.join(map(str, rows))}." in msg
    assert cpr.strip() not in msg and cpr.strip() not in _stop(f, tmp_path).report_html


def test_cpr_look_alikes_pass(tmp_path: Path) -> None:
    f = cases.base_frames()
    for old, new in zip(ALL_IDS, cases.NOT_CPR, strict=False):
        cases.rename_person(f, old, new)
    out = validate_inputs(cases.write(f, tmp_path))
    assert out.quarantine.empty
    assert set(cases.NOT_CPR) <= set(out.persons["person_id"])


def test_invalid_options_are_rejected(clean_dir: Path) -> None:
    with pytest.raises(ValueError, match="max_quarantine_share"):
        validate_inputs(clean_dir, max_quarantine_share=1.5)
    with pytest.raises(ValueError, match="partition_rows"):
        validate_inputs(clean_dir, partition_rows=0)


def test_every_stop_rule_has_a_case() -> None:
    """The stop tests above cover every stop rule of every suite."""
    stop = {r.rule for s in SUITES.values() for r in s.structural + s.rows if r.action == "stop"}
    covered = {r.rule for _, r in TYPE_RULES}
    covered |= {f"{s.name}.column_set" for s in SUITES.values()}
    covered |= {r.rule for s in SUITES.values() for r in s.structural if "row_count" in r.type}
    covered |= {
        f"{s.name}.person_id.person_id_must_not_look_like_a_cpr_number" for s in SUITES.values()
    }
    assert stop == covered
    assert set(SUITES) == set(cases.SUITE_FRAME)


# --- partitions and cross-file checks ----------------------------------------------------


def test_partitioned_run_equals_whole_run(dirty, dirty_result, tmp_path: Path) -> None:
    """Small partitions (by person) find the same quarantine as one partition."""
    folder = cases.write(dirty.frames, tmp_path)
    small = validate_inputs(folder, max_quarantine_share=0.5, partition_rows=1_000)
    n_status = len(dirty.frames["status_monthly"])
    assert f"{-(-n_status // 1_000)} partition(s)" in small.report_html
    pd.testing.assert_frame_equal(small.quarantine, dirty_result.quarantine)
    pd.testing.assert_frame_equal(small.status, dirty_result.status)


def test_cross_file_checks_match_the_contract_registry() -> None:
    assert set(CROSS_FILE_CHECKS) == set(contracts.CROSS_FILE_CHECKS)


def test_enrolments_of_persons_never_observed_are_quarantined(tmp_path: Path) -> None:
    """No participant has a status row: every enrolment breaks not_before_first."""
    f = cases.base_frames()
    s, q = f["status_monthly"], f["participation"]
    f["status_monthly"] = s[~s["person_id"].isin(q["person_id"])].reset_index(drop=True)
    out = validate_inputs(cases.write(f, tmp_path), max_quarantine_share=1.0)
    assert out.participation.empty
    got = out.quarantine[out.quarantine["file"] == cases.Q]
    assert sorted(got["row"]) == list(range(len(q)))
    assert set(got["rule"]) == {"participation.start_month.start_not_before_first_observed_month"}


# --- plausibility --------------------------------------------------------------------------


def test_age_between_0_and_110_in_every_status_month(tmp_path: Path) -> None:
    """Data months 2020-01..2024-12: born 2020 is age 0 (kept), born 2021 age -1 (set
    aside); born 1914 is 110 in 2024 (kept), born 1913 is 111 (set aside). A person set
    aside takes their status rows along (foreign-key rule)."""
    f = cases.base_frames()
    p, q, s = f["persons"], f["participation"], f["status_monthly"]
    assert (s["month"].min(), s["month"].max()) == (
        pd.Timestamp("2020-01"),
        pd.Timestamp("2024-12"),
    )
    free = [int(i) for i in np.flatnonzero(~p["person_id"].isin(q["person_id"]).to_numpy())[:4]]
    p.loc[free, "birth_year"] = [2020, 2021, 1914, 1913]
    out = validate_inputs(cases.write(f, tmp_path))
    rule = "persons.birth_year.age_0_to_110_in_every_status_month"
    got = out.quarantine[out.quarantine["file"] == cases.P]
    assert set(zip(got["row"], got["rule"], strict=True)) == {(free[1], rule), (free[3], rule)}
    gone = set(p.loc[[free[1], free[3]], "person_id"])
    assert not out.persons["person_id"].isin(gone).any()
    assert not out.status["person_id"].isin(gone).any()
    status_rows = out.quarantine[out.quarantine["file"] == cases.S]
    assert set(status_rows["rule"]) == {"status_monthly.person_id.person_must_exist_in_persons"}
    assert len(status_rows) == s["person_id"].isin(gone).sum()
    assert status_rows["person_key"].nunique() == 2
    assert set(out.persons["birth_year"]) >= {2020, 1914}


def test_months_outside_the_nanosecond_range_are_quarantined(tmp_path: Path) -> None:
    """Years 1200 and 9999 (a file in microseconds, which nanoseconds cannot hold) and
    1985 break the month range rule; the panel built from the kept rows spans only the
    data period, so a stray row cannot stretch the persons x months matrix."""
    from evaluation import months
    from evaluation.panel import build_panel

    f = cases.base_frames()
    p, q, s = f["persons"], f["participation"], f["status_monthly"]
    s["month"] = s["month"].astype("datetime64[us]")
    free = p.loc[~p["person_id"].isin(q["person_id"]), "person_id"].iloc[0]
    rows = [int(i) for i in np.flatnonzero((s["person_id"] == free).to_numpy())[[3, 20, 40]]]
    s.loc[rows, "month"] = [
        pd.Timestamp("1200-01-01"),
        pd.Timestamp("9999-12-01"),
        pd.Timestamp("1985-06-01"),
    ]
    out = validate_inputs(cases.write(f, tmp_path))
    rule = "status_monthly." + cases.MONTH_RANGE
    assert set(zip(out.quarantine["row"], out.quarantine["rule"], strict=True)) == {
        (r, rule) for r in rows
    }
    panel = build_panel(out.persons, out.status, out.participation)
    assert panel.first_month == months.parse("2020-01")
    assert panel.n_months == 60
