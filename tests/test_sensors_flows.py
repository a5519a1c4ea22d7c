"""Flows between crossing points, the route graph's volumes, and displacement, on hand-made
observations with a known answer: a plate seen at one point and then at another within the
window is one movement (seen twice at one point, or too late, it is none); a phone counts as a
plate does; a road camera near a point is not at it, one whose site is the point is; there and
back is two movements, a plate and a phone on the same two records one. Activity is summed by
point and sector. Enforcement at a point followed by a rise at its neighbour is displacement; a
rise everywhere, or at a point too far away, is not. Records a reader may not see count for
nothing; flows do not depend on the order of the input (property). The CLI writes exactly its
columns, the API answers in the caller's scope, logs it, and refuses bad parameters."""

from __future__ import annotations

import csv
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import ANPR_HEADER, SENSOR_DEFAULTS, Api, write_csv
from corridor.access.caller import Caller
from corridor.audit import flush
from corridor.cli import app
from corridor.commands.routes import DISPLACEMENT_COLUMNS, FLOW_COLUMNS, NODE_COLUMNS
from corridor.errors import ValidationError
from corridor.ingest.service import ingest_path
from corridor.model.classification import Classification
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.sensors.flows import (
    Episode,
    Keyed,
    check_displacement,
    check_params,
    find_displacement,
    find_flows,
    movements_of,
    share_rise_p,
)
from corridor.store.base import Store
from stores import workdir_store
from test_sensors_hotspots import (
    BATROVCI,
    HORGOS,
    detection,
    load_detections,
    load_scans,
    load_sightings,
    near,
    scan,
    sighting,
    stamp,
)

T0 = datetime(2024, 1, 1, 22, 0, tzinfo=UTC)
#: Kanjiža, 13 km from Horgoš on the same border: its neighbour. Batrovci is 140 km away.
KANJIZA = ("RS-HU-KANJIZA", 46.0643, 20.0481, "RS–HU border, Kanjiža sector")
A, B, C = HORGOS[0], KANJIZA[0], BATROVCI[0]


def the_points(store: Store, tmp_path: Path, **defaults: str) -> None:
    """One detection at each point, the day before: the points and their sectors."""
    day = T0 - timedelta(days=1)
    load_detections(store, tmp_path, [detection(f"p-{p[0]}", day, p, people=1)
                                      for p in (HORGOS, KANJIZA, BATROVCI)],
                    "points.csv", **defaults)  # fmt: skip


def load_reads(store: Store, tmp_path: Path, reads: list[tuple[str, datetime, str, float, float]],
               name: str = "anpr.csv") -> None:  # fmt: skip
    rows = [[f"{name}-{i}", plate, "RS", stamp(at), f"{site}-N", site, f"{lat:.5f}",
             f"{lon:.5f}", "1", "N", "0.9"] for i, (plate, at, site, lat, lon) in enumerate(reads)]  # fmt: skip
    ingest_path(store, Caller.operator(), write_csv(tmp_path / name, ANPR_HEADER, rows),
                kind="anpr", defaults=SENSOR_DEFAULTS, show_progress=False)  # fmt: skip


def edges(store: Store, scope: ReadScope = SYSTEM_SCOPE, **kw: int) -> list[tuple[str, str, int]]:
    return [(e.source, e.target, e.movements) for e in find_flows(store, scope, **kw).edges]


