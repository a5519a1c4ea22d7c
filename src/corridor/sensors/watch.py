"""Vehicles of interest: an alert for every camera read of a watchlisted plate, raised as the
reads are ingested.

A vehicle of interest is a Vehicle entity on a watchlist (one with topics, such as
`crime.traffick.human`, as watchlist mappings give them). Once an ANPR file's transaction has
committed, the after-ingest step (`WATCH_NEW`) finds the reads it added of those plates and
reports them as alerts in the ingest's answer; the alert queue (`vehicle_alerts`) lists them
for any period. Both read through the caller's scope: a read or a watchlist entry above the
reader's clearance raises nothing for them, and its count is not disclosed. Alerts are computed
from the store, not copied into a table of their own, so a read recalled or an entry delisted
stops alerting at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from corridor.access.caller import Caller
from corridor.model.classification import Classification
from corridor.model.observations import ObservationKind
from corridor.model.scope import ReadScope
from corridor.normalise.plates import normalise_plate
from corridor.plugins import AfterIngestStep, Ingested, StepResult
from corridor.store.base import Store

_READS = """
SELECT id, source_id, plate, observed_at, sensor_id, lat, lon, classification, agency
FROM obs WHERE plate IN ({marks}) {only}
ORDER BY observed_at, id
"""


@dataclass(frozen=True, slots=True)
class VehicleAlert:
    """A read of a watchlisted plate."""

    read_id: str  # the `/observations` id
    source_id: str  # the read's id in the agency's own feed
    plate: str
    at: datetime
    camera: str
    lat: float
    lon: float
    agency: str
    classification: int
    entity_id: str  # the watchlist entry
    reason: str  # what the entry says (its notes), or its topics

    def to_dict(self) -> dict[str, Any]:
        return {"read_id": self.read_id, "source_id": self.source_id, "plate": self.plate,
                "at": self.at.isoformat(), "camera": self.camera, "lat": self.lat,
                "lon": self.lon, "agency": self.agency,
                "classification": Classification(self.classification).label,
                "entity_id": self.entity_id, "reason": self.reason}  # fmt: skip


def recorded_vehicles(store: Store, scope: ReadScope) -> dict[str, tuple[str, bool, str]]:
    """Plate key → (entity id, on a watchlist, why) of the Vehicle entities the scope allows;
    a plate both listed and merely recorded is taken as listed."""
    found: dict[str, tuple[str, bool, str]] = {}
    for record in store.iter_entities(scope, ["Vehicle"]):
        topics = record.entity.get("topics")
        why = "; ".join(record.entity.get("notes")) or ", ".join(topics)
        for raw in record.entity.get("registrationNumber"):
            key = normalise_plate(raw)
            seen = found.get(key)
            if key and (seen is None or (topics and not seen[1])):
                found[key] = (record.id, bool(topics), why)
    return found


def watched_vehicles(store: Store, scope: ReadScope) -> dict[str, tuple[str, str]]:
    """Plate key → (entity id, why) of the watchlisted vehicles the scope allows."""
    return {p: (e, why) for p, (e, listed, why) in recorded_vehicles(store, scope).items()
            if listed}  # fmt: skip


def vehicle_alerts(
    store: Store,
    scope: ReadScope,
    start: datetime | None = None,
    end: datetime | None = None,
    ingest_id: str | None = None,
) -> list[VehicleAlert]:
    """The reads of watchlisted plates the scope allows (only those `ingest_id` added, where
    given), oldest first."""
    watched = watched_vehicles(store, scope)
    if not watched:
        return []
    plates = sorted(watched)
    only = "AND ingest_id = ?" if ingest_id is not None else ""
    sql = _READS.format(marks=", ".join("?" * len(plates)), only=only)
    params: list[object] = [*plates, *([ingest_id] if ingest_id is not None else [])]
    rows = store.analyse_observations(ObservationKind.ANPR, sql, params, scope, start, end)
    return [_alert(r, *watched[str(r["plate"])]) for r in rows]


def _alert(r: dict[str, Any], entity_id: str, reason: str) -> VehicleAlert:
    return VehicleAlert(str(r["id"]), str(r["source_id"] or ""), str(r["plate"]),
                        r["observed_at"], str(r["sensor_id"]), float(r["lat"]), float(r["lon"]),
                        str(r["agency"]), int(r["classification"]), entity_id, reason)  # fmt: skip


def watch_new(store: Store, caller: Caller, ingested: Ingested) -> StepResult:
    """Alerts for the reads of watchlisted plates an ingest added, as the ingesting caller
    may see them."""
    return StepResult(alerts=len(vehicle_alerts(store, caller.scope, ingest_id=ingested.ingest_id)))


WATCH_NEW = AfterIngestStep("alert on reads of watchlisted vehicles", run=watch_new)
