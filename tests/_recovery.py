"""A brute-force attacker with only the published tables of a run (tests only).

The attacker knows every identity between published numbers that holds in the data and
that can be checked on more than one instance: it derives them by brute force from the
unsuppressed tables, independently of the suppression policy, then tries to recover
every blanked count from the published cells.

Cells. Every numeric cell of the tables is ``(table, column, key, offer)``; its *role*
is everything but the offer (``indicators.value[enrolment_by_month, 2024-03]``). A
role is *count-like* when all its true values are whole numbers >= 0 (its column, or
its indicator). A cell missing from a table counts as 0 and as published (an offer
without rows at an event month has nobody there).

Identities (all with coefficients +1/-1, checked on the unsuppressed values):

* across offers: any combination of up to four count-like roles (plus the sum over the
  months of each by-month indicator, plus any combination of the matching row's counts)
  that is zero for every offer, with at least three offers where a term is not zero;
* along event time within one offer: any combination of up to four roles at relative
  event months ``e, e+1, e+2`` (effects and levels by event time, by-month indicators at
  ``as_of - month``) that is zero at every event month where all terms exist, at least
  three of them with a term not zero;
* per input file: combinations of the manifest's validation counts, the quarantine
  summary's totals per file and the offers' total enrolment, holding for every file;
* shares: ``Q = x * P`` for a share or mean ``x`` and counts ``P``, ``Q`` (exact for
  every offer), ``Q = a / b`` for two money amounts of the value table (exact for every
  offer), and the denominator of a share as a fraction (``0.990654 = 106/107``) where
  the count it divides is a multiple of it for every offer.

Attack: the identities, instantiated for every offer (and event month), form a linear
system over the published (known) and blanked (unknown) cells; a blanked cell is
recovered when the system determines it (its unit vector is in the row space of the
unknowns' columns). Share identities and fractions add what they give, and the system
is solved again until nothing new is found.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from _identities import Shares, across_offers, along_time, denominator, per_file, shares

from evaluation import months

KEYS = {
    "matching": ("offer_id",),
    "portfolio": ("offer_id",),
    "effects": ("offer_id", "outcome", "estimand", "event_time"),
    "levels": ("offer_id", "outcome", "group", "event_time"),
    "indicators": ("offer_id", "indicator", "month", "event_time"),
    "value": ("offer_id", "measure", "payer", "scenario"),
    "quarantine_summary": ("file", "rule", "column"),
    "validation": ("file",),
    "subgroups": ("offer_id", "outcome", "dimension", "subgroup"),
}
NOT_NUMBERS = {"suppressed", "level", "caliper", "heterogeneity_df"}
TIME_TABLES = ("effects", "levels")


@dataclass(frozen=True)
class Leak:
    cell: str
    value: float
    formula: str


def cells(true: Mapping[str, pd.DataFrame], pub: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every numeric cell: table, column, key, offer, lag, true, pub, count."""
    frames = []
    for table, keys in KEYS.items():
        t, p = true.get(table), pub.get(table)
        if t is None or p is None or not len(t):
            continue
        t, p = t.reset_index(drop=True), p.reset_index(drop=True)
        numeric = [
            c for c in t.columns if c not in keys and c not in NOT_NUMBERS and _numeric(t[c])
        ]
        rest = [k for k in keys if k != "offer_id"]
        timeless = [k for k in rest if k not in ("event_time", "month")]
        key = _join(t, rest)
        fam_key = _join(t, timeless)
        offer = t["offer_id"].astype(str) if "offer_id" in keys else pd.Series("", index=t.index)
        lag = _lags(table, t)
        for c in numeric:
            frames.append(
                pd.DataFrame(
                    {
                        "table": table,
                        "column": c,
                        "key": key,
                        "fam_key": fam_key,
                        "offer": offer,
                        "lag": lag,
                        "family": _family(table, c, t),
                        "true": pd.to_numeric(t[c], errors="coerce").astype(float),
                        "pub": pd.to_numeric(p[c], errors="coerce").astype(float),
                    }
                )
            )
    out = pd.concat(frames, ignore_index=True)
    out["role"] = out["table"] + "." + out["column"] + "[" + out["key"] + "]"
    out["fam"] = out["table"] + "." + out["column"] + "[" + out["fam_key"] + "]"
    whole = out.groupby("family")["true"].transform(
        lambda v: v.notna().any() and bool(((v.dropna() >= 0) & (v.dropna() % 1 == 0)).all())
    )
    out["count"] = whole.astype(bool) & (out["table"] != "value")
    out["timed"] = out["lag"].notna()
    out["hidden"] = out["count"] & out["true"].notna() & out["pub"].isna()
    return out


