"""The evaluation report: one self-contained HTML page from a month's published tables.

:func:`render_report` assembles the page from its sections (:mod:`flows.report.sections`,
one module each) over :class:`~flows.report.cells.ReportData`, which reads only the
small-cell suppressed tables the run publishes; the words come from the text catalogue
(:mod:`evaluation.texts`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import pandas as pd

from evaluation.config import EvaluationConfig, MatchingConfig
from evaluation.texts import DASH, STYLES, TEXTS, Lang
from flows.report.cells import ReportData
from flows.report.sections.decomposition import decomposition
from flows.report.sections.forest import forest
from flows.report.sections.glossary import glossary
from flows.report.sections.headline import caveat, key_findings
from flows.report.sections.investor import investor
from flows.report.sections.method import method_notes
from flows.report.sections.money import banner, money
from flows.report.sections.offer import offer_section
from flows.report.sections.on_track import on_track
from flows.report.sections.outcomes import outcomes
from flows.report.sections.overview import overview
from flows.report.sections.portfolio import portfolio
from flows.report.sections.sensitivity import sensitivity_section
from flows.report.sections.subgroups import subgroups
from flows.report.sections.summary import summary
from flows.report.settings import ReportSettings
from flows.report.style import EXTRA_CSS


def load_tables(month_dir: Path) -> dict[str, pd.DataFrame]:
    """Every Parquet table of a published month folder, keyed by file stem."""
    return {p.stem: pd.read_parquet(p) for p in sorted(Path(month_dir).glob("*.parquet"))}


@dataclass(frozen=True)
class ReportOptions:
    """How to render one month's report: the month, language and run id of its title;
    the suppression threshold and whether small cells were allowed (the suppression
    note); the headline window (its sentences); each offer's balance threshold, by offer
    id (the dashed line of its Love plot; the matching default for an offer not
    named); whether the price catalogue is illustrative (the banner) and the
    tilbudsvifte's targets (its quadrant lines; None: the medians, said so)."""

    as_of: str
    lang: Lang = "da"
    run_id: str | None = None
    min_cell_size: int = 5
    headline_window: tuple[int, int] = (0, 11)
    smd_thresholds: Mapping[str, float] = field(default_factory=dict)
    allow_small_cells: bool = False
    prices_illustrative: bool | None = None
    target_price_per_job_dkk: float | None = None
    target_effect_pp: float | None = None

    def __post_init__(self) -> None:
        if self.lang not in TEXTS:
            raise ValueError(f"lang must be one of {sorted(TEXTS)}, not {self.lang!r}")

    def smd_threshold(self, offer_id: str) -> float:
        return self.smd_thresholds.get(offer_id, MatchingConfig().smd_threshold)

    def settings(self) -> ReportSettings:
        """What the report's facts need of these options (:mod:`flows.report.facts`)."""
        return ReportSettings(
            smd_thresholds=dict(self.smd_thresholds),
            default_smd=MatchingConfig().smd_threshold,
            prices_illustrative=self.prices_illustrative,
            target_price_per_job_dkk=self.target_price_per_job_dkk,
            target_effect_pp=self.target_effect_pp,
        )

    @classmethod
    def for_run(
        cls, cfg: EvaluationConfig, *, as_of: str, lang: Lang, run_id: str, **options: object
    ) -> ReportOptions:
        """The options of a run's report from its core configuration."""
        return cls(
            as_of=as_of,
            lang=lang,
            run_id=run_id,
            min_cell_size=cfg.min_cell_size,
            headline_window=tuple(cfg.estimation.headline_window),
            smd_thresholds={o.offer_id: o.matching.smd_threshold for o in cfg.offers},
            prices_illustrative=None if cfg.prices is None else bool(cfg.prices.illustrative),
            **options,  # type: ignore[arg-type]
        )


def render_report(tables: Mapping[str, pd.DataFrame], options: ReportOptions) -> str:
    """The report as a complete HTML document (in ``options.lang``); with
    ``allow_small_cells`` the suppression note says that small cells are allowed."""
    o = options
    t = TEXTS[o.lang]
    if o.allow_small_cells:
        t = dataclasses.replace(t, suppressed_note=f"{t.suppressed_note} {t.small_cells_note}")
    r = ReportData(
        tables, t, STYLES[o.lang], o.lang, o.min_cell_size, o.headline_window, o.settings()
    )
    subtitle = r.t.subtitle.format(as_of=r.s.month(o.as_of), run_id=o.run_id or DASH)
    body = [
        f"<header><h1>{escape(r.t.title)}</h1><p class='sub'>{escape(subtitle)}</p></header>",
        banner(r),
        summary(r),
        key_findings(r, o.as_of),
        caveat(r),
        overview(r),
        forest(r),
        outcomes(r),
        portfolio(r),
        money(r),
        decomposition(r),
        investor(r),
        on_track(r),
        *[offer_section(r, offer, o.smd_threshold(offer)) for offer in r.offers],
        sensitivity_section(r, tables.get("sensitivity")),
        subgroups(r),
        method_notes(r),
        glossary(r),
        f"<footer>{escape(r.t.generated_by)}</footer>",
    ]
    return _page(r.t.title, o.lang, "\n".join(body))


def _page(title: str, lang: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{CSS}{EXTRA_CSS}</style></head>
<body><main>
{body}
</main></body></html>
"""


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#222;
margin:0;background:#fafafa;line-height:1.45}
main{max-width:960px;margin:0 auto;padding:24px;background:#fff}
h1{font-size:1.8em;margin:0}h2{border-bottom:2px solid #1f5f99;padding-bottom:4px;margin-top:2em}
.sub{color:#555;margin-top:4px}
table{border-collapse:collapse;width:100%;font-size:.92em;margin:8px 0}
th,td{border-bottom:1px solid #ddd;padding:5px 6px;text-align:left;vertical-align:top}
td.num{text-align:right;white-space:nowrap}th.num{text-align:right}
thead th{font-weight:600;font-size:.9em}
.finding{margin:.6em 0}.caveat{background:#f4f6f8;border-left:4px solid #1f5f99;padding:8px 16px}
.light{display:inline-block;width:14px;height:14px;border-radius:50%;margin-right:6px;
vertical-align:-2px}
.chart{width:100%;height:auto;max-width:760px;display:block;margin:8px 0}
.chart .tick{font-size:11px;fill:#444}.chart .axis{font-size:12px;fill:#222}
.chart .quadrant{font-size:11px;fill:#999;font-style:italic}
figcaption{font-size:.88em;color:#555}
.facts li{margin:2px 0}.warn{color:#c62828}td.status{white-space:nowrap}
table.payers{max-width:560px}
footer{margin-top:2em;font-size:.85em;color:#666}
@media print{@page{size:A4;margin:15mm}body{background:#fff;font-size:10.5pt}
main{max-width:none;padding:0}figure,tr,.finding,.caveat,#forest,#portfolio{break-inside:avoid}
h2,h3{break-after:avoid}section.offer{break-before:page}.chart{max-width:100%}}
"""
