"""The quarantine: rows set aside per file and rule, the kept rows, the share check and
the quarantine table (row numbers, rules and a run-local person key; never an ID).

Cross-file rules run after every file's own rules, files in the order persons, status,
participation; a rule referring to an earlier file sees that file's kept rows, one
referring to a later file the rows its own row rules kept. Then the deferred rules
(a person with a quarantined enrolment), and once more the rules referring to a file
they changed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from flows.validation import cross_file
from flows.validation.coded import CodedTable
from flows.validation.errors import ValidationError, stop_message
from flows.validation.outcomes import FileReport
from flows.validation.suites import PERSON_ID, QUARANTINE_COLUMNS, SHARE_RULE, Suite


@dataclass(eq=False)
class Quarantine:
    """Rows set aside per file (by rule) and the rows still kept."""

    bad: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    keep: dict[str, np.ndarray] = field(default_factory=dict)

    def start(self, f: str, rep: FileReport, n_rows: int) -> None:
        """The file's row-rule quarantine (GX rules with action ``quarantine``)."""
        self.bad[f] = {
            r.rule: rep.outcomes[r.rule].row_numbers()
            for r in rep.suite.rows
            if r.action == "quarantine" and rep.outcomes[r.rule].unexpected
        }
        keep = np.ones(n_rows, dtype=bool)
        for rows in self.bad[f].values():
            keep[rows] = False
        self.keep[f] = keep

    def set_aside(self, f: str, rule: str, broken: np.ndarray) -> int:
        """Quarantine the kept rows flagged in ``broken`` under ``rule``; how many."""
        broken = self.keep[f] & broken
        rows = np.flatnonzero(broken).astype(np.int64)
        if len(rows):
            self.bad[f][rule] = np.union1d(self.bad[f].get(rule, rows), rows)
            self.keep[f] &= ~broken
        return len(rows)


def cross_files(
    suites: dict[str, Suite],
    tables: dict[str, CodedTable],
    q: Quarantine,
    reports: dict[str, FileReport],
) -> None:
    """The cross-file rules, in the order of the module docstring."""
    for f in suites:
        t0 = time.perf_counter()
        _check(f, suites, tables, q, reports[f], deferred=False)
        reports[f].seconds += time.perf_counter() - t0
    for f in suites:
        if _check(f, suites, tables, q, reports[f], deferred=True):
            for g in suites:
                _check(g, suites, tables, q, reports[g], deferred=False, ref_file=suites[f].file)


def _check(f, suites, tables, q, rep, *, deferred: bool, ref_file: str | None = None) -> int:  # noqa: ANN001
    """Quarantine kept rows of file ``f`` that break a cross-file rule (the deferred
    ones, or the others; only those referring to ``ref_file`` if given), each rule on
    the rows still kept, against the rows of the referenced file kept so far. Returns
    the number of rows newly quarantined."""
    by_file = {s.file: k for k, s in suites.items()}
    n = 0
    for xr in suites[f].cross_file_rules:
        check = xr.get("check", "exists")
        if (check in cross_file.DEFERRED) != deferred:
            continue
        if ref_file is not None and xr["ref_file"] != ref_file:
            continue
        ref = by_file[xr["ref_file"]]
        broken = cross_file.CHECKS[check](tables[f], xr, tables[ref], q.keep[ref])
        n += q.set_aside(f, xr["rule"], broken)
        rep.cross_file[xr["rule"]] = len(q.bad[f].get(xr["rule"], ()))
    return n


def check_share(rep: FileReport, bad: dict[str, np.ndarray], max_share: float) -> None:
    """Stop when more than ``max_share`` of the file's rows are quarantined."""
    rep.share = rep.quarantined / rep.read if rep.read else 0.0
    if rep.share <= max_share:
        return
    worst = max(bad, key=lambda k: len(bad[k]))
    detail = (
        f"{rep.share:.1%} of rows quarantined, more than the allowed {max_share:.1%}; "
        f"most by rule {worst} ({len(bad[worst]):,} rows)"
    )
    count = f"{rep.quarantined:,} of {rep.read:,} rows"
    raise ValidationError(
        stop_message(
            rep.suite.file, _rule_column(rep.suite, worst), SHARE_RULE, count, bad[worst], detail
        )
    )


def _rule_column(suite: Suite, rule: str) -> str:
    for r in suite.rows:
        if r.rule == rule:
            return r.column
    for xr in suite.cross_file_rules:
        if xr["rule"] == rule:
            return xr["column"]
    return ""


def _rule_message(suite: Suite, rule: str) -> str:
    for r in suite.rows:
        if r.rule == rule:
            return f"breaks rule: {r.description}"
    for xr in suite.cross_file_rules:
        if xr["rule"] == rule:
            return f"breaks rule: {xr['description']}"
    return "breaks rule"


def quarantine_table(
    suites: dict[str, Suite], tables: dict[str, CodedTable], q: Quarantine
) -> pd.DataFrame:
    """Every quarantined row: file, row, rule, column, message and person key."""
    frames = [
        pd.DataFrame(
            {
                "file": suite.file,
                "row": rows,
                "rule": rule,
                "column": _rule_column(suite, rule),
                "message": _rule_message(suite, rule),
                PERSON_ID: tables[f][PERSON_ID].take(rows).to_numpy(),
            }
        )
        for f, suite in suites.items()
        for rule, rows in q.bad[f].items()
    ]
    table = pd.concat([_empty(), *frames], ignore_index=True)
    table = table.sort_values(["file", "row", "rule"], ignore_index=True)
    return _with_person_key(table)[list(QUARANTINE_COLUMNS)]


def _with_person_key(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Replace the rows' person IDs by a run-local person key: the rank of the ID among
    the quarantined rows' IDs (-1 where a row has none). It counts persons; it is not an
    ID and links to nothing outside the run."""
    ids = quarantine.pop(PERSON_ID)
    ok = ids.notna().to_numpy()
    text = ids[ok].astype(str)
    key = np.full(len(ids), -1, dtype=np.int64)
    key[ok] = pd.Index(np.sort(text.unique())).get_indexer(text)
    return quarantine.assign(person_key=key)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": pd.Series(dtype="str"),
            "row": pd.Series(dtype="int64"),
            "rule": pd.Series(dtype="str"),
            "column": pd.Series(dtype="str"),
            "message": pd.Series(dtype="str"),
            PERSON_ID: pd.Series(dtype="str"),
        }
    )
