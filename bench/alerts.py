"""Detection delay and false-alarm rate of the deviation alerts (issue 12) on simulated series.

Usage::

    python bench/alerts.py [--series 500] [--seed 0]

Each row: ``--series`` series of 40 figures (level 100, noise σ = 2), a change planted at figure 25,
detected by ``councilplan.monitor.forecast.detect`` (Harrison–Stevens four-state filter). The
columns are the share detected (from figure 23 on), the mean and median delay in periods after the
change, and false alarms per figure before the change (for ``none``: per figure anywhere).
"""

from __future__ import annotations

import argparse

from councilplan.monitor.simulate import planted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--series", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print("| change | series | detected | mean delay | median delay | false alarms per figure |")
    print("|---|---|---|---|---|---|")
    for change, size, outliers in (("none", 0.0, 0), ("none", 0.0, 3), ("step", -2.0, 0), ("step", -3.0, 0),
                                   ("step", -5.0, 0), ("step", 5.0, 0), ("step", -5.0, 3), ("slope", -0.5, 0),
                                   ("slope", -1.0, 0)):
        f = planted(change, size, series=args.series, outliers=outliers, seed=args.seed)
        row = f.row()
        if outliers:
            row = row.replace(f"| {f.change} |", f"| {f.change}, {outliers} outliers |", 1)
        print(row, flush=True)


if __name__ == "__main__":
    main()
