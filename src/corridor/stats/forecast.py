"""Forecasts of the real Frontex monthly series per route (and nationality), and their back-test.

The method is exponential smoothing in its state-space form (ETS; Hyndman, Koehler, Ord and
Snyder 2008, as implemented by statsmodels' `ETSModel`) fitted to log(1 + detections) with
additive errors. Four forms are fitted by maximum likelihood and the one with the lowest AICc is
kept: level only (A,N,N), damped trend (A,Ad,N), seasonal (A,N,A), damped trend and seasonal
(A,Ad,A). Why so:

- the counts span four orders of magnitude (tens in a quiet month, tens of thousands in 2015)
  and their summer peaks grow with the level: on the log scale the seasonal swing is additive,
  the errors are closer to constant, and a forecast cannot go below zero; `1 +` keeps the months
  without detections;
- a trend that is not damped extrapolates a surge without end (on the log scale, exponentially);
  damping is the standard guard (Gardner and McKenzie 1985), so undamped forms are not offered;
- the Gaussian prediction interval on the log scale maps to an interval on the counts with the
  same coverage (quantiles survive a monotone transform); the point forecast mapped back is the
  forecast's median, the value that minimises the absolute error MASE measures.

The back-test is a rolling origin (Tashman 2000) over 2015-01..2025-04: at each origin, fit on
all months before it and forecast 1..12 months ahead. Errors are scaled by the series' in-sample
seasonal-naive error (MASE with m = 12; Hyndman and Koehler 2006), against the seasonal-naive
forecast itself (each month as the same month a year before), the benchmark a monthly series
with a season must beat to be worth a model.

Counts are Frontex detections, not people; they are public statistics, so nothing here reads
the store or needs a clearance.
"""

from __future__ import annotations

import csv
import math
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from corridor.errors import NotFound, ValidationError
from corridor.resources import FRONTEX_DETECTIONS, data_path

Array = npt.NDArray[np.float64]

#: Months in a seasonal cycle: the migration season repeats yearly.
PERIOD = 12
#: The prediction interval's coverage: 80 % is the customary planning interval (it is the first
#: one forecasting texts show, beside 95 %), narrow enough to act on, and the back-test reports
#: how often it actually held.
LEVEL = 0.8
#: The longest forecast offered: two seasonal cycles. Beyond that a forecast of these series is
#: its seasonal profile repeated, with intervals too wide to plan with.
MAX_MONTHS = 24
#: The back-test's first origin and its horizons, as the partnership's brief asks (2015–2025,
#: up to a year ahead). Six years (2009–2014) are there to fit on before the first origin.
BACKTEST_START = "2015-01"
BACKTEST_HORIZON = 12
#: The model's form and parameters are re-estimated every this many origins (each January,
#: from 2015-01); in between they are kept and the states re-filtered over the months added,
#: which is how a forecaster re-estimating once a year would have worked. A full refit at every
#: origin gave the same picture (overall MASE within 0.08) for far more time (docs/benchmarks.md).
REFIT_EVERY = 12
#: Frontex's code for a nationality not specified: detections, but not a nationality.
UNSPECIFIED = "OOO"
#: The fewest months a fit needs: two seasonal cycles, so that a seasonal form can be told
#: from noise (fewer and ETS's seasonal states outnumber the years seen).
MIN_MONTHS = 2 * PERIOD

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_ISO3 = re.compile(r"^[A-Z]{3}$")


def month_index(month: str) -> int:
    """'YYYY-MM' → months since year 0, so that months subtract."""
    m = _MONTH.match(month)
    if m is None or not 1 <= int(m[2]) <= 12:
        raise ValidationError(f"invalid month {month!r} (expected YYYY-MM)", "month")
    return int(m[1]) * 12 + int(m[2]) - 1


def month_name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# --- the series --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class MonthlySeries:
    """Detections per month on a route (of one nationality, or all), every month from the
    file's first to its last; a month the file has no row for had none."""

    route: str
    nationality: str | None
    start: int
    counts: Array

    @property
    def months(self) -> list[str]:
        return [month_name(self.start + i) for i in range(len(self.counts))]

    @property
    def label(self) -> str:
        return f"{self.route} ({self.nationality})" if self.nationality else self.route


@dataclass(frozen=True, slots=True)
class _Table:
    routes: dict[str, str]  # lower-case name → name as published
    cells: dict[tuple[str, str | None], dict[int, int]]  # (route, nationality or None) → counts
    first: int
    last: int


