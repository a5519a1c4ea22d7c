"""Convoys from ANPR reads: vehicles passing the same cameras together, keeping their order and
about the same distance, found on hand-made journeys; chance company, too few cameras and
drifting strangers are not convoys; reads a reader may not see count for nothing. In the
network, vehicles in a convoy are linked (co-travel), and so are their drivers."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
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
from corridor.network.build import build_network
from corridor.network.graph import CO_TRAVEL
from corridor.network.service import timeline
from corridor.sensors.convoys import ConvoyParams, find_convoys
from corridor.store.base import Store
from sharing_support import write_entities
from stores import new_store, workdir_store

T0 = datetime(2024, 5, 1, 21, 0, tzinfo=UTC)
#: Cameras along one road, 20 minutes' drive apart.
CAMERAS = [f"RS-A1-K{k:03d}-N" for k in range(0, 200, 25)]


def journey(plate: str, start: datetime, cameras: list[str], step_s: float = 1200,
            drift_s: float = 0.0) -> list[tuple[str, datetime, str]]:  # fmt: skip
    """A vehicle's reads: camera after camera, `step_s` apart, later by `drift_s` at each."""
    return [(plate, start + timedelta(seconds=i * (step_s + drift_s)), cam)
            for i, cam in enumerate(cameras)]  # fmt: skip


def load(store: Store, tmp_path: Path, reads: list[tuple[str, datetime, str]],
         name: str = "anpr.csv", **defaults: str) -> None:  # fmt: skip
    rows = [
        [f"{name}-{i}", plate, "RS", at.isoformat().replace("+00:00", "Z"), camera, camera[:-2],
         "44.8", "20.4", "1", "N", "0.9"]
        for i, (plate, at, camera) in enumerate(reads)
    ]  # fmt: skip
    path = write_csv(tmp_path / name, ANPR_HEADER, rows)
    ingest_path(store, Caller.operator(), path, kind="anpr",
                defaults={**SENSOR_DEFAULTS, **defaults})  # fmt: skip


def plate_sets(store: Store, scope: ReadScope = SYSTEM_SCOPE, **kw: int) -> list[list[str]]:
    return [c.plates for c in find_convoys(store, scope, ConvoyParams(**kw))]


def test_a_scout_minutes_ahead_is_a_convoy(store: Store, tmp_path: Path) -> None:
    scout = journey("BG100AA", T0, CAMERAS[:5])
    van = journey("BG200BB", T0 + timedelta(minutes=3), CAMERAS[:5])
    load(store, tmp_path, scout + van)
    found = find_convoys(store, SYSTEM_SCOPE)
    assert [c.plates for c in found] == [["BG100AA", "BG200BB"]]
    convoy = found[0]
    assert convoy.cameras == 5
    assert [len(m.read_ids) for m in convoy.members] == [5, 5]
    assert convoy.first_seen == T0
    assert convoy.last_seen == T0 + timedelta(minutes=3, seconds=4 * 1200)


def test_two_cameras_together_are_chance(store: Store, tmp_path: Path) -> None:
    a = journey("BG100AA", T0, CAMERAS[:2])
    b = journey("BG200BB", T0 + timedelta(minutes=2), CAMERAS[:2])
    load(store, tmp_path, a + b)
    assert plate_sets(store) == []
    assert plate_sets(store, min_cameras=2) == [["BG100AA", "BG200BB"]]
    # Two cameras once, even with a rule for pairs seen again that asks for three each time.
    assert plate_sets(store, min_cameras=2, min_cameras_again=3) == [["BG100AA", "BG200BB"]]


def test_two_cameras_together_again_on_another_trip_are_a_convoy(
    store: Store, tmp_path: Path
) -> None:
    later = T0 + timedelta(days=5)
    reads = [*journey("BG100AA", T0, CAMERAS[:2]),
             *journey("BG200BB", T0 + timedelta(minutes=2), CAMERAS[:2]),
             *journey("BG100AA", later, CAMERAS[3:5]),
             *journey("BG200BB", later + timedelta(minutes=4), CAMERAS[3:5])]  # fmt: skip
    load(store, tmp_path, reads)
    assert plate_sets(store) == [["BG100AA", "BG200BB"], ["BG100AA", "BG200BB"]]
    assert plate_sets(store, min_cameras_again=3) == []
    assert plate_sets(store, min_cameras=4, min_cameras_again=3) == []


