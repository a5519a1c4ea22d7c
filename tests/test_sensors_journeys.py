"""Journeys and cloned plates from ANPR reads: a plate's reads cut into journeys at long gaps and
where it turned back, with the right distances and speeds; a plate read too far apart for the
time between is a clone, a fast but possible drive is not, and one misread of a look-alike is
not; reads a reader may not see count for nothing; the CLI and the API answer in the caller's
scope and are logged."""

from __future__ import annotations

import csv
import json
import math
import random
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
from corridor.model.observations import ObservationKind
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.sensors.journeys import (
    MAX_KMH,
    JourneyParams,
    find_clones,
    find_journeys,
)
from corridor.sensors.places import haversine_km
from corridor.store.base import Store
from stores import new_store, workdir_store

T0 = datetime(2024, 5, 1, 20, 0, tzinfo=UTC)
#: Camera sites up a road due north, 0.25° of latitude (27.8 km) apart.
LON = 20.4
SITES = [44.0 + 0.25 * k for k in range(12)]


#: A read: (plate, time, site index, carriageway N or S, confidence).
Read = tuple[str, datetime, int, str, float]


def camera(site: int, way: str) -> str:
    return f"RS-A1-S{site:02d}-{way}"


def drive(plate: str, start: datetime, sites: list[int], minutes: float = 20,
          way: str = "N", confidence: float = 0.9) -> list[Read]:  # fmt: skip
    """A vehicle passing these sites in order, `minutes` apart."""
    return [(plate, start + timedelta(minutes=i * minutes), s, way, confidence)
            for i, s in enumerate(sites)]  # fmt: skip


def load(store: Store, tmp_path: Path, reads: list[Read], name: str = "anpr.csv",
         lat: dict[int, float] | None = None, **defaults: str) -> None:  # fmt: skip
    rows = [
        [f"{name}-{i}", plate, "RS", at.isoformat().replace("+00:00", "Z"), camera(site, way),
         f"RS-A1-S{site:02d}", f"{(lat or {}).get(site, SITES[site]):.5f}", f"{LON:.5f}", "1",
         way, f"{confidence:.2f}"]
        for i, (plate, at, site, way, confidence) in enumerate(reads)
    ]  # fmt: skip
    path = write_csv(tmp_path / name, ANPR_HEADER, rows)
    ingest_path(store, Caller.operator(), path, kind="anpr",
                defaults={**SENSOR_DEFAULTS, **defaults}, show_progress=False)  # fmt: skip


def read_ids(store: Store) -> dict[str, str]:
    """Each read's id in the feed → its observation id (what the answers name)."""
    rows = store.analyse_observations(ObservationKind.ANPR, "SELECT id, source_id FROM obs", [],
                                      SYSTEM_SCOPE)  # fmt: skip
    return {r["source_id"]: r["id"] for r in rows}


def km(a: int, b: int) -> float:
    return haversine_km(SITES[a], LON, SITES[b], LON)


def shape(store: Store, plate: str, scope: ReadScope = SYSTEM_SCOPE) -> list[list[tuple]]:
    """A plate's journeys as (read as, camera, km, kmh) per step, rounded."""
    found = find_journeys(store, scope, plate)
    return [[(s.plate_read, s.camera, None if s.km is None else round(s.km, 3),
              None if s.kmh is None else round(s.kmh, 3)) for s in j.steps]
            for j in found.journeys]  # fmt: skip


# --- Journeys ----------------------------------------------------------------------------------


