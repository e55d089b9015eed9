"""The English text catalogue (words of the report, the monitor's reasons and labels)."""

from __future__ import annotations

from evaluation.texts.catalogue import Texts

_EFFECT = "{first}–{last} months after the start the effect is {estimate} ({level} interval "

_STATUS = {
    "job": "job",
    "education": "education",
    "unemployment_insurance": "unemployment insurance",
    "cash_benefit": "cash benefit",
    "education_benefit": "education benefit",
    "sickness_benefit": "sickness benefit",
    "rehabilitation": "rehabilitation",
    "flexjob": "flexjob",
    "disability_pension": "disability pension",
    "other": "other",
    "self_sufficient": "self-sufficiency",
}


EN = Texts(
    title="Extra effect of social investments",
    subtitle="Based on data up to and including {as_of} \u00b7 run {run_id}",
    contents="Contents",
    generated_by="Made by mereffekt. All numbers describe groups; no citizen can be recognised.",
    key_findings="Key findings",
    headline_sentence="<strong>{name}:</strong> Participants were {range} {window} than "
    "comparable citizens who did not take part; {verdict}.",
    range_more="between {lo} and {hi} percentage points more often {outcome}",
    range_less="between {lo} and {hi} percentage points less often {outcome}",
    range_mixed="between {lo} percentage points less often and {hi} percentage points more "
    "often {outcome}",
    window_first_year="in the first year after starting",
    window_months="in months {lo} to {hi} after starting",
    verdict_clear="this is statistically clear",
    verdict_unclear="this is not statistically clear, so the difference could be chance",
    verdict_borderline="this is statistically clear for the offer on its own, but not after "
    "allowing for several offers and outcomes being tested at once",
    basis_sentence="This is based on {participants} participants who {period}, compared with "
    "{controls} matched citizens from the same target group, followed for up to "
    "{follow_up} months after starting.",
    period_until="started up to and including {as_of}",
    period_between="started between {first} and {last}",
    value_sentence="Over {horizon} months this is a net value of {net} per participant "
    "(between {net_lo} and {net_hi}), {total} in total, after the offer's cost of {cost} per "
    "participant.",
    price_sentence="The price per extra self-sufficient citizen is {price}.",
    price_not_defined="No price per extra self-sufficient citizen can be computed because the "
    "effect is not positive.",
    suppressed_sentence="<strong>{name}:</strong> Too few persons behind the result to show "
    "it (fewer than {k}).",
    no_estimate_sentence="<strong>{name}:</strong> No effect was estimated ({reason}).",
    caveat_title="What the comparison can and cannot show",
    caveat_items=(
        "Each participant is compared with citizens from the same target group who, in the "
        "month the participant started, had the same benefit status and a similar history "
        "in the preceding years, but had not started the offer. The difference in how the "
        "two groups fare after the start is the offer's extra effect.",
        "The comparison allows for what the registers record: past benefits and work, age, "
        "sex and education. It cannot allow for what they do not record, such as "
        "motivation, health or networks. If participants are chosen on such things, the "
        "effect can be over- or underestimated.",
        "The numbers apply to those who actually took part. They do not say what the offer "
        "would do for other groups or at a larger scale.",
        "The intervals show the statistical uncertainty (95%). A result that is not "
        "statistically clear does not mean the offer has no effect, only that we cannot yet "
        "tell it apart from chance.",
        "Values in kroner rest on the measured effects and fixed unit prices. Beyond the "
        "follow-up period the effect is extrapolated by a fixed rule.",
    ),
    overview="Overview by offer",
    col_offer="Offer",
    col_participants="Participants",
    col_matched="of whom matched",
    col_controls="Matched controls",
    col_effect="Extra effect, percentage points ({level}% interval)",
    col_clear="Statistically clear?",
    col_net_pp="Net value per participant",
    col_net_total="Net value, total",
    col_price_job="Price per extra self-sufficient citizen",
    clear_yes="Yes",
    clear_no="No, could be chance",
    clear_borderline="Only for the offer on its own",
    interval="{lo} to {hi}",
    forest_title="All offers: extra effect on self-sufficiency in the first year",
    forest_axis="Extra effect, percentage points",
    portfolio_title="Offer portfolio",
    portfolio_intro="Each offer is placed by its cost per participant and its extra effect. "
    "Bubble size shows the number of participants, stars the strength of evidence (1-3). "
    "The lines split the portfolio at the middle (median) of the offers' cost and effect.",
    portfolio_x="Cost per participant",
    portfolio_y="Extra effect, percentage points",
    quadrants=(
        "Low price, high effect",
        "High price, high effect",
        "Low price, low effect",
        "High price, low effect",
    ),
    col_cost="Cost per participant",
    col_effect_short="Extra effect, percentage points",
    col_stars="Evidence",
    portfolio_missing="No effect to show: {names}.",
    on_track_title="Are we on track?",
    on_track_intro="Status of each offer against the agreed interim targets.",
    col_status="Status",
    col_rule="Reason",
    status_labels={
        "on_track": "On track",
        "at_risk": "At risk",
        "off_track": "Off track",
        "too_early": "Too early to tell",
        "no_target": "No target set",
    },
    offer_results="Results for {name}",
    facts_title="Key figures",
    fact_participants="{n} participants, {matched} of them matched with controls.",
    fact_controls="{n} distinct control persons (effective number {ess}).",
    fact_follow_up="Followed for up to {months} months after starting.",
    fact_mde="Smallest effect we would see with {power}% probability: {mde} percentage points.",
    fact_break_even="The offer has paid for itself after {month} months.",
    fact_break_even_none="The offer has not paid for itself within the period.",
    placebo_ok="Placebo test: no sign that participants and controls differed "
    "{first}–{last} months before the start, which the matching uses only as sums "
    "(p = {p}). The test can see selection on older history; it cannot see differences that "
    "arise in the last year before the start.",
    placebo_warn="Warning (placebo test): participants and controls differed "
    "{first}–{last} months before the start although they are matched on their history "
    "(p = {p}). Selection may depend on older circumstances, and the effect may be biased.",
    placebo_none="The placebo test could not be computed (too little history before the start).",
    balance_ok="The groups are alike after matching (largest |SMD| {smd}).",
    balance_warn="The groups are not alike enough after matching (largest |SMD| {smd}).",
    event_study_title="Extra effect month by month",
    event_study_axis_x="Months since start",
    event_study_axis_y="Percentage points",
    event_study_caption="The difference between participants and controls in the share "
    "self-sufficient, measured against the month before the start (0 at month \u22121). "
    "The shaded band is the 95% interval of each month; the dashed lines are the "
    "simultaneous 95% band, which contains the whole curve with 95% probability. The months "
    "just before the start are alike by construction (the target-group rule and the "
    "matching), so they cannot show bias; the placebo test does.",
    levels_title="Share self-sufficient: participants and matched controls",
    levels_axis_y="Share self-sufficient, %",
    levels_caption="The share self-sufficient in each month since the start, for the "
    "participants and for the weighted controls.",
    love_title="Balance before and after matching",
    love_axis="|SMD| (standardised difference)",
    love_caption="The difference between participants and controls on each background "
    "variable before (open circle) and after (filled circle) matching. Below {threshold} "
    "(dashed line) the groups count as alike. Shows the {k} variables with the largest "
    "difference.",
    love_more="{n} other variables are not shown; their largest |SMD| after matching is {smd}.",
    legend_estimate="Extra effect",
    legend_interval="95% interval",
    legend_participants="Participants",
    legend_controls="Matched controls",
    legend_before="Before matching",
    legend_after="After matching",
    label_start="Start",
    label_before_start="Before start",
    no_data="No data to show",
    outcomes_title="Effect on every outcome (first year)",
    col_outcome="Outcome",
    col_estimate="Extra effect",
    col_p_holm="p-value (adjusted)",
    payers_title="Who gains? Savings per participant by payer",
    col_payer="Payer",
    col_savings="Savings per participant",
    payer_names={
        "all": "All payers",
        "kommune": "Municipality",
        "stat": "State",
        "region": "Region",
    },
    outcome_names={
        "self_sufficient": "Self-sufficient",
        "on_benefits": "On public benefits",
        "public_cost_dkk": "Public expenditure per month",
        "earnings_dkk": "Earnings per month",
    },
    outcome_adjectives={
        "self_sufficient": "self-sufficient",
        "on_benefits": "on public benefits",
    },
    unit_pp="percentage points",
    unit_per_month="per month",
    method_title="How to read the numbers",
    method_items=(
        (
            "Who was compared with whom?",
            "For every month in which a citizen starts an offer we find citizens from the "
            "same target group who, in that month, had the same benefit status and a similar "
            "history over the preceding three years (work, education and benefits month by "
            "month, age, sex and education), but had not started. They become the "
            "participant's controls. A control who later starts the offer is followed only "
            "until then, and the remaining controls are weighted up.",
        ),
        (
            "What the numbers mean",
            "The extra effect is the difference in the change since the month before the "
            "start between participants and controls (difference-in-differences). An extra "
            "effect of 10 percentage points means that in an average month 10 in 100 "
            "participants were self-sufficient who otherwise would not have been. The "
            "headline is the average over months {lo} to {hi} after the start.",
        ),
        (
            "What the numbers do not mean",
            "They are not proof as from a randomised trial: differences the registers do not "
            "record can affect them. They say nothing about the time after the follow-up "
            "period, and a result that is not statistically clear is not the same as no "
            "effect.",
        ),
        (
            "Statistically clear",
            "We call a result statistically clear when its p-value is below 5% after allowing "
            "for all offers and outcomes being tested at once (Holm adjustment). The interval "
            "is an unadjusted 95% interval.",
        ),
        (
            "Check of the development before the start",
            "Before the start, participants and controls should develop alike. We test this "
            "over the 12 months before the start; a p-value below 5% warns that the "
            "comparison may not hold.",
        ),
        (
            "Balance",
            "Matching is good when the standardised difference (|SMD|) between participants "
            "and controls is below 0.1 for every background variable.",
        ),
    ),
    value_settings="Values in kroner cover {horizon} months in {year} prices, discounted at "
    "{rate}% a year; {extrapolation}.",
    suppressed_note="\u201c\u2013\u201d means the number is not shown because fewer than {k} "
    "persons are behind it (or it could be worked out from other numbers). This protects "
    "citizens' anonymity.",
    suppressed_count="In this month's tables {n} rows have suppressed numbers ({tables}); "
    "they are shown as \u201c\u2013\u201d and not worked out in any other way.",
    suppressed_none="No number in this month's tables is suppressed.",
    small_cells_note="Note: the config allows small cells (privacy.allow_small_cells), so "
    "numbers resting on as few as {k} person(s) can be shown.",
    extrapolations={
        "none": "the effect is not extrapolated beyond the measured months",
        "constant": "beyond the measured months the effect is extrapolated as the average "
        "of the last {k} measured months",
        "decay": "beyond the measured months the effect is extrapolated from the average of "
        "the last {k} measured months, halving every {h} months",
    },
    col_participants_compared="Participants compared",
    rule_texts={
        "no_data_yet": "Too early to judge the effect: not yet enough participants followed "
        "long enough after their start.",
        "effect_below_trajectory": "The interim effect up to month {last} after the start is "
        "{estimate} percentage points ({ci_low} to {ci_high}), clearly below the "
        "{trajectory} percentage points needed by then to reach the target of {target} "
        "percentage points by month {target_month}.",
        "target_missed": "Month {target_month} has been reached and the effect of {estimate} "
        "percentage points ({ci_low} to {ci_high}) is below the target of {trajectory} "
        "percentage points.",
        "effect_uncertain": "The interim effect up to month {last} after the start is "
        "{estimate} percentage points ({ci_low} to {ci_high}), below the {trajectory} "
        "percentage points needed by then, but the interval still includes it.",
        "enrolment_behind": "{enrolled} participants have started against {planned} planned "
        "by now ({share} of the plan).",
        "dropouts_high": "{dropouts} participants ({dropout_share} of those started) stopped "
        "early, more than the agreed limit.",
        "effect_on_trajectory": "The interim effect up to month {last} after the start is "
        "{estimate} percentage points ({ci_low} to {ci_high}), at or above the {trajectory} "
        "percentage points needed by then to reach the target of {target} percentage points "
        "by month {target_month}.",
        "no_target": "No target effect is agreed; enrolment and dropouts are on plan.",
    },
    col_break_even="Pays for itself after",
    not_defined="not defined",
    not_defined_note="\u201cNot defined\u201d means the number cannot be computed, e.g. a "
    "price per extra self-sufficient citizen when the effect is not positive.",
    table_names={
        "effects": "effects",
        "matching": "matching",
        "balance": "balance",
        "levels": "levels",
        "value": "value",
        "portfolio": "portfolio",
        "indicators": "indicators",
    },
    monitor_reasons={
        "no_data_yet": "Too early to judge the effect: that needs {min_treated} participants "
        "followed for at least {min_follow_up} months after their start.",
        "effect_below_trajectory": _EFFECT + "{ci_low} to {ci_high}), clearly below the "
        "{trajectory} needed by then to reach {target} by month {target_month}.",
        "target_missed": _EFFECT + "{ci_low} to {ci_high}): month {target_month} has been "
        "reached and the effect is below the target of {trajectory}.",
        "effect_uncertain": _EFFECT + "{ci_low} to {ci_high}), below the {trajectory} needed "
        "by then, but the interval still includes it.",
        "enrolment_behind": "{enrolled} participants have started against {planned} planned "
        "by now ({share} of the plan).",
        "dropouts_high": "{dropouts} participants ({dropout_share} of those started) stopped "
        "before {dropout_months} months, more than the limit of {limit}.",
        "effect_not_clear": _EFFECT + "{ci_low} to {ci_high}), at or above the "
        "{trajectory} needed by then, but the interval includes 0, so the effect is not yet "
        "clearly positive.",
        "effect_on_trajectory": _EFFECT + "{ci_low} to {ci_high}), at or above the "
        "{trajectory} needed by then to reach {target} by month {target_month}.",
        "no_target": "No target effect is agreed; enrolment and dropouts are on plan.",
    },
    on_track_summary={
        "as_of": "As of {month}.",
        "indicator": "Indicator",
        "actual": "Actual",
        "planned": "Planned / needed",
        "enrolment": "Participants started",
        "enrolment_total": "Planned participants in total",
        "dropouts": "Dropouts",
        "effect": "Effect {first}–{last} months after the start",
        "effect_none": "Effect so far",
        "target": "Target effect",
        "target_value": "{target} by month {month}",
        "outcomes": "Outcomes so far",
        "payments": "Payments so far",
        "plan": "plan {version}",
        "interval": "{level} interval",
    },
    status_names=_STATUS,
    cov_lag="{status} {k} months before start",
    cov_window="Months on {status}, last {n} months",
    cov_observed="Months with data, last {n} months",
    cov_share="Share of months with data on {status}, last {n} months",
    cov_fixed={"age": "Age", "sex_m": "Male", "in_programme": "In another offer at start"},
    cov_education="Education: {level}",
    cov_calendar="Start month: {month}",
    cov_programme_ever="Started offer {offer} before",
    cov_programme_months="Months since last start in offer {offer} (0: never)",
)
