"""The fields of the text catalogue: every word mereffekt writes for people.

One frozen :class:`Texts` per language (:mod:`.da`, :mod:`.en`). Sentences with numbers
are ``str.format`` templates; the comment after a field names its fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["da", "en"]


@dataclass(frozen=True)
class Texts:
    """All words of the report in one language (fields are plain text or templates)."""

    # page
    title: str
    subtitle: str  # {as_of} {run_id}
    contents: str
    generated_by: str
    # headline sentences
    key_findings: str
    headline_sentence: str  # {name} {range} {window} {verdict}
    range_more: str  # {lo} {hi} {outcome}
    range_less: str
    range_mixed: str
    window_first_year: str
    window_months: str  # {lo} {hi}
    verdict_clear: str
    verdict_unclear: str
    verdict_borderline: str
    basis_sentence: str  # {participants} {period} {controls} {follow_up}
    period_until: str  # {as_of}
    period_between: str  # {first} {last}
    value_sentence: str  # {horizon} {net} {net_lo} {net_hi} {total} {cost}
    price_sentence: str  # {price}
    price_not_defined: str
    suppressed_sentence: str  # {name} {k}
    no_estimate_sentence: str  # {name} {reason}
    # caveat
    caveat_title: str
    caveat_items: tuple[str, ...]
    # headline table
    overview: str
    col_offer: str
    col_participants: str
    col_matched: str
    col_controls: str
    col_effect: str  # {level}
    col_clear: str
    col_net_pp: str
    col_net_total: str
    col_price_job: str
    clear_yes: str
    clear_no: str
    clear_borderline: str
    interval: str  # {lo} {hi}
    # forest and portfolio
    forest_title: str
    forest_axis: str
    portfolio_title: str
    portfolio_intro: str
    portfolio_x: str
    portfolio_y: str
    quadrants: tuple[str, str, str, str]  # low price/high effect, high/high, low/low, high/low
    col_cost: str
    col_effect_short: str
    col_stars: str
    portfolio_missing: str  # {names}
    # on track
    on_track_title: str
    on_track_intro: str
    col_status: str
    col_rule: str
    status_labels: dict[str, str]
    # per offer
    offer_results: str
    facts_title: str
    fact_participants: str  # {n} {matched}
    fact_controls: str  # {n} {ess}
    fact_follow_up: str  # {months}
    fact_mde: str  # {mde} {power}
    fact_break_even: str  # {month}
    fact_break_even_none: str
    placebo_ok: str  # {p} {first} {last}: months before the start
    placebo_warn: str  # {p} {first} {last}
    placebo_none: str
    balance_ok: str  # {smd}
    balance_warn: str  # {smd}
    event_study_title: str
    event_study_axis_x: str
    event_study_axis_y: str
    event_study_caption: str
    levels_title: str
    levels_axis_y: str
    levels_caption: str
    love_title: str
    love_axis: str
    love_caption: str  # {k} {threshold}
    love_more: str  # {n} {smd}
    legend_estimate: str
    legend_interval: str
    legend_participants: str
    legend_controls: str
    legend_before: str
    legend_after: str
    label_start: str
    label_before_start: str
    no_data: str
    outcomes_title: str
    col_outcome: str
    col_estimate: str
    col_p_holm: str
    payers_title: str
    col_payer: str
    col_savings: str
    payer_names: dict[str, str]
    outcome_names: dict[str, str]  # noun phrase for tables
    outcome_adjectives: dict[str, str]  # used after "more often"
    unit_pp: str
    unit_per_month: str
    # method notes
    method_title: str
    method_items: tuple[tuple[str, str], ...]  # (heading, paragraph template)
    value_settings: str  # {horizon} {rate} {year} {extrapolation}
    suppressed_note: str  # {k}
    suppressed_count: str  # {n} {tables}
    suppressed_none: str
    small_cells_note: str  # {k}: privacy.allow_small_cells is set
    extrapolations: dict[str, str]  # rule -> clause, fields {k} {h}
    # headline table, on track
    col_participants_compared: str
    rule_texts: dict[str, str]  # indicators.rule_code -> the report's sentence
    col_break_even: str
    not_defined: str
    not_defined_note: str
    table_names: dict[str, str]
    # the monitor: reasons written to indicators.parquet and its artifacts
    monitor_reasons: dict[str, str]  # rule code -> sentence (fields: evaluation.texts.reasons)
    on_track_summary: dict[str, str]  # labels of the per-offer markdown summary
    # covariate labels
    status_names: dict[str, str] = field(default_factory=dict)
    cov_lag: str = ""  # {status} {k}
    cov_window: str = ""  # {status} {n}
    cov_observed: str = ""  # {n}
    cov_share: str = ""  # {status} {n}
    cov_fixed: dict[str, str] = field(default_factory=dict)
    cov_education: str = ""  # {level}
    cov_calendar: str = ""  # {month}
    cov_programme_ever: str = ""  # {offer}
    cov_programme_months: str = ""  # {offer}
