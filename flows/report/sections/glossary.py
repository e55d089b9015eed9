"""The glossary: every term the report uses, defined in a sentence (the README carries
the same Danish glossary; :func:`glossary_markdown` writes it)."""

from __future__ import annotations

from html import escape

from evaluation.texts.report_words import WORDS
from flows.report.cells import ReportData


def glossary(r: ReportData) -> str:
    items = "".join(
        f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in r.w.glossary
    )
    return (
        f"<section id='glossary'><h2>{escape(r.w.glossary_title)}</h2>"
        f"<dl class='glossary'>{items}</dl></section>"
    )


def glossary_markdown(lang: str = "da") -> str:
    """The glossary as a Markdown list (what the README's glossary section holds)."""
    w = WORDS[lang]  # type: ignore[index]
    return "\n".join(f"- **{term}**: {text}" for term, text in w.glossary) + "\n"
