"""A config read strictly (issues 13 and 14): typos that would change the money, values
that are not numbers, duplicate keys and sections, and files that are not UTF-8 are
refused through the command line with one line naming the field, the offer and the
line, and nothing is published. Plain values are accepted as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.config import ConfigError, load_config
from tests._cli import cli, one_error_line, published_months, run_args

AS_OF = "2024-06"
LOS_COST = "  cost_per_participant_dkk: 42000\n"  # the first offer (los) of the synth config
JOB_COST = "  cost_per_participant_dkk: 18000\n"  # the second (jobformidler)


@pytest.fixture(scope="module")
def base(synth_dir: Path) -> str:
    text = (synth_dir / "config.yaml").read_text(encoding="utf-8")
    assert LOS_COST in text and JOB_COST in text and "  target_effect: 0.05\n" in text
    return text


def _line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def _refused(synth_dir: Path, tmp_path: Path, config: str | bytes, *fragments: str) -> str:
    path = tmp_path / "config.yaml"
    if isinstance(config, bytes):
        path.write_bytes(config)
    else:
        path.write_text(config, encoding="utf-8")
    out = tmp_path / "out"
    done = cli(*run_args(synth_dir, path, out, "--as-of", AS_OF))
    line = one_error_line(done, str(path), *fragments)
    assert published_months(out) == []
    return line


def _los_cost(text: str, written: str) -> str:
    return text.replace(LOS_COST, f"  cost_per_participant_dkk: {written}\n", 1)


@pytest.mark.parametrize("written", ["42.000", "42,000", '"42.000"'])
def test_thousands_separator_in_an_amount_is_refused(base, synth_dir, tmp_path, written) -> None:
    config = _los_cost(base, written)
    line = _refused(
        synth_dir,
        tmp_path,
        config,
        "offer 'los' cost_per_participant_dkk",
        f"(line {_line_of(config, written)})",
        "thousands separator",
        "write 42000",
    )
    assert "write 42000;" not in line and line.endswith("write 42000")


def test_amount_in_quotes_is_refused(base, synth_dir, tmp_path) -> None:
    _refused(synth_dir, tmp_path, _los_cost(base, '"42000"'), "text in quotes", "write 42000")


def test_share_of_5_is_refused(base, synth_dir, tmp_path) -> None:
    config = base.replace("  target_effect: 0.05\n", "  target_effect: 5\n", 1)
    _refused(
        synth_dir,
        tmp_path,
        config,
        "offer 'los' target_effect",
        "5 is not a share",
        "a share, 0.05 = 5 percentage points",
    )


def test_nan_target_effect_is_refused_naming_the_offer(base, synth_dir, tmp_path) -> None:
    # the third offer (ung) only
    parts = base.split("  target_effect: 0.05\n")
    config = "  target_effect: 0.05\n".join(parts[:3]) + "  target_effect: .nan\n"
    config += "  target_effect: 0.05\n".join(parts[3:])
    line = _refused(
        synth_dir, tmp_path, config, "offer 'ung' target_effect", "finite number", ".nan"
    )
    assert "'los'" not in line and "'jobformidler'" not in line


def test_infinite_cost_is_refused_naming_the_offer(base, synth_dir, tmp_path) -> None:
    config = base.replace(JOB_COST, "  cost_per_participant_dkk: .inf\n", 1)
    _refused(
        synth_dir,
        tmp_path,
        config,
        "offer 'jobformidler' cost_per_participant_dkk",
        f"(line {_line_of(config, '.inf')})",
        "finite",
    )


def test_free_offer_is_refused(base, synth_dir, tmp_path) -> None:
    _refused(
        synth_dir, tmp_path, _los_cost(base, "0"), "cost_per_participant_dkk", "greater than 0"
    )


def test_bootstrap_reps_1e8_is_refused_before_computing(base, synth_dir, tmp_path) -> None:
    config = base + "estimation:\n  bootstrap_reps: 1e8\n"
    _refused(synth_dir, tmp_path, config, "estimation.bootstrap_reps", "99999", "1e8")


def test_horizon_beyond_ten_years_is_refused(base, synth_dir, tmp_path) -> None:
    config = base + "valuation:\n  horizon_months: 240\n"
    _refused(synth_dir, tmp_path, config, "valuation.horizon_months", "120", "240")


def test_count_with_a_thousands_separator_is_refused(base, synth_dir, tmp_path) -> None:
    config = base.replace("planned_participants: 251", "planned_participants: 1.000", 1)
    _refused(synth_dir, tmp_path, config, "offer 'los' planned_participants", "write 1000")


def test_duplicate_key_is_refused_with_both_lines(base, synth_dir, tmp_path) -> None:
    config = base.replace(LOS_COST, LOS_COST + "  cost_per_participant_dkk: 4200000\n", 1)
    first = _line_of(config, LOS_COST)
    _refused(
        synth_dir,
        tmp_path,
        config,
        "key 'cost_per_participant_dkk' appears twice",
        f"(lines {first} and {first + 1})",
    )


def test_second_top_level_offers_section_is_refused(base, synth_dir, tmp_path) -> None:
    extra = (
        "offers:\n- offer_id: los\n  name: Projekt LOS\n"
        "  target_group: {statuses: [sickness_benefit]}\n  cost_per_participant_dkk: 42000\n"
    )
    config = base + extra
    second = _line_of(config, extra)
    _refused(
        synth_dir,
        tmp_path,
        config,
        "top-level section 'offers' appears twice",
        f"(lines {_line_of(config, 'offers:')} and {second})",
    )


def test_latin1_file_names_the_file_and_the_line(base, synth_dir, tmp_path) -> None:
    config = base.replace("name: Projekt LOS", "name: Projekt LØS", 1)
    _refused(
        synth_dir,
        tmp_path,
        config.encode("latin-1"),
        f"line {_line_of(config, 'Projekt LØS')}",
        "not UTF-8",
        "0xd8",
    )


def test_min_cell_size_below_3_needs_allow_small_cells(base, synth_dir, tmp_path) -> None:
    config = base + "privacy: {min_cell_size: 1}\n"
    _refused(
        synth_dir,
        tmp_path,
        config,
        "privacy.min_cell_size",
        "1 is below 3",
        "privacy.allow_small_cells: true",
    )


def test_cpr_guard_is_not_a_setting(base, synth_dir, tmp_path) -> None:
    config = base + "privacy: {min_cell_size: 5, cpr_guard: false}\n"
    _refused(synth_dir, tmp_path, config, "cpr_guard is not a setting", "always on")


# --- accepted as written ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [("42000", 42000.0), ("42000.5", 42000.5), ("42000.50", 42000.5), ("42_000", 42000.0)],
)
def test_plain_amounts_are_read_as_written(base, tmp_path, written, value) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(_los_cost(base, written), encoding="utf-8")
    assert load_config(path).offers[0].cost_per_participant_dkk == value


def test_shares_and_small_cells_allowed_when_said(base, tmp_path) -> None:
    path = tmp_path / "config.yaml"
    extra = "privacy: {min_cell_size: 2, allow_small_cells: true}\nvaluation:\n"
    extra += "  discount_rate: 0.035\n  prices: {cash_benefit: {kommune: 9500.5}}\n"
    path.write_text(base.replace("target_effect: 0.05", "target_effect: -0.2", 1) + extra)
    cfg = load_config(path)
    assert cfg.offers[0].target_effect == -0.2
    assert cfg.privacy.min_cell_size == 2 and cfg.privacy.allow_small_cells
    assert cfg.valuation.prices["cash_benefit"]["kommune"] == 9500.5


def test_price_override_with_separator_is_refused(base, tmp_path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(base + "valuation:\n  prices: {cash_benefit: {kommune: 9.500}}\n")
    with pytest.raises(ConfigError, match=r"valuation\.prices\.cash_benefit\.kommune .*write 9500"):
        load_config(path)


def test_config_folder_and_missing_file_are_told_apart(tmp_path) -> None:
    with pytest.raises(ConfigError, match="is a folder, not a YAML file"):
        load_config(tmp_path)
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_merge_keys_may_override_but_written_keys_may_not_repeat(tmp_path) -> None:
    offer = (
        "  - &los\n    offer_id: los\n    name: Projekt LOS\n"
        "    target_group: {statuses: [sickness_benefit], months_before_start: 2}\n"
        "    cost_per_participant_dkk: 42000\n"
    )
    path = tmp_path / "config.yaml"
    path.write_text(
        "offers:\n"
        + offer
        + "  - <<: *los\n    offer_id: los2\n    cost_per_participant_dkk: 30000\n"
    )
    cfg = load_config(path)
    assert [(o.offer_id, o.cost_per_participant_dkk) for o in cfg.offers] == [
        ("los", 42000.0),
        ("los2", 30000.0),
    ]
    path.write_text("offers:\n" + offer + "    name: LOS igen\n")
    with pytest.raises(ConfigError, match=r"key 'name' appears twice .*\(lines 4 and 7\)"):
        load_config(path)


# --- report: the tilbudsvifte's targets (issue 18) --------------------------------------


def _report(base: str, price: str, effect: str | None) -> str:
    lines = f"report:\n  target_price_per_job_dkk: {price}\n"
    return base + lines + ("" if effect is None else f"  target_effect_pp: {effect}\n")


@pytest.mark.parametrize("written", ["500.000", "500,000", '"500000"'])
def test_target_price_per_job_is_an_amount_read_strictly(base, synth_dir, tmp_path, written):
    config = _report(base, written, "5")
    _refused(
        synth_dir,
        tmp_path,
        config,
        "report.target_price_per_job_dkk",
        f"(line {_line_of(config, 'target_price_per_job_dkk')})",
        "write 500000",
    )


def test_target_effect_written_as_a_share_is_refused(base, synth_dir, tmp_path) -> None:
    _refused(
        synth_dir,
        tmp_path,
        _report(base, "500000", "0.05"),
        "report.target_effect_pp",
        "looks like a share",
        "write 5 for 5 pp",
    )


def test_one_target_without_the_other_is_refused(base, synth_dir, tmp_path) -> None:
    _refused(synth_dir, tmp_path, _report(base, "500000", None), "report", "or neither")


def test_report_targets_are_read_as_written(base, tmp_path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(_report(base, "450000", "4.5"), encoding="utf-8")
    cfg = load_config(path)
    assert cfg.report.target_price_per_job_dkk == 450000.0
    assert cfg.report.target_effect_pp == 4.5
    path.write_text(base, encoding="utf-8")
    assert load_config(path).report.target_price_per_job_dkk is None  # medians as fallback
