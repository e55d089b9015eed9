"""One source for every sentence (issue 18): the report's statements agree with the
published Parquet tables and the run's settings, under varied settings.

One Danish run of the synthetic municipality (extrapolation ``decay``, a 36-month horizon,
configured tilbudsvifte targets) is published once; its tables are then varied the way
other configs and months would vary them (extrapolation none/constant/decay, the target
month passed or not, balance failing, an offer without an estimate, an effect whose
interval includes 0) and rendered again. Every number tagged ``data-src``/``data-key``
on the page is parsed out of the HTML and compared with the Parquet cell it names, and
the sentences are checked against the same cells.
"""

from __future__ import annotations

import json
import math
import re
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.offer_tables import headline_contrast
from evaluation.texts import TEXTS
from evaluation.texts.report_words import WORDS
from flows import io
from flows.cli import main
from flows.config import load_config, to_core
from flows.prices import load_catalogue
from flows.report import ReportOptions, load_tables, render_report
from flows.report.settings import ReportSettings

AS_OF = "2024-06"
PRICE_TARGET, EFFECT_TARGET = 450000, 4
DA, W = TEXTS["da"], WORDS["da"]


@pytest.fixture(scope="module")
def config(synth_dir: Path, tmp_path_factory) -> Path:
    text = (synth_dir / "config.yaml").read_text(encoding="utf-8")
    assert "valuation:" not in text and "report:" not in text
    text += (
        "valuation:\n  extrapolation: decay\n  horizon_months: 36\n"
        f"report:\n  target_price_per_job_dkk: {PRICE_TARGET}\n"
        f"  target_effect_pp: {EFFECT_TARGET}\n"
    )
    path = tmp_path_factory.mktemp("statements_cfg") / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def month(prefect_server, synth_dir: Path, config: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("statements")
    args = ["run", "--data", str(synth_dir), "--config", str(config), "--out", str(out)]
    assert main([*args, "--as-of", AS_OF, "--lang", "da"]) == 0
    return io.month_dir(out, AS_OF)


@pytest.fixture(scope="module")
def options(config: Path) -> ReportOptions:
    """The report options as the run makes them (flows.monthly._options)."""
    model = load_config(config)
    return ReportOptions.for_run(
        to_core(model, prices=load_catalogue()),
        as_of=AS_OF,
        lang="da",
        run_id="t",
        target_price_per_job_dkk=model.report.target_price_per_job_dkk,
        target_effect_pp=model.report.target_effect_pp,
    )


@pytest.fixture(scope="module")
def settings(options: ReportOptions) -> ReportSettings:
    return options.settings()


def render(tables: dict[str, pd.DataFrame], settings: ReportSettings) -> str:
    """The page with the run's options (``settings`` is ``options.settings()``)."""
    o = ReportOptions(
        AS_OF,
        lang="da",
        run_id="t",
        smd_thresholds=settings.smd_thresholds,
        prices_illustrative=settings.prices_illustrative,
        target_price_per_job_dkk=settings.target_price_per_job_dkk,
        target_effect_pp=settings.target_effect_pp,
    )
    return render_report(tables, o)


# --- reading numbers back out of the page ---------------------------------------------------

SRC = re.compile(r'data-src="([^"]+)" data-value="([^"]*)">([^<]*)<')
KEY = re.compile(r'data-key="([^"]+)" data-value="([^"]*)" data-format="([^"]+)">([^<]*)<')


def parse_number(text: str) -> float | None:
    """A number as the Danish page writes it ("−1,72 mio. kr.", "506.000 kr.", "8,3")."""
    t = unescape(text).strip().replace("\u2212", "-")
    if t in ("\u2013", "") or "beregnes" in t or "defineret" in t:
        return None
    scale = 1e6 if "mio." in t else 1.0
    t = t.replace("mio.", "").replace("kr.", "").replace("%", "").strip()
    t = t.replace(".", "").replace(",", ".")
    return float(t) * scale


def cell(tables: dict[str, pd.DataFrame], src: str) -> float | None:
    """The Parquet cell a ``data-src`` names (``table|offer|...|column``)."""
    table, offer, *rest = src.split("|")
    f = tables[table]
    f = f[f["offer_id"] == offer]
    if table == "effects":
        f = f[(f["outcome"] == "self_sufficient") & f["event_time"].isna()]
        if rest[0] == "callaway_santanna":  # the secondary estimator's headline row
            f = f[f["method"] == rest.pop(0)]
        else:  # the page's headline contrast, not the ITT or Callaway & Sant'Anna row
            f = f[headline_contrast(f)]
    elif table == "indicators":
        f = f[f["indicator"] == rest.pop(0)]
    elif table == "value":
        measure, payer, scenario = rest[:3]
        f = f[(f["measure"] == measure) & (f["payer"] == payer) & (f["scenario"] == scenario)]
        rest = rest[3:]
    assert len(f) <= 1, src
    if not len(f):  # no row (an offer without an estimate): the page shows "–"
        return None
    v = f[rest[0]].iloc[0]
    return None if pd.isna(v) else float(v)


def _close(shown: float, value: float, unit: str) -> bool:
    if unit == "pp":
        return abs(shown - value * 100) <= 0.051
    if unit == "pct":
        return abs(shown - value * 100) <= 0.51
    if unit == "smd":
        return abs(shown - value) <= 0.0051
    return abs(shown - value) <= max(0.006 * abs(value), 0.51)


def unit_of(src: str) -> str:
    """How a tagged number is shown: shares of effects and the interim effect in pp, the
    dropout share in per cent, anything else (counts, kr., |SMD|) as it is."""
    parts = src.split("|")
    if "dropout_share" in parts:
        return "pct"
    if src.startswith("effects|") or parts[2:3] in (["interim_att"], ["trajectory_target"]):
        return "pp"
    return "smd" if "max_abs_smd_after" in parts else "raw"


def assert_numbers_match(html: str, tables: dict[str, pd.DataFrame]) -> int:
    """Every tagged number on the page equals its Parquet cell; returns how many."""
    n = 0
    for src, raw, text in SRC.findall(html):
        src = unescape(src)
        value = cell(tables, src)
        if value is None:
            assert raw == "" and parse_number(text) is None, (src, text)
            continue
        assert raw and math.isclose(float(raw), value, rel_tol=1e-12), (src, raw, value)
        shown = parse_number(text)
        assert shown is not None and _close(shown, value, unit_of(src)), (src, text, value)
        n += 1
    for key, raw, how, text in KEY.findall(html):
        table, offer, column = key.split(".")
        src = (
            f"value|{offer}|{column}|all|central|value"
            if table == "value"
            else f"{table}|{offer}|{column}"
        )
        value = cell(tables, src)
        if value is not None:
            assert math.isclose(float(raw), value, rel_tol=1e-12), (key, raw, value)
            shown = parse_number(text)
            assert shown is not None and _close(shown, value, how), (key, text, value)
            n += 1
    return n


def visible(html: str) -> str:
    """The page's text as read (chart labels included; styles and tooltips left out)."""
    body = re.sub(r"<(style|title)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", body))


