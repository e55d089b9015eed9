"""Complementary suppression over a set of linear identities between count cells.

Given the true values of the count cells, which of them are blanked for being small
(primary) and the identities ``sum(coef * cell) = 0`` that a reader knows, add blanks
until no blanked cell can be derived from the published ones. Iterated to a fixed point:

1. cells that are equal by an identity form one *class* (a blank in one place is a
   blank in every place the number appears);
2. an identity with exactly one blank class gives that class away: blank the cheapest
   open class of the identity (lowest tier, then positive before zero, then smallest);
3. an identity whose blanks all enter with the same sign publishes their sum; if that
   sum pins the small cells (each primary cell lies in ``1 .. threshold - 1``: a sum
   equal to the number of primary cells, or to their maximum, or a single primary cell,
   when no other cell is blank; blanked zeros count as no cover) one more open cell is
   blanked;
4. linear algebra over all identities together: a blank class is derivable when its
   unit vector lies in the row space of the identities restricted to the blanks. The
   derivation's published cells are candidates; the cheapest is blanked.

Deterministic: ties are broken by cell id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evaluation.privacy.relations import Instance

_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class Complement:
    """The result: ``blank`` per cell (primary or complementary) and ``derivable``, the
    blank cells that no choice of published cells could protect (empty in practice)."""

    blank: np.ndarray
    derivable: np.ndarray


def complement(
    value: np.ndarray,
    primary: np.ndarray,
    instances: Sequence[Instance],
    tier: np.ndarray,
    threshold: int,
) -> Complement:
    """Blank cells until no blank count can be derived through ``instances``."""
    n = len(value)
    cls = _classes(n, [c for c, k in instances if len(c) == 2 and k[0] == -k[1]])
    n_cls = int(cls.max()) + 1 if n else 0
    c_value = np.zeros(n_cls)
    c_value[cls] = np.nan_to_num(value)
    c_tier = np.full(n_cls, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(c_tier, cls, tier)
    c_primary = np.zeros(n_cls, dtype=bool)
    np.logical_or.at(c_primary, cls, primary)
    rows = _class_rows([(c, k) for c, k in instances if not (len(c) == 2 and k[0] == -k[1])], cls)
    solver = _Solver(c_value, c_primary, c_tier, rows, threshold)
    c_blank, c_derivable = solver.run()
    return Complement(blank=c_blank[cls] | primary, derivable=c_derivable[cls])


def _classes(n: int, pairs: list[np.ndarray]) -> np.ndarray:
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = find(int(a)), find(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(i) for i in range(n)], dtype=np.int64)
    return np.unique(roots, return_inverse=True)[1] if n else roots


def _class_rows(instances: list[Instance], cls: np.ndarray) -> list[dict[int, int]]:
    """Identities over classes (coefficients summed; trivial and repeated ones dropped)."""
    out, seen = [], set()
    for cells, coef in instances:
        row: dict[int, int] = {}
        for c, k in zip(cls[cells], coef, strict=True):
            row[int(c)] = row.get(int(c), 0) + int(k)
        row = {c: k for c, k in row.items() if k}
        key = tuple(sorted(row.items()))
        if row and key not in seen:
            seen.add(key)
            out.append(row)
    return out


class _Solver:
    def __init__(
        self,
        value: np.ndarray,
        primary: np.ndarray,
        tier: np.ndarray,
        rows: list[dict[int, int]],
        threshold: int,
    ) -> None:
        self.value, self.primary, self.tier = value, primary, tier
        self.rows, self.threshold = rows, threshold
        self.blank = primary.copy()
        self.hopeless = np.zeros(len(value), dtype=bool)

    def run(self) -> tuple[np.ndarray, np.ndarray]:
        while self._lone() or self._pinned() or self._derived():
            pass
        return self.blank, self.hopeless

    def _cheapest(self, candidates: Sequence[int]) -> int | None:
        open_ = [c for c in candidates if not self.blank[c]]
        if not open_:
            return None
        return min(open_, key=lambda c: (self.tier[c], self.value[c] == 0, self.value[c], c))

    def _lone(self) -> bool:
        changed = False
        for row in self.rows:
            blanks = [c for c in row if self.blank[c]]
            if len(blanks) == 1 and not self.hopeless[blanks[0]]:
                pick = self._cheapest(list(row))
                if pick is None:  # a one-cell identity: its value is known anyway
                    self.hopeless[blanks[0]] = True
                    continue
                self.blank[pick] = changed = True
        return changed

    def _pinned(self) -> bool:
        """Blanks entering an identity with one sign publish their sum; a sum that pins
        the primary cells to 1 (or to ``threshold - 1``) needs another blank."""
        k = self.threshold
        for row in self.rows:
            blanks = [c for c in row if self.blank[c]]
            if len(blanks) < 2 or len({np.sign(row[c]) for c in blanks}) > 1:
                continue
            if any(abs(row[c]) != 1 for c in blanks):
                continue
            # a blanked zero hides nothing from a reader who guesses it (a count that is
            # 0 for every offer, such as a reason that never occurs): it is no cover
            live = [c for c in blanks if self.value[c] != 0]
            p = int(self.primary[live].sum())
            if not p:
                continue
            total = float(self.value[live].sum())
            secondary = len(live) - p
            if total == p or (secondary == 0 and (p == 1 or total == p * (k - 1))):
                positive = [c for c in row if not self.blank[c] and self.value[c] > 0]
                pick = self._cheapest(positive)
                pick = self._cheapest(list(row)) if pick is None else pick
                if pick is not None:
                    self.blank[pick] = True
                    return True
        return False

    def _derived(self) -> bool:
        """One complementary blank against the first blank class that the identities
        together still determine."""
        blank = np.flatnonzero(self.blank & ~self.hopeless)
        if not len(blank) or not self.rows:
            return False
        rows = [r for r in self.rows if any(self.blank[c] for c in r)]
        if not rows:
            return False
        col = {c: j for j, c in enumerate(np.flatnonzero(self.blank))}
        a_u = np.zeros((len(rows), len(col)))
        for i, r in enumerate(rows):
            for c, k in r.items():
                if c in col:
                    a_u[i, col[c]] = k
        _, s, vt = np.linalg.svd(a_u, full_matrices=True)
        rank = int((s > _TOL * max(1.0, s[0] if len(s) else 0.0) * max(a_u.shape)).sum())
        null = vt[rank:].T  # columns span the null space
        for c in blank:
            j = col[int(c)]
            if null.shape[1] and np.abs(null[j]).max() > 1e-7:
                continue
            y = np.linalg.lstsq(a_u.T, np.eye(len(col))[j], rcond=None)[0]
            combined: dict[int, float] = {}
            for i in np.flatnonzero(np.abs(y) > 1e-7):
                for c2, k in rows[i].items():
                    combined[c2] = combined.get(c2, 0.0) + y[i] * k
            pick = self._cheapest(sorted(c2 for c2, k in combined.items() if abs(k) > 1e-7))
            if pick is None:
                self.hopeless[c] = True
                continue
            self.blank[pick] = True
            return True
        return False
