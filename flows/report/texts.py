"""Every word of the evaluation report, in Danish and English, and number formatting.

``TEXTS[lang]`` is a frozen :class:`Texts`; ``STYLES[lang]`` a :class:`NumberStyle`
(Danish: decimal comma, thousands dot, "42.000 kr."; English: "DKK 42,000"). Sentences
with numbers are ``str.format`` templates whose fields are filled with already formatted
(and HTML-marked) numbers by :mod:`flows.report.render`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["da", "en"]
MINUS = "\u2212"
DASH = "\u2013"  # shown for suppressed or missing numbers


@dataclass(frozen=True)
class NumberStyle:
    """How numbers, money and months are written in one language."""

    thousands: str
    decimal: str
    currency_before: str
    currency_after: str
    million_after: str  # suffix of amounts written in millions
    month_names: tuple[str, ...]
    percent_suffix: str = "%"

    def number(self, x: float | None, decimals: int = 0) -> str:
        """``x`` with grouping and the language's decimal mark; "–" when missing."""
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return DASH
        if math.isinf(x):
            return "\u221e" if x > 0 else MINUS + "\u221e"
        text = f"{abs(x):,.{decimals}f}"
        text = text.replace(",", "\x00").replace(".", self.decimal)
        text = text.replace("\x00", self.thousands)
        negative = round(abs(x), decimals) > 0 and x < 0
        return (MINUS if negative else "") + text

    def significant(self, x: float | None, digits: int = 3) -> str:
        """``x`` rounded to ``digits`` significant digits (integers stay whole)."""
        if x is None or not math.isfinite(x) or x == 0:
            return self.number(x)
        mag = math.floor(math.log10(abs(x)))
        rounded = round(x, digits - 1 - mag)
        return self.number(rounded, max(0, digits - 1 - mag))

    def money(self, x: float | None) -> str:
        """An amount in DKK, 3 significant digits, millions from 1m: "42.000 kr."."""
        if x is None or not math.isfinite(x):
            return self.number(x)
        if abs(x) >= 1e6:
            body = self.significant(x / 1e6, 3) + self.million_after
        else:
            body = self.significant(x, 3) if abs(x) >= 1000 else self.number(x, 0)
        return f"{self.currency_before}{body}{self.currency_after}"

    def pp(self, share: float | None, decimals: int = 1) -> str:
        """A difference of shares in percentage points (0.071 -> "7,1")."""
        return self.number(None if share is None else share * 100, decimals)

    def percent(self, share: float | None, decimals: int = 0) -> str:
        return self.number(None if share is None else share * 100, decimals)

    def pct(self, share: float | None, decimals: int = 0) -> str:
        """A share with its percent sign (0.58 -> "58 %" / "58%"); "–" when missing."""
        text = self.percent(share, decimals)
        return text if text == DASH else text + self.percent_suffix

    def p_value(self, p: float | None) -> str:
        if p is None or not math.isfinite(p):
            return DASH
        return "< " + self.number(0.001, 3) if p < 0.001 else self.number(p, 3 if p < 0.01 else 2)

    def month(self, label: str) -> str:
        """ "2024-03" -> "marts 2024" / "March 2024"."""
        m = re.fullmatch(r"(\d{4})-(\d{2})", label or "")
        if not m:
            return label
        return f"{self.month_names[int(m.group(2)) - 1]} {m.group(1)}"


