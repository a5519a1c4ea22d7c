"""Sensor analyses over the ANPR reads a caller may see (`/anpr/convoys`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from corridor.api.deps import Reader, StoreDep
from corridor.api.schemas.sensors import Convoys
from corridor.sensors import convoys as rules
from corridor.sensors import service

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
