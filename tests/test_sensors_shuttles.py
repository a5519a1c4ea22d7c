"""Shuttle runs from ANPR reads: a van driving toward a crossing point at night and straight
back, night after night, scores above a commuter who drives there by day (and once at night);
by day, without a return, or away from every crossing point is no run; night is local time;
the score is the binomial tail at the traffic's own rate; reads and crossing points a reader may
not see count for nothing; the CLI and the API answer in the caller's scope and are logged."""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import ANPR_HEADER, SENSOR_DEFAULTS, Api, write_csv
from corridor.access.caller import Caller
from corridor.audit import flush
from corridor.cli import app
from corridor.errors import ValidationError
from corridor.ingest.service import ingest_path
from corridor.model.classification import Classification
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.sensors.shuttles import ShuttleParams, binomial_tail_log10, find_shuttles
from corridor.store.base import Store
from stores import new_store, workdir_store

#: Horgoš, on the Serbian–Hungarian border, and a road running due south of it.
POINT, LAT, LON = "RS-HU-HORGOS", 46.1771, 19.9850
SITES = [44.5 + 0.25 * k for k in range(7)]  # 27.8 km apart, the last 20 km short of the border
DETECTION_HEADER = ["detection_id", "detected_at", "lat", "lon", "border_section",
                    "crossing_point", "country", "direction", "people_count", "nationality",
                    "method", "plate", "phone"]  # fmt: skip
MAY = datetime(2024, 5, 1, tzinfo=UTC)  # summer time in Belgrade: UTC+2
JANUARY = datetime(2024, 1, 8, tzinfo=UTC)  # winter time: UTC+1

Read = tuple[str, datetime, int, str]


def local(day: datetime, hour: float, offset: int = 2) -> datetime:
    """UTC of `hour` o'clock local time on `day` (Belgrade is `offset` hours ahead)."""
    return day + timedelta(hours=hour - offset)


def leg(plate: str, start: datetime, sites: list[int], minutes: float = 20) -> list[Read]:
    way = "N" if sites[-1] > sites[0] else "S"
    return [(plate, start + timedelta(minutes=i * minutes), s, way) for i, s in enumerate(sites)]


def there_and_back(plate: str, start: datetime, far: int = 4, wait_h: float = 2,
                   back: bool = True) -> list[Read]:  # fmt: skip
    """North from site 0 to `far`, and (where `back`) south again `wait_h` hours later."""
    out = leg(plate, start, list(range(far + 1)))
    if back:
        out += leg(plate, out[-1][1] + timedelta(hours=wait_h), list(range(far, -1, -1)))
    return out


def load(store: Store, tmp_path: Path, reads: list[Read], name: str = "anpr.csv",
         **defaults: str) -> None:  # fmt: skip
    rows = [
        [f"{name}-{i}", plate, "RS", at.isoformat().replace("+00:00", "Z"),
         f"RS-A1-S{site:02d}-{way}", f"RS-A1-S{site:02d}", f"{SITES[site]:.5f}", f"{LON:.5f}",
         "1", way, "0.90"]
        for i, (plate, at, site, way) in enumerate(reads)
    ]  # fmt: skip
    path = write_csv(tmp_path / name, ANPR_HEADER, rows)
    ingest_path(store, Caller.operator(), path, kind="anpr",
                defaults={**SENSOR_DEFAULTS, **defaults}, show_progress=False)  # fmt: skip


def the_point(store: Store, tmp_path: Path, **defaults: str) -> None:
    """A detection at the crossing point: where the border is, as the records say."""
    row = ["d-1", "2024-03-01T02:00:00Z", f"{LAT:.5f}", f"{LON:.5f}", "RS–HU border", POINT,
           "RS", "exit", "12", "AFG", "patrol", "", ""]  # fmt: skip
    path = write_csv(tmp_path / "detections.csv", DETECTION_HEADER, [row])
    ingest_path(store, Caller.operator(), path, kind="detections",
                defaults={**SENSOR_DEFAULTS, **defaults}, show_progress=False)  # fmt: skip


def van_and_commuter() -> list[Read]:
    """A van to the border at 22:00 four nights and straight back; a commuter up the road and
    back by day for twenty days, and once at night."""
    van = [r for d in (1, 3, 5, 7) for r in there_and_back("BG555VV", local(MAY + timedelta(days=d), 22))]  # fmt: skip
    commuter = [r for d in range(20) if d != 10 for r in
                leg("NS111CC", local(MAY + timedelta(days=d), 8), [0, 1, 2]) +
                leg("NS111CC", local(MAY + timedelta(days=d), 17), [2, 1, 0])]  # fmt: skip
    commuter += there_and_back("NS111CC", local(MAY + timedelta(days=10), 23), far=2, wait_h=7)
    return van + commuter