def test_a_plate_seen_at_one_point_then_another_is_one_flow(store: Store, tmp_path: Path) -> None:
    the_points(store, tmp_path)
    load_scans(store, tmp_path, [
        scan("x1", T0 + timedelta(days=1), "BG 100-AA", A, result="clear"),
        scan("x2", T0 + timedelta(days=1), "BG 200-BB", A, result="clear"),
        scan("x3", T0 + timedelta(days=2), "BG 200-BB", A, result="clear"),
        scan("x4", T0 + timedelta(days=1), "BG 300-CC", A, result="clear"),
        scan("x5", T0 + timedelta(days=41), "BG 300-CC", B, result="clear")])  # fmt: skip
    load_detections(store, tmp_path, [
        detection("d1", T0 + timedelta(days=3), KANJIZA, people=12, plate="BG 100-AA")],
        "moved.csv")  # fmt: skip
    found = find_flows(store, SYSTEM_SCOPE)
    (edge,) = found.edges
    assert (edge.source, edge.target, edge.movements, edge.people) == (A, B, 1, 12)
    assert (edge.first, edge.last) == (T0 + timedelta(days=1), T0 + timedelta(days=3))
    assert edge.keys == ["plate:BG100AA"]
    (move,) = found.movements
    assert len(move.observation_ids) == 2
    # Forty days apart is two journeys at the default window, one within sixty days.
    assert edges(store, within_days=60) == [(A, B, 2)]
    (sector_edge,) = found.sector_edges
    assert (sector_edge.source, sector_edge.target) == (HORGOS[3], KANJIZA[3])


def test_a_phone_moves_as_a_plate_does_and_a_road_camera_is_at_its_site_only(
    store: Store, tmp_path: Path
) -> None:
    the_points(store, tmp_path)
    phone = "+381641234567"
    load_detections(store, tmp_path, [detection("d1", T0, phone=phone)], "phone.csv")
    # Seen by a drone 2 km from Kanjiža (the sighting names no place): at Kanjiža.
    load_sightings(store, tmp_path, [sighting("s1", T0 + timedelta(days=2), 9, KANJIZA,
                                              north_km=2.0, phone=phone)])  # fmt: skip
    lat, lon = near(HORGOS, north_km=1.0)
    load_reads(store, tmp_path, [
        # A motorway camera a km from Horgoš reads a van later scanned at Kanjiža: no flow.
        ("NS111AA", T0 + timedelta(days=1), "RS-A1-K600", lat, lon),
        # A camera whose site is the crossing point itself is at it.
        ("NS222BB", T0 + timedelta(days=5), B, KANJIZA[1], KANJIZA[2])])  # fmt: skip
    load_scans(store, tmp_path, [
        scan("x1", T0 + timedelta(days=1, hours=2), "NS 111-AA", B, result="clear"),
        scan("x2", T0 + timedelta(days=4), "NS 222-BB", A, result="clear")])  # fmt: skip
    found = find_flows(store, SYSTEM_SCOPE)
    assert [(m.keys, m.from_point, m.to_point, m.people) for m in found.movements] == [
        ((f"phone:{phone}",), A, B, 10),
        (("plate:NS222BB",), A, B, 0)]  # fmt: skip


def test_there_and_back_is_two_movements_and_two_keys_on_one_record_one(
    store: Store, tmp_path: Path
) -> None:
    the_points(store, tmp_path)
    phone = "+381641234567"
    load_detections(store, tmp_path, [
        detection("d1", T0, plate="BG 100-AA", phone=phone),
        detection("d2", T0 + timedelta(days=2), KANJIZA, plate="BG 100-AA", phone=phone),
        detection("d3", T0 + timedelta(days=4), plate="BG 100-AA")], "trips.csv")  # fmt: skip
    found = find_flows(store, SYSTEM_SCOPE)
    assert [(m.keys, m.from_point, m.to_point) for m in found.movements] == [
        ((f"phone:{phone}", "plate:BG100AA"), A, B),
        (("plate:BG100AA",), B, A),
    ]
    assert sorted((e.source, e.target, e.movements) for e in found.edges) == [
        (A, B, 1), (B, A, 1)]  # fmt: skip
    assert found.keys == [f"phone:{phone}", "plate:BG100AA"]


