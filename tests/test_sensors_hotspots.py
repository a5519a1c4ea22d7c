"""Hotspots: activity (sightings of people, detections, scans that found something) by H3 cell
and period, found on hand-made observations with a known answer: a cell with a burst is a
hotspot in its burst week, a cell as busy every week is not; people and events are counted by
kind, a scan without coordinates is placed at its crossing point; periods are weeks from Monday
or calendar months; events a reader may not see count for nothing. Whatever the activity, the
cells' counts add up to it and do not depend on its order (property). The CLI writes exactly
its columns or GeoJSON hexagons, the API answers JSON and GeoJSON in the caller's scope, logs
it, and refuses bad parameters with 422."""

from __future__ import annotations

import csv
import json
import math
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import h3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import SENSOR_DEFAULTS, Api, write_csv
from corridor.access.caller import Caller
from corridor.audit import flush
from corridor.cli import app
from corridor.commands.routes import HOTSPOT_COLUMNS
from corridor.errors import ValidationError
from corridor.ingest.service import ingest_path
from corridor.model.classification import Classification
from corridor.model.observations import ObservationKind
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.sensors.hotspots import (
    ActivityRow,
    check_params,
    discrete_fdr,
    find_hotspots,
    hotspots_from_rows,
    periods_between,
)
from corridor.store.base import Store
from stores import new_store, workdir_store

#: A Monday, and that night.
MONDAY = datetime(2024, 1, 1, tzinfo=UTC)
T0 = MONDAY + timedelta(hours=22)
#: Horgoš, on the Serbian–Hungarian border, and Batrovci, on the Serbian–Croatian one.
HORGOS = ("RS-HU-HORGOS", 46.1771, 19.9850, "RS–HU border, Horgoš sector")
BATROVCI = ("RS-HR-BATROVCI", 45.0477, 19.1085, "RS–HR border, Batrovci sector")
DETECTION_HEADER = ["detection_id", "detected_at", "lat", "lon", "border_section",
                    "crossing_point", "country", "direction", "people_count", "nationality",
                    "method", "plate", "phone"]  # fmt: skip


def stamp(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def near(point: tuple[str, float, float, str], north_km: float = 0.0,
         east_km: float = 0.0) -> tuple[float, float]:  # fmt: skip
    """A place this far north and east of a crossing point."""
    _, lat, lon, _ = point
    return (lat + north_km / 111.2,
            lon + east_km / (111.2 * math.cos(math.radians(lat))))  # fmt: skip


def detection(did: str, at: datetime, point: tuple[str, float, float, str] = HORGOS,
              people: int = 10, plate: str = "", phone: str = "", north_km: float = 0.0,
              named: bool = True) -> list[str]:  # fmt: skip
    lat, lon = near(point, north_km)
    return [did, stamp(at), f"{lat:.5f}", f"{lon:.5f}", point[3], point[0] if named else "",
            "RS", "exit", str(people), "AFG", "patrol", plate, phone]  # fmt: skip


def load_detections(store: Store, tmp_path: Path, rows: list[list[str]],
                    name: str = "detections.csv", **defaults: str) -> None:  # fmt: skip
    path = write_csv(tmp_path / name, DETECTION_HEADER, rows)
    ingest_path(store, Caller.operator(), path, kind="detections",
                defaults={**SENSOR_DEFAULTS, **defaults}, show_progress=False)  # fmt: skip


def sighting(sid: str, at: datetime, people: int, point: tuple[str, float, float, str] = HORGOS,
             north_km: float = 0.0, **extra: Any) -> dict[str, Any]:  # fmt: skip
    lat, lon = near(point, north_km)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"sighting_id": sid, "observed_at": stamp(at), "sensor_id": "DRN-1",
                           "sensor_type": "drone", "people_count": people, **extra}}  # fmt: skip


def load_sightings(store: Store, tmp_path: Path, features: list[dict[str, Any]],
                   name: str = "sightings.geojson", **defaults: str) -> None:  # fmt: skip
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    ingest_path(store, Caller.operator(), path, defaults={**SENSOR_DEFAULTS, **defaults},
                show_progress=False)  # fmt: skip


def scan(sid: str, at: datetime, plate: str, point: str, result: str = "people",
         coordinates: tuple[float, float] | None = None) -> dict[str, Any]:  # fmt: skip
    item: dict[str, Any] = {"scan_id": sid, "plate": plate, "crossing_point": point,
                            "scanned_at": stamp(at), "method": "xray", "result": result}  # fmt: skip
    if coordinates is not None:
        item["lat"], item["lon"] = coordinates
    return item


