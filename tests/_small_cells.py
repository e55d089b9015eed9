"""A small synthetic municipality with 1-4-person cells in every published table.

Built on the generator's municipality (``flows.synthetic``), plus offers and rows made
to give small cells where the suppression must hold:

* ``mini`` - three participants (``min_participants: 1``, so they are matched and get
  an effect, a value and a portfolio row), none of them self-sufficient in their first
  year, one of them dropping out after a month: a blanked estimate whose sign a note
  could tell;
* ``tiny`` - two participants, too few to match (``too_few_participants``);
* ``extra`` - 24 participants of the target group without a caliper plus two who are not
  in it at their start: exactly two unmatched participants, for one reason (the case of
  issue 14: enrolment - matched - the other reasons gives them away);
* ``clean`` - 18 participants of the target group in nine months, all matched: the
  participants observed at consecutive event months give the starts of every month;
* two status rows with a status outside the contract's list, of two persons: a
  quarantine of two rows.

The generator's offers have monthly enrolments of 0-6, a few participants unmatched for
the caliper and dropouts; as-of is the data's last month, so every participation row
counts as enrolment.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from evaluation import months
from flows.synthetic import write_synthetic

PERSONS = 2_000
SEED = 3
AS_OF = "2024-12"
SELF_SUFFICIENT = ("job", "education")


def write_small_cells(folder: Path) -> Path:
    """Write the inputs and ``config.yaml`` into ``folder``; returns the config path."""
    write_synthetic(folder, persons=PERSONS, seed=SEED)
    status = pd.read_parquet(folder / "status_monthly.parquet")
    parts = pd.read_parquet(folder / "participation.parquet")
    rng = np.random.default_rng(SEED)
    used = set(parts["person_id"])
    wide = status.assign(m=months.from_dates(status["month"])).pivot(
        index="person_id", columns="m", values="status"
    )
    rows = []
    mini = _in_group(wide, "sickness_benefit", 2, start=months.parse("2023-03"), used=used)
    mini = [p for p in mini if not _self_sufficient(wide, p, months.parse("2023-03"), 12)][:3]
    rows += _starts(mini, "mini", "2023-03", ends=["2023-03", None, None])
    used |= set(mini)
    tiny = _in_group(wide, "cash_benefit", 3, start=months.parse("2024-02"), used=used)[:2]
    rows += _starts(tiny, "tiny", "2024-02")
    used |= set(tiny)
    for m in rng.choice(np.arange(months.parse("2022-06"), months.parse("2024-06")), 12, False):
        group = _in_group(wide, "unemployment_insurance", 2, start=int(m), used=used)[:2]
        rows += _starts(group, "extra", months.label(int(m)))
        used |= set(group)
    for m in rng.choice(np.arange(months.parse("2022-06"), months.parse("2024-10")), 9, False):
        group = _in_group(wide, "sickness_benefit", 2, start=int(m), used=used)[:2]
        rows += _starts(group, "clean", months.label(int(m)))
        used |= set(group)
    outside = _in_group(wide, "job", 2, start=months.parse("2023-09"), used=used)[:2]
    rows += _starts(outside, "extra", "2023-09")
    used |= set(outside)
    extra = pd.DataFrame(rows, columns=parts.columns).astype(parts.dtypes.to_dict())
    pd.concat([parts, extra], ignore_index=True).to_parquet(folder / "participation.parquet")
    _quarantine_two_rows(status, used, rng).to_parquet(folder / "status_monthly.parquet")
    return _config(folder)


def _in_group(wide: pd.DataFrame, status: str, before: int, *, start: int, used: set) -> list:
    cols = [start - i for i in range(1, before + 1)]
    ok = (wide[cols] == status).all(axis=1)
    return sorted(p for p in wide.index[ok] if p not in used)


def _self_sufficient(wide: pd.DataFrame, person: str, start: int, n: int) -> bool:
    cols = [c for c in range(start, start + n) if c in wide.columns]
    return bool(wide.loc[person, cols].isin(SELF_SUFFICIENT).any())


def _starts(persons: list, offer: str, start: str, ends: list | None = None) -> list:
    ends = ends or [None] * len(persons)
    return [
        (p, offer, pd.Timestamp(f"{start}-01"), None if e is None else pd.Timestamp(f"{e}-01"))
        for p, e in zip(persons, ends, strict=False)
    ]


def _quarantine_two_rows(status: pd.DataFrame, used: set, rng: np.random.Generator) -> pd.DataFrame:
    """Two rows of two persons outside every offer get a status the contract rejects."""
    others = np.array(sorted(set(status["person_id"]) - used))
    persons = rng.choice(others, 2, replace=False)
    status = status.copy()
    for p in persons:
        row = status.index[(status["person_id"] == p)][5]
        status.loc[row, "status"] = "retired"
    return status


def _config(folder: Path) -> Path:
    path = folder / "config.yaml"
    cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    base = {"cost_per_participant_dkk": 30000, "evidence_stars": 1}
    cfg["offers"] += [
        {
            "offer_id": "mini",
            "name": "Mini",
            "target_group": {"statuses": ["sickness_benefit"], "months_before_start": 2},
            "matching": {"min_participants": 1},
            "target_effect": 0.05,
            "target_event_month": 12,
            **base,
        },
        {
            "offer_id": "tiny",
            "name": "Tiny",
            "target_group": {"statuses": ["cash_benefit"], "months_before_start": 3},
            **base,
        },
        {
            "offer_id": "extra",
            "name": "Extra",
            "target_group": {"statuses": ["unemployment_insurance"], "months_before_start": 2},
            "matching": {"caliper_sd": None},
            **base,
        },
        {
            "offer_id": "clean",
            "name": "Clean",
            "target_group": {"statuses": ["sickness_benefit"], "months_before_start": 2},
            "matching": {"caliper_sd": None},
            **base,
        },
    ]
    cfg["privacy"] = {"min_cell_size": 5}
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path
