"""The validation report for people (``validation_report.html``): what was checked, in
words, and what was set aside and why, in Danish (default) or English.

It is fed by the run's published, suppressed tables only - the quarantine summary
(``quarantine/summary.parquet``: rows and persons by file, rule and column) and the rows
read, kept and set aside per file (the manifest's ``validation``) - and by the rules of
the suites in words (:mod:`flows.report.rule_words`). A count blanked by the suppression
policy is shown as a dash, never as its number. Row numbers exist only in the data
owner's restricted copy (``row_numbers`` given): the published page has none.

The page fits the screen and the printed page: one column of text at most 60em wide,
tables at 100 % of it with fixed layout and wrapping cells.

The engineers' page with every expectation and its GX result (from
:mod:`flows.validation`) is written only to the restricted folder and by
``mereffekt validate --report FILE``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import pandas as pd

from flows.report.rule_words import Lang, RuleWords, rules_in_words

ROWS_SHOWN = 10
"""Row numbers shown per rule in the restricted copy."""

T = {
    "da": {
        "title": "Kontrol af inddata",
        "sub": "Opgjort til og med {as_of} · kørsel {run_id}",
        "intro": "Før beregningen kontrolleres de tre inddatafiler mod datakontrakterne. "
        "En række, der bryder en regel markeret <em>sættes til side</em>, holdes uden for "
        "beregningen (karantæne); brud på en regel markeret <em>stopper kørslen</em> "
        "stopper hele kørslen, før noget offentliggøres.",
        "privacy": "Ingen borger må kunne genkendes: antal under {k} og antal, der kunne "
        "afsløre dem, vises som –.",
        "restricted": "Begrænset kopi til dataejeren: den viser rækkenumre i inddatafilerne "
        "(første datarække = 1). Må ikke offentliggøres.",
        "files": "Filerne",
        "file": "Fil",
        "read": "Rækker læst",
        "kept": "Brugt",
        "set_aside": "Sat til side",
        "quarantine": "Hvad blev sat til side og hvorfor",
        "none": "Ingen rækker blev sat til side.",
        "rule": "Regel",
        "column": "Kolonne",
        "rows": "Rækker",
        "persons": "Personer",
        "first_rows": "Første rækkenumre",
        "checked": "Hvad blev kontrolleret",
        "stop": "stopper kørslen",
        "quarantine_action": "rækken sættes til side",
        "broken": "rækker sat til side, se ovenfor",
        "hidden": "– (skjult)",
        "number_sep": ".",
    },
    "en": {
        "title": "Input validation",
        "sub": "As of {as_of} · run {run_id}",
        "intro": "Before the evaluation the three input files are checked against the data "
        "contracts. A row that breaks a rule marked <em>set aside</em> is kept out of the "
        "evaluation (quarantine); breaking a rule marked <em>stops the run</em> stops the "
        "whole run before anything is published.",
        "privacy": "No citizen must be recognisable: counts below {k}, and counts that could "
        "reveal them, are shown as –.",
        "restricted": "Restricted copy for the data owner: it shows row numbers in the input "
        "files (first data row = 1). Not for publication.",
        "files": "The files",
        "file": "File",
        "read": "Rows read",
        "kept": "Used",
        "set_aside": "Set aside",
        "quarantine": "What was set aside and why",
        "none": "No rows were set aside.",
        "rule": "Rule",
        "column": "Column",
        "rows": "Rows",
        "persons": "Persons",
        "first_rows": "First row numbers",
        "checked": "What was checked",
        "stop": "stops the run",
        "quarantine_action": "the row is set aside",
        "broken": "rows set aside, see above",
        "hidden": "– (hidden)",
        "number_sep": ",",
    },
}
FILE_WORDS = {
    "persons.parquet": ("personer", "persons"),
    "status_monthly.parquet": ("status pr. måned", "monthly status"),
    "participation.parquet": ("deltagelse i tilbud", "participation in offers"),
}
STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;color:#222;line-height:1.45}"
    "main{max-width:60em;margin:0 auto;padding:1.5em}"
    "table{width:100%;border-collapse:collapse;table-layout:fixed;margin:.6em 0 1.2em}"
    "th,td{border-bottom:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top;"
    "overflow-wrap:break-word}"
    "td.n,th.n{text-align:right}"
    "code{font-size:.85em;overflow-wrap:anywhere;color:#555}"
    "li{margin:.25em 0}.stop{color:#8a1c1c}.hit{font-weight:600}"
    ".sub{color:#555}.note{background:#f3f3f3;padding:.5em .8em;border-left:4px solid #999}"
    ".restricted{background:#fde8e8;border-left-color:#a00}"
    "@media print{main{max-width:none;padding:0}}"
)


def render_validation_page(
    summary: pd.DataFrame,
    counts: pd.DataFrame,
    *,
    as_of: str,
    min_cell_size: int,
    max_quarantine_share: float,
    lang: Lang = "da",
    run_id: str = "",
    row_numbers: Mapping[tuple[str, str], Sequence[int]] | None = None,
) -> str:
    """The page as a complete HTML document. ``summary`` and ``counts`` are the run's
    suppressed quarantine summary and validation counts (``file, read, kept,
    quarantined``); ``row_numbers`` maps (file, rule) to 0-based row positions and is
    given only for the restricted copy."""
    if lang not in T:
        raise ValueError(f"lang must be one of {sorted(T)}, not {lang!r}")
    t = T[lang]
    rules = rules_in_words(lang, max_quarantine_share=max_quarantine_share)
    body = [
        f"<h1>{escape(t['title'])}</h1>",
        f"<p class='sub'>{escape(t['sub'].format(as_of=as_of, run_id=run_id or '–'))}</p>",
        f"<p>{t['intro']}</p>",
        f"<p class='note'>{escape(t['privacy'].format(k=min_cell_size))}</p>",
    ]
    if row_numbers is not None:
        body.append(f"<p class='note restricted'>{escape(t['restricted'])}</p>")
    body += [
        _files(counts, t, lang),
        _quarantine(summary, rules, t, lang, row_numbers),
        _checked(summary, rules, t, lang),
    ]
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(t['title'])}</title><style>{STYLE}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def _number(x: Any, t: dict[str, str]) -> str:
    """A published count, or a dash where the suppression blanked it."""
    if x is None or pd.isna(x):
        return t["hidden"]
    return f"{int(x):,}".replace(",", t["number_sep"])


def _file(name: str, lang: Lang) -> str:
    words = FILE_WORDS.get(name)
    label = words[0 if lang == "da" else 1] if words else name
    return f"{escape(label.capitalize())}<br><code>{escape(name)}</code>"


def _files(counts: pd.DataFrame, t: dict[str, str], lang: Lang) -> str:
    head = (
        f"<tr><th>{t['file']}</th><th class='n'>{t['read']}</th>"
        f"<th class='n'>{t['kept']}</th><th class='n'>{t['set_aside']}</th></tr>"
    )
    rows = "".join(
        f"<tr><td>{_file(str(r['file']), lang)}</td>"
        + "".join(f"<td class='n'>{_number(r[c], t)}</td>" for c in ("read", "kept", "quarantined"))
        + "</tr>"
        for _, r in counts.iterrows()
    )
    return f"<h2>{t['files']}</h2><table>{head}{rows}</table>"


def _rule_text(rules: list[RuleWords], file: str, rule: str) -> str:
    for r in rules:
        if r.file == file and r.rule == rule:
            return _sentence(r)
    return rule


def _sentence(r: RuleWords) -> str:
    """The rule's text with a capital first letter, unless it starts with a column or
    file name (``person_id er udfyldt`` stays as the name is written)."""
    first = r.text.split(" ", 1)[0].strip("(),:;")
    if "_" in first or first in r.column.split(",") or first in NAMES:
        return r.text
    return r.text[:1].upper() + r.text[1:]


NAMES = ("persons", "sex", "education", "month", "status", "participation")


def _quarantine(
    summary: pd.DataFrame,
    rules: list[RuleWords],
    t: dict[str, str],
    lang: Lang,
    row_numbers: Mapping[tuple[str, str], Sequence[int]] | None,
) -> str:
    title = f"<h2>{t['quarantine']}</h2>"
    if summary is None or summary.empty:
        return title + f"<p>{t['none']}</p>"
    extra = row_numbers is not None
    widths = (
        "<colgroup><col style='width:19%'><col><col style='width:12%'>"
        "<col style='width:11%'><col style='width:11%'>"
        + ("<col style='width:15%'>" if extra else "")
        + "</colgroup>"
    )
    head = (
        f"<tr><th>{t['file']}</th><th>{t['rule']}</th><th>{t['column']}</th>"
        f"<th class='n'>{t['rows']}</th><th class='n'>{t['persons']}</th>"
        + (f"<th>{t['first_rows']}</th>" if extra else "")
        + "</tr>"
    )
    rows = []
    for _, r in summary.iterrows():
        file, rule = str(r["file"]), str(r["rule"])
        cells = [
            _file(file, lang),
            f"{escape(_rule_text(rules, file, rule))}<br><code>{escape(rule)}</code>",
            escape(str(r["column"])) if pd.notna(r["column"]) else "",
        ]
        row = "".join(f"<td>{c}</td>" for c in cells)
        row += f"<td class='n'>{_number(r['n_rows'], t)}</td>"
        row += f"<td class='n'>{_number(r['n_persons'], t)}</td>"
        if extra:
            shown = sorted(row_numbers.get((file, rule), ()))
            text = ", ".join(str(int(i) + 1) for i in shown[:ROWS_SHOWN])
            row += f"<td>{text}{' …' if len(shown) > ROWS_SHOWN else ''}</td>"
        rows.append(f"<tr>{row}</tr>")
    return title + f"<table>{widths}{head}{''.join(rows)}</table>"


def _checked(summary: pd.DataFrame, rules: list[RuleWords], t: dict[str, str], lang: Lang) -> str:
    hit = set()
    if summary is not None and not summary.empty:
        hit = set(zip(summary["file"].astype(str), summary["rule"].astype(str), strict=True))
    parts = [f"<h2>{t['checked']}</h2>"]
    for file in dict.fromkeys(r.file for r in rules):
        items = []
        for r in (r for r in rules if r.file == file):
            action = t["stop"] if r.action == "stop" else t["quarantine_action"]
            cls = "stop" if r.action == "stop" else ""
            text = escape(_sentence(r))
            mark = f" <span class='hit'>→ {t['broken']}</span>" if (file, r.rule) in hit else ""
            items.append(f"<li>{text} <span class='{cls}'>({action})</span>{mark}</li>")
        parts.append(f"<h3>{_file(file, lang)}</h3><ul>{''.join(items)}</ul>")
    return "".join(parts)


def row_numbers(quarantine: pd.DataFrame) -> dict[tuple[str, str], list[int]]:
    """The first 0-based row positions per (file, rule) of the person-level quarantine
    (for the restricted copy only)."""
    if quarantine is None or quarantine.empty:
        return {}
    out = {}
    for (file, rule), rows in quarantine.groupby(["file", "rule"], sort=True)["row"]:
        out[(str(file), str(rule))] = sorted(int(r) for r in rows)[: ROWS_SHOWN + 1]
    return out
