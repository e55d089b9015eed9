"""A synthetic municipality with known true effects.

Each person has a latent employability ``z``. Their monthly status follows a Markov
chain like the Danish transfer-payment registers: the hazard of entering job or
education from any other status grows with ``z`` and with the season, and falls in a
downturn; the hazard of leaving a job for a benefit falls with ``z``.

Offers enrol people from their target group month by month. Enrolment *creams*: it
favours people with more self-sufficient months in the last three years, more
education and lower age. It depends on observed history only, so matching on that
history can remove the bias while a naive comparison cannot.

Both potential paths are simulated for every participant with the same random draws
(common random numbers): the untreated path ``Y(0)`` and, from the start month on, the
treated path ``Y(1)`` in which the hazard of entering self-sufficiency is multiplied by
the offer's lock-in factor during the first months and by its effect factor after. The
true effect of an offer at event month ``e`` for a start cohort is therefore known
exactly: the cohort mean of ``1[Y(1) in set] - 1[Y(0) in set]``.

``Y(0)`` of a participant of offer j is the path *without j*, not a path without any
offer: had they not started j, the same enrolment process could have enrolled them in
another offer later (with its effect), exactly as it does for the non-participants who
serve as controls. So the truth is the effect of j against business as usual, the
estimand of any comparison with persons who did not start j. (A "no offer at all" truth
is not what such a comparison estimates: controls who later join another offer would
bias it.) Those alternative enrolments use their own random stream.

One offer has no effect of its own (its treated path equals the untreated one); its true
effect is exactly zero when it is the only offer, and slightly negative otherwise
(participants forgo other offers, one offer per person).

Everything here is pure: frames in memory, no files. The frames in the input format are
built in :mod:`evaluation.synth_frames`, the true effects in :mod:`evaluation.synth_truth`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.statuses import BENEFITS, CODE, EDUCATIONS, SELF_SUFFICIENT, STATUSES
from evaluation.synth_frames import config_dict, participation_frame, status_frame
from evaluation.synth_hetero import age_effect, individual_effects
from evaluation.synth_model import BASE
from evaluation.synth_truth import true_att, true_effects, truth_outcomes

_S = CODE
_N_STATUS = len(STATUSES)
_SS = np.array([_S[s] for s in SELF_SUFFICIENT])
_BEN = np.array([_S[s] for s in BENEFITS])


@dataclass(frozen=True)
class SynthOffer:
    """One offer of the synthetic municipality and its true effect mechanism."""

    offer_id: str
    name: str
    statuses: tuple[str, ...]
    months_before_start: int
    cost_per_participant_dkk: float
    intake_logit: float  # base log-odds of enrolling per eligible person-month
    creaming: float  # log-odds per unit share of self-sufficient months in 36 months
    lockin_months: int
    lockin_factor: float  # multiplier on the self-sufficiency entry hazard in lock-in
    effect_factor: float  # multiplier after lock-in (1.0 = no effect)
    evidence_stars: int = 2
    target_effect: float = 0.05
    target_event_month: int = 12
    effect_by_age: tuple[float, ...] = ()  # effect_factor per AGE_BANDS band (age at start)


# Each offer recruits from its own benefit group (as job-centre offers do), so a control
# of one offer rarely takes another: the generator's counterfactual "no offer" is then
# what a comparison group can estimate. Flows between groups still happen.
DEFAULT_OFFERS: tuple[SynthOffer, ...] = (
    SynthOffer("los", "Projekt LOS", ("sickness_benefit",), 2, 42_000, -5.6, 3.0, 3, 0.5, 2.2, 3),
    SynthOffer(
        "jobformidler",
        "Jobformidler",
        ("unemployment_insurance",),
        2,
        18_000,
        -3.6,
        2.5,
        2,
        0.8,
        1.5,
        2,
    ),
    SynthOffer("ung", "Ungeindsats", ("education_benefit",), 2, 30_000, -3.2, 2.0, 2, 0.6, 1.8, 2),
    SynthOffer(
        "praktik", "Virksomhedspraktik", ("cash_benefit",), 3, 12_000, -6.0, 4.0, 0, 1.0, 1.0, 1
    ),
)


# An offer whose effect differs by age band (not among the defaults: adding an offer
# changes the enrolment draws, hence every other offer's data). Effect factors for
# participants under 30, 30-49 and 50+ at their start: strong, moderate, none.
HETEROGENEOUS_OFFER = SynthOffer(
    "mentor",
    "Mentorforløb",
    ("cash_benefit",),
    2,
    25_000,
    -4.6,
    2.0,
    2,
    0.7,
    1.0,
    2,
    effect_by_age=(3.0, 1.8, 1.0),
)


def check_history(n_months: int, history_months: int) -> None:
    """A synthetic municipality needs a year of starts after its months of history."""
    if n_months < history_months + 12:
        raise ValueError(
            f"a synthetic municipality of {n_months} months has no year of starts "
            f"after its {history_months} months of history: give at least "
            f"{history_months + 12} months (or fewer history months)"
        )


@dataclass(frozen=True)
class SynthSpec:
    persons: int = 20_000
    seed: int = 1
    first_month: str = "2020-01"
    n_months: int = 60
    burn_in: int = 36
    history_months: int = 24  # no enrolment before this many observed months
    offers: tuple[SynthOffer, ...] = DEFAULT_OFFERS
    municipality_codes: tuple[int, ...] = (101, 461, 751)
    intake_shift: float = 0.0  # added to every offer's intake log-odds (scales enrolment)
    detailed_truth: bool = False  # also the ITT truth and per-participant effects (slower)

    def __post_init__(self) -> None:
        check_history(self.n_months, self.history_months)


@dataclass(frozen=True)
class SyntheticMunicipality:
    persons: pd.DataFrame
    status_monthly: pd.DataFrame
    participation: pd.DataFrame
    true_effects: pd.DataFrame  # offer_id, start_month, event_time, outcome, effect, n
    config: dict = field(repr=False)
    itt_effects: pd.DataFrame = field(default=None, repr=False)
    """With ``detailed_truth``: as ``true_effects`` (self-sufficiency only) for the
    intention-to-treat contrast: Y(1) against the path in which the participant does not
    start in s but may start any offer, their own included, from s + 1 by the same
    enrolment process (own random stream)."""
    individual_effects: pd.DataFrame = field(default=None, repr=False)
    """With ``detailed_truth``: per participant and event month 0..36, Y(1) - Y(0) of
    self-sufficiency (person_id, offer_id, start_month, event_time, effect): the truth
    of any subgroup's effect."""


