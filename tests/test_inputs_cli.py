"""Implausible inputs, offers the config does not name, and the order of rows, through
the command line (each case its own ``mereffekt run`` process).

Every implausible case either adds persons or rows that should never matter, so the
run must quarantine exactly them and publish the same effects as the clean run; offer
ids that clash with the config stop the run with one line and publish nothing; shuffled
inputs give identical tables."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from flows import io
from flows.publish import RESULT_TABLES

AS_OF = "2024-12"  # the synthetic data's last month
INPUTS = ("persons.parquet", "status_monthly.parquet", "participation.parquet")
TABLES = (*RESULT_TABLES, "quarantine/summary")
N_ADDED = 50
ESTIMATED = ("effects", "balance", "matching", "levels", "value", "portfolio", "indicators")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from flows.synthetic import write_synthetic

    out = tmp_path_factory.mktemp("inputs_base")
    write_synthetic(out, persons=1_200, seed=7)
    cfg = yaml.safe_load((out / "config.yaml").read_text(encoding="utf-8"))
    # 50 added participants are more than 5 % of a small municipality's enrolments
    cfg["validation"] = {"max_quarantine_share": 0.25}
    (out / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def env(prefect_server) -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}


def _run(
    env: dict[str, str], data: Path, out: Path, *extra: str, config: Path | None = None
) -> subprocess.CompletedProcess:
    cmd = [
        sys.executable,
        "-m",
        "flows.cli",
        "run",
        "--data",
        str(data),
        "--config",
        str(config or data / "config.yaml"),
        "--out",
        str(out),
        "--as-of",
        AS_OF,
        *extra,
    ]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


def _tables(out: Path) -> dict[str, pa.Table]:
    """Every published Parquet table without its key-value metadata."""
    folder = io.month_dir(out, AS_OF)
    return {
        name: pq.read_table(folder / f"{name}.parquet").replace_schema_metadata(None)
        for name in TABLES
    }


def _assert_same(a: pa.Table, b: pa.Table, name: str) -> None:
    """Equal schemas and equal values, exactly (NaN equals NaN, null equals null)."""
    assert a.schema.equals(b.schema), name
    pd.testing.assert_frame_equal(a.to_pandas(), b.to_pandas(), check_exact=True, obj=name)


def _manifest(out: Path) -> dict:
    return json.loads((io.month_dir(out, AS_OF) / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def clean(env, base, tmp_path_factory) -> dict[str, pa.Table]:
    out = tmp_path_factory.mktemp("inputs_clean")
    done = _run(env, base, out)
    assert done.returncode == 0, done.stderr
    assert "ignored" not in done.stdout and "quarantined" not in done.stdout
    assert _manifest(out)["rows_after_as_of"] == {
        "status_monthly.parquet": 0,
        "participation.parquet": 0,
    }
    return _tables(out)


def _copy(base: Path, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in (*INPUTS, "config.yaml"):
        shutil.copy(base / name, dest / name)
    return dest


def _read(data: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(data / name) for name in INPUTS}


def _write(data: Path, frames: dict[str, pd.DataFrame]) -> None:
    for name, frame in frames.items():
        pq.write_table(io.to_arrow(frame.reset_index(drop=True)), data / name)


# --- the cases: damage -> the rule that must quarantine it -----------------------------


def _clones(f: dict[str, pd.DataFrame], participants: bool, tag: str) -> dict[str, pd.DataFrame]:
    """N_ADDED new persons, copies (with new IDs ``Xclone<tag>...``) of participants or of
    non-participants of the original data, with their status rows and enrolments."""
    p, s, q = (f[n] for n in INPUTS)
    p = p[~p["person_id"].str.startswith("Xclone")]
    took = p["person_id"].isin(q["person_id"])
    chosen = p[took if participants else ~took].sort_values("person_id").iloc[:N_ADDED]
    new = {pid: f"Xclone{tag}{i:03d}" for i, pid in enumerate(chosen["person_id"])}
    return {
        name: frame[frame["person_id"].isin(new)].assign(
            person_id=lambda d: d["person_id"].map(new)
        )
        for name, frame in zip(INPUTS, (p, s, q), strict=True)
    }


def _add(f: dict[str, pd.DataFrame], extra: dict[str, pd.DataFrame]) -> None:
    for name, rows in extra.items():
        f[name] = pd.concat([f[name], rows], ignore_index=True)


def _extra_status_rows(f: dict[str, pd.DataFrame], month: str, skip: int) -> pd.DataFrame:
    """One more status row in ``month`` for N_ADDED existing persons (the original
    persons in ID order, from the ``skip``-th on)."""
    s = f["status_monthly.parquet"]
    s = s[~s["person_id"].str.startswith("Xclone")]
    first = s.drop_duplicates("person_id").sort_values("person_id").iloc[skip : skip + N_ADDED]
    return first.assign(month=pd.Timestamp(month))


Damage = Callable[[dict[str, pd.DataFrame]], set[str]]
"""Damages the frames in place; returns the IDs of the persons it damaged."""


def born_2030(f: dict[str, pd.DataFrame]) -> set[str]:
    added = _clones(f, participants=True, tag="A")
    added["persons.parquet"]["birth_year"] = 2030
    _add(f, added)
    return set(added["persons.parquet"]["person_id"])


def born_1905(f: dict[str, pd.DataFrame]) -> set[str]:
    added = _clones(f, participants=True, tag="B")
    added["persons.parquet"]["birth_year"] = 1905
    _add(f, added)
    return set(added["persons.parquet"]["person_id"])


def months_before_1990(f: dict[str, pd.DataFrame]) -> set[str]:
    rows = _extra_status_rows(f, "1985-06-01", skip=0)
    rows.iloc[: N_ADDED // 2, rows.columns.get_loc("month")] = pd.Timestamp("1200-01-01")
    _add(f, {"status_monthly.parquet": rows})
    return set(rows["person_id"])


def months_after_2099(f: dict[str, pd.DataFrame]) -> set[str]:
    rows = _extra_status_rows(f, "2100-01-01", skip=N_ADDED)
    _add(f, {"status_monthly.parquet": rows})
    return set(rows["person_id"])


def earnings_infinite(f: dict[str, pd.DataFrame]) -> set[str]:
    added = _clones(f, participants=True, tag="C")
    added["status_monthly.parquet"]["earnings_dkk"] = np.inf
    _add(f, added)
    return set(added["persons.parquet"]["person_id"])


def start_after_the_data(f: dict[str, pd.DataFrame]) -> set[str]:
    """Copies of non-participants (candidate controls) with an enrolment in 2026."""
    added = _clones(f, participants=False, tag="D")
    added["participation.parquet"] = pd.DataFrame(
        {
            "person_id": added["persons.parquet"]["person_id"].to_numpy(),
            "offer_id": "los",
            "start_month": pd.Timestamp("2026-01-01"),
            "end_month": pd.NaT,
        }
    )
    _add(f, added)
    return set(added["persons.parquet"]["person_id"])


P, S, Q = INPUTS
AGE = (P, "persons.birth_year.age_0_to_110_in_every_status_month")
MONTH = (S, "status_monthly.month.month_must_lie_between_1990_01_and_2099_12")
SET_ASIDE = (P, "persons.person_id.no_enrolment_set_aside")
GONE = {  # a quarantined person takes their status rows and enrolments along
    (S, "status_monthly.person_id.person_must_exist_in_persons"): N_ADDED,
    (Q, "participation.person_id.person_must_exist_in_persons"): N_ADDED,
}
QUARANTINES: dict[str, tuple[Damage, dict[tuple[str, str], int]]] = {
    # case: (damage, {(file, rule): its persons quarantined under it}); the cases that
    # clone persons come first, so that no clone copies another case's damaged rows
    "birth_year_2030": (born_2030, {AGE: N_ADDED, **GONE}),
    "birth_year_1905": (born_1905, {AGE: N_ADDED, **GONE}),
    "earnings_inf": (
        earnings_infinite,
        {
            (S, "status_monthly.earnings_dkk.earnings_dkk_must_be_finite"): N_ADDED,
            # no status month is left, so the enrolment starts before the first one
            (Q, "participation.start_month.start_not_before_first_observed_month"): N_ADDED,
            SET_ASIDE: N_ADDED,
        },
    ),
    "start_after_the_data": (
        start_after_the_data,
        {
            (Q, "participation.start_month.start_not_after_the_last_data_month"): N_ADDED,
            SET_ASIDE: N_ADDED,
            (S, "status_monthly.person_id.person_must_exist_in_persons"): N_ADDED,
        },
    ),
    "months_1200_and_1985": (months_before_1990, {MONTH: N_ADDED}),
    "months_2100": (months_after_2099, {MONTH: N_ADDED}),
}


def test_implausible_rows_are_quarantined_and_change_no_estimate(
    env, base, clean, tmp_path
) -> None:
    """Every damage of QUARANTINES planted in one input folder, each on its own persons:
    each case's persons are quarantined under exactly its rules (read back from the
    restricted quarantine rows), the summary counts them, and no estimate moves."""
    data = _copy(base, tmp_path / "data")
    frames = _read(data)
    damaged = {case: damage(frames) for case, (damage, _) in QUARANTINES.items()}
    assert sum(len(p) for p in damaged.values()) == len(set().union(*damaged.values()))
    _write(data, frames)
    cfg = yaml.safe_load((data / "config.yaml").read_text(encoding="utf-8"))
    cfg["validation"] = {"max_quarantine_share": 0.6}  # 4 x 50 enrolments of 421 set aside
    (data / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    out, restricted = tmp_path / "out", tmp_path / "restricted"
    done = _run(env, data, out, "--restricted-out", str(restricted))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    got = _tables(out)
    rows = pd.read_parquet(io.month_dir(restricted, AS_OF) / "quarantine_rows.parquet")
    ids = {name: frames[name]["person_id"].to_numpy() for name in INPUTS}
    rows["person_id"] = [ids[f][r] for f, r in zip(rows["file"], rows["row"], strict=True)]
    summary = got["quarantine/summary"].to_pandas().set_index(["file", "rule"])
    for case, (_, expected) in QUARANTINES.items():
        mine = rows[rows["person_id"].isin(damaged[case])]
        persons = mine.groupby(["file", "rule"])["person_id"].nunique().to_dict()
        assert persons == expected, (case, persons)
        for key in expected:
            assert key[1] in done.stdout
    assert set(rows["person_id"]) == set().union(*damaged.values())
    totals = rows.groupby(["file", "rule"])["person_id"].nunique()
    for key, n_persons in totals.items():
        assert summary.loc[key, "n_persons"] == n_persons, (key, summary)
    assert "Xclone" not in done.stdout + got["quarantine/summary"].to_pandas().to_string()
    for name in ESTIMATED:
        _assert_same(got[name], clean[name], name)


def test_months_after_the_as_of_month_are_ignored_and_counted(env, base, clean, tmp_path) -> None:
    """Rows in 2030 pass the contract (below its sanity bound), are cut at the as-of
    month, counted in the manifest and the summary, and change nothing."""
    data = _copy(base, tmp_path / "data")
    frames = _read(data)
    _add(frames, {S: _extra_status_rows(frames, "2030-01-01", skip=0)})
    _write(data, frames)
    out = tmp_path / "out"
    done = _run(env, data, out)
    assert done.returncode == 0, done.stderr
    assert _manifest(out)["rows_after_as_of"] == {
        "status_monthly.parquet": N_ADDED,
        "participation.parquet": 0,
    }
    assert f"ignored {N_ADDED} status row(s) after the as-of month {AS_OF}" in done.stdout
    got = _tables(out)
    assert got["quarantine/summary"].num_rows == 0
    for name in ESTIMATED:
        _assert_same(got[name], clean[name], name)


# --- offer ids --------------------------------------------------------------------------


@pytest.mark.parametrize("renamed", ["LOS", "los "])
def test_an_offer_id_differing_from_the_config_only_by_case_or_space_stops(
    renamed, env, base, tmp_path
) -> None:
    data = _copy(base, tmp_path / "data")
    frames = _read(data)
    q = frames[Q]
    q.loc[q.index[q["offer_id"] == "los"][:20], "offer_id"] = renamed
    _write(data, frames)
    out = tmp_path / "out"
    done = _run(env, data, out)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("mereffekt: error: participation.parquet has offer id ")
    assert repr(renamed) in lines[0] and "'los'" in lines[0]
    assert not out.exists() or not any(out.iterdir())


def test_unconfigured_offers_are_history_listed_and_never_controls(
    env, base, clean, tmp_path
) -> None:
    """Drop praktik from the config and add a 3-person offer: both are listed (the small
    one without its count), the configured offers' estimates are unchanged, and in the
    restricted matched sets no control of an offer has started it by its reference
    month."""
    data = _copy(base, tmp_path / "data")
    frames = _read(data)
    q = frames[Q]
    mentor = q[q["offer_id"] == "los"].sort_values("person_id").iloc[:3]
    _add(frames, {Q: mentor.assign(offer_id="mentor")})
    _write(data, frames)
    cfg = yaml.safe_load((data / "config.yaml").read_text(encoding="utf-8"))
    cfg["offers"] = [o for o in cfg["offers"] if o["offer_id"] != "praktik"]
    config = data / "config_without_praktik.yaml"
    config.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    out, restricted = tmp_path / "out", tmp_path / "restricted"
    done = _run(env, data, out, "--restricted-out", str(restricted), config=config)
    assert done.returncode == 0, done.stderr
    n_praktik = q.loc[q["offer_id"] == "praktik", "person_id"].nunique()
    assert _manifest(out)["unconfigured_offers"] == [
        {"offer_id": "mentor", "participants": None},
        {"offer_id": "praktik", "participants": n_praktik},
    ]
    assert f"praktik ({n_praktik} participants)" in done.stdout
    assert "mentor (a few (suppressed) participants)" in done.stdout
    got = _tables(out)
    keep = ["offer_id", "outcome", "event_time", "estimate", "std_error", "n_treated"]
    eff = got["effects"].to_pandas()[keep]
    ref = clean["effects"].to_pandas()[keep]
    pd.testing.assert_frame_equal(eff, ref[ref["offer_id"] != "praktik"].reset_index(drop=True))
    first_start = q.groupby(["person_id", "offer_id"])["start_month"].min()
    for offer in ("los", "jobformidler", "ung"):
        sets = pd.read_parquet(io.month_dir(restricted, AS_OF) / f"matched_sets_{offer}.parquet")
        controls = sets[~sets["treated"]]
        assert len(controls) > 0
        started = first_start.xs(offer, level="offer_id")
        own = controls["person_id"].map(started)
        ref_month = pd.to_datetime(controls["start_month"] + "-01")
        assert (own.isna() | (own > ref_month)).all(), offer
    assert not (io.month_dir(restricted, AS_OF) / "matched_sets_praktik.parquet").exists()


# --- the order of rows ------------------------------------------------------------------


def test_shuffled_inputs_give_identical_tables(env, base, clean, tmp_path) -> None:
    """Every row of the three files in another order: every published table is equal,
    value for value (only the input hashes in the key-value metadata differ)."""
    data = _copy(base, tmp_path / "data")
    frames = _read(data)
    rng = np.random.default_rng(20240601)
    _write(data, {n: f.iloc[rng.permutation(len(f))] for n, f in frames.items()})
    out = tmp_path / "out"
    done = _run(env, data, out)
    assert done.returncode == 0, done.stderr
    got = _tables(out)
    assert got.keys() == clean.keys()
    for name in TABLES:
        _assert_same(got[name], clean[name], name)
    meta = pq.read_schema(io.month_dir(out, AS_OF) / "effects.parquet").metadata
    assert b"mereffekt.input_hashes" in meta
