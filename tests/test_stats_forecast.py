"""Forecasts of the real Frontex series: the requested months with intervals around them; MASE
as defined, on hand-computed examples; a seasonal series the method must forecast better than
seasonal naive, and a random walk on which it must not claim to; no look-ahead in the back-test;
unknown routes and nationalities refused clearly, by the CLI and the API."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import Api
from corridor.audit import flush
from corridor.cli import app
from corridor.errors import NotFound, ValidationError
from corridor.stats.forecast import (
    MAX_MONTHS,
    PERIOD,
    MonthlySeries,
    backtest,
    fit,
    forecast,
    mase,
    month_index,
    month_name,
    monthly_series,
    nationalities,
    seasonal_naive,
    seasonal_scale,
)
from corridor.stats.frontex import Frontex

ROUTE = "Western Balkan Route"


def synthetic(counts: np.ndarray) -> MonthlySeries:
    return MonthlySeries("synthetic", None, month_index("2000-01"), np.asarray(counts, float))


def consecutive(months: list[str]) -> bool:
    idx = [month_index(m) for m in months]
    return idx == list(range(idx[0], idx[0] + len(idx)))


# --- the series ----------------------------------------------------------------------------------


def test_series_sum_to_the_published_totals() -> None:
    s = monthly_series(ROUTE)
    assert s.months[0] == "2009-01" and s.months[-1] == "2025-04" and consecutive(s.months)
    in_2024 = [n for m, n in zip(s.months, s.counts, strict=True) if m.startswith("2024-")]
    assert sum(in_2024) == 21_525  # data/README.md
    syria = monthly_series(ROUTE.upper(), "syr")
    assert (syria.route, syria.nationality) == (ROUTE, "SYR")
    published = {n.iso3: n.detections for n in Frontex().summary(ROUTE).by_nationality}
    assert syria.counts.sum() == published["SYR"]
    assert nationalities(ROUTE)[0][0] == "SYR"  # the unspecified (OOO) are not a nationality
    assert "OOO" not in dict(nationalities(ROUTE))


# --- the forecast --------------------------------------------------------------------------------


@pytest.mark.parametrize("months", [1, 7, MAX_MONTHS])
def test_forecast_has_the_months_asked_for_after_the_data(months: int) -> None:
    f = forecast(ROUTE, months)
    assert len(f.months) == months
    assert f.last_observed == "2025-04" and f.months[0].month == "2025-05"
    assert consecutive([m.month for m in f.months])
    for m in f.months:
        assert 0 <= m.lower <= m.forecast <= m.upper
    assert f.model.startswith("ETS(A,") and f.level == 0.8


def test_a_nationality_has_its_own_forecast() -> None:
    route, syr = forecast(ROUTE, 3), forecast(ROUTE, 3, "SYR")
    assert syr.nationality == "SYR"
    # Syrians are a part of the route's detections: their median forecast is below the route's.
    assert all(s.forecast < r.forecast for s, r in zip(syr.months, route.months, strict=True))


def test_unknown_route_and_nationality_are_refused_clearly() -> None:
    with pytest.raises(NotFound, match=r"no route 'Northern Route'.*Western Balkan Route"):
        forecast("Northern Route", 3)
    with pytest.raises(NotFound, match=r"no detections of nationality XXX.*SYR"):
        forecast(ROUTE, 3, "XXX")
    for bad in ("12", "SY", "SYRIA", "S-R"):
        with pytest.raises(ValidationError) as exc:
            forecast(ROUTE, 3, bad)
        assert exc.value.field == "nationality"
    for months in (0, -1, MAX_MONTHS + 1):
        with pytest.raises(ValidationError) as exc:
            forecast(ROUTE, months)
        assert exc.value.field == "months"


# --- MASE and seasonal naive, by hand --------------------------------------------------------------


def test_mase_on_a_hand_computed_example() -> None:
    # Period 2: year-on-year changes |2-1| = 1 and |6-3| = 3, so the scale is 2.
    history = np.array([1.0, 3.0, 2.0, 6.0])
    assert seasonal_scale(history, 2) == 2.0
    assert mase(np.array([4.0, 8.0]), np.array([5.0, 5.0]), history, 2) == 1.0  # (1 + 3) / 2 / 2
    assert mase(np.array([4.0, 8.0]), np.array([4.0, 7.0]), history, 2) == 0.25
    # Monthly: every month one more than a year before, so the scale is 1.
    two_years = np.concatenate([np.arange(12.0), np.arange(12.0) + 1])
    assert mase(np.array([10.0, 10.0]), np.array([8.0, 14.0]), two_years) == 3.0
    with pytest.raises(ValidationError, match="undefined"):
        mase(np.array([1.0]), np.array([1.0]), np.ones(24))


def test_seasonal_naive_repeats_the_last_year() -> None:
    history = np.arange(30.0)  # the last year is 18..29
    assert list(seasonal_naive(history, 14)) == [*range(18, 30), 18, 19]


@settings(max_examples=60, deadline=None)
@given(
    history=st.lists(st.integers(0, 10**6), min_size=PERIOD + 1, max_size=60),
    actual=st.lists(st.integers(0, 10**6), min_size=1, max_size=12),
    factor=st.integers(2, 1000),
)
def test_mase_is_zero_when_perfect_and_blind_to_units(
    history: list[int], actual: list[int], factor: int
) -> None:
    h, a = np.array(history, float), np.array(actual, float)
    if seasonal_scale(h) == 0:
        return
    assert mase(a, a, h) == 0.0
    wrong = a + 1
    assert mase(wrong * factor, a * factor, h * factor) == pytest.approx(mase(wrong, a, h))


# --- the method against seasonal naive -----------------------------------------------------------


def test_on_a_seasonal_series_the_method_beats_seasonal_naive() -> None:
    """A fixed season with noise: seasonal naive carries last year's noise into every forecast,
    a smoothed season averages it out (about 1/√2 of the error for independent noise)."""
    rng = np.random.default_rng(7)
    t = np.arange(96)
    y = np.round(np.exp(6 + 0.8 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.25, t.size)))
    b = backtest(synthetic(y), "2006-01", horizon=12, refit_every=12)
    score = b.score()
    assert score.forecasts == sum(min(12, 96 - o) for o in range(72, 96))
    assert score.corridor_mase < score.naive_mase
    assert score.mae_ratio < 0.9
    assert all("A)" in form for form in b.forms)  # a seasonal form was chosen every time


def test_on_a_random_walk_it_claims_no_wonders() -> None:
    """Nothing forecasts a random walk far ahead: the errors and the interval grow with the
    horizon (the interval's log-width like √h), and no season is invented."""
    rng = np.random.default_rng(11)
    y = np.round(np.exp(7 + np.cumsum(rng.normal(0, 0.1, 96))))
    b = backtest(synthetic(y), "2006-01", horizon=12, refit_every=12)
    assert b.score(12).corridor_mase > b.score(1).corridor_mase
    fitted = fit(y)
    assert not fitted.form.seasonal
    _, lower, upper = fitted.predict(12)
    widths = np.log1p(upper) - np.log1p(lower)
    assert np.all(np.diff(widths) > 0)
    assert widths[-1] / widths[0] > 2.5  # √12 ≈ 3.5 for a pure random walk


def test_the_backtest_does_not_look_ahead() -> None:
    """Forecasts made before a change in the data, of months before it, do not change with it."""
    rng = np.random.default_rng(3)
    t = np.arange(96)
    y = np.round(np.exp(5 + 0.5 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.3, t.size)))
    changed = y.copy()
    changed[84:] *= 10
    a = backtest(synthetic(y), "2006-01", horizon=6, refit_every=12)
    b = backtest(synthetic(changed), "2006-01", horizon=6, refit_every=12)
    before = [i for i, o in enumerate(a.origins) if o + 6 <= a.series.start + 84]
    assert before and np.array_equal(a.corridor_error[before], b.corridor_error[before])
    assert not np.array_equal(a.corridor_error, b.corridor_error)


