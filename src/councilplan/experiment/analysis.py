"""What a sweep shows: paired effect sizes with bootstrap CIs, sensitivities, win regions.

All statistics are on the *paired* difference per run, ``Δ_m = m_democratic − m_command``
(the arms share each run's world), signed so that a positive ``advantage`` means the
democratic arm did better on that metric.

* effect: mean advantage, its 95 % percentile-bootstrap CI (resampling runs, seeded),
  the paired standardised effect ``d_z = mean / s.d.``, and the share of runs the
  democratic arm wins;
* sensitivity: Spearman rank correlation of each parameter with each advantage;
* win regions: the democratic arm's win share on welfare within each tercile of a
  parameter (and on a grid of the two most influential ones); below 0.5 command wins there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from councilplan.experiment.metrics import HIGHER_IS_BETTER
from councilplan.experiment.params import PARAMETERS

CONFIDENCE = 0.95
BOOTSTRAP = 2000


def paired(results: pd.DataFrame) -> pd.DataFrame:
    """One row per run: the parameters and ``adv_<metric>`` (democratic better when > 0)."""
    params = [p.name for p in PARAMETERS]
    cmd = results[results["arm"] == "command"].set_index("run")
    dem = results[results["arm"] == "democratic"].set_index("run")
    out = cmd[params].copy()
    for m, higher in HIGHER_IS_BETTER.items():
        diff = dem[m] - cmd[m]
        out[f"adv_{m}"] = diff if higher else -diff
    return out.sort_index()


def bootstrap_ci(x: np.ndarray, *, seed: int = 0, n: int = BOOTSTRAP, level: float = CONFIDENCE
                 ) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean of ``x`` (resampling with replacement, ``n`` times)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(n, x.size))].mean(axis=1)
    a = (1.0 - level) / 2.0
    return float(np.quantile(means, a)), float(np.quantile(means, 1.0 - a))


def effects(results: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
    """The headline table: per metric, both arms' means, the advantage with its CI, d_z, win share."""
    pr = paired(results)
    rows = []
    for m, higher in HIGHER_IS_BETTER.items():
        adv = pr[f"adv_{m}"].to_numpy(dtype=float)
        lo, hi = bootstrap_ci(adv, seed=seed)
        sd = float(np.nanstd(adv, ddof=1)) if adv.size > 1 else float("nan")
        rows.append({
            "metric": m, "better": "higher" if higher else "lower",
            "command": float(results.loc[results["arm"] == "command", m].mean()),
            "democratic": float(results.loc[results["arm"] == "democratic", m].mean()),
            "advantage": float(np.nanmean(adv)), "ci_low": lo, "ci_high": hi,
            "d_z": float(np.nanmean(adv)) / sd if sd and np.isfinite(sd) and sd > 0 else float("nan"),
            "democratic_wins": float(np.mean(adv > 0)), "runs": int(adv.size),
        })
    return pd.DataFrame(rows)


def sensitivity(results: pd.DataFrame) -> pd.DataFrame:
    """Spearman correlation, parameters × advantages (NaN where a parameter did not vary)."""
    pr = paired(results)
    advs = [c for c in pr.columns if c.startswith("adv_")]
    ranks = pr.rank()
    out = pd.DataFrame(index=[p.name for p in PARAMETERS], columns=advs, dtype=float)
    for p in out.index:
        if pr[p].nunique() < 2:
            continue
        for a in advs:
            out.loc[p, a] = float(ranks[p].corr(ranks[a]))
    return out


def win_regions(results: pd.DataFrame, metric: str = "welfare", bins: int = 3) -> pd.DataFrame:
    """Per parameter and quantile bin: the range, runs, and the democratic arm's win share on ``metric``."""
    pr = paired(results)
    won = pr[f"adv_{metric}"] > 0
    rows = []
    for p in PARAMETERS:
        col = pr[p.name]
        if col.nunique() < bins:
            continue
        cut = pd.qcut(col, bins, duplicates="drop")
        for interval, idx in won.groupby(cut, observed=True).groups.items():
            share = float(won.loc[idx].mean())
            rows.append({"parameter": p.name, "low": float(interval.left), "high": float(interval.right),
                         "runs": len(idx), "democratic_wins": share,
                         "winner": "democratic" if share > 0.5 else ("command" if share < 0.5 else "tie")})
    return pd.DataFrame(rows, columns=["parameter", "low", "high", "runs", "democratic_wins", "winner"])


def top_parameters(results: pd.DataFrame, metric: str = "welfare", k: int = 2) -> list[str]:
    """The ``k`` parameters with the largest |Spearman correlation| with the advantage on ``metric``."""
    s = sensitivity(results)[f"adv_{metric}"].abs().dropna().sort_values(ascending=False, kind="stable")
    return list(s.index[:k])
