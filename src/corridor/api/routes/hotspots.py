"""Where activity gathers and how it moves, over the observations a caller may see
(`/routes/hotspots`, `/routes/flows`, `/routes/displacement`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from corridor.api.deps import Reader, StoreDep
from corridor.api.schemas.hotspots import Displacement, Flows, Hotspots
from corridor.sensors import flows as flow_rules
from corridor.sensors import hotspots as hotspot_rules
from corridor.sensors import route_service

router = APIRouter(tags=["routes"])

GEOJSON = "application/geo+json"


@router.get("/routes/hotspots", response_model=Hotspots)
def hotspots(
    store: StoreDep,
    caller: Reader,
    start: datetime | None = None,
    end: datetime | None = None,
    period: Literal["week", "month"] = "week",
    resolution: Annotated[int, Query(ge=0, le=15)] = hotspot_rules.RESOLUTION,
    fdr: Annotated[float, Query(gt=0, lt=1)] = hotspot_rules.FDR,
    format: Annotated[
        Literal["json", "geojson"],
        Query(
            description="geojson: a FeatureCollection of the cells' hexagons, each "
            "cell-period's activity as its properties, as application/geo+json."
        ),
    ] = "json",
) -> Any:
    """Activity (sightings of people, detections, scans that found something) by H3 cell and
    period, each cell-period tested against the cell's own rate: hotspots are the bursts.
    GeoJSON is asked for with `?format=geojson`."""
    found = route_service.hotspots(store, caller, start, end, period, resolution, fdr)
    if format == "geojson":
        return JSONResponse(found.to_geojson(), media_type=GEOJSON)
    return found.to_dict()


@router.get("/routes/flows", response_model=Flows)
def flows(
    store: StoreDep,
    caller: Reader,
    start: datetime | None = None,
    end: datetime | None = None,
    within: Annotated[
        int, Query(ge=1, le=366, description="Days between two visits, at most.")
    ] = flow_rules.WITHIN_DAYS,
) -> dict[str, Any]:
    """The route graph: crossing points and sectors with their activity, and the plates and
    phones seen at one point and next at another (movements), summed into edges."""
    return route_service.flows(store, caller, start, end, within).to_dict()


@router.get("/routes/displacement", response_model=Displacement)
def displacement(
    store: StoreDep,
    caller: Reader,
    start: datetime | None = None,
    end: datetime | None = None,
    window_weeks: Annotated[int, Query(ge=1, le=26)] = flow_rules.WINDOW_WEEKS,
    neighbour_km: Annotated[float, Query(gt=0, le=500)] = flow_rules.NEIGHBOUR_KM,
) -> dict[str, Any]:
    """Weeks of enforcement well above a crossing point's own rate, each with the test of a
    larger share of activity at the neighbouring points after it than before."""
    found = route_service.displacement(store, caller, start, end, window_weeks, neighbour_km)
    return {"window_weeks": window_weeks, "neighbour_km": neighbour_km,
            "episodes": [e.to_dict() for e in found],
            "displaced": sum(1 for e in found if e.displaced)}  # fmt: skip
