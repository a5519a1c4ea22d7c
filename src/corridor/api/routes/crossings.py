"""Crossings from sightings (`/routes/crossings`), as JSON or GeoJSON."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from corridor.api.deps import Reader, StoreDep
from corridor.api.schemas.crossings import CrossingCollection, Crossings
from corridor.sensors import route_service
from corridor.sensors.crossings import to_geojson

router = APIRouter(tags=["routes"])

#: The media type of GeoJSON (RFC 7946).
GEOJSON = "application/geo+json"


@router.get("/routes/crossings", response_model=Crossings | CrossingCollection)
def crossings(
    store: StoreDep,
    caller: Reader,
    start: datetime | None = None,
    end: datetime | None = None,
    format: Annotated[
        Literal["json", "geojson"],
        Query(description="geojson: a FeatureCollection of points, as application/geo+json."),
    ] = "json",
) -> Any:
    """Crossing events from the drone, camera and thermal sightings the caller may see (first
    sighting from `start`, before `end`): when, where, which crossing point and sector, how
    many people, which way, and the sightings, detections and entities behind each.

    GeoJSON is asked for with `?format=geojson` (a link GIS tools can open as it is), not by
    the Accept header."""
    found = route_service.crossings(store, caller, start, end)
    if format == "geojson":
        return JSONResponse(to_geojson(found), media_type=GEOJSON)
    return {"crossings": [c.to_dict() for c in found], "total": len(found)}
