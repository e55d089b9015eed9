"""The evaluation config (YAML) at the CLI/flow boundary: pydantic models that reject
every unknown or bad field with a clear message, converted into the frozen
configuration of ``evaluation.config``.

Minimal example::

    offers:
      - offer_id: los
        name: Projekt LOS
        target_group: {statuses: [sickness_benefit], months_before_start: 2}
        cost_per_participant_dkk: 42000
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from evaluation import config as core
from evaluation import months
from evaluation.monetise import ContractTerms, Extrapolation, PriceCatalogue, ValuationSettings
from evaluation.monitor import Plan
from evaluation.statuses import STATUSES
from evaluation.texts import Lang
from flows import config_checks as checks
from flows import config_measures as cm

Status = Literal[
    "job",
    "education",
    "unemployment_insurance",
    "cash_benefit",
    "education_benefit",
    "sickness_benefit",
    "rehabilitation",
    "flexjob",
    "disability_pension",
    "other",
]
assert set(Status.__args__) == set(STATUSES)  # type: ignore[attr-defined]

FIRST_YEAR, LAST_YEAR = 1990, 2100
MIN_SAFE_CELL = 3  # below this, privacy.allow_small_cells must say so


def _month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text) or not (
        FIRST_YEAR <= int(text[:4]) <= LAST_YEAR
    ):
        raise ValueError(
            f"expected a month as YYYY-MM between {FIRST_YEAR}-01 and {LAST_YEAR}-12, got {text!r}"
        )
    return text


def _share(x: float) -> float:
    if not -1 < x < 1:
        raise ValueError(
            f"{x:g} is not a share: a share, 0.05 = 5 percentage points, lies between -1 and 1"
        )
    return x


MonthStr = Annotated[str, AfterValidator(_month)]
Share = Annotated[float, AfterValidator(_share)]
# Amounts in DKK: numbers only (never text; the YAML text is checked in config_checks).
Dkk = Annotated[float, Field(strict=True)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# Defaults are the core's (written once, in its frozen dataclasses); the models below only
# add bounds and messages. tests/test_config_sync.py checks that every field reaches the core.
_TARGET = core.defaults(core.TargetGroup)
_COVARIATES = core.defaults(core.CovariateSpec)
_MATCHING = core.defaults(core.MatchingConfig)
_TERMS = core.defaults(ContractTerms)
_OFFER = core.defaults(core.OfferConfig)
_ESTIMATION = core.defaults(core.EstimationConfig)
_VALUATION = core.defaults(ValuationSettings)
_EXTRAPOLATION = core.defaults(Extrapolation)
_RUN = core.defaults(core.EvaluationConfig)


class TargetGroupModel(_Model):
    statuses: list[Status] = []
    months_before_start: int = Field(default=_TARGET["months_before_start"], ge=1, le=36)
    # age (calendar year minus birth year) in the start month, and rules on measures
    age: tuple[Annotated[int, Field(ge=0, le=120)], Annotated[int, Field(ge=0, le=120)]] | None = (
        None
    )
    measures: dict[str, cm.MeasureRuleModel] = {}

    @model_validator(mode="after")
    def _some_rule(self) -> TargetGroupModel:
        if not (self.statuses or self.age or self.measures):
            raise ValueError("a target group needs statuses, age or measures (at least one rule)")
        if self.age is not None and self.age[0] > self.age[1]:
            raise ValueError("age must be [min, max] with min <= max")
        return self


class CovariatesModel(_Model):
    lags: int = Field(default=_COVARIATES["lags"], ge=0, le=36)
    windows: list[Annotated[int, Field(ge=1, le=120)]] = Field(
        default=list(_COVARIATES["windows"]), max_length=6
    )
    demographics: bool = _COVARIATES["demographics"]
    calendar_month: bool = _COVARIATES["calendar_month"]
    programme_history: bool = _COVARIATES["programme_history"]


class MatchingModel(_Model):
    method: core.MatchMethod = _MATCHING["method"]
    k: int = Field(default=_MATCHING["k"], ge=1, le=20)
    replace: bool = _MATCHING["replace"]
    caliper_sd: float | None = Field(default=_MATCHING["caliper_sd"], gt=0, le=10)
    exact_on: list[
        Literal["start_month", "status_lag1", "sex", "education", "programme_history"]
    ] = list(_MATCHING["exact_on"])
    # not a setting of the core: false is refused (see _never_treated); kept so that an
    # old config saying true still reads
    not_yet_treated: Literal[True] = True
    covariates: CovariatesModel = CovariatesModel()
    smd_threshold: float = Field(default=_MATCHING["smd_threshold"], gt=0, le=1)
    variance_ratio_range: tuple[
        Annotated[float, Field(gt=0, le=100)], Annotated[float, Field(gt=0, le=100)]
    ] = _MATCHING["variance_ratio_range"]
    min_participants: int = Field(default=_MATCHING["min_participants"], ge=1, le=100_000)
    seed: int = _MATCHING["seed"]

    @model_validator(mode="before")
    @classmethod
    def _never_treated(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("not_yet_treated", True) is False:
            raise ValueError(
                "not_yet_treated: false is no longer offered: controls who never start by "
                "the as-of month are selected on their future (those who found work after "
                "the start left the target group and could not start), which biases the "
                "effect; later starters are controls until they start and are then censored "
                "with weights. Remove the line"
            )
        return data

    @model_validator(mode="after")
    def _mahalanobis_with_replacement(self) -> MatchingModel:
        if self.method == "mahalanobis" and not self.replace:
            raise ValueError("Mahalanobis matching is only available with replacement")
        if self.variance_ratio_range[0] >= self.variance_ratio_range[1]:
            raise ValueError("variance_ratio_range must be (low, high) with low < high")
        return self


class PlanModel(_Model):
    """One version of the enrolment plan (INDIGO style: revisions keep old actuals)."""

    version: str = Field(min_length=1)
    valid_from: MonthStr
    participants_by_month: dict[MonthStr, Count]
    outcomes_by_month: dict[MonthStr, Annotated[float, Field(ge=0)]] | None = None
    payments_by_month: dict[MonthStr, Annotated[Dkk, Field(ge=0)]] | None = None


class PaymentTermsModel(_Model):
    """Results-based payment terms of the contract."""

    outcome: str = _TERMS["outcome"]
    per_extra_outcome_month_dkk: Dkk = Field(default=_TERMS["per_extra_outcome_month_dkk"], ge=0)
    per_participant_reaching_outcome_dkk: Dkk = Field(
        default=_TERMS["per_participant_reaching_outcome_dkk"], ge=0
    )
    minimum_effect: Share = Field(default=_TERMS["minimum_effect"], ge=0)
    cap_dkk: Dkk | None = Field(default=_TERMS["cap_dkk"], gt=0)
    horizon_months: int = Field(default=_TERMS["horizon_months"], ge=1, le=120)


class OfferModel(_Model):
    offer_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
    name: str = Field(min_length=1)
    target_group: TargetGroupModel
    cost_per_participant_dkk: Dkk = Field(gt=0)
    evidence_stars: int | None = Field(default=_OFFER["evidence_stars"], ge=1, le=3)
    planned_participants: Count | None = _OFFER["planned_participants"]
    plans: list[PlanModel] = list(_OFFER["plans"])
    target_effect: Share | None = _OFFER["target_effect"]
    target_event_month: int | None = Field(default=_OFFER["target_event_month"], ge=0, le=120)
    matching: MatchingModel = MatchingModel()
    payment_terms: PaymentTermsModel | None = None
    # the outcomes the offer is evaluated on (status-set outcomes and measures; default all)
    outcomes: list[str] = []
    # the pre-specified primary outcome (headline window): Holm runs over the offers on it;
    # default the first of ``outcomes`` when the offer lists them
    primary_outcome: str = _OFFER["primary_outcome"]

    @model_validator(mode="before")
    @classmethod
    def _primary_default(cls, data: Any) -> Any:
        if isinstance(data, dict) and "primary_outcome" not in data and data.get("outcomes"):
            outcomes = data["outcomes"]
            if isinstance(outcomes, list) and outcomes and isinstance(outcomes[0], str):
                return {**data, "primary_outcome": outcomes[0]}
        return data

    @model_validator(mode="after")
    def _target_pair(self) -> OfferModel:
        if (self.target_effect is None) != (self.target_event_month is None):
            raise ValueError("target_effect and target_event_month go together")
        return self

    @property
    def has_plan(self) -> bool:
        """A plan says how many participants were expected (not started is reportable)."""
        return self.planned_participants is not None or bool(self.plans)


class OutcomeModel(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    statuses: list[Status] = Field(min_length=1)


class EstimationModel(_Model):
    event_window: tuple[
        Annotated[int, Field(ge=-60, le=0)], Annotated[int, Field(ge=0, le=120)]
    ] = _ESTIMATION["event_window"]
    headline_window: tuple[
        Annotated[int, Field(ge=0, le=120)], Annotated[int, Field(ge=0, le=120)]
    ] = _ESTIMATION["headline_window"]
    level: float = Field(default=_ESTIMATION["level"], gt=0.5, lt=1)
    bootstrap_below_clusters: int = Field(
        default=_ESTIMATION["bootstrap_below_clusters"], ge=0, le=100_000
    )
    # every replicate refits the event study: bounded so a typo cannot take hours or
    # exhaust memory
    bootstrap_reps: int = Field(default=_ESTIMATION["bootstrap_reps"], ge=99, le=99_999)
    # of the minimum detectable effect (effects columns mde and mde_power)
    power: float = Field(default=_ESTIMATION["power"], gt=0, lt=1)
    seed: int = _ESTIMATION["seed"]

    @model_validator(mode="after")
    def _windows(self) -> EstimationModel:
        lo, hi = self.event_window
        if not lo <= -2 < 0 <= hi:
            raise ValueError("event_window must run from at most -2 to at least 0")
        h0, h1 = self.headline_window
        if not 0 <= h0 <= h1 <= hi:
            raise ValueError("headline_window must lie within 0..event_window end")
        return self


class ValuationModel(_Model):
    horizon_months: int = Field(default=_VALUATION["horizon_months"], ge=1, le=120)
    discount_rate: float = Field(default=_VALUATION["discount_rate"], ge=0, lt=1)
    extrapolation: Literal["none", "constant", "decay"] = _EXTRAPOLATION["rule"]
    half_life_months: float = Field(default=_EXTRAPOLATION["half_life_months"], gt=0, le=600)
    price_year: int | None = Field(default=None, ge=2000, le=LAST_YEAR)
    prices: dict[
        Status, dict[Literal["kommune", "stat", "region"], Annotated[Dkk, Field(ge=0)]]
    ] = {}
    price_index: dict[
        Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)], Annotated[float, Field(gt=0)]
    ] = {}
    tax_rate: dict[
        Literal["kommune", "stat", "region"], Annotated[float, Field(ge=0, lt=1)]
    ] = {}  # on extra earnings, by payer: the public value of earnings_dkk


class PrivacyModel(_Model):
    """Small-cell suppression. ``min_cell_size`` below 3 needs ``allow_small_cells: true``
    (recorded in the manifest and the report). The CPR check of ID columns is always on."""

    allow_small_cells: bool = False
    min_cell_size: int = Field(default=_RUN["min_cell_size"], ge=1, le=1000)

    @model_validator(mode="before")
    @classmethod
    def _no_cpr_switch(cls, data: Any) -> Any:
        if isinstance(data, dict) and "cpr_guard" in data:
            raise ValueError(
                "cpr_guard is not a setting: the CPR check of ID columns is always on "
                "(pseudonymise IDs with `mereffekt pseudonymise`); remove the line"
            )
        return data

    @field_validator("min_cell_size")
    @classmethod
    def _small_cells(cls, k: int, info: ValidationInfo) -> int:
        if k < MIN_SAFE_CELL and not info.data.get("allow_small_cells", False):
            cells = "1 or 2 persons" if k == 1 else "2 persons"
            raise ValueError(
                f"{k} is below {MIN_SAFE_CELL}: cells of {cells} and what rests on them "
                "would be published; set privacy.allow_small_cells: true to allow it (it is "
                "recorded in the manifest and the report)"
            )
        return k


class ValidationModel(_Model):
    max_quarantine_share: float = Field(default=0.05, ge=0, le=1)


class ReportModel(_Model):
    """The report's tilbudsvifte: quadrant lines at a target price per extra
    self-sufficient citizen (DKK; the municipalities' "price per job") and a target effect
    (percentage points, 5 = 5 pp). Set both or neither; without them the lines sit at the
    medians of the offers shown and the report says so."""

    target_price_per_job_dkk: Dkk | None = Field(default=None, gt=0, le=1e9)
    target_effect_pp: Annotated[float, Field(strict=True)] | None = Field(
        default=None, gt=0, le=100
    )

    @field_validator("target_effect_pp")
    @classmethod
    def _not_a_share(cls, x: float | None) -> float | None:
        if x is not None and x < 1:
            raise ValueError(
                f"{x:g} looks like a share; target_effect_pp is in percentage points "
                f"(write {x * 100:g} for {x * 100:g} pp)"
            )
        return x

    @model_validator(mode="after")
    def _both_or_neither(self) -> ReportModel:
        if (self.target_price_per_job_dkk is None) != (self.target_effect_pp is None):
            raise ValueError(
                "set both target_price_per_job_dkk and target_effect_pp (the tilbudsvifte's "
                "two quadrant lines) or neither"
            )
        return self


class ConfigModel(_Model):
    offers: list[OfferModel] = Field(min_length=1, max_length=200)
    outcomes: list[OutcomeModel] = Field(default=[], max_length=50)
    measures: list[cm.MeasureModel] = Field(default=[], max_length=50)
    estimation: EstimationModel = EstimationModel()
    valuation: ValuationModel = ValuationModel()
    privacy: PrivacyModel = PrivacyModel()
    validation: ValidationModel = ValidationModel()
    report: ReportModel = ReportModel()

    @field_validator("offers")
    @classmethod
    def _unique_offers(cls, offers: list[OfferModel]) -> list[OfferModel]:
        ids = [o.offer_id for o in offers]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"offer_id must be unique; repeated: {', '.join(dup)}")
        return offers

    @field_validator("outcomes")
    @classmethod
    def _no_reserved(cls, outcomes: list[OutcomeModel]) -> list[OutcomeModel]:
        reserved = {o.name for o in core.DEFAULT_OUTCOMES}
        clash = [o.name for o in outcomes if o.name in reserved or o.name.startswith("public_cost")]
        if clash:
            raise ValueError(f"outcome names already defined: {', '.join(clash)}")
        return outcomes

    @field_validator("measures")
    @classmethod
    def _unique_measures(cls, measures: list[cm.MeasureModel]) -> list[cm.MeasureModel]:
        return cm.unique_measures(measures)

    @model_validator(mode="after")
    def _payment_outcomes(self) -> ConfigModel:
        statuses = {o.name for o in core.DEFAULT_OUTCOMES} | {o.name for o in self.outcomes}
        declared = [m.name for m in self.measures]
        clash = sorted(statuses & set(declared))
        if clash:
            raise ValueError(f"measure names already used by outcomes: {', '.join(clash)}")
        known = statuses | set(declared)
        for offer in self.offers:
            _check_measures(offer, statuses, declared)
            if offer.primary_outcome not in (offer.outcomes or known):
                raise ValueError(
                    f"offer {offer.offer_id}: primary_outcome {offer.primary_outcome!r} is not "
                    f"an outcome of the offer; known: {', '.join(offer.outcomes or sorted(known))}"
                )
            terms = offer.payment_terms
            if terms is not None and terms.outcome not in known:
                raise ValueError(
                    f"offer {offer.offer_id}: payment_terms.outcome {terms.outcome!r} is not an "
                    f"outcome; known: {', '.join(sorted(known))}"
                )
        return self


def _check_measures(offer: OfferModel, statuses: set[str], declared: list[str]) -> None:
    """The offer's target-group measures and outcomes name declared measures (or, for
    outcomes, status-set outcomes)."""
    for what, used in (
        ("target_group.measures", list(offer.target_group.measures)),
        ("outcomes", [o for o in offer.outcomes if o not in statuses]),
    ):
        unknown = cm.unknown_measures(used, declared)
        if unknown:
            raise ValueError(
                f"offer {offer.offer_id}: {what} names {', '.join(unknown)}, not a declared "
                f"measure or outcome; declared measures: {', '.join(declared) or 'none'}"
            )


class ConfigError(ValueError):
    """A bad config file; ``str(error)`` names every bad field on one line."""


def load_config(path: Path) -> ConfigModel:
    """Read the YAML config at ``path`` strictly and validate it (see
    :mod:`flows.config_checks` for what the text itself must satisfy)."""
    path = Path(path)
    try:
        doc = checks.read_yaml(path)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(f"config {path} is a folder, not a YAML file") from None
    except OSError as exc:
        raise ConfigError(f"config {path} cannot be read: {exc.strerror or exc}") from None
    except checks.YamlProblem as exc:
        raise ConfigError(f"config {path} {exc}") from None
    return parse_config(doc.data, source=f"config {path}", doc=doc)


def parse_config(
    raw: Any, *, source: str = "config", doc: checks.Document | None = None
) -> ConfigModel:
    """Validate a parsed config; with ``doc`` (from :func:`load_config`) also the text of
    amounts and whole numbers, and messages name the line."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping with 'offers' at the top")
    if doc is not None:
        checks.raise_if(ConfigError, source, doc, raw, list(checks.money_problems(doc)))
    try:
        model = ConfigModel.model_validate(raw)
    except ValidationError as exc:
        problems = [checks.schema_problem(err, doc) for err in exc.errors()]
        checks.raise_if(ConfigError, source, doc, raw, problems)
        raise  # pragma: no cover - _raise_if raised
    if doc is not None:
        checks.raise_if(
            ConfigError,
            source,
            doc,
            raw,
            list(checks.whole_number_problems(doc, model.model_dump())),
        )
    return model


