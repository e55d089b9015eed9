"""The words of the report's summary, money and glossary parts (issue 18), in Danish and
English: one frozen :class:`ReportWords` per language in :data:`WORDS`.

Kept apart from :class:`~evaluation.texts.catalogue.Texts` so the per-offer summary line,
the price rules, the money section, the tilbudsvifte and the glossary have one place; the
README's glossary is the Danish :attr:`ReportWords.glossary` (a test keeps them equal).
"""

from __future__ import annotations

from dataclasses import dataclass

from evaluation.texts.catalogue import Lang


@dataclass(frozen=True)
class ReportWords:
    """Plain text or ``str.format`` templates (the comment names the fields)."""

    summary_title: str
    summary_intro: str  # {window}
    col_verdict: str
    col_effect: str
    col_price: str
    verdicts: dict[str, str]  # clear / borderline / unclear / none / hidden
    effect_line: str  # {est}
    price_reasons: dict[str, str]  # code -> "kan ikke beregnes: ..."
    price_cannot: str  # {reason}
    detail_title: str
    verdict_borderline: str  # {n}
    price_sentence: str  # {price}: the price_line
    price_cannot_sentence: str  # {reason}
    status_word: str
    no_estimate_reasons: dict[str, str]  # matching status -> words
    caveat_extrapolation: dict[str, str]  # rule -> caveat sentence ({k} {h})
    caveat_value_base: str
    # money
    money_title: str
    illustrative_banner: str
    money_intro: str
    col_payment: str
    col_enrolment: str
    col_dropouts: str
    enrolment_cell: str  # {enrolled} {planned}
    dropouts_cell: str  # {n} {share}
    no_terms: str
    sens_title: str
    sens_intro: str
    sens_col_scenario: str
    sens_col_net: str
    sens_col_total: str
    sens_col_price: str
    scenarios: dict[str, str]  # value.scenario -> words
    # balance and on track
    fact_matched_only: str  # {matched}
    balance_sentence: str  # {smd} {covariate} {threshold}
    balance_binary: str  # appended when the largest |SMD| is above the threshold
    balance_fail_sentence: str  # {n} {threshold} {covariate} {smd}
    balance_method: str  # {threshold}
    love_binary_note: str  # {names}
    placebo_method: str  # {first} {last}
    interim_before: str  # {first} {last} {est} {lo} {hi} {needed} {target} {month}
    interim_after: str  # {first} {last} {est} {lo} {hi} {target} {month} {relation}
    relation_above: str
    relation_below: str
    not_clear_tail: str
    # tilbudsvifte
    vifte_title: str
    vifte_intro: str
    vifte_x: str
    vifte_y: str
    vifte_lines_config: str  # {price} {effect}
    vifte_lines_median: str  # {price} {effect}
    vifte_apart: str
    vifte_apart_note: str  # {names}
    vifte_size: str
    quadrants: tuple[str, str, str, str]  # top-left, top-right, bottom-left, bottom-right
    # glossary
    glossary_title: str
    glossary: tuple[tuple[str, str], ...]


