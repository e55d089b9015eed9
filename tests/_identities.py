"""Identities between published numbers, derived by brute force from the unsuppressed
tables of a run (tests only; see tests/_recovery.py for what the attacker does with
them). Each is checked on more than one instance, so coincidences are not taken for
identities."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

# --- identities ---------------------------------------------------------------------------

Identity = dict  # term -> coefficient; a term is a role, ("sum", family) or (family, lag)


def _small_combinations(vectors: np.ndarray, max_terms: int = 4) -> list[dict[int, int]]:
    """Index/sign combinations of 3 or 4 rows of ``vectors`` (integers, no missing
    values) that sum to zero, by meeting in the middle on pair sums."""
    n = len(vectors)
    singles = defaultdict(list)
    for i, v in enumerate(vectors):
        singles[v.tobytes()].append(i)
    pairs = defaultdict(list)
    for i, j in itertools.combinations(range(n), 2):
        for s in (1, -1):
            pairs[(vectors[i] + s * vectors[j]).tobytes()].append((i, s, j))
    found = set()
    for key, combos in pairs.items():
        neg = (-np.frombuffer(key, dtype=np.int64)).tobytes()
        for k in singles.get(neg, []):  # a + s b + c = 0
            for i, s, j in combos:
                if k not in (i, j):
                    found.add(tuple(sorted(((i, 1), (j, s), (k, 1)))))
        if max_terms >= 4:
            for i, s, j in combos:  # (a + s b) + (c + t d) = 0
                for k, t, m in pairs.get(neg, []):
                    if len({i, j, k, m}) == 4:
                        found.add(tuple(sorted(((i, 1), (j, s), (k, 1), (m, t)))))
    return [dict(f) for f in found]


def _distinct(vectors: np.ndarray, names: list) -> tuple[list[Identity], np.ndarray]:
    """Equal vectors as identities (a = b), and one representative row per vector."""
    reps: dict[bytes, int] = {}
    ids = []
    for i, v in enumerate(vectors):
        key = np.nan_to_num(v, nan=-0.5).tobytes()
        if key in reps:
            ids.append({names[reps[key]]: 1, names[i]: -1})
        else:
            reps[key] = i
    return ids, np.array(list(reps.values()), dtype=np.int64)


def across_offers(c: pd.DataFrame) -> list[Identity]:
    """Identities over the roles without a time index (and the sums of the by-month
    indicators) that hold for every offer, with a term not zero for at least three."""
    per = c[c["count"] & (c["offer"] != "") & c["lag"].isna() & ~c["timed"]]
    wide = per.groupby(["role", "offer"])["true"].first().unstack().fillna(0.0)
    timed = c[c["count"] & (c["offer"] != "") & c["lag"].notna() & c["table"].eq("indicators")]
    sums = timed.groupby(["family", "offer"])["true"].sum().unstack().fillna(0.0)
    sums.index = [("sum", f) for f in sums.index]
    wide = pd.concat([wide, sums.reindex(columns=wide.columns, fill_value=0.0)])
    vectors = np.rint(wide.to_numpy()).astype(np.int64)
    names = list(wide.index)
    live = np.flatnonzero(vectors.any(axis=1))
    ids, rep = _distinct(vectors[live], [names[i] for i in live])
    rep = live[rep]
    for combo in _small_combinations(vectors[rep]):
        if int(vectors[rep[list(combo)]].any(axis=0).sum()) >= 3:
            ids.append({names[rep[i]]: s for i, s in combo.items()})
    return ids + _matching_row(wide, vectors) + _time_to_fixed(c, wide, vectors)


def _matching_row(wide: pd.DataFrame, vectors: np.ndarray) -> list[Identity]:
    """Any +1/-1/0 combination of the matching row's counts that is zero for every offer."""
    rows = [
        i for i, r in enumerate(wide.index) if str(r).startswith("matching.") and vectors[i].any()
    ]
    if len(rows) < 2:
        return []
    m = vectors[rows]
    coefs = np.array(list(itertools.product((-1, 0, 1), repeat=len(rows))))
    coefs = coefs[(coefs != 0).sum(axis=1) >= 2]
    zero = ~(coefs @ m).any(axis=1)
    return [
        {wide.index[rows[j]]: int(k) for j, k in enumerate(co) if k}
        for co in coefs[zero]
        if co[np.flatnonzero(co)[0]] == 1
    ]


