"""``mereffekt import``: an analyst's CSV or xlsx extracts become the three Parquet
inputs, through the command line, on small files written here.

The same four persons in every format: Danish CSV (``;``, decimal comma, dd-mm-yyyy,
UTF-8 with a byte-order mark, or Windows-1252 with Danish column names), a
``,``-separated CSV with ``yyyy-mm`` months and an xlsx workbook with typed date and
number cells all give the same Parquet frames. Bad cases: unreadable values (listed with
their row in the source file and the column), a CPR number, a missing column, a row the
contract sets aside.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from _cli import cli, one_error_line

PERSONS = [  # person_id, birth_year, sex, education, municipality_code
    ("p01", 1980, "F", "grundskole", 101),
    ("p02", 1975, "M", "erhvervsfaglig", 147),
    ("p03", 1990, "F", "lvu", 751),
    ("p04", 1968, "M", "ukendt", 851),
]
MONTHS = [dt.datetime(2023, m, 1) for m in range(1, 13)]
STATUS = [  # person_id, month, status, earnings_dkk
    (p, m, "job" if (i + k) % 3 else "cash_benefit", 12345.5 * (k % 2) if k % 4 else None)
    for k, (p, *_rest) in enumerate(PERSONS)
    for i, m in enumerate(MONTHS)
]
PARTICIPATION = [  # person_id, offer_id, start_month, end_month
    ("p01", "los", dt.datetime(2023, 3, 1), dt.datetime(2023, 8, 1)),
    ("p02", "los", dt.datetime(2023, 5, 1), None),
    ("p04", "ung", dt.datetime(2023, 2, 1), None),
]


def _dk_number(x: float | None) -> str:
    return "" if x is None else f"{x:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def _dk_date(d: dt.datetime | None) -> str:
    return "" if d is None else d.strftime("%d-%m-%Y")


def _write_csv(path: Path, header: list[str], rows: list[list[str]], **kw) -> Path:
    sep, encoding = kw.get("sep", ";"), kw.get("encoding", "utf-8-sig")
    text = "\r\n".join(sep.join(r) for r in [header, *rows]) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def danish_csv(folder: Path, *, encoding: str = "utf-8-sig", aliases: bool = False) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    head = ["person_id", "birth_year", "sex", "education", "municipality_code"]
    if aliases:
        head = ["person_id", "Fødselsår", "Køn", "Uddannelse", "Kommunekode"]
    persons = _write_csv(
        folder / "personer.csv",
        head,
        [[p, str(b), s, e, str(k)] for p, b, s, e, k in PERSONS],
        encoding=encoding,
    )
    status = _write_csv(
        folder / "status.csv",
        ["person_id", "Måned" if aliases else "month", "status", "earnings_dkk"],
        [[p, _dk_date(m), s, _dk_number(x)] for p, m, s, x in STATUS],
        encoding=encoding,
    )
    part = _write_csv(
        folder / "deltagelse.csv",
        ["person_id", "offer_id", "start_month", "end_month"],
        [[p, o, _dk_date(s), _dk_date(e)] for p, o, s, e in PARTICIPATION],
        encoding=encoding,
    )
    return {"persons": persons, "status": status, "participation": part}


def xlsx_files(folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for key, head, rows in (
        ("persons", ["person_id", "birth_year", "sex", "education", "municipality_code"], PERSONS),
        ("status", ["person_id", "month", "status", "earnings_dkk"], STATUS),
        ("participation", ["person_id", "offer_id", "start_month", "end_month"], PARTICIPATION),
    ):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(head)
        for r in rows:
            sheet.append(list(r))
        out[key] = folder / f"{key}.xlsx"
        book.save(out[key])
    return out


def _import(files: dict, out: Path, *extra: str):
    return cli(
        "import",
        "--persons", files["persons"],
        "--status", files["status"],
        "--participation", files["participation"],
        "--out", out,
        *extra,
    )  # fmt: skip


def _frames(out: Path) -> dict[str, pd.DataFrame]:
    names = ("persons", "status_monthly", "participation")
    return {n: pd.read_parquet(out / f"{n}.parquet") for n in names}


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> dict[str, pd.DataFrame]:
    """The Danish UTF-8 CSV import, checked against the rows written above."""
    tmp = tmp_path_factory.mktemp("import")
    done = _import(danish_csv(tmp / "csv"), tmp / "out")
    assert done.returncode == 0, done.stderr
    assert "read personer.csv (UTF-8, separator ';', decimal mark ',')" in done.stdout
    frames = _frames(tmp / "out")
    assert list(frames["persons"]["person_id"]) == [p[0] for p in PERSONS]
    assert list(frames["persons"]["birth_year"]) == [p[1] for p in PERSONS]
    status = frames["status_monthly"]
    assert list(status["month"]) == [s[1] for s in STATUS]
    want = [s[3] for s in STATUS]
    got = status["earnings_dkk"].tolist()
    assert len(got) == len(want)
    for w, g in zip(want, got, strict=True):
        assert (w is None and pd.isna(g)) or g == pytest.approx(w)
    assert pd.isna(frames["participation"]["end_month"].iloc[1])
    assert frames["participation"]["start_month"].iloc[0] == dt.datetime(2023, 3, 1)
    return frames


def _same(frames: dict, expected: dict) -> None:
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(frames[name], frame, check_dtype=False)


def test_windows_1252_with_danish_column_names(expected, tmp_path: Path) -> None:
    files = danish_csv(tmp_path / "csv", encoding="cp1252", aliases=True)
    assert "Fødselsår".encode("cp1252") in files["persons"].read_bytes()
    done = _import(files, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert "Windows-1252" in done.stdout
    _same(_frames(tmp_path / "out"), expected)


def test_comma_separated_with_year_month_dates(expected, tmp_path: Path) -> None:
    files = danish_csv(tmp_path / "csv")
    status = tmp_path / "status_en.csv"
    rows = [[p, m.strftime("%Y-%m"), s, "" if x is None else f"{x:.2f}"] for p, m, s, x in STATUS]
    _write_csv(status, ["person_id", "month", "status", "earnings_dkk"], rows, sep=",")
    done = _import({**files, "status": status}, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert "separator ',', decimal mark '.'" in done.stdout
    _same(_frames(tmp_path / "out"), expected)


def test_xlsx_extracts(expected, tmp_path: Path) -> None:
    done = _import(xlsx_files(tmp_path / "x"), tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert "xlsx, first sheet" in done.stdout
    _same(_frames(tmp_path / "out"), expected)
    assert cli("validate", "--data", tmp_path / "out").returncode == 0


def test_unreadable_values_are_listed_by_row_and_column(tmp_path: Path) -> None:
    files = danish_csv(tmp_path / "csv")
    lines = files["status"].read_text(encoding="utf-8-sig").splitlines()
    cells = lines[3].split(";")  # row 4 of the file: the third data row
    lines[3] = ";".join([cells[0], "31-02-2023", cells[2], "12.5"])
    files["status"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = _import(files, tmp_path / "out")
    one_error_line(done, "2 value(s) could not be read", "nothing was written")
    assert "status.csv row 4, column month: '31-02-2023' is not a date" in done.stdout
    assert "status.csv row 4, column earnings_dkk: '12.5' is not a number" in done.stdout
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_cpr_number_never_passes(tmp_path: Path) -> None:
    files = danish_csv(tmp_path / "csv")
    cpr = "010190-1234"  # shaped like a CPR number, made up here
    text = files["persons"].read_text(encoding="utf-8-sig").replace("p03", cpr)
    files["persons"].write_text(text, encoding="utf-8")
    done = _import(files, tmp_path / "out")
    line = one_error_line(done, "personer.csv column 'person_id'", "look like CPR", "rows 4")
    assert cpr not in done.stdout + done.stderr and "0101901234" not in line
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_missing_or_unknown_column_is_one_line(tmp_path: Path) -> None:
    files = danish_csv(tmp_path / "csv")
    text = files["participation"].read_text(encoding="utf-8-sig")
    files["participation"].write_text(text.replace("offer_id", "tilbudsnavn"), encoding="utf-8")
    one_error_line(_import(files, tmp_path / "out"), "deltagelse.csv", "'tilbudsnavn'")
    files["participation"].write_text(text.replace(";offer_id", ""), encoding="utf-8")
    one_error_line(_import(files, tmp_path / "out"), "deltagelse.csv", "missing column(s)")


def test_a_row_the_contract_sets_aside_is_named_by_its_source_row(tmp_path: Path) -> None:
    files = danish_csv(tmp_path / "csv")
    lines = files["status"].read_text(encoding="utf-8-sig").splitlines()
    lines[5] = lines[5].replace(";job;", ";ferie;").replace(";cash_benefit;", ";ferie;")
    files["status"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = _import(files, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert "status_monthly.parquet: 48 rows, 47 kept, 1 quarantined" in done.stdout
    assert "status.csv row 6, column status: set aside: status is one of: job" in done.stdout
    assert len(pd.read_parquet(tmp_path / "out" / "status_monthly.parquet")) == 48