def section(html: str, ident: str) -> str:
    start = html.index(f"id='{ident}'")
    end = html.find("<section", start)
    return html[start : end if end > 0 else len(html)]


# --- variations of the published tables -----------------------------------------------------


def with_extrapolation(tables, label: str) -> dict[str, pd.DataFrame]:
    out = dict(tables)
    for name in ("portfolio", "value"):
        out[name] = tables[name].assign(extrapolation=label)
    return out


def with_target_month(tables, offset: int) -> dict[str, pd.DataFrame]:
    """The target month ``offset`` months after (positive: not reached) the interim's last
    month."""
    ind = tables["indicators"].copy()
    for o in ind["offer_id"].unique():
        last = ind.loc[(ind.offer_id == o) & (ind.indicator == "interim_att"), "event_time"]
        if len(last) and pd.notna(last.iloc[0]):
            mask = (ind.offer_id == o) & (ind.indicator == "trajectory_target")
            ind.loc[mask, "event_time"] = float(last.iloc[0]) + offset
    return {**tables, "indicators": ind}


def with_balance_failing(tables, offer: str) -> dict[str, pd.DataFrame]:
    b, m = tables["balance"].copy(), tables["matching"].copy()
    rows = b[b.offer_id == offer]
    worst = rows["smd_after"].abs().sort_values().index[-3:]
    b.loc[worst, "passed"] = False
    m.loc[m.offer_id == offer, "balance_passed"] = False
    return {**tables, "balance": b, "matching": m}