def _time_to_fixed(c: pd.DataFrame, wide: pd.DataFrame, vectors: np.ndarray) -> list[Identity]:
    """A role with a time index equal to one without, for every offer (participants
    observed at e = -1 are the matched participants)."""
    per = c[c["count"] & (c["offer"] != "") & (c["lag"].notna() | c["timed"])]
    timed = per.groupby(["role", "offer"])["true"].first().unstack()
    timed = timed.reindex(columns=wide.columns).fillna(0.0)
    lookup = defaultdict(list)
    for i, v in enumerate(vectors):
        if (v != 0).sum() >= 3:
            lookup[v.tobytes()].append(wide.index[i])
    out = []
    for role, v in zip(timed.index, np.rint(timed.to_numpy()).astype(np.int64), strict=True):
        out += [{role: 1, fixed: -1} for fixed in lookup.get(v.tobytes(), [])]
    return out


def _grid(c: pd.DataFrame, offer: str | None, width: int) -> tuple[np.ndarray, list, list]:
    """Rows (offer, lag) x columns (family, r): the value at lag + r (NaN if absent)."""
    per = c[c["count"] & (c["offer"] != "") & c["lag"].notna()]
    if offer is not None:
        per = per[per["offer"] == offer]
    blocks, rows = [], []
    for o, part in per.groupby("offer"):
        grid = part.groupby(["lag", "fam"])["true"].first().unstack()
        lags = np.arange(int(grid.index.min()), int(grid.index.max()) + 1)
        blocks.append(grid.reindex(lags))
        rows += [(o, int(lag)) for lag in lags]
    if not blocks:
        return np.zeros((0, 0)), [], []
    grid = pd.concat(blocks)
    cols, names = [], []
    for fam in grid.columns:
        for r in range(width):
            shifted = np.concatenate(
                [
                    b[fam].shift(-r).to_numpy() if fam in b else np.full(len(b), np.nan)
                    for b in blocks
                ]
            )
            cols.append(shifted)
            names.append((fam, r))
    return np.column_stack(cols), names, rows


def along_time(c: pd.DataFrame, offer: str | None = None, width: int = 3) -> list[Identity]:
    """Identities over (family, relative lag) at relative lags 0..width-1 that hold at
    every lag where their terms exist - of every offer (``offer=None``) or of one -, with
    a term not zero at ``max(3, lags / 4)`` of them at least."""
    mat, names, rows = _grid(c, offer, width)
    if not len(rows):
        return []
    need = 3 if offer is not None else 10
    alias, first = _distinct(mat.T, names)
    out = [a for a in alias if _holds(mat, [names.index(t) for t in a], [1, -1], need)]
    first = [j for j in first if np.nan_to_num(mat[:, j]).any()]
    for size in (2, 3, 4):
        for combo in itertools.combinations(first, size):
            if not any(names[j][1] == 0 for j in combo):
                continue
            for signs in itertools.product((1, -1), repeat=size - 1):
                if _holds(mat, list(combo), (1, *signs), need):
                    out.append({names[j]: k for j, k in zip(combo, (1, *signs), strict=True)})
    return out


def _holds(mat: np.ndarray, cols: list[int], signs, need: int) -> bool:
    sub = mat[:, cols]
    ok = ~np.isnan(sub).any(axis=1)
    if ok.sum() < need or (sub[ok] != 0).any(axis=1).sum() < need:
        return False
    return not (sub[ok] @ np.asarray(signs, dtype=float)).any()


def per_file(c: pd.DataFrame) -> list[dict[int, int]]:
    """Equations between the manifest's validation counts, the quarantine summary's totals
    per file and the offers' total enrolment (one instance per file)."""
    val = c[c["table"].eq("validation")]
    if not len(val):
        return []
    quarantine = c[c["table"].eq("quarantine_summary")]
    enrol = c[c["family"].eq("indicators.value.enrolment")]
    out = []
    for file, rows in val.groupby("key"):
        terms = {f"validation.{r.column}": [i] for i, r in rows.iterrows()}
        for col, group in quarantine[quarantine["key"].str.startswith(f"{file}|")].groupby(
            "column"
        ):
            terms[f"quarantine.{col}"] = list(group.index)
        terms["enrolment"] = list(enrol.index)
        names = list(terms)
        value = {n: float(np.nansum(c.loc[terms[n], "true"])) for n in names}
        for size in (2, 3):
            for combo in itertools.combinations(names, size):
                for signs in itertools.product((1, -1), repeat=size - 1):
                    s = (1, *signs)
                    if sum(k * value[n] for k, n in zip(s, combo, strict=True)) == 0 and any(
                        value[n] for n in combo
                    ):
                        eq: dict[int, int] = {}
                        for k, n in zip(s, combo, strict=True):
                            for i in terms[n]:
                                eq[i] = eq.get(i, 0) + k
                        out.append(eq)
    return out


