"""Property tests (hypothesis) of matching and estimation on small random panels:
controls never contribute months after their own start, control weights add up to the
participants, the order of the input rows does not matter (bit for bit), and an effect
added by hand to the participants' outcomes moves every post-start estimate by exactly
that amount."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation import months
from evaluation.config import MatchingConfig, TargetGroup
from evaluation.did.event_study import MatchedEventStudy
from evaluation.matching import RiskSetMatching
from evaluation.panel import build_panel
from evaluation.statuses import CODE, STATUSES

OFFER = "tilbud"
FIRST = months.parse("2021-01")
N_MONTHS = 36
# Statuses the random panels use, each paired with an unused "shifted" twin: moving a
# participant's post-start months to the twin adds exactly DELTA to an outcome that is 0
# on the first set and DELTA on the second.
BASE = ("cash_benefit", "sickness_benefit", "unemployment_insurance", "job", "education")
TWIN = ("rehabilitation", "flexjob", "disability_pension", "other", "education_benefit")
DELTA = 0.37
TARGET = TargetGroup(("cash_benefit", "sickness_benefit"), months_before_start=1)
PROPERTY_SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@dataclass(frozen=True)
class Inputs:
    persons: pd.DataFrame
    status: pd.DataFrame
    participation: pd.DataFrame


def _inputs(seed: int, n: int = 120) -> Inputs:
    rng = np.random.default_rng(seed)
    ids = np.array([f"p{seed}-{i:04d}" for i in range(n)])
    persons = pd.DataFrame(
        {
            "person_id": ids,
            "birth_year": rng.integers(1960, 2000, n),
            "sex": rng.choice(["F", "M"], n),
            "education": rng.choice(["grundskole", "gymnasial", "erhvervsfaglig", "lvu"], n),
            "municipality_code": 101,
        }
    )
    state = rng.integers(0, len(BASE), n)
    path = np.empty((n, N_MONTHS), dtype=np.int64)
    for t in range(N_MONTHS):
        move = rng.random(n) < 0.15
        state = np.where(move, rng.integers(0, len(BASE), n), state)
        path[:, t] = state
    status = pd.DataFrame(
        {
            "person_id": np.repeat(ids, N_MONTHS),
            "month": np.tile(
                [pd.Timestamp(months.label(FIRST + t) + "-01") for t in range(N_MONTHS)], n
            ),
            "status": np.array(BASE)[path.ravel()],
        }
    )
    # participants: eligible persons drawn at months 14..30 (a history of 12 months first)
    starts = []
    for i in rng.permutation(n)[: n // 4]:
        t = int(rng.integers(14, 31))
        if BASE[path[i, t - 1]] in TARGET.statuses:
            starts.append((ids[i], t))
    participation = pd.DataFrame(
        {
            "person_id": [p for p, _ in starts],
            "offer_id": OFFER,
            "start_month": [pd.Timestamp(months.label(FIRST + t) + "-01") for _, t in starts],
            "end_month": pd.NaT,
        }
    )
    return Inputs(persons, status, participation)


def _match(inp: Inputs, **options):
    panel = build_panel(inp.persons, inp.status, inp.participation)
    cfg = MatchingConfig(min_participants=2, k=2, exact_on=("start_month",), **options)
    return panel, RiskSetMatching(panel, OFFER, TARGET, cfg).fit()


def _outcome() -> np.ndarray:
    values = np.zeros(len(STATUSES))
    values[[CODE[s] for s in TWIN]] = DELTA
    return values


def _study(panel, match) -> MatchedEventStudy:
    return MatchedEventStudy(panel, match, window=(-6, 6), bootstrap_below=0)


@PROPERTY_SETTINGS
@given(seed=st.integers(0, 100_000), replace=st.booleans())
def test_controls_never_contribute_months_after_their_own_start(seed, replace) -> None:
    inp = _inputs(seed)
    panel, match = _match(inp, replace=replace)
    own_start = panel.offer_starts[OFFER]
    sets = match.sets
    controls = sets[~sets["treated"]]
    assert (controls["ref_month"].to_numpy() < own_start[controls["person"].to_numpy()]).all()
    if match.n_matched == 0:
        return
    rows = _study(panel, match).stacked(_outcome())
    c = rows[~rows["treated"] & (rows["weight"] > 0)]
    used_month = c["cohort"].to_numpy() + c["event_time"].to_numpy()
    assert (used_month < own_start[c["person"].to_numpy()]).all()


@PROPERTY_SETTINGS
@given(seed=st.integers(0, 100_000), replace=st.booleans(), k=st.integers(1, 4))
def test_control_weights_sum_to_the_matched_participants(seed, replace, k) -> None:
    inp = _inputs(seed)
    panel = build_panel(inp.persons, inp.status, inp.participation)
    cfg = MatchingConfig(min_participants=2, k=k, replace=replace, exact_on=("start_month",))
    match = RiskSetMatching(panel, OFFER, TARGET, cfg).fit()
    sets = match.sets
    per_set = sets[~sets["treated"]].groupby("set_id")["weight"].sum()
    assert np.allclose(per_set.to_numpy(), 1.0)
    assert np.isclose(sets.loc[~sets["treated"], "weight"].sum(), match.n_matched)
    assert sets["treated"].sum() == match.n_matched == len(per_set)
    assert match.n_matched + len(match.unmatched) == match.n_participants


def _shuffled(inp: Inputs, shuffle_seed: int) -> Inputs:
    """The same inputs with every file's rows in another order."""
    rng = np.random.default_rng(shuffle_seed)

    def shuffle(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)

    return Inputs(shuffle(inp.persons), shuffle(inp.status), shuffle(inp.participation))