def config_hash(cfg: ConfigModel) -> str:
    """SHA-256 of the normalised config (field order and defaults do not matter)."""
    text = json.dumps(cfg.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def to_core(
    cfg: ConfigModel, *, prices: PriceCatalogue | None, language: Lang = "en"
) -> core.EvaluationConfig:
    """The frozen core configuration the evaluation library works with, from the
    validated config (field by field by name, :func:`evaluation.config.from_dict`), the
    price catalogue (loaded by the caller; None: no valuation) with the config's
    overrides, and the run's ``language`` (of the monitor's texts)."""
    data = cfg.model_dump(exclude={"validation", "privacy", "valuation", "report"})
    data["offers"] = [_offer(o) for o in cfg.offers]
    data["outcomes"] = [*core.DEFAULT_OUTCOMES, *data["outcomes"]]
    data["measures"] = tuple(cm.to_measure(m) for m in cfg.measures)
    v = cfg.valuation
    if prices is not None:
        prices = prices.with_overrides(
            prices=v.prices or None, price_index=v.price_index or None, price_year=v.price_year
        )
    return core.from_dict(
        core.EvaluationConfig,
        {
            **data,
            "min_cell_size": cfg.privacy.min_cell_size,
            "prices": prices,
            "price_year": None if prices is None else prices.price_year,
            "valuation": _valuation(v, level=cfg.estimation.level),
            "monitor": {"language": language},
        },
    )


CATALOGUE_OVERRIDES = ("price_year", "prices", "price_index")
"""Fields of ``valuation`` that change the price catalogue, not the valuation settings."""


def _valuation(v: ValuationModel, *, level: float) -> dict[str, Any]:
    """The valuation settings' data: the extrapolation rule with its half-life, the
    interval level of the estimation."""
    data = v.model_dump(exclude={*CATALOGUE_OVERRIDES, "extrapolation", "half_life_months"})
    extrapolation = {"rule": v.extrapolation, "half_life_months": v.half_life_months}
    tax_rate = tuple(sorted(v.tax_rate.items()))
    return {**data, "extrapolation": extrapolation, "level": level, "tax_rate": tax_rate}


EDGE_MATCHING = {"not_yet_treated"}
"""Fields of ``matching`` the core does not take (read only to refuse a value)."""


def _offer(o: OfferModel) -> dict[str, Any]:
    """An offer's data for the core: its plans with month indices, oldest first."""
    data = o.model_dump(exclude={"plans": True, "matching": EDGE_MATCHING})
    data["target_group"]["measures"] = cm.to_rules(o.target_group.measures)
    return {
        **data,
        "plans": tuple(_plan(p) for p in sorted(o.plans, key=lambda p: p.valid_from)),
    }


def _plan(p: PlanModel) -> Plan:
    def by_month(values: dict[str, Any] | None) -> dict[int, Any] | None:
        return None if values is None else {months.parse(k): v for k, v in values.items()}

    return Plan(
        version=p.version,
        valid_from=months.parse(p.valid_from),
        participants_by_month=by_month(p.participants_by_month) or {},
        outcomes_by_month=by_month(p.outcomes_by_month),
        payments_by_month=by_month(p.payments_by_month),
    )