def test_a_misread_character_still_counts(store: Store, tmp_path: Path) -> None:
    # One camera reads the van's 0 as O and its 8 as B; the van is read right a dozen times
    # more on other days, so the odd plate is taken for a misread of it. Two plates read as
    # often as each other stay two vehicles, however alike.
    van = journey("BG208BB", T0 + timedelta(minutes=3), CAMERAS[:4])
    van[1] = ("BG2OBBB", van[1][1], van[1][2])
    other_days = [r for d in (3, 6, 9) for r in journey("BG208BB", T0 + timedelta(days=d),
                                                           CAMERAS[4:8])]  # fmt: skip
    load(store, tmp_path, [*journey("BG100AA", T0, CAMERAS[:4]), *van, *other_days])
    (convoy,) = find_convoys(store, SYSTEM_SCOPE)
    assert convoy.plates == ["BG100AA", "BG208BB"] and convoy.cameras == 4
    assert [len(m.read_ids) for m in convoy.members] == [4, 4]


def test_on_a_busy_road_three_cameras_together_are_not_enough(store: Store, tmp_path: Path) -> None:
    # Twenty cars a minute apart over three cameras: each has company within the window, and
    # as much (decoys) two windows apart, so three cameras say nothing there; a pair that kept
    # together over five cameras still stands out.
    busy = T0 + timedelta(days=1)
    strangers = [
        r
        for i in range(20)
        for r in journey(f"NS{i:03d}XY", busy + timedelta(minutes=i), CAMERAS[:3])
    ]
    convoy = [*journey("BG100AA", busy, CAMERAS[3:8]),
              *journey("BG200BB", busy + timedelta(minutes=2), CAMERAS[3:8])]  # fmt: skip
    load(store, tmp_path, strangers + convoy)
    assert plate_sets(store) == [["BG100AA", "BG200BB"]]
    # Counting every trip, whatever the decoys say, makes the strangers one big convoy.
    assert [len(p) for p in plate_sets(store, max_false=1.0)] == [2, 20]


def test_strangers_drifting_apart_are_not_a_convoy(store: Store, tmp_path: Path) -> None:
    # The second vehicle is a minute slower between each pair of cameras: within the window at
    # every camera, but its distance behind grows by four minutes over the trip.
    a = journey("BG100AA", T0, CAMERAS[:5])
    b = journey("BG200BB", T0 + timedelta(minutes=1), CAMERAS[:5], drift_s=60)
    load(store, tmp_path, a + b)
    assert plate_sets(store) == []
    assert plate_sets(store, max_drift_s=300) == [["BG100AA", "BG200BB"]]


def test_overtaking_back_and_forth_is_not_a_convoy(store: Store, tmp_path: Path) -> None:
    a = journey("BG100AA", T0, CAMERAS[:6])
    b = [(p, at + timedelta(seconds=30 if i % 2 else -30), cam)
         for i, (p, at, cam) in enumerate(journey("BG200BB", T0, CAMERAS[:6]))]  # fmt: skip
    load(store, tmp_path, a + b)
    assert plate_sets(store) == []


def test_three_together_are_one_convoy_and_trips_apart_are_two(
    store: Store, tmp_path: Path
) -> None:
    night = [*journey("BG100AA", T0, CAMERAS[:4]),
             *journey("BG200BB", T0 + timedelta(minutes=2), CAMERAS[:4]),
             *journey("BG300CC", T0 + timedelta(minutes=4), CAMERAS[:4])]  # fmt: skip
    later = T0 + timedelta(days=3)
    again = [*journey("BG100AA", later, CAMERAS[2:6]),
             *journey("BG300CC", later + timedelta(minutes=5), CAMERAS[2:6])]  # fmt: skip
    load(store, tmp_path, night + again)
    found = find_convoys(store, SYSTEM_SCOPE)
    assert [c.plates for c in found] == [["BG100AA", "BG200BB", "BG300CC"],
                                         ["BG100AA", "BG300CC"]]  # fmt: skip
    assert [c.convoy_id for c in found] == ["convoy-000001", "convoy-000002"]
    assert found[1].first_seen == later


