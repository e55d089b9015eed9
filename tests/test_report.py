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

from evaluation.matching.data import covariate_named
from evaluation.texts import DASH, STYLES, TEXTS, covariate_label
from evaluation.texts.report_words import WORDS
from flows import io
from flows.cli import main
from flows.config import load_config, to_core
from flows.prices import load_catalogue
from flows.report import ReportOptions, load_tables, render_report

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


FLOW_LANG = "en"  # the flow writes the English report; the Danish one is rendered here


@pytest.fixture(scope="module")
def month(prefect_server, synth_dir: Path, tmp_path_factory) -> Path:
    """One month published by ``mereffekt run --lang en`` (report.html included)."""
    out = tmp_path_factory.mktemp("report")
    args = ["run", "--data", str(synth_dir), "--config", str(synth_dir / "config.yaml")]
    assert main([*args, "--out", str(out), "--as-of", AS_OF, "--lang", FLOW_LANG]) == 0
    return io.month_dir(out, AS_OF)


def _render(month: Path, lang: str, synth_dir: Path) -> str:
    """The report of the published ``month`` in ``lang``, with the run's settings."""
    manifest = json.loads((month / "manifest.json").read_text(encoding="utf-8"))
    cfg = to_core(load_config(synth_dir / "config.yaml"), prices=load_catalogue())
    options = ReportOptions.for_run(cfg, as_of=AS_OF, lang=lang, run_id=manifest["run_id"])  # type: ignore[arg-type]
    return render_report(load_tables(month), options)


@pytest.fixture(scope="module", params=["da", "en"])
def published(request, month: Path, synth_dir: Path, tmp_path_factory) -> tuple[str, Path, Path]:
    """(language, the month folder, its report page): the flow's own report.html in
    English, the Danish page rendered from the same published tables."""
    lang = request.param
    if lang == FLOW_LANG:
        return lang, month, month / "report.html"
    page = tmp_path_factory.mktemp(f"report_{lang}") / "report.html"
    page.write_text(_render(month, lang, synth_dir), encoding="utf-8")
    return lang, month, page


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


def _parquet_suppressed(month: Path, key: str) -> bool:
    table, offer, column = key.split(".")
    frame = pd.read_parquet(month / f"{table}.parquet")
    rows = frame[frame["offer_id"] == offer]
    if table == "effects":
        rows = rows[
            (rows["outcome"] == "self_sufficient")
            & rows["event_time"].isna()
            & (rows["estimand"] == "per_protocol")
        ]
    if table == "value":
        rows = rows[
            (rows["measure"] == column) & (rows["payer"] == "all") & (rows["scenario"] == "central")
        ]
    return bool(rows["suppressed"].iloc[0])


def _parquet_value(month: Path, key: str) -> float | None:
    """The published cell behind a ``data-key``: ``<table>.<offer_id>.<column>``; in the
    long ``value`` table the third part is the measure (all payers, central scenario)."""
    table, offer, column = key.split(".")
    frame = pd.read_parquet(month / f"{table}.parquet")
    rows = frame[frame["offer_id"] == offer]
    if table == "effects":
        rows = rows[
            (rows["outcome"] == "self_sufficient")
            & rows["event_time"].isna()
            & (rows["estimand"] == "per_protocol")
        ]
    if table == "value":
        rows = rows[
            (rows["measure"] == column) & (rows["payer"] == "all") & (rows["scenario"] == "central")
        ]
        column = "value"
    assert len(rows) == 1, key
    v = rows[column].iloc[0]
    return None if pd.isna(v) else float(v)