def test_journeys_are_cut_at_long_gaps_with_their_speeds(store: Store, tmp_path: Path) -> None:
    there = drive("BG100AA", T0, [0, 1, 2, 3])
    # A stop of 1 h 35 min: the same journey; the next day, another.
    later = drive("BG100AA", T0 + timedelta(hours=2, minutes=35), [4, 5])
    next_day = drive("BG100AA", T0 + timedelta(days=1), [6, 7], minutes=15)
    load(store, tmp_path, there + later + next_day)
    found = find_journeys(store, SYSTEM_SCOPE, "bg 100-aa")
    assert found.plate == found.vehicle == "BG100AA"
    assert [len(j.steps) for j in found.journeys] == [6, 2]
    first, second = found.journeys
    assert [s.km is None for s in first.steps] == [True] + [False] * 5
    assert first.steps[1].km == pytest.approx(27.8, abs=0.1)
    assert first.steps[1].seconds == 1200
    assert first.steps[1].kmh == pytest.approx(km(0, 1) * 3, rel=1e-9)  # 20 minutes
    # Across the 1 h 35 min stop: one site further, at 27.8 km in 95 minutes.
    assert first.steps[4].kmh == pytest.approx(km(3, 4) / (95 / 60), rel=1e-9)
    assert second.steps[1].kmh == pytest.approx(km(6, 7) * 4, rel=1e-9)  # 15 minutes
    assert first.km == pytest.approx(km(0, 5), rel=1e-9)
    assert (first.first_seen, first.last_seen) == (T0, T0 + timedelta(hours=2, minutes=55))
    # A shorter gap cuts the stop too.
    assert len(find_journeys(store, SYSTEM_SCOPE, "BG100AA", JourneyParams(gap_s=3600)
                             ).journeys) == 3  # fmt: skip


def test_turning_back_begins_a_journey(store: Store, tmp_path: Path) -> None:
    there = drive("BG100AA", T0, [0, 1, 2])
    back = drive("BG100AA", T0 + timedelta(minutes=70), [2, 1, 0], way="S")
    load(store, tmp_path, there + back)
    assert [[step[1] for step in j] for j in shape(store, "BG100AA")] == [
        [camera(0, "N"), camera(1, "N"), camera(2, "N")],
        [camera(2, "S"), camera(1, "S"), camera(0, "S")],
    ]


def test_a_misread_is_a_step_of_its_vehicle(store: Store, tmp_path: Path) -> None:
    # The camera at site 1 read the van's 0 as O; the van is read right a dozen times more.
    van = drive("BG100AA", T0, [0, 1, 2])
    van[1] = ("BG1O0AA", van[1][1], 1, "N", 0.6)
    others = [r for d in range(1, 5) for r in drive("BG100AA", T0 + timedelta(days=d), [3, 4, 5])]
    load(store, tmp_path, van + others)
    journeys = shape(store, "BG100AA")
    assert journeys[0][1][0] == "BG1O0AA" and len(journeys) == 5
    asked = find_journeys(store, SYSTEM_SCOPE, "BG1O0AA")
    assert (asked.plate, asked.vehicle) == ("BG1O0AA", "BG100AA")
    assert len(asked.journeys) == 5


def test_no_reads_no_journeys_and_a_non_plate_is_refused(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, drive("BG100AA", T0, [0, 1]))
    assert find_journeys(store, SYSTEM_SCOPE, "NS999ZZ").journeys == []
    with pytest.raises(ValidationError) as err:
        find_journeys(store, SYSTEM_SCOPE, " -- ")
    assert err.value.field == "plate"


def test_settings_out_of_range_are_refused() -> None:
    for kw in ({"gap_s": 10}, {"gap_s": 30 * 86400}, {"max_kmh": 10.0}, {"clock_slack_s": -1}):
        with pytest.raises(ValidationError):
            JourneyParams(**kw)  # type: ignore[arg-type]


# --- Clones ------------------------------------------------------------------------------------


def test_a_plate_read_300_km_apart_20_minutes_later_is_a_clone(
    store: Store, tmp_path: Path
) -> None:
    far = {11: SITES[0] + 300 / 111.2}  # site 11, put 300 km north of site 0
    load(store, tmp_path, [*drive("BG100AA", T0, [0, 1]),
                           ("BG100AA", T0 + timedelta(minutes=40), 11, "N", 0.9)], lat=far)  # fmt: skip
    (clone,) = find_clones(store, SYSTEM_SCOPE)
    assert clone.plate == "BG100AA" and clone.score == 1.0
    (pair,) = clone.pairs
    assert (pair.first_camera, pair.second_camera) == (camera(1, "N"), camera(11, "N"))
    assert pair.km == pytest.approx(300 - 27.8, abs=0.5)
    assert pair.hours == pytest.approx(1 / 3) and pair.kmh == pytest.approx(pair.km * 3)
    assert not pair.doubtful