def test_volumes_by_point_and_sector(store: Store, tmp_path: Path) -> None:
    the_points(store, tmp_path)
    load_detections(store, tmp_path, [detection("d1", T0, people=5),
                                      detection("d2", T0, people=5, north_km=1.0)], "a.csv")  # fmt: skip
    load_sightings(store, tmp_path, [sighting("s1", T0, 8, north_km=-2.0),
                                     sighting("s2", T0, 30, north_km=-100.0)])  # fmt: skip
    found = find_flows(store, SYSTEM_SCOPE)
    by_point = {p.name: (p.events, p.people) for p in found.points}
    assert by_point == {A: (4, 19), B: (1, 1), C: (1, 1)}
    assert found.elsewhere == 1
    assert found.points[0].name == A and found.points[0].sector == HORGOS[3]
    assert {s.name: (s.points, s.events) for s in found.sectors} == {
        HORGOS[3]: ([A], 4),
        KANJIZA[3]: ([B], 1),
        BATROVCI[3]: ([C], 1),
    }


def test_records_above_clearance_count_for_nothing(store: Store, tmp_path: Path) -> None:
    the_points(store, tmp_path)
    load_scans(store, tmp_path, [scan("x1", T0, "BG 100-AA", A, result="clear")])
    load_detections(store, tmp_path, [
        detection("d1", T0 + timedelta(days=1), KANJIZA, plate="BG 100-AA")], "secret.csv",
        classification="SECRET")  # fmt: skip
    assert edges(store) == [(A, B, 1)]
    low = find_flows(store, ReadScope(Classification.OFFICIAL))
    assert low.edges == [] and low.movements == []
    assert {p.name: p.events for p in low.points} == {A: 1, B: 1, C: 1}
    # A point only a SECRET record names is not shown to the reader either.
    load_detections(store, tmp_path, [detection("d9", T0, ("RS-HU-KELEBIJA", 46.16, 19.60,
                                                            "RS–HU border, Kelebija sector"))],
                    "kelebija.csv", classification="SECRET")  # fmt: skip
    names = {p.name for p in find_flows(store, ReadScope(Classification.OFFICIAL)).points}
    assert names == {A, B, C}


