"""The price catalogue: monthly public expenditure per person by status and payer.

Like SØM's unit prices (enhedspriser), every status has a monthly amount in DKK per
person for each payer (kommune, stat, region), with the price year of the amount and its
source. Amounts are moved to a common price year with a price index (SØM uses Statistics
Denmark's net price index, nettoprisindeks):

    amount in year Y = amount in year y * index[Y] / index[y]

The catalogue is data, not code: it is built from a plain dict (the shipped YAML file,
read by ``flows.prices.load_catalogue``) and any entry can be overridden from the
evaluation config with :meth:`PriceCatalogue.with_overrides`.

The vector :meth:`PriceCatalogue.monthly_cost` is what the event study takes as an
outcome: ``MatchedEventStudy.fit("public_cost_dkk", catalogue.monthly_cost())`` estimates
the offer's effect on public expenditure per participant-month like any other outcome,
and one fit per payer splits it by payer (the estimator is linear in the values, so the
payers' effects add up to the total).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from evaluation.statuses import STATUSES

Payer = Literal["kommune", "stat", "region"]
PAYERS: tuple[str, ...] = ("kommune", "stat", "region")


@dataclass(frozen=True, eq=False)
class UnitPrice:
    """Monthly public expenditure per person in one status, by payer."""

    status: str
    monthly_dkk: Mapping[str, float]  # payer -> DKK per person-month (missing payer = 0)
    price_year: int
    source: str
    illustrative: bool

    def __post_init__(self) -> None:
        unknown = set(self.monthly_dkk) - set(PAYERS)
        if unknown:
            raise ValueError(
                f"{self.status}: unknown payer(s) {sorted(unknown)}; known: {', '.join(PAYERS)}"
            )
        amounts = {p: float(v) for p, v in self.monthly_dkk.items()}
        bad = [p for p, v in amounts.items() if not math.isfinite(v)]
        if bad:
            raise ValueError(f"{self.status}: amounts must be finite numbers ({bad})")
        if not self.source.strip():
            raise ValueError(f"{self.status}: every price needs a source")
        object.__setattr__(self, "monthly_dkk", MappingProxyType(amounts))

    def amount(self, payer: str | None = None) -> float:
        """DKK per person-month in this entry's price year (all payers when None)."""
        if payer is None:
            return float(sum(self.monthly_dkk.values()))
        return float(self.monthly_dkk.get(payer, 0.0))


@dataclass(frozen=True, eq=False)
class PriceIndex:
    """A price index by year (e.g. the net price index, 2015 = 100)."""

    name: str
    source: str
    values: Mapping[int, float]
    illustrative: bool = False

    def __post_init__(self) -> None:
        vals = {int(y): float(v) for y, v in self.values.items()}
        if not vals:
            raise ValueError("the price index needs at least one year")
        if any(not (math.isfinite(v) and v > 0) for v in vals.values()):
            raise ValueError("price index values must be positive numbers")
        object.__setattr__(self, "values", MappingProxyType(dict(sorted(vals.items()))))

    def factor(self, from_year: int, to_year: int) -> float:
        """Multiply an amount in ``from_year`` prices by this to get ``to_year`` prices."""
        for y in (from_year, to_year):
            if y not in self.values:
                have = f"{min(self.values)}..{max(self.values)}"
                raise KeyError(f"price index {self.name!r} has no value for {y} (has {have})")
        return self.values[to_year] / self.values[from_year]


