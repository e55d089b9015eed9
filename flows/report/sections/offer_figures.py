"""One offer's figures: the event study, participants' and controls' levels, the Love
plot of balance before and after matching."""

from __future__ import annotations

from html import escape

import pandas as pd

from evaluation.matching.data import covariate_named
from evaluation.texts import covariate_label
from flows.report import plots
from flows.report.cells import HEADLINE_OUTCOME, ReportData, figure, num

CONTROL_GROUPS = ("matched_controls", "controls")  # levels.group of the controls
LOVE_ROWS = 15


def _percent(values: object) -> list[float | None]:
    return [None if num(v) is None else num(v) * 100 for v in values]  # type: ignore[attr-defined]


def covariate_name(name: str, r: ReportData) -> str:
    """The covariate's readable name (its own name when it is not a known covariate)."""
    covariate = covariate_named(name)
    return name if covariate is None else covariate_label(covariate, r.lang)


def event_study_figure(r: ReportData, o: str) -> str:
    eff = r.tables["effects"]
    rows = eff[(eff["offer_id"] == o) & (eff["outcome"] == HEADLINE_OUTCOME)] if len(eff) else eff
    rows = rows[rows["event_time"].notna()].sort_values("event_time") if len(rows) else rows
    if not len(rows):
        return f"<p>{escape(r.t.no_data)}</p>"
    e = [int(v) for v in rows["event_time"]]
    col = [_percent(rows[c]) for c in ("estimate", "ci_low", "ci_high")]
    if all(v is None for v in col[0]):  # every month suppressed
        return f"<p>{escape(r.t.no_data)}</p>"
    band = [_percent(rows[c]) if c in rows else [None] * len(e) for c in ("band_low", "band_high")]
    svg = plots.event_study(
        e,
        *col,
        band=(band[0], band[1]),
        title=r.t.event_study_title,
        x_label=r.t.event_study_axis_x,
        y_label=r.t.event_study_axis_y,
        fmt_y=lambda v: r.s.number(v, 0),
        fmt_x=lambda v: r.s.number(v, 0),
        start_label=r.t.label_start,
    )
    return figure(r.t.event_study_title, svg, r.t.event_study_caption)


def levels_figure(r: ReportData, o: str) -> str:
    lv = r.tables["levels"]
    if not len(lv):
        return ""
    rows = lv[(lv["offer_id"] == o) & (lv["outcome"] == HEADLINE_OUTCOME)]
    if not len(rows):
        return ""
    wide = rows.pivot_table(index="event_time", columns="group", values="mean", dropna=False)
    e = [int(v) for v in wide.index]

    def series(group: str) -> list[float | None]:
        return _percent(wide[group]) if group in wide else [None] * len(e)

    controls = next((g for g in CONTROL_GROUPS if g in wide), CONTROL_GROUPS[0])
    if all(v is None for v in series("participants") + series(controls)):
        return ""
    svg = plots.two_lines(
        e,
        series("participants"),
        series(controls),
        title=r.t.levels_title,
        x_label=r.t.event_study_axis_x,
        y_label=r.t.levels_axis_y,
        fmt_y=lambda v: r.s.number(v, 0),
        fmt_x=lambda v: r.s.number(v, 0),
        labels=(r.t.legend_participants, r.t.legend_controls),
    )
    return figure(r.t.levels_title, svg, r.t.levels_caption)


def love_figure(r: ReportData, o: str, threshold: float) -> str:
    b = r.tables["balance"]
    rows = b[b["offer_id"] == o] if len(b) else b
    if not len(rows) or rows["smd_after"].isna().all():
        return ""
    order = love_order(rows, threshold)
    top, rest = order.head(LOVE_ROWS), order.iloc[LOVE_ROWS:]
    names = [covariate_name(str(name), r) for name in top["covariate"]]
    svg = plots.love_plot(
        names,
        [num(v) for v in top["smd_before"]],
        [num(v) for v in top["smd_after"]],
        threshold=threshold,
        title=r.t.love_title,
        x_label=r.t.love_axis,
        labels=(r.t.legend_before, r.t.legend_after),
    )
    caption = r.t.love_caption.format(k=len(top), threshold=r.s.number(threshold, 1))
    if len(rest):
        caption += " " + r.t.love_more.format(
            n=len(rest), smd=r.s.number(float(rest["smd_after"].abs().max()), 2)
        )
    over = top[(top["smd_after"].abs() > threshold) & top["passed"].fillna(True).astype(bool)]
    if len(over):
        names_over = ", ".join(covariate_name(str(c), r) for c in over["covariate"])
        caption += " " + r.w.love_binary_note.format(names=names_over)
    return figure(r.t.love_title, svg, caption)


def love_order(rows: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Covariates in the Love plot's order: every one that failed or lies above the
    threshold after matching, and the largest after matching, first (largest |SMD| after
    first), then the rest by their largest |SMD| before or after - so the plot always shows
    the covariate the balance sentence names."""
    after = rows["smd_after"].abs()
    flag = (~rows["passed"].fillna(True).astype(bool)) | (after > threshold)
    if after.notna().any():
        flag = flag | (after == after.max())  # the worst the facts name is always shown
    key = rows[["smd_before", "smd_after"]].abs().max(axis=1)
    keys = pd.DataFrame({"flag": flag, "after": after.where(flag, 0.0), "k": key})
    order = keys.sort_values(["flag", "after", "k"], ascending=False).index
    return rows.loc[order]
