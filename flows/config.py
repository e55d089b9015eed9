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
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from evaluation import config as core
from evaluation import months
from evaluation.monetise import PriceCatalogue
from evaluation.monitor import Plan
from evaluation.texts import Lang
from flows import config_checks as checks
from flows import config_measures as cm
from flows.config_sections import (  # noqa: F401 - the sections are part of this module's API
    _COVARIATES,
    _ESTIMATION,
    _EXTRAPOLATION,
    _MATCHING,
    _OFFER,
    _RUN,
    _TARGET,
    _TERMS,
    _VALUATION,
    FIRST_YEAR,
    LAST_YEAR,
    MIN_SAFE_CELL,
    Count,
    Dkk,
    EstimationModel,
    MonthStr,
    PrivacyModel,
    ReportModel,
    Share,
    Status,
    ValidationModel,
    ValuationModel,
    _Model,
    _month,
    _share,
)


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