def load_scans(store: Store, tmp_path: Path, items: list[dict[str, Any]],
               name: str = "scans.json", **defaults: str) -> None:  # fmt: skip
    path = tmp_path / name
    path.write_text(json.dumps(items), "utf-8")
    ingest_path(store, Caller.operator(), path, defaults={**SENSOR_DEFAULTS, **defaults},
                show_progress=False)  # fmt: skip


def burst_world(week: int = 10, weeks: int = 20, extra: int = 8) -> list[list[str]]:
    """One detection a week at Horgoš, and `extra` more in one week; two a week at Batrovci."""
    rows = []
    for w in range(weeks):
        at = T0 + timedelta(weeks=w, hours=1)
        rows.append(detection(f"h-{w}", at))
        rows += [detection(f"b-{w}-{k}", at + timedelta(hours=k), BATROVCI) for k in range(2)]
        if w == week:
            rows += [detection(f"h-{w}-{k}", at + timedelta(hours=k + 1)) for k in range(extra)]
    return rows


def cell_of(point: tuple[str, float, float, str], resolution: int = 7) -> str:
    return str(h3.latlng_to_cell(point[1], point[2], resolution))


def test_a_burst_is_a_hotspot_and_a_flat_cell_is_not(store: Store, tmp_path: Path) -> None:
    load_detections(store, tmp_path, burst_world())
    found = find_hotspots(store, SYSTEM_SCOPE, MONDAY, MONDAY + timedelta(weeks=20))
    assert (found.start, found.end) == (T0.date(), (T0 + timedelta(weeks=20)).date())
    assert [(c.cell, c.period) for c in found.hotspots] == [
        (cell_of(HORGOS), (T0 + timedelta(weeks=10)).date())
    ]
    (hot,) = found.hotspots
    assert (hot.events, hot.people, hot.detections) == (9, 90, 9)
    assert hot.expected == pytest.approx(28 / 20)
    assert hot.p_value < 1e-5 and hot.q_value <= 0.05
    # Batrovci, twice every week, is never a hotspot; neither is Horgoš's usual week.
    flat = [c for c in found.cells if c.cell == cell_of(BATROVCI)]
    assert len(flat) == 20 and not any(c.hotspot for c in flat)
    assert all(c.events == 2 and c.p_value > 0.5 for c in flat)
    assert sum(c.events for c in found.cells) == 20 + 40 + 8
    assert len(hot.observation_ids) == 9


def test_without_a_burst_nothing_is_a_hotspot(store: Store, tmp_path: Path) -> None:
    load_detections(store, tmp_path, burst_world(extra=0))
    found = find_hotspots(store, SYSTEM_SCOPE)
    assert found.cells and found.hotspots == []


def test_a_busy_cell_in_quiet_ground_is_concentrated_and_an_even_spread_is_not(
    store: Store, tmp_path: Path
) -> None:
    # Five detections a week at Horgoš, on the spot; five a week around Batrovci, 3 km apart.
    rows = []
    for w in range(6):
        at = T0 + timedelta(weeks=w)
        rows += [detection(f"h-{w}-{k}", at + timedelta(hours=k)) for k in range(5)]
        rows += [detection(f"b-{w}-{k}", at + timedelta(hours=k), BATROVCI, north_km=3.0 * k)
                 for k in range(5)]  # fmt: skip
    load_detections(store, tmp_path, rows)
    found = find_hotspots(store, SYSTEM_SCOPE)
    assert found.hotspots == []  # as busy every week: no burst
    assert found.to_dict()["rings"] == 3
    dense = found.concentrated
    assert len(dense) == 6 and {c.cell for c in dense} == {cell_of(HORGOS)}
    assert all(c.around == 5 and c.p_concentrated == pytest.approx((1 / 37) ** 5) for c in dense)
    spread = [c for c in found.cells if c.cell != cell_of(HORGOS)]
    assert len(spread) == 30 and not any(c.concentrated for c in spread)
    assert all(c.events == 1 and c.p_concentrated > 0.05 for c in spread)


