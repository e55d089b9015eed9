"""Reference values for evaluation.matching.match_frame on MatchIt's lalonde data.

Data: kosukeimai/MatchIt at commit bccb2fcba7a344be061530d8180ec9b78097b414,
data/lalonde.tab (Dehejia & Wahba 1999: 185 NSW participants, 429 PSID controls).

Peer: causalinference 0.1.3.post1 (Laurence Wong; ``pip install causalinference``),
``CausalModel(Y=re78, D=treat, X=Z).est_via_matching(weights="inv", matches=m)`` with
Z = [age, educ, re74, re75] whitened by the covariance over all units (its columns then
have equal variances, so "inv" weighting is the identity): nearest-neighbour matching
with replacement on the Mahalanobis distance, ties included. (causalinference's own
"maha" averages the two groups' covariances, and a weight matrix cannot be passed.)
Its ATT point estimate is the reference; its standard error is not (causalinference uses
a homoskedastic simplification, not the Abadie-Imbens variance), so the test checks
match_frame's standard error against a hand computation of the Abadie-Imbens formula
instead. Run from the repository root:

    .venv/bin/python tests/data/lalonde/make_reference.py > tests/data/lalonde/reference.json
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from causalinference import CausalModel
from causalinference.estimators.matching import match

HERE = Path(__file__).parent
COVARIATES = ["age", "educ", "re74", "re75"]


def load() -> pd.DataFrame:
    return pd.read_csv(HERE / "lalonde.tab", sep=" ", quotechar='"')


def main() -> None:
    d = load()
    x = d[COVARIATES].to_numpy(float)
    vals, vecs = np.linalg.eigh(np.cov(x, rowvar=False))
    z = (x - x.mean(axis=0)) @ (vecs / np.sqrt(vals))
    out = {"peer": "causalinference 0.1.3.post1", "covariates": COVARIATES}
    for m in (1, 3):
        cm = CausalModel(Y=d["re78"].to_numpy(float), D=d["treat"].to_numpy(int), X=z)
        cm.est_via_matching(weights="inv", matches=m)
        out[f"att_m{m}"] = float(cm.estimates["matching"]["att"])
        # per participant (in file order): the peer's matched controls' mean outcome and
        # how many controls it used (more than m: ties at the m-th distance)
        zt, zc = z[d["treat"] == 1], z[d["treat"] == 0]
        yc = d.loc[d["treat"] == 0, "re78"].to_numpy(float)
        var = 1 / z.var(0)
        idx = [match(row, zc, var, m) for row in zt]
        out[f"yhat0_m{m}"] = [float(yc[i].mean()) for i in idx]
        out[f"n_matches_m{m}"] = [len(i) for i in idx]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
