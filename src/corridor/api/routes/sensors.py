"""Sensor analyses over the ANPR reads a caller may see (`/anpr/convoys`,
`/anpr/journeys/{plate}`, `/anpr/clones`, `/anpr/shuttles`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from corridor.api.deps import Reader, StoreDep
from corridor.api.schemas.sensors import Clones, Convoys, Journeys, Shuttles, VehicleAlerts
from corridor.sensors import convoys as rules
from corridor.sensors import journeys as journey_rules
from corridor.sensors import service
from corridor.sensors import shuttles as shuttle_rules

router = APIRouter(tags=["sensors"])


@router.get("/anpr/convoys", response_model=Convoys)
def convoys(
    store: StoreDep,
    caller: Reader,
    start: datetime | None = None,
    end: datetime | None = None,
    min_cameras: Annotated[int, Query(ge=2, le=100)] = rules.MIN_CAMERAS,
    window: Annotated[int, Query(ge=1, le=3600)] = rules.WINDOW_S,
    max_drift: Annotated[int, Query(ge=0, le=3600)] = rules.MAX_DRIFT_S,
) -> dict[str, Any]:
    """Vehicles that passed at least `min_cameras` cameras together on one trip (within
    `window` seconds at each, one keeping about the same lead over the other), with the reads
    that show it."""
    params = rules.ConvoyParams(window_s=window, min_cameras=min_cameras, max_drift_s=max_drift)
    found = service.convoys(store, caller, start, end, params)
    return {"convoys": [c.to_dict() for c in found], "total": len(found)}


Gap = Annotated[int, Query(ge=60, le=journey_rules.MAX_JOURNEY_GAP_S)]
Limit = Annotated[int, Query(ge=1, le=10_000)]


@router.get("/anpr/journeys/{plate}", response_model=Journeys)
def journeys(
    store: StoreDep,
    caller: Reader,
    plate: Annotated[str, Path(min_length=1, max_length=40)],
    start: datetime | None = None,
    end: datetime | None = None,
    gap: Gap = journey_rules.JOURNEY_GAP_S,
) -> dict[str, Any]:
    """A plate's reads in time order, cut into journeys where `gap` seconds apart or where the
    vehicle turned back, each step with its great-circle km, seconds and km/h from the
    previous read."""
    params = journey_rules.JourneyParams(gap_s=gap)
    return service.journeys(store, caller, plate, start, end, params).to_dict()


@router.get("/anpr/clones", response_model=Clones)
def clones(
    store: StoreDep,
    caller: Reader,
    start: datetime | None = None,
    end: datetime | None = None,
    max_kmh: Annotated[float, Query(ge=50, le=2000)] = journey_rules.MAX_KMH,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Plates read by two cameras too far apart for the time between them (faster than
    `max_kmh` on the great circle, after allowing for the cameras' clocks), highest score
    first."""
    params = journey_rules.JourneyParams(max_kmh=max_kmh)
    found, total = service.clones(store, caller, start, end, params, limit)
    return {"clones": [c.to_dict() for c in found], "total": total}


@router.get("/anpr/shuttles", response_model=Shuttles)
def shuttles(
    store: StoreDep,
    caller: Reader,
    start: datetime | None = None,
    end: datetime | None = None,
    tz: Annotated[str, Query(min_length=1, max_length=64)] = shuttle_rules.TIME_ZONE,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Plates that drive toward a crossing point at night and back within a day, again and
    again, highest score first (night is local time in `tz`)."""
    params = shuttle_rules.ShuttleParams(time_zone=tz)
    found, total = service.shuttles(store, caller, start, end, params, limit)
    return {"shuttles": [s.to_dict() for s in found], "total": total}


@router.get("/anpr/alerts", response_model=VehicleAlerts)
def alerts(
    store: StoreDep,
    caller: Reader,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> dict[str, Any]:
    """Camera reads of watchlisted vehicles (latest `limit`), as the ingest of each raised
    them: only reads and watchlist entries you may see."""
    found = service.alerts(store, caller, start, end)
    return {"alerts": [a.to_dict() for a in found[-limit:]], "total": len(found)}