def test_convoys_among_some_vehicles_read_only_theirs(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, [*journey("BG100AA", T0, CAMERAS[:4]),
                           *journey("BG200BB", T0 + timedelta(minutes=2), CAMERAS[:4]),
                           *journey("BG300CC", T0 + timedelta(minutes=4), CAMERAS[:4])])  # fmt: skip
    assert [c.plates for c in find_convoys(store, SYSTEM_SCOPE, plates=["bg 100-aa", "BG300CC"])
            ] == [["BG100AA", "BG300CC"]]  # fmt: skip
    assert find_convoys(store, SYSTEM_SCOPE, plates=["BG100AA"]) == []
    assert len(find_convoys(store, SYSTEM_SCOPE)[0].plates) == 3


def test_a_period_keeps_to_its_reads(store: Store, tmp_path: Path) -> None:
    a = journey("BG100AA", T0, CAMERAS[:4])
    b = journey("BG200BB", T0 + timedelta(minutes=2), CAMERAS[:4])
    load(store, tmp_path, a + b)
    assert find_convoys(store, SYSTEM_SCOPE, start=T0 + timedelta(days=1)) == []
    assert len(find_convoys(store, SYSTEM_SCOPE, end=T0 + timedelta(days=1))) == 1


def test_settings_out_of_range_are_refused() -> None:
    for kw in ({"window_s": 0}, {"min_cameras": 1}, {"trip_gap_s": 10, "window_s": 60},
               {"max_drift_s": 5000}, {"min_same_order": 0.2}):  # fmt: skip
        with pytest.raises(ValidationError):
            ConvoyParams(**kw)  # type: ignore[arg-type]


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    hidden=st.lists(st.booleans(), min_size=8, max_size=8),
    gap=st.integers(min_value=30, max_value=400),
)
def test_reads_above_clearance_count_for_nothing(
    tmp_path_factory: pytest.TempPathFactory, hidden: list[bool], gap: int
) -> None:
    """What a reader of OFFICIAL sees is exactly what the same analysis gives over only the
    reads they may see, loaded alone: a hidden read never makes or breaks a convoy."""
    reads = [*journey("BG100AA", T0, CAMERAS[:4]),
             *journey("BG200BB", T0 + timedelta(seconds=gap), CAMERAS[:4])]  # fmt: skip
    low = ReadScope(Classification.OFFICIAL)
    tmp = tmp_path_factory.mktemp("clearance")
    everything, alone = new_store(), new_store()
    try:
        seen = [r for r, h in zip(reads, hidden, strict=True) if not h]
        secret = [r for r, h in zip(reads, hidden, strict=True) if h]
        load(everything, tmp, seen, "seen.csv")
        if secret:
            load(everything, tmp, secret, "secret.csv", classification="SECRET")
        if seen:
            load(alone, tmp, seen, "seen.csv")
        assert plate_sets(everything, low) == plate_sets(alone, SYSTEM_SCOPE)
        assert plate_sets(everything, SYSTEM_SCOPE) == [["BG100AA", "BG200BB"]]
    finally:
        everything.close()
        alone.close()