def without_estimate(tables, offer: str) -> dict[str, pd.DataFrame]:
    out = {k: (v[v.offer_id != offer] if "offer_id" in v else v) for k, v in tables.items()}
    m = tables["matching"].copy()
    m.loc[m.offer_id == offer, ["status", "n_matched", "suppressed"]] = [
        "no_participants",
        0,
        False,
    ]
    out["matching"] = m
    return out


def with_clear_price(tables, offer: str) -> dict[str, pd.DataFrame]:
    """The offer's effect made clearly positive, its price interval as cost / effect."""
    p = tables["portfolio"].copy()
    mask = p.offer_id == offer
    eff = 0.06
    cost = float(p.loc[mask, "cost_per_participant_dkk"].iloc[0])
    p.loc[mask, ["effect", "effect_ci_low", "effect_ci_high"]] = [eff, 0.02, 0.10]
    p.loc[mask, ["price_per_extra_self_sufficient_dkk", "price_ci_low", "price_ci_high"]] = [
        cost / eff,
        cost / 0.10,
        cost / 0.02,
    ]
    return {**tables, "portfolio": p}


def with_unclear_price(tables, offer: str) -> dict[str, pd.DataFrame]:
    p = tables["portfolio"].copy()
    mask = p.offer_id == offer
    p.loc[mask, "effect_ci_low"] = -0.001
    p.loc[mask, "price_ci_high"] = np.inf
    return {**tables, "portfolio": p}


# --- the tests ------------------------------------------------------------------------------


def test_every_number_on_the_run_page_equals_its_parquet_cell(month) -> None:
    html = (month / "report.html").read_text(encoding="utf-8")
    tables = load_tables(month)
    assert assert_numbers_match(html, tables) > 40
    text = visible(html)
    assert not re.search(r"\b[a-z]+_[a-z0-9_]+\b", text), re.findall(r"\b[a-z]+_[a-z_]+\b", text)
    assert "\u2013 deltagere" not in text


def test_run_report_states_the_configured_targets_and_extrapolation(month, settings) -> None:
    html = (month / "report.html").read_text(encoding="utf-8")
    assert settings.target_price_per_job_dkk == PRICE_TARGET
    assert settings.prices_illustrative is True  # the shipped catalogue
    assert W.illustrative_banner in unescape(html)
    lines = re.findall(r'data-threshold="(\w+)" data-value="([^"]+)"', html)
    assert dict(lines) == {"price": repr(float(PRICE_TARGET)), "effect": repr(float(EFFECT_TARGET))}
    assert "data-lines='config'" in html
    caveat = visible(html[html.index("class='caveat'") :][:4000])
    assert "halveret for hver 12 måneder" in caveat and "ikke fremskrevet" not in caveat
    method = visible(section(html, "method"))
    assert "halveret for hver 12 måneder" in method and "ikke fremskrevet" not in method


@pytest.mark.parametrize(
    ("label", "says", "never"),
    [
        ("none", "ikke fremskrevet", ("fremskrevet med", "halveret")),
        ("constant(k=6)", "gennemsnittet af de sidste 6", ("ikke fremskrevet", "halveret")),
        ("decay(half_life=12,k=6)", "halveret for hver 12 måneder", ("ikke fremskrevet",)),
    ],
)  # fmt: skip
def test_caveat_and_method_note_say_the_same_extrapolation(month, settings, label, says, never):
    html = render(with_extrapolation(load_tables(month), label), settings)
    caveat = visible(html[html.index("class='caveat'") :][:4000])
    method = visible(section(html, "method"))
    for part in (caveat, method):
        assert says in part
        assert not any(n in part for n in never), (label, part)


@pytest.mark.parametrize("offset", [-6, 0, 5])
def test_on_track_sentence_matches_the_target_month(month, settings, offset) -> None:
    tables = with_target_month(load_tables(month), offset)
    html = render(tables, settings)
    assert_numbers_match(html, tables)
    ind = tables["indicators"]
    for o in ind["offer_id"].unique():
        row = section(html, "on-track")
        line = row[row.index(f"data-offer='{o}'") :].split("</tr>")[0]
        last = ind.loc[(ind.offer_id == o) & (ind.indicator == "interim_att"), "event_time"]
        if not len(last) or pd.isna(last.iloc[0]) or "effect" not in line:
            continue
        text = visible(line)
        target = int(last.iloc[0]) + offset
        if offset <= 0:  # the target month has been observed: no "interim" wording
            assert f"Målmåneden ({target}) er nået" in text and "foreløbig" not in text
        else:
            assert "foreløbige effekt" in text and f"i måned {target}" in text


