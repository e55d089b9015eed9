"""The privacy layer: CPR guard, keyed pseudonyms, key loading, input rewriting, and
small-cell suppression on hand-made tables.

Every CPR-shaped string in this file is synthetic, built by ``_cpr`` from a date and a
serial number chosen for the test; none belongs to a person.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evaluation.privacy import (
    SECONDARY,
    ColumnTotal,
    RowTotal,
    cpr_columns,
    looks_like_cpr,
    primary_reason,
    pseudonymise,
    suppress,
    suppress_effects,
)
from flows.privacy import PrivacyError, load_key, pseudonymise_inputs

KEY = b"k" * 32
OTHER_KEY = b"j" * 32


def _cpr(day: int, month: int, yy: int, serial: int, *, dash: bool = True) -> str:
    """A synthetic CPR-shaped string for the guard's tests."""
    return f"{day:02d}{month:02d}{yy:02d}{'-' if dash else ''}{serial:04d}"


# --- CPR guard --------------------------------------------------------------------------


def test_cpr_with_and_without_dash_and_whitespace_is_found() -> None:
    values = [
        _cpr(1, 1, 90, 1234),
        _cpr(1, 1, 90, 1234, dash=False),
        f"  {_cpr(15, 6, 75, 2345)}\t",
        f" {_cpr(31, 12, 99, 3456, dash=False)} ",
    ]
    assert looks_like_cpr(pd.Series(values)).tolist() == [True] * 4
    assert looks_like_cpr(np.array(values, dtype=object)).tolist() == [True] * 4


def test_leap_day_follows_the_century_from_the_seventh_digit() -> None:
    cases = {
        _cpr(29, 2, 0, 4123): True,  # 7th digit 4, YY 00 -> 2000, a leap year
        _cpr(29, 2, 0, 5123): True,  # 7th digit 5 -> 2000
        _cpr(29, 2, 0, 9123): True,  # 7th digit 9 -> 2000
        _cpr(29, 2, 0, 123): False,  # 7th digit 0 -> 1900, not a leap year
        _cpr(29, 2, 1, 4123): False,  # 2001 is not a leap year
        _cpr(29, 2, 96, 1123): True,  # 1996
        _cpr(29, 2, 60, 5123): True,  # 7th digit 5, YY 60 -> 1860, a leap year
        _cpr(29, 2, 58, 5123): False,  # 1858
        _cpr(28, 2, 1, 4123): True,
    }
    got = looks_like_cpr(pd.Series(list(cases))).tolist()
    assert got == list(cases.values())


@pytest.mark.parametrize(
    "value",
    [
        _cpr(32, 1, 90, 1234),
        _cpr(0, 12, 90, 1234),
        _cpr(1, 13, 90, 1234),
        _cpr(1, 0, 90, 1234),
        _cpr(31, 4, 90, 1234),
        _cpr(31, 11, 90, 1234),
        _cpr(30, 2, 96, 1234),
        "01019-01234",
        "0101901234x",
        "010190 1234",
        "01019012345",
        "",
    ],
)
def test_impossible_dates_and_other_shapes_are_not_cpr(value: str) -> None:
    assert not looks_like_cpr(pd.Series([value]))[0]


def test_numbers_failing_modulus_11_are_still_cpr() -> None:
    weights = np.array([4, 3, 2, 7, 6, 5, 4, 3, 2, 1])
    failing = [
        v
        for v in (_cpr(1, 1, 90, s, dash=False) for s in range(1000, 1020))
        if int(np.dot(weights, [int(c) for c in v])) % 11
    ]
    assert failing  # the test must exercise at least one such number
    assert looks_like_cpr(pd.Series(failing)).all()


def test_synthetic_ids_missing_and_non_text_values_are_not_cpr() -> None:
    ids = pd.Series(["P0000001eef", "P0101901234", "A" + _cpr(1, 1, 90, 1234), None])
    assert not looks_like_cpr(ids).any()
    assert not looks_like_cpr(pd.Series([1.01901234e9, np.nan])).any()
    assert not looks_like_cpr(pseudonymise(ids.iloc[:3], KEY)).any()


def test_integer_cpr_that_lost_its_leading_zero_is_found() -> None:
    number = int(_cpr(1, 1, 90, 1234, dash=False))  # 101901234, nine digits
    got = looks_like_cpr(np.array([number, 5, 123, -number]))
    assert got.tolist() == [True, False, False, False]


def _reference_is_cpr(value: str) -> bool:
    """Slow, independent check with ``datetime.date`` (10 digits, no dash)."""
    day, month, yy, seventh = int(value[:2]), int(value[2:4]), int(value[4:6]), int(value[6])
    if seventh <= 3:
        century = 1900
    elif seventh in (4, 9):
        century = 2000 if yy <= 36 else 1900
    else:
        century = 2000 if yy <= 57 else 1800
    try:
        dt.date(century + yy, month, day)
    except ValueError:
        return False
    return True