_DA_GLOSSARY = (
    (
        "Selvforsørgende",
        "En borger er selvforsørgende i en måned, når vedkommende er i job eller i "
        "uddannelse og ikke modtager offentlig forsørgelse (a-dagpenge, kontanthjælp, "
        "uddannelseshjælp, sygedagpenge, ressourceforløb, fleksjob, førtidspension og "
        "lignende) i registrene.",
    ),
    (
        "Mer-effekt",
        "Forskellen mellem deltagerne og de matchede kontroller i udviklingen fra måneden "
        "før start: hvor mange flere af deltagerne der er selvforsørgende, end der ville "
        "have været uden tilbuddet.",
    ),
    (
        "Procentpoint (pp)",
        "Forskel mellem to andele. 5 procentpoint betyder 5 flere selvforsørgende pr. 100 "
        "deltagere i en gennemsnitlig måned.",
    ),
    (
        "95 %-interval",
        "Et interval beregnet sådan, at det i 95 ud af 100 gentagne undersøgelser ville "
        "rumme den sande effekt. Jo smallere, jo mere præcist er tallet.",
    ),
    (
        "Statistisk klart",
        "p-værdien er under 5 %, også efter korrektion for, at flere tilbud testes på én "
        "gang (Holm); intervallet ligger da helt over eller helt under 0. Ellers kan "
        "forskellen skyldes tilfældigheder.",
    ),
    (
        "Matchede kontroller",
        "Borgere fra samme målgruppe, der i deltagerens startmåned havde samme forsørgelse "
        "og et lignende forløb, men ikke startede i tilbuddet.",
    ),
    (
        "Pris pr. ekstra selvforsørgende borger",
        "Tilbuddets pris pr. deltager delt med mer-effekten: hvad det koster at gøre én "
        "borger mere selvforsørgende (kommunernes \u201cpris pr. job\u201d). Den kan kun "
        "beregnes, når effekten er klart positiv.",
    ),
    (
        "Nettoværdi",
        "Sparede offentlige udgifter over tidshorisonten minus tilbuddets pris, "
        "diskonteret og i faste priser.",
    ),
    (
        "Resultatbaseret betaling",
        "Det beløb, en resultatkontrakt skylder leverandøren for de ekstra måneder med "
        "selvforsørgelse, efter kontraktens minimumseffekt og loft.",
    ),
    (
        "Tilbudsvifte",
        "Alle tilbud i ét billede: pris pr. ekstra selvforsørgende borger mod mer-effekt, "
        "boblens areal efter antal deltagere, stjerner for evidens.",
    ),
    (
        "Evidens (stjerner)",
        "Hvor godt tilbuddets virkning er dokumenteret i forvejen, fra 1 (svag) til 3 "
        "(stærk), som angivet i konfigurationen.",
    ),
    (
        "På rette spor",
        "Et trafiklys pr. tilbud: grøn, når effekten er på eller over den vej, der fører "
        "til målet, og klart over 0; gul ved risiko; rød, når målet ikke nås.",
    ),
    (
        "Balance (|SMD|)",
        "Hvor ens deltagere og kontroller er på baggrundsvariablene efter matchningen: "
        "den standardiserede forskel, for ja/nej-variable forskellen i andele.",
    ),
    (
        "Placebotest",
        "En test af, om deltagere og kontroller udviklede sig ens i årene før start, hvor "
        "tilbuddet endnu ikke kunne virke.",
    ),
    (
        "Fremskrivning",
        "Hvordan effekten antages at fortsætte efter de målte måneder, når værdien i "
        "kroner opgøres over en længere horisont.",
    ),
    ("\u2013", "Tallet er skjult, fordi der er for få personer bag det."),
    (
        "Kan ikke beregnes / ikke defineret",
        "Tallet findes ikke, fx en pris pr. ekstra selvforsørgende borger, når effekten "
        "ikke er klart positiv.",
    ),
)

_EN_GLOSSARY = (
    (
        "Self-sufficient",
        "A citizen is self-sufficient in a month when in work or in education and not on "
        "public benefits (unemployment insurance, cash benefit, education benefit, "
        "sickness benefit, rehabilitation, flexjob, disability pension and the like) in "
        "the registers.",
    ),
    (
        "Additional effect",
        "The difference between participants and matched controls in the change from the "
        "month before the start: how many more participants are self-sufficient than "
        "would have been without the offer.",
    ),
    (
        "Percentage points (pp)",
        "A difference between two shares. 5 percentage points means 5 more "
        "self-sufficient citizens per 100 participants in an average month.",
    ),
    (
        "95% interval",
        "A range computed so that in 95 of 100 repeated studies it would hold the true "
        "effect. The narrower, the more precise.",
    ),
    (
        "Statistically clear",
        "The p-value is below 5%, also after correcting for testing several offers at "
        "once (Holm); the interval then lies wholly above or below 0. Otherwise the "
        "difference may be chance.",
    ),
    (
        "Matched controls",
        "Citizens of the same target group who in the participant's start month had the "
        "same benefit and a similar history but did not start the offer.",
    ),
    (
        "Price per extra self-sufficient citizen",
        "The offer's cost per participant divided by the effect: what it costs to make "
        "one more citizen self-sufficient (municipalities' \u201cprice per job\u201d). "
        "Only computed when the effect is clearly positive.",
    ),
    (
        "Net value",
        "Public spending saved over the horizon minus the offer's cost, discounted and "
        "in fixed prices.",
    ),
    (
        "Results-based payment",
        "What a results contract owes the provider for the extra self-sufficient months, "
        "after the contract's minimum effect and cap.",
    ),
    (
        "Offer portfolio",
        "All offers in one chart: price per extra self-sufficient citizen against effect, "
        "bubble area by participants, stars for evidence.",
    ),
    (
        "Evidence (stars)",
        "How well the offer's effect was documented beforehand, from 1 (weak) to 3 "
        "(strong), as set in the config.",
    ),
    (
        "On track",
        "A traffic light per offer: green when the effect is on or above the path to the "
        "target and clearly above 0; amber at risk; red when the target is missed.",
    ),
    (
        "Balance (|SMD|)",
        "How alike participants and controls are on background variables after "
        "matching: the standardised difference, for yes/no variables the difference in "
        "shares.",
    ),
    (
        "Placebo test",
        "A test of whether participants and controls developed alike in the years before "
        "the start, when the offer could not yet work.",
    ),
    (
        "Extrapolation",
        "How the effect is assumed to continue after the measured months when the value "
        "in DKK is summed over a longer horizon.",
    ),
    ("\u2013", "The number is hidden because too few persons are behind it."),
    (
        "Cannot be computed / not defined",
        "The number does not exist, e.g. a price per extra self-sufficient citizen when "
        "the effect is not clearly positive.",
    ),
)

