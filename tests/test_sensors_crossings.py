"""Crossings from sightings: drone, camera and thermal sightings gathered in space and time into
crossing events, found on hand-made sightings with a known answer (one group seen by three
sensors is one event of its largest count, at its crossing point, going the way its headings
point; two groups hours apart, or a failed attempt days earlier, are events of their own;
nobody seen is nothing, and one sensor's lone glimpse of one or two people is not enough);
detections near in space and time are linked and, through their plates, the vehicles the store
holds; sightings a reader may not see count for nothing. The CLI writes exactly its columns,
the API answers JSON and GeoJSON in the caller's scope and logs it."""

from __future__ import annotations

import csv
import itertools
import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import SENSOR_DEFAULTS, Api, write_csv
from corridor.access.caller import Caller
from corridor.api.schemas.crossings import CrossingCollection, Crossings
from corridor.audit import flush
from corridor.cli import app
from corridor.errors import ValidationError
from corridor.ingest.service import ingest_path
from corridor.model.classification import Classification
from corridor.model.observations import ObservationKind
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.sensors.crossings import (
    CrossingEvent,
    CrossingParams,
    circular_mean,
    country_axis,
    crossings_from_rows,
    find_crossings,
)
from corridor.sensors.places import CrossingPointSeen, haversine_km
from corridor.store.base import Store
from sharing_support import write_entities
from stores import new_store, workdir_store

T0 = datetime(2024, 5, 1, 22, 0, tzinfo=UTC)
#: Horgoš, on the Serbian–Hungarian border: people heading north leave Serbia for Hungary.
POINT = "RS-HU-HORGOS"
LAT, LON = 46.1771, 19.9850
SECTOR = "RS–HU border, Horgoš sector"
DETECTION_HEADER = ["detection_id", "detected_at", "lat", "lon", "border_section",
                    "crossing_point", "country", "direction", "people_count", "nationality",
                    "method", "plate", "phone"]  # fmt: skip


def near(north_km: float = 0.0, east_km: float = 0.0) -> tuple[float, float]:
    """A place this far north and east of the crossing point."""
    return (LAT + north_km / 111.2,
            LON + east_km / (111.2 * math.cos(math.radians(LAT))))  # fmt: skip


def stamp(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def sighting(sid: str, at: datetime, sensor: str, people: int, heading: float | None = 15.0,
             north_km: float = 0.0, east_km: float = 0.0, **extra: Any) -> dict[str, Any]:  # fmt: skip
    lat, lon = near(north_km, east_km)
    props = {"sighting_id": sid, "observed_at": stamp(at), "sensor_id": sensor,
             "sensor_type": {"DRN": "drone", "TRM": "thermal"}.get(sensor[:3], "camera"),
             "people_count": people, "confidence": 0.8, **extra}  # fmt: skip
    if heading is not None:
        props["heading_deg"] = heading
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props}  # fmt: skip


def load_sightings(store: Store, tmp_path: Path, features: list[dict[str, Any]],
                   name: str = "sightings.geojson", **defaults: str) -> None:  # fmt: skip
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    ingest_path(store, Caller.operator(), path, defaults={**SENSOR_DEFAULTS, **defaults},
                show_progress=False)  # fmt: skip


def detection(did: str, at: datetime, people: int = 10, plate: str = "", phone: str = "",
              direction: str = "exit", north_km: float = 0.5) -> list[str]:  # fmt: skip
    lat, lon = near(north_km)
    return [did, stamp(at), f"{lat:.5f}", f"{lon:.5f}", SECTOR, POINT, "RS", direction,
            str(people), "AFG", "patrol", plate, phone]  # fmt: skip


def load_detections(store: Store, tmp_path: Path, rows: list[list[str]],
                    name: str = "detections.csv", **defaults: str) -> None:  # fmt: skip
    path = write_csv(tmp_path / name, DETECTION_HEADER, rows)
    ingest_path(store, Caller.operator(), path, kind="detections",
                defaults={**SENSOR_DEFAULTS, **defaults}, show_progress=False)  # fmt: skip