def test_people_and_kinds_are_counted_where_they_were_seen(store: Store, tmp_path: Path) -> None:
    at = T0 + timedelta(days=2)
    load_detections(store, tmp_path, [detection("d1", at, people=5)])
    load_sightings(store, tmp_path, [sighting("s1", at, 12), sighting("s0", at, 0)])
    # A scan without coordinates is placed where the records made at its crossing point put
    # it; a clear scan is no activity; a scan at a point nobody located is counted as unplaced.
    load_scans(store, tmp_path, [scan("x1", at, "BG100AA", HORGOS[0]),
                                 scan("x2", at, "BG200BB", HORGOS[0], result="clear"),
                                 scan("x3", at, "BG300CC", "NOWHERE", result="drugs")])  # fmt: skip
    found = find_hotspots(store, SYSTEM_SCOPE)
    (cell,) = found.cells
    assert cell.cell == cell_of(HORGOS)
    assert (cell.events, cell.people, cell.sightings, cell.detections, cell.scans) == (
        3, 17, 1, 1, 1)  # fmt: skip
    assert found.unplaced == 1
    assert cell.period == date(2024, 1, 1) and cell.period_end == date(2024, 1, 8)


def test_weeks_run_from_monday_and_months_are_calendar_months(store: Store, tmp_path: Path) -> None:
    # Wednesday 31 January and Thursday 1 February: one week, two months.
    load_detections(store, tmp_path, [
        detection("d1", datetime(2024, 1, 31, 12, tzinfo=UTC)),
        detection("d2", datetime(2024, 2, 1, 12, tzinfo=UTC))])  # fmt: skip
    weeks = find_hotspots(store, SYSTEM_SCOPE, period="week")
    assert [(c.period, c.period_end, c.events) for c in weeks.cells] == [
        (date(2024, 1, 29), date(2024, 2, 5), 2)
    ]
    months = find_hotspots(store, SYSTEM_SCOPE, period="month")
    assert [(c.period, c.period_end, c.events) for c in months.cells] == [
        (date(2024, 1, 1), date(2024, 2, 1), 1),
        (date(2024, 2, 1), date(2024, 3, 1), 1),
    ]
    coarse = find_hotspots(store, SYSTEM_SCOPE, resolution=4)
    assert {h3.get_resolution(c.cell) for c in coarse.cells} == {4}
    # Unless asked for, the range runs over the whole periods the activity falls in.
    assert (months.start, months.end) == (date(2024, 1, 1), date(2024, 3, 1))
    assert (weeks.start, weeks.end) == (date(2024, 1, 29), date(2024, 2, 5))
    asked = find_hotspots(store, SYSTEM_SCOPE, datetime(2024, 1, 30, tzinfo=UTC),
                          datetime(2024, 2, 3, tzinfo=UTC), period="month")  # fmt: skip
    assert (asked.start, asked.end) == (date(2024, 1, 30), date(2024, 2, 3))


def test_a_period_cut_short_by_the_range_counts_its_days_only() -> None:
    # Saturday 6 January to Wednesday 10 January: 2 days of one week, 3 of the next.
    first = (date(2024, 1, 6) - date(1970, 1, 1)).days
    spans = periods_between(float(first), float(first + 5), "week")
    assert spans == [(date(2024, 1, 1), 2.0), (date(2024, 1, 8), 3.0)]
    assert periods_between(float(first), float(first + 40), "month") == [
        (date(2024, 1, 1), 26.0),
        (date(2024, 2, 1), 14.0),
    ]
    with pytest.raises(ValidationError):
        periods_between(0.0, 365.0 * 200, "week")


def test_discrete_fdr_sets_aside_tests_that_could_never_pass() -> None:
    # Three tests could reach 0.05/3; a fourth (a cell seen once: least p 0.2) never can.
    rejected, q = discrete_fdr([0.001, 0.01, 0.9, 0.2], [1e-6, 1e-6, 1e-6, 0.2], 0.05)
    assert rejected == [True, True, False, False]
    assert q[3] == 1.0 and q[0] == pytest.approx(0.003) and q[1] == pytest.approx(0.015)
    # Where every test could pass, it is Benjamini–Hochberg itself.
    rejected, q = discrete_fdr([0.01, 0.04, 0.03], [0.0, 0.0, 0.0], 0.05)
    assert rejected == [True, True, True] and q == pytest.approx([0.03, 0.04, 0.04])
    # Quiet periods (p = 1) count as tests without being listed: nine of them make m ten.
    rejected, q = discrete_fdr([0.001], [1e-6], 0.05, [(1e-6, 9)])
    assert rejected == [True] and q == pytest.approx([0.01])
    assert discrete_fdr([0.001], [1e-6], 0.05, [(1e-6, 99)]) == ([False], [pytest.approx(0.1)])
    assert discrete_fdr([], [], 0.05) == ([], [])