def tail(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def test_a_van_running_to_the_border_by_night_outscores_a_commuter(
    store: Store, tmp_path: Path
) -> None:
    the_point(store, tmp_path)
    load(store, tmp_path, van_and_commuter())
    van, commuter = find_shuttles(store, SYSTEM_SCOPE)
    assert (van.plate, len(van.runs), van.journeys) == ("BG555VV", 4, 8)
    assert (commuter.plate, len(commuter.runs), commuter.journeys) == ("NS111CC", 1, 40)
    rate = 5 / 48  # the traffic's own: five runs in 48 journeys
    assert van.score == pytest.approx(-math.log10(tail(4, 8, rate)))
    assert commuter.score == pytest.approx(-math.log10(tail(1, 40, rate)))
    assert van.score > 2 > 0.1 > commuter.score
    first = van.runs[0]
    assert first.toward == POINT and first.km_from > first.km_to
    assert first.first_seen == local(MAY + timedelta(days=1), 22)
    assert first.returned_at == first.last_seen + timedelta(hours=2)


def test_by_day_without_return_or_away_from_the_border_is_no_run(
    store: Store, tmp_path: Path
) -> None:
    the_point(store, tmp_path)
    day = MAY + timedelta(days=2)
    load(store, tmp_path, [
        *there_and_back("BG600DD", local(day, 22), back=False),  # no return
        *there_and_back("BG600DD", local(day + timedelta(days=3), 22), back=False),
        *there_and_back("BG700EE", local(day, 12)),  # by day
        # South, away from the border, at night; back north in the morning.
        *leg("BG800FF", local(day, 23), [4, 3, 2, 1]),
        *leg("BG800FF", local(day + timedelta(days=1), 9), [1, 2, 3, 4]),
    ])  # fmt: skip
    assert find_shuttles(store, SYSTEM_SCOPE) == []
    # Night is a setting: from 10:00 to 14:00, the noon trip is a run.
    found = find_shuttles(store, SYSTEM_SCOPE, ShuttleParams(night_from_h=10, night_to_h=14))
    assert [(s.plate, len(s.runs)) for s in found] == [("BG700EE", 1)]


def test_night_is_local_time(store: Store, tmp_path: Path) -> None:
    the_point(store, tmp_path)
    # 18:30 UTC is 20:30 in Belgrade in May (a night run), 19:30 in January (not yet night)
    # and 19:30 in London in May.
    load(store, tmp_path, [*there_and_back("BG100AA", MAY + timedelta(hours=18.5), far=2),
                           *there_and_back("BG200BB", JANUARY + timedelta(hours=18.5), far=2)])  # fmt: skip
    assert [s.plate for s in find_shuttles(store, SYSTEM_SCOPE)] == ["BG100AA"]
    assert find_shuttles(store, SYSTEM_SCOPE, ShuttleParams(time_zone="UTC")) == []
    assert find_shuttles(store, SYSTEM_SCOPE, ShuttleParams(time_zone="Europe/London")) == []


def test_without_a_crossing_point_the_reader_may_see_there_is_no_run(
    store: Store, tmp_path: Path
) -> None:
    the_point(store, tmp_path, classification="SECRET")
    load(store, tmp_path, van_and_commuter())
    assert find_shuttles(store, ReadScope(Classification.OFFICIAL)) == []
    assert len(find_shuttles(store, SYSTEM_SCOPE)) == 2


def test_the_binomial_tail() -> None:
    assert binomial_tail_log10(0, 5, 0.3) == 0.0
    assert 10 ** binomial_tail_log10(1, 2, 0.5) == pytest.approx(0.75)
    assert 10 ** binomial_tail_log10(2, 2, 0.5) == pytest.approx(0.25)
    assert binomial_tail_log10(3, 3, 0.1) == pytest.approx(-3)
    assert binomial_tail_log10(4, 3, 0.1) == -math.inf
    assert binomial_tail_log10(2, 3, 1.0) == 0.0
    # Far in the tail, where adding probabilities would round to nothing.
    assert binomial_tail_log10(400, 400, 0.01) == pytest.approx(-800)


def test_settings_out_of_range_are_refused() -> None:
    for kw in ({"time_zone": "Mars/Olympus"}, {"night_from_h": 24}, {"night_from_h": 6},
               {"return_s": 0}, {"heading": 0.0}, {"gap_s": 1}):  # fmt: skip
        with pytest.raises(ValidationError):
            ShuttleParams(**kw)  # type: ignore[arg-type]


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(trips=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=6))
def test_runs_are_the_night_trips_with_a_return(
    tmp_path_factory: pytest.TempPathFactory, trips: list[tuple[bool, bool]]
) -> None:
    """Trips two days apart, by night (22:00) or by day (12:00), with a return or not: the runs
    are exactly the night trips with a return, and the score is never negative."""
    reads = [r for i, (night, back) in enumerate(trips)
             for r in there_and_back("BG555VV", local(MAY + timedelta(days=2 * i),
                                                       22 if night else 12), back=back)]  # fmt: skip
    reads += there_and_back("NS111CC", local(MAY, 9))
    tmp = tmp_path_factory.mktemp("runs")
    store = new_store()
    try:
        the_point(store, tmp)
        load(store, tmp, reads)
        found = find_shuttles(store, SYSTEM_SCOPE)
        expected = sum(1 for night, back in trips if night and back)
        assert [(s.plate, len(s.runs)) for s in found] == (
            [("BG555VV", expected)] if expected else []
        )
        assert all(s.score >= 0 for s in found)
    finally:
        store.close()


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(hidden=st.lists(st.booleans(), min_size=4, max_size=4))
def test_reads_above_clearance_count_for_nothing(
    tmp_path_factory: pytest.TempPathFactory, hidden: list[bool]
) -> None:
    """What a reader of OFFICIAL sees is exactly what the same analysis gives over only the
    reads they may see, loaded alone: each hidden night (its run and return) counts for
    nothing, in the van's runs or in the traffic's rate."""
    nights = [there_and_back("BG555VV", local(MAY + timedelta(days=2 * d), 22)) for d in range(4)]
    commuter = [r for d in range(8) for r in there_and_back("NS111CC", local(MAY + timedelta(days=d), 9))]  # fmt: skip
    low = ReadScope(Classification.OFFICIAL)
    tmp = tmp_path_factory.mktemp("clearance")
    everything, alone = new_store(), new_store()
    try:
        seen = commuter + [r for n, h in zip(nights, hidden, strict=True) if not h for r in n]
        secret = [r for n, h in zip(nights, hidden, strict=True) if h for r in n]
        for store in (everything, alone):
            the_point(store, tmp)
            load(store, tmp, seen, "seen.csv")
        if secret:
            load(everything, tmp, secret, "secret.csv", classification="SECRET")

        def shown(store: Store, scope: ReadScope) -> list[tuple[str, int, int, float]]:
            return [(s.plate, len(s.runs), s.journeys, round(s.score, 9))
                    for s in find_shuttles(store, scope)]  # fmt: skip

        assert shown(everything, low) == shown(alone, SYSTEM_SCOPE)
        assert shown(everything, SYSTEM_SCOPE)[0][:2] == ("BG555VV", 4)
    finally:
        everything.close()
        alone.close()


