"""Subgroups of an offer's participants, as known at their start.

Every matched participant falls in one level of each dimension, measured at the start
month s (nothing after s, so the subgroup cannot be an outcome of the offer):

* ``age_band`` - age in the start year (year of s minus birth year): ``<30``,
  ``30-49``, ``50+``;
* ``sex`` - ``F`` / ``M``;
* ``education`` - the register's level (grundskole ... lvu, ukendt);
* ``benefit_months`` - months on a benefit (:data:`~evaluation.statuses.BENEFITS`) in
  the 36 months before s (s-36 .. s-1; months without a row count as not on benefit):
  ``<=6``, ``7-24``, ``>24``;
* ``start_half`` - the start's half-year, ``2023H1``.

The effect in a subgroup is the headline effect on the matched sets of its participants
(:mod:`evaluation.did.subgroups`): a description of for whom the offer worked, not a
second matching within the subgroup.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.did.data import outcome_values
from evaluation.did.inference import holm
from evaluation.did.model import MatchedEventStudy
from evaluation.did.subgroups import SubgroupSettings, fit_dimension
from evaluation.panel import StatusPanel
from evaluation.statuses import BENEFITS, EDUCATIONS, SEXES, codes

DIMENSIONS: tuple[str, ...] = ("age_band", "sex", "education", "benefit_months", "start_half")
AGE_BANDS: tuple[tuple[str, int, int], ...] = (("<30", 0, 29), ("30-49", 30, 49), ("50+", 50, 200))
BENEFIT_BANDS: tuple[tuple[str, int, int], ...] = (("<=6", 0, 6), ("7-24", 7, 24), (">24", 25, 36))
BENEFIT_WINDOW = 36


def band(values: np.ndarray, bands: tuple[tuple[str, int, int], ...]) -> np.ndarray:
    """The label of the band (label, lowest, highest; inclusive) each value falls in."""
    out = np.full(len(values), "", dtype=object)
    for label, lo, hi in bands:
        out[(values >= lo) & (values <= hi)] = label
    return out


def age_band(birth_year: np.ndarray, start_month: np.ndarray) -> np.ndarray:
    """Age band in the start year."""
    age = np.asarray(months.year_of(np.asarray(start_month))) - np.asarray(birth_year)
    return band(age, AGE_BANDS)


def benefit_months(panel: StatusPanel, person: np.ndarray, start_month: np.ndarray) -> np.ndarray:
    """Months on a benefit in the 36 months before each start (unobserved: not on one)."""
    ben = codes(BENEFITS)
    count = np.zeros(len(person), dtype=np.int64)
    for lag in range(1, BENEFIT_WINDOW + 1):
        col = np.asarray(start_month, np.int64) - lag - panel.first_month
        ok = (col >= 0) & (col < panel.n_months)
        st = panel.status[person[ok], col[ok]]
        count[ok] += np.isin(st, ben)
    return count


def half_year(start_month: np.ndarray) -> np.ndarray:
    """``YYYYH1`` / ``YYYYH2`` of each month index."""
    m = np.asarray(start_month, np.int64)
    year = months.year_of(m)
    half = np.where(months.calendar_month_of(m) <= 6, 1, 2)
    return np.array([f"{y}H{h}" for y, h in zip(year, half, strict=True)], dtype=object)


def subgroup_labels(
    panel: StatusPanel, person: np.ndarray, start_month: np.ndarray
) -> pd.DataFrame:
    """One row per (person, start month): the level of every dimension."""
    person = np.asarray(person, np.int64)
    start = np.asarray(start_month, np.int64)
    return pd.DataFrame(
        {
            "age_band": age_band(panel.birth_year[person], start),
            "sex": np.array(SEXES, dtype=object)[panel.sex[person]],
            "education": np.array(EDUCATIONS, dtype=object)[panel.education[person]],
            "benefit_months": band(benefit_months(panel, person, start), BENEFIT_BANDS),
            "start_half": half_year(start),
        }
    )


def level_order(dimension: str, levels: list[str]) -> list[str]:
    """The levels of a dimension in their natural order (bands and codes as defined,
    half-years chronologically)."""
    fixed = {
        "age_band": [b[0] for b in AGE_BANDS],
        "benefit_months": [b[0] for b in BENEFIT_BANDS],
        "sex": list(SEXES),
        "education": list(EDUCATIONS),
    }.get(dimension)
    if fixed is None:
        return sorted(levels)
    return [x for x in fixed if x in levels]


def offer_subgroups(
    study: MatchedEventStudy,
    outcome: str,
    values: np.ndarray,
    dimensions: tuple[str, ...] = DIMENSIONS,
    *,
    min_persons: int = 1,
) -> pd.DataFrame:
    """The headline effect of ``study``'s offer on ``outcome`` by every level of every
    dimension, with the heterogeneity test per dimension and Holm-adjusted p-values
    over the offer's family of subgroups (every level of every dimension with at least
    ``min_persons`` participants and controls: the small-cell threshold)."""
    sets = study.match.sets
    labels = subgroup_labels(
        study.panel, sets["person"].to_numpy(np.int64), sets["ref_month"].to_numpy(np.int64)
    )
    treated = sets["treated"].to_numpy(bool)
    settings = SubgroupSettings(
        headline_window=study.headline_window,
        level=study.level,
        matching_errors=study.std_errors == "matching",
        bootstrap_below=study.bootstrap_below,
        bootstrap_reps=study.bootstrap_reps,
        seed=study.seed,
        min_persons=min_persons,
    )
    d = study.design
    y = outcome_values(d.status, values)
    frames = []
    for dim in dimensions:
        col = labels[dim].to_numpy(object)
        levels = level_order(dim, sorted(set(col[treated])))
        res = fit_dimension(
            d, y, col, levels,
            offer_id=study.match.offer_id, outcome=outcome, dimension=dim, settings=settings,
        )  # fmt: skip
        frames.append(res.tidy())
    if not frames:
        return pd.DataFrame(columns=list(SUBGROUP_COLUMNS))
    table = pd.concat(frames, ignore_index=True)
    family = table["tested"].to_numpy(bool)
    table["p_value_holm"] = np.nan
    table.loc[family, "p_value_holm"] = holm(table.loc[family, "p_value"].to_numpy())
    return table.reindex(columns=list(SUBGROUP_COLUMNS))


SUBGROUP_COLUMNS: tuple[str, ...] = (
    "offer_id",
    "outcome",
    "dimension",
    "subgroup",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "p_value_holm",
    "n_treated",
    "n_control",
    "ci_method",
    "level",
    "heterogeneity_statistic",
    "heterogeneity_df",
    "heterogeneity_p_value",
)