def generate(spec: SynthSpec = SynthSpec()) -> SyntheticMunicipality:
    """Generate the municipality described by ``spec`` (deterministic given the seed)."""
    rng = np.random.default_rng(spec.seed)
    n, t_obs = spec.persons, spec.n_months
    m0 = months.parse(spec.first_month)
    persons, z = _persons(rng, spec)
    age = (m0 // 12 - persons["birth_year"].to_numpy()).astype(float)
    higher_edu = persons["education"].isin(["kvu", "mvu", "lvu"]).to_numpy()

    u = rng.random((n, t_obs), dtype=np.float32)
    y0 = _simulate_untreated(rng, z, u, m0, spec.burn_in, t_obs)
    starts = _enrol(rng, spec, y0, age, higher_edu)
    birth = persons["birth_year"].to_numpy()
    y1, treated_offer = _simulate_treated(spec, y0, z, u, m0, starts, birth)

    observed = y0.copy()
    mask = treated_offer >= 0
    observed[mask] = y1[mask]
    participation = participation_frame(rng, spec, persons["person_id"].to_numpy(), starts, m0)
    y0_without = _without_own_offer(spec, y0, z, u, m0, starts, age, higher_edu, birth)
    truth = true_effects(spec, y0_without, y1, starts, m0)
    ids = persons["person_id"].to_numpy()
    itt = individual = None
    if spec.detailed_truth:
        y0_later = _not_now(spec, y0, z, u, m0, starts, age, higher_edu, birth)
        itt = true_effects(spec, y0_later, y1, starts, m0, {"self_sufficient": SELF_SUFFICIENT})
        individual = individual_effects(spec, ids, y0_without, y1, starts, m0)
    return SyntheticMunicipality(
        persons=persons,
        status_monthly=status_frame(ids, observed, z, rng, m0),
        participation=participation,
        true_effects=truth,
        config=config_dict(spec),
        itt_effects=itt,
        individual_effects=individual,
    )


def _persons(rng: np.random.Generator, spec: SynthSpec) -> tuple[pd.DataFrame, np.ndarray]:
    n = spec.persons
    first_year = months.parse(spec.first_month) // 12
    birth_year = rng.integers(first_year - 62, first_year - 17, size=n)
    edu_p = np.array([0.22, 0.12, 0.32, 0.05, 0.17, 0.09, 0.03])
    education = rng.choice(len(EDUCATIONS), size=n, p=edu_p)
    edu_score = np.array([-0.6, 0.0, 0.0, 0.3, 0.5, 0.7, -0.3])[education]
    age = first_year - birth_year
    z = rng.normal(size=n) + edu_score - 0.01 * (age - 40)
    ids = (np.arange(n, dtype=np.int64) * 0x9E3779B1 + spec.seed * 7919) % (1 << 40)
    frame = pd.DataFrame(
        {
            "person_id": pd.array([f"P{v:010x}" for v in ids], dtype="str"),
            "birth_year": birth_year.astype("int64"),
            "sex": pd.array(np.where(rng.random(n) < 0.5, "F", "M"), dtype="str"),
            "education": pd.array(np.array(EDUCATIONS)[education], dtype="str"),
            "municipality_code": rng.choice(spec.municipality_codes, size=n).astype("int64"),
        }
    )
    return frame, z


def _season(month_idx: int) -> float:
    """Job-entry multiplier by calendar month, with a downturn in 2020-04..2020-09."""
    cal = month_idx % 12 + 1
    f = 1.0 + 0.15 * np.sin(2 * np.pi * (cal - 3) / 12)
    if months.parse("2020-04") <= month_idx <= months.parse("2020-09"):
        f *= 0.6
    return float(f)


def _step(
    state: np.ndarray, z: np.ndarray, u: np.ndarray, month_idx: int, entry_mult: np.ndarray | float
) -> np.ndarray:
    """One month of the Markov chain for a vector of persons (inverse-CDF draw)."""
    p = BASE[state].copy()
    not_ss = ~np.isin(state, _SS)
    f = np.exp(0.6 * z) * _season(month_idx) * entry_mult
    p[:, _SS] *= np.where(not_ss, f, 1.0)[:, None]
    in_job = state == _S["job"]
    p[:, _BEN] *= np.where(in_job, np.exp(-0.5 * z), 1.0)[:, None]
    rows = np.arange(len(state))
    p[rows, state] = 0.0
    leave = p.sum(axis=1)
    scale = np.where(leave > 0.95, 0.95 / np.maximum(leave, 1e-12), 1.0)
    p *= scale[:, None]
    p[rows, state] = 1.0 - p.sum(axis=1)
    cum = np.cumsum(p, axis=1)
    return np.minimum((u[:, None] > cum).sum(axis=1), _N_STATUS - 1).astype(np.int8)


def _simulate_untreated(
    rng: np.random.Generator, z: np.ndarray, u: np.ndarray, m0: int, burn_in: int, t_obs: int
) -> np.ndarray:
    n = len(z)
    in_job = rng.random(n) < 1 / (1 + np.exp(-(0.9 + 1.2 * z)))
    other = rng.choice(
        [
            _S["cash_benefit"],
            _S["sickness_benefit"],
            _S["unemployment_insurance"],
            _S["other"],
            _S["education"],
            _S["education_benefit"],
            _S["rehabilitation"],
        ],
        size=n,
    )
    state = np.where(in_job, _S["job"], other).astype(np.int8)
    for b in range(burn_in):
        state = _step(state, z, rng.random(n), m0 - burn_in + b, 1.0)
    y0 = np.empty((n, t_obs), dtype=np.int8)
    for t in range(t_obs):
        state = _step(state, z, u[:, t], m0 + t, 1.0)
        y0[:, t] = state
    return y0


def _in_target(y: np.ndarray, t: int, statuses: tuple[str, ...], k: int) -> np.ndarray:
    if t - k < 0:
        return np.zeros(y.shape[0], dtype=bool)
    return np.isin(y[:, t - k : t], [_S[s] for s in statuses]).all(axis=1)


def _enrol(
    rng: np.random.Generator,
    spec: SynthSpec,
    y0: np.ndarray,
    age: np.ndarray,
    higher_edu: np.ndarray,
    *,
    from_month: np.ndarray | None = None,
    excluded_offer: np.ndarray | None = None,
) -> np.ndarray:
    """Start month (column index) per person and offer; -1 = never. One offer per person.

    ``from_month`` (per person) delays the first month a person can enrol and
    ``excluded_offer`` (per person, -1 for none) bars one offer: used to enrol
    participants of an offer in the world without it.
    """
    n, t_obs = y0.shape
    starts = np.full((n, len(spec.offers)), -1, dtype=np.int32)
    enrolled = np.zeros(n, dtype=bool)
    first = np.zeros(n, np.int64) if from_month is None else from_month
    barred = np.full(n, -1) if excluded_offer is None else excluded_offer
    ss = np.isin(y0, _SS).astype(np.int16)
    css = np.concatenate(
        [np.zeros((n, 1), np.int16), np.cumsum(ss, axis=1, dtype=np.int16)], axis=1
    )
    for t in range(spec.history_months, t_obs):
        lo = max(0, t - 36)
        share36 = (css[:, t] - css[:, lo]) / (t - lo)
        for j, offer in enumerate(spec.offers):
            eligible = (
                ~enrolled
                & (first <= t)
                & (barred != j)
                & _in_target(y0, t, offer.statuses, offer.months_before_start)
            )
            logit = (
                offer.intake_logit
                + spec.intake_shift
                + offer.creaming * share36
                + 0.4 * higher_edu
                - 0.02 * (age + t / 12 - 40)
            )
            take = eligible & (rng.random(n) < 1 / (1 + np.exp(-logit)))
            starts[take, j] = t
            enrolled |= take
    return starts


def _without_own_offer(
    spec: SynthSpec,
    y0: np.ndarray,
    z: np.ndarray,
    u: np.ndarray,
    m0: int,
    starts: np.ndarray,
    age: np.ndarray,
    higher_edu: np.ndarray,
    birth_year: np.ndarray,
) -> np.ndarray:
    """Untreated paths with every participant's path replaced by the one without their
    own offer: from their start month on they may enrol in another offer by the same
    process as everyone else (own random stream), then follow its treated dynamics."""
    who = np.flatnonzero((starts >= 0).any(axis=1))
    out = y0.copy()
    if len(who) == 0:
        return out
    own = starts[who].argmax(axis=1)
    start = starts[who, own]
    alt = _enrol(
        np.random.default_rng([spec.seed, 1]),
        spec,
        y0[who],
        age[who],
        higher_edu[who],
        from_month=start.astype(np.int64),
        excluded_offer=own,
    )
    out[who] = _simulate_treated(spec, y0[who], z[who], u[who], m0, alt, birth_year[who])[0]
    return out


def _not_now(
    spec: SynthSpec,
    y0: np.ndarray,
    z: np.ndarray,
    u: np.ndarray,
    m0: int,
    starts: np.ndarray,
    age: np.ndarray,
    higher_edu: np.ndarray,
    birth_year: np.ndarray,
) -> np.ndarray:
    """Untreated paths with every participant's path replaced by the one in which they
    do not start in their start month s: from s + 1 they may enrol in any offer, their
    own included (own random stream), as the controls of the intention-to-treat
    contrast may."""
    who = np.flatnonzero((starts >= 0).any(axis=1))
    out = y0.copy()
    if len(who) == 0:
        return out
    start = starts[who].max(axis=1)
    later = _enrol(
        np.random.default_rng([spec.seed, 2]),
        spec,
        y0[who],
        age[who],
        higher_edu[who],
        from_month=start.astype(np.int64) + 1,
    )
    out[who] = _simulate_treated(spec, y0[who], z[who], u[who], m0, later, birth_year[who])[0]
    return out


def _simulate_treated(
    spec: SynthSpec,
    y0: np.ndarray,
    z: np.ndarray,
    u: np.ndarray,
    m0: int,
    starts: np.ndarray,
    birth_year: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Treated potential path from each participant's start on (same draws as Y(0))."""
    n, t_obs = y0.shape
    treated_offer = np.full(n, -1, dtype=np.int32)
    start = np.full(n, -1, dtype=np.int32)
    for j in range(len(spec.offers)):
        hit = starts[:, j] >= 0
        treated_offer[hit] = j
        start[hit] = starts[hit, j]
    idx = np.flatnonzero(treated_offer >= 0)
    y1 = y0.copy()
    if len(idx) == 0:
        return y1, treated_offer
    lockin_m = np.array([o.lockin_months for o in spec.offers])[treated_offer[idx]]
    lockin_f = np.array([o.lockin_factor for o in spec.offers])[treated_offer[idx]]
    effect_f = np.array([o.effect_factor for o in spec.offers])[treated_offer[idx]]
    s = start[idx]
    effect_f = age_effect(spec, effect_f, treated_offer[idx], birth_year[idx], m0 + s)
    state = y0[idx, 0]
    for t in range(t_obs):
        active = t >= s
        if active.any():
            mult = np.where(t - s < lockin_m, lockin_f, effect_f)
            new = _step(state, z[idx], u[idx, t], m0 + t, mult)
            state = np.where(active, new, y0[idx, t])
        else:
            state = y0[idx, t]
        y1[idx, t] = state
    return y1, treated_offer


__all__ = [
    "SynthOffer",
    "SynthSpec",
    "SyntheticMunicipality",
    "generate",
    "true_att",
    "truth_outcomes",
]