def test_guard_agrees_with_a_datetime_reference_on_random_digit_strings() -> None:
    rng = np.random.default_rng(7)
    day = rng.integers(0, 33, 20_000)
    month = rng.integers(0, 14, 20_000)
    yy = rng.integers(0, 100, 20_000)
    serial = rng.integers(0, 10_000, 20_000)
    values = [_cpr(*v, dash=False) for v in zip(day, month, yy, serial, strict=True)]
    expected = [_reference_is_cpr(v) for v in values]
    assert 0.2 < np.mean(expected) < 0.95  # both outcomes well represented
    assert looks_like_cpr(pd.Series(values)).tolist() == expected


def test_cpr_columns_reports_counts_and_rows_but_no_values() -> None:
    n = 20
    ids = [f"P{i:04d}" for i in range(n)]
    for r in (2, 5, 6, 9, 11, 17):
        ids[r] = _cpr(r + 1, 3, 88, 1000 + r)
    frame = pd.DataFrame({"person_id": ids, "x": np.arange(n), "y": np.linspace(0, 1, n)})
    findings = cpr_columns(frame)
    assert set(findings) == {"person_id"}
    f = findings["person_id"]
    assert (f.count, f.rows) == (6, (2, 5, 6, 9, 11))
    text = f.describe()
    assert "6 value(s)" in text and "..." in text
    assert not any(v in text for v in ids if looks_like_cpr([v])[0])
    assert cpr_columns(frame.assign(person_id=[f"P{i}" for i in range(n)])) == {}


# --- pseudonyms -------------------------------------------------------------------------


def test_pseudonyms_are_keyed_hmac_deterministic_and_normalised() -> None:
    cpr = _cpr(1, 1, 90, 1234)
    ids = [cpr, cpr.replace("-", ""), f" {cpr} ", "A-1", "A1", None]
    first = pseudonymise(ids, KEY)
    again = pseudonymise(pd.Series(ids[::-1]), KEY)[::-1]
    assert first.tolist() == again.tolist()
    assert first[0] == first[1] == first[2]
    assert len({first[0], first[3], first[4]}) == 3
    assert first[5] is None
    expected = "P" + hmac.new(KEY, cpr.replace("-", "").encode(), hashlib.sha256).hexdigest()
    assert first[0] == expected[:21]
    other = pseudonymise(ids, OTHER_KEY)
    assert all(a != b for a, b in zip(first[:5], other[:5], strict=True))


def test_pseudonym_shape_and_input_checks() -> None:
    out = pseudonymise([f"P{i}" for i in range(1000)], KEY, prefix="X")
    assert len(set(out)) == 1000
    assert all(len(p) == 21 and p[0] == "X" for p in out)
    int(out[0][1:], 16)  # hex digits after the prefix
    with pytest.raises(ValueError, match="too short"):
        pseudonymise(["a"], b"k" * 31)
    with pytest.raises(TypeError):
        pseudonymise(["a"], "k" * 32)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="letter"):
        pseudonymise(["a"], KEY, prefix="1")


# --- key loading ------------------------------------------------------------------------


def test_load_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_KEY", "  " + "s" * 40 + "\n")
    assert load_key(env_var="TEST_KEY") == b"s" * 40
    monkeypatch.delenv("TEST_KEY")
    with pytest.raises(PrivacyError, match=r"\$TEST_KEY"):
        load_key(env_var="TEST_KEY")
    monkeypatch.setenv("TEST_KEY", "short-secret")
    with pytest.raises(PrivacyError, match="too short") as err:
        load_key(env_var="TEST_KEY")
    assert "short-secret" not in str(err.value)


def test_load_key_file_outside_data_wins_and_inside_data_is_refused(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    secret = "f" * 64
    outside = tmp_path / "key"
    outside.write_text(secret + "\n")
    monkeypatch.setenv("TEST_KEY", "e" * 40)
    assert load_key(env_var="TEST_KEY", key_file=outside, data_dir=data) == secret.encode()
    inside = data / "sub" / "key"
    inside.write_text(secret)
    with pytest.raises(PrivacyError, match="inside the data folder") as err:
        load_key(env_var="TEST_KEY", key_file=inside, data_dir=[tmp_path / "other", data])
    assert secret not in str(err.value)
    with pytest.raises(PrivacyError, match="does not exist"):
        load_key(key_file=tmp_path / "missing")
    short = tmp_path / "short"
    short.write_bytes(b"x" * 31)
    with pytest.raises(PrivacyError, match="31 bytes"):
        load_key(key_file=short)


# --- rewriting input files --------------------------------------------------------------


def _write(path, frame: pd.DataFrame, row_group_size: int) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, path, row_group_size=row_group_size)