@settings(max_examples=200, deadline=None)
@given(
    tests=st.lists(
        st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)), min_size=1, max_size=30
    ),
    quiet=st.integers(0, 20), fdr=st.floats(0.001, 0.5),
)  # fmt: skip
def test_a_q_value_is_never_below_its_p_value(
    tests: list[tuple[float, float]], quiet: int, fdr: float
) -> None:
    # The least p-value a test could reach is never above the one it reached.
    pvalues = [max(p, least) for p, least in tests]
    least = [least for _, least in tests]
    rejected, q = discrete_fdr(pvalues, least, fdr, [(1.0, quiet)])
    assert all(p <= value <= 1.0 for p, value in zip(pvalues, q, strict=True))
    assert rejected == [value <= fdr for value in q]


def test_settings_out_of_range_are_refused() -> None:
    for kw in ({"resolution": 16}, {"resolution": -1}, {"period": "year"}, {"fdr": 0.0},
               {"fdr": 1.0}):  # fmt: skip
        args: dict[str, Any] = {"resolution": 7, "period": "week", **kw}
        with pytest.raises(ValidationError):
            check_params(**args)


#: Activity rows anywhere in a box around the two points, on any day of two months.
ROWS = st.lists(
    st.tuples(
        st.sampled_from(list(ObservationKind)[1:]),  # sighting, scan, detection
        st.floats(45.0, 46.3), st.floats(19.0, 20.1),
        st.integers(19723, 19783),  # January and February 2024
        st.integers(1, 5), st.integers(0, 40),
    ),
    min_size=1, max_size=60,
)  # fmt: skip


def _rows(drawn: list[tuple[Any, ...]]) -> list[ActivityRow]:
    return [ActivityRow(kind, lat, lon, "", day, events, people, 10, (f"o{i}",))
            for i, (kind, lat, lon, day, events, people) in enumerate(drawn)]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(drawn=ROWS, seed=st.integers(0, 1000), period=st.sampled_from(["week", "month"]),
       resolution=st.integers(3, 9))  # fmt: skip
def test_cells_add_up_to_the_activity_whatever_its_order(
    drawn: list[tuple[Any, ...]], seed: int, period: str, resolution: int
) -> None:
    rows = _rows(drawn)
    found = hotspots_from_rows(rows, {}, None, None, period, resolution)
    assert sum(c.events for c in found.cells) == sum(r.events for r in rows)
    assert sum(c.people for c in found.cells) == sum(r.people for r in rows)
    assert sum(c.sightings + c.detections + c.scans for c in found.cells) == sum(
        r.events for r in rows
    )
    assert all(0 <= c.p_value <= c.q_value <= 1 for c in found.cells)
    assert all(c.hotspot == (c.q_value <= 0.05) for c in found.cells)
    assert all(0 <= c.p_concentrated <= c.q_concentrated <= 1 for c in found.cells)
    assert all(c.events <= c.around <= sum(r.events for r in rows) for c in found.cells)
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    again = hotspots_from_rows(shuffled, {}, None, None, period, resolution)
    assert again.to_dict() == found.to_dict()


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(hidden=st.lists(st.booleans(), min_size=12, max_size=12))
def test_events_above_clearance_count_for_nothing(
    tmp_path_factory: pytest.TempPathFactory, hidden: list[bool]
) -> None:
    """What a reader of OFFICIAL sees is exactly what the same analysis gives over only the
    detections they may see, loaded alone: a hidden one never makes or breaks a hotspot."""
    rows = [detection(f"w-{w}", T0 + timedelta(weeks=w)) for w in range(6)] + [
        detection(f"burst-{k}", T0 + timedelta(weeks=6, hours=k)) for k in range(6)
    ]
    low = ReadScope(Classification.OFFICIAL)
    tmp = tmp_path_factory.mktemp("clearance")
    everything, alone = new_store(), new_store()
    try:
        seen = [r for r, h in zip(rows, hidden, strict=True) if not h]
        secret = [r for r, h in zip(rows, hidden, strict=True) if h]
        if seen:
            load_detections(everything, tmp, seen, "seen.csv")
            load_detections(alone, tmp, seen, "seen.csv")
        if secret:
            load_detections(everything, tmp, secret, "secret.csv", classification="SECRET")
        assert (find_hotspots(everything, low).to_dict()
                == find_hotspots(alone, SYSTEM_SCOPE).to_dict())  # fmt: skip
        assert sum(c.events for c in find_hotspots(everything, SYSTEM_SCOPE).cells) == 12
    finally:
        everything.close()
        alone.close()


