"""Frozen configuration of an evaluation, as the core sees it.

The YAML file and its pydantic validation live in ``flows.config``; it builds these
with :func:`from_dict` (the validated config's data, field by field by name) and takes
its defaults from them (:func:`defaults`), so every default is written once, here or in
the family's own config (:mod:`evaluation.monetise.config`,
:mod:`evaluation.monitor.config`).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from evaluation.measures import Measure
from evaluation.statuses import BENEFITS, SELF_SUFFICIENT

if TYPE_CHECKING:  # the families build on this module, not the other way round
    from evaluation.monetise.catalogue import PriceCatalogue
    from evaluation.monetise.config import ContractTerms, ValuationSettings
    from evaluation.monitor.config import MonitorSettings

MatchMethod = Literal["propensity", "mahalanobis", "exact"]


@dataclass(frozen=True)
class MeasureRule:
    """A register measure's value was at least ``min`` in each of the
    ``months_before_start`` months before the start month."""

    measure: str
    min: float = 1.0
    months_before_start: int = 1


@dataclass(frozen=True)
class TargetGroup:
    """A person is in the target group in month s when their status was one of
    ``statuses`` in each of the ``months_before_start`` months before s (no status rule
    when ``statuses`` is empty), their age (calendar year of s minus birth year) lies in
    ``age`` (inclusive) when given, and every measure rule holds (:class:`MeasureRule`)."""

    statuses: tuple[str, ...]
    months_before_start: int = 1
    age: tuple[int, int] | None = None
    measures: tuple[MeasureRule, ...] = ()


@dataclass(frozen=True)
class CovariateSpec:
    lags: int = 12  # status in each of the L months before s
    windows: tuple[int, ...] = (12, 36)  # months self-sufficient / on each benefit
    demographics: bool = True  # age, sex, education
    calendar_month: bool = True
    programme_history: bool = True  # earlier participation in other offers (matching.history)


@dataclass(frozen=True)
class MatchingConfig:
    method: MatchMethod = "propensity"
    k: int = 3
    replace: bool = True
    caliper_sd: float | None = 0.2  # in SDs of the logit of the propensity score
    exact_on: tuple[str, ...] = ("start_month", "status_lag1")
    covariates: CovariateSpec = field(default_factory=CovariateSpec)
    smd_threshold: float = 0.1
    variance_ratio_range: tuple[float, float] = (0.5, 2.0)
    max_ps_rows: int = 100_000  # control rows sampled to fit the propensity model
    min_participants: int = 10
    seed: int = 20240101


@dataclass(frozen=True)
class Outcome:
    """An outcome defined as membership of a set of statuses (a 0/1 per person-month)."""

    name: str
    statuses: tuple[str, ...]


DEFAULT_OUTCOMES: tuple[Outcome, ...] = (
    Outcome("self_sufficient", SELF_SUFFICIENT),
    Outcome("on_benefits", BENEFITS),
)


@dataclass(frozen=True)
class EstimationConfig:
    event_window: tuple[int, int] = (-12, 24)
    headline_window: tuple[int, int] = (0, 11)
    level: float = 0.95
    bootstrap_below_clusters: int = 60  # wild cluster bootstrap when fewer participants
    bootstrap_reps: int = 999
    power: float = 0.8  # of the minimum detectable effect (effects columns mde, mde_power)
    seed: int = 20240101


@dataclass(frozen=True)
class OfferConfig:
    offer_id: str
    name: str
    target_group: TargetGroup
    cost_per_participant_dkk: float
    evidence_stars: int | None = None
    planned_participants: int | None = None
    target_effect: float | None = None
    target_event_month: int | None = None
    matching: MatchingConfig = field(default_factory=MatchingConfig)
    payment_terms: ContractTerms | None = None
    plans: tuple = ()  # evaluation.monitor.Plan versions, oldest first
    primary_outcome: str = "self_sufficient"  # pre-specified; Holm over offers on it
    # the outcomes (status-set outcomes and measures) the offer is evaluated on; () = all
    outcomes: tuple[str, ...] = ()


def _default_valuation() -> ValuationSettings:
    from evaluation.monetise.config import ValuationSettings

    return ValuationSettings()


def _default_monitor() -> MonitorSettings:
    from evaluation.monitor.config import MonitorSettings

    return MonitorSettings()


@dataclass(frozen=True)
class EvaluationConfig:
    offers: tuple[OfferConfig, ...]
    outcomes: tuple[Outcome, ...] = DEFAULT_OUTCOMES
    estimation: EstimationConfig = field(default_factory=EstimationConfig)
    min_cell_size: int = 5
    prices: PriceCatalogue | None = None  # None: no public-cost outcomes, no valuation
    price_year: int | None = None  # None: the catalogue's price year
    valuation: ValuationSettings = field(default_factory=_default_valuation)
    monitor: MonitorSettings = field(default_factory=_default_monitor)
    measures: tuple[Measure, ...] = ()  # register measures (outcomes_monthly.parquet)

    def offer(self, offer_id: str) -> OfferConfig:
        for o in self.offers:
            if o.offer_id == offer_id:
                return o
        raise KeyError(offer_id)


# --- built from plain data ---------------------------------------------------------------

T = TypeVar("T")


def from_dict(cls: type[T], data: Mapping[str, Any]) -> T:
    """The frozen dataclass ``cls`` from plain data (e.g. a pydantic ``model_dump()``):
    every key names a field; a missing field takes the dataclass's default; a mapping
    becomes the field's dataclass, a list its tuple (element by element); values that
    are already dataclasses are kept. A key that is no field of ``cls`` is an error."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - names)
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {', '.join(unknown)}")
    hints = typing.get_type_hints(cls, localns=_family_types())
    return cls(**{k: _convert(hints[k], v) for k, v in data.items()})


def defaults(cls: type) -> dict[str, Any]:
    """The default of every field of dataclass ``cls`` that has one."""
    out = {}
    for f in fields(cls):
        if f.default is not MISSING:
            out[f.name] = f.default
        elif f.default_factory is not MISSING:
            out[f.name] = f.default_factory()
    return out


def _convert(tp: Any, value: Any) -> Any:
    if value is None or is_dataclass(value):
        return value
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        return _convert(options[0], value) if len(options) == 1 else value
    if isinstance(tp, type) and is_dataclass(tp) and isinstance(value, Mapping):
        return from_dict(tp, value)
    if tp is tuple:
        return tuple(value)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v) for v in value)
        return tuple(_convert(a, v) for a, v in zip(args, value, strict=True))
    return value


def _family_types() -> dict[str, type]:
    """The families' config types this module names only for type checkers."""
    from evaluation.monetise.catalogue import PriceCatalogue
    from evaluation.monetise.config import ContractTerms, ValuationSettings
    from evaluation.monitor.config import MonitorSettings

    return {
        "PriceCatalogue": PriceCatalogue,
        "ContractTerms": ContractTerms,
        "ValuationSettings": ValuationSettings,
        "MonitorSettings": MonitorSettings,
    }