def test_cli_writes_plate_runs_score(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    db = workdir_store(work)
    the_point(db, tmp_path)
    load(db, tmp_path, van_and_commuter())
    db.close()
    out = tmp_path / "shuttles.csv"
    result = CliRunner().invoke(
        app, ["anpr", "shuttles", "--out", str(out), "--workdir", str(work)]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "plate,runs,score"
    rows = list(csv.DictReader(text.splitlines()))
    assert [(r["plate"], r["runs"]) for r in rows] == [("BG555VV", "4"), ("NS111CC", "1")]
    assert float(rows[0]["score"]) == pytest.approx(-math.log10(tail(4, 8, 5 / 48)), abs=1e-3)
    for bad in (["--tz", "Nowhere/Else"], ["--start", "soon"]):
        result = CliRunner().invoke(app, ["anpr", "shuttles", "--out", str(out),
                                          "--workdir", str(work), *bad])  # fmt: skip
        assert result.exit_code == 2 and bad[0] in result.output, result.output


def test_api_answers_in_the_callers_scope_and_logs_it(api: Api, tmp_path: Path) -> None:
    the_point(api.store, tmp_path)
    load(api.store, tmp_path, van_and_commuter())
    load(api.store, tmp_path,
         [r for d in (2, 4, 6) for r in there_and_back("BG700XX", local(MAY + timedelta(days=d), 23))],
         "secret.csv", classification="SECRET")  # fmt: skip
    high = api.get("/anpr/shuttles", "analyst").json()
    low = api.get("/anpr/shuttles", "analyst_low").json()
    assert [s["plate"] for s in high["shuttles"]] == ["BG555VV", "BG700XX", "NS111CC"]
    assert [s["plate"] for s in low["shuttles"]] == ["BG555VV", "NS111CC"] and low["total"] == 2
    van = low["shuttles"][0]
    assert (van["runs"], van["journeys"], len(van["run_list"])) == (4, 8, 4)
    assert van["run_list"][0]["toward"] == POINT and van["classification"] == "OFFICIAL"
    assert [s["plate"] for s in api.get("/anpr/shuttles?limit=1", "analyst").json()["shuttles"]
            ] == ["BG555VV"]  # fmt: skip
    assert api.get("/anpr/shuttles?tz=UTC", "analyst").status_code == 200
    for url in ("/anpr/shuttles?tz=Mars/Olympus", "/anpr/shuttles?limit=0",
                "/anpr/shuttles?start=2024-06-01T00:00:00Z&end=2024-05-01T00:00:00Z"):  # fmt: skip
        response = api.get(url, "analyst")
        assert response.status_code == 422, (url, response.text)
    assert api.get("/anpr/shuttles", None).status_code == 401
    flush(api.store)
    entries = [e for e in api.store.audit_entries() if e.target == "anpr/shuttles"]
    assert [e.user_name for e in entries[:2]] == ["analyst", "analyst_low"]
    assert "BG700XX" in str(entries[0].detail) and "BG700XX" not in str(entries[1].detail)
