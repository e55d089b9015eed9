"""One offer's section: key figures, its figures and who gains (savings by payer)."""

from __future__ import annotations

from html import escape

from flows.report import facts
from flows.report.cells import ReportData
from flows.report.sections.offer_figures import (
    covariate_name,
    event_study_figure,
    levels_figure,
    love_figure,
)
from flows.report.sections.staggered import staggered_sentence


def offer_section(r: ReportData, o: str, smd_threshold: float | None = None) -> str:
    """One offer's section; the balance threshold is the offer's own
    (``r.settings.smd_threshold``) unless given."""
    t = r.t
    smd_threshold = r.settings.smd_threshold(o) if smd_threshold is None else smd_threshold
    items = "".join(f"<li>{f}</li>" for f in _facts(r, o))
    title = escape(t.offer_results.format(name=r.names.get(o, o)))
    return (
        f"<section id='offer-{escape(o)}' class='offer'><h2>{title}</h2>"
        f"<h3>{escape(t.facts_title)}</h3><ul class='facts'>{items}</ul>"
        f"{event_study_figure(r, o)}{levels_figure(r, o)}"
        f"{love_figure(r, o, smd_threshold)}{payers_table(r, o)}</section>"
    )


def _facts(r: ReportData, o: str) -> list[str]:
    t, s = r.t, r.s
    items = [
        _participants(r, o),
        t.fact_controls.format(
            n=escape(s.number(r.value("matching", o, "n_controls"))),
            ess=escape(s.number(r.value("matching", o, "ess_controls"))),
        ),
    ]
    follow = r.follow_up(o)
    if follow is not None:
        items.append(t.fact_follow_up.format(months=follow))
    mde = r.value("effects", o, "mde")
    if mde is not None:
        power = r.value("effects", o, "mde_power")
        power = 0.8 if power is None else power
        items.append(t.fact_mde.format(mde=s.pp(mde), power=s.number(100 * power, 0)))
    items.append(_placebo(r, o))
    staggered = staggered_sentence(r, o)  # the standard estimator beside the matched one
    if staggered is not None:
        items.append(staggered)
    b = facts.balance(r, o)
    if b is not None:
        items.append(balance_sentence(r, o, b))
    even = r.value("portfolio", o, "break_even_month")
    if even is not None:
        items.append(t.fact_break_even.format(month=s.number(even)))
    elif r.value("portfolio", o, "net_value_per_participant_dkk") is not None:
        items.append(t.fact_break_even_none)
    return items


def _participants(r: ReportData, o: str) -> str:
    """Participants and how many were matched; when the total is hidden (it would reveal
    a small count by subtraction) only the matched number, never "– deltagere"."""
    n = r.value("matching", o, "n_participants")
    matched = r.cell("matching", o, "n_matched", "count")
    if n is None:
        return r.w.fact_matched_only.format(matched=matched)
    return r.t.fact_participants.format(
        n=r.cell("matching", o, "n_participants", "count"), matched=matched
    )


def balance_sentence(r: ReportData, o: str, b: facts.Balance) -> str:
    """Balance against the offer's own threshold, naming the covariate with the largest
    |SMD| (the Love plot always shows it)."""
    s = r.s
    smd = facts.tagged(s.number(b.worst_smd, 2), b.worst_smd, f"matching|{o}|max_abs_smd_after")
    name = escape(covariate_name(b.worst, r)) if b.worst else ""
    threshold = facts.threshold_text(r, b.threshold)
    if b.passed:
        text = r.w.balance_sentence.format(smd=smd, covariate=name, threshold=threshold)
        if b.worst_smd is not None and b.worst_smd > b.threshold:
            text += r.w.balance_binary.format(threshold=threshold)
        return text
    text = r.w.balance_fail_sentence.format(
        n=s.number(b.failing), threshold=threshold, covariate=name, smd=smd
    )
    return f"<span class='warn'>{text}</span>"


def _placebo(r: ReportData, o: str) -> str:
    """The placebo test in words that match what it can see (evaluation.did.placebo)."""
    t, s = r.t, r.s
    p = r.value("effects", o, "placebo_p_value")
    row = r.row("effects", o)
    window = None if row is None else row.get("placebo_window")
    if p is None or not isinstance(window, str) or ".." not in window:
        return t.placebo_none
    lo, hi = (abs(int(v)) for v in window.split(".."))
    months = {"first": s.number(min(lo, hi), 0), "last": s.number(max(lo, hi), 0)}
    if p < 0.05:
        return f"<span class='warn'>{t.placebo_warn.format(p=s.p_value(p), **months)}</span>"
    return t.placebo_ok.format(p=s.p_value(p), **months)


def payers_table(r: ReportData, o: str) -> str:
    """Who gains: savings and net value per participant by payer (value table)."""
    t, rows = r.t, []
    order = sorted(t.payer_names, key=lambda k: k == "all")  # "all" (the total) last
    for payer in order:
        label = t.payer_names[payer]
        savings = r.measure(o, "savings_per_participant", payer=payer)
        net = r.measure(o, "net_value_per_participant", payer=payer)
        if savings is None and net is None and payer != "all":
            continue
        rows.append(
            f"<tr><td>{escape(label)}</td><td class=num>{escape(r.s.money(savings))}</td>"
            f"<td class=num>{escape(r.s.money(net))}</td></tr>"
        )
    if not rows:
        return ""
    return (
        f"<h3>{escape(t.payers_title)}</h3><table class='payers'><thead><tr>"
        f"<th>{escape(t.col_payer)}</th><th class=num>{escape(t.col_savings)}</th>"
        f"<th class=num>{escape(t.col_net_pp)}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