@lru_cache(maxsize=4)
def _table(path: str) -> _Table:
    """The file read once per process, summed by route, nationality and month (the summary of
    `corridor.stats.frontex.Frontex` has no nationality-by-month cut, so the same file is read
    here)."""
    cells: dict[tuple[str, str | None], dict[int, int]] = {}
    months: set[int] = set()
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            month, n = month_index(row["month"]), int(row["detections"])
            months.add(month)
            for key in ((row["route"], row["nationality_iso3"]), (row["route"], None)):
                cell = cells.setdefault(key, {})
                cell[month] = cell.get(month, 0) + n
    routes = sorted({r for r, _ in cells})
    return _Table({r.lower(): r for r in routes}, cells, min(months), max(months))


def _data(path: Path | None) -> _Table:
    return _table(str(path or data_path(FRONTEX_DETECTIONS)))


def routes(path: Path | None = None) -> list[str]:
    return list(_data(path).routes.values())


def nationalities(route: str, path: Path | None = None) -> list[tuple[str, int]]:
    """The nationalities detected on a route, most detected first (unspecified left out)."""
    table = _data(path)
    name = _route_name(table, route)
    found = [
        (nat, sum(cell.values()))
        for (r, nat), cell in table.cells.items()
        if r == name and nat is not None and nat != UNSPECIFIED
    ]
    return sorted(found, key=lambda x: (-x[1], x[0]))


def _route_name(table: _Table, route: str) -> str:
    name = table.routes.get(route.strip().lower())
    if name is None:
        raise NotFound(f"no route {route!r} (known: {', '.join(table.routes.values())})")
    return name


def monthly_series(
    route: str, nationality: str | None = None, path: Path | None = None
) -> MonthlySeries:
    """A route's monthly detections, of one nationality (ISO 3166-1 alpha-3) or all."""
    table = _data(path)
    name = _route_name(table, route)
    code: str | None = None
    if nationality is not None and nationality.strip():
        code = nationality.strip().upper()
        if not _ISO3.match(code):
            raise ValidationError(
                f"invalid nationality {nationality!r}: expected an ISO 3166-1 alpha-3 code "
                "such as SYR",
                "nationality",
            )
        if (name, code) not in table.cells:
            top = ", ".join(c for c, _ in nationalities(name, path)[:8])
            raise NotFound(f"no detections of nationality {code} on {name} (most detected: {top})")
    cell = table.cells[(name, code)]
    counts = np.array(
        [cell.get(m, 0) for m in range(table.first, table.last + 1)], dtype=np.float64
    )
    return MonthlySeries(name, code, table.first, counts)


# --- the model ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Form:
    """One ETS form with additive errors: damped trend or none, additive season or none."""

    trend: bool
    seasonal: bool

    @property
    def name(self) -> str:
        return f"ETS(A,{'Ad' if self.trend else 'N'},{'A' if self.seasonal else 'N'})"


#: The forms offered, simplest first (a tie in AICc goes to the simpler).
FORMS = (Form(False, False), Form(True, False), Form(False, True), Form(True, True))


def _model(log_counts: Array, form: Form) -> Any:
    # statsmodels' prediction needs an index with a frequency; its dates are never read (months
    # are positions here), so any monthly index will do. statsmodels and pandas take about a
    # second to import: imported here, so that a command that forecasts nothing starts quickly.
    import pandas as pd  # type: ignore[import-untyped]
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # type: ignore[import-untyped]

    index = pd.date_range("2000-01-01", periods=len(log_counts), freq="MS")
    return ETSModel(
        pd.Series(log_counts, index=index),
        error="add",
        trend="add" if form.trend else None,
        damped_trend=form.trend,
        seasonal="add" if form.seasonal else None,
        seasonal_periods=PERIOD if form.seasonal else None,
    )