def test_a_fast_but_possible_drive_is_not_a_clone(store: Store, tmp_path: Path) -> None:
    # 4 sites (111 km) in 30 minutes: 222 km/h on the great circle, under the bound once the
    # cameras' clocks are allowed for; 10 minutes would not be.
    load(store, tmp_path, [*drive("BG100AA", T0, [0, 4], minutes=30),
                           *drive("BG200BB", T0, [0, 4], minutes=10)])  # fmt: skip
    assert 200 < km(0, 4) * 2 < MAX_KMH
    assert [c.plate for c in find_clones(store, SYSTEM_SCOPE)] == ["BG200BB"]
    assert find_clones(store, SYSTEM_SCOPE, JourneyParams(max_kmh=1000)) == []


def test_one_misread_of_a_look_alike_is_not_a_clone(store: Store, tmp_path: Path) -> None:
    # Two vans with look-alike plates (0 and O), each read often on its own stretch; one
    # camera, unsure, read the southern van's plate as the northern van's.
    north = [r for d in range(6) for r in drive("BG100AA", T0 + timedelta(days=d), [9, 10, 11])]
    south = [r for d in range(6) for r in drive("BG1OOAA", T0 + timedelta(days=d), [0, 1, 2])]
    south[1] = ("BG100AA", south[1][1], 1, "N", 0.55)  # 20 minutes after a read up north
    load(store, tmp_path, north + south)
    assert find_clones(store, SYSTEM_SCOPE) == []
    # Ten such pairs are no longer a misread: a camera seldom repeats one.
    many = new_store()
    try:
        again = [r for d in range(10) for r in drive("BG1OOAA", T0 + timedelta(days=d),
                                                      [0, 1, 2])]  # fmt: skip
        for d in range(10):
            again[3 * d + 1] = ("BG100AA", again[3 * d + 1][1], 1, "N", 0.55)
        north10 = [r for d in range(10) for r in drive("BG100AA", T0 + timedelta(days=d),
                                                       [9, 10, 11])]  # fmt: skip
        load(many, tmp_path, north10 + again, "many.csv")
        (clone,) = find_clones(many, SYSTEM_SCOPE)
        assert clone.plate == "BG100AA" and all(p.doubtful for p in clone.pairs)
        assert clone.score == pytest.approx(len(clone.pairs) / 10) and clone.score >= 1
    finally:
        many.close()


def test_a_sure_read_of_the_same_plate_is_not_taken_for_a_misread(
    store: Store, tmp_path: Path
) -> None:
    # As above, but the camera was as sure of the odd read as of any: nothing explains it.
    north = [r for d in range(6) for r in drive("BG100AA", T0 + timedelta(days=d), [9, 10, 11])]
    south = [r for d in range(6) for r in drive("BG1OOAA", T0 + timedelta(days=d), [0, 1, 2])]
    south[1] = ("BG100AA", south[1][1], 1, "N", 0.99)
    load(store, tmp_path, north + south)
    (clone,) = find_clones(store, SYSTEM_SCOPE)
    # Two impossible steps: up north to the odd read, and back.
    assert clone.plate == "BG100AA" and clone.score == 2.0
    assert not any(p.doubtful for p in clone.pairs)


def test_a_clones_own_misreads_make_no_look_alike(store: Store, tmp_path: Path) -> None:
    # The cloned plate is misread once elsewhere (its 0 as O): that spelling is a misread of
    # it, not another vehicle, so the clone's unsure reads still count in full.
    far = {11: SITES[0] + 300 / 111.2}
    days = [r for d in range(1, 7) for r in drive("BG100AA", T0 + timedelta(days=d), [3, 4])]
    clone = [*drive("BG100AA", T0, [0, 1], confidence=0.85),
             ("BG100AA", T0 + timedelta(minutes=40), 11, "N", 0.85)]  # fmt: skip
    load(store, tmp_path, [*days, *clone, ("BG1O0AA", T0 + timedelta(days=9), 5, "N", 0.5)],
         lat=far)  # fmt: skip
    (found,) = find_clones(store, SYSTEM_SCOPE)
    assert found.plate == "BG100AA" and found.score == 1.0


# --- Properties --------------------------------------------------------------------------------


