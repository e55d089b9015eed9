"""The HTML report of a synthetic run, opened in headless Chromium: a full-page
screenshot, no console errors, no network requests, and the headline numbers on the page
equal the published Parquet results. Also number formatting and suppressed cells."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flows import io
from flows.cli import main
from flows.report import load_tables, render_report
from flows.report.texts import DASH, STYLES

AS_OF = "2024-06"
CHROME_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
NOTES = Path("/work/notes")  # screenshots are also copied here when it exists


@pytest.fixture(scope="module", params=["da", "en"])
def published(request, prefect_server, synth_dir: Path, tmp_path_factory) -> tuple[str, Path]:
    """A month published by ``mereffekt run --lang <lang>`` (report.html included)."""
    lang = request.param
    out = tmp_path_factory.mktemp(f"report_{lang}")
    args = ["run", "--data", str(synth_dir), "--config", str(synth_dir / "config.yaml")]
    assert main([*args, "--out", str(out), "--as-of", AS_OF, "--lang", lang]) == 0
    return lang, io.month_dir(out, AS_OF)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    yield driver
    driver.quit()


def _open(browser, page: Path):
    browser.get_log("performance")  # drop entries of earlier pages
    browser.get_log("browser")
    browser.set_window_size(1200, 900)
    browser.get(page.as_uri())
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1200, int(height) + 100)
    return browser


def _requests(browser) -> list[str]:
    urls = []
    for entry in browser.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def _parquet_value(month: Path, key: str) -> float | None:
    table, offer, column = key.split(".")
    frame = pd.read_parquet(month / f"{table}.parquet")
    rows = frame[frame["offer_id"] == offer]
    if table == "effects":
        rows = rows[(rows["outcome"] == "self_sufficient") & rows["event_time"].isna()]
    assert len(rows) == 1, key
    v = rows[column].iloc[0]
    return None if pd.isna(v) else float(v)


def test_report_in_chromium_matches_the_parquet_results(published, browser, tmp_path) -> None:
    lang, month = published
    page = month / "report.html"
    assert page.exists()
    driver = _open(browser, page)
    shot = tmp_path / f"report_{lang}.png"
    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 50_000
    if NOTES.is_dir():
        shutil.copy(shot, NOTES / f"report_screenshot_{lang}.png")

    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []
    requests = _requests(driver)
    assert requests, "the performance log recorded nothing; the check would be vacuous"
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []

    assert driver.find_element("tag name", "html").get_attribute("lang") == lang
    svgs = driver.find_elements("css selector", "svg.chart")
    offers = pd.read_parquet(month / "matching.parquet")["offer_id"].tolist()
    # forest, portfolio, and per offer an event study, levels and a Love plot
    assert len(svgs) >= 2 + 3 * len(offers)
    assert all(s.size["width"] > 300 and s.size["height"] > 100 for s in svgs)

    style = STYLES[lang]
    cells = driver.find_elements("css selector", "[data-key]")
    keys = {c.get_attribute("data-key") for c in cells}
    for offer in offers:  # every offer's headline numbers are on the page
        for col in ("estimate", "ci_low", "ci_high"):
            assert f"effects.{offer}.{col}" in keys
        assert f"matching.{offer}.n_participants" in keys
    for cell in cells:
        key, raw = cell.get_attribute("data-key"), cell.get_attribute("data-value")
        want = _parquet_value(month, key)
        got = None if raw == "" else float(raw)
        if want is None:
            assert got is None and cell.text == DASH, key
            continue
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15), key
        how = cell.get_attribute("data-format")
        shown = {"pp": style.pp, "money": style.money, "count": style.number}[how](want)
        assert cell.text == shown, (key, cell.text, shown)


def test_headline_statuses_match_the_indicators(published) -> None:
    lang, month = published
    html = (month / "report.html").read_text(encoding="utf-8")
    ind = pd.read_parquet(month / "indicators.parquet")
    for status in ind.loc[ind["indicator"] == "status", "status"]:
        assert f"data-status='{status}'" in html


def test_suppressed_numbers_show_a_dash_and_are_not_recomputed(published) -> None:
    lang, month = published
    tables = load_tables(month)
    offer = tables["matching"]["offer_id"].iloc[0]
    m = tables["matching"].copy()
    m.loc[m["offer_id"] == offer, "n_participants"] = np.nan
    p = tables["portfolio"].copy()
    p.loc[p["offer_id"] == offer, "net_value_per_participant_dkk"] = np.nan
    html = render_report({**tables, "matching": m, "portfolio": p}, as_of=AS_OF, lang=lang)
    for key in (
        f"matching.{offer}.n_participants",
        f"portfolio.{offer}.net_value_per_participant_dkk",
    ):  # noqa: E501
        assert f'data-key="{key}" data-value=""' in html
        start = html.index(f'data-key="{key}"')
        assert html[start : html.index("</span>", start)].endswith(f">{DASH}")


def test_danish_and_english_number_formats() -> None:
    da, en = STYLES["da"], STYLES["en"]
    assert da.number(1234567.891, 2) == "1.234.567,89"
    assert en.number(1234567.891, 2) == "1,234,567.89"
    assert da.money(42000) == "42.000 kr."
    assert en.money(42000) == "DKK 42,000"
    assert da.money(15_100_000) == "15,1 mio. kr."
    assert da.pp(-0.0372) == "\u22123,7"
    assert da.number(math.nan) == DASH and en.money(None) == DASH


def test_unknown_language_is_refused(published) -> None:
    _, month = published
    with pytest.raises(ValueError, match="lang"):
        render_report(load_tables(month), as_of=AS_OF, lang="de")  # type: ignore[arg-type]