def the_point(store: Store, tmp_path: Path) -> None:
    """Detections a month earlier, from which the crossing point and its sector are learnt."""
    earlier = T0 - timedelta(days=30)
    load_detections(store, tmp_path, [detection("d-old-1", earlier, north_km=-0.3),
                                      detection("d-old-2", earlier + timedelta(hours=1),
                                                north_km=0.3)], "point_detections.csv")  # fmt: skip


def sources(store: Store, event: CrossingEvent) -> list[str]:
    """The sightings' own ids (`sighting_id`) of an event, in time order."""
    rows = store.analyse_observations(ObservationKind.SIGHTING, "SELECT id, source_id FROM obs",
                                      [], SYSTEM_SCOPE)  # fmt: skip
    by_id = {r["id"]: r["source_id"] for r in rows}
    return [by_id[i] for i in event.sighting_ids]


def test_one_group_seen_by_three_sensors_is_one_crossing(store: Store, tmp_path: Path) -> None:
    # A drone, a thermal camera and a camera see the same group over 70 minutes, walking north
    # towards Hungary; under the trees the thermal camera counts fewer, the camera more.
    the_point(store, tmp_path)
    load_sightings(store, tmp_path, [
        sighting("s1", T0, "DRN-1", 12, 10.0, north_km=-2.5),
        sighting("s2", T0 + timedelta(minutes=35), "TRM-1", 9, 20.0, north_km=-1.0, east_km=1.5),
        sighting("s3", T0 + timedelta(minutes=70), "CAM-1", 14, 5.0, north_km=0.5),
    ])  # fmt: skip
    (event,) = find_crossings(store, SYSTEM_SCOPE)
    assert sources(store, event) == ["s1", "s2", "s3"]
    assert event.crossing_id == "crossing-000001"
    assert (event.first_seen, event.at, event.last_seen) == (
        T0, T0 + timedelta(minutes=35), T0 + timedelta(minutes=70))  # fmt: skip
    assert event.people == 14  # the largest count: each sensor misses some
    assert (event.crossing_point, event.sector) == (POINT, SECTOR)
    assert event.sensors == 3 and event.corroborated
    assert event.heading_deg is not None and abs(event.heading_deg - 11.7) < 0.5
    assert (event.from_country, event.to_country, event.direction_basis) == ("RS", "HU",
                                                                             "headings")  # fmt: skip
    assert haversine_km(event.lat, event.lon, LAT, LON) < 2.0
    assert event.classification == Classification.OFFICIAL
    assert event.gradings == [("RS-MUP", "3x5x2", "1AP")]


def test_a_group_walking_south_enters_serbia(store: Store, tmp_path: Path) -> None:
    the_point(store, tmp_path)
    load_sightings(store, tmp_path, [sighting("s1", T0, "DRN-1", 8, 190.0, north_km=1.0),
                                     sighting("s2", T0 + timedelta(minutes=20), "CAM-1", 7, 175.0)])  # fmt: skip
    (event,) = find_crossings(store, SYSTEM_SCOPE)
    assert (event.from_country, event.to_country) == ("HU", "RS")


def test_two_groups_hours_apart_and_a_failed_attempt_are_three_crossings(
    store: Store, tmp_path: Path
) -> None:
    the_point(store, tmp_path)
    failed = T0 - timedelta(days=3)
    later = T0 + timedelta(hours=5)
    load_sightings(store, tmp_path, [
        sighting("f1", failed, "DRN-2", 11),
        sighting("a1", T0, "DRN-1", 12),
        sighting("a2", T0 + timedelta(minutes=40), "TRM-1", 10, north_km=1.0),
        sighting("b1", later, "CAM-1", 25, east_km=1.0),
        sighting("b2", later + timedelta(minutes=30), "DRN-1", 23, north_km=1.5),
    ])  # fmt: skip
    found = find_crossings(store, SYSTEM_SCOPE)
    assert [sources(store, e) for e in found] == [["f1"], ["a1", "a2"], ["b1", "b2"]]
    assert [e.people for e in found] == [11, 12, 25]
    assert [e.crossing_point for e in found] == [POINT] * 3
    # A lone sighting of 11 people stands on its own; one sensor saw it.
    assert not found[0].corroborated and found[0].sensors == 1