def test_report_in_chromium_matches_the_parquet_results(published, browser, tmp_path) -> None:
    lang, month, page = published
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
        for key in (
            "matching.{}.n_matched",
            "matching.{}.n_controls",
            "portfolio.{}.net_value_per_participant_dkk",
            "value.{}.total_net_value",
        ):
            assert key.format(offer) in keys
        # the participants' total only where it is published (never "– participants")
        shown = f"matching.{offer}.n_participants" in keys
        assert shown == (_parquet_value(month, f"matching.{offer}.n_participants") is not None)
        # the price with its interval, or why it cannot be computed (report facts)
        priced = driver.find_elements(
            "css selector",
            f"#summary [data-src='portfolio|{offer}|price_per_extra_self_sufficient_dkk']",
        )
        reason = driver.find_elements("css selector", f"#summary tr[data-offer='{offer}'] .cannot")
        assert len(priced) + len(reason) == 1, offer
        # participants' and matched controls' levels are both drawn
        for series in ("a", "b"):
            lines = driver.find_elements(
                "css selector", f"#offer-{offer} svg.chart path[data-series='{series}']"
            )
            assert lines, (offer, series)
    for cell in cells:
        key, raw = cell.get_attribute("data-key"), cell.get_attribute("data-value")
        want = _parquet_value(month, key)
        got = None if raw == "" else float(raw)
        if want is None:  # suppressed: "–"; missing in an unsuppressed row: "not defined"
            flagged = _parquet_suppressed(month, key)
            assert got is None and cell.text == (DASH if flagged else TEXTS[lang].not_defined), key
            continue
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12), key
        how = cell.get_attribute("data-format")
        shown = {"pp": style.pp, "money": style.money, "count": style.number}[how](want)
        assert cell.text == shown, (key, cell.text, shown)


def test_published_report_rests_only_on_the_published_tables(month, synth_dir) -> None:
    """The flow's report.html is exactly render_report of the Parquet files next to it, so
    nothing unsuppressed can reach the page."""
    html = (month / "report.html").read_text(encoding="utf-8")
    assert html == _render(month, FLOW_LANG, synth_dir)
    assert f'<html lang="{FLOW_LANG}">' in html


def test_on_track_lights_and_reasons_follow_the_indicators(published) -> None:
    lang, month, page = published
    html = page.read_text(encoding="utf-8")
    ind = pd.read_parquet(month / "indicators.parquet")
    status = ind[ind["indicator"] == "status"]
    assert len(status) == len(pd.read_parquet(month / "matching.parquet"))
    on_track = html[html.index("<section id='on-track'>") :]
    for row in status.itertuples():
        start = on_track.index(f"<tr data-offer='{row.offer_id}'>")
        line = on_track[start : on_track.index("</tr>", start)]
        assert f"data-status='{row.status}'" in line
        assert TEXTS[lang].status_labels[row.status] in line
        # the reason is written in the page's language from the rule code; the effect
        # rules name the interim effect's months (report facts)
        words = WORDS[lang]
        if row.rule_code.startswith(("effect_", "target_")):
            starts = (words.interim_before.split("{")[0], words.interim_after.split("{")[0])
        else:
            starts = (TEXTS[lang].rule_texts[row.rule_code].split("{")[0],)
        assert any(f"data-rule='{row.rule_code}'>{s}" in line for s in starts), line


def test_suppressed_numbers_show_a_dash_and_are_not_recomputed(published) -> None:
    lang, month, _ = published
    tables = load_tables(month)
    offer = tables["matching"]["offer_id"].iloc[0]
    m = tables["matching"].copy()  # blanked and flagged, as the suppression does
    m.loc[m["offer_id"] == offer, ["n_participants", "suppressed"]] = [np.nan, True]
    p = tables["portfolio"].copy()
    p.loc[p["offer_id"] == offer, ["net_value_per_participant_dkk", "suppressed"]] = [np.nan, True]
    v = tables["value"].copy()
    total = (v["offer_id"] == offer) & (v["measure"] == "total_net_value")
    v.loc[total & (v["payer"] == "all"), ["value", "suppressed"]] = [np.nan, True]
    html = render_report(
        {**tables, "matching": m, "portfolio": p, "value": v}, ReportOptions(AS_OF, lang=lang)
    )
    # a hidden participants' total is not shown at all (no "– participants")
    assert f'data-key="matching.{offer}.n_participants"' not in html
    for key in (
        f"portfolio.{offer}.net_value_per_participant_dkk",
        f"value.{offer}.total_net_value",
    ):
        assert f'data-key="{key}" data-value=""' in html
        start = html.index(f'data-key="{key}"')
        assert html[start : html.index("</span>", start)].endswith(f">{DASH}")
    # the total is not recomputed from the (published) participants and net value
    other = v[total & (v["payer"] == "all")]["value"]
    assert other.isna().all()
    net = tables["portfolio"].set_index("offer_id")["net_value_per_participant_dkk"]
    n = tables["portfolio"].set_index("offer_id")["participants"]
    assert STYLES[lang].money(float(net[offer] * n[offer])) not in html.split("id='overview'")[1]


