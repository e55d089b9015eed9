"""``sensitivity.parquet``: one offer's rows (:func:`headline_sensitivity`) follow the output
contract, rest on the headline effect for small-cell suppression, and the report's
sentences carry the numbers of their rows."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from evaluation.privacy.policy import suppress_run
from evaluation.sensitivity import EventStudyInput
from evaluation.sensitivity.evalue import e_value_from_effect
from evaluation.sensitivity.headline import (
    HeadlineInputs,
    SensitivitySettings,
    headline_changes,
    headline_sensitivity,
)
from evaluation.texts import STYLES, TEXTS
from flows.annotate import annotate
from flows.contracts import output_schema
from flows.report.cells import ReportData
from flows.report.sections.sensitivity import offer_sentences, sensitivity_section

PLACEBO = tuple(range(-24, -12))
TAIL = ["suppressed", "suppression_reason"]


def _study(effect: float = 0.05, sd: float = 0.004, seed: int = 0) -> SimpleNamespace:
    """An event study over e = -24..24 like the matched one: the placebo months -24..-13
    noisy around zero, -12..-1 fixed at zero (variance zero), the effect from e = 0."""
    e = np.arange(-24, 25)
    rng = np.random.default_rng(seed)
    free = (e <= -13) | (e >= 0)
    b = np.where(e >= 0, effect, 0.0) + np.where(free, rng.normal(size=len(e)) * sd, 0.0)
    corr = 0.5 * np.exp(-np.abs(e[:, None] - e[None, :]) / 4) + 0.5 * np.eye(len(e))
    cov = sd**2 * corr * np.outer(free, free)
    return SimpleNamespace(event_times=e, estimates=b, cov=cov)


def _changes(n_sets: int = 300, effect: float = 0.3, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    set_id = np.repeat(np.arange(n_sets), 3)
    treated = np.tile([True, False, False], n_sets)
    change = rng.normal(size=3 * n_sets) + effect * treated
    return pd.DataFrame({"set_id": set_id, "treated": treated, "change": change})


def _inputs(**kw: object) -> HeadlineInputs:
    study = _study()
    l_vec = (study.event_times >= 0) & (study.event_times <= 11)
    est = float(study.estimates[l_vec].mean())
    args = dict(
        offer_id="los", outcome="self_sufficient", study=study, headline_window=(0, 11),
        placebo_months=PLACEBO, estimate=est, ci_low=est - 0.01, ci_high=est + 0.01,
        level=0.95, participants_share=0.4, binary=True, changes=_changes(),
    )  # fmt: skip
    args.update(kw)
    return HeadlineInputs(**args)


SETTINGS = SensitivitySettings(breakdown_tol=0.05, sims=200, smoothness_breakdown=True)


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return headline_sensitivity(_inputs(), SETTINGS)


def test_pre_periods_are_the_placebo_months() -> None:
    study = EventStudyInput.from_placebo(_study(), PLACEBO, last_post=11)
    assert (study.n_pre, study.n_post) == (12, 12)
    assert list(study.post_event_times) == list(range(12))
    s = _study()
    assert np.array_equal(study.estimates[:12], s.estimates[:12])  # e = -24..-13
    assert EventStudyInput.from_placebo(_study(), (-5, -4), last_post=11) is None  # fixed


def test_rows_follow_the_published_contract(rows: pd.DataFrame) -> None:
    frame = annotate({"sensitivity": rows}, {"los": "Løntilskud"})["sensitivity"]
    schema = output_schema("sensitivity")
    assert list(frame.columns) + TAIL == schema.names
    head = pa.schema([schema.field(n) for n in frame.columns])
    assert pa.Table.from_pandas(frame, schema=head, preserve_index=False).schema == head
    assert set(rows["quantity"]) == {
        "ci", "breakdown_Mbar", "robust_ci", "breakdown_M", "risk_ratio", "e_value",
        "e_value_ci", "gamma", "p_value_at_gamma_1",
    }  # fmt: skip
    assert (rows["target"] == "mean e=0..11").all()


def test_rows_restate_the_headline_and_its_e_value(rows: pd.DataFrame) -> None:
    inp = _inputs()
    ci = rows[rows["quantity"] == "ci"].iloc[0]
    assert (ci["value"], ci["ci_low"], ci["ci_high"]) == (inp.estimate, inp.ci_low, inp.ci_high)
    ev = e_value_from_effect(inp.estimate, inp.ci_low, inp.ci_high, 0.4)
    assert rows.loc[rows["quantity"] == "e_value", "value"].item() == ev.e_value
    mbar = rows.loc[rows["quantity"] == "breakdown_Mbar", "value"].item()
    assert 0 < mbar < np.inf  # a clear effect that a large enough violation erases
    assert rows.loc[rows["quantity"] == "gamma", "value"].item() > 1


def test_no_e_value_for_a_cost_outcome_and_no_gamma_without_sets() -> None:
    rows = headline_sensitivity(_inputs(binary=False, changes=None), SETTINGS)
    assert not set(rows["quantity"]) & {"e_value", "risk_ratio", "gamma"}


def test_headline_changes_average_the_window() -> None:
    stacked = pd.DataFrame(
        {"member": [0, 0, 0, 1, 1], "set_id": 7, "treated": [True] * 3 + [False] * 2,
         "event_time": [-1, 0, 1, 0, 30], "change": [9.0, 1.0, 3.0, 2.0, 9.0]}
    )  # fmt: skip
    got = headline_changes(stacked, (0, 11))
    assert got["change"].tolist() == [2.0, 2.0]


def test_rows_are_blanked_with_the_headline_effect(rows: pd.DataFrame) -> None:
    """An offer with 3 matched participants: its estimate is hidden, so are its
    sensitivity rows (the interval row restates it; the risk ratio gives it back)."""
    matching = pd.DataFrame({"offer_id": ["los", "ung"], "n_participants": [3, 60],
                             "n_matched": [3, 60], "n_unmatched": [0, 0]})  # fmt: skip
    effects = pd.DataFrame(
        {"offer_id": ["los", "ung"], "outcome": "self_sufficient",
         "event_time": pd.array([None, None], dtype="Int64"), "estimate": [0.1, 0.05],
         "ci_low": [0.0, 0.01], "ci_high": [0.2, 0.09], "n_treated": [3, 60],
         "n_control": [9, 180], "headline": True}
    )  # fmt: skip
    sens = pd.concat([rows, rows.assign(offer_id="ung")], ignore_index=True)
    out = suppress_run({"matching": matching, "effects": effects, "sensitivity": sens}, 5)
    got = out["sensitivity"]
    los = got["offer_id"] == "los"
    assert got.loc[los, "suppressed"].all() and not got.loc[~los, "suppressed"].any()
    assert got.loc[los, ["value", "ci_low", "ci_high"]].isna().all().all()
    assert got.loc[~los, "value"].notna().sum() == rows["value"].notna().sum()


def _report(lang: str, sens: pd.DataFrame) -> ReportData:
    matching = pd.DataFrame({"offer_id": ["los"], "name": ["Løntilskud"]})
    return ReportData({"matching": matching}, TEXTS[lang], STYLES[lang], lang, 5, (0, 11))


def _number(text: str, decimal: str) -> float:
    return float(text.replace(decimal, "."))


def test_sentences_carry_the_numbers_of_their_rows(rows: pd.DataFrame) -> None:
    """The issue's sentence with X and Y from the e_value row, M̄ from breakdown_Mbar and
    Γ from gamma, each to two decimals, in Danish and English."""
    value = {q: rows.loc[rows["quantity"] == q, "value"].item()
             for q in ("e_value", "breakdown_Mbar", "gamma")}  # fmt: skip
    for lang, decimal in (("da", ","), ("en", ".")):
        r = _report(lang, rows)
        text = " ".join(offer_sentences(r, rows))
        num = r"(\d+[.,]\d\d)"
        if lang == "da":
            m = re.search(
                rf"En skjult faktor skulle gøre deltagelse {num} gange mere sandsynlig og "
                rf"selvforsørgelse {num} gange mere sandsynlig for at forklare effekten væk\.",
                text,
            )
        else:
            m = re.search(rf"participation {num} times more likely and self-sufficiency "
                          rf"{num} times more likely", text)  # fmt: skip
        assert m is not None, text
        assert _number(m.group(1), decimal) == round(value["e_value"], 2)
        assert _number(m.group(2), decimal) == round(value["e_value"], 2)
        mbar = re.search(rf"M̄ = {num}\)", text)
        assert _number(mbar.group(1), decimal) == round(value["breakdown_Mbar"], 2)
        gamma = re.search(rf"Γ = {num}", text)
        assert _number(gamma.group(1), decimal) == round(value["gamma"], 2)
        html = sensitivity_section(r, rows)
        assert "Løntilskud" in html and "id='sensitivity'" in html


def test_an_unclear_effect_is_not_explained_away(rows: pd.DataFrame) -> None:
    """When the interval already contains the null (E-value of its bound = 1), the page
    says there is nothing to explain away, and the E-value is for the point estimate."""
    unclear = rows.copy()
    unclear.loc[unclear["quantity"] == "e_value_ci", "value"] = 1.0
    for lang, words in (("da", "ikke statistisk klar"), ("en", "not statistically clear")):
        text = " ".join(offer_sentences(_report(lang, unclear), unclear))
        assert words in text and "forklare effekten væk" not in text, text
    clear = rows.copy()
    clear.loc[clear["quantity"] == "e_value_ci", "value"] = 1.3
    assert "forklare effekten væk" in " ".join(offer_sentences(_report("da", clear), clear))


def test_hidden_rows_give_the_hidden_sentence(rows: pd.DataFrame) -> None:
    hidden = rows.assign(value=np.nan, suppressed=True)
    r = _report("da", hidden)
    assert offer_sentences(r, hidden) == ["Tallene er skjult for at beskytte små grupper."]


def test_the_monthly_settings_leave_out_the_breakdown_of_m() -> None:
    rows = headline_sensitivity(_inputs(), SensitivitySettings(breakdown_tol=0.05, sims=200))
    assert "breakdown_M" not in set(rows["quantity"])
    assert {"breakdown_Mbar", "robust_ci", "e_value", "gamma"} <= set(rows["quantity"])