def test_cli_writes_the_documented_columns_and_geojson(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    db = workdir_store(work)
    load_detections(db, tmp_path, burst_world())
    db.close()
    out = tmp_path / "hotspots.csv"
    runner = CliRunner()
    result = runner.invoke(app, ["routes", "hotspots", "--out", str(out), "--workdir", str(work)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert (
            reader.fieldnames
            == HOTSPOT_COLUMNS
            == [
                "cell",
                "period",
                "period_end",
                "lat",
                "lon",
                "events",
                "people",
                "sightings",
                "detections",
                "scans",
                "expected",
                "p_value",
                "q_value",
                "hotspot",
                "around",
                "p_concentrated",
                "q_concentrated",
                "concentrated",
            ]
        )
        rows = list(reader)
    assert len(rows) == 40 and sum(int(r["events"]) for r in rows) == 68
    assert [(r["cell"], r["period"]) for r in rows if r["hotspot"] == "true"] == [
        (cell_of(HORGOS), "2024-03-11")
    ]
    geo = tmp_path / "hotspots.geojson"
    result = runner.invoke(app, ["routes", "hotspots", "--out", str(geo), "--workdir", str(work),
                                 "--period", "month", "--resolution", "6"])  # fmt: skip
    assert result.exit_code == 0, result.output
    collection = json.loads(geo.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert collection["properties"]["period"] == "month"
    for feature in collection["features"]:
        ring = feature["geometry"]["coordinates"][0]
        assert feature["geometry"]["type"] == "Polygon" and ring[0] == ring[-1]
        assert len(ring) == 7  # a hexagon, closed
        assert h3.get_resolution(feature["properties"]["cell"]) == 6
    for bad, option in ((["--out", str(tmp_path / "h.txt")], "--out"),
                        (["--out", str(out), "--period", "year"], "--period"),
                        (["--out", str(out), "--start", "yesterday"], "--start"),
                        (["--out", str(out), "--resolution", "16"], "--resolution"),
                        (["--out", str(out), "--start", "2024-05-01", "--end", "2024-04-01"],
                         "--end")):  # fmt: skip
        refused = runner.invoke(app, ["routes", "hotspots", *bad, "--workdir", str(work)])
        assert refused.exit_code == 2 and option in refused.output, (bad, refused.output)


def test_api_answers_json_and_geojson_in_the_callers_scope(api: Api, tmp_path: Path) -> None:
    load_detections(api.store, tmp_path, burst_world(extra=0))
    burst = [detection(f"s-{k}", T0 + timedelta(weeks=10, hours=k + 2)) for k in range(8)]
    load_detections(api.store, tmp_path, burst, "secret.csv", classification="SECRET")
    high = api.get("/routes/hotspots", "analyst").json()
    low = api.get("/routes/hotspots", "analyst_low").json()
    assert (high["events"], low["events"]) == (68, 60)
    assert [c["period"] for c in high["cells"] if c["hotspot"]] == ["2024-03-11"]
    assert [c for c in low["cells"] if c["hotspot"]] == []
    (hot,) = [c for c in high["cells"] if c["hotspot"]]
    assert hot["classification"] == "SECRET" and len(hot["observation_ids"]) == 9
    assert {c["classification"] for c in low["cells"]} == {"OFFICIAL"}
    geo = api.get("/routes/hotspots?format=geojson&period=month", "analyst_low")
    assert geo.status_code == 200
    assert geo.headers["content-type"].startswith("application/geo+json")
    assert geo.json()["type"] == "FeatureCollection"
    assert sum(f["properties"]["events"] for f in geo.json()["features"]) == 60
    for bad in (
        "period=year",
        "resolution=16",
        "fdr=0",
        "fdr=1",
        "format=kml",
        "start=2024-06-01T00:00:00Z&end=2024-05-01T00:00:00Z",
        "start=yesterday",
    ):
        assert api.get(f"/routes/hotspots?{bad}", "analyst").status_code == 422, bad
    # A naive time is UTC, far-off times are no error.
    assert api.get("/routes/hotspots?start=2024-03-11T00:00:00", "analyst").json()["events"] == 38
    assert api.get("/routes/hotspots?start=2000-01-01T00:00:00Z", "analyst").status_code == 200
    assert api.get("/routes/hotspots?start=0001-01-01T00:00:00Z&end=9999-12-31T00:00:00Z",
                   "analyst").status_code == 422  # fmt: skip
    assert api.get("/routes/hotspots", None).status_code == 401
    flush(api.store)
    entries = [e for e in api.store.audit_entries() if e.target == "routes/hotspots"]
    assert [e.user_name for e in entries][:2] == ["analyst", "analyst_low"]
    assert "observation_ids" in str(entries[0].detail)
