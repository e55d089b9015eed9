"""Planted violations for the placebo test's power: changes to a panel that the
matching covariates cannot see.

:func:`plant_hidden_drift` moves participants' self-sufficient months from the third
year before their start into the second (swapping the statuses of months s - m - 12 and
s - m, m = 13..24, where the older is self-sufficient and the newer is not). Every
matching covariate is unchanged - the 12 status lags, the 12- and 36-month counts - so
the matching cannot correct it; participants simply fared better in the second year
before the start than comparable controls: the kind of selection on older history the
placebo test of :mod:`evaluation.did.placebo` must detect.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from evaluation.matching.data import NEVER
from evaluation.panel import StatusPanel
from evaluation.statuses import SELF_SUFFICIENT, codes


def plant_hidden_drift(
    panel: StatusPanel, offer_id: str, *, share: float = 1.0, seed: int = 0
) -> StatusPanel:
    """The panel with the drift planted for a random ``share`` of the participant-months
    of ``offer_id``."""
    rng = np.random.default_rng(seed)
    status = panel.status.copy()
    ss = codes(SELF_SUFFICIENT)
    first = panel.offer_starts.get(offer_id, np.full(panel.n_persons, NEVER, np.int32))
    who = np.flatnonzero(first != NEVER)
    col = first[who].astype(np.int64) - panel.first_month
    for m in range(13, 25):
        newer, older = col - m, col - m - 12
        ok = (older >= 0) & (rng.random(len(who)) < share)
        rows, newer, older = who[ok], newer[ok], older[ok]
        a, b = status[rows, newer], status[rows, older]
        swap = np.isin(b, ss) & ~np.isin(a, ss)
        status[rows[swap], newer[swap]] = b[swap]
        status[rows[swap], older[swap]] = a[swap]
    return dataclasses.replace(panel, status=status)
