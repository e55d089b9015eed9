"""What an analyst gets besides the Parquet files (issue 18): ``resultater.xlsx`` and the
validation page, from a run of a small municipality with 1-4-person cells in every table
and a quarantine of two status rows (tests/_small_cells.py).

The workbook is opened with openpyxl: every number equals its Parquet cell (times 100
where the workbook's own unit column or column list says per cent or percentage points),
every blank Parquet cell is a blank cell, hidden rows are marked. The validation page
shows no count the suppression blanked and no row number; the restricted copy has them.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from _small_cells import AS_OF, write_small_cells

from flows import io
from flows.cli import main
from flows.excel.columns import SHEETS
from flows.report.rule_words import rules_in_words

QUARANTINED_RULE = "status_monthly.status.status_must_belong_to_allowed_values"
SHEET_ROWS = {  # sheet -> (Parquet file, which rows): written here, not taken from the code
    "Effekter (pp)": ("effects", lambda f: f["unit"] == "share"),
    "Effekter (kr.)": ("effects", lambda f: f["unit"] == "dkk_per_person_month"),
    "Effekter (mål)": ("effects", lambda f: f["unit"] == "per_person_month"),
    "Værdi": ("value", None),
    "Investor": ("contract", None),
    "Udvælgelse og effekt": ("decomposition", None),
    "Tilbudsvifte": ("portfolio", None),
    "På sporet": ("indicators", None),
    "Følsomhed": ("sensitivity", None),
    "Undergrupper": ("subgroups", None),
    "Matchning": ("matching", None),
    "Balance": ("balance", None),
    "Niveauer (%)": ("levels", lambda f: ~f["outcome"].str.startswith("public_cost_dkk")),
    "Niveauer (kr.)": ("levels", lambda f: f["outcome"].str.startswith("public_cost_dkk")),
    "Karantæne": ("quarantine/summary", None),
}
HUNDRED = ("procentpoint", "procent")


def _run(tmp: Path, data: Path, out: str, *extra: str) -> Path:
    args = ["run", "--data", str(data), "--config", str(data / "config.yaml")]
    assert main([*args, "--out", str(tmp / out), "--as-of", AS_OF, "--quiet", *extra]) == 0
    return io.month_dir(tmp / out, AS_OF)


@pytest.fixture(scope="module")
def runs(prefect_server, tmp_path_factory) -> dict[str, Path]:
    """The month folder in Danish (with a restricted folder), the same month again in
    another folder, and in English."""
    tmp = tmp_path_factory.mktemp("analyst")
    data = tmp / "data"
    write_small_cells(data)
    return {
        "da": _run(tmp, data, "out", "--restricted-out", str(tmp / "restricted")),
        "again": _run(tmp, data, "out2"),
        "en": _run(tmp, data, "out_en", "--lang", "en"),
        "restricted": io.month_dir(tmp / "restricted", AS_OF),
    }


@pytest.fixture(scope="module")
def book(runs: dict[str, Path]):
    return openpyxl.load_workbook(runs["da"] / "resultater.xlsx")


def _column_list(book) -> dict[tuple[str, str], tuple[str, str]]:
    """(sheet, header) -> (Parquet column, unit in words), from the read-me sheet."""
    rows = list(book["Læs mig"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[:2] == ("Ark", "Kolonne"))
    out = {}
    for r in rows[start + 1 :]:
        if r[0] is None:
            break
        source = r[2].split(": ", 1)[1] if ": " in (r[2] or "") else None
        out[(r[0], r[1])] = (source, r[3] or "")
    return out


def test_workbook_has_a_sheet_per_table_and_a_read_me(book) -> None:
    assert book.sheetnames == ["Læs mig", *SHEET_ROWS]
    heads = [c.value for c in book["Effekter (pp)"][1]]
    assert heads[:10] == [
        "Tilbud (id)", "Tilbud", "Udfald", "Udfald (navn)", "Måned efter start",
        "Mer-effekt (pp)", "Standardfejl (pp)", "Nedre grænse (pp)", "Øvre grænse (pp)", "Enhed",
    ]  # fmt: skip
    assert heads[-2:] == ["Skjult", "Årsag til skjult tal"]
    assert "Pris pr. ekstra selvforsørgende (kr.)" in [c.value for c in book["Tilbudsvifte"][1]]


def test_every_number_equals_its_parquet_cell(book, runs: dict[str, Path]) -> None:
    columns = _column_list(book)
    checked = blank_hidden = 0
    for sheet, (table, rows) in SHEET_ROWS.items():
        frame = pd.read_parquet(runs["da"] / f"{table}.parquet")
        if rows is not None:
            frame = frame[rows(frame).to_numpy(bool)]
        frame = frame.reset_index(drop=True)
        ws = book[sheet]
        heads = [c.value for c in ws[1]]
        cells = list(ws.iter_rows(min_row=2, values_only=True))
        assert len(cells) == len(frame), sheet
        unit_at = heads.index("Enhed") if "Enhed" in heads else None
        for (i, rec), got in zip(frame.iterrows(), cells, strict=True):
            flagged = bool(rec["suppressed"])
            assert (got[heads.index("Skjult")] == "skjult") == flagged, (sheet, i)
            for j, head in enumerate(heads):
                column, unit = columns[(sheet, head)]
                if column is None or column in ("suppressed", "suppression_reason"):
                    continue
                want = rec[column]
                if pd.api.types.is_bool(want):
                    assert got[j] == ("ja" if want else "nej"), (sheet, i, head)
                    continue
                if isinstance(want, str) or not pd.api.types.is_number(want):
                    if pd.isna(want):
                        assert got[j] is None, (sheet, i, head)
                    continue
                if pd.isna(want):
                    assert got[j] is None, (sheet, i, head)
                    blank_hidden += flagged
                    continue
                if unit == "se Enhed":
                    unit = got[unit_at]
                if math.isinf(want):
                    assert got[j] == ("-" if want < 0 else "") + "ubegrænset", (sheet, i, head)
                    continue
                factor = 100 if unit in HUNDRED else 1
                assert got[j] == pytest.approx(want * factor, rel=1e-12, abs=1e-12), (
                    sheet,
                    i,
                    head,
                )
                checked += 1
    assert checked > 10_000 and blank_hidden > 50  # numbers and hidden blanks were seen


def test_hidden_numbers_are_not_in_the_workbook(book, runs: dict[str, Path]) -> None:
    rows = list(book["Karantæne"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][1] == QUARANTINED_RULE
    assert rows[0][3] is None and rows[0][4] is None  # 2 rows of 2 persons: hidden
    assert rows[0][5] == "skjult" and rows[0][6] == "færre end 5 personer"
    restricted = pd.read_parquet(runs["restricted"] / "quarantine_rows.parquet")
    assert len(restricted) == 2  # the truth, in the restricted folder only


def test_read_me_states_period_suppression_prices_and_terms(book, runs: dict[str, Path]) -> None:
    manifest = json.loads((runs["da"] / "manifest.json").read_text(encoding="utf-8"))
    facts = {r[0]: r[1] for r in book["Læs mig"].iter_rows(values_only=True) if r[0]}
    assert facts["Opgjort til og med"] == AS_OF
    assert facts["Dataperiode"] == (
        f"{manifest['data_first_month']} – {manifest['data_last_month']}"
    )
    assert facts["Kørsel"] == manifest["run_id"]
    assert "færre end 5 personer" in facts["Skjulte tal"]
    assert "ILLUSTRATIVT" in facts["Priser"]  # the shipped catalogue
    assert "job eller uddannelse" in facts["Selvforsørgende"]
    for term in ("Mer-effekt", "Procentpoint (pp)", "Pris pr. ekstra selvforsørgende", "Skjult"):
        assert len(facts[term]) > 30


def test_workbook_is_byte_identical_for_identical_inputs(runs: dict[str, Path]) -> None:
    first = (runs["da"] / "resultater.xlsx").read_bytes()
    assert first == (runs["again"] / "resultater.xlsx").read_bytes()


def test_english_workbook(runs: dict[str, Path]) -> None:
    assert not (runs["en"] / "resultater.xlsx").exists()
    book = openpyxl.load_workbook(runs["en"] / "results.xlsx")
    assert book.sheetnames[0] == "Read me" and "Effects (pp)" in book.sheetnames
    heads = [c.value for c in book["Effects (pp)"][1]]
    assert "Extra effect (pp)" in heads and heads[-2:] == ["Hidden", "Why hidden"]
    assert len(book.sheetnames) == len(SHEETS) + 1


@pytest.mark.parametrize(
    ("lang", "sheet", "header"),
    [("da", "Effekter (pp)", "Metode"), ("en", "Effects (pp)", "Method")],
)
def test_workbook_names_the_staggered_rows(runs: dict[str, Path], lang, sheet, header) -> None:
    """The Callaway & Sant'Anna rows of effects.parquet are in the effects sheet, their
    method in words of the workbook's language."""
    from flows.excel.vocabulary import CODES

    name = "resultater.xlsx" if lang == "da" else "results.xlsx"
    rows = list(openpyxl.load_workbook(runs[lang] / name)[sheet].iter_rows(values_only=True))
    col = rows[0].index(header)
    shown = [r[col] for r in rows[1:]]
    words = CODES["effects_method"]["callaway_santanna"][0 if lang == "da" else 1]
    eff = pd.read_parquet(runs[lang] / "effects.parquet")
    n = int(((eff["method"] == "callaway_santanna") & (eff["unit"] == "share")).sum())
    assert n > 0 and shown.count(words) == n
    matched = CODES["effects_method"]["matched_event_study"][0 if lang == "da" else 1]
    assert matched in shown and "callaway_santanna" not in shown


