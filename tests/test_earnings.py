"""Earnings as an outcome: the matrix, the amount path of the event study, the tax."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.did import status_outcome
from evaluation.earnings import earnings_matrix, tax_value
from evaluation.statuses import SELF_SUFFICIENT, indicator
from tests._hetero import hetero, study
from tests._tiny_panels import month_date, tiny_panel


def test_earnings_matrix_places_amounts_by_person_and_month():
    panel = tiny_panel({"a": ["job"] * 3, "b": ["cash_benefit"] * 3})
    status = pd.DataFrame(
        {
            "person_id": ["b", "a", "a", "zz"],
            "month": [month_date(0), month_date(2), month_date(5), month_date(0)],
            "earnings_dkk": [0.0, 31_000.0, 9.0, 5.0],
        }
    )
    m = earnings_matrix(panel, status)
    assert m.shape == (2, 3)
    assert m[0, 2] == 31_000 and m[1, 0] == 0
    assert np.isnan(m[0, 0]) and np.isnan(m[1, 2])  # no amount: unknown, not zero
    assert earnings_matrix(panel, status.drop(columns="earnings_dkk")) is None


@pytest.mark.parametrize("seed", range(5))
def test_earnings_matrix_of_some_persons_is_their_rows_of_the_whole_matrix(seed):
    """Laid out for some persons only (the matched sets'), the matrix is those persons'
    rows of the whole one: repeated person-months (the last amount wins), months outside
    the panel, persons without rows."""
    rng = np.random.default_rng(seed)
    ids = [f"p{i}" for i in range(9)]
    panel = tiny_panel({p: ["job"] * 4 for p in ids})
    n = 60
    status = pd.DataFrame(
        {
            "person_id": rng.choice(ids, n),
            "month": [month_date(int(m)) for m in rng.integers(-2, 6, n)],
            "earnings_dkk": rng.integers(0, 40, n) * 1_000.0,
        }
    )
    whole = earnings_matrix(panel, status)
    persons = np.sort(rng.choice(9, int(rng.integers(1, 9)), replace=False))
    np.testing.assert_array_equal(earnings_matrix(panel, status, persons), whole[persons])


def test_amount_outcome_equals_the_status_outcome_it_copies():
    """fit_amounts on a matrix holding the self-sufficiency indicator reproduces fit on
    the status outcome: estimates, covariance and counts."""
    st = study("mentor")
    amounts = np.where(
        st.panel.status < 0, np.nan, indicator(st.panel.status, SELF_SUFFICIENT).astype(float)
    )
    a = st.fit_amounts("ss", amounts)
    b = st.fit("ss", status_outcome(SELF_SUFFICIENT))
    np.testing.assert_allclose(a.estimates, b.estimates, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a.cov, b.cov, rtol=1e-9, atol=1e-18)
    np.testing.assert_array_equal(a.n_treated, b.n_treated)


def test_extra_earnings_of_an_effective_offer_are_positive():
    """mentor raises self-sufficiency (mostly jobs paying ~26,000 DKK a month): its
    extra earnings over event months 0..11 are positive and clear of zero, and of the
    size of the job effect times a month's wage (within a factor 2)."""
    synth, panel = hetero()
    st = study("mentor")
    earn = st.fit_amounts("earnings_dkk", earnings_matrix(panel, synth.status_monthly))
    job = st.fit("in_job", status_outcome(("job",)))
    assert earn.pooled_estimate - 1.96 * earn.pooled_std_error > 0
    ratio = earn.pooled_estimate / (job.pooled_estimate * 26_000)
    assert 0.5 < ratio < 2, ratio


def test_tax_value_by_payer():
    got = tax_value(1_000.0, {"kommune": 0.25, "stat": 0.12})
    assert got == pytest.approx({"kommune": 250.0, "stat": 120.0, "all": 370.0})


def test_earnings_of_the_matched_persons_only_equal_the_full_matrix():
    """offer_extras builds the earnings matrix for the matched sets' persons only: the
    same estimates as the full persons x months matrix; with a tax rate, tax rows."""
    import dataclasses

    from evaluation.offer_extras import offer_extras
    from flows.config import parse_config, to_core

    synth, panel = hetero()
    st = study("mentor")
    full = st.fit_amounts("earnings_dkk", earnings_matrix(panel, synth.status_monthly))
    cfg = to_core(parse_config(synth.config), prices=None)
    cfg = dataclasses.replace(
        cfg,
        valuation=dataclasses.replace(cfg.valuation, tax_rate=(("kommune", 0.25), ("stat", 0.12))),
    )
    offer = next(o for o in cfg.offers if o.offer_id == "mentor")
    ex = offer_extras(panel, offer, cfg, st, synth.status_monthly)
    rows = ex.earnings_effects
    head = rows[rows["headline"]].iloc[0]
    assert head["outcome"] == "earnings_dkk" and head["estimand"] == "per_protocol"
    assert head["estimate"] == pytest.approx(full.pooled_estimate, rel=1e-12)
    assert head["std_error"] == pytest.approx(full.pooled_std_error, rel=1e-9)
    tax = ex.tax_value.set_index(["measure", "payer"])
    assert tax.loc[("tax_on_extra_earnings_per_participant", "all"), "value"] > 0
    none = offer_extras(panel, offer, cfg, st, synth.status_monthly.drop(columns="earnings_dkk"))
    assert none.earnings_effects.empty and none.tax_value.empty


def test_tax_rows_hand_computed():
    """Extra earnings 1000, 2000, 3000 DKK in months 0..2 (month 3 beyond the horizon),
    independent with SE 100 each; 3.5% a year compounded monthly; tax 25% kommune and
    12% stat; 10 participants."""
    from evaluation.did.results import EventStudyResult
    from evaluation.earnings import tax_rows
    from evaluation.monetise.config import ValuationSettings

    e = np.arange(-1, 4)
    res = EventStudyResult(
        offer_id="x",
        outcome="earnings_dkk",
        event_times=e,
        estimates=np.array([0.0, 1000.0, 2000.0, 3000.0, 9999.0]),
        cov=np.diag([0.0, 1e4, 1e4, 1e4, 1e4]),
        n_treated=np.full(5, 10),
        n_control=np.full(5, 30),
        headline_window=(0, 2),
        level=0.95,
        n_clusters=40,
    )
    settings = ValuationSettings(horizon_months=3, sensitivity_horizons=(3,))
    t = tax_rows(res, {"kommune": 0.25, "stat": 0.12}, participants=10, settings=settings)
    d = 1.035 ** (-np.arange(3) / 12)
    base = d @ [1000.0, 2000.0, 3000.0]
    se = np.sqrt((d**2).sum() * 1e4)
    row = t.set_index(["measure", "payer"])
    per = row.loc[("tax_on_extra_earnings_per_participant", "kommune")]
    assert per["value"] == pytest.approx(0.25 * base)
    assert per["ci_high"] - per["value"] == pytest.approx(1.959964 * 0.25 * se, rel=1e-6)
    total = row.loc[("total_tax_on_extra_earnings", "all")]
    assert total["value"] == pytest.approx(10 * 0.37 * base) and total["unit"] == "DKK"
    assert set(t["payer"]) == {"kommune", "stat", "all"} and (t["scenario"] == "central").all()
    assert t["note"].isna().all()  # all three months observed
