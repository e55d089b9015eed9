"""Writes the unbalanced-panel references of ``tests/test_staggered_unbalanced.py``.

1. ``mpdta_unbalanced_dropped.csv``: the county-years removed from mpdta to make an
   unbalanced panel (persons who die or emigrate leave the registers): 10 % of the 2,500
   rows (250), drawn without replacement by ``numpy.random.default_rng(20240611)``.
   Stored, so the test does not depend on numpy's sampling algorithm.
2. ``unbalanced_reference.csv``: ATT(g,t), the dynamic aggregation (per event time and
   overall) and the overall simple, group and calendar aggregations on that panel with
   ``allow_unbalanced_panel=True`` and analytic standard errors, computed by two
   independent Python ports of R ``did`` (2.5) from PyPI that implement the option
   (R's repeated cross-section estimators ``DRDID::reg_did_rc`` / ``drdid_rc`` on the
   observed rows of each cell, influence functions summed per unit): ``csdid`` 0.4.3
   (column ``package = csdid``) and ``moderndid`` 0.2.0 (``package = moderndid``).

Run in the peer environment (``python3.11 -m venv /work/peer-venv-cs &&
/work/peer-venv-cs/bin/pip install csdid moderndid``), from the repository root::

    /work/peer-venv-cs/bin/python tests/data/mpdta/make_unbalanced_reference.py
"""

import contextlib
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
SEED, SHARE = 20240611, 0.10
# case: (control_group, xformla, est_method, base_period)
CASES = {
    "unb_nev": ("nevertreated", None, "dr", "varying"),
    "unb_nyt": ("notyettreated", None, "dr", "varying"),
    "unb_nyt_universal": ("notyettreated", None, "reg", "universal"),
    "unb_nev_reg_cov": ("nevertreated", "lemp~lpop", "reg", "varying"),
    "unb_nev_dr_cov": ("nevertreated", "lemp~lpop", "dr", "varying"),
    "unb_nyt_dr_cov": ("notyettreated", "lemp~lpop", "dr", "varying"),
}
OVERALL = ("simple", "group", "calendar")


def unbalanced() -> pd.DataFrame:
    data = pd.read_csv(HERE / "mpdta.csv")
    rng = np.random.default_rng(SEED)
    drop = np.sort(rng.choice(len(data), size=round(SHARE * len(data)), replace=False))
    dropped = data.loc[drop, ["countyreal", "year"]]
    dropped.to_csv(HERE / "mpdta_unbalanced_dropped.csv", index=False)
    return data.drop(index=drop).reset_index(drop=True)


def rows(case, cells, dynamic, overall) -> list[tuple]:
    """cells: (group, time, att, se); dynamic: ((e, att, se) rows, overall (att, se));
    overall: kind -> (att, se)."""
    out = [(case, "att_gt", g, t, a, s) for g, t, a, s in cells]
    out += [(case, "dynamic", np.nan, e, a, s) for e, a, s in dynamic[0]]
    out.append((case, "dynamic_overall", np.nan, np.nan, *dynamic[1]))
    out += [(case, f"{k}_overall", np.nan, np.nan, a, s) for k, (a, s) in overall.items()]
    return out


def run_csdid(data: pd.DataFrame, control, xformla, method, base) -> list:
    from csdid.att_gt import ATTgt

    def fit():
        return ATTgt(
            yname="lemp",
            gname="first.treat",
            idname="countyreal",
            tname="year",
            data=data,
            control_group=control,
            xformla=xformla,
            allow_unbalanced_panel=True,
        ).fit(est_method=method, base_period=base, bstrap=False)

    with contextlib.redirect_stdout(io.StringIO()):
        f = fit()
        f.aggte("dynamic", bstrap=False)
        mp, res, a = f.MP, f.results, f.atte
        cells = list(zip(mp["group"], mp["t"], mp["att"], res["se"], strict=True))
        dyn = (list(zip(a["egt"], a["att_egt"], a["se_egt"], strict=True)),)
        dyn += ((a["overall_att"], a["overall_se"]),)
        overall = {}
        for kind in OVERALL:
            g = fit()
            g.aggte(kind, bstrap=False)
            overall[kind] = (g.atte["overall_att"], g.atte["overall_se"])
    return [cells, dyn, overall]


def run_moderndid(data: pd.DataFrame, control, xformla, method, base) -> list:
    import moderndid

    fit = moderndid.att_gt(
        data,
        yname="lemp",
        tname="year",
        idname="countyreal",
        gname="first.treat",
        xformla=None if xformla is None else "~lpop",
        est_method=method,
        control_group=control,
        base_period=base,
        panel=False,  # with panel=True moderndid 0.2.0 fails on unbalanced data
        allow_unbalanced_panel=True,
        boot=False,
        cband=False,
    )
    cells = list(zip(fit.groups, fit.times, fit.att_gt, fit.se_gt, strict=True))
    d = moderndid.aggte(fit, type="dynamic", boot=False, cband=False)
    dyn = (list(zip(d.event_times, d.att_by_event, d.se_by_event, strict=True)),)
    dyn += ((d.overall_att, d.overall_se),)
    overall = {}
    for kind in OVERALL:
        a = moderndid.aggte(fit, type=kind, boot=False, cband=False)
        overall[kind] = (a.overall_att, a.overall_se)
    return [cells, dyn, overall]


def main() -> None:
    warnings.simplefilter("ignore")
    data = unbalanced()
    out = []
    for package, run in (("csdid", run_csdid), ("moderndid", run_moderndid)):
        for case, spec in CASES.items():
            out += [(package, *r) for r in rows(case, *run(data, *spec))]
    frame = pd.DataFrame(out, columns=["package", "case", "kind", "group", "time", "att", "se"])
    frame.to_csv(HERE / "unbalanced_reference.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
