"""The Danish text catalogue (words of the report, the monitor's reasons and labels)."""

from __future__ import annotations

from evaluation.texts.catalogue import Texts

_EFFECT = "{first}–{last} måneder efter start er effekten {estimate} ({level}-interval "

_STATUS = {
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
    fact_mde="Mindste effekt, vi med {power} % sandsynlighed ville kunne se: {mde} procentpoint.",
    fact_break_even="Tilbuddet har tjent sig hjem efter {month} måneder.",
    fact_break_even_none="Tilbuddet har ikke tjent sig hjem inden for perioden.",
    placebo_ok="Placebotest: ingen tegn på, at deltagere og kontroller adskilte sig "
    "{first}–{last} måneder før start, som matchningen kun bruger som summer "
    "(p = {p}). Testen kan se udvælgelse på ældre historik; den kan ikke se forskelle, der "
    "opstår i det sidste år før start.",
    placebo_warn="Advarsel (placebotest): deltagere og kontroller adskilte sig "
    "{first}–{last} måneder før start, selv om de er matchet på deres historik "
    "(p = {p}). Udvælgelsen kan afhænge af ældre forhold, og effekten kan være skæv.",
    placebo_none="Placebotesten kunne ikke beregnes (for kort historik før start).",
    balance_ok="Grupperne ligner hinanden efter matchningen (største |SMD| {smd}).",
    balance_warn="Grupperne ligner ikke hinanden nok efter matchningen (største |SMD| {smd}).",
    event_study_title="Mer-effekt måned for måned",
    event_study_axis_x="Måneder fra start",
    event_study_axis_y="Procentpoint",
    event_study_caption="Forskellen mellem deltagere og kontroller i andelen selvforsørgende, "
    "målt i forhold til måneden før start (0 ved måned \u22121). Det skraverede bånd er "
    "95 %-intervallet for hver måned; de stiplede linjer er det samtidige 95 %-bånd, som hele "
    "kurven ligger inden for med 95 % sandsynlighed. Månederne lige før start er ens pr. "
    "konstruktion (målgruppereglen og matchningen), så de kan ikke vise skævhed; det gør "
    "placebotesten.",
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
        "earnings_dkk": "Lønindkomst pr. måned",
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
    monitor_reasons={
        "no_data_yet": "For tidligt at vurdere effekten: det kræver {min_treated} deltagere fulgt "
        "i mindst {min_follow_up} måneder efter start.",
        "effect_below_trajectory": _EFFECT + "{ci_low} til {ci_high}), klart under de "
        "{trajectory}, der skal til for at nå {target} i måned {target_month}.",
        "target_missed": _EFFECT + "{ci_low} til {ci_high}): måned {target_month} er nået, og "
        "effekten ligger under målet på {trajectory}.",
        "effect_uncertain": _EFFECT + "{ci_low} til {ci_high}), under de {trajectory}, der skal "
        "til på dette tidspunkt, men intervallet rummer det stadig.",
        "enrolment_behind": "{enrolled} deltagere er startet mod {planned} planlagt indtil nu "
        "({share} af planen).",
        "dropouts_high": "{dropouts} deltagere ({dropout_share} af de startede) stoppede inden "
        "{dropout_months} måneder, over grænsen på {limit}.",
        "effect_not_clear": _EFFECT + "{ci_low} til {ci_high}), på eller over de "
        "{trajectory}, der skal til, men intervallet rummer 0, så effekten er endnu ikke "
        "klart positiv.",
        "effect_on_trajectory": _EFFECT + "{ci_low} til {ci_high}), på eller over de "
        "{trajectory}, der skal til for at nå {target} i måned {target_month}.",
        "no_target": "Der er ikke aftalt et effektmål; tilgang og frafald følger planen.",
    },
    on_track_summary={
        "as_of": "Opgjort {month}.",
        "indicator": "Indikator",
        "actual": "Faktisk",
        "planned": "Planlagt / nødvendigt",
        "enrolment": "Deltagere startet",
        "enrolment_total": "Planlagte deltagere i alt",
        "dropouts": "Frafald",
        "effect": "Effekt {first}–{last} måneder efter start",
        "effect_none": "Effekt indtil nu",
        "target": "Effektmål",
        "target_value": "{target} i måned {month}",
        "outcomes": "Resultater indtil nu",
        "payments": "Betalinger indtil nu",
        "plan": "plan {version}",
        "interval": "{level}-interval",
    },
    status_names=_STATUS,
    cov_lag="{status} {k} mdr. før start",
    cov_window="Måneder på {status}, sidste {n} mdr.",
    cov_observed="Måneder med data, sidste {n} mdr.",
    cov_share="Andel af måneder med data på {status}, sidste {n} mdr.",
    cov_fixed={"age": "Alder", "sex_m": "Mand", "in_programme": "I et andet tilbud ved start"},
    cov_education="Uddannelse: {level}",
    cov_calendar="Startmåned: {month}",
    cov_programme_ever="Tidligere startet i tilbud {offer}",
    cov_programme_months="Måneder siden seneste start i tilbud {offer} (0: aldrig)",
)