def test_pseudonymise_inputs_round_trip(tmp_path) -> None:
    src, dst = tmp_path / "raw", tmp_path / "clean"
    src.mkdir()
    persons = pd.DataFrame({"person_id": [f"id{i}" for i in range(50)], "age": range(50)})
    status = pd.DataFrame(
        {
            "person_id": np.repeat(persons["person_id"], 12).to_numpy(),
            "month": np.tile(np.arange(12), 50),
            "status": "job",
        }
    )
    part = pd.DataFrame({"person_id": [7, 8, 9], "offer_id": ["a", "a", "b"]})  # int IDs
    _write(src / "persons.parquet", persons, 16)
    _write(src / "status_monthly.parquet", status, 100)
    _write(src / "participation.parquet", part, 2)
    (src / "notes.txt").write_text("not parquet")

    counts = pseudonymise_inputs(src, dst, KEY)
    assert counts == {
        "participation.parquet": 3,
        "persons.parquet": 50,
        "status_monthly.parquet": 600,
    }
    assert sorted(p.name for p in dst.iterdir()) == sorted(counts)
    assert pq.ParquetFile(dst / "status_monthly.parquet").num_row_groups == 6

    p2, s2, q2 = (
        pd.read_parquet(dst / f"{name}.parquet")
        for name in ("persons", "status_monthly", "participation")
    )
    assert p2["person_id"].tolist() == pseudonymise(persons["person_id"], KEY).tolist()
    assert (p2["age"] == persons["age"]).all()
    assert s2.drop(columns="person_id").equals(status.drop(columns="person_id"))
    assert s2["person_id"].tolist() == pseudonymise(status["person_id"], KEY).tolist()
    assert q2["person_id"].tolist() == pseudonymise(["7", "8", "9"], KEY).tolist()
    assert set(s2["person_id"]) == set(p2["person_id"])  # the files still join
    assert not looks_like_cpr(s2["person_id"]).any()


def test_pseudonymise_inputs_refuses_same_folder_and_stray_cpr(tmp_path) -> None:
    src = tmp_path / "raw"
    src.mkdir()
    frame = pd.DataFrame({"person_id": ["a", "b"], "note": ["ok", _cpr(3, 4, 85, 2222)]})
    _write(src / "persons.parquet", frame, 10)
    with pytest.raises(PrivacyError, match="differ"):
        pseudonymise_inputs(src, src / ".", KEY)
    with pytest.raises(PrivacyError, match=r"'note': 1 value\(s\).*rows 1\b"):
        pseudonymise_inputs(src, tmp_path / "clean", KEY)
    assert list((tmp_path / "clean").iterdir()) == []
    with pytest.raises(PrivacyError, match="no .parquet"):
        pseudonymise_inputs(tmp_path / "clean", tmp_path / "x", KEY)


# --- suppression on hand-made tables ----------------------------------------------------


PRIMARY = primary_reason(5)


def test_primary_blanks_small_counts_and_what_rests_on_them_but_not_zero() -> None:
    frame = pd.DataFrame(
        {"offer_id": list("abcd"), "n": [0, 1, 4, 5], "share": [np.nan, 1.0, 0.5, 0.2]}
    )
    out = suppress(frame, counts=["n"], derived={"share": "n"})
    assert out["n"].dtype == "Int64"
    assert out["n"].isna().tolist() == [False, True, True, False]
    assert out["share"].isna().tolist() == [True, True, True, False]  # row 0 was NaN already
    assert out["suppressed"].tolist() == [False, True, True, False]
    assert out["suppression_reason"].tolist()[1:3] == [PRIMARY, PRIMARY]
    assert out["suppression_reason"].isna().tolist() == [True, False, False, True]
    zeros = suppress(frame, counts=["n"], suppress_zeros=True)
    assert zeros["n"].isna().tolist() == [True, True, True, False]
    assert frame["n"].tolist() == [0, 1, 4, 5]  # input untouched


def test_secondary_against_a_total_row_blanks_the_next_smallest_part() -> None:
    frame = pd.DataFrame(
        {
            "offer_id": ["a"] * 5 + ["b"] * 3,
            "month": ["2024-01", "2024-02", "2024-03", "2024-04", "total"]
            + ["2024-01", "2024-02", "total"],
            "n": [3, 9, 7, 0, 19, 6, 8, 14],
        }
    )
    rule = RowTotal(columns=("n",), by=("offer_id",), key="month", total="total")
    out = suppress(frame, counts=["n"], totals=[rule])
    assert out["n"].isna().tolist() == [True, False, True, False, False, False, False, False]
    assert out["suppression_reason"].iloc[2] == SECONDARY
    assert out["suppression_reason"].iloc[0] == PRIMARY


