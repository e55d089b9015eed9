"""Small input folders for the validation tests: a clean synthetic municipality and
copies with known breaks (which file, row and rule each break must be reported as).

Every person ID here is synthetic. The CPR-looking IDs of the CPR-guard cases are made
up (fictitious dates with the digits 1234/0000) and exist only in these test cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from evaluation.synth import SynthSpec, generate

PERSONS = 300
SEED = 11
FILES = {
    "persons": "persons.parquet",
    "status_monthly": "status_monthly.parquet",
    "participation": "participation.parquet",
}
P, S, Q = FILES.values()
SUITE_FRAME = {"persons": "persons", "status": "status_monthly", "participation": "participation"}
"""Suite key of flows.validation.load_suites() -> input frame name."""

Frames = dict[str, pd.DataFrame]
MONTH_RANGE = "month.month_must_lie_between_1990_01_and_2099_12"


@cache
def _base() -> Frames:
    m = generate(SynthSpec(persons=PERSONS, seed=SEED))
    out = {}
    for name in FILES:
        frame = getattr(m, name).copy()
        for col in frame.columns:
            if isinstance(frame[col].dtype, pd.CategoricalDtype):
                frame[col] = frame[col].astype("str")
        out[name] = frame.reset_index(drop=True)
    return out


def base_frames() -> Frames:
    """A fresh copy of the clean inputs (300 persons x 60 months)."""
    return {k: v.copy() for k, v in _base().items()}


def write(frames: Frames, folder: Path, *, tables: dict[str, pa.Table] | None = None) -> Path:
    """Write the frames (or ready Arrow tables) as the three input files, row order kept."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, file in FILES.items():
        table = (tables or {}).get(name)
        if table is None and name in frames:
            table = pa.Table.from_pandas(frames[name], preserve_index=False)
        if table is not None:
            pq.write_table(table.replace_schema_metadata(None), folder / file)
    return folder


def rename_person(frames: Frames, old: str, new: str) -> None:
    """Give a person a new ID in all three files."""
    for frame in frames.values():
        frame.loc[frame["person_id"] == old, "person_id"] = new


@dataclass(frozen=True)
class DirtyCase:
    frames: Frames
    expected: frozenset[tuple[str, int, str]]  # (file, row, rule) incl. cross-file cascades
    dropped_ids: frozenset[str]  # persons whose rows are quarantined in persons


