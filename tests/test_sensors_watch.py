"""Vehicles of interest: a read of a watchlisted plate raises an alert as its file is ingested
(however the plate is written), the alert queue lists them for a period, and a reader sees only
alerts on reads and watchlist entries within their clearance."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from conftest import ANPR_HEADER, SENSOR_DEFAULTS, Api, write_csv
from corridor.access.caller import Caller
from corridor.audit import flush
from corridor.cli import app
from corridor.ingest.service import IngestReport, ingest_path
from corridor.model.classification import Classification
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.sensors.watch import vehicle_alerts
from corridor.store.base import Store
from sharing_support import write_entities
from stores import workdir_store

T0 = datetime(2024, 5, 1, 21, 0, tzinfo=UTC)


def _reads(store: Store, path: Path, reads: list[tuple[str, datetime]],
           caller: Caller | None = None, **defaults: str) -> IngestReport:  # fmt: skip
    rows = [[f"{path.stem}-{i}", plate, "RS", at.isoformat().replace("+00:00", "Z"), "CAM-1",
             "S1", "44.8", "20.4", "1", "N", "0.9"] for i, (plate, at) in enumerate(reads)]  # fmt: skip
    (report,) = ingest_path(store, caller or Caller.operator(), write_csv(path, ANPR_HEADER, rows),
                            kind="anpr", defaults={**SENSOR_DEFAULTS, **defaults})  # fmt: skip
    return report


def _watchlist(store: Store) -> None:
    write_entities(store, [
        ("Vehicle", "wl-1", {"registrationNumber": "NS 100-AA", "topics": "crime.traffick.human",
                             "notes": "Vehicle of interest: suspected use to move migrants"}),
        ("Vehicle", "rec-2", {"registrationNumber": "BG 200-BB"}),  # in records, not listed
    ])  # fmt: skip
    write_entities(store, [("Vehicle", "wl-3", {"registrationNumber": "KG 300-CC",
                                                "topics": "crime.traffick.human"})],
                   classification="SECRET")  # fmt: skip


def test_a_read_of_a_watchlisted_plate_raises_an_alert_on_ingest(
    store: Store, tmp_path: Path
) -> None:
    _watchlist(store)
    report = _reads(store, tmp_path / "anpr.csv",
                    [("NS100AA", T0), ("BG200BB", T0), ("ZZ999ZZ", T0), ("KG300CC", T0)])  # fmt: skip
    assert report.alerts == 2  # NS100AA and, for the operator, the SECRET entry's KG300CC
    found = vehicle_alerts(store, SYSTEM_SCOPE)
    assert [(a.plate, a.entity_id) for a in found] == [("KG300CC", "wl-3"), ("NS100AA", "wl-1")]
    assert "move migrants" in found[1].reason and found[1].source_id == "anpr-0"
    # The same file again adds nothing, and raises nothing.
    assert _reads(store, tmp_path / "anpr.csv", [("NS100AA", T0), ("BG200BB", T0),
                                                 ("ZZ999ZZ", T0), ("KG300CC", T0)]).alerts == 0  # fmt: skip
    # A later file: only its own reads alert.
    later = _reads(store, tmp_path / "later.csv", [("NS 100-AA", T0 + timedelta(days=1))])
    assert later.alerts == 1
    assert len(vehicle_alerts(store, SYSTEM_SCOPE, start=T0 + timedelta(hours=1))) == 1


def test_alerts_keep_within_the_readers_clearance(store: Store, tmp_path: Path) -> None:
    _watchlist(store)
    _reads(store, tmp_path / "anpr.csv", [("NS100AA", T0), ("KG300CC", T0)])
    _reads(store, tmp_path / "secret.csv", [("NS100AA", T0 + timedelta(hours=1))],
           classification="SECRET")  # fmt: skip
    low = ReadScope(Classification.OFFICIAL)
    # Neither the SECRET watchlist entry nor the SECRET read alerts an OFFICIAL reader.
    assert [(a.plate, a.at) for a in vehicle_alerts(store, low)] == [("NS100AA", T0)]
    assert len(vehicle_alerts(store, SYSTEM_SCOPE)) == 3


def test_cli_and_api_list_the_alerts_and_log_the_read(api: Api, tmp_path: Path) -> None:
    _watchlist(api.store)
    _reads(api.store, tmp_path / "anpr.csv", [("NS100AA", T0), ("KG300CC", T0)])
    high = api.get("/anpr/alerts", "analyst").json()
    low = api.get("/anpr/alerts", "analyst_low").json()
    assert [a["plate"] for a in high["alerts"]] == ["KG300CC", "NS100AA"] and high["total"] == 2
    assert [a["plate"] for a in low["alerts"]] == ["NS100AA"]
    assert api.get("/anpr/alerts?limit=0", "analyst").status_code == 422
    assert api.get("/anpr/alerts?start=2024-06-01T00:00:00Z&end=2024-05-01T00:00:00Z",
                   "analyst").status_code == 422  # fmt: skip
    flush(api.store)
    entries = [e for e in api.store.audit_entries() if e.target == "anpr/alerts"]
    assert [e.user_name for e in entries] == ["analyst", "analyst_low"]
    assert "KG300CC" not in str(entries[-1].detail)


def test_cli_writes_the_alerts(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    db = workdir_store(work)
    _watchlist(db)
    _reads(db, tmp_path / "anpr.csv", [("NS100AA", T0)])
    db.close()
    out = tmp_path / "alerts.csv"
    result = CliRunner().invoke(app, ["anpr", "alerts", "--out", str(out), "--workdir", str(work)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["read_id", "plate", "at", "camera", "agency", "entity_id", "reason"]
    assert [(r[1], r[5]) for r in rows[1:]] == [("NS100AA", "wl-1")]
