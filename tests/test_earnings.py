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