def _with_second_offer(inp: Inputs) -> Inputs:
    """A second offer for some of the same persons (programme history of another offer)."""
    other = inp.participation.iloc[::3].assign(
        offer_id="andet", start_month=lambda d: d["start_month"] - pd.DateOffset(months=2)
    )
    both = pd.concat([inp.participation, other], ignore_index=True)
    return Inputs(inp.persons, inp.status, both)


def _fingerprint(inp: Inputs, max_ps_rows: int):  # noqa: ANN202
    """Everything matching and estimation produce, with persons named by their ID."""
    panel, match = _match(inp, max_ps_rows=max_ps_rows)
    ids = panel.person_ids
    sets = match.sets.assign(person=ids[match.sets["person"].to_numpy()])
    unmatched = match.unmatched.assign(person=ids[match.unmatched["person"].to_numpy()])
    params = match.propensity.params if match.propensity is not None else None
    est = _study(panel, match).fit("y", _outcome()) if match.n_matched else None
    return sets, unmatched, params, est


@PROPERTY_SETTINGS
@given(
    seed=st.integers(0, 100_000),
    shuffle_seed=st.integers(0, 2**32 - 1),
    max_ps_rows=st.sampled_from([100_000, 60]),
    second_offer=st.booleans(),
)
def test_person_order_changes_nothing(seed, shuffle_seed, max_ps_rows, second_offer) -> None:
    """Shuffling the rows of all three inputs gives identical matched sets (set ids
    included), propensity coefficients and estimates, bit for bit; ``max_ps_rows=60``
    samples the candidate controls of the propensity model."""
    inp = _inputs(seed)
    if second_offer:
        inp = _with_second_offer(inp)
    a_sets, a_unmatched, a_params, a_est = _fingerprint(inp, max_ps_rows)
    b_sets, b_unmatched, b_params, b_est = _fingerprint(_shuffled(inp, shuffle_seed), max_ps_rows)
    pd.testing.assert_frame_equal(a_sets, b_sets, check_exact=True)
    pd.testing.assert_frame_equal(a_unmatched, b_unmatched, check_exact=True)
    assert (a_params is None) == (b_params is None)
    if a_params is not None:
        pd.testing.assert_series_equal(a_params, b_params, check_exact=True)
    assert (a_est is None) == (b_est is None)
    if a_est is not None:
        np.testing.assert_array_equal(a_est.estimates, b_est.estimates)
        np.testing.assert_array_equal(a_est.std_errors, b_est.std_errors)
        # and every published number: bands, placebo test, MDE, notes
        pd.testing.assert_frame_equal(a_est.tidy(), b_est.tidy(), check_exact=True)


