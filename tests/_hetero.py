"""The synthetic municipality with the age-heterogeneous offer, generated once per session.

Seed 1 (the generator's default) and 20,000 persons (the demo size); the first seed
tried, not chosen after looking. Offers: the four defaults plus "mentor"
(:data:`~evaluation.synth.HETEROGENEOUS_OFFER`), whose effect factor is 3.0 / 1.8 / 1.0
for participants under 30 / 30-49 / 50+ at their start. With ``detailed_truth``: the
intention-to-treat truth and per-participant effects.
"""

from __future__ import annotations

import functools

from evaluation.did import MatchedEventStudy
from evaluation.matching import RiskSetMatching
from evaluation.panel import StatusPanel, build_panel
from evaluation.synth import (
    DEFAULT_OFFERS,
    HETEROGENEOUS_OFFER,
    SyntheticMunicipality,
    SynthSpec,
    generate,
)
from flows.config import parse_config, to_core

SPEC = SynthSpec(
    persons=20_000, seed=1, offers=(*DEFAULT_OFFERS, HETEROGENEOUS_OFFER), detailed_truth=True
)


@functools.cache
def hetero() -> tuple[SyntheticMunicipality, StatusPanel]:
    synth = generate(SPEC)
    panel = build_panel(synth.persons, synth.status_monthly, synth.participation)
    return synth, panel.as_of(panel.last_month)


@functools.cache
def study(offer_id: str, estimand: str = "per_protocol") -> MatchedEventStudy:
    """The offer's event study (matched with its configured options, as the flow does)."""
    synth, panel = hetero()
    if estimand != "per_protocol":
        return MatchedEventStudy(panel, study(offer_id).match, estimand=estimand)
    offer = next(
        o for o in to_core(parse_config(synth.config), prices=None).offers if o.offer_id == offer_id
    )
    match = RiskSetMatching(panel, offer.offer_id, offer.target_group, offer.matching).fit()
    return MatchedEventStudy(panel, match)