def test_cli_writes_one_row_per_vehicle(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    db = workdir_store(work)
    load(db, tmp_path, [*journey("BG100AA", T0, CAMERAS[:4]),
                        *journey("BG200BB", T0 + timedelta(minutes=2), CAMERAS[:4])])  # fmt: skip
    db.close()
    out = tmp_path / "convoys.csv"
    result = CliRunner().invoke(app, ["anpr", "convoys", "--out", str(out), "--workdir", str(work)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["convoy_id"], r["plate"], r["reads"]) for r in rows] == [
        ("convoy-000001", "BG100AA", "4"), ("convoy-000001", "BG200BB", "4")]  # fmt: skip
    bad = CliRunner().invoke(app, ["anpr", "convoys", "--out", str(out), "--workdir", str(work),
                                   "--start", "yesterday"])  # fmt: skip
    assert bad.exit_code == 2 and "--start" in bad.output


def test_api_answers_in_the_callers_scope_and_logs_it(api: Api, tmp_path: Path) -> None:
    load(api.store, tmp_path, [*journey("BG100AA", T0, CAMERAS[:4]),
                               *journey("BG200BB", T0 + timedelta(minutes=2), CAMERAS[:4])])  # fmt: skip
    load(api.store, tmp_path, [*journey("BG700XX", T0, CAMERAS[4:8]),
                               *journey("BG800YY", T0 + timedelta(minutes=2), CAMERAS[4:8])],
         "secret.csv", classification="SECRET")  # fmt: skip
    high = api.get("/anpr/convoys", "analyst").json()
    low = api.get("/anpr/convoys", "analyst_low").json()
    assert [c["members"][0]["plate"] for c in high["convoys"]] == ["BG100AA", "BG700XX"]
    assert [c["members"][0]["plate"] for c in low["convoys"]] == ["BG100AA"]
    assert low["convoys"][0]["classification"] == "OFFICIAL"
    assert api.get("/anpr/convoys?min_cameras=1", "analyst").status_code == 422
    assert api.get("/anpr/convoys?start=2024-06-01T00:00:00Z&end=2024-05-01T00:00:00Z",
                   "analyst").status_code == 422  # fmt: skip
    assert api.get("/anpr/convoys", None).status_code == 401
    flush(api.store)
    entries = [e for e in api.store.audit_entries() if e.target == "anpr/convoys"]
    assert [e.user_name for e in entries] == ["analyst", "analyst_low"]
    assert "BG700XX" not in str(entries[-1].detail)


def convoy_world(store: Store, tmp_path: Path) -> None:
    """Two drivers, each operating a van the cameras saw travelling together (the second
    van's reads SECRET), and a third van alone."""
    write_entities(store, [
        ("Person", "p-scout", {"name": "Scout Driver"}),
        ("Person", "p-van", {"name": "Van Driver"}),
        # Typed with letters O where the plate has zeros: the cameras' reads still find it.
        ("Vehicle", "v-scout", {"registrationNumber": "BG 1OO-AA", "operator": "p-scout"}),
        ("Vehicle", "v-van", {"registrationNumber": "BG 200-BB", "operator": "p-van"}),
        ("Vehicle", "v-alone", {"registrationNumber": "BG 300-CC", "operator": "p-van"}),
    ], collected_at="2024-04-01T00:00:00Z")  # fmt: skip
    load(store, tmp_path, journey("BG100AA", T0, CAMERAS[:4]), "scout.csv")
    load(store, tmp_path, journey("BG200BB", T0 + timedelta(minutes=2), CAMERAS[:4]),
         "van.csv", classification="SECRET")  # fmt: skip
    load(store, tmp_path, journey("BG300CC", T0 + timedelta(days=2), CAMERAS[:4]), "alone.csv")


def test_vehicles_in_a_convoy_are_linked_and_so_are_their_drivers(
    store: Store, tmp_path: Path
) -> None:
    convoy_world(store, tmp_path)
    network = build_network(store, SYSTEM_SCOPE)
    (link,) = [k for k in network.links if k.kind == CO_TRAVEL]
    assert (link.a, link.b) == ("v-scout", "v-van")
    (item,) = link.evidence
    assert item.dated and item.at == T0 and len(item.statement_ids) == 8
    assert item.classification == Classification.SECRET
    people = network.people()
    (joined,) = [k for k in people.links if k.kind == CO_TRAVEL]
    assert (joined.a, joined.b) == ("p-scout", "p-van") and 0 < joined.weight <= link.weight
    # Before the journey, or for a reader who may not see the van's reads, there is no link.
    assert not [k for k in build_network(store, SYSTEM_SCOPE, date(2024, 4, 30)).links
                if k.kind == CO_TRAVEL]  # fmt: skip
    low = build_network(store, ReadScope(Classification.OFFICIAL))
    assert not [k for k in low.links if k.kind == CO_TRAVEL]
    assert not [k for k in low.people().links if k.kind == CO_TRAVEL]


def test_a_vehicles_timeline_shows_its_convoy(store: Store, tmp_path: Path) -> None:
    convoy_world(store, tmp_path)
    events = timeline(store, Caller.operator(), "v-scout")["events"]
    (seen,) = [e for e in events if e["kind"] == CO_TRAVEL]
    assert seen["other"] == "v-van" and seen["at"] == T0.isoformat()
    assert seen["classification"] == "SECRET"