KEYED = st.lists(
    st.tuples(st.sampled_from(["plate:P1", "plate:P2", "phone:+1"]), st.integers(0, 90 * 24),
              st.sampled_from([A, B, C]), st.integers(0, 20)),
    max_size=40,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(drawn=KEYED, within=st.integers(1, 60), seed=st.integers(0, 10_000))
def test_flows_do_not_depend_on_the_order_of_the_input(
    drawn: list[tuple[str, int, str, int]], within: int, seed: int
) -> None:
    seen = [Keyed(key, T0 + timedelta(hours=h), point, people, 10, f"o{i % 7}-{point}-{h}")
            for i, (key, h, point, people) in enumerate(drawn)]  # fmt: skip
    moves = movements_of(seen, within)
    shuffled = list(seen)
    random.Random(seed).shuffle(shuffled)
    assert movements_of(shuffled, within) == moves
    for m in moves:
        assert m.from_point != m.to_point
        assert timedelta(0) <= m.arrived - m.departed <= timedelta(days=within)
    # A key moves at most once between consecutive observations of it.
    for key in {k for k, *_ in drawn}:
        mine = [m for m in moves if key in m.keys]
        assert len(mine) <= max(0, sum(1 for k, *_ in drawn if k == key) - 1)


def test_enforcement_followed_by_a_rise_at_the_neighbour_is_displacement(
    store: Store, tmp_path: Path
) -> None:
    displaced = activity(store, tmp_path, after={A: 2, B: 6, C: 1})
    (episode,) = displaced
    assert (episode.point, episode.first_week, episode.last_week) == (
        A,
        (T0 + timedelta(weeks=10)).date(),
        (T0 + timedelta(weeks=10)).date(),
    )
    assert episode.enforcement == 15 and episode.neighbours == [B]
    assert episode.before == (8, 4) and episode.after == (8, 24)
    assert episode.shift == pytest.approx(24 / 32 - 4 / 12)
    assert episode.p_value is not None and episode.p_value < 0.01 and episode.displaced
    # With a wider neighbourhood, Batrovci is a neighbour too.
    (wide,) = find_displacement(store, SYSTEM_SCOPE, neighbour_km=200)
    assert wide.neighbours == [C, B]  # by id


def test_a_rise_everywhere_is_not_displacement(store: Store, tmp_path: Path) -> None:
    (episode,) = activity(store, tmp_path, after={A: 6, B: 3, C: 3})
    assert episode.after == (24, 12) and episode.shift == pytest.approx(0.0)
    assert not episode.displaced


def test_a_rise_too_far_away_is_not_displacement(store: Store, tmp_path: Path) -> None:
    (episode,) = activity(store, tmp_path, after={A: 2, B: 1, C: 6})
    assert episode.neighbours == [B] and not episode.displaced


def test_enforcement_a_reader_may_not_see_is_no_episode(store: Store, tmp_path: Path) -> None:
    activity(store, tmp_path, after={A: 2, B: 6, C: 1}, classification="SECRET")
    assert len(find_displacement(store, SYSTEM_SCOPE)) == 1
    assert find_displacement(store, ReadScope(Classification.OFFICIAL)) == []


def activity(store: Store, tmp_path: Path, after: dict[str, int],
             classification: str = "OFFICIAL") -> list[Episode]:  # fmt: skip
    """Twenty weeks of sightings near each point (two a week at Horgoš, one at Kanjiža and at
    Batrovci), fifteen detections at Horgoš in week 10 (enforcement), and from week 11 on
    `after` sightings a week at each point."""
    the_points(store, tmp_path)
    points = {A: HORGOS, B: KANJIZA, C: BATROVCI}
    usual = {A: 2, B: 1, C: 1}
    features = []
    for w in range(20):
        if w == 10:
            continue
        for p, point in points.items():
            for k in range((after if w > 10 else usual)[p]):
                at = T0 + timedelta(weeks=w, days=2, hours=k)
                features.append(sighting(f"s-{p}-{w}-{k}", at, 5, point, north_km=1.0))
    load_sightings(store, tmp_path, features)
    load_detections(store, tmp_path, [detection(f"e-{k}", T0 + timedelta(weeks=10, hours=k))
                                      for k in range(15)], "enforcement.csv",
                    classification=classification)  # fmt: skip
    return find_displacement(store, SYSTEM_SCOPE)


def test_share_test_and_settings() -> None:
    assert share_rise_p(24, 32, 4, 12) < 0.01
    assert share_rise_p(4, 12, 24, 32) > 0.9
    assert share_rise_p(0, 5, 0, 5) == 1.0 and share_rise_p(5, 5, 5, 5) == 1.0
    for bad in ({"within_days": 0}, {"within_days": 367}, {"at_point_km": 0.0}):
        with pytest.raises(ValidationError):
            check_params(**bad)  # type: ignore[arg-type]
    for args in ((0, 50.0, 0.05), (4, 0.0, 0.05), (4, 501.0, 0.05), (4, 50.0, 1.0)):
        with pytest.raises(ValidationError):
            check_displacement(*args)


def test_cli_writes_the_documented_columns(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    db = workdir_store(work)
    activity(db, tmp_path, after={A: 2, B: 6, C: 1})
    load_scans(db, tmp_path, [scan("x1", T0, "BG 100-AA", A, result="clear"),
                              scan("x2", T0 + timedelta(days=1), "BG 100-AA", B,
                                   result="clear")])  # fmt: skip
    db.close()
    runner = CliRunner()
    out, nodes = tmp_path / "flows.csv", tmp_path / "nodes.csv"
    result = runner.invoke(app, ["routes", "flows", "--out", str(out), "--nodes", str(nodes),
                                 "--workdir", str(work)])  # fmt: skip
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert (
            reader.fieldnames
            == FLOW_COLUMNS
            == ["from_point", "to_point", "movements", "people", "first", "last"]
        )
        assert [(r["from_point"], r["to_point"], r["movements"]) for r in reader] == [(A, B, "1")]
    with nodes.open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == NODE_COLUMNS
        assert {r["point"] for r in reader} == {A, B, C}
    shifted = tmp_path / "displacement.csv"
    result = runner.invoke(app, ["routes", "displacement", "--out", str(shifted),
                                 "--workdir", str(work)])  # fmt: skip
    assert result.exit_code == 0, result.output
    with shifted.open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == DISPLACEMENT_COLUMNS
        (row,) = list(reader)
    assert (row["point"], row["neighbours"], row["displaced"]) == (A, B, "true")
    for args, option in ((["flows", "--out", str(out), "--within", "0"], "--within"),
                         (["flows", "--out", str(out), "--start", "soon"], "--start"),
                         (["displacement", "--out", str(out), "--window-weeks", "0"],
                          "--window-weeks")):  # fmt: skip
        refused = runner.invoke(app, ["routes", *args, "--workdir", str(work)])
        assert refused.exit_code == 2 and option in refused.output, refused.output


def test_api_answers_in_the_callers_scope_and_logs_it(api: Api, tmp_path: Path) -> None:
    the_points(api.store, tmp_path)
    load_scans(api.store, tmp_path, [scan("x1", T0, "BG 100-AA", A, result="clear"),
                                     scan("x2", T0, "BG 700-XX", A, result="clear")])  # fmt: skip
    load_detections(
        api.store,
        tmp_path,
        [detection("d1", T0 + timedelta(days=1), KANJIZA, plate="BG 100-AA")],
        "seen.csv",
    )
    load_detections(api.store, tmp_path, [
        detection("d2", T0 + timedelta(days=1), KANJIZA, plate="BG 700-XX")], "secret.csv",
        classification="SECRET")  # fmt: skip
    high = api.get("/routes/flows", "analyst").json()
    low = api.get("/routes/flows", "analyst_low").json()
    assert [(e["from_point"], e["to_point"], e["movements"]) for e in high["edges"]] == [(A, B, 2)]
    assert high["edges"][0]["keys"] == ["plate:BG100AA", "plate:BG700XX"]
    assert high["edges"][0]["classification"] == "SECRET"
    assert [(e["movements"], e["keys"]) for e in low["edges"]] == [(1, ["plate:BG100AA"])]
    assert [s["from_sector"] for s in low["sector_edges"]] == [HORGOS[3]]
    assert {p["point"] for p in low["points"]} == {A, B, C}
    shifted = api.get("/routes/displacement", "analyst").json()
    assert shifted == {"window_weeks": 4, "neighbour_km": 50.0, "episodes": [], "displaced": 0}
    for bad in (
        "/routes/flows?within=0",
        "/routes/flows?within=367",
        "/routes/flows?start=2024-06-01T00:00:00Z&end=2024-05-01T00:00:00Z",
        "/routes/displacement?window_weeks=0",
        "/routes/displacement?neighbour_km=0",
        "/routes/displacement?neighbour_km=nan",
        "/routes/displacement?window_weeks=x",
        "/routes/displacement?start=0001-01-01T00:00:00Z&end=9999-12-31T00:00:00Z",
    ):
        assert api.get(bad, "analyst").status_code == 422, bad
    assert api.get("/routes/flows", None).status_code == 401
    flush(api.store)
    entries = [e for e in api.store.audit_entries() if e.target == "routes/flows"]
    assert [e.user_name for e in entries] == ["analyst", "analyst_low"]
    assert "BG700XX" in str(entries[0].detail) and "BG700XX" not in str(entries[1].detail)
    assert [e.user_name for e in api.store.audit_entries()
            if e.target == "routes/displacement"] == ["analyst"]  # fmt: skip


def test_displacement_answers_in_json(api: Api, tmp_path: Path) -> None:
    activity(api.store, tmp_path, after={A: 2, B: 6, C: 1})
    answer = api.get("/routes/displacement", "analyst").json()
    (episode,) = answer["episodes"]
    assert answer["displaced"] == 1
    assert (episode["point"], episode["first_week"], episode["neighbours"]) == (
        A, "2024-03-11", [B])  # fmt: skip
    assert episode["before"] == {"point": 8, "neighbours": 4, "days": 28.0}
    assert episode["after"]["neighbours"] == 24 and episode["displaced"] is True
    assert json.dumps(answer)  # plain JSON throughout
