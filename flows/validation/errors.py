"""The validation's hard stop and its one-line message."""

from __future__ import annotations

from typing import Any


class ValidationError(Exception):
    """A hard stop: the inputs are unusable. ``str(error)`` is one line."""

    def __init__(self, message: str, *, report_html: str = "") -> None:
        super().__init__(" ".join(str(message).split()))
        self.report_html = report_html


def stop_message(file: str, column: str, rule: str, count: str, rows: Any, detail: str) -> str:
    """``FILE, column C, rule R: DETAIL; count N; rows 1, 2. Run stopped; ...``: up to
    five row numbers, never a value."""
    shown = ", ".join(str(int(r)) for r in list(rows)[:5]) if len(rows) else "n/a"
    return (
        f"{file}, column {column or '(table)'}, rule {rule}: {detail}; count {count}; "
        f"rows {shown}. Run stopped; nothing was written."
    )
