"""The demo-size synthetic municipality, generated and matched once per test session.

``demo_municipality()`` (20,000 persons, seed 1: :class:`SynthSpec`'s defaults) is
shared by the event-study, matching, monetisation and monitoring tests, which used to
generate and match it once each; ``municipality(spec)`` builds any other one, uncached.
Every offer is matched with its configured options (as the flow does) and has a
:class:`MatchedEventStudy` with the estimator's defaults, whose design is built on the
first fit and reused by later fits.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from evaluation.config import EvaluationConfig
from evaluation.did import MatchedEventStudy
from evaluation.matching import MatchResult, RiskSetMatching
from evaluation.panel import StatusPanel, build_panel
from evaluation.synth import SyntheticMunicipality, SynthSpec, generate
from flows.config import parse_config, to_core


@dataclass(frozen=True, eq=False)
class Municipality:
    synth: SyntheticMunicipality
    panel: StatusPanel  # as of the last data month
    config: EvaluationConfig
    matches: Mapping[str, MatchResult]  # by offer_id
    studies: Mapping[str, MatchedEventStudy]  # by offer_id


def municipality(spec: SynthSpec) -> Municipality:
    synth = generate(spec)
    panel = build_panel(synth.persons, synth.status_monthly, synth.participation)
    panel = panel.as_of(panel.last_month)
    config = to_core(parse_config(synth.config))
    matches = {
        o.offer_id: RiskSetMatching(panel, o.offer_id, o.target_group, o.matching).fit()
        for o in config.offers
    }
    studies = {k: MatchedEventStudy(panel, m) for k, m in matches.items()}
    return Municipality(synth, panel, config, matches, studies)


@functools.cache
def demo_municipality() -> Municipality:
    return municipality(SynthSpec())