@dataclass(frozen=True, eq=False)
class PriceCatalogue:
    """Versioned unit prices for every status (see the module docstring)."""

    version: str
    price_year: int  # default target price year of :meth:`monthly_cost`
    prices: Mapping[str, UnitPrice]
    price_index: PriceIndex
    currency: str = "DKK"
    description: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        missing = [s for s in STATUSES if s not in self.prices]
        unknown = [s for s in self.prices if s not in STATUSES]
        if missing or unknown:
            raise ValueError(
                f"price catalogue must price exactly the statuses {STATUSES}; "
                f"missing {missing}, unknown {unknown}"
            )
        if self.currency != "DKK":
            raise ValueError("only DKK prices are supported")
        for p in self.prices.values():
            try:
                self.price_index.factor(p.price_year, self.price_year)
            except KeyError as exc:
                raise ValueError(f"{p.status}: cannot convert prices: {exc.args[0]}") from None
        object.__setattr__(self, "prices", MappingProxyType(dict(self.prices)))

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PriceCatalogue:
        """Build from the catalogue's dict form (the YAML file's structure)."""
        try:
            year = int(data["price_year"])
            idx = data["price_index"]
            index = PriceIndex(
                name=str(idx["name"]),
                source=str(idx["source"]),
                values={int(y): float(v) for y, v in idx["values"].items()},
                illustrative=bool(idx.get("illustrative", False)),
            )
            prices = {
                str(s): UnitPrice(
                    status=str(s),
                    monthly_dkk=dict(e["monthly_dkk"]),
                    price_year=int(e.get("price_year", year)),
                    source=str(e["source"]),
                    illustrative=bool(e.get("illustrative", False)),
                )
                for s, e in data["statuses"].items()
            }
            return cls(
                version=str(data["version"]),
                price_year=year,
                prices=prices,
                price_index=index,
                currency=str(data.get("currency", "DKK")),
                description=str(data.get("description", "")).strip(),
                notes=tuple(str(n) for n in data.get("notes", ()) or ()),
            )
        except KeyError as exc:
            raise ValueError(f"price catalogue: missing field {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """The dict form (round-trips through :meth:`from_dict`)."""
        return {
            "version": self.version,
            "currency": self.currency,
            "price_year": self.price_year,
            "description": self.description,
            "notes": list(self.notes),
            "price_index": {
                "name": self.price_index.name,
                "source": self.price_index.source,
                "illustrative": self.price_index.illustrative,
                "values": dict(self.price_index.values),
            },
            "statuses": {
                s: {
                    "price_year": p.price_year,
                    "monthly_dkk": dict(p.monthly_dkk),
                    "illustrative": p.illustrative,
                    "source": p.source,
                }
                for s, p in self.prices.items()
            },
        }

    def with_overrides(
        self,
        *,
        prices: Mapping[str, Mapping[str, float]] | None = None,
        price_index: Mapping[int, float] | None = None,
        price_year: int | None = None,
        source: str = "evaluation config",
    ) -> PriceCatalogue:
        """A new catalogue with entries replaced, e.g. from the flow's ``valuation`` config.

        ``prices`` maps status -> payer -> DKK per month, in the entry's own price year;
        the payers not named keep their amounts. ``price_index`` adds or replaces index
        years. ``price_year`` changes the default target price year. Overridden entries
        say so in their ``source`` and stop being illustrative once every payer with an
        amount has been overridden.
        """
        data = self.to_dict()
        for status, amounts in (prices or {}).items():
            if status not in data["statuses"]:
                raise ValueError(f"price override for unknown status {status!r}")
            entry = data["statuses"][status]
            entry["monthly_dkk"].update({p: float(v) for p, v in amounts.items()})
            named = ", ".join(sorted(amounts))
            entry["source"] = f"{entry['source']} | overridden by {source}: {named}"
            priced = {p for p, v in entry["monthly_dkk"].items() if v != 0}
            entry["illustrative"] = entry["illustrative"] and not priced <= set(amounts)
        if price_index:
            data["price_index"]["values"].update({int(y): float(v) for y, v in price_index.items()})
            data["price_index"]["source"] += f" | years {sorted(price_index)} from {source}"
        if price_year is not None:
            data["price_year"] = int(price_year)
        if prices or price_index or price_year is not None:
            data["version"] = f"{self.version}+overrides"
        return PriceCatalogue.from_dict(data)

    # -- use ----------------------------------------------------------------------------

    @property
    def payers(self) -> tuple[str, ...]:
        """Payers with a non-zero amount for some status, in :data:`PAYERS` order."""
        return tuple(p for p in PAYERS if any(u.amount(p) != 0 for u in self.prices.values()))

    @property
    def illustrative(self) -> bool:
        """True when any amount or the index is an illustrative default."""
        return self.price_index.illustrative or any(u.illustrative for u in self.prices.values())

    def monthly_cost(
        self,
        status_code_order: Sequence[str] = STATUSES,
        *,
        payer: Payer | None = None,
        price_year: int | None = None,
    ) -> np.ndarray:
        """DKK per person-month for each status in ``status_code_order`` (the status
        codes' order, as ``MatchedEventStudy.fit`` expects), for one payer or all (None),
        in ``price_year`` prices (default: the catalogue's price year)."""
        if payer is not None and payer not in PAYERS:
            raise ValueError(f"unknown payer {payer!r}; known: {', '.join(PAYERS)}")
        year = self.price_year if price_year is None else int(price_year)
        out = np.empty(len(status_code_order))
        for i, status in enumerate(status_code_order):
            unit = self.prices[status]
            out[i] = unit.amount(payer) * self.price_index.factor(unit.price_year, year)
        return out

    def by_payer(self, *, price_year: int | None = None) -> dict[str, np.ndarray]:
        """``{"all": vector, payer: vector, ...}`` for the payers in :attr:`payers`."""
        out = {"all": self.monthly_cost(price_year=price_year)}
        out.update({p: self.monthly_cost(payer=p, price_year=price_year) for p in self.payers})
        return out

    def tidy(self, *, price_year: int | None = None) -> pd.DataFrame:
        """One row per status and payer, in the original and the target price year."""
        year = self.price_year if price_year is None else int(price_year)
        rows = []
        for s in STATUSES:
            u = self.prices[s]
            f = self.price_index.factor(u.price_year, year)
            for p in PAYERS:
                rows.append(
                    {
                        "status": s,
                        "payer": p,
                        "monthly_dkk": u.amount(p),
                        "source_price_year": u.price_year,
                        "price_year": year,
                        "monthly_dkk_in_price_year": u.amount(p) * f,
                        "illustrative": u.illustrative,
                        "source": u.source,
                        "catalogue_version": self.version,
                    }
                )
        return pd.DataFrame(rows)