def _join(frame: pd.DataFrame, cols: list[str]) -> pd.Series:
    if not cols:
        return pd.Series("", index=frame.index)
    text = [frame[c].map(lambda v: "NA" if pd.isna(v) else str(v)) for c in cols]
    return pd.Series(
        ["|".join(t) for t in zip(*text, strict=True)], index=frame.index, dtype=object
    )


def _numeric(col: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype)


def _family(table: str, column: str, frame: pd.DataFrame) -> pd.Series:
    if table == "indicators":
        return table + "." + column + "." + frame["indicator"].astype(str)
    return pd.Series(f"{table}.{column}", index=frame.index)


def _lags(table: str, frame: pd.DataFrame) -> pd.Series:
    if table in TIME_TABLES:
        return pd.to_numeric(frame["event_time"], errors="coerce").astype(float)
    if table == "indicators":
        month = frame["month"].map(lambda m: np.nan if pd.isna(m) else months.parse(str(m)))
        as_of = frame["as_of"].map(lambda m: months.parse(str(m)))
        return (as_of - month).astype(float)
    return pd.Series(np.nan, index=frame.index)


# --- the attack -----------------------------------------------------------------------------


def equations(c: pd.DataFrame) -> list[dict[int, int]]:
    """Every identity instantiated on cells (index of ``c``); absent cells are 0."""
    where = {(r, o): i for i, (r, o) in enumerate(zip(c["role"], c["offer"], strict=True))}
    sums = c[c["table"].eq("indicators") & c["lag"].notna() & c["count"]]
    members = sums.groupby(["family", "offer"]).groups
    offers = sorted(o for o in c["offer"].unique() if o)
    out = []
    for ident in across_offers(c):
        for o in offers:
            eq: dict[int, int] = {}
            for term, k in ident.items():
                if isinstance(term, tuple):
                    found = list(members.get((term[1], o), []))
                else:
                    found = [where[(term, o)]] if (term, o) in where else []
                for i in found:
                    eq[i] = eq.get(i, 0) + k
            if eq:
                out.append(eq)
    timed = c[c["lag"].notna()]
    at = {
        (f, o, int(lag)): i
        for i, f, o, lag in zip(
            timed.index, timed["fam"], timed["offer"], timed["lag"], strict=True
        )
    }
    span = range(int(timed["lag"].min()) - 3, int(timed["lag"].max()) + 1) if len(timed) else ()
    shared = along_time(c)
    for o in offers:
        for ident in shared + along_time(c, o):
            for lag in span:
                found = [at.get((fam, o, lag + r)) for (fam, r) in ident]
                if all(x is not None for x in found):
                    out.append(dict(zip(found, ident.values(), strict=True)))
    return out + per_file(c)


def attack(c: pd.DataFrame, threshold: int) -> list[Leak]:
    """Every hidden count cell the published cells give away, with its derivation."""
    c = c.reset_index(drop=True)
    eqs = equations(c)
    known = {
        i: (0.0 if np.isnan(v) else v) for i, v in enumerate(c["pub"]) if not c["hidden"].iloc[i]
    }
    for i in np.flatnonzero(c["true"].isna()):
        known[int(i)] = 0.0
    share = shares(c)
    leaks: dict[int, Leak] = {}
    while True:
        new = _linear(c, eqs, known) | _ratios(c, share, known, threshold)
        new = {i: lk for i, lk in new.items() if i not in leaks}
        if not new:
            return list(leaks.values())
        for i, lk in new.items():
            leaks[i] = lk
            known[i] = float(c["true"].iloc[i])


def _label(c: pd.DataFrame, i: int) -> str:
    o = c["offer"].iloc[i]
    return f"{c['role'].iloc[i]}{'@' + o if o else ''}"


def _linear(c: pd.DataFrame, eqs: list[dict[int, int]], known: dict[int, float]) -> dict[int, Leak]:
    """Unknowns the equations determine, one connected group of unknowns at a time."""
    rows = [e for e in eqs if any(i not in known for i in e)]
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        while parent.setdefault(i, i) != i:
            i = parent[i]
        return i

    for e in rows:
        u = [i for i in e if i not in known]
        for i in u[1:]:
            parent[find(i)] = find(u[0])
    groups = defaultdict(list)
    for e in rows:
        groups[find(next(i for i in e if i not in known))].append(e)
    out = {}
    for group in groups.values():
        out |= _solve(c, group, known)
    return out