def test_refiltering_reproduces_the_fit() -> None:
    y = monthly_series(ROUTE).counts[:120]
    fitted = fit(y)
    again = fitted.extend(np.log1p(y))
    for ours, theirs in zip(fitted.predict(6), again.predict(6), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9)


@settings(max_examples=8, deadline=None)
@given(
    counts=st.lists(st.integers(0, 100_000), min_size=2 * PERIOD, max_size=40),
    months=st.integers(1, MAX_MONTHS),
)
def test_forecasts_are_never_negative(counts: list[int], months: int) -> None:
    mean, lower, upper = fit(np.array(counts, float)).predict(months)
    assert len(mean) == months
    assert np.all(np.isfinite(upper))
    assert np.all(lower >= 0) and np.all(lower <= mean) and np.all(mean <= upper)


# --- CLI and API ---------------------------------------------------------------------------------


def corridor(*args: str) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).parent / "corridor"
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([str(cli), *args], capture_output=True, text=True, check=False, env=env)


def test_cli_prints_and_writes_the_forecast(tmp_path: Path) -> None:
    out = tmp_path / "forecast.csv"
    proc = corridor("routes", "forecast", "--route", ROUTE, "--months", "3",
                    "--nationality", "afg", "--out", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Western Balkan Route (AFG)" in proc.stdout and "2025-05" in proc.stdout
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["month"] for r in rows] == ["2025-05", "2025-06", "2025-07"]
    assert all(float(r["lower"]) <= float(r["forecast"]) <= float(r["upper"]) for r in rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--route", "Northern Route"], "no route 'Northern Route'"),
        (["--nationality", "XXX"], "no detections of nationality XXX"),
        (["--nationality", "12"], "invalid nationality '12'"),
    ],
)
def test_cli_refuses_clearly(args: list[str], message: str) -> None:
    proc = corridor("routes", "forecast", *args)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("months", ["0", str(MAX_MONTHS + 1), "many"])
