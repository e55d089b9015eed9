"""Programme history: earlier participation in other offers, as confounders.

Most people on benefits in a job centre have taken courses before, and an earlier
programme changes both who starts the next one and how they fare after it (its effect
lasts, and "one offer at a time" rules decide who can start). For every risk-set row
(person, start month s) and every *other* offer o in the data (configured or not), this
module measures what was known before s:

* ``programme_ever_<o>``: started o before s (0/1);
* ``programme_months_<o>``: months from the last start of o to s (0 if never);
* ``in_programme``: inside any other offer in month s - 1 (started, not yet ended).

These are matching covariates by default (they enter the propensity model and the
balance table). Explicit rules complete them, because a logit cannot carry a trait that
(almost) no participant has:

1. **Inside another offer at s** is always an exact key: participants inside another
   offer are matched to controls inside one, the others to controls outside every offer.
   Being inside a programme locks a person in (fewer job searches) and, where rules allow
   one offer at a time, decides whether they could start at all; comparing a person in
   the middle of another course with one who is free would mix that offer's lock-in and
   effect into this one's.
2. **A programme history the propensity model cannot carry is an exact key**: where fewer
   than :data:`MIN_HOLDERS` participants or candidate controls started offer o before
   (the column is dropped from the logit to avoid separation), ``programme_ever_<o>`` is
   matched exactly. This is the logit's own limit made explicit: when no participant has
   taken o, the maximum-likelihood propensity of a person who has is 0, so they cannot be
   a comparison for anyone. Exact matching on a covariate never biases the ATT; it can
   only leave a participant without controls, which the matching table reports.
3. **This offer started before s**: such persons are never at risk (risk sets take first
   starts only; see :mod:`evaluation.matching.data`).

``exact_on: [programme_history]`` matches exactly on the whole pattern (which offers were
ever started, and inside one) instead.

The censoring model uses the same classes: a person whose programme-history class holds
no participant of the offer in any month has a hazard of 0 of starting it (they could
not, as far as the data show), so the censoring weights give no hazard in months a person
could not start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.panel import StatusPanel

MIN_HOLDERS = 5
"""Fewest participants and candidate controls who must hold a programme-history trait
for the propensity model to carry it (as :func:`evaluation.matching.propensity.
fit_propensity`'s estimability rule); below it the trait is an exact key."""

INSIDE = "in_programme"
_EVER = "programme_ever_{offer}"
_MONTHS = "programme_months_{offer}"


def ever_name(offer: str) -> str:
    return _EVER.format(offer=offer)


def months_name(offer: str) -> str:
    return _MONTHS.format(offer=offer)


def other_offers(panel: StatusPanel, offer_id: str) -> tuple[str, ...]:
    """Offers in the data other than ``offer_id``, in id order."""
    return tuple(o for o in panel.participations.offer_ids if o != offer_id)


@dataclass(frozen=True, eq=False)
class ProgrammeHistory:
    """Programme history of risk-set rows (see the module docstring)."""

    offers: tuple[str, ...]
    ever: np.ndarray  # (rows, offers) bool
    months_since: np.ndarray  # (rows, offers) float, 0 where never
    inside: np.ndarray  # (rows,) bool

    def columns(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for j, o in enumerate(self.offers):
            out[ever_name(o)] = self.ever[:, j].astype(np.float32)
            out[months_name(o)] = self.months_since[:, j].astype(np.float32)
        out[INSIDE] = self.inside.astype(np.float32)
        return out


def programme_history(
    panel: StatusPanel, person: np.ndarray, ref_month: np.ndarray, offer_id: str
) -> ProgrammeHistory:
    """Programme history before ``ref_month`` of each (person, ref_month) row."""
    offers = other_offers(panel, offer_id)
    n = len(person)
    ever = np.zeros((n, len(offers)), dtype=bool)
    since = np.zeros((n, len(offers)), dtype=np.float64)
    inside = np.zeros(n, dtype=bool)
    p = panel.participations
    for j, o in enumerate(offers):
        parts = p.for_offer(o)
        last, open_until = _last_start_before(
            parts.person, parts.start, parts.end, person, ref_month
        )
        ever[:, j] = last >= 0
        since[:, j] = np.where(last >= 0, ref_month - last, 0)
        inside |= (last >= 0) & (open_until >= ref_month - 1)
    return ProgrammeHistory(offers, ever, since, inside)


_SPAN = 1 << 24  # month indices (years * 12) stay far below this


def _last_start_before(
    p_person: np.ndarray,
    p_start: np.ndarray,
    p_end: np.ndarray,
    person: np.ndarray,
    ref: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the last start month before ``ref`` (-1 if none) and the latest end month
    of the participations started before ``ref`` (open ones count as running forever)."""
    if len(p_person) == 0:
        return np.full(len(person), -1, np.int64), np.full(len(person), -1, np.int64)
    key = p_person.astype(np.int64) * _SPAN + p_start
    order = np.argsort(key, kind="stable")
    key, pp = key[order], p_person[order]
    start = p_start[order].astype(np.int64)
    end = np.where(p_end[order] < 0, np.iinfo(np.int64).max, p_end[order]).astype(np.int64)
    end = pd.Series(end).groupby(pp).cummax().to_numpy()  # latest end so far, per person
    q = person.astype(np.int64) * _SPAN + (ref.astype(np.int64) - 1)
    idx = np.searchsorted(key, q, side="right") - 1
    ok = (idx >= 0) & (pp[np.maximum(idx, 0)] == person)
    i = np.maximum(idx, 0)
    return np.where(ok, start[i], -1), np.where(ok, end[i], -1)


def estimable(holders_treated: int, holders_control: int) -> bool:
    """Can the propensity model carry a 0/1 trait held by these many rows?"""
    return holders_treated >= MIN_HOLDERS and holders_control >= MIN_HOLDERS


def programme_key(x: pd.DataFrame, treated: np.ndarray, offers: tuple[str, ...]) -> np.ndarray:
    """The exact key of rules 1 and 2: inside another offer, and ever started each other
    offer the propensity model cannot carry (0 for every row without such history)."""
    if INSIDE not in x.columns:
        return np.zeros(len(x), dtype=np.int64)
    key = x[INSIDE].to_numpy().astype(np.int64)
    bit = 2
    for o in offers:
        ever = x[ever_name(o)].to_numpy() > 0
        if ever.any() and not estimable(int(ever[treated].sum()), int(ever[~treated].sum())):
            key = key + bit * ever
            bit *= 2
    return key


def full_pattern(x: pd.DataFrame) -> np.ndarray:
    """The key of ``exact_on: [programme_history]``: inside another offer and the set of
    other offers ever started (numbered in pattern order)."""
    cols = sorted(c for c in x.columns if c.startswith("programme_ever_") or c == INSIDE)
    if not cols:
        return np.zeros(len(x), dtype=np.int64)
    frame = pd.DataFrame({c: x[c].to_numpy() > 0 for c in cols})
    return frame.groupby(cols, sort=True).ngroup().to_numpy().astype(np.int64)


def classes_without_participants(key: np.ndarray, treated: np.ndarray) -> np.ndarray:
    """Rows whose programme-history class holds no participant (hazard 0)."""
    with_part = np.unique(key[treated])
    return ~np.isin(key, with_part)
