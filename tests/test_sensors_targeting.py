"""Vehicle targeting: the vehicles the cameras upstream saw heading for a crossing point, due
there around the time asked for, ranked by the indicators an officer can check (watchlist,
earlier scan finds, ...), whose weights scanner results teach; every reason shown, every list
logged; what the caller may not see counts for nothing."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ANPR_HEADER, SENSOR_DEFAULTS, Api, write_csv
from corridor.access.caller import Caller
from corridor.audit import flush
from corridor.cli import app
from corridor.errors import NotFound, ValidationError
from corridor.ingest.service import ingest_path
from corridor.model.classification import Classification
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.sensors.targeting import TargetingParams, target_list
from corridor.store.base import Store
from sharing_support import write_entities
from stores import workdir_store

AT = datetime(2024, 5, 10, 2, 0, tzinfo=UTC)
POINT = ("RS-HU-HORGOS", 46.177, 19.986)
#: Cameras on the motorway south of the crossing point, reading northbound traffic.
CAMS = [("K1-N", 45.50), ("K2-N", 45.70), ("K3-N", 45.90)]


def _read(rid: str, plate: str, at: datetime, cam: int, direction: str = "N") -> list[str]:
    name, lat = CAMS[cam]
    return [rid, plate, "RS", at.isoformat().replace("+00:00", "Z"), name, name[:2], f"{lat}",
            "19.95", "1", direction, "0.9"]  # fmt: skip


def _ingest_reads(store: Store, path: Path, rows: list[list[str]], **defaults: str) -> None:
    ingest_path(store, Caller.operator(), write_csv(path, ANPR_HEADER, rows), kind="anpr",
                defaults={**SENSOR_DEFAULTS, **defaults})  # fmt: skip


def _scans(store: Store, path: Path, scans: list[tuple[str, str, datetime, str]]) -> None:
    body = {"scans": [{"scan_id": sid, "plate": plate, "crossing_point": POINT[0],
                       "scanned_at": at.isoformat().replace("+00:00", "Z"), "result": result,
                       "lat": POINT[1], "lon": POINT[2]} for sid, plate, at, result in scans]}  # fmt: skip
    path.write_text(json.dumps(body), encoding="utf-8")
    ingest_path(store, Caller.operator(), path, kind="scans", defaults=SENSOR_DEFAULTS)


def world(store: Store, tmp_path: Path) -> None:
    """A watchlisted van and an ordinary car heading for the crossing, due around AT; a car
    driving away from it, and one read too long before to arrive then; and a history of
    scans there that found something on watchlisted vehicles more often than on others."""
    det = write_csv(tmp_path / "detections.csv",
                    ["detection_id", "detected_at", "lat", "lon", "crossing_point"],
                    [["d-1", "2024-04-01T02:00:00Z", f"{POINT[1]}", f"{POINT[2]}", POINT[0]]])  # fmt: skip
    ingest_path(store, Caller.operator(), det, kind="detections", defaults=SENSOR_DEFAULTS)
    write_entities(store, [
        ("Vehicle", "wl-van", {"registrationNumber": "NS 100-AA", "topics": "crime.traffick"}),
        ("Vehicle", "wl-old", {"registrationNumber": "NS 900-ZZ", "topics": "crime.traffick"}),
    ], collected_at="2024-04-01T00:00:00Z", classification="SECRET")  # fmt: skip
    due = AT - timedelta(minutes=50)  # ~88 km/h: K1 to K2 in 15 minutes, ~53 km left from K2
    rows = [
        _read("r1", "NS100AA", due, 0), _read("r2", "NS100AA", due + timedelta(minutes=15), 1),
        _read("r3", "BG200BB", due + timedelta(minutes=2), 0),
        _read("r4", "BG200BB", due + timedelta(minutes=17), 1),
        # Southbound, away from the point: K2 then K1, on a camera reading southbound traffic.
        _read("r5", "KG300CC", due, 1, "S"), _read("r6", "KG300CC", due + timedelta(minutes=15),
                                                   0, "S"),
        # Read once, five hours before: at 80 km/h it reached the point long ago.
        _read("r7", "NI400DD", AT - timedelta(hours=5), 0),
    ]  # fmt: skip
    _ingest_reads(store, tmp_path / "anpr.csv", rows)
    past = AT - timedelta(days=20)
    _scans(store, tmp_path / "scans.json", [
        ("s1", "NS 900-ZZ", past, "people"), ("s2", "NS 900-ZZ", past + timedelta(days=1), "cash"),
        *[(f"s{3 + i}", f"BG{500 + i}XX", past + timedelta(hours=i), "clear") for i in range(8)],
    ])  # fmt: skip


def test_vehicles_heading_for_the_point_are_listed_most_likely_first(
    store: Store, tmp_path: Path
) -> None:
    world(store, tmp_path)
    found = target_list(store, SYSTEM_SCOPE, POINT[0], AT)
    assert [t.plate for t in found.targets] == ["NS100AA", "BG200BB"]
    van, car = found.targets
    assert van.score > car.score
    assert [r.code for r in van.reasons] == ["watchlist"] and "wl-van" in van.reasons[0].evidence
    assert car.reasons == []
    assert abs((van.eta - AT).total_seconds()) < 15 * 60
    assert van.last_camera == "K2-N" and 50 < van.km_away < 56  # last seen 53 km out
    assert found.scans_learnt == 10 and found.finds_learnt == 2
    # The scans taught that the watchlist matters: finds on listed vehicles, none on others.
    assert found.ratios["watchlist"] > 1.0


def test_a_scan_find_fed_back_raises_a_vehicle(store: Store, tmp_path: Path) -> None:
    world(store, tmp_path)
    before = {t.plate: t for t in target_list(store, SYSTEM_SCOPE, POINT[0], AT).targets}
    _scans(store, tmp_path / "more.json",
           [("s99", "BG 200-BB", AT - timedelta(days=3), "people")])  # fmt: skip
    after = {t.plate: t for t in target_list(store, SYSTEM_SCOPE, POINT[0], AT).targets}
    assert after["BG200BB"].score > before["BG200BB"].score
    (reason,) = after["BG200BB"].reasons
    assert reason.code == "scan_hit" and "people" in reason.evidence


def test_what_the_reader_may_not_see_counts_for_nothing(store: Store, tmp_path: Path) -> None:
    world(store, tmp_path)
    low = ReadScope(Classification.OFFICIAL)  # the watchlist entries are SECRET
    found = target_list(store, low, POINT[0], AT)
    assert {t.plate for t in found.targets} == {"NS100AA", "BG200BB"}
    assert all(t.reasons == [] for t in found.targets)
    # Reads above the reader's clearance: the vehicle is not expected at all.
    _ingest_reads(store, tmp_path / "secret.csv",
                  [_read("x1", "BG777QQ", AT - timedelta(minutes=30), 0),
                   _read("x2", "BG777QQ", AT - timedelta(minutes=15), 1)],
                  classification="SECRET")  # fmt: skip
    assert "BG777QQ" not in {t.plate for t in target_list(store, low, POINT[0], AT).targets}
    assert "BG777QQ" in {t.plate for t in target_list(store, SYSTEM_SCOPE, POINT[0], AT).targets}


def test_an_unknown_point_and_bad_parameters_are_clear_errors(store: Store, tmp_path: Path) -> None:
    world(store, tmp_path)
    with pytest.raises(NotFound, match="no crossing point 'XX-YY'"):
        target_list(store, SYSTEM_SCOPE, "XX-YY", AT)
    with pytest.raises(ValidationError, match="window"):
        TargetingParams(window_s=0)
    # A narrow window: only vehicles due within minutes of the time asked for.
    narrow = target_list(store, SYSTEM_SCOPE, POINT[0], AT - timedelta(hours=1),
                         params=TargetingParams(window_s=600))  # fmt: skip
    assert narrow.targets == []


def test_cli_writes_plate_score_reasons(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    db = workdir_store(work)
    world(db, tmp_path)
    db.close()
    out = tmp_path / "targets.csv"
    at = AT.isoformat()
    result = CliRunner().invoke(app, ["targeting", "list", "--crossing", POINT[0], "--at", at,
                                      "--out", str(out), "--workdir", str(work)])  # fmt: skip
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as f:
        reader = csv.reader(f)
        assert next(reader) == ["plate", "score", "reasons"]
        rows = list(reader)
    assert [r[0] for r in rows] == ["NS100AA", "BG200BB"]
    assert rows[0][2].startswith("watchlist: ") and rows[1][2] == ""
    bad = CliRunner().invoke(app, ["targeting", "list", "--crossing", POINT[0], "--at", "soon",
                                   "--out", str(out), "--workdir", str(work)])  # fmt: skip
    assert bad.exit_code == 2 and "--at" in bad.output
    unknown = CliRunner().invoke(app, ["targeting", "list", "--crossing", "XX", "--at", at,
                                       "--out", str(out), "--workdir", str(work)])  # fmt: skip
    assert isinstance(unknown.exception, NotFound)  # `corridor` prints it, without a traceback


def test_api_lists_with_reasons_and_logs_what_was_shown(api: Api, tmp_path: Path) -> None:
    world(api.store, tmp_path)
    query = f"/targeting?crossing={POINT[0]}&at=2024-05-10T02:00:00Z&top=1"
    body = api.get(query, "analyst").json()
    assert body["expected"] == 2 and [t["plate"] for t in body["targets"]] == ["NS100AA"]
    assert body["targets"][0]["reasons"][0]["code"] == "watchlist"
    low = api.get(query, "analyst_low").json()
    assert low["targets"][0]["reasons"] == []
    assert api.get("/targeting?crossing=XX&at=2024-05-10T02:00:00Z", "analyst").status_code == 404
    assert api.get(f"/targeting?crossing={POINT[0]}", "analyst").status_code == 422
    assert api.get(f"{query}&top=0", "analyst").status_code == 422
    assert api.get(query, None).status_code == 401
    flush(api.store)
    entries = [e for e in api.store.audit_entries() if e.target == "targeting"]
    assert [e.user_name for e in entries] == ["analyst", "analyst_low"]
    listed = json.loads(entries[0].detail)["listed"]
    assert listed[0]["plate"] == "NS100AA" and listed[0]["reasons"] == ["watchlist"]