def test_green_light_never_has_an_interval_containing_zero(month, settings) -> None:
    tables = load_tables(month)
    html = render(tables, settings)
    ind = tables["indicators"]
    status = ind[ind.indicator == "status"].set_index("offer_id")
    interim = ind[ind.indicator == "interim_att"].set_index("offer_id")
    for o, row in status.iterrows():
        shown = re.search(
            rf"data-offer='{o}'>.*?data-status='(\w+)'", section(html, "on-track"), re.S
        )
        assert shown and shown.group(1) == (
            row["status"] if pd.notna(row["status"]) else "suppressed"
        )
        if row["status"] == "on_track" and row["rule_code"] != "no_target":
            assert interim.loc[o, "ci_low"] > 0, o
        if pd.notna(interim.loc[o, "ci_low"]) and interim.loc[o, "ci_low"] <= 0:
            assert row["status"] != "on_track", o


def test_failing_balance_is_said_with_the_offers_threshold(month, settings) -> None:
    tables = load_tables(month)
    m = tables["matching"]
    offer = m.loc[m["max_abs_smd_after"].notna(), "offer_id"].iloc[0]
    varied = with_balance_failing(tables, offer)
    html = render(varied, settings)
    facts = visible(section(html, f"offer-{offer}"))
    threshold = f"{settings.smd_threshold(offer):g}".replace(".", ",")
    b = varied["balance"]
    failing = int((~b.loc[b.offer_id == offer, "passed"].astype(bool)).sum())
    assert failing >= 3
    assert "ligner ikke hinanden nok" in facts and f"{failing} af baggrundsvariablene" in facts
    assert f"|SMD| højst {threshold}" in facts
    assert f"højst {threshold}" in visible(section(html, "method"))
    ok = render(tables, settings)
    other = visible(section(ok, f"offer-{offer}"))
    passed = bool(tables["matching"].set_index("offer_id").loc[offer, "balance_passed"])
    assert ("ligner hinanden efter matchningen" in other) == passed


def test_love_plot_shows_the_worst_covariate_after_matching(month, settings) -> None:
    from flows.report.sections.offer_figures import love_order

    b = load_tables(month)["balance"]
    for o, rows in b.groupby("offer_id"):
        if rows["smd_after"].isna().all():
            continue
        worst = rows.loc[rows["smd_after"].abs().idxmax(), "covariate"]
        assert worst in set(love_order(rows, settings.smd_threshold(o)).head(15)["covariate"])


def test_offer_without_estimate_reads_in_danish(month, settings) -> None:
    tables = load_tables(month)
    offer = tables["matching"]["offer_id"].iloc[-1]
    varied = without_estimate(tables, offer)
    html = render(varied, settings)
    assert_numbers_match(html, varied)
    text = visible(html)
    assert "no_participants" not in text and W.no_estimate_reasons["no_participants"] in text
    line = section(html, "summary")
    line = line[line.index(f"data-offer='{offer}'") :].split("</tr>")[0]
    assert W.verdicts["none"] in visible(line)


def test_price_only_where_the_effect_is_clearly_positive(month, settings) -> None:
    first, second = load_tables(month)["portfolio"]["offer_id"].iloc[:2]
    clear = with_clear_price(load_tables(month), first)
    unclear = with_unclear_price(with_clear_price(load_tables(month), second), second)
    for frame, name in ((load_tables(month), "as run"), (clear, "clear"), (unclear, "unclear")):
        html = render(frame, settings)
        assert_numbers_match(html, frame)
        port = frame["portfolio"].set_index("offer_id")
        summary = section(html, "summary")
        for o, row in port.iterrows():
            line = summary[summary.index(f"data-offer='{o}'") :].split("</tr>")[0]
            reason = re.search(r"data-price-reason='(\w+)'", line)
            if pd.isna(row["effect"]):
                continue
            if row["effect"] <= 0:
                assert reason and reason.group(1) == "not_positive", (name, o)
            elif row["effect_ci_low"] <= 0:
                assert reason and reason.group(1) == "not_clear", (name, o)
                assert f"portfolio|{o}|price" not in line
            else:
                assert reason is None and f'data-src="portfolio|{o}|price_per_extra' in line


