"""A second synthetic area: homelessness, with a Housing First-like programme and a
known true effect on months homeless.

The persons and their monthly benefit status come from the employment generator
(:mod:`evaluation.synth`, no offers). Beside it runs a monthly homelessness chain (the
register measure ``homeless``, 1 in a month homeless): a housed person becomes homeless
with a hazard rising with a latent vulnerability ``v`` (higher for low employability and
for the young), a homeless person is housed again with a hazard falling with ``v``.

The programme ("bolig", Housing First) enrols young people (18-29 in the start month)
homeless in each of the three months before; enrolment *creams* on recent housing
history: its log-odds rise with the share of the last 24 months housed (observed in the
register, so matching on the measure's history can remove the bias, a naive comparison
cannot). From the start month on (no lock-in) the participant's monthly hazard of being
housed again is multiplied by ``exit_factor``; the entry hazard is unchanged.

Both paths of every participant are simulated with the same uniform draws (common random
numbers): the untreated path ``H(0)`` and the treated ``H(1)``. The true effect at event
month e of a start cohort is the cohort mean of the expected ``H(1) - H(0)`` given each
participant's ``v`` and history (negative: fewer homeless months), exact from the two
chains' hazards: the chain is Markov given ``v``, every participant was homeless in
s - 1, and enrolment looks only at the months before s. It is not the realised mean of
``H(1) - H(0)``: that adds the participants' own untreated draws, which no estimate
observes and its standard error does not cover (over 150 seeds at 12,000 persons the
realised truth's spread around the expected one was half a standard error and widened
the z-scores' SD from 1.04 to 1.13). The programme does not change the benefit status:
its true effect on ``self_sufficient`` is exactly zero.

Everything here is pure: frames in memory, no files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.synth import _persons, _simulate_untreated, check_history
from evaluation.synth_frames import status_frame


@dataclass(frozen=True)
class HomelessSpec:
    persons: int = 20_000
    seed: int = 1
    first_month: str = "2020-01"
    n_months: int = 60
    burn_in: int = 36
    history_months: int = 24  # no enrolment before this many observed months
    municipality_codes: tuple[int, ...] = (101, 461, 751)
    entry_logit: float = -5.4  # monthly log-odds of becoming homeless at v = 0
    exit_logit: float = -1.9  # monthly log-odds of being housed again at v = 0
    intake_logit: float = -3.4  # log-odds of enrolling per eligible person-month
    creaming: float = 2.5  # per unit share of the last 24 months housed
    exit_factor: float = 2.5  # the programme's multiplier on the hazard of being housed
    age_range: tuple[int, int] = (18, 29)
    months_before_start: int = 3
    cost_per_participant_dkk: float = 90_000.0
    price_per_month_homeless_dkk: float = 14_000.0  # the municipality's cost (shelter)

    def __post_init__(self) -> None:
        check_history(self.n_months, self.history_months)


OFFER_ID = "bolig"


@dataclass(frozen=True)
class HomelessMunicipality:
    persons: pd.DataFrame
    status_monthly: pd.DataFrame
    participation: pd.DataFrame
    outcomes_monthly: pd.DataFrame
    true_effects: pd.DataFrame  # offer_id, start_month, event_time, outcome, effect, n
    config: dict = field(repr=False)


def generate_homeless(spec: HomelessSpec = HomelessSpec()) -> HomelessMunicipality:
    """Generate the homelessness municipality of ``spec`` (deterministic given the seed)."""
    rng = np.random.default_rng([spec.seed, 20])
    n, t_obs = spec.persons, spec.n_months
    m0 = months.parse(spec.first_month)
    persons, z = _persons(rng, spec)  # type: ignore[arg-type]
    u = rng.random((n, t_obs), dtype=np.float32)
    status = _simulate_untreated(rng, z, u, m0, spec.burn_in, t_obs)
    age0 = (m0 // 12 - persons["birth_year"].to_numpy()).astype(float)
    v = 0.8 * rng.normal(size=n) - 0.6 * z - 0.03 * (age0 - 40)
    uh = rng.random((n, t_obs))
    h0 = _homeless_path(spec, v, uh, rng)
    start = _enrol(rng, spec, h0, age0)
    h1 = _treated_path(spec, v, uh, h0, start)
    observed = np.where(start[:, None] >= 0, h1, h0)
    ids = persons["person_id"].to_numpy()
    return HomelessMunicipality(
        persons=persons,
        status_monthly=status_frame(ids, status, z, rng, m0),
        participation=_participation(rng, ids, start, m0, t_obs),
        outcomes_monthly=_outcomes_frame(ids, observed, m0),
        true_effects=_true_effects(spec, v, start, m0, t_obs),
        config=homeless_config(spec),
    )


def _hazards(spec: HomelessSpec, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p_in = 1 / (1 + np.exp(-(spec.entry_logit + 1.2 * v)))
    p_out = 1 / (1 + np.exp(-(spec.exit_logit - 0.6 * v)))
    return p_in, p_out


def _homeless_path(
    spec: HomelessSpec, v: np.ndarray, uh: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Untreated months homeless (int8 persons x months), after a burn-in."""
    p_in, p_out = _hazards(spec, v)
    state = rng.random(len(v)) < p_in / (p_in + p_out)  # the chain's stationary share
    for _ in range(spec.burn_in):
        draw = rng.random(len(v))
        state = np.where(state, draw >= p_out, draw < p_in)
    out = np.empty(uh.shape, dtype=np.int8)
    for t in range(uh.shape[1]):
        state = np.where(state, uh[:, t] >= p_out, uh[:, t] < p_in)
        out[:, t] = state
    return out


