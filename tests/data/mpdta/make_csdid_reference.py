"""Writes csdid_reference.csv: ATT(g,t) and the dynamic aggregation on mpdta computed by
the PyPI package ``csdid`` 0.4.3 (a Python port of R ``did``) for option combinations
the published R numbers do not cover: doubly robust with a covariate, the universal base
period, ``balance_e``, and anticipation with not-yet-treated controls.

Run in the peer environment (``python3.11 -m venv /work/peer-venv-cs &&
/work/peer-venv-cs/bin/pip install csdid``), from the repository root::

    /work/peer-venv-cs/bin/python tests/data/mpdta/make_csdid_reference.py
"""

import contextlib
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from csdid.att_gt import ATTgt

HERE = Path(__file__).parent
# case: (control_group, xformla, est_method, base_period, anticipation, balance_e)
CASES = {
    "dr_cov": ("nevertreated", "lemp~lpop", "dr", "varying", 0, None),
    "universal_balance1": ("nevertreated", None, "dr", "universal", 0, 1),
    "nyt_universal_dr_cov": ("notyettreated", "lemp~lpop", "dr", "universal", 0, None),
    "nyt_anticipation1": ("notyettreated", None, "reg", "varying", 1, None),
}


def main() -> None:
    warnings.simplefilter("ignore")
    data = pd.read_csv(HERE / "mpdta.csv")
    rows = []
    for case, (control, xformla, method, base, antic, balance_e) in CASES.items():
        with contextlib.redirect_stdout(io.StringIO()):
            fit = ATTgt(
                yname="lemp",
                gname="first.treat",
                idname="countyreal",
                tname="year",
                data=data,
                control_group=control,
                xformla=xformla,
                anticipation=antic,
            ).fit(est_method=method, base_period=base, bstrap=False)
            fit.aggte("dynamic", balance_e=balance_e, bstrap=False)
        mp, res, atte = fit.MP, fit.results, fit.atte
        for g, t, att, se in zip(mp["group"], mp["t"], mp["att"], res["se"], strict=True):
            rows.append((case, "att_gt", g, t, att, se))
        for e, att, se in zip(atte["egt"], atte["att_egt"], atte["se_egt"], strict=True):
            rows.append((case, "dynamic", np.nan, e, att, se))
        rows.append(
            (case, "dynamic_overall", np.nan, np.nan, atte["overall_att"], atte["overall_se"])
        )
    out = pd.DataFrame(rows, columns=["case", "kind", "group", "time", "att", "se"])
    out.to_csv(HERE / "csdid_reference.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