def test_summary_verdict_agrees_with_the_effects_table(month, settings) -> None:
    tables = load_tables(month)
    html = render(tables, settings)
    eff = tables["effects"]
    head = eff[(eff.outcome == "self_sufficient") & eff.event_time.isna()]
    head = head[headline_contrast(head)].set_index("offer_id")  # the verdict's contrast
    for o, row in head.iterrows():
        verdict = re.search(rf"data-offer='{o}' data-verdict='(\w+)'", html).group(1)
        p = row["p_value_holm"] if pd.notna(row["p_value_holm"]) else row["p_value"]
        if pd.isna(row["estimate"]):
            assert verdict in ("none", "hidden")
        elif p < 0.05:
            assert verdict == ("clear" if row["estimate"] > 0 else "clear_negative")
            assert row["ci_low"] > 0 or row["ci_high"] < 0
        else:
            assert verdict in ("borderline", "unclear")


def test_readme_carries_the_glossary() -> None:
    from flows.report.sections.glossary import glossary_markdown

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert glossary_markdown("da") in readme
    assert any(term == "Selvforsørgende" for term, _ in W.glossary)


def test_manifest_run_id_is_on_the_page(month) -> None:
    manifest = json.loads((month / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] in (month / "report.html").read_text(encoding="utf-8")


# --- the tilbudsvifte in a browser ----------------------------------------------------------

CHROME_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage")
NOTES = Path("/work/notes/screens")  # the screenshot is also kept here when it exists


@pytest.fixture(scope="module")
def browser():
    import shutil

    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_window_size(1200, 900)
    yield driver
    driver.quit()


RECTS = """
const svg = document.querySelector('#portfolio svg');
const main = document.querySelector('main');
const box = e => { const r = e.getBoundingClientRect();
  return {l: r.left, r: r.right, t: r.top, b: r.bottom, x: (r.left + r.right) / 2,
          y: (r.top + r.bottom) / 2, text: e.textContent, d: Object.assign({}, e.dataset)}; };
const all = s => Array.from(svg.querySelectorAll(s)).map(box);
return {
  xAxis: all('.x-axis'), yAxis: all('.y-axis'), xMarks: all('.x-mark'), yMarks: all('.y-mark'),
  lines: all('line.threshold'), quadrants: all('.quadrant'), sizes: all('.size-legend circle'),
  sizeTitle: all('.size-title'), apart: all('.apart'),
  bubbles: Array.from(svg.querySelectorAll('g.bubble')).map(g => ({offer: g.dataset.offer,
    where: g.classList.contains('apart') ? 'apart' : 'priced',
    c: box(g.querySelector('circle')), r: +g.querySelector('circle').getAttribute('r')})),
  overflow: Array.from(document.querySelectorAll('table')).filter(t =>
    t.getBoundingClientRect().right > main.getBoundingClientRect().right + 1).length,
};
"""


def _pixel(marks: list[dict], value: float, axis: str) -> float:
    """Where ``value`` sits on an axis, from two of its tick marks (linear)."""
    a, b = marks[0], marks[-1]
    va, vb = float(a["d"]["tick"]), float(b["d"]["tick"])
    return a[axis] + (value - va) / (vb - va) * (b[axis] - a[axis])


def test_tilbudsvifte_in_chromium(month, settings, browser, tmp_path) -> None:
    tables = load_tables(month)
    offers = list(tables["portfolio"]["offer_id"])
    varied = without_estimate(
        with_clear_price(with_clear_price(tables, offers[0]), offers[1]), offers[-1]
    )
    page = tmp_path / "report.html"
    page.write_text(render(varied, settings), encoding="utf-8")
    browser.get(page.as_uri())
    g = browser.execute_script(RECTS)
    assert g["xAxis"][0]["text"] == W.vifte_x and g["yAxis"][0]["text"] == W.vifte_y
    lines = {line["d"]["threshold"]: line for line in g["lines"]}
    assert float(lines["price"]["d"]["value"]) == PRICE_TARGET
    assert float(lines["effect"]["d"]["value"]) == EFFECT_TARGET
    # the lines sit at the configured values on the drawn axes (within a pixel)
    assert abs(lines["price"]["x"] - _pixel(g["xMarks"], PRICE_TARGET, "x")) < 1.0
    assert abs(lines["effect"]["y"] - _pixel(g["yMarks"], EFFECT_TARGET, "y")) < 1.0
    # each quadrant's label lies in its quadrant of the configured lines
    px, py = lines["price"]["x"], lines["effect"]["y"]
    quad = {q["d"]["quadrant"]: q for q in g["quadrants"]}
    assert [
        quad[k]["text"] for k in ("top-left", "top-right", "bottom-left", "bottom-right")
    ] == list(W.quadrants)
    assert quad["top-left"]["r"] <= px and quad["top-left"]["b"] <= py
    assert quad["top-right"]["l"] >= px and quad["top-right"]["b"] <= py
    assert quad["bottom-left"]["r"] <= px and quad["bottom-left"]["t"] >= py
    assert quad["bottom-right"]["l"] >= px and quad["bottom-right"]["t"] >= py
    # bubbles: priced ones at their price, the others apart on the right; areas by participants
    port = varied["portfolio"].set_index("offer_id")
    bubbles = {b["offer"]: b for b in g["bubbles"]}
    assert offers[-1] not in bubbles  # no estimate: not drawn (named under the chart)
    for o, b in bubbles.items():
        price = port.loc[o, "price_per_extra_self_sufficient_dkk"]
        if o in offers[:2]:
            assert b["where"] == "priced"
            assert abs(b["c"]["x"] - _pixel(g["xMarks"], price, "x")) < 1.0
        else:
            assert b["where"] == "apart" and b["c"]["x"] > g["apart"][0]["l"]
    size = {float(c["d"]["size"]): (c["r"] - c["l"]) / 2 for c in g["sizes"]}
    assert len(size) >= 2 and g["sizeTitle"][0]["text"].startswith(W.vifte_size)
    (n1, r1), (n2, r2) = sorted(size.items())[:2]
    assert math.isclose(r2 / r1, math.sqrt(n2 / n1), rel_tol=0.02)  # area, not radius
    assert g["overflow"] == 0  # no table wider than the page
    browser.set_window_size(1200, int(browser.execute_script("return document.body.scrollHeight")))
    assert browser.save_screenshot(str(tmp_path / "report.png"))
    if NOTES.exists():
        browser.save_screenshot(str(NOTES / "tilbudsvifte_test.png"))


@pytest.mark.parametrize("lang", ["da", "en"])
def test_staggered_estimate_stands_beside_the_matched_one(month, settings, lang) -> None:
    """Each offer's section shows the Callaway & Sant'Anna headline (estimate and
    interval: the cells of its effects.parquet row) beside the matched headline, says
    why they can differ (no matching on history; creaming), and says the participants
    already differed before the start exactly where its pre-period test rejects."""
    from flows.report.sections.staggered import WORDS as CS_WORDS

    tables = load_tables(month)
    o = ReportOptions(AS_OF, lang=lang, run_id="t", smd_thresholds=settings.smd_thresholds)
    html = render_report(tables, o)
    eff = tables["effects"]
    cs = eff[(eff["method"] == "callaway_santanna") & eff["headline"]].set_index("offer_id")
    assert len(cs) == len(tables["matching"])  # one per offer
    words = CS_WORDS[lang]
    for offer, row in cs.iterrows():
        part = section(html, f"offer-{offer}")
        text = visible(part)
        src = SRC.findall(part)
        shown = {unescape(k): (raw, t) for k, raw, t in src if "callaway_santanna" in k}
        for col in ("estimate", "ci_low", "ci_high"):
            raw, t = shown[f"effects|{offer}|callaway_santanna|{col}"]
            assert float(raw) == row[col]
            assert f"{100 * row[col]:.1f}".replace(".", "," if lang == "da" else ".") in t
        matched = dict((unescape(k), raw) for k, raw, _ in src)[f"effects|{offer}|estimate"]
        assert float(matched) == cell(tables, f"effects|{offer}|estimate")
        assert "Callaway & Sant'Anna" in text and "creaming" in text
        pretrend = words["pretrend"].strip()
        assert (pretrend in text) == (row["placebo_p_value"] < 0.05), offer
    if lang == "da":  # every tagged number on the page (parse_number reads Danish)
        assert assert_numbers_match(html, tables) > 0