def test_far_apart_at_the_same_moment_are_two_groups(store: Store, tmp_path: Path) -> None:
    # 30 km apart within ten minutes: nobody walks that.
    load_sightings(store, tmp_path, [sighting("a", T0, "DRN-1", 6),
                                     sighting("b", T0 + timedelta(minutes=10), "DRN-2", 6,
                                              north_km=-30)])  # fmt: skip
    found = find_crossings(store, SYSTEM_SCOPE)
    assert [sources(store, e) for e in found] == [["a"], ["b"]]
    # No detection or scan names a crossing point: none is given, and none is made up.
    assert [e.crossing_point for e in found] == ["", ""]


def test_nobody_seen_is_no_crossing_and_a_lone_glimpse_is_not_enough(
    store: Store, tmp_path: Path
) -> None:
    the_point(store, tmp_path)
    load_sightings(store, tmp_path, [
        sighting("zero", T0, "DRN-1", 0),  # nobody seen
        sighting("zero2", T0 + timedelta(minutes=5), "CAM-1", 0),
        sighting("two", T0 + timedelta(days=2), "TRM-1", 2),  # one sensor, two "people"
        sighting("one-a", T0 + timedelta(days=4), "TRM-1", 1),  # two sensors, one person
        sighting("one-b", T0 + timedelta(days=4, minutes=15), "CAM-2", 1, north_km=0.5),
        sighting("three", T0 + timedelta(days=6), "TRM-1", 3),  # three: a group
    ])  # fmt: skip
    found = find_crossings(store, SYSTEM_SCOPE)
    assert [sources(store, e) for e in found] == [["one-a", "one-b"], ["three"]]
    # Everything with somebody in it, when a lone glimpse is allowed to count.
    everything = find_crossings(store, SYSTEM_SCOPE, CrossingParams(min_alone=1))
    assert [sources(store, e) for e in everything] == [["two"], ["one-a", "one-b"], ["three"]]
    # A detection backs the lone glimpse: then it is a crossing.
    load_detections(store, tmp_path, [detection("d1", T0 + timedelta(days=2, hours=1), 2)])
    backed = find_crossings(store, SYSTEM_SCOPE)
    assert [sources(store, e) for e in backed] == [["two"], ["one-a", "one-b"], ["three"]]
    assert backed[0].corroborated and [d.id for d in backed[0].detections]


def test_a_detection_with_a_plate_is_linked_and_names_the_vehicle(
    store: Store, tmp_path: Path
) -> None:
    write_entities(store, [
        ("Person", "p-driver", {"name": "Van Driver", "phone": "+381641234567"}),
        ("Vehicle", "v-van", {"registrationNumber": "SU 123-AB", "operator": "p-driver"}),
    ], collected_at="2024-04-01T00:00:00Z")  # fmt: skip
    the_point(store, tmp_path)
    # No headings: the detection's record says which way they went.
    load_sightings(store, tmp_path, [
        sighting("s1", T0, "DRN-1", 9, None),
        sighting("s2", T0 + timedelta(minutes=30), "TRM-1", 8, None, phone="+381 64 123 4567"),
    ])  # fmt: skip
    load_detections(store, tmp_path, [
        detection("d-near", T0 + timedelta(hours=2), 11, plate="SU123AB"),  # held later on
        detection("d-days", T0 + timedelta(days=2), 4, plate="NS999ZZ"),  # another night
    ])  # fmt: skip
    (event,) = find_crossings(store, SYSTEM_SCOPE)
    (linked,) = event.detections
    assert linked.plate == "SU123AB" and linked.people == 11 and linked.direction == "exit"
    assert event.people == 11  # officers counted more than the sensors saw
    assert (event.from_country, event.to_country, event.direction_basis) == (
        "RS", "HU", "detections")  # fmt: skip
    assert [(m.kind, m.key, m.entity_ids) for m in event.matches] == [
        ("phone", "+381641234567", ("p-driver",)), ("vehicle", "SU123AB", ("v-van",))]  # fmt: skip
    assert event.entity_ids == ["p-driver", "v-van"]
    # Nothing is looked up when asked not to.
    (plain,) = find_crossings(store, SYSTEM_SCOPE, link_entities=False)
    assert plain.matches == [] and [d.id for d in plain.detections] == [linked.id]


