"""The Frontex forecast's back-test: Corridor's ETS against seasonal naive, on the real series.

Every route in the shipped Frontex file, and the most detected nationalities of the Western
Balkan Route, back-tested with a rolling origin over 2015-01..2025-04 (`corridor.stats.forecast.
backtest`): at each origin, fit on every month before it and forecast 1..12 months ahead. Prints
three Markdown tables (per series: MASE at horizons 1, 3, 6, 12 and over all; the MAE ratio and
the 80 % interval's coverage; and by year of the month forecast, pooled over the routes) and
writes them as JSON to bench/out/forecast.json.

    .venv/bin/python bench/forecast.py

`--refit-every 1` re-estimates the model at every origin instead of each January (about twelve
times the fits; 680 s for the six Western Balkan series); `--only TEXT` keeps the series whose
label holds TEXT.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

from _common import write_result
from corridor.stats.forecast import (
    BACKTEST_HORIZON,
    BACKTEST_START,
    LEVEL,
    REFIT_EVERY,
    Backtest,
    Score,
    backtest,
    backtest_series,
    month_name,
)

HORIZONS = (1, 3, 6, 12)
#: The nationalities back-tested: the Western Balkan Route's five most detected (over 80 % of
#: its detections whose nationality is recorded), enough to see whether a finer cut forecasts
#: better or worse than the route, few enough for one table.
TOP_NATIONALITIES = 5
BALKANS = "Western Balkan Route"


def _f(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.2f}"


def _pooled(tests: list[Backtest], years: set[int] | None = None) -> Score:
    """Scores over several series: their forecasts pooled, each error scaled by its own series'
    scale (MASE is unit-free, so pooling is allowed); the MAE ratio is the mean of the series'
    ratios, so that the largest route does not decide it alone."""
    scores = [(b.score(target_years=years), b) for b in tests]
    scores = [(s, b) for s, b in scores if s.forecasts > 0]
    n = sum(s.forecasts for s, _ in scores)
    if n == 0:
        return Score(0, math.nan, math.nan, math.nan, math.nan)
    ratios = [s.mae_ratio for s, _ in scores if not math.isnan(s.mae_ratio)]
    return Score(
        forecasts=n,
        corridor_mase=sum(s.corridor_mase * s.forecasts for s, _ in scores) / n,
        naive_mase=sum(s.naive_mase * s.forecasts for s, _ in scores) / n,
        mae_ratio=sum(ratios) / len(ratios) if ratios else math.nan,
        coverage=sum(s.coverage * s.forecasts for s, _ in scores) / n,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refit-every", type=int, default=REFIT_EVERY)
    parser.add_argument("--only", default="")
    args = parser.parse_args()

    series = [
        s
        for s in backtest_series(TOP_NATIONALITIES, BALKANS)
        if args.only.lower() in s.label.lower()
    ]
    started = time.perf_counter()
    tests: list[Backtest] = []
    for s in series:
        tests.append(backtest(s, BACKTEST_START, BACKTEST_HORIZON, args.refit_every, LEVEL))
    seconds = time.perf_counter() - started
    last = max(b.origins[-1] for b in tests)

    print(
        f"Rolling origin {BACKTEST_START}..{month_name(last)}, horizons 1..{BACKTEST_HORIZON}, "
        f"re-estimated every {args.refit_every} origin(s); {len(tests)} series in {seconds:.0f} s\n"
    )
    head = " | ".join(f"h={h}" for h in HORIZONS)
    print(
        f"| series | forecasts | {head} | all | MAE ratio | {LEVEL:.0%} interval coverage | forms chosen |"
    )
    print("|---|---|" + "---|" * len(HORIZONS) + "---|---|---|---|")
    rows: list[dict[str, Any]] = []
    for b in tests:
        by_h = {h: b.score(h) for h in HORIZONS}
        overall = b.score()
        cells = " | ".join(f"{_f(s.corridor_mase)} / {_f(s.naive_mase)}" for s in by_h.values())
        forms = ", ".join(f"{k} ×{v}" for k, v in sorted(b.forms.items(), key=lambda x: -x[1]))
        print(
            f"| {b.series.label} | {overall.forecasts} | {cells} | "
            f"**{_f(overall.corridor_mase)}** / {_f(overall.naive_mase)} | "
            f"{_f(overall.mae_ratio)} | {overall.coverage:.0%} | {forms} |"
        )
        rows.append(
            {
                "series": b.series.label,
                "overall": _score(overall),
                "horizons": {str(h): _score(s) for h, s in by_h.items()},
                "forms": b.forms,
            }
        )
    routes = [b for b in tests if b.series.nationality is None]
    if routes:
        pooled = _pooled(routes)
        print(
            f"| all routes pooled | {pooled.forecasts} | {' | '.join('' for _ in HORIZONS)} | "
            f"**{_f(pooled.corridor_mase)}** / {_f(pooled.naive_mase)} | "
            f"{_f(pooled.mae_ratio)} (mean) | {pooled.coverage:.0%} | |"
        )

    print(
        "\nBy year of the month forecast: all routes pooled, and the Western Balkan Route alone "
        "(MASE Corridor / seasonal naive):\n"
    )
    print(
        "| year | MASE, all routes | MAE ratio (mean over routes) | coverage | MASE, Western Balkan Route | its MAE ratio |"
    )
    print("|---|---|---|---|---|---|")
    by_year: dict[str, Any] = {}
    balkan = next((b for b in routes if b.series.route == BALKANS), None)
    years = sorted({(o + h) // 12 for b in routes for o in b.origins for h in range(b.horizon)})
    for year in years:
        if year * 12 > last:
            continue
        s = _pooled(routes, {year})
        w = balkan.score(target_years={year}) if balkan else _pooled([], {year})
        by_year[str(year)] = {"routes": _score(s), "western_balkans": _score(w)}
        print(
            f"| {year} | {_f(s.corridor_mase)} / {_f(s.naive_mase)} | {_f(s.mae_ratio)} | "
            f"{s.coverage:.0%} | {_f(w.corridor_mase)} / {_f(w.naive_mase)} | {_f(w.mae_ratio)} |"
        )
    write_result(
        "forecast",
        {
            "first_origin": BACKTEST_START,
            "last_origin": month_name(last),
            "horizon": BACKTEST_HORIZON,
            "refit_every": args.refit_every,
            "level": LEVEL,
            "seconds": seconds,
            "series": rows,
            "routes_by_year": by_year,
        },
    )


def _score(s: Score) -> dict[str, float]:
    return {
        "forecasts": s.forecasts,
        "corridor_mase": s.corridor_mase,
        "naive_mase": s.naive_mase,
        "mae_ratio": s.mae_ratio,
        "coverage": s.coverage,
    }


if __name__ == "__main__":
    main()