def dirty_case() -> DirtyCase:
    """One folder with a break of every row-level (quarantine) rule at a known row.

    Persons rows are broken only for non-participants; status and participation rows of
    a quarantined person are expected under the foreign-key rule (the cascade), and so
    is the person of every quarantined enrolment (rule no_enrolment_set_aside).
    """
    f = base_frames()
    p, s, q = f["persons"], f["status_monthly"], f["participation"]
    hits: set[tuple[str, int, str]] = set()
    ids = p["person_id"].copy()
    participants = set(q["person_id"])
    free = [i for i in range(len(p)) if ids[i] not in participants]

    # persons ----------------------------------------------------------------------------
    p["birth_year"] = p["birth_year"].astype("Int64")
    p["municipality_code"] = p["municipality_code"].astype("Int64")
    persons_breaks: list[tuple[str, object, str]] = [
        ("person_id", None, "person_id.person_id_must_be_filled_primary_key"),
        ("birth_year", pd.NA, "birth_year.birth_year_must_be_filled"),
        ("birth_year", 1850, "birth_year.birth_year_must_be_between_1900_and_2030"),
        ("sex", None, "sex.sex_must_be_filled"),
        ("sex", "X", "sex.sex_must_belong_to_allowed_values"),
        ("education", None, "education.education_must_be_filled"),
        ("education", "phd", "education.education_must_belong_to_allowed_values"),
        ("municipality_code", pd.NA, "municipality_code.municipality_code_must_be_filled"),
        (
            "municipality_code",
            999,
            "municipality_code.municipality_code_must_be_between_101_and_860",
        ),
        (
            "municipality_code",
            100,
            "municipality_code.municipality_code_must_be_between_101_and_860",
        ),
    ]
    for i, (col, value, rule) in enumerate(persons_breaks):
        p.loc[free[i], col] = value
        hits.add((P, free[i], f"persons.{rule}"))
    d1, d2 = free[len(persons_breaks)], free[len(persons_breaks) + 1]
    p.loc[d2, "person_id"] = ids[d1]  # a duplicate ID: both rows are set aside
    hits |= {(P, d, "persons.person_id.person_id_must_be_unique_primary_key") for d in (d1, d2)}
    # ages outside 0-110 in their status months (2019-2023): born 2030 and 1905
    young, old = free[len(persons_breaks) + 2], free[len(persons_breaks) + 3]
    p.loc[young, "birth_year"], p.loc[old, "birth_year"] = 2030, 1905
    hits |= {(P, i, "persons.birth_year.age_0_to_110_in_every_status_month") for i in (young, old)}
    dropped = {ids[i] for i in free[: len(persons_breaks) + 4]}

    # participation (before status rows are located: one participant loses all of them) --
    far = q["end_month"].isna() | (q["end_month"] >= q["start_month"] + pd.DateOffset(months=2))
    order = [int(i) for i in np.flatnonzero(far.to_numpy())]
    order += [i for i in range(len(q)) if i not in order]
    r = dict(zip(range(13), order[:13], strict=True))
    pre = "participation."
    q.loc[r[0], "person_id"] = None
    hits.add((Q, r[0], pre + "person_id.person_id_must_be_filled"))
    q.loc[r[1], "offer_id"] = None
    hits.add((Q, r[1], pre + "offer_id.offer_id_must_be_filled"))
    q.loc[r[2], "start_month"] = pd.NaT
    hits.add((Q, r[2], pre + "start_month.start_month_must_be_filled"))
    q.loc[r[3], "start_month"] += pd.Timedelta(days=14)
    hits.add((Q, r[3], pre + "start_month.start_month_must_be_the_first_day_of_a_month"))
    q.loc[r[4], "end_month"] = q.loc[r[4], "start_month"] + pd.Timedelta(days=14)
    hits.add((Q, r[4], pre + "end_month.end_month_must_be_the_first_day_of_a_month"))
    q.loc[r[5], "end_month"] = q.loc[r[5], "start_month"] - pd.DateOffset(months=1)
    hits.add((Q, r[5], pre + "end_month_must_not_be_before_start_month"))
    q.loc[r[7]] = q.loc[r[6]]  # the same enrolment twice
    hits |= {(Q, r[k], pre + "one_row_per_person_offer_and_start_month") for k in (6, 7)}
    q.loc[r[8], "person_id"] = "Pnot-a-person"
    hits.add((Q, r[8], pre + "person_id.person_must_exist_in_persons"))
    q.loc[r[9], ["start_month", "end_month"]] = [pd.Timestamp("2019-06-01"), pd.NaT]
    hits.add((Q, r[9], pre + "start_month.start_not_before_first_observed_month"))
    no_status = q.loc[r[10], "person_id"]  # observed in no month at all
    hits.add((Q, r[10], pre + "start_month.start_not_before_first_observed_month"))
    q.loc[r[11], "person_id"] = ids[free[3]]  # a person quarantined in persons
    q.loc[r[12], ["start_month", "end_month"]] = [pd.Timestamp("2030-01-01"), pd.NaT]
    hits.add((Q, r[12], pre + "start_month.start_not_after_the_last_data_month"))
    f["status_monthly"] = s = s[s["person_id"] != no_status].reset_index(drop=True)
    # a participant with a quarantined enrolment is set aside entirely
    set_aside = {q.loc[row, "person_id"] for fl, row, _ in hits if fl == Q} - dropped
    set_aside = {pid for pid in set_aside if isinstance(pid, str)}
    for i in np.flatnonzero(p["person_id"].isin(set_aside).to_numpy()):
        hits.add((P, int(i), "persons.person_id.no_enrolment_set_aside"))
    dropped |= set(p.loc[p["person_id"].isin(set_aside), "person_id"])

    # status -----------------------------------------------------------------------------
    def rows_of(i: int) -> np.ndarray:
        return np.flatnonzero((s["person_id"] == ids[free[i]]).to_numpy())

    a, b, c = rows_of(20), rows_of(21), rows_of(22)
    pre = "status_monthly."
    status_breaks: list[tuple[str, Callable[[object], object], str]] = [
        ("person_id", lambda v: None, "person_id.person_id_must_be_filled"),
        ("month", lambda v: pd.NaT, "month.month_must_be_filled"),
        (
            "month",
            lambda v: v + pd.Timedelta(days=14),
            "month.month_must_be_the_first_day_of_a_month",
        ),
        (
            "month",
            lambda v: v + pd.Timedelta(hours=12),
            "month.month_must_be_the_first_day_of_a_month",
        ),
        ("status", lambda v: None, "status.status_must_be_filled"),
        ("status", lambda v: "retired", "status.status_must_belong_to_allowed_values"),
        ("earnings_dkk", lambda v: -1.0, "earnings_dkk.earnings_dkk_must_be_at_least_0"),
        ("earnings_dkk", lambda v: np.inf, "earnings_dkk.earnings_dkk_must_be_finite"),
        ("month", lambda v: pd.Timestamp("1985-01-01"), MONTH_RANGE),
        ("month", lambda v: pd.Timestamp("2100-01-01"), MONTH_RANGE),
    ]
    for k, (col, change, rule) in enumerate(status_breaks):
        s.loc[a[k], col] = change(s.loc[a[k], col])
        hits.add((S, int(a[k]), pre + rule))
    s.loc[a[len(status_breaks)], "earnings_dkk"] = np.nan  # allowed: earnings unknown
    k = len(status_breaks) + 1
    s.loc[a[k], "earnings_dkk"] = -np.inf  # breaks both earnings rules
    hits |= {
        (S, int(a[k]), pre + f"earnings_dkk.earnings_dkk_must_be_{rule}")
        for rule in ("at_least_0", "finite")
    }
    s.loc[b[10], "month"] = s.loc[b[11], "month"]  # the same person-month twice
    hits |= {(S, int(b[k]), pre + "one_row_per_person_and_month") for k in (10, 11)}
    s.loc[c[0], "person_id"] = "Pnot-a-person"
    hits.add((S, int(c[0]), pre + "person_id.person_must_exist_in_persons"))

    # cascades: rows of persons quarantined in persons -----------------------------------
    for file, frame, rule in (
        (S, s, "status_monthly.person_id.person_must_exist_in_persons"),
        (Q, q, "participation.person_id.person_must_exist_in_persons"),
    ):
        direct = {row for fl, row, _ in hits if fl == file}
        for row in np.flatnonzero(frame["person_id"].isin(dropped).to_numpy()):
            if int(row) not in direct:
                hits.add((file, int(row), rule))
    return DirtyCase(f, frozenset(hits), frozenset(dropped))


WRONG_TYPE: dict[str, Callable[[pd.Series], pd.Series]] = {
    "str": lambda col: pd.Series(np.arange(len(col), dtype=np.int64)),
    "int32": lambda col: col.astype("float64") + 0.5,
    "float64": lambda col: col.astype("str"),
    "datetime64[ns]": lambda col: col.dt.strftime("%Y-%m-%d"),
}
"""Contract dtype -> a column of another kind with the same length."""

CPR_LIKE = ("010190-1234", "0101901234", " 150287-0000")
"""Fictitious CPR-shaped IDs (plausible dates) that must stop the run."""
NOT_CPR = ("320190-1234", "0113901234", "P0101901234", "010190-12345")
"""Look-alikes that are not CPR-shaped (day 32, month 13, a prefix, 11 digits)."""
