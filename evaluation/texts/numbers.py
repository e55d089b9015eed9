"""How numbers are written, in Danish and English.

:class:`NumberStyle` has two registers: the report's (grouping, the language's decimal
mark, a real minus sign, "42.000 kr." / "DKK 42,000") and the plain one of the text in
Parquet tables and Prefect artifacts ("7,1 pct.-point" / "7.1 pp", "58 %" / "58%").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

MINUS = "\u2212"
DASH = "\u2013"  # shown for suppressed or missing numbers


@dataclass(frozen=True)
class NumberStyle:
    """How numbers, money and months are written in one language."""

    thousands: str
    decimal: str
    currency_before: str
    currency_after: str
    million_after: str  # suffix of amounts written in millions
    month_names: tuple[str, ...]
    percent_suffix: str = "%"
    pp_unit: str = " pp"  # plain style: after percentage points
    plain_percent_suffix: str = "%"  # plain style: after a share in percent

    def number(self, x: float | None, decimals: int = 0) -> str:
        """``x`` with grouping and the language's decimal mark; "–" when missing."""
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return DASH
        if math.isinf(x):
            return "\u221e" if x > 0 else MINUS + "\u221e"
        text = f"{abs(x):,.{decimals}f}"
        text = text.replace(",", "\x00").replace(".", self.decimal)
        text = text.replace("\x00", self.thousands)
        negative = round(abs(x), decimals) > 0 and x < 0
        return (MINUS if negative else "") + text

    def significant(self, x: float | None, digits: int = 3) -> str:
        """``x`` rounded to ``digits`` significant digits (integers stay whole)."""
        if x is None or not math.isfinite(x) or x == 0:
            return self.number(x)
        mag = math.floor(math.log10(abs(x)))
        rounded = round(x, digits - 1 - mag)
        return self.number(rounded, max(0, digits - 1 - mag))

    def money(self, x: float | None) -> str:
        """An amount in DKK, 3 significant digits, millions from 1m: "42.000 kr."."""
        if x is None or not math.isfinite(x):
            return self.number(x)
        if abs(x) >= 1e6:
            body = self.significant(x / 1e6, 3) + self.million_after
        else:
            body = self.significant(x, 3) if abs(x) >= 1000 else self.number(x, 0)
        return f"{self.currency_before}{body}{self.currency_after}"

    def pp(self, share: float | None, decimals: int = 1) -> str:
        """A difference of shares in percentage points (0.071 -> "7,1")."""
        return self.number(None if share is None else share * 100, decimals)

    def percent(self, share: float | None, decimals: int = 0) -> str:
        return self.number(None if share is None else share * 100, decimals)

    def pct(self, share: float | None, decimals: int = 0) -> str:
        """A share with its percent sign (0.58 -> "58 %" / "58%"); "–" when missing."""
        text = self.percent(share, decimals)
        return text if text == DASH else text + self.percent_suffix

    def p_value(self, p: float | None) -> str:
        if p is None or not math.isfinite(p):
            return DASH
        return "< " + self.number(0.001, 3) if p < 0.001 else self.number(p, 3 if p < 0.01 else 2)

    # -- the plain style of text in Parquet tables and Prefect artifacts: one decimal, no
    # grouping, an ASCII minus
    def plain_pp(self, share: float | None) -> str:
        """Percentage points as the tables and artifacts write them: "7.1 pp" /
        "7,1 pct.-point"; "–" when missing."""
        if share is None or not math.isfinite(share):
            return DASH
        return f"{100 * share:.1f}".replace(".", self.decimal) + self.pp_unit

    def plain_share(self, share: float | None) -> str:
        """A share in whole percent: "58%" / "58 %"; "–" when missing."""
        if share is None or not math.isfinite(share):
            return DASH
        return f"{100 * share:.0f}{self.plain_percent_suffix}"

    def plain_whole(self, x: float | None) -> str:
        """A number rounded to a whole one, without grouping; "–" when missing."""
        return DASH if x is None or not math.isfinite(x) else f"{x:.0f}"

    def plain_count(self, x: float | None) -> str:
        """A count with comma grouping (in both languages, as the artifacts have it)."""
        return DASH if x is None or not math.isfinite(x) else f"{x:,.0f}"

    def month(self, label: str) -> str:
        """ "2024-03" -> "marts 2024" / "March 2024"."""
        m = re.fullmatch(r"(\d{4})-(\d{2})", label or "")
        if not m:
            return label
        return f"{self.month_names[int(m.group(2)) - 1]} {m.group(1)}"


STYLES: dict[str, NumberStyle] = {
    "da": NumberStyle(
        thousands=".",
        decimal=",",
        currency_before="",
        currency_after=" kr.",
        million_after=" mio.",
        percent_suffix="\u00a0%",
        pp_unit=" pct.-point",
        plain_percent_suffix=" %",
        month_names=(
            "januar",
            "februar",
            "marts",
            "april",
            "maj",
            "juni",
            "juli",
            "august",
            "september",
            "oktober",
            "november",
            "december",
        ),
    ),
    "en": NumberStyle(
        thousands=",",
        decimal=".",
        currency_before="DKK ",
        currency_after="",
        million_after="m",
        month_names=(
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
    ),
}