def _solve(c: pd.DataFrame, rows: list[dict[int, int]], known: dict[int, float]) -> dict[int, Leak]:
    unknown = sorted({i for e in rows for i in e if i not in known})
    col = {i: j for j, i in enumerate(unknown)}
    a = np.zeros((len(rows), len(unknown)))
    b = np.zeros(len(rows))
    for r, e in enumerate(rows):
        for i, k in e.items():
            if i in col:
                a[r, col[i]] += k
            else:
                b[r] -= k * known[i]
    w, v = np.linalg.eigh(a.T @ a)
    null = v[:, w < 1e-8 * max(1.0, float(w.max()))]
    x = np.linalg.lstsq(a, b, rcond=None)[0]
    out = {}
    for i, j in col.items():
        if null.shape[1] and np.abs(null[j]).max() > 1e-6:
            continue
        truth = float(c["true"].iloc[i])
        assert abs(x[j] - truth) < 1e-6, (_label(c, i), x[j], truth)  # identities hold
        if c["hidden"].iloc[i]:
            out[i] = Leak(_label(c, i), truth, _formula(c, rows, a, j, col, known))
    return out


def _sparse(a: np.ndarray, j: int) -> np.ndarray:
    """Coefficients of the equations that give unknown ``j``: the sparsest (least
    absolute sum) combination, so the formula names few cells."""
    from scipy.optimize import linprog

    m = a.shape[0]
    target = np.eye(a.shape[1])[j]
    res = linprog(np.ones(2 * m), A_eq=np.hstack([a.T, -a.T]), b_eq=target, bounds=(0, None))
    if res.status != 0:
        return np.linalg.lstsq(a.T, target, rcond=None)[0]
    return res.x[:m] - res.x[m:]


def _formula(c, rows, a, j, col, known) -> str:  # noqa: ANN001
    """The published cells the unknown ``j`` follows from, with their coefficients."""
    y = _sparse(a, j)
    combo: dict[int, float] = defaultdict(float)
    for r in np.flatnonzero(np.abs(y) > 1e-7):
        for i2, k in rows[r].items():
            if i2 not in col:
                combo[i2] -= y[r] * k
    terms = [
        f"{'+' if k > 0 else '-'} {'' if abs(abs(k) - 1) < 1e-9 else f'{abs(k):g}*'}"
        f"{_label(c, i2)}({known[i2]:g})"
        for i2, k in sorted(combo.items(), key=lambda t: (-abs(t[1]), t[0]))
        if abs(k) > 1e-7
    ]
    return " ".join(terms).lstrip("+ ") or "0"


def _ratios(
    c: pd.DataFrame, share: Shares, known: dict[int, float], threshold: int
) -> dict[int, Leak]:
    where = {(r, o): i for i, (r, o) in enumerate(zip(c["role"], c["offer"], strict=True))}
    out: dict[int, Leak] = {}
    for o in sorted(o for o in c["offer"].unique() if o):
        out |= _ratios_of(c, share, known, {r: i for (r, o2), i in where.items() if o2 == o})
    for i, lk in out.items():
        assert abs(lk.value - c["true"].iloc[i]) < 1e-6, lk
    return out


def _ratios_of(
    c: pd.DataFrame, share: Shares, known: dict[int, float], where: dict[str, int]
) -> dict[int, Leak]:
    def get(role: str) -> float | None:
        i = where.get(role, -1)
        return known.get(i) if i >= 0 and not np.isnan(c["true"].iloc[i]) else None

    def hidden(role: str) -> bool:
        return role in where and where[role] not in known

    def leak(role: str, value: float, how: str) -> tuple[int, Leak]:
        return where[role], Leak(_label(c, where[role]), value, how)

    out = []
    for q, x, p in share.products:
        if hidden(q) and get(x) is not None and get(p) is not None:
            out.append(leak(q, get(x) * get(p), f"{x}({get(x):g}) * {p}({get(p):g})"))
        if hidden(p) and get(x) and get(q) is not None:
            out.append(leak(p, get(q) / get(x), f"{q}({get(q):g}) / {x}({get(x):g})"))
    for q, a, b in share.quotients:
        if hidden(q) and get(a) is not None and get(b):
            out.append(leak(q, get(a) / get(b), f"{a}({get(a):g}) / {b}({get(b):g})"))
    for r, x in share.fractions:
        d = denominator(get(x)) if get(x) is not None else None
        if hidden(r) and d and d > 1 and d == c["true"].iloc[where[r]]:
            out.append(leak(r, d, f"denominator of {x}({get(x):g})"))
    return dict(out)