# --- the validation page -----------------------------------------------------------------


def _row_of(page: str, rule: str) -> str:
    return next(r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if rule in r)


def test_published_validation_page_hides_the_small_quarantine(runs: dict[str, Path]) -> None:
    page = (runs["da"] / "validation_report.html").read_text(encoding="utf-8")
    row = _row_of(page, QUARANTINED_RULE)
    numbers = re.findall(r"<td class='n'>(.*?)</td>", row)
    assert numbers == ["– (skjult)", "– (skjult)"]  # rows and persons: 2 and 2, hidden
    assert not re.search(r">\s*2\s*<", page)  # no cell anywhere says 2
    assert "Status er en af" not in row and "status er en af: job" in row  # words, not GX
    assert "Første rækkenumre" not in page and "expect_" not in page
    restricted = pd.read_parquet(runs["restricted"] / "quarantine_rows.parquet")
    for r in restricted["row"]:
        assert f"{r + 1}" not in page


def test_restricted_copy_has_row_numbers_and_the_data_docs(runs: dict[str, Path]) -> None:
    page = (runs["restricted"] / "validation_report.html").read_text(encoding="utf-8")
    rows = pd.read_parquet(runs["restricted"] / "quarantine_rows.parquet")["row"]
    cell = re.findall(r"<td>(.*?)</td>", _row_of(page, QUARANTINED_RULE))[-1]
    assert cell == ", ".join(str(r + 1) for r in sorted(rows))
    docs = (runs["restricted"] / "validation_data_docs.html").read_text(encoding="utf-8")
    assert "expect_column_values_to_be_in_set" in docs
    assert not (runs["da"] / "validation_data_docs.html").exists()


