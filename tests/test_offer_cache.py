"""The offer cache without Prefect persistence, and a backfill that validates once: the
cache holds aggregate tables only, the restricted matched sets are written by the flow
outside it, and the months of a backfill reuse its validation."""

from __future__ import annotations

import pandas as pd

from evaluation.schema import OFFER_TABLES
from flows import io

AS_OF = "2024-06"


def test_matched_sets_are_written_outside_the_offer_cache(
    prefect_server, synth_dir, tmp_path, monkeypatch
) -> None:
    """The cache holds aggregate tables only; the restricted matched sets are written by
    the flow, and an offer whose matched sets are missing is computed again."""
    from flows import offers
    from flows.monthly import RunParameters, monthly_evaluation

    restricted = tmp_path / "restricted"
    params = RunParameters(
        data=str(synth_dir),
        config=str(synth_dir / "config.yaml"),
        out=str(tmp_path / "out"),
        as_of=AS_OF,
        restricted_out=str(restricted),
        cache_dir=str(tmp_path / "cache"),
    )
    real, calls = offers.evaluate_offer, []

    def counted(*args, **kwargs):
        calls.append(args[1].offer_id)
        return real(*args, **kwargs)

    monkeypatch.setattr(offers, "evaluate_offer", counted)
    monthly_evaluation(params)
    offers = ["los", "jobformidler", "ung", "praktik"]
    sets_dir = io.month_dir(restricted, AS_OF)
    assert sorted(calls) == sorted(offers)
    assert sorted(p.name for p in sets_dir.glob("matched_sets_*")) == sorted(
        f"matched_sets_{o}.parquet" for o in offers
    )
    ids = set(pd.read_parquet(synth_dir / "persons.parquet")["person_id"].astype(str))
    cached = list((tmp_path / "cache").rglob("*.parquet"))
    assert len(cached) == 4 * len(OFFER_TABLES)  # one file per offer and table
    for path in cached:
        frame = pd.read_parquet(path)
        for col in frame.columns:
            assert not set(frame[col].astype(str)) & ids, (path, col)
    calls.clear()
    monthly_evaluation(params)  # everything from the cache
    assert calls == []
    (sets_dir / "matched_sets_ung.parquet").unlink()
    monthly_evaluation(params)  # ung is computed again to write its matched sets
    assert calls == ["ung"] and (sets_dir / "matched_sets_ung.parquet").is_file()


def test_backfill_validates_once_for_all_its_months(
    prefect_server, synth_dir, tmp_path, monkeypatch
) -> None:
    """The months reuse the backfill's validation (also in concurrent months), handed over
    for the duration of the backfill only."""
    from flows import backfill, monthly
    from flows.monthly import RunParameters

    calls = {"backfill": 0, "month": 0}

    def counting(where: str, real):  # noqa: ANN001
        def validate(*args, **kwargs):
            calls[where] += 1
            return real(*args, **kwargs)

        return validate

    monkeypatch.setattr(backfill, "validate_inputs", counting("backfill", backfill.validate_inputs))
    monkeypatch.setattr(monthly, "validate_inputs", counting("month", monthly.validate_inputs))
    params = RunParameters(
        data=str(synth_dir), config=str(synth_dir / "config.yaml"), out=str(tmp_path / "out")
    )
    res = backfill.run_backfill(params, start="2024-05", end="2024-06", concurrency=2)
    assert sorted(res["ran"]) == ["2024-05", "2024-06"]
    assert calls == {"backfill": 1, "month": 0}
    monthly.monthly_evaluation(params.model_copy(update={"as_of": "2024-06"}))
    assert calls["month"] == 1  # a run of its own validates
