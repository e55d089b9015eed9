"""The demo-size synthetic municipality, generated and evaluated once per test session.

``demo_municipality()`` (20,000 persons, seed 1: :class:`SynthSpec`'s defaults) is
shared by the event-study, matching, monetisation and monitoring tests, which used to
generate and match it once each; ``municipality(spec)`` builds any other one, uncached.
Every offer is evaluated by the core's entry point, as the flow does
(:func:`evaluation.offer.evaluate_offer`: matching with the offer's options, the event
study of every outcome, value, payment, monitoring) with the synthetic config and the
shipped price catalogue; ``prices=False`` leaves the public-cost outcomes and the
valuation out (a municipality that only needs its matches and effects), ``outcomes``
keeps only the event studies of the outcomes named.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass

from evaluation.config import EvaluationConfig
from evaluation.matching import MatchResult
from evaluation.offer import OfferEvaluation, evaluate_offer
from evaluation.panel import StatusPanel, build_panel
from evaluation.synth import SyntheticMunicipality, SynthSpec, generate
from flows.config import parse_config, to_core
from flows.prices import load_catalogue


@dataclass(frozen=True, eq=False)
class Municipality:
    synth: SyntheticMunicipality
    panel: StatusPanel  # as of the last data month
    config: EvaluationConfig
    evaluations: Mapping[str, OfferEvaluation]  # by offer_id

    @property
    def matches(self) -> dict[str, MatchResult]:
        return {k: e.match for k, e in self.evaluations.items()}


def municipality(
    spec: SynthSpec, *, prices: bool = True, outcomes: tuple[str, ...] | None = None
) -> Municipality:
    synth = generate(spec)
    panel = build_panel(synth.persons, synth.status_monthly, synth.participation)
    panel = panel.as_of(panel.last_month)
    config = to_core(parse_config(synth.config), prices=load_catalogue() if prices else None)
    if outcomes is not None:  # only these outcomes' event studies
        config = dataclasses.replace(
            config, outcomes=tuple(o for o in config.outcomes if o.name in outcomes)
        )
    evaluations = {o.offer_id: evaluate_offer(panel, o, config) for o in config.offers}
    return Municipality(synth, panel, config, evaluations)


@functools.cache
def demo_municipality() -> Municipality:
    return municipality(SynthSpec())