def _treated_path(
    spec: HomelessSpec, v: np.ndarray, uh: np.ndarray, h0: np.ndarray, start: np.ndarray
) -> np.ndarray:
    """Each participant's path with the programme from the start month on (same draws)."""
    h1 = h0.copy()
    who = np.flatnonzero(start >= 0)
    if not len(who):
        return h1
    p_in, p_out = _hazards(spec, v[who])
    p_out_t = np.minimum(p_out * spec.exit_factor, 0.95)
    s = start[who]
    for t in range(1, h0.shape[1]):
        prev = h1[who, t - 1].astype(bool)
        draw = uh[who, t]
        step = np.where(prev, draw >= p_out_t, draw < p_in)
        h1[who, t] = np.where(t >= s, step, h0[who, t])
    return h1


def _enrol(
    rng: np.random.Generator, spec: HomelessSpec, h0: np.ndarray, age0: np.ndarray
) -> np.ndarray:
    """Start month (column) per person, -1 = never; one enrolment per person."""
    n, t_obs = h0.shape
    start = np.full(n, -1, dtype=np.int32)
    k = spec.months_before_start
    cum = np.concatenate([np.zeros((n, 1)), np.cumsum(h0, axis=1)], axis=1)
    for t in range(spec.history_months, t_obs):
        age = age0 + t // 12
        eligible = (
            (start < 0)
            & (h0[:, t - k : t] == 1).all(axis=1)
            & (age >= spec.age_range[0])
            & (age <= spec.age_range[1])
        )
        housed24 = 1 - (cum[:, t] - cum[:, t - 24]) / 24
        logit = spec.intake_logit + spec.creaming * housed24
        take = eligible & (rng.random(n) < 1 / (1 + np.exp(-logit)))
        start[take] = t
    return start


def _participation(
    rng: np.random.Generator, ids: np.ndarray, start: np.ndarray, m0: int, t_obs: int
) -> pd.DataFrame:
    who = np.flatnonzero(start >= 0)
    s = m0 + start[who]
    end = s + rng.integers(6, 19, size=len(who)) - 1
    end_dates = pd.Series(months.to_timestamps(end)).where(end <= m0 + t_obs - 1)
    frame = pd.DataFrame(
        {
            "person_id": pd.array(ids[who], dtype="str"),
            "offer_id": pd.array([OFFER_ID] * len(who), dtype="str"),
            "start_month": months.to_timestamps(s).astype("datetime64[ms]"),
            "end_month": end_dates.to_numpy().astype("datetime64[ms]"),
        }
    )
    return frame.sort_values(["start_month", "person_id"], ignore_index=True)


def _outcomes_frame(ids: np.ndarray, homeless: np.ndarray, m0: int) -> pd.DataFrame:
    """One row per person-month homeless (``homeless`` = 1); no row = housed (0)."""
    person, col = np.nonzero(homeless)
    return pd.DataFrame(
        {
            "person_id": pd.array(ids[person], dtype="str"),
            "month": months.to_timestamps(m0 + col).astype("datetime64[ms]"),
            "measure": pd.array(["homeless"] * len(person), dtype="str"),
            "value": np.ones(len(person)),
        }
    )


def _true_effects(
    spec: HomelessSpec, v: np.ndarray, start: np.ndarray, m0: int, t_obs: int
) -> pd.DataFrame:
    """Cohort x event-month mean of the expected H(1) - H(0) given ``v`` and homeless in
    s - 1 (homeless), and of the unchanged self-sufficiency (exactly 0)."""
    who = np.flatnonzero(start >= 0)
    s = start[who]
    p_in, p_out = _hazards(spec, v[who])
    p_out_t = np.minimum(p_out * spec.exit_factor, 0.95)
    p0 = np.ones(len(who))  # P(homeless) untreated and treated, from s - 1 on
    p1 = np.ones(len(who))
    frames = []
    for e in range(-12, t_obs):
        if e >= 0:
            p0 = p0 * (1 - p_out) + (1 - p0) * p_in
            p1 = p1 * (1 - p_out_t) + (1 - p1) * p_in
        t = s + e
        ok = (t >= 0) & (t < t_obs)
        if not ok.any():
            continue
        diff = (p1 - p0)[ok] if e >= 0 else np.zeros(int(ok.sum()))
        sums = pd.Series(diff).groupby(s[ok]).agg(["sum", "size"])
        for outcome, effect in (("homeless", sums["sum"] / sums["size"]), ("self_sufficient", 0.0)):
            frames.append(
                pd.DataFrame(
                    {
                        "offer_id": OFFER_ID,
                        "start_month": months.to_timestamps(m0 + sums.index.to_numpy()).to_numpy(),
                        "event_time": e,
                        "outcome": outcome,
                        "effect": np.asarray(effect, dtype=float) * np.ones(len(sums)),
                        "n": sums["size"].to_numpy().astype("int64"),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def homeless_config(spec: HomelessSpec = HomelessSpec()) -> dict:
    """The evaluation config of the area: the measure and the programme."""
    return {
        "measures": [
            {
                "name": "homeless",
                "kind": "binary",
                "label_da": "Hjemløs",
                "label_en": "Homeless",
                "unit_price_dkk": {"kommune": spec.price_per_month_homeless_dkk},
            }
        ],
        "offers": [
            {
                "offer_id": OFFER_ID,
                "name": "Bolig først (Housing First)",
                "target_group": {
                    "age": list(spec.age_range),
                    "measures": {
                        "homeless": {"min": 1, "months_before_start": spec.months_before_start}
                    },
                },
                "cost_per_participant_dkk": spec.cost_per_participant_dkk,
                "evidence_stars": 2,
                "outcomes": ["homeless", "self_sufficient"],
                "primary_outcome": "homeless",
            }
        ],
    }