def test_cli_refuses_months_out_of_range(months: str) -> None:
    result = CliRunner().invoke(app, ["routes", "forecast", "--months", months])
    assert result.exit_code == 2 and "--months" in result.output


def test_api_forecasts_for_any_stats_reader_and_logs_it(api: Api) -> None:
    r = api.get("/routes/forecast", "analyst_low", params={"months": 4, "nationality": "SYR"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["route"], body["nationality"], body["last_observed"]) == (ROUTE, "SYR", "2025-04")
    assert [m["month"] for m in body["months"]] == ["2025-05", "2025-06", "2025-07", "2025-08"]
    # Public statistics: the same answer whatever the reader's clearance.
    assert (
        api.get("/routes/forecast", "analyst", params={"months": 4, "nationality": "SYR"}).json()
        == body
    )
    assert api.get("/routes/forecast", params={"route": "Northern Route"}).status_code == 404
    assert api.get("/routes/forecast", params={"nationality": "XXX"}).status_code == 404
    bad = api.get("/routes/forecast", params={"nationality": "12"})
    assert bad.status_code == 422 and bad.json()["field"] == "nationality"
    for months in (0, MAX_MONTHS + 1, "many"):
        assert api.get("/routes/forecast", params={"months": months}).status_code == 422
    assert api.get("/routes/forecast", None).status_code == 401
    flush(api.store)
    entries = [e for e in api.store.audit_entries() if e.target == "routes/forecast"]
    assert [e.user_name for e in entries][:2] == ["analyst_low", "analyst"]
    assert json.loads(entries[0].detail)["nationality"] == "SYR"


def test_month_names_round_trip() -> None:
    for m in ("2009-01", "2015-12", "2025-04"):
        assert month_name(month_index(m)) == m
    with pytest.raises(ValidationError):
        month_index("2025-4")