def test_a_number_missing_in_an_unsuppressed_row_is_not_defined(published) -> None:
    lang, month, _ = published
    tables = load_tables(month)
    offer = tables["portfolio"]["offer_id"].iloc[0]
    p = tables["portfolio"].copy()
    col = "price_per_extra_self_sufficient_dkk"
    # an effect clearly above 0 (else the price "cannot be computed" for that reason)
    p.loc[p["offer_id"] == offer, ["effect", "effect_ci_low"]] = [0.05, 0.01]
    p.loc[p["offer_id"] == offer, [col, "suppressed"]] = [np.nan, False]
    html = render_report({**tables, "portfolio": p}, ReportOptions(AS_OF, lang=lang))
    summary = html[html.index("<section id='summary'>") :]
    line = summary[summary.index(f"data-offer='{offer}'") :].split("</tr>")[0]
    assert f"data-price-reason='undefined'>{TEXTS[lang].not_defined}<" in line


def test_danish_and_english_number_formats() -> None:
    da, en = STYLES["da"], STYLES["en"]
    assert da.number(1234567.891, 2) == "1.234.567,89"
    assert en.number(1234567.891, 2) == "1,234,567.89"
    assert da.money(42000) == "42.000 kr."
    assert en.money(42000) == "DKK 42,000"
    assert da.money(15_100_000) == "15,1 mio. kr."
    assert da.pp(-0.0372) == "\u22123,7"
    assert da.number(math.nan) == DASH and en.money(None) == DASH
    assert da.pct(0.583) == "58\u00a0%" and en.pct(0.583) == "58%" and da.pct(None) == DASH


def test_covariates_are_labelled_from_their_descriptors() -> None:
    label = {
        lang: lambda name, lang=lang: covariate_label(covariate_named(name), lang) for lang in TEXTS
    }
    assert label["da"]("education_benefit_12m") == "Måneder på uddannelseshjælp, sidste 12 mdr."
    assert label["en"]("education_benefit_36m") == "Months on education benefit, last 36 months"
    assert label["en"]("education_kvu") == "Education: kvu"
    assert label["da"]("lag4_job") == "Job 4 mdr. før start"
    assert label["en"]("calendar_month_3") == "Start month: March"
    assert label["da"]("observed_12m") == "Måneder med data, sidste 12 mdr."
    assert label["en"]("self_sufficient_share_36m") == (
        "Share of months with data on self-sufficiency, last 36 months"
    )
    assert label["en"]("sex_m") == "Male"


def test_unknown_language_is_refused(month) -> None:
    with pytest.raises(ValueError, match="lang"):
        ReportOptions(AS_OF, lang="de")  # type: ignore[arg-type]


def test_an_offer_suppressed_everywhere_says_so_and_draws_nothing(published) -> None:
    lang, month, _ = published
    tables = dict(load_tables(month))
    offer = tables["matching"]["offer_id"].iloc[0]
    for name in ("effects", "levels", "balance", "value", "portfolio"):
        f = tables[name].copy()
        numbers = f.select_dtypes("number").columns.difference(["event_time"])
        f.loc[f["offer_id"] == offer, numbers] = np.nan
        f.loc[f["offer_id"] == offer, "suppressed"] = True
        tables[name] = f
    html = render_report(tables, ReportOptions(AS_OF, lang=lang))
    name = tables["matching"].set_index("offer_id")["name"][offer]
    t = TEXTS[lang]
    assert t.suppressed_sentence.format(name=name, k=5) in html
    section = html.split(f"<section id='offer-{offer}'")[1].split("</section>")[0]
    assert "<svg" not in section and t.no_data in section


def test_every_kind_of_covariate_has_a_label_in_every_language() -> None:
    """A new kind of matching covariate (programme history was one) must get a label,
    or the report of a run that uses it fails."""
    from typing import get_args

    from evaluation.matching.data import Covariate, CovariateKind

    for kind in get_args(CovariateKind):
        c = Covariate(kind, status="job", months=3, level="basic", month=1, offer="los")
        for lang in TEXTS:
            label = covariate_label(c, lang)
            assert label and "{" not in label, (kind, lang, label)