@dataclass(frozen=True, slots=True, eq=False)
class Fitted:
    """A form and its estimated parameters (initial states included), fitted on a series'
    first months; `extend` re-filters them over a longer stretch of the same series."""

    form: Form
    params: Array
    results: Any

    def extend(self, log_counts: Array) -> Fitted:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = _model(log_counts, self.form).smooth(self.params)
        return Fitted(self.form, self.params, results)

    def predict(self, months: int, level: float = LEVEL) -> tuple[Array, Array, Array]:
        """Median forecast and the interval's bounds, on the count scale, for the months after
        the data; never below zero."""
        n = int(self.results.nobs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = self.results.get_prediction(start=n, end=n + months - 1).summary_frame(
                alpha=1 - level
            )
        mean, lower, upper = (
            _counts(frame[c].to_numpy(dtype=np.float64)) for c in ("mean", "pi_lower", "pi_upper")
        )
        # A flat series has a zero-width interval that rounding may invert by a hair.
        return mean, np.minimum(lower, mean), np.maximum(upper, mean)


def _counts(log_values: Array) -> Array:
    # Non-finite values (a failed filter) become 0 rather than poisoning a table or a JSON body.
    values = np.expm1(np.clip(np.nan_to_num(log_values, nan=0.0), 0.0, _LOG_CAP))
    return np.asarray(values, dtype=np.float64)


#: No forecast above 10^9 detections a month (more than the world's migrants): a guard
#: against an overflowing exponential, not a modelling choice.
_LOG_CAP = math.log1p(1e9)


def fit(counts: Array) -> Fitted:
    """The form with the lowest AICc, fitted on log(1 + counts)."""
    if len(counts) < MIN_MONTHS:
        raise ValidationError(f"a forecast needs at least {MIN_MONTHS} months of data", "months")
    if np.any(~np.isfinite(counts)) or np.any(counts < 0):
        raise ValidationError("counts must be finite and not negative", "counts")
    log_counts = np.log1p(np.asarray(counts, dtype=np.float64))
    best: Fitted | None = None
    best_aicc = math.inf
    for form in FORMS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results = _model(log_counts, form).fit(disp=False)
        except (ValueError, np.linalg.LinAlgError):  # a form that cannot be fitted is skipped
            continue
        aicc = float(results.aicc)
        aicc = math.inf if math.isnan(aicc) else aicc
        if best is None or aicc < best_aicc:
            best, best_aicc = (
                Fitted(form, np.asarray(results.params, dtype=np.float64), results),
                aicc,
            )
    if best is None:
        raise ValidationError("no exponential-smoothing form could be fitted", "counts")
    return best


def seasonal_naive(history: Array, months: int) -> Array:
    """Each month forecast as the same month in the last year of history."""
    if len(history) < PERIOD:
        raise ValidationError(f"seasonal naive needs at least {PERIOD} months", "months")
    last_year = np.asarray(history[-PERIOD:], dtype=np.float64)
    return np.asarray([last_year[h % PERIOD] for h in range(months)], dtype=np.float64)


def seasonal_scale(history: Array, period: int = PERIOD) -> float:
    """The in-sample mean absolute error of the seasonal-naive forecast: MASE's denominator."""
    history = np.asarray(history, dtype=np.float64)
    if len(history) <= period:
        raise ValidationError(f"the scale needs more than {period} months of history", "months")
    return float(np.mean(np.abs(history[period:] - history[:-period])))


def mase(actual: Array, forecast: Array, history: Array, period: int = PERIOD) -> float:
    """Mean absolute scaled error (Hyndman and Koehler 2006): the forecast's mean absolute error
    over the in-sample seasonal-naive one's. Below 1: better than last year's month was on the
    history; undefined (a ValidationError) on a history with no seasonal change at all."""
    actual, forecast = np.asarray(actual, np.float64), np.asarray(forecast, np.float64)
    if actual.shape != forecast.shape or actual.size == 0:
        raise ValidationError("actual and forecast must be non-empty and of one length", "actual")
    scale = seasonal_scale(history, period)
    if scale == 0:
        raise ValidationError("MASE is undefined: the history never changes year on year")
    return float(np.mean(np.abs(actual - forecast)) / scale)


# --- the forecast ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ForecastMonth:
    month: str
    forecast: float
    lower: float
    upper: float


@dataclass(frozen=True, slots=True)
class Forecast:
    route: str
    nationality: str | None
    model: str
    level: float
    last_observed: str
    months: list[ForecastMonth]


@lru_cache(maxsize=64)
def _fitted(path: str, route: str, nationality: str | None) -> Fitted:
    """The shipped figures do not change while a process runs: each series is fitted once."""
    s = monthly_series(route, nationality, Path(path))
    return fit(s.counts)


def forecast(
    route: str,
    months: int,
    nationality: str | None = None,
    level: float = LEVEL,
    path: Path | None = None,
) -> Forecast:
    """The next `months` months of a route's detections (of one nationality, or all), each
    with its median forecast and prediction interval."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValidationError(f"months must be between 1 and {MAX_MONTHS}", "months")
    if not 0 < level < 1:
        raise ValidationError("level must be between 0 and 1", "level")
    series = monthly_series(route, nationality, path)  # validates the names first
    fitted = _fitted(str(path or data_path(FRONTEX_DETECTIONS)), series.route, series.nationality)
    mean, lower, upper = fitted.predict(months, level)
    last = series.start + len(series.counts) - 1
    return Forecast(
        route=series.route,
        nationality=series.nationality,
        model=f"{fitted.form.name} on log(1 + detections)",
        level=level,
        last_observed=month_name(last),
        months=[
            ForecastMonth(
                month_name(last + 1 + i), float(mean[i]), float(lower[i]), float(upper[i])
            )
            for i in range(months)
        ],
    )


# --- the back-test -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Score:
    """Errors pooled over a set of (origin, horizon) forecasts."""

    forecasts: int
    corridor_mase: float
    naive_mase: float
    #: Corridor's mean absolute error over seasonal naive's, on the same forecasts (< 1: better).
    mae_ratio: float
    #: How often the actual count fell inside Corridor's prediction interval.
    coverage: float


@dataclass(frozen=True, slots=True, eq=False)
class Backtest:
    """Every origin's forecasts against what happened, for one series. Arrays are origins ×
    horizons; NaN where the month forecast lies past the data."""

    series: MonthlySeries
    origins: list[int]
    horizon: int
    level: float
    scale: Array  # per origin: the in-sample seasonal-naive MAE
    corridor_error: Array  # absolute errors
    naive_error: Array
    covered: Array  # 1 inside the interval, 0 outside
    forms: dict[str, int]  # form chosen → how many re-estimations chose it

    def score(self, horizon: int | None = None, target_years: set[int] | None = None) -> Score:
        """Pooled over one horizon (or all), and over forecasts of months in some years (or
        all); origins whose history never changed year on year (scale 0) are left out."""
        mask = np.isfinite(self.corridor_error) & (self.scale[:, None] > 0)
        if horizon is not None:
            cols = np.zeros(self.horizon, dtype=bool)
            cols[horizon - 1] = True
            mask &= cols[None, :]
        if target_years is not None:
            targets = np.asarray(self.origins)[:, None] + np.arange(self.horizon)[None, :]
            mask &= np.isin(targets // 12, list(target_years))
        n = int(mask.sum())
        if n == 0:
            nan = math.nan
            return Score(0, nan, nan, nan, nan)
        scale = np.broadcast_to(self.scale[:, None], mask.shape)[mask]
        c, s = self.corridor_error[mask], self.naive_error[mask]
        return Score(
            forecasts=n,
            corridor_mase=float(np.mean(c / scale)),
            naive_mase=float(np.mean(s / scale)),
            mae_ratio=float(c.sum() / s.sum()) if s.sum() > 0 else math.nan,
            coverage=float(np.mean(self.covered[mask])),
        )


def backtest(
    series: MonthlySeries,
    first_origin: str = BACKTEST_START,
    horizon: int = BACKTEST_HORIZON,
    refit_every: int = REFIT_EVERY,
    level: float = LEVEL,
) -> Backtest:
    """Rolling origin: for each month from `first_origin` to the last, fit on every month before
    it (re-estimating every `refit_every` origins, re-filtering in between) and forecast
    `horizon` months from it, Corridor's way and seasonal naive's."""
    if not 1 <= horizon <= MAX_MONTHS:
        raise ValidationError(f"horizon must be between 1 and {MAX_MONTHS}", "horizon")
    if refit_every < 1:
        raise ValidationError("refit_every must be at least 1", "refit_every")
    y = series.counts
    first = month_index(first_origin) - series.start
    if first < MIN_MONTHS or first >= len(y):
        raise ValidationError(
            f"the first origin must leave {MIN_MONTHS} months before it and one after",
            "first_origin",
        )
    origins = list(range(first, len(y)))
    shape = (len(origins), horizon)
    corridor_error, naive_error, covered = (np.full(shape, np.nan) for _ in range(3))
    scale = np.zeros(len(origins))
    forms: dict[str, int] = {}
    fitted: Fitted | None = None
    for i, origin in enumerate(origins):
        history = y[:origin]
        if fitted is None or i % refit_every == 0:
            fitted = fit(history)
            forms[fitted.form.name] = forms.get(fitted.form.name, 0) + 1
        else:
            fitted = fitted.extend(np.log1p(history))
        mean, lower, upper = fitted.predict(horizon, level)
        naive = seasonal_naive(history, horizon)
        actual = y[origin : origin + horizon]
        k = len(actual)
        corridor_error[i, :k] = np.abs(actual - mean[:k])
        naive_error[i, :k] = np.abs(actual - naive[:k])
        covered[i, :k] = (actual >= lower[:k]) & (actual <= upper[:k])
        scale[i] = seasonal_scale(history)
    return Backtest(
        series=series,
        origins=[series.start + o for o in origins],
        horizon=horizon,
        level=level,
        scale=scale,
        corridor_error=corridor_error,
        naive_error=naive_error,
        covered=covered,
        forms=forms,
    )


def backtest_series(
    top_nationalities: int = 5, route_for_nationalities: str = "Western Balkan Route"
) -> list[MonthlySeries]:
    """The series the benchmark back-tests: every route, then the most detected nationalities
    of one route (unspecified left out)."""
    found = [monthly_series(r) for r in routes()]
    top = nationalities(route_for_nationalities)[:top_nationalities]
    return found + [monthly_series(route_for_nationalities, nat) for nat, _ in top]
