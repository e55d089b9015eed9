"""What each rule found, accumulated over the calls that ran it, and per file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from flows.validation.suites import COLUMN_SET, ROW_KEY, Rule, Suite


@dataclass(eq=False)
class Outcome:
    """One rule's results, accumulated over the frames it ran on."""

    rule: Rule
    ran: bool = False
    evaluated: int = 0
    unexpected: int = 0
    observed: str = ""
    error: str = ""
    rows: list[np.ndarray] = field(default_factory=list)

    def add(self, result: Any, n_rows: int, rows: np.ndarray | None = None) -> None:
        """Add a GX result on ``n_rows`` rows; ``rows`` (the unexpected row numbers)
        replaces the result's own index list and count when the frame held something
        other than the rows (distinct values, say)."""
        self.ran = True
        res = result.result or {}
        error = exception_message(result.exception_info)
        if error:
            self.error = error
        if rows is None:
            self.evaluated += int(res.get("element_count", n_rows))
            self.unexpected += int(res.get("unexpected_count", 0 if result.success else 1))
            rows = unexpected_index(res)
        else:
            self.evaluated += n_rows
            self.unexpected += len(rows)
        if "observed_value" in res and self.rule.type != COLUMN_SET:
            self.observed = str(res["observed_value"])
        if len(rows):
            self.rows.append(rows)

    @property
    def success(self) -> bool:
        return self.ran and not self.error and self.unexpected == 0

    def row_numbers(self) -> np.ndarray:
        return np.sort(np.concatenate(self.rows)) if self.rows else np.empty(0, np.int64)


def exception_message(info: Any) -> str:
    """First line of the exception GX caught, if any (flat or keyed by metric)."""
    if not isinstance(info, dict):
        return ""
    candidates = [info, *(v for v in info.values() if isinstance(v, dict))]
    for item in candidates:
        if item.get("raised_exception"):
            return (str(item.get("exception_message") or "error").splitlines() or ["error"])[0]
    return ""


def unexpected_index(res: dict[str, Any]) -> np.ndarray:
    """The ``_row`` values GX listed as unexpected (int64)."""
    out: list[int] = []
    for item in res.get("unexpected_index_list") or []:
        value = item.get(ROW_KEY) if isinstance(item, dict) else item
        if isinstance(value, list | tuple | np.ndarray):
            out.extend(int(v) for v in value)
        elif value is not None:
            out.append(int(value))
    return np.asarray(out, dtype=np.int64)


@dataclass(eq=False)
class FileReport:
    """A file's outcomes, counts and timings for the report and the log."""

    suite: Suite
    outcomes: dict[str, Outcome]
    read: int = 0
    quarantined: int = 0
    partitions: int = 0
    seconds: float = 0.0
    cross_file: dict[str, int] = field(default_factory=dict)
    share: float | None = None

    @classmethod
    def start(cls, suite: Suite) -> FileReport:
        rules = suite.structural + suite.rows
        return cls(suite, {r.rule: Outcome(r) for r in rules})