def _random_reads(seed: int, plates: list[str], n: int) -> list[Read]:
    rng = random.Random(seed)
    minutes = rng.sample(range(3 * 24 * 60), n)  # no two reads at once: the order is the time's
    return [(rng.choice(plates), T0 + timedelta(minutes=m), rng.randrange(len(SITES)),
             rng.choice("NS"), 0.9) for m in minutes]  # fmt: skip


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(seed=st.integers(0, 10_000), n=st.integers(2, 25))
def test_journeys_keep_to_their_plate_and_never_go_backwards(
    tmp_path_factory: pytest.TempPathFactory, seed: int, n: int
) -> None:
    """Whatever the reads: speeds are never negative, the reads come in time order, shuffling
    the input changes nothing, and another plate's reads never change a plate's journeys."""
    tmp = tmp_path_factory.mktemp("journeys")
    mine = _random_reads(seed, ["BG100AA"], n)
    others = _random_reads(seed + 1, ["NS200BB", "KG300CC"], n)
    shuffled = list(mine)
    random.Random(seed).shuffle(shuffled)
    alone, mixed, again = new_store(), new_store(), new_store()
    try:
        load(alone, tmp, mine)
        load(mixed, tmp, others + mine, "mixed.csv")
        load(again, tmp, shuffled, "shuffled.csv")
        journeys = shape(alone, "BG100AA")
        assert journeys == shape(mixed, "BG100AA") == shape(again, "BG100AA")
        steps = find_journeys(alone, SYSTEM_SCOPE, "BG100AA").journeys
        times = [s.at for j in steps for s in j.steps]
        assert times == sorted(times) and len(times) == n
        assert all(s.kmh is None or s.kmh >= 0 for j in steps for s in j.steps)
        assert all(s.km is None or s.km >= 0 for j in steps for s in j.steps)
        assert [c.plate for c in find_clones(alone, SYSTEM_SCOPE)] == [
            c.plate for c in find_clones(mixed, SYSTEM_SCOPE) if c.plate == "BG100AA"]  # fmt: skip
    finally:
        alone.close()
        mixed.close()
        again.close()


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(hidden=st.lists(st.booleans(), min_size=5, max_size=5))
def test_reads_above_clearance_count_for_nothing(
    tmp_path_factory: pytest.TempPathFactory, hidden: list[bool]
) -> None:
    """What a reader of OFFICIAL sees of journeys and clones is exactly what the same analyses
    give over only the reads they may see, loaded alone."""
    far = {11: SITES[0] + 300 / 111.2}
    reads = [*drive("BG100AA", T0, [0, 1, 2]), ("BG100AA", T0 + timedelta(minutes=50), 11, "N",
                                                 0.9), ("BG100AA", T0 + timedelta(hours=5), 10,
                                                        "S", 0.9)]  # fmt: skip
    low = ReadScope(Classification.OFFICIAL)
    tmp = tmp_path_factory.mktemp("clearance")
    everything, alone = new_store(), new_store()
    try:
        seen = [r for r, h in zip(reads, hidden, strict=True) if not h]
        secret = [r for r, h in zip(reads, hidden, strict=True) if h]
        if seen:
            load(everything, tmp, seen, "seen.csv", lat=far)
            load(alone, tmp, seen, "seen.csv", lat=far)
        if secret:
            load(everything, tmp, secret, "secret.csv", lat=far, classification="SECRET")
        assert shape(everything, "BG100AA", low) == shape(alone, "BG100AA")
        assert [(c.plate, c.score, [p.second_read for p in c.pairs])
                for c in find_clones(everything, low)] == [
            (c.plate, c.score, [p.second_read for p in c.pairs])
            for c in find_clones(alone, SYSTEM_SCOPE)]  # fmt: skip
        assert len(find_clones(everything, SYSTEM_SCOPE)) == 1
    finally:
        everything.close()
        alone.close()


# --- CLI and API -------------------------------------------------------------------------------


def _workdir(tmp_path: Path, reads: list[Read], **kw: dict[int, float]) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    db = workdir_store(work)
    load(db, tmp_path, reads, **kw)  # type: ignore[arg-type]
    db.close()
    return work


def _ids(work: Path) -> dict[str, str]:
    db = workdir_store(work)
    try:
        return read_ids(db)
    finally:
        db.close()