def test_secondary_with_an_externally_published_sum_and_a_column_total() -> None:
    frame = pd.DataFrame({"g": ["x", "x", "x"], "n": [2, 50, 30]})
    out = suppress(frame, counts=["n"], totals=[RowTotal(columns=("n",), by=("g",))])
    assert out["n"].isna().tolist() == [True, False, True]

    m = pd.DataFrame({"n_participants": [40, 12], "n_matched": [37, 12], "n_unmatched": [3, 0]})
    rule = ColumnTotal(total="n_participants", parts=("n_matched", "n_unmatched"))
    out = suppress(m, counts=list(m.columns), totals=[rule])
    assert out.isna().to_numpy()[:, :3].tolist() == [[False, True, True], [False] * 3]
    assert out["suppression_reason"].iloc[0] == f"{PRIMARY}; {SECONDARY}"


def test_secondary_iterates_across_row_and_column_totals() -> None:
    # Two offers x two reasons with an all-offers row and a row total column.
    frame = pd.DataFrame(
        {
            "offer_id": ["a", "b", "all"],
            "r1": [2, 10, 12],
            "r2": [20, 30, 50],
            "n": [22, 40, 62],
        }
    )
    rules = [
        RowTotal(columns=("r1", "r2", "n"), key="offer_id", total="all"),
        ColumnTotal(total="n", parts=("r1", "r2")),
    ]
    out = suppress(frame, counts=["r1", "r2", "n"], totals=rules)
    blank = out[["r1", "r2", "n"]].isna().to_numpy()
    # a.r1 primary -> a.r2 (row) and b.r1 (column) -> b.r2 (row b) closes every relation
    assert blank.tolist() == [[True, True, False], [True, True, False], [False, False, False]]


def test_missing_cells_count_as_blank_but_do_not_trigger_and_rerun_is_stable() -> None:
    frame = pd.DataFrame({"k": ["a", "b", "c", "t"], "n": [np.nan, 10.0, 20.0, 40.0]})
    rule = RowTotal(columns=("n",), key="k", total="t")
    out = suppress(frame, counts=["n"], totals=[rule])
    assert out["n"].isna().tolist() == [True, False, False, False]
    assert not out["suppressed"].any()
    frame.loc[1, "n"] = 2.0
    once = suppress(frame, counts=["n"], totals=[rule])
    assert once["n"].isna().tolist() == [True, True, False, False]  # two blanks: safe
    twice = suppress(once, counts=["n"], totals=[rule])
    pd.testing.assert_frame_equal(once, twice)


def test_suppression_input_errors() -> None:
    frame = pd.DataFrame({"k": ["a", "t", "t"], "n": [1, 2, 3], "m": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="not in the table"):
        suppress(frame, counts=["x"])
    with pytest.raises(ValueError, match="at least 1"):
        suppress(frame, counts=["n"], threshold=0)
    with pytest.raises(ValueError, match="not among the count columns"):
        suppress(frame, counts=["n"], derived={"m": "k"})
    with pytest.raises(ValueError, match="more than one"):
        suppress(frame, counts=["n"], totals=[RowTotal(columns=("n",), key="k", total="t")])
    with pytest.raises(ValueError, match="negative"):
        suppress(frame.assign(n=[-1, 2, 3]), counts=["n"])


def test_suppress_effects_blanks_whole_rows_resting_on_few_persons() -> None:
    effects = pd.DataFrame(
        {
            "offer_id": ["a"] * 4,
            "outcome": ["self_sufficient"] * 4,
            "event_time": [0, 6, 12, 24],
            "estimate": [0.1, 0.2, 0.3, 0.4],
            "std_error": [0.05] * 4,
            "ci_low": [0.0] * 4,
            "ci_high": [0.5] * 4,
            "p_value": [0.04] * 4,
            "n_treated": [40, 4, 40, 0],
            "n_control": [120, 12, 3, 0],
            "method": ["did"] * 4,
        }
    )
    out = suppress_effects(effects, threshold=5)
    blanked = ["estimate", "std_error", "ci_low", "ci_high", "p_value", "n_treated", "n_control"]
    assert out[blanked].isna().all(axis=1).tolist() == [False, True, True, False]
    assert out[blanked].notna().all(axis=1).tolist() == [True, False, False, True]
    assert out["suppressed"].tolist() == [False, True, True, False]
    assert out["suppression_reason"].iloc[1] == PRIMARY
    assert out.drop(columns=[*blanked, "suppressed", "suppression_reason"]).equals(
        effects.drop(columns=blanked)
    )
