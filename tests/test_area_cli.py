"""The homelessness area end to end from the command line (its own processes): synth
writes the area, run evaluates it; the estimate on the register measure is within
2.5 SE of the generator's truth, and the report and effects.parquet name the measure
with its Danish label. Config refusals about measures are one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _cli import cli, one_error_line, run_args

from evaluation import months
from evaluation.synth import true_att
from flows import io

AS_OF = "2024-12"
PERSONS = 12_000


@pytest.fixture(scope="module")
def area(prefect_server, tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("homeless")
    data = tmp / "data"
    done = cli("synth", "--area", "homelessness", "--persons", PERSONS, "--out", data)
    assert done.returncode == 0, done.stderr
    assert (data / "outcomes_monthly.parquet").is_file()
    restricted = tmp / "restricted"
    done = cli(*run_args(data, data / "config.yaml", tmp / "out", "--as-of", AS_OF, "--quiet",
                         "--restricted-out", restricted))  # fmt: skip
    assert done.returncode == 0, done.stderr
    return {
        "data": data,
        "out": io.month_dir(tmp / "out", AS_OF),
        "restricted": io.month_dir(restricted, AS_OF),
    }


def test_estimate_on_the_measure_within_2_5_se_of_the_truth(area) -> None:
    eff = pd.read_parquet(area["out"] / "effects.parquet")
    head = eff[(eff["outcome"] == "homeless") & eff["event_time"].isna()].iloc[0]
    assert bool(head["primary"]) and head["outcome_label"] == "Hjemløs"
    assert head["unit"] == "share"
    sets = pd.read_parquet(next(area["restricted"].rglob("matched_sets*.parquet")))
    treated = sets[sets["treated"] & (sets["set_id"] >= 0)]
    n = treated.groupby("start_month").size()
    cohorts = pd.DataFrame(
        {
            "offer_id": "bolig",
            "start_month": months.to_timestamps(np.array([months.parse(s) for s in n.index])),
            "n": n.to_numpy(),
        }
    )
    truth = true_att(pd.read_parquet(area["data"] / "true_effects.parquet"), as_of=AS_OF,
                     cohorts=cohorts)  # fmt: skip
    t = truth[(truth["outcome"] == "homeless") & truth["event_time"].between(0, 11)]
    pooled_truth = float(t["effect"].mean())
    assert pooled_truth < -0.1
    assert abs(head["estimate"] - pooled_truth) < 2.5 * head["std_error"]


def test_report_and_tables_name_the_measure(area) -> None:
    html = (area["out"] / "report.html").read_text(encoding="utf-8")
    assert "Hjemløs" in html and "Investorens afkast og risiko" in html
    assert "Hvorfor ligger tilbuddene over eller under linjen?" in html
    d = pd.read_parquet(area["out"] / "decomposition.parquet")
    assert d["outcome"].tolist() == ["homeless"]
    r = d.iloc[0]
    assert r["raw_difference"] == pytest.approx(r["selection"] + r["extra_effect"], abs=1e-12)
    cost = pd.read_parquet(area["out"] / "effects.parquet")
    kommune = cost[(cost["outcome"] == "public_cost_dkk_kommune") & cost["event_time"].isna()]
    assert kommune["estimate"].item() < 0  # fewer months homeless save the shelter's price


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (
            {"target_group": {"measures": {"sofa": {"min": 1}}}},
            ("target_group.measures names sofa", "declared measures: homeless"),
        ),
        ({"outcomes": ["homeless", "nope"]}, ("outcomes names nope",)),
        ({"target_group": {}}, ("needs statuses, age or measures",)),
    ],
)
def test_measure_config_refusals_are_one_line(area, tmp_path, change, fragments) -> None:
    import yaml

    cfg = yaml.safe_load((area["data"] / "config.yaml").read_text(encoding="utf-8"))
    cfg["offers"][0].update(change)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    done = cli(*run_args(area["data"], path, tmp_path / "out", "--as-of", AS_OF))
    one_error_line(done, *fragments)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.parquet"))