def test_cli_journeys_and_clones(tmp_path: Path) -> None:
    far = {11: SITES[0] + 300 / 111.2}
    work = _workdir(tmp_path, [*drive("BG100AA", T0, [0, 1]),
                               ("BG100AA", T0 + timedelta(minutes=40), 11, "N", 0.9),
                               *drive("BG200BB", T0, [3, 4, 5])], lat=far)  # fmt: skip
    steps = tmp_path / "steps.csv"
    result = CliRunner().invoke(app, ["anpr", "journeys", "BG 200-BB", "--workdir", str(work),
                                      "--out", str(steps)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "BG200BB" in result.output
    with steps.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ids = _ids(work)
    assert [r["read_id"] for r in rows] == [ids[f"anpr.csv-{i}"] for i in (3, 4, 5)]
    assert rows[0]["km"] == "" and float(rows[1]["kmh"]) == pytest.approx(km(3, 4) * 3, abs=0.1)
    out = tmp_path / "clones.csv"
    result = CliRunner().invoke(app, ["anpr", "clones", "--out", str(out), "--workdir", str(work)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as f:
        header = f.readline().strip()
        rows = list(csv.DictReader(f, fieldnames=header.split(",")))
    assert header == "plate,first_read,second_read,first_at,second_at,km,hours,kmh,score"
    assert [(r["plate"], r["first_read"], r["second_read"], r["score"]) for r in rows] == [
        ("BG100AA", ids["anpr.csv-1"], ids["anpr.csv-2"], "1.000")]  # fmt: skip
    assert math.isclose(float(rows[0]["kmh"]), float(rows[0]["km"]) * 3, rel_tol=1e-3)
    for bad in (["anpr", "clones", "--out", str(out), "--max-kmh", "5"],
                ["anpr", "journeys", "BG100AA", "--gap", "1"],
                ["anpr", "journeys", "BG100AA", "--start", "yesterday"]):  # fmt: skip
        result = CliRunner().invoke(app, [*bad, "--workdir", str(work)])
        assert result.exit_code == 2, result.output
    result = CliRunner().invoke(app, ["anpr", "journeys", " - ", "--workdir", str(work)])
    assert isinstance(result.exception, ValidationError) and result.exception.field == "plate"


def test_api_answers_in_the_callers_scope_and_logs_it(api: Api, tmp_path: Path) -> None:
    far = {11: SITES[0] + 300 / 111.2}
    load(api.store, tmp_path, [*drive("BG100AA", T0, [0, 1]),
                               ("BG100AA", T0 + timedelta(minutes=40), 11, "N", 0.9)], lat=far)  # fmt: skip
    load(api.store, tmp_path, [*drive("BG700XX", T0, [0, 1]),
                               ("BG700XX", T0 + timedelta(minutes=40), 11, "N", 0.9)],
         "secret.csv", lat=far, classification="SECRET")  # fmt: skip
    high = api.get("/anpr/clones", "analyst").json()
    low = api.get("/anpr/clones", "analyst_low").json()
    assert [c["plate"] for c in high["clones"]] == ["BG100AA", "BG700XX"] and high["total"] == 2
    assert [c["plate"] for c in low["clones"]] == ["BG100AA"]
    assert low["clones"][0]["pairs"][0]["second_read"] == read_ids(api.store)["anpr.csv-2"]
    assert [c["plate"] for c in api.get("/anpr/clones?limit=1", "analyst").json()["clones"]] == [
        "BG100AA"]  # fmt: skip
    journeys = api.get("/anpr/journeys/bg 700-xx", "analyst").json()
    assert journeys["vehicle"] == "BG700XX" and journeys["reads"] == 3
    assert journeys["journeys"][0]["steps"][0]["km"] is None
    assert journeys["journeys"][0]["classification"] == "SECRET"
    assert api.get("/anpr/journeys/BG700XX", "analyst_low").json()["journeys"] == []
    for url in ("/anpr/journeys/BG100AA?gap=5", "/anpr/clones?max_kmh=1", "/anpr/clones?limit=0",
                "/anpr/journeys/%20-%20", "/anpr/clones?start=2024-06-01T00:00:00Z"
                "&end=2024-05-01T00:00:00Z"):  # fmt: skip
        response = api.get(url, "analyst")
        assert response.status_code == 422, (url, response.text)
    assert api.get("/anpr/clones", None).status_code == 401
    flush(api.store)
    entries = [e for e in api.store.audit_entries() if e.target == "anpr/clones"]
    assert [e.user_name for e in entries[:2]] == ["analyst", "analyst_low"]
    assert "BG700XX" not in str(entries[1].detail)
    (seen,) = [e for e in api.store.audit_entries() if e.target == "anpr/journeys/BG700XX"
               and e.user_name == "analyst"]  # fmt: skip
    assert json.loads(seen.detail)["reads"] == 3