def test_english_validation_page(runs: dict[str, Path]) -> None:
    page = (runs["en"] / "validation_report.html").read_text(encoding="utf-8")
    assert "What was set aside and why" in page and "– (hidden)" in page
    assert "status is one of: job" in page and "Kontrol af inddata" not in page


def test_every_rule_has_words_in_both_languages() -> None:
    da = rules_in_words("da", max_quarantine_share=0.05)
    en = rules_in_words("en", max_quarantine_share=0.05)
    assert [(r.file, r.rule) for r in da] == [(r.file, r.rule) for r in en]
    for d, e in zip(da, en, strict=True):
        assert d.text and e.text and d.text != e.text, d.rule  # a Danish text of its own
        assert "expect_" not in d.text and "expect_" not in e.text


def test_validation_page_fits_a_narrow_window(runs: dict[str, Path]) -> None:
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=700,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options)
    try:
        for page in (runs["da"], runs["restricted"]):
            driver.get((page / "validation_report.html").as_uri())
            wide = driver.execute_script(
                "return [document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert wide[0] <= wide[1], wide  # no table wider than the window
    finally:
        driver.quit()


def test_published_codes_are_in_their_contracts(runs: dict[str, Path]) -> None:
    from flows.contracts import output_contract

    checked = 0
    for table, column in (
        ("value", "measure"), ("value", "payer"), ("value", "scenario"), ("value", "unit"),
        ("effects", "unit"), ("effects", "method"), ("effects", "estimand"), ("levels", "group"),
        ("indicators", "status"),
    ):  # fmt: skip
        prop = next(p for p in output_contract(table)["properties"] if p["name"] == column)
        allowed = [
            re.escape(e["value"]).replace(re.escape("<months>"), r"\d+") for e in prop["enum"]
        ]
        values = pd.read_parquet(runs["da"] / f"{table}.parquet")[column].dropna().unique()
        for v in values:
            assert any(re.fullmatch(a, str(v)) for a in allowed), (table, column, v)
            checked += 1
    assert checked > 20