@PROPERTY_SETTINGS
@given(seed=st.integers(0, 100_000))
def test_added_effect_moves_every_post_start_estimate_by_that_amount(seed) -> None:
    inp = _inputs(seed)
    panel, match = _match(inp)
    if match.n_matched == 0:
        return
    base = _study(panel, match).fit("y", _outcome())
    # move each participant's months from their start on to the twin statuses (+DELTA)
    starts = inp.participation.groupby("person_id")["start_month"].min()
    status = inp.status.copy()
    start = status["person_id"].map(starts)
    after = start.notna() & (status["month"] >= start)
    twin = dict(zip(BASE, TWIN, strict=True))
    status.loc[after, "status"] = status.loc[after, "status"].map(twin)
    panel2, match2 = _match(Inputs(inp.persons, status, inp.participation))
    pd.testing.assert_frame_equal(match.sets, match2.sets)
    shifted = _study(panel2, match2).fit("y", _outcome())
    e = base.event_times
    diff = shifted.estimates - base.estimates
    ok = np.isfinite(base.estimates)
    np.testing.assert_allclose(diff[ok & (e >= 0)], DELTA, atol=1e-10)
    np.testing.assert_allclose(diff[ok & (e < 0)], 0.0, atol=1e-10)


def _with_more_enrolments(m) -> pd.DataFrame:  # noqa: ANN001 - a SyntheticMunicipality
    """The synthetic enrolments plus, for every third participant, a second start of
    the same offer 6 months later and a start of the next offer 3 months later (the
    generator enrols each person in one offer only)."""
    q = m.participation.astype({"person_id": "str", "offer_id": "str"})
    offers = sorted(q["offer_id"].unique())
    some = q.iloc[::3]
    again = some.assign(start_month=some["start_month"] + pd.DateOffset(months=6))
    other = some.assign(
        offer_id=some["offer_id"].map(dict(zip(offers, offers[1:] + offers[:1], strict=True))),
        start_month=some["start_month"] + pd.DateOffset(months=3),
    )
    last = m.status_monthly["month"].max()
    extra = pd.concat([again, other]).assign(end_month=pd.NaT)
    return pd.concat([q, extra[extra["start_month"] <= last]], ignore_index=True)


def test_no_person_is_a_control_after_starting_that_offer_across_offers() -> None:
    """On a synthetic municipality with repeated starts and starts of other offers: for
    every offer, no control row (matched set or event-study month) lies on or after that
    person's first start of the offer in the raw enrolments."""
    from evaluation.synth import SynthSpec, generate

    m = generate(SynthSpec(persons=1_500, seed=5))
    participation = _with_more_enrolments(m)
    panel = build_panel(m.persons, m.status_monthly, participation)
    first = participation.groupby(["offer_id", "person_id"])["start_month"].min()
    checked = 0
    for offer in m.config["offers"]:
        rule = TargetGroup(tuple(offer["target_group"]["statuses"]), 2)
        match = RiskSetMatching(panel, offer["offer_id"], rule, MatchingConfig()).fit()
        controls = match.sets[~match.sets["treated"]]
        own = months.from_dates(
            first.xs(offer["offer_id"]).reindex(panel.person_ids[controls["person"]])
        )  # -1 where the person never starts the offer
        never = own < 0
        assert (never | (controls["ref_month"].to_numpy() < own)).all(), offer["offer_id"]
        rows = _study(panel, match).stacked(_outcome())
        c = rows[~rows["treated"] & (rows["weight"] > 0)]
        used = (c["cohort"] + c["event_time"]).to_numpy()
        own_c = months.from_dates(
            first.xs(offer["offer_id"]).reindex(panel.person_ids[c["person"]])
        )
        assert ((own_c < 0) | (used < own_c)).all(), offer["offer_id"]
        checked += len(controls)
    assert checked > 100