def test_a_period_keeps_to_its_sightings(store: Store, tmp_path: Path) -> None:
    the_point(store, tmp_path)
    load_sightings(store, tmp_path, [sighting("a", T0, "DRN-1", 6),
                                     sighting("b", T0 + timedelta(days=3), "DRN-1", 7)])  # fmt: skip
    found = find_crossings(store, SYSTEM_SCOPE, start=T0 + timedelta(days=1))
    assert [sources(store, e) for e in found] == [["b"]]
    assert [sources(store, e) for e in find_crossings(store, SYSTEM_SCOPE,
                                                      end=T0 + timedelta(days=1))] == [["a"]]  # fmt: skip


def test_settings_out_of_range_are_refused() -> None:
    for kw in ({"max_gap_s": 0}, {"sighting_error_km": -1}, {"walk_kmh": 0},
               {"point_km": 0}, {"link_after_s": -1}, {"min_alone": 0}):  # fmt: skip
        with pytest.raises(ValidationError):
            CrossingParams(**kw)  # type: ignore[arg-type]


def test_headings_and_the_axis_between_countries() -> None:
    mean, agreement = circular_mean([350.0, 10.0])
    assert mean is not None and agreement is not None
    assert min(mean, 360 - mean) < 1e-6 and agreement == pytest.approx(math.cos(math.radians(10)))
    assert circular_mean([]) == (None, None)
    assert circular_mean([0.0, 180.0]) == (None, 0.0)
    axis = country_axis(LAT, LON, "RS")
    assert axis is not None and (axis.near, axis.far) == ("RS", "HU")
    assert min(axis.bearing, 360 - axis.bearing) < 30  # Hungary lies north of Horgoš


# --- properties --------------------------------------------------------------------------------

POINTS = [CrossingPointSeen(POINT, LAT, LON, 10, SECTOR),
          CrossingPointSeen("RS-HR-BATROVCI", 45.0477, 19.1085, 10, "RS–HR border")]  # fmt: skip


def row(i: int, minutes: int, where: int, north_km: float, people: int, sensor: int,
        heading: float | None) -> dict[str, Any]:  # fmt: skip
    point = POINTS[where]
    return {"id": f"s{i:03d}", "observed_at": T0 + timedelta(minutes=minutes),
            "lat": point.lat + north_km / 111.2, "lon": point.lon, "sensor_id": f"S{sensor}",
            "people_count": people, "heading_deg": heading, "plate": None, "phone": None,
            "classification": 10, "agency": "RS-MUP", "grading_scheme": "3x5x2",
            "grading": "1AP"}  # fmt: skip


