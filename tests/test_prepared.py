"""The panel from the validated status codes, built once and cut per month
(flows.prepared, StatusPanel.as_of), equals the panel built from the frames of the rows
known in that month, for every month: what makes a backfill from one panel equal to
single runs."""

from __future__ import annotations

from pathlib import Path

import _validation_cases as cases
import numpy as np
import pytest

from evaluation import months
from evaluation.panel import StatusPanel, build_panel
from flows.prepared import panel_until, prepare
from flows.validation import validate_inputs


def _assert_same(a: StatusPanel, b: StatusPanel) -> None:
    assert a.status.dtype == b.status.dtype == np.int8
    assert (a.first_month, a.n_months) == (b.first_month, b.n_months)
    np.testing.assert_array_equal(a.status, b.status)
    np.testing.assert_array_equal(a.person_ids, b.person_ids)
    for name in ("birth_year", "sex", "education"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    pa, pb = a.participations, b.participations
    assert pa.offer_ids == pb.offer_ids
    for name in ("person", "offer", "start", "end"):
        np.testing.assert_array_equal(getattr(pa, name), getattr(pb, name))


def _known(persons, status, participation, m: int) -> StatusPanel:
    """The panel of the rows known in month ``m``, built from frames and cut there."""
    status = status[months.from_dates(status["month"]) <= m]
    participation = participation[months.from_dates(participation["start_month"]) <= m]
    return build_panel(persons, status, participation).as_of(m)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory):
    """The validation tests' folder with a break of every rule (rows quarantined)."""
    folder = cases.write(cases.dirty_case().frames, tmp_path_factory.mktemp("dirty"))
    return validate_inputs(folder, max_quarantine_share=0.5)


def test_panel_from_codes_equals_panel_from_frames(dirty) -> None:
    last = int(dirty.status_months().max())
    whole = panel_until(dirty, last)
    _assert_same(whole.as_of(last), _known(dirty.persons, dirty.status, dirty.participation, last))


@pytest.mark.parametrize("offset", [0, 1, 7, 12, 30, 59])
def test_one_panel_cut_per_month_equals_the_panel_of_that_month(dirty, offset: int) -> None:
    """Cut at an early month, the whole-range panel drops later months, later starts and
    the offers that have not started yet, and treats later ends as open."""
    first = int(dirty.status_months().min())
    m = first + offset
    whole = panel_until(dirty, int(dirty.status_months().max()))
    _assert_same(whole.as_of(m), _known(dirty.persons, dirty.status, dirty.participation, m))


def test_offers_not_started_by_the_month_are_dropped(tmp_path: Path) -> None:
    f = cases.base_frames()
    q = f["participation"]
    first_start = q.groupby("offer_id")["start_month"].min().sort_values()
    late = first_start.index[-1]
    m = months.from_dates(first_start.iloc[-1:])[0] - 1
    v = validate_inputs(cases.write(f, tmp_path))
    cut = prepare(v, {}, 0.05, until=months.label(int(v.status_months().max())))
    panel = cut.panel_as_of(months.label(int(m)))
    assert late not in panel.participations.offer_ids
    assert set(panel.participations.offer_ids) == set(first_start.index[:-1])
