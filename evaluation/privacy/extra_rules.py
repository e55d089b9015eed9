"""Suppression rules of the investor's view (``contract``) and the decomposition: what
each of their numbers rests on (:mod:`evaluation.privacy.policy` applies them)."""

from __future__ import annotations

from evaluation.privacy.dependent import Rests, Rule
from evaluation.privacy.relations import Select, select

CONTRACT_NUMBERS = ("value", "ci_low", "ci_high")
STARTS_REVEALED = (
    "investor_outlay_dkk",
    "investor_profit_dkk",
    "payment_dkk",
    "investor_cumulative_net_dkk",
)
"""``contract`` quantities from which the number of starts (in a month) follows: the
outlay is the cost per participant (config) times the starts, and the net and cumulative
flows give it back with the published payments."""


def contract_rules(headline: Select) -> tuple[Rule, ...]:
    """The investor's view rests on the offer's estimate (every number), on its matched
    and all participants, and its outlay rows on the monthly enrolment (one blanked
    month of enrolment blanks the offer's outlay rows, monthly and in total)."""
    offer = ("offer_id",)
    return (
        Rests("contract", CONTRACT_NUMBERS, select("matching", "n_matched"), offer),
        Rests("contract", CONTRACT_NUMBERS, select("matching", "n_participants"), offer),
        Rests("contract", CONTRACT_NUMBERS, headline, offer),
        Rests(
            "contract",
            CONTRACT_NUMBERS,
            select("indicators", "value", indicator="enrolment_by_month"),
            offer,
            where=(("quantity", STARTS_REVEALED),),
        ),
    )


DECOMPOSITION_NUMBERS = (
    "participants_level",
    "matched_controls_level",
    "target_group_level",
    "raw_difference",
    "selection",
    "extra_effect",
    "did_estimate",
    "did_std_error",
    "baseline_gap",
)


def decomposition_rules(headline: Select) -> tuple[Rule, ...]:
    offer = ("offer_id",)
    target = ("target_group_level", "raw_difference", "selection")
    return (
        Rests(
            "decomposition",
            DECOMPOSITION_NUMBERS,
            select("decomposition", "n_participants"),
            when="primary",
        ),
        Rests("decomposition", target, select("decomposition", "n_target_group"), when="primary"),
        Rests("decomposition", DECOMPOSITION_NUMBERS, headline, offer),
    )