# --- shares ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shares:
    products: list[tuple[str, str, str]]  # Q = x * P (roles)
    quotients: list[tuple[str, str, str]]  # Q = a / b
    fractions: list[tuple[str, str]]  # R is a multiple of den(x)


def shares(c: pd.DataFrame) -> Shares:
    per = c[c["offer"] != ""]
    wide = per.groupby(["role", "offer"])["true"].first().unstack()
    counts = per[per["count"]]["role"].unique()
    cnt = wide.loc[counts]
    reps = cnt.fillna(-1).drop_duplicates().index
    cnt = cnt.loc[reps]
    floats = [
        r
        for r in per.loc[
            ~per["count"] & per["table"].isin(["matching", "levels", "indicators", "portfolio"]),
            "role",
        ].unique()
        if ((wide.loc[r].dropna() >= 0) & (wide.loc[r].dropna() <= 1)).all()
        and ((wide.loc[r] > 0) & (wide.loc[r] < 1)).sum() >= 3
    ]
    products = []
    q = cnt.to_numpy()
    q_ok = ~np.isnan(q)
    for x in floats:
        xv = wide.loc[x].to_numpy()
        prod = xv[None, :] * q  # one row per P
        ok = ~np.isnan(prod)
        near = (np.abs(prod - np.rint(prod)) < 1e-6 * np.maximum(1, np.nan_to_num(q))) | ~ok
        good = (
            near.all(axis=1)
            & (ok.sum(axis=1) >= 3)
            & ((np.rint(np.nan_to_num(prod)) > 0).sum(axis=1) >= 3)
        )
        for pi in np.flatnonzero(good):
            target = np.rint(prod[pi])
            m = ok[pi]
            same = (np.abs(q[:, m] - target[m]) < 0.5).all(axis=1) & q_ok[:, m].all(axis=1)
            products += [
                (cnt.index[qi], x, cnt.index[pi]) for qi in np.flatnonzero(same) if qi != pi
            ]
    return Shares(products, _quotients(per, wide, cnt), _fractions(wide, floats, cnt))


def _quotients(per: pd.DataFrame, wide: pd.DataFrame, cnt: pd.DataFrame) -> list:
    value = per[per["table"].eq("value")]
    if not len(value):
        return []
    group = value["key"].str.split("|").str[1:].str.join("|")
    out = []
    q = cnt.to_numpy()
    for _, roles in value.assign(g=group).groupby("g")["role"]:
        roles = list(dict.fromkeys(roles))
        for a, b in itertools.permutations(roles, 2):
            av, bv = wide.loc[a].to_numpy(), wide.loc[b].to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = av / bv
            ok = np.isfinite(ratio)
            if ok.sum() < 3 or (np.abs(ratio[ok] - np.rint(ratio[ok])) > 1e-6).any():
                continue
            same = (np.abs(q[:, ok] - np.rint(ratio[ok])) < 0.5).all(axis=1)
            # at least three offers with a whole ratio >= 1: a ratio of two amounts near 0
            # (1e-7) is "whole" too, but Q = 0 on every offer is no identity
            out += [
                (cnt.index[qi], a, b)
                for qi in np.flatnonzero(same)
                if (np.rint(ratio[ok]) > 0).sum() >= 3
            ]
    return out


def denominator(x: float) -> int | None:
    if not np.isfinite(x) or x <= 0 or x >= 1:
        return None
    f = Fraction(x).limit_denominator(2000)
    return f.denominator if abs(float(f) - x) < 1e-9 else None


def _fractions(wide: pd.DataFrame, floats: list, cnt: pd.DataFrame) -> list:
    out = []
    q = cnt.to_numpy()
    for x in floats:
        den = np.array([np.nan if (d := denominator(v)) is None else d for v in wide.loc[x]])
        ok = ~np.isnan(den)
        if (den[ok] > 1).sum() < 2:
            continue
        sub = q[:, ok]
        divides = (np.nan_to_num(sub, nan=1) % den[ok] == 0).all(axis=1)
        enough = (np.nan_to_num(sub) > 0).sum(axis=1) >= 3
        out += [(cnt.index[qi], x) for qi in np.flatnonzero(divides & enough)]
    return out