DA = ReportWords(
    summary_title="Kort fortalt",
    col_verdict="Konklusion",
    col_effect="Mer-effekt (95 %-interval)",
    col_price="Pris pr. ekstra selvforsørgende borger (95 %-interval)",
    summary_intro="Én linje pr. tilbud: konklusion, mer-effekt på andelen selvforsørgende "
    "{window} med 95 %-interval, pris pr. ekstra selvforsørgende borger og status mod "
    "delmålene. Detaljerne følger nedenfor.",
    verdicts={
        "clear": "Virker",
        "clear_negative": "Virker negativt",
        "borderline": "Måske, men ikke sikkert",
        "unclear": "Kan ikke skelnes fra tilfældigheder",
        "none": "Ingen effekt beregnet",
        "hidden": "Skjult (for få personer)",
    },
    effect_line="{est} pp",
    price_reasons={
        "not_positive": "effekten er ikke positiv",
        "not_clear": "effektens interval rummer 0, så prisen har ingen øvre grænse",
        "no_effect": "der er ingen effekt at regne med",
        "hidden": "tallet er skjult",
    },
    price_cannot="kan ikke beregnes: {reason}",
    detail_title="Hovedresultater i detaljer",
    verdict_borderline="forskellen er klar for dette tilbud set alene, men da {n} tilbud "
    "vurderes på én gang, kan den stadig skyldes tilfældigheder",
    price_sentence="Prisen pr. ekstra selvforsørgende borger er {price}.",
    price_cannot_sentence="Prisen pr. ekstra selvforsørgende borger kan ikke beregnes: {reason}.",
    status_word="Status",
    no_estimate_reasons={
        "no_participants": "ingen deltagere i perioden",
        "too_few_participants": "for få deltagere til en sammenligning",
        "no_candidate_controls": "ingen mulige kontroller i målgruppen",
        "not_started": "tilbuddet er ikke startet endnu",
        "outside_target_group": "deltagerne var uden for målgruppen",
        "no_control_in_stratum": "ingen kontrol med samme forsørgelse og startmåned",
        "no_control_within_caliper": "ingen kontrol, der ligner deltagerne nok",
        "other": "se matchningstabellen",
    },
    caveat_extrapolation={
        "none": "Værdien i kroner bygger på de målte effekter og faste enhedspriser; ud "
        "over de målte måneder er effekten ikke fremskrevet (sat til 0).",
        "constant": "Værdien i kroner bygger på de målte effekter og faste enhedspriser; ud "
        "over de målte måneder er effekten fremskrevet med gennemsnittet af de sidste {k} "
        "målte måneder.",
        "decay": "Værdien i kroner bygger på de målte effekter og faste enhedspriser; ud "
        "over de målte måneder er effekten fremskrevet fra gennemsnittet af de sidste {k} "
        "målte måneder og halveret for hver {h} måneder.",
    },
    caveat_value_base="Værdien i kroner bygger på de målte effekter og faste enhedspriser.",
    money_title="Kroner og øre: grundlaget",
    illustrative_banner="Bemærk: enhedspriserne i denne rapport er illustrative "
    "standardpriser, ikke kommunens egne. Beløb i kroner er eksempler på størrelsesorden "
    "og må ikke bruges som fakta, før priskataloget er udskiftet.",
    money_intro="Pris pr. ekstra selvforsørgende borger vises kun, hvor effekten er klart "
    "positiv. Resultatbetalingen er det, kontrakten skylder efter den målte effekt; "
    "intervallet er betalingen ved intervallets grænser.",
    col_payment="Resultatbetaling (95 %-interval)",
    col_enrolment="Startet / planlagt",
    col_dropouts="Stoppet tidligt",
    enrolment_cell="{enrolled} / {planned}",
    dropouts_cell="{n} ({share})",
    no_terms="ingen resultatkontrakt",
    sens_title="Hvor følsom er værdien?",
    sens_intro="Nettoværdien under andre antagelser end hovedberegningen. Tilbuddets pris "
    "pr. ekstra selvforsørgende borger afhænger kun af effekten og prisen pr. deltager.",
    sens_col_scenario="Antagelse",
    sens_col_net="Nettoværdi pr. deltager",
    sens_col_total="Nettoværdi i alt",
    sens_col_price="Pris pr. ekstra selvforsørgende",
    scenarios={
        "central": "Hovedberegning",
        "effect_low": "Effekt ved intervallets nedre grænse",
        "effect_high": "Effekt ved intervallets øvre grænse",
        "horizon_12": "Horisont 12 måneder",
        "horizon_24": "Horisont 24 måneder",
        "horizon_36": "Horisont 36 måneder",
        "extrapolation_none": "Ingen fremskrivning",
        "extrapolation_constant": "Fremskrivning: konstant effekt",
        "extrapolation_decay": "Fremskrivning: aftagende effekt",
        "prices_minus_20": "Enhedspriser 20 % lavere",
        "prices_plus_20": "Enhedspriser 20 % højere",
    },
    fact_matched_only="{matched} deltagere er matchet med kontroller (det samlede antal "
    "deltagere vises ikke, fordi det sammen med andre tal ville afsløre et lille antal).",
    balance_sentence="Grupperne ligner hinanden efter matchningen: alle baggrundsvariable "
    "ligger inden for grænsen på {threshold}. Største |SMD| er {smd} ({covariate}).",
    balance_binary=" Den ligger over {threshold}, men er en ja/nej-variabel, som bedømmes på "
    "forskellen i andele, ikke på |SMD|.",
    balance_fail_sentence="Grupperne ligner ikke hinanden nok efter matchningen: {n} af "
    "baggrundsvariablene opfylder ikke kravet (|SMD| højst {threshold}, og for talvariable "
    "en spredning, der ikke er alt for forskellig); størst er {covariate} med |SMD| {smd}. "
    "Effekten kan være skæv.",
    balance_method="Matchningen er god, når den standardiserede forskel (|SMD|) mellem "
    "deltagere og kontroller er højst {threshold} for alle baggrundsvariable; ja/nej-"
    "variable bedømmes på forskellen i andele (højst {threshold}). Love-plottet viser altid "
    "de variable med størst forskel efter matchningen.",
    love_binary_note="Over linjen, men inden for grænsen: {names} er ja/nej-variable, der "
    "bedømmes på forskellen i andele.",
    placebo_method="Før start bør deltagere og kontroller udvikle sig ens. Vi tester det på "
    "månederne {first}–{last} før start; en p-værdi under 5 % er et advarselstegn om, at "
    "sammenligningen ikke holder.",
    interim_before="Den foreløbige effekt i måned {first}–{last} efter start er {est} "
    "procentpoint ({lo} til {hi}); på vejen mod målet på {target} procentpoint i måned "
    "{month} skal den nu være {needed} procentpoint.",
    interim_after="Målmåneden ({month}) er nået: effekten i måned {first}–{last} efter "
    "start er {est} procentpoint ({lo} til {hi}), {relation} målet på {target} "
    "procentpoint.",
    relation_above="på eller over",
    relation_below="under",
    not_clear_tail=" Intervallet rummer 0, så effekten er endnu ikke klart positiv.",
    vifte_title="Tilbudsvifte: pris pr. ekstra selvforsørgende borger og mer-effekt",
    vifte_intro="Hvert tilbud er placeret efter pris pr. ekstra selvforsørgende borger "
    "(vandret, med 95 %-interval) og mer-effekt (lodret, med 95 %-interval). Boblens areal "
    "viser antallet af deltagere, stjernerne evidensen (1-3). Bedst er øverst til venstre: "
    "lav pris, høj effekt.",
    vifte_x="Pris pr. ekstra selvforsørgende borger",
    vifte_y="Mer-effekt, procentpoint",
    vifte_lines_config="Linjerne ligger ved de mål, der er sat i konfigurationen: en pris "
    "på {price} pr. ekstra selvforsørgende borger og en effekt på {effect} procentpoint.",
    vifte_lines_median="Der er ikke sat mål i konfigurationen (report.target_price_per_job_"
    "dkk, report.target_effect_pp), så linjerne ligger ved midten (medianen) af de viste "
    "tilbud: {price} og {effect} procentpoint. De siger derfor kun, hvordan tilbuddene "
    "ligger i forhold til hinanden.",
    vifte_apart="Pris kan ikke beregnes",
    vifte_apart_note="Vist til højre, fordi prisen ikke kan beregnes: {names}.",
    vifte_size="Deltagere",
    quadrants=(
        "Lav pris, høj effekt",
        "Høj pris, høj effekt",
        "Lav pris, lav effekt",
        "Høj pris, lav effekt",
    ),
    glossary_title="Ordliste",
    glossary=_DA_GLOSSARY,
)

