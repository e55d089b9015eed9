"""The monthly run, stage by stage, in this process, for the benchmark.

:func:`run_month` calls what the monthly flow calls, in its order, without Prefect (no
server, no task runner, offers one after the other) so that each stage can be timed on
its own. Stages the flow does not call separately (the features, the estimation and the
valuation inside one offer's evaluation) are carved out with probes: the functions that
do them are wrapped for the benchmark's duration and their time is attributed to their
stage; what remains of the offer's evaluation is "matching".
"""

from __future__ import annotations

import contextlib
import importlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flows.bench.meter import StageMeter

STAGES = (
    "hash",
    "read",
    "validation",
    "panel",
    "earnings",
    "features",
    "matching",
    "estimation",
    "staggered",
    "valuation",
    "report",
    "write",
)
"""The stages of the table, in the order of the run."""

PROBES: dict[str, tuple[str, ...]] = {
    "read": ("flows.validation.validate:read_coded",),
    "features": (
        "evaluation.matching.model:build_risk_sets",
        "evaluation.matching.model:covariates",
        "evaluation.matching.model:strata",
    ),
    # the event studies of the outcomes (fit calls fit_all; the earnings' fit_amounts
    # counts for matching, as it always has)
    "estimation": ("evaluation.did.model:MatchedEventStudy.fit_all",),
    # the secondary Callaway & Sant'Anna estimate of each offer (evaluation.offer_extras)
    "staggered": ("evaluation.offer_extras:staggered_effects",),
    "valuation": ("evaluation.offer:_value", "evaluation.offer:monitor_offer"),
}
"""Stage -> functions (``module:attribute``) whose time counts for it wherever called."""


def _wrap(meter: StageMeter, stage: str, fn: Any) -> Any:
    def probed(*args: Any, **kwargs: Any) -> Any:
        with meter.stage(stage):
            return fn(*args, **kwargs)

    return probed


@contextlib.contextmanager
def probes(meter: StageMeter) -> Iterator[None]:
    """Wrap the :data:`PROBES` functions for the duration of the block."""
    undo: list[tuple[Any, str, Any]] = []
    try:
        for stage, targets in PROBES.items():
            for target in targets:
                module, _, path = target.partition(":")
                owner: Any = importlib.import_module(module)
                *parents, attr = path.split(".")
                for name in parents:
                    owner = getattr(owner, name)
                original = owner.__dict__[attr] if isinstance(owner, type) else getattr(owner, attr)
                undo.append((owner, attr, original))
                setattr(owner, attr, _wrap(meter, stage, original))
        yield
    finally:
        for owner, attr, original in reversed(undo):
            setattr(owner, attr, original)


def run_month(data: Path, config: Path, as_of: str, meter: StageMeter) -> dict[str, Any]:
    """One monthly evaluation of ``data`` as of ``as_of``, written to a temporary folder."""
    from evaluation.offer import combine, evaluate_offer
    from flows import guards, io
    from flows.annotate import annotate
    from flows.config import to_core
    from flows.monthly import TABLE_LANGUAGE, RunParameters
    from flows.prepared import prepare
    from flows.prices import load_catalogue
    from flows.publish import suppress_tables
    from flows.validation import validate_inputs

    cfg_model = guards.preflight(config, Path(tempfile.gettempdir()))
    cfg = to_core(cfg_model, prices=load_catalogue(), language=TABLE_LANGUAGE)
    with probes(meter):
        with meter.stage("hash"):
            hashes = io.input_hashes(data)
        share = cfg_model.validation.max_quarantine_share
        with meter.stage("validation"):
            prepared = prepare(validate_inputs(data, max_quarantine_share=share), hashes, share)
        validated, period = prepared.validated, prepared.period
        guards.check_as_of(as_of, period)
        not_started = guards.check_offers(cfg_model, validated.participation, source="bench")
        with meter.stage("panel"):
            panel = prepared.panel_as_of(as_of)
        with meter.stage("earnings"):  # laid out once for every offer, as the flow does
            earnings = prepared.earnings
        results = []
        for offer in cfg.offers:  # one after the other, so each stage's time is its own
            with meter.stage("matching"):
                results.append(evaluate_offer(panel, offer, cfg, earnings=earnings).tidy())
        with meter.stage("valuation"):
            names = {o.offer_id: o.name for o in cfg.offers}
            tables = suppress_tables(
                annotate(combine(results), names), cfg.min_cell_size, validated
            )
        with tempfile.TemporaryDirectory(prefix="mereffekt-bench-") as out:
            params = RunParameters(data=str(data), config=str(config), out=out, as_of=as_of)
            _publish(params, cfg_model, cfg, tables, validated, panel, hashes, period,
                     not_started, meter)  # fmt: skip
    return {"offers": [o.offer_id for o in cfg.offers], "as_of": as_of}


def _publish(params, cfg_model, cfg, tables, validated, panel, hashes, period, not_started,
             meter) -> None:  # noqa: ANN001  # fmt: skip
    """Manifest, report and the published folder, as :func:`flows.monthly.evaluate_month`."""
    from flows import inputs
    from flows.monthly import _manifest
    from flows.publish import publish
    from flows.report import ReportOptions, render_report

    as_of = params.as_of
    with meter.stage("valuation"):
        manifest = _manifest(params, as_of, hashes, cfg_model, period, not_started, tables)
        manifest |= inputs.manifest_entries(
            panel,
            validated.status_months(),
            validated.participation,
            config_ids=[o.offer_id for o in cfg.offers],
            as_of=as_of,
            min_cell_size=cfg.min_cell_size,
        )
    with meter.stage("report"):
        options = ReportOptions.for_run(
            cfg,
            as_of=as_of,
            lang=params.lang,  # type: ignore[arg-type]
            run_id=manifest["run_id"],
            allow_small_cells=cfg_model.privacy.allow_small_cells,
        )
        html = render_report(tables, options)
    with meter.stage("write"):
        publish(
            out=Path(params.out),
            as_of=as_of,
            tables=tables,
            manifest=manifest,
            validated=validated,
            extra_files={"report.html": lambda p: p.write_text(html, encoding="utf-8")},
        )
