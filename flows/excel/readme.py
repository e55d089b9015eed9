"""The "Læs mig" / "Read me" sheet: what the numbers are, as of when, from which data,
what is hidden and why, whether the prices are illustrative, and every term."""

from __future__ import annotations

from dataclasses import dataclass

from flows.excel.vocabulary import Lang


@dataclass(frozen=True)
class WorkbookInfo:
    """What the read-me sheet states about the run (all from the manifest and config)."""

    as_of: str
    run_id: str
    data_first_month: str
    data_last_month: str
    min_cell_size: int
    allow_small_cells: bool = False
    prices_illustrative: bool | None = None  # None: no price catalogue, no money values
    lang: Lang = "da"


TITLE = (
    "Mer-effekt af sociale investeringer: tal til analyse",
    "Extra effect of social investments: numbers for analysis",
)
SHEET_NAME = ("Læs mig", "Read me")
FACTS = {
    "as_of": ("Opgjort til og med", "As of"),
    "period": ("Dataperiode", "Data period"),
    "run": ("Kørsel", "Run"),
    "suppression": ("Skjulte tal", "Hidden numbers"),
    "prices": ("Priser", "Prices"),
    "source": ("Kilde", "Source"),
}
SUPPRESSION = (
    "Ingen borger må kunne genkendes. Et tal, der bygger på færre end {k} personer, er "
    "skjult (tom celle), og det samme gælder tal, der sammen med andre offentliggjorte tal "
    "kunne afsløre et skjult tal, og effekter, andele og værdier, der bygger på et skjult "
    "tal. Rækker med et skjult tal er markeret 'skjult' i kolonnen Skjult, med årsagen ved "
    "siden af; filtrér på kolonnen for at se dem. De skjulte tal findes ikke i denne fil.",
    "No citizen must be recognisable. A number resting on fewer than {k} persons is hidden "
    "(blank cell), and so are numbers that together with other published numbers could "
    "reveal a hidden one, and effects, shares and values resting on a hidden number. Rows "
    "with a hidden number say 'hidden' in the column Hidden, with the reason beside it; "
    "filter on that column to see them. The hidden numbers are not in this file.",
)
SMALL_CELLS = (
    " Grænsen er sat under 3 med allow_small_cells: true i konfigurationen.",
    " The threshold was set below 3 with allow_small_cells: true in the config.",
)
PRICES = {
    True: (
        "Priskataloget er ILLUSTRATIVT (standardpriser til udvikling og demonstration, ikke "
        "SØM-enhedspriser). Beløb i kroner er eksempler: erstat priserne med kommunens egne "
        "eller SØM's enhedspriser, før tallene bruges.",
        "The price catalogue is ILLUSTRATIVE (default prices for development and "
        "demonstration, not SØM unit prices). Amounts in DKK are examples: replace the prices "
        "with the municipality's own or SØM's unit prices before the numbers are used.",
    ),
    False: (
        "Priserne er konfigurationens egne (ingen er markeret illustrative).",
        "The prices are the config's own (none is marked illustrative).",
    ),
    None: (
        "Ingen priser i konfigurationen: ingen værdi i kroner.",
        "No prices in the config: no values in money.",
    ),
}
SOURCE = (
    "Tallene er de samme som i Parquet-filerne i samme mappe (effects.parquet osv.), "
    "men andele vises i procentpoint (pp) eller procent (%), dvs. ganget med 100, og koder "
    "er oversat til ord. Kolonneoversigten nederst viser, hvilken Parquet-kolonne hver "
    "kolonne kommer fra. Et 'ubegrænset' interval betyder, at grænsen er uendelig.",
    "The numbers are those of the Parquet files in the same folder (effects.parquet etc.), "
    "but shares are shown in percentage points (pp) or per cent (%), i.e. times 100, and "
    "codes are translated into words. The column list at the bottom shows which Parquet "
    "column each column comes from. An 'unbounded' interval means the bound is infinite.",
)
HEADINGS = {
    "sheets": ("Ark", "Sheets"),
    "terms": ("Begreber", "Terms"),
    "columns": ("Kolonner", "Columns"),
    "column_head": (
        ("Ark", "Kolonne", "Parquet-fil og kolonne", "Enhed"),
        ("Sheet", "Column", "Parquet file and column", "Unit"),
    ),
}
TERMS: tuple[tuple[tuple[str, str], tuple[str, str]], ...] = (
    (
        ("Selvforsørgende", "Self-sufficient"),
        (
            "En borger er selvforsørgende i en måned, når hovedstatus er job eller uddannelse "
            "(altså ikke offentlig forsørgelse som a-dagpenge, kontanthjælp, sygedagpenge, "
            "ressourceforløb, fleksjob eller førtidspension).",
            "A citizen is self-sufficient in a month when their main status is job or "
            "education (so not public support such as unemployment insurance, cash benefit, "
            "sickness benefit, rehabilitation, flexjob or disability pension).",
        ),
    ),
    (
        ("Mer-effekt", "Extra effect"),
        (
            "Forskellen mellem det, der skete for deltagerne, og det, der ville være sket uden "
            "tilbuddet, målt med matchede kontroller: ændringen fra måneden før start hos "
            "deltagerne minus ændringen hos kontrollerne (difference-in-differences).",
            "The difference between what happened to the participants and what would have "
            "happened without the offer, measured with matched controls: the participants' "
            "change since the month before start minus the controls' (difference-in-differences).",
        ),
    ),
    (
        ("Procentpoint (pp)", "Percentage points (pp)"),
        (
            "Forskellen mellem to procenter: 35 % mod 30 % er 5 procentpoint.",
            "The difference between two percentages: 35% against 30% is 5 percentage points.",
        ),
    ),
    (
        ("Målgruppe", "Target group"),
        (
            "De borgere, tilbuddet er til, efter reglen i konfigurationen (fx sygedagpenge i "
            "hver af de to måneder før start). Samme regel gælder deltagere og kontroller.",
            "The citizens the offer is for, by the rule in the config (e.g. sickness benefit in "
            "each of the two months before start). The same rule applies to participants and "
            "controls.",
        ),
    ),
    (
        ("Matchede kontroller", "Matched controls"),
        (
            "Borgere fra samme målgruppe, der ikke var startet i tilbuddet, og som ligner "
            "deltageren i startmåneden (forsørgelse de foregående år, alder, køn, uddannelse).",
            "Citizens of the same target group who had not started the offer and who resemble "
            "the participant in the start month (support in the years before, age, sex, "
            "education).",
        ),
    ),
    (
        ("Nedre og øvre grænse", "Lower and upper bound"),
        (
            "Konfidensintervallet (normalt 95 %): de værdier af effekten, som data er forenelige "
            "med. Indeholder det 0, er effekten ikke statistisk klar.",
            "The confidence interval (usually 95%): the values of the effect the data are "
            "compatible with. When it includes 0 the effect is not statistically clear.",
        ),
    ),
    (
        ("p-værdi og Holm", "p-value and Holm"),
        (
            "Sandsynligheden for en så stor forskel, hvis tilbuddet ingen effekt havde. Holm "
            "justerer for, at flere tilbud og udfald testes på én gang.",
            "The probability of so large a difference if the offer had no effect. Holm adjusts "
            "for several offers and outcomes being tested at once.",
        ),
    ),
    (
        ("Hovedtal", "Headline"),
        (
            "Effekten i gennemsnit over de første måneder efter start (normalt måned 0-11).",
            "The effect averaged over the first months after start (usually months 0-11).",
        ),
    ),
    (
        ("Mindste påviselige effekt", "Minimum detectable effect"),
        (
            "Den mindste effekt, tilbuddets størrelse kan påvise med 80 % sandsynlighed.",
            "The smallest effect the offer's size can detect with 80% probability.",
        ),
    ),
    (
        ("p-værdi før start", "Pre-trend p-value"),
        (
            "Test af, at deltagere og kontroller udviklede sig ens før start. En lille værdi "
            "er et advarselstegn.",
            "Test that participants and controls developed alike before start. A small value "
            "is a warning sign.",
        ),
    ),
    (
        ("Nettoværdi", "Net value"),
        (
            "Tilbagediskonterede besparelser på offentlige udgifter over horisonten minus "
            "tilbuddets pris.",
            "Discounted savings in public expenditure over the horizon minus the offer's cost.",
        ),
    ),
    (
        ("Pris pr. ekstra selvforsørgende", "Price per extra self-sufficient"),
        (
            "Prisen pr. deltager divideret med mer-effekten på selvforsørgelse: hvad det koster "
            "at gøre én borger mere selvforsørgende. Kan ikke beregnes, når effekten ikke er "
            "positiv; øvre grænse ubegrænset, når intervallet indeholder 0.",
            "The cost per participant divided by the extra effect on self-sufficiency: what "
            "it costs to make one more citizen self-sufficient. Not defined when the effect is "
            "not positive; upper bound unbounded when the interval includes 0.",
        ),
    ),
    (
        ("Betaler", "Payer"),
        (
            "Hvem besparelsen falder hos: kommune, stat eller region (alle betalere = i alt).",
            "Who the savings fall to: municipality, state or region (all payers = total).",
        ),
    ),
    (
        ("Scenarie", "Scenario"),
        (
            "Hovedberegning eller følsomhed: effekten ved sine grænser, anden horisont, anden "
            "fremskrivning, priser ±20 %.",
            "Central or sensitivity: the effect at its bounds, another horizon, another "
            "extrapolation, prices ±20%.",
        ),
    ),
    (
        ("Fremskrivning og horisont", "Extrapolation and horizon"),
        (
            "Horisonten er antal måneder, besparelsen regnes over; ud over de målte måneder "
            "følger effekten fremskrivningsreglen (ingen, konstant eller aftagende).",
            "The horizon is the number of months savings are counted over; beyond the measured "
            "months the effect follows the extrapolation rule (none, constant or decaying).",
        ),
    ),
    (
        ("Resultatbetaling", "Results payment"),
        (
            "Beløbet, myndigheden skal betale efter resultatkontrakten ved den målte effekt.",
            "The amount the authority owes under the results contract at the measured effect.",
        ),
    ),
    (
        ("På sporet", "On track"),
        (
            "Foreløbige indikatorer: tilgang mod plan, frafald og foreløbig effekt mod målet; "
            "status på sporet, i risiko eller ikke på sporet med reglen, der afgjorde den.",
            "Interim indicators: enrolment against plan, dropouts and interim effect against "
            "the target; status on track, at risk or off track with the rule that set it.",
        ),
    ),
    (
        ("Karantæne", "Quarantine"),
        (
            "Inddata-rækker, der brød en regel i datakontrakten og blev sat til side.",
            "Input rows that broke a rule of the data contract and were set aside.",
        ),
    ),
    (
        ("Skjult", "Hidden"),
        (
            "Tallet er udeladt af diskretionshensyn (se Skjulte tal øverst).",
            "The number is left out to protect privacy (see Hidden numbers at the top).",
        ),
    ),
)