EN = ReportWords(
    summary_title="In brief",
    col_verdict="Verdict",
    col_effect="Additional effect (95% interval)",
    col_price="Price per extra self-sufficient citizen (95% interval)",
    summary_intro="One line per offer: verdict, additional effect on the share "
    "self-sufficient {window} with its 95% interval, price per extra self-sufficient "
    "citizen and status against the milestones. The detail follows below.",
    verdicts={
        "clear": "Works",
        "clear_negative": "Works negatively",
        "borderline": "Possibly, not certain",
        "unclear": "Cannot be told from chance",
        "none": "No effect estimated",
        "hidden": "Hidden (too few persons)",
    },
    effect_line="{est} pp",
    price_reasons={
        "not_positive": "the effect is not positive",
        "not_clear": "the effect's interval includes 0, so the price has no upper bound",
        "no_effect": "there is no effect to price",
        "hidden": "the number is hidden",
    },
    price_cannot="cannot be computed: {reason}",
    detail_title="Key findings in detail",
    verdict_borderline="the difference is clear for this offer on its own, but as {n} offers "
    "are judged at once it may still be chance",
    price_sentence="The price per extra self-sufficient citizen is {price}.",
    price_cannot_sentence="The price per extra self-sufficient citizen cannot be computed: "
    "{reason}.",
    status_word="Status",
    no_estimate_reasons={
        "no_participants": "no participants in the period",
        "too_few_participants": "too few participants to compare",
        "no_candidate_controls": "no possible controls in the target group",
        "not_started": "the offer has not started yet",
        "outside_target_group": "the participants were outside the target group",
        "no_control_in_stratum": "no control with the same benefit and start month",
        "no_control_within_caliper": "no control similar enough to the participants",
        "other": "see the matching table",
    },
    caveat_extrapolation={
        "none": "The value in DKK rests on the measured effects and fixed unit prices; "
        "beyond the measured months the effect is not extrapolated (set to 0).",
        "constant": "The value in DKK rests on the measured effects and fixed unit prices; "
        "beyond the measured months the effect is extrapolated as the mean of the last {k} "
        "measured months.",
        "decay": "The value in DKK rests on the measured effects and fixed unit prices; "
        "beyond the measured months the effect is extrapolated from the mean of the last "
        "{k} measured months, halving every {h} months.",
    },
    caveat_value_base="The value in DKK rests on the measured effects and fixed unit prices.",
    money_title="Money: the basis",
    illustrative_banner="Note: the unit prices in this report are illustrative defaults, "
    "not the municipality's own. Amounts in DKK show the order of magnitude only and are "
    "not facts until the price catalogue is replaced.",
    money_intro="The price per extra self-sufficient citizen is shown only where the "
    "effect is clearly positive. The results-based payment is what the contract owes for "
    "the measured effect; its interval is the payment at the interval's bounds.",
    col_payment="Results-based payment (95% interval)",
    col_enrolment="Started / planned",
    col_dropouts="Dropped out",
    enrolment_cell="{enrolled} / {planned}",
    dropouts_cell="{n} ({share})",
    no_terms="no results contract",
    sens_title="How sensitive is the value?",
    sens_intro="Net value under other assumptions than the main calculation. The price "
    "per extra self-sufficient citizen depends only on the effect and the cost per "
    "participant.",
    sens_col_scenario="Assumption",
    sens_col_net="Net value per participant",
    sens_col_total="Net value in total",
    sens_col_price="Price per extra self-sufficient",
    scenarios={
        "central": "Main calculation",
        "effect_low": "Effect at the interval's lower bound",
        "effect_high": "Effect at the interval's upper bound",
        "horizon_12": "Horizon 12 months",
        "horizon_24": "Horizon 24 months",
        "horizon_36": "Horizon 36 months",
        "extrapolation_none": "No extrapolation",
        "extrapolation_constant": "Extrapolation: constant effect",
        "extrapolation_decay": "Extrapolation: decaying effect",
        "prices_minus_20": "Unit prices 20% lower",
        "prices_plus_20": "Unit prices 20% higher",
    },
    fact_matched_only="{matched} participants are matched with controls (the total number "
    "of participants is not shown because, with other numbers, it would reveal a small "
    "count).",
    balance_sentence="The groups are alike after matching: every background variable is "
    "within the limit of {threshold}. The largest |SMD| is {smd} ({covariate}).",
    balance_binary=" It is above {threshold} but a yes/no variable, judged on the difference "
    "in shares, not on |SMD|.",
    balance_fail_sentence="The groups are not alike enough after matching: {n} of the "
    "background variables fail the requirement (|SMD| at most {threshold}, and for numeric "
    "variables a spread that is not too different); the largest is {covariate} with |SMD| "
    "{smd}. The effect may be biased.",
    balance_method="Matching is good when the standardised difference (|SMD|) between "
    "participants and controls is at most {threshold} for every background variable; "
    "yes/no variables are judged on the difference in shares (at most {threshold}). The "
    "Love plot always shows the variables with the largest difference after matching.",
    love_binary_note="Beyond the line but within the limit: {names} are yes/no variables, "
    "judged on the difference in shares.",
    placebo_method="Before the start, participants and controls should develop alike. We "
    "test it on months {first}–{last} before the start; a p-value below 5% warns that the "
    "comparison may not hold.",
    interim_before="The interim effect in months {first}–{last} after the start is {est} "
    "percentage points ({lo} to {hi}); on the way to the target of {target} percentage "
    "points in month {month} it should now be {needed} percentage points.",
    interim_after="The target month ({month}) has been reached: the effect in months "
    "{first}–{last} after the start is {est} percentage points ({lo} to {hi}), {relation} "
    "the target of {target} percentage points.",
    relation_above="at or above",
    relation_below="below",
    not_clear_tail=" The interval includes 0, so the effect is not yet clearly positive.",
    vifte_title="Offer portfolio: price per extra self-sufficient citizen and effect",
    vifte_intro="Each offer is placed by its price per extra self-sufficient citizen "
    "(across, with 95% interval) and its additional effect (up, with 95% interval). Bubble "
    "area shows participants, stars the evidence (1-3). Best is top left: low price, high "
    "effect.",
    vifte_x="Price per extra self-sufficient citizen",
    vifte_y="Additional effect, percentage points",
    vifte_lines_config="The lines sit at the targets set in the config: a price of {price} "
    "per extra self-sufficient citizen and an effect of {effect} percentage points.",
    vifte_lines_median="No targets are set in the config (report.target_price_per_job_dkk, "
    "report.target_effect_pp), so the lines sit at the middle (median) of the offers "
    "shown: {price} and {effect} percentage points. They only say how the offers compare "
    "with each other.",
    vifte_apart="Price cannot be computed",
    vifte_apart_note="Shown on the right because the price cannot be computed: {names}.",
    vifte_size="Participants",
    quadrants=(
        "Low price, high effect",
        "High price, high effect",
        "Low price, low effect",
        "High price, low effect",
    ),
    glossary_title="Glossary",
    glossary=_EN_GLOSSARY,
)

WORDS: dict[Lang, ReportWords] = {"da": DA, "en": EN}
