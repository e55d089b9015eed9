"""What a run says about its inputs beyond the contract checks.

* **Offer ids.** An offer id in ``participation.parquet`` that equals a config offer up to
  case or surrounding spaces (``LOS`` or ``"los "`` for ``los``) stops the run before
  anything is written: its participants would silently become controls of the offer
  they took. Offers the config does not name are kept in the panel as programme
  history (they are not evaluated) and listed in the run summary and the manifest.
* **Rows after the as-of month.** A run as of month *m* uses status months up to *m* and
  enrolments started up to *m*; later rows are ignored (the flow cuts them before the
  panel is built, so they cannot stretch the persons x months matrix) and counted.

Counts that leave the run (manifest, console) follow the small-cell rule: a count of
1 to ``min_cell_size - 1`` is published as null.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.panel import StatusPanel


class OfferIdClash(ValueError):
    """An offer id in the data differs from a config offer only by case or spaces."""


def check_offer_ids(data_ids: Iterable[str], config_ids: Sequence[str]) -> None:
    """Stop when an id in the data equals a config offer up to case or surrounding
    whitespace without being that offer; the one-line message names both."""
    named = set(config_ids)
    folded = {c.strip().casefold(): c for c in config_ids}
    clashes = sorted(
        (d, folded[d.strip().casefold()])
        for d in {str(x) for x in data_ids}
        if d not in named and d.strip().casefold() in folded
    )
    if not clashes:
        return
    data_id, config_id = clashes[0]
    more = f" (and {len(clashes) - 1} more such id(s))" if len(clashes) > 1 else ""
    raise OfferIdClash(
        f"participation.parquet has offer id {data_id!r} where the config names "
        f"{config_id!r}{more}: offer ids must match exactly (case and spaces count); "
        "rename one of them. Run stopped; nothing was written."
    )


def publishable(n: int, min_cell_size: int) -> int | None:
    """A count as it may leave the run: null when 1 to ``min_cell_size - 1``."""
    return n if n == 0 or n >= min_cell_size else None


def unconfigured_offers(
    panel: StatusPanel, config_ids: Sequence[str], min_cell_size: int
) -> list[dict[str, Any]]:
    """Offers in the panel's participations that the config does not name, by id, with
    their number of participants (persons who started; null below ``min_cell_size``)."""
    out = []
    for offer_id in panel.participations.offer_ids:
        if offer_id in config_ids:
            continue
        n = len(np.unique(panel.participations.for_offer(offer_id).person))
        out.append({"offer_id": offer_id, "participants": publishable(n, min_cell_size)})
    return out


def rows_after_as_of(
    status_months: np.ndarray, participation: pd.DataFrame, as_of: str
) -> dict[str, int]:
    """Kept status rows with a month after ``as_of`` (from the month index of every
    kept status row) and enrolments started after it: the rows a run as of that month
    ignores."""
    m = months.parse(as_of)
    after = pd.Timestamp(months.to_date(m + 1))
    return {
        "status_monthly.parquet": int((np.asarray(status_months) > m).sum()),
        "participation.parquet": int((participation["start_month"] >= after).sum()),
    }


def manifest_entries(
    panel: StatusPanel,
    status_months: np.ndarray,
    participation: pd.DataFrame,
    *,
    config_ids: Sequence[str],
    as_of: str,
    min_cell_size: int,
) -> dict[str, Any]:
    """``unconfigured_offers`` and ``rows_after_as_of`` for the run's manifest."""
    after = rows_after_as_of(status_months, participation, as_of)
    return {
        "unconfigured_offers": unconfigured_offers(panel, config_ids, min_cell_size),
        "rows_after_as_of": {k: publishable(n, min_cell_size) for k, n in after.items()},
    }


def summary_lines(manifest: dict[str, Any]) -> list[str]:
    """Console lines for the run summary, from the published manifest."""
    lines = []
    offers = manifest.get("unconfigured_offers") or []
    if offers:
        listed = ", ".join(
            f"{o['offer_id']} ({_count(o['participants'])} participants)" for o in offers
        )
        lines.append(
            "offers in the data that the config does not name (kept as programme history, "
            f"not evaluated): {listed}"
        )
    after = manifest.get("rows_after_as_of") or {}
    parts = [
        f"{_count(after[key])} {what}"
        for key, what in (
            ("status_monthly.parquet", "status row(s)"),
            ("participation.parquet", "enrolment(s)"),
        )
        if after.get(key, 0) != 0
    ]
    if parts:
        lines.append(
            f"ignored {' and '.join(parts)} after the as-of month {manifest.get('as_of')} "
            "(not used in this run)"
        )
    return lines


def _count(n: int | None) -> str:
    return "a few (suppressed)" if n is None else f"{n:,}"