SIGHTINGS = st.lists(
    st.tuples(
        st.integers(0, 4 * 24 * 60),
        st.integers(0, 1),
        st.floats(-8, 8),
        st.integers(0, 30),
        st.integers(0, 3),
        st.none() | st.floats(0, 359.9),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(SIGHTINGS, st.randoms(use_true_random=False))
def test_every_sighting_of_somebody_is_in_exactly_one_crossing_whatever_the_order(
    drawn: list[tuple[int, int, float, int, int, float | None]], rng: random.Random
) -> None:
    rows = [row(i, *d) for i, d in enumerate(drawn)]
    everything = CrossingParams(min_alone=1)
    found = crossings_from_rows(rows, points=POINTS, params=everything)
    ids = [s for e in found for s in e.sighting_ids]
    assert sorted(ids) == sorted(r["id"] for r in rows if r["people_count"] > 0)
    shuffled = rows[:]
    rng.shuffle(shuffled)
    again = crossings_from_rows(shuffled, points=POINTS, params=everything)
    assert [e.to_dict() for e in again] == [e.to_dict() for e in found]
    # Reported by default: what two sensors saw, or a lone sighting of three or more.
    default = crossings_from_rows(rows, points=POINTS)
    assert {tuple(e.sighting_ids) for e in default} <= {tuple(e.sighting_ids) for e in found}
    for e in found:
        kept = e.sensors >= 2 or e.people >= 3
        assert (tuple(e.sighting_ids) in {tuple(d.sighting_ids) for d in default}) == kept
        # Sightings in one event are never further apart than the gap allows, one to the next.
        times = sorted(r["observed_at"] for r in rows if r["id"] in e.sighting_ids)
        assert all(b - a <= timedelta(seconds=everything.max_gap_s)
                   for a, b in itertools.pairwise(times))  # fmt: skip
        assert e.people == max(r["people_count"] for r in rows if r["id"] in e.sighting_ids)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(hidden=st.lists(st.booleans(), min_size=5, max_size=5))
def test_sightings_above_clearance_count_for_nothing(
    tmp_path_factory: pytest.TempPathFactory, hidden: list[bool]
) -> None:
    """What a reader of OFFICIAL sees is exactly what the same analysis gives over only the
    sightings they may see, loaded alone: a hidden sighting never joins, splits, sizes or makes
    a crossing."""
    features = [
        sighting("a", T0, "DRN-1", 6),
        # b bridges a and c: 14 km in 100 minutes is too far for one group on foot, 7 km in 50
        # minutes is not.
        sighting("b", T0 + timedelta(minutes=50), "TRM-1", 14, north_km=7.0),
        sighting("c", T0 + timedelta(minutes=100), "CAM-1", 9, north_km=14.0),
        sighting("d", T0 + timedelta(hours=9), "DRN-2", 2),
        sighting("e", T0 + timedelta(hours=9, minutes=20), "CAM-2", 2, north_km=1.0),
    ]  # fmt: skip
    low = ReadScope(Classification.OFFICIAL)
    tmp = tmp_path_factory.mktemp("clearance")
    everything, alone = new_store(), new_store()
    try:
        seen = [f for f, h in zip(features, hidden, strict=True) if not h]
        secret = [f for f, h in zip(features, hidden, strict=True) if h]
        for store in (everything, alone):
            the_point(store, tmp)
        if seen:
            load_sightings(everything, tmp, seen, "seen.geojson")
            load_sightings(alone, tmp, seen, "seen.geojson")
        if secret:
            load_sightings(everything, tmp, secret, "secret.geojson", classification="SECRET")

        def shown(store: Store, scope: ReadScope) -> list[tuple[Any, ...]]:
            return [(e.first_seen, e.last_seen, e.people, e.sensors, e.crossing_point,
                     len(e.sighting_ids), e.classification)
                    for e in find_crossings(store, scope)]  # fmt: skip

        assert shown(everything, low) == shown(alone, SYSTEM_SCOPE)
        full = shown(everything, SYSTEM_SCOPE)
        assert [(f[2], f[5]) for f in full] == [(14, 3), (2, 2)]
    finally:
        everything.close()
        alone.close()


# --- command line and API ----------------------------------------------------------------------


def small_world(store: Store, tmp_path: Path) -> None:
    """Two crossings seen by OFFICIAL sensors and one by a SECRET one, at Horgoš."""
    the_point(store, tmp_path)
    load_sightings(store, tmp_path, [sighting("a1", T0, "DRN-1", 12),
                                     sighting("a2", T0 + timedelta(minutes=30), "CAM-1", 10),
                                     sighting("b1", T0 + timedelta(days=2), "TRM-1", 7)])  # fmt: skip
    load_sightings(store, tmp_path, [sighting("x1", T0 + timedelta(minutes=45), "DRN-9", 20),
                                     sighting("y1", T0 + timedelta(days=5), "DRN-9", 30)],
                   "secret.geojson", classification="SECRET")  # fmt: skip


def test_cli_writes_exactly_its_columns(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    db = workdir_store(work)
    try:
        small_world(db, tmp_path)
    finally:
        db.close()
    out = tmp_path / "crossings.csv"
    geo = tmp_path / "crossings.geojson"
    result = CliRunner().invoke(app, ["routes", "crossings", "--out", str(out), "--geojson",
                                      str(geo), "--workdir", str(work)])  # fmt: skip
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as f:
        lines = list(csv.reader(f))
    assert lines[0] == ["crossing_id", "at", "lat", "lon", "crossing_point", "people",
                        "sighting_ids"]  # fmt: skip
    rows = lines[1:]
    assert [(r[0], r[4], r[5], len(r[6].split(";"))) for r in rows] == [
        ("crossing-000001", POINT, "20", 3), ("crossing-000002", POINT, "7", 1),
        ("crossing-000003", POINT, "30", 1)]  # fmt: skip
    assert rows[0][1] == (T0 + timedelta(minutes=30)).isoformat()
    collection = json.loads(geo.read_text(encoding="utf-8"))
    CrossingCollection.model_validate(collection)
    assert [f["properties"]["crossing_id"] for f in collection["features"]] == [
        r[0] for r in rows]  # fmt: skip
    runner = CliRunner()
    bad = runner.invoke(app, ["routes", "crossings", "--out", str(out), "--workdir", str(work),
                              "--start", "last tuesday"])  # fmt: skip
    assert bad.exit_code == 2 and "--start" in bad.output and bad.exception is not None
    assert "Traceback" not in bad.output
    backwards = runner.invoke(app, ["routes", "crossings", "--out", str(out), "--workdir",
                                    str(work), "--start", "2024-06-01", "--end", "2024-05-01"])  # fmt: skip
    assert backwards.exit_code == 2 and "--end" in backwards.output
    period = runner.invoke(app, ["routes", "crossings", "--out", str(out), "--workdir", str(work),
                                 "--start", "2024-05-02", "--end", "2024-05-04"])  # fmt: skip
    assert period.exit_code == 0, period.output
    with out.open(encoding="utf-8") as f:
        assert [r["people"] for r in csv.DictReader(f)] == ["7"]


def test_api_answers_json_and_geojson_in_the_callers_scope_and_logs_it(
    api: Api, tmp_path: Path
) -> None:
    small_world(api.store, tmp_path)
    high = api.get("/routes/crossings", "analyst")
    assert high.status_code == 200
    Crossings.model_validate(high.json())
    assert [(c["people"], len(c["sighting_ids"]), c["classification"])
            for c in high.json()["crossings"]] == [(20, 3, "SECRET"), (7, 1, "OFFICIAL"),
                                                   (30, 1, "SECRET")]  # fmt: skip
    # Without clearance for the SECRET drone: its sightings neither count nor join anything.
    low = api.get("/routes/crossings", "analyst_low").json()
    assert [(c["people"], len(c["sighting_ids"]), c["classification"])
            for c in low["crossings"]] == [(12, 2, "OFFICIAL"), (7, 1, "OFFICIAL")]  # fmt: skip
    geo = api.get("/routes/crossings?format=geojson", "analyst_low")
    assert geo.status_code == 200
    assert geo.headers["content-type"].startswith("application/geo+json")
    collection = CrossingCollection.model_validate(geo.json())
    assert [f.properties.crossing_id for f in collection.features] == [
        c["crossing_id"] for c in low["crossings"]]  # fmt: skip
    first = geo.json()["features"][0]
    assert first["geometry"]["coordinates"] == [low["crossings"][0]["lon"],
                                                low["crossings"][0]["lat"]]  # fmt: skip
    assert api.get("/routes/crossings?format=kml", "analyst").status_code == 422
    assert api.get("/routes/crossings?start=2024-06-01T00:00:00Z&end=2024-05-01T00:00:00Z",
                   "analyst").status_code == 422  # fmt: skip
    # A time without an offset is UTC, beside one with it.
    mixed = api.get("/routes/crossings?start=2024-05-02T00:00:00&end=2024-05-04T00:00:00Z",
                    "analyst")  # fmt: skip
    assert mixed.status_code == 200 and [c["people"] for c in mixed.json()["crossings"]] == [7]
    assert api.get("/routes/crossings", None).status_code == 401
    assert api.get("/routes/crossings", "auditor").status_code == 403
    flush(api.store)
    entries = [e for e in api.store.audit_entries() if e.target == "routes/crossings"]
    assert [e.user_name for e in entries] == ["analyst", "analyst_low", "analyst_low", "analyst"]
    assert json.loads(entries[1].detail)["crossings"] == 2