STYLES: dict[str, NumberStyle] = {
    "da": NumberStyle(
        thousands=".",
        decimal=",",
        currency_before="",
        currency_after=" kr.",
        million_after=" mio.",
        percent_suffix="\u00a0%",
        month_names=(
            "januar",
            "februar",
            "marts",
            "april",
            "maj",
            "juni",
            "juli",
            "august",
            "september",
            "oktober",
            "november",
            "december",
        ),
    ),
    "en": NumberStyle(
        thousands=",",
        decimal=".",
        currency_before="DKK ",
        currency_after="",
        million_after="m",
        month_names=(
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
    ),
}


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
    fact_mde: str  # {mde}
    fact_break_even: str  # {month}
    fact_break_even_none: str
    pretrend_ok: str  # {p}
    pretrend_warn: str  # {p}
    pretrend_none: str
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
    rule_texts: dict[str, str]  # indicators.rule_code -> sentence (see _RULE_FIELDS)
    col_break_even: str
    not_defined: str
    not_defined_note: str
    table_names: dict[str, str]
    # covariate labels
    status_names: dict[str, str] = field(default_factory=dict)
    cov_lag: str = ""  # {status} {k}
    cov_window: str = ""  # {status} {n}
    cov_observed: str = ""  # {n}
    cov_fixed: dict[str, str] = field(default_factory=dict)
    cov_education: str = ""  # {level}
    cov_calendar: str = ""  # {month}


_DA_STATUS = {
    "job": "job",
    "education": "uddannelse",
    "unemployment_insurance": "a-dagpenge",
    "cash_benefit": "kontanthjælp",
    "education_benefit": "uddannelseshjælp",
    "sickness_benefit": "sygedagpenge",
    "rehabilitation": "ressourceforløb/jobafklaring",
    "flexjob": "fleksjob",
    "disability_pension": "førtidspension",
    "other": "andet",
    "self_sufficient": "selvforsørgelse",
}
_EN_STATUS = {
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

DA = Texts(
    title="Mer-effekt af sociale investeringer",
    subtitle="Opgjort med data til og med {as_of} \u00b7 kørsel {run_id}",
    contents="Indhold",
    generated_by="Lavet af mereffekt. Alle tal er opgjort for grupper; ingen borger kan genkendes.",
    key_findings="Hovedresultater",
    headline_sentence="<strong>{name}:</strong> Deltagerne var {range} {window} end de "
    "sammenlignelige borgere, der ikke deltog; {verdict}.",
    range_more="mellem {lo} og {hi} procentpoint oftere {outcome}",
    range_less="mellem {lo} og {hi} procentpoint sjældnere {outcome}",
    range_mixed="mellem {lo} procentpoint sjældnere og {hi} procentpoint oftere {outcome}",
    window_first_year="i det første år efter start",
    window_months="i måned {lo} til {hi} efter start",
    verdict_clear="det er statistisk klart",
    verdict_unclear="det er ikke statistisk klart, så forskellen kan skyldes tilfældigheder",
    verdict_borderline="det er statistisk klart for tilbuddet alene, men ikke når der tages "
    "højde for, at flere tilbud og udfald testes på én gang",
    basis_sentence="Det bygger på {participants} deltagere, der {period}, sammenlignet med "
    "{controls} matchede borgere fra samme målgruppe, fulgt op til {follow_up} måneder "
    "efter start.",
    period_until="startede til og med {as_of}",
    period_between="startede mellem {first} og {last}",
    value_sentence="Over {horizon} måneder svarer det til en nettoværdi på {net} pr. deltager "
    "(mellem {net_lo} og {net_hi}), {total} i alt, når tilbuddets pris på {cost} pr. "
    "deltager er trukket fra.",
    price_sentence="Prisen pr. ekstra selvforsørgende borger er {price}.",
    price_not_defined="Der kan ikke beregnes en pris pr. ekstra selvforsørgende borger, "
    "fordi effekten ikke er positiv.",
    suppressed_sentence="<strong>{name}:</strong> Der er for få personer bag resultatet til, "
    "at det kan vises (færre end {k}).",
    no_estimate_sentence="<strong>{name}:</strong> Der er ikke beregnet en effekt ({reason}).",
    caveat_title="Hvad sammenligningen kan og ikke kan vise",
    caveat_items=(
        "Hver deltager er sammenlignet med borgere fra samme målgruppe, som i måneden for "
        "deltagerens start havde samme forsørgelse og et lignende forløb de foregående år, "
        "men som ikke var startet i tilbuddet. Forskellen i udviklingen efter start kalder "
        "vi tilbuddets mer-effekt.",
        "Sammenligningen tager højde for det, der står i registrene: tidligere forsørgelse, "
        "alder, køn og uddannelse. Den kan ikke tage højde for det, der ikke står der, fx "
        "motivation, helbred eller netværk. Vælges deltagerne ud fra den slags, kan "
        "effekten være over- eller undervurderet.",
        "Tallene gælder dem, der faktisk deltog. De siger ikke, hvad tilbuddet ville gøre "
        "for andre grupper eller i større skala.",
        "Intervallerne viser den statistiske usikkerhed (95 %). Et resultat, der ikke er "
        "statistisk klart, betyder ikke, at tilbuddet ingen effekt har, men at vi ikke kan "
        "skelne den fra tilfældigheder endnu.",
        "Værdien i kroner bygger på de målte effekter og faste enhedspriser. Ud over "
        "opfølgningsperioden er effekten fremskrevet efter en fast regel.",
    ),
    overview="Overblik pr. tilbud",
    col_offer="Tilbud",
    col_participants="Deltagere",
    col_matched="heraf matchet",
    col_controls="Matchede kontroller",
    col_effect="Mer-effekt, procentpoint ({level} %-interval)",
    col_clear="Statistisk klart?",
    col_net_pp="Nettoværdi pr. deltager",
    col_net_total="Nettoværdi i alt",
    col_price_job="Pris pr. ekstra selvforsørgende",
    clear_yes="Ja",
    clear_no="Nej, kan skyldes tilfældigheder",
    clear_borderline="Kun for tilbuddet alene",
    interval="{lo} til {hi}",
    forest_title="Alle tilbud: mer-effekt på selvforsørgelse det første år",
    forest_axis="Mer-effekt, procentpoint",
    portfolio_title="Tilbudsvifte",
    portfolio_intro="Hvert tilbud er placeret efter pris pr. deltager og mer-effekt. Boblens "
    "størrelse viser antallet af deltagere, stjernerne evidensen (1-3). Linjerne deler "
    "viften ved midten (medianen) af tilbuddenes pris og effekt.",
    portfolio_x="Pris pr. deltager",
    portfolio_y="Mer-effekt, procentpoint",
    quadrants=(
        "Lav pris, høj effekt",
        "Høj pris, høj effekt",
        "Lav pris, lav effekt",
        "Høj pris, lav effekt",
    ),
    col_cost="Pris pr. deltager",
    col_effect_short="Mer-effekt, procentpoint",
    col_stars="Evidens",
    portfolio_missing="Uden effekt at vise: {names}.",
    on_track_title="Er vi på rette spor?",
    on_track_intro="Status for hvert tilbud målt mod de aftalte delmål.",
    col_status="Status",
    col_rule="Begrundelse",
    status_labels={
        "on_track": "På rette spor",
        "at_risk": "I risiko",
        "off_track": "Ikke på rette spor",
        "too_early": "For tidligt at sige",
        "no_target": "Intet mål aftalt",
    },
    offer_results="Resultater for {name}",
    facts_title="Nøgletal",
    fact_participants="{n} deltagere, heraf {matched} matchet med kontroller.",
    fact_controls="{n} forskellige kontrolpersoner (effektivt antal {ess}).",
    fact_follow_up="Fulgt op til {months} måneder efter start.",
    fact_mde="Mindste effekt, vi med 80 % sandsynlighed ville kunne se: {mde} procentpoint.",
    fact_break_even="Tilbuddet har tjent sig hjem efter {month} måneder.",
    fact_break_even_none="Tilbuddet har ikke tjent sig hjem inden for perioden.",
    pretrend_ok="Ingen tegn på, at deltagere og kontroller udviklede sig forskelligt før "
    "start (p = {p}).",
    pretrend_warn="Advarsel: deltagere og kontroller udviklede sig forskelligt før start "
    "(p = {p}). Effekten skal læses med forsigtighed.",
    pretrend_none="Udviklingen før start kunne ikke testes.",
    balance_ok="Grupperne ligner hinanden efter matchningen (største |SMD| {smd}).",
    balance_warn="Grupperne ligner ikke hinanden nok efter matchningen (største |SMD| {smd}).",
    event_study_title="Mer-effekt måned for måned",
    event_study_axis_x="Måneder fra start",
    event_study_axis_y="Procentpoint",
    event_study_caption="Forskellen mellem deltagere og kontroller i andelen selvforsørgende, "
    "målt i forhold til måneden før start (0 ved måned \u22121). Før start bør kurven ligge "
    "omkring 0. Det skraverede bånd er 95 %-intervallet.",
    levels_title="Andel selvforsørgende: deltagere og matchede kontroller",
    levels_axis_y="Andel selvforsørgende, %",
    levels_caption="Andelen selvforsørgende i hver måned fra start for deltagerne og for de "
    "vægtede kontroller.",
    love_title="Balance før og efter matchning",
    love_axis="|SMD| (standardiseret forskel)",
    love_caption="Forskellen mellem deltagere og kontroller på hver baggrundsvariabel før "
    "(åben cirkel) og efter (fyldt cirkel) matchningen. Under {threshold} (stiplet linje) "
    "regnes grupperne for ens. Viser de {k} variable med størst forskel.",
    love_more="{n} andre variable er ikke vist; deres største |SMD| efter matchning er {smd}.",
    legend_estimate="Mer-effekt",
    legend_interval="95 %-interval",
    legend_participants="Deltagere",
    legend_controls="Matchede kontroller",
    legend_before="Før matchning",
    legend_after="Efter matchning",
    label_start="Start",
    label_before_start="Før start",
    no_data="Ingen data at vise",
    outcomes_title="Effekt på alle udfald (første år)",
    col_outcome="Udfald",
    col_estimate="Mer-effekt",
    col_p_holm="p-værdi (korrigeret)",
    payers_title="Hvem sparer? Besparelse pr. deltager fordelt på betaler",
    col_payer="Betaler",
    col_savings="Besparelse pr. deltager",
    payer_names={"all": "I alt", "kommune": "Kommunen", "stat": "Staten", "region": "Regionen"},
    outcome_names={
        "self_sufficient": "Selvforsørgende",
        "on_benefits": "På offentlig forsørgelse",
        "public_cost_dkk": "Offentlige udgifter pr. måned",
    },
    outcome_adjectives={
        "self_sufficient": "selvforsørgende",
        "on_benefits": "på offentlig forsørgelse",
    },
    unit_pp="procentpoint",
    unit_per_month="pr. måned",
    method_title="Sådan skal tallene læses",
    method_items=(
        (
            "Hvem er sammenlignet med hvem?",
            "For hver måned, hvor en borger starter i et tilbud, finder vi borgere fra samme "
            "målgruppe, som i samme måned havde samme forsørgelse og et lignende forløb de "
            "foregående tre år (job, uddannelse og ydelser måned for måned, alder, køn og "
            "uddannelse), men som ikke var startet. De bliver deltagerens kontroller. Starter "
            "en kontrol senere selv i tilbuddet, følges vedkommende kun indtil da, og de "
            "øvrige kontroller vægtes op.",
        ),
        (
            "Hvad betyder tallene?",
            "Mer-effekten er forskellen i udviklingen fra måneden før start mellem deltagere "
            "og kontroller (forskel-i-forskelle). En mer-effekt på 10 procentpoint betyder, at "
            "10 ud af 100 deltagere var selvforsørgende i en gennemsnitlig måned, som ellers "
            "ikke ville have været det. Hovedtallet er gennemsnittet over måned {lo} til {hi} "
            "efter start.",
        ),
        (
            "Hvad betyder tallene ikke?",
            "Tallene er ikke et bevis som fra et lodtrækningsforsøg: forskelle, der ikke står "
            "i registrene, kan påvirke dem. De siger intet om tiden efter "
            "opfølgningsperioden, og et resultat, der ikke er statistisk klart, er ikke det "
            "samme som ingen effekt.",
        ),
        (
            "Statistisk klart",
            "Vi kalder et resultat statistisk klart, når p-værdien er under 5 %, efter at "
            "der er taget højde for, at alle tilbud og udfald testes på én gang "
            "(Holm-korrektion). Intervallet er et 95 %-interval uden korrektion.",
        ),
        (
            "Kontrol af udviklingen før start",
            "Før start bør deltagere og kontroller udvikle sig ens. Vi tester det på de 12 "
            "måneder før start; en p-værdi under 5 % er et advarselstegn om, at "
            "sammenligningen ikke holder.",
        ),
        (
            "Balance",
            "Matchningen er god, når den standardiserede forskel (|SMD|) mellem deltagere og "
            "kontroller er under 0,1 for alle baggrundsvariable.",
        ),
    ),
    value_settings="Værdier i kroner er opgjort over {horizon} måneder i {year}-priser, "
    "diskonteret med {rate} % om året; {extrapolation}.",
    suppressed_note="\u201c\u2013\u201d betyder, at tallet ikke vises, fordi der er færre end "
    "{k} personer bag det (eller fordi det kunne regnes ud fra andre tal). Det beskytter "
    "borgernes anonymitet.",
    suppressed_count="I denne måneds tabeller har {n} rækker skjulte tal ({tables}); de "
    "vises som \u201c\u2013\u201d og er ikke regnet ud på anden vis.",
    suppressed_none="Ingen tal i denne måneds tabeller er skjult.",
    small_cells_note="Bemærk: konfigurationen tillader små celler (privacy.allow_small_cells), "
    "så tal bag kun {k} person(er) kan vises.",
    extrapolations={
        "none": "ud over de målte måneder er effekten ikke fremskrevet",
        "constant": "ud over de målte måneder er effekten fremskrevet med gennemsnittet af de "
        "sidste {k} målte måneder",
        "decay": "ud over de målte måneder er effekten fremskrevet fra gennemsnittet af de "
        "sidste {k} målte måneder og halveret for hver {h} måneder",
    },
    col_participants_compared="Deltagere i sammenligningen",
    rule_texts={
        "no_data_yet": "For tidligt at vurdere effekten: der er endnu ikke deltagere nok, som "
        "er fulgt længe nok efter start.",
        "effect_below_trajectory": "Den foreløbige effekt op til måned {last} efter start er "
        "{estimate} procentpoint ({ci_low} til {ci_high}), klart under de {trajectory} "
        "procentpoint, der skal til for at nå målet på {target} procentpoint i måned "
        "{target_month}.",
        "target_missed": "Måned {target_month} er nået, og effekten på {estimate} procentpoint "
        "({ci_low} til {ci_high}) ligger under målet på {trajectory} procentpoint.",
        "effect_uncertain": "Den foreløbige effekt op til måned {last} efter start er "
        "{estimate} procentpoint ({ci_low} til {ci_high}), under de {trajectory} "
        "procentpoint, der skal til på dette tidspunkt, men intervallet rummer det stadig.",
        "enrolment_behind": "{enrolled} deltagere er startet mod {planned} planlagt indtil nu "
        "({share} af planen).",
        "dropouts_high": "{dropouts} deltagere ({dropout_share} af de startede) er stoppet "
        "tidligt, over den aftalte grænse.",
        "effect_on_trajectory": "Den foreløbige effekt op til måned {last} efter start er "
        "{estimate} procentpoint ({ci_low} til {ci_high}), på eller over de {trajectory} "
        "procentpoint, der skal til for at nå målet på {target} procentpoint i måned "
        "{target_month}.",
        "no_target": "Der er ikke aftalt et effektmål; tilgang og frafald følger planen.",
    },
    col_break_even="Tjent hjem efter",
    not_defined="ikke defineret",
    not_defined_note="\u201cIkke defineret\u201d betyder, at tallet ikke kan beregnes, fx en "
    "pris pr. ekstra selvforsørgende borger, når effekten ikke er positiv.",
    table_names={
        "effects": "effekter",
        "matching": "matchning",
        "balance": "balance",
        "levels": "niveauer",
        "value": "værdi",
        "portfolio": "tilbudsvifte",
        "indicators": "delmål",
    },
    status_names=_DA_STATUS,
    cov_lag="{status} {k} mdr. før start",
    cov_window="Måneder på {status}, sidste {n} mdr.",
    cov_observed="Måneder med data, sidste {n} mdr.",
    cov_fixed={"age": "Alder", "sex_m": "Mand"},
    cov_education="Uddannelse: {level}",
    cov_calendar="Startmåned: {month}",
)

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
    fact_mde="Smallest effect we would see with 80% probability: {mde} percentage points.",
    fact_break_even="The offer has paid for itself after {month} months.",
    fact_break_even_none="The offer has not paid for itself within the period.",
    pretrend_ok="No sign that participants and controls developed differently before the "
    "start (p = {p}).",
    pretrend_warn="Warning: participants and controls developed differently before the start "
    "(p = {p}). Read the effect with caution.",
    pretrend_none="The development before the start could not be tested.",
    balance_ok="The groups are alike after matching (largest |SMD| {smd}).",
    balance_warn="The groups are not alike enough after matching (largest |SMD| {smd}).",
    event_study_title="Extra effect month by month",
    event_study_axis_x="Months since start",
    event_study_axis_y="Percentage points",
    event_study_caption="The difference between participants and controls in the share "
    "self-sufficient, measured against the month before the start (0 at month \u22121). "
    "Before the start the curve should lie around 0. The shaded band is the 95% interval.",
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
    status_names=_EN_STATUS,
    cov_lag="{status} {k} months before start",
    cov_window="Months on {status}, last {n} months",
    cov_observed="Months with data, last {n} months",
    cov_fixed={"age": "Age", "sex_m": "Male"},
    cov_education="Education: {level}",
    cov_calendar="Start month: {month}",
)

TEXTS: dict[str, Texts] = {"da": DA, "en": EN}

_LAG = re.compile(r"lag(\d+)_(\w+)")
_WINDOW = re.compile(r"(\w+?)_(\d+)m")
_CALENDAR = re.compile(r"calendar_month_(\d+)")


def covariate_label(name: str, lang: Lang) -> str:
    """A readable name of a matching covariate ("lag4_job" -> "job 4 mdr. før start")."""
    t, style = TEXTS[lang], STYLES[lang]
    if name in t.cov_fixed:
        return t.cov_fixed[name]
    if m := _LAG.fullmatch(name):
        status = t.status_names.get(m.group(2), m.group(2))
        return _capital(t.cov_lag.format(status=status, k=m.group(1)))
    if m := _CALENDAR.fullmatch(name):
        return t.cov_calendar.format(month=style.month_names[int(m.group(1)) - 1])
    if name.startswith("education_"):
        return t.cov_education.format(level=name.removeprefix("education_"))
    if m := _WINDOW.fullmatch(name):
        if m.group(1) == "observed":
            return t.cov_observed.format(n=m.group(2))
        status = t.status_names.get(m.group(1), m.group(1))
        return t.cov_window.format(status=status, n=m.group(2))
    return name


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
