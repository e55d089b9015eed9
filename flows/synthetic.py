"""Write a synthetic municipality as an input folder: the input Parquet files, the
generator's true effects and a matching evaluation config. Two areas: ``employment``
(:mod:`evaluation.synth`, the default) and ``homelessness``
(:mod:`evaluation.synth_homeless`, with ``outcomes_monthly.parquet``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from evaluation import months
from evaluation.synth import SynthSpec, generate
from evaluation.synth_homeless import HomelessSpec, generate_homeless
from flows import io

AREAS = ("employment", "homelessness")


def history_months(n_months: int) -> int:
    """Months of history before the first start: 24 (the default) when the data are long
    enough, else half of them (a short benchmark still has starts to evaluate)."""
    return min(24, n_months // 2)


def write_synthetic(
    out: Path,
    *,
    persons: int = 20_000,
    seed: int = 1,
    n_months: int = 60,
    first_month: str = "2020-01",
    intake_shift: float = 0.0,
    area: str = "employment",
) -> dict[str, Any]:
    """Generate and write; returns a small description of what was written."""
    if persons < 100:
        raise ValueError("a synthetic municipality needs at least 100 persons")
    if n_months < 24:
        raise ValueError("a synthetic municipality needs at least 24 months")
    if area not in AREAS:
        raise ValueError(f"unknown area {area!r}; known: {', '.join(AREAS)}")
    if area == "homelessness":
        return _write_homeless(Path(out), persons, seed, n_months, first_month)
    spec = SynthSpec(
        persons=persons,
        seed=seed,
        n_months=n_months,
        first_month=first_month,
        intake_shift=intake_shift,
        history_months=history_months(n_months),
    )
    m = generate(spec)
    out = Path(out)
    io.write_inputs(
        {
            "persons": m.persons,
            "status_monthly": m.status_monthly,
            "participation": m.participation,
        },
        out,
    )
    io.write_inputs({"true_effects": m.true_effects}, out)
    config = synthetic_config(m.config, m.participation)
    (out / "config.yaml").write_text(
        "# Evaluation config of the synthetic municipality (mereffekt synth).\n"
        + yaml.safe_dump(config, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    last = months.parse(first_month) + n_months - 1
    return {
        "first_month": first_month,
        "last_month": months.label(last),
        "participants": int(len(m.participation)),
        "offers": [o["offer_id"] for o in config["offers"]],
    }


def synthetic_config(base: dict[str, Any], participation: Any) -> dict[str, Any]:
    """The generator's offers plus an enrolment plan and results-based payment terms.

    The plan is the number of participants the generator enrolled (a municipality that
    met its plan); the payment terms are illustrative.
    """
    counts = participation["offer_id"].value_counts()
    offers = []
    for o in base["offers"]:
        offer = dict(o)
        n_planned = int(counts.get(o["offer_id"], 0))
        offer["planned_participants"] = n_planned
        offer["payment_terms"] = {
            "outcome": "self_sufficient",
            "per_extra_outcome_month_dkk": 5_000.0,
            "minimum_effect": 0.02,
            # at most 1.5 times the offer's total cost
            "cap_dkk": 1.5 * float(offer["cost_per_participant_dkk"]) * max(1, n_planned),
            "horizon_months": 24,
        }
        offers.append(offer)
    return {"offers": offers}


def _write_homeless(
    out: Path, persons: int, seed: int, n_months: int, first_month: str
) -> dict[str, Any]:
    spec = HomelessSpec(
        persons=persons,
        seed=seed,
        n_months=n_months,
        first_month=first_month,
        history_months=history_months(n_months),
    )
    m = generate_homeless(spec)
    io.write_inputs(
        {
            "persons": m.persons,
            "status_monthly": m.status_monthly,
            "participation": m.participation,
            "outcomes_monthly": m.outcomes_monthly,
            "true_effects": m.true_effects,
        },
        out,
    )
    (out / "config.yaml").write_text(
        "# Evaluation config of the synthetic homelessness area (mereffekt synth --area "
        "homelessness).\n" + yaml.safe_dump(m.config, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    last = months.parse(first_month) + n_months - 1
    return {
        "first_month": first_month,
        "last_month": months.label(last),
        "participants": int(len(m.participation)),
        "offers": [o["offer_id"] for o in m.config["offers"]],
    }
