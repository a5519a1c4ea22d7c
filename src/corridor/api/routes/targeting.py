"""Vehicle targeting at a crossing point (`/targeting`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from corridor.api.deps import Reader, StoreDep
from corridor.api.schemas.targeting import TargetListModel
from corridor.sensors import service

router = APIRouter(tags=["sensors"])


@router.get("/targeting", response_model=TargetListModel)
def targeting(
    store: StoreDep,
    caller: Reader,
    crossing: Annotated[str, Query(min_length=1, max_length=200)],
    at: datetime,
    top: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> dict[str, Any]:
    """The vehicles the cameras upstream saw heading for `crossing` to arrive around `at`,
    most likely to carry something first, each with the reasons it was picked."""
    found, expected = service.targeting(store, caller, crossing, at, top)
    return {"crossing": found.crossing, "at": found.at.isoformat(), "expected": expected,
            "targets": [t.to_dict() for t in found.targets], "scans_learnt": found.scans_learnt,
            "finds_learnt": found.finds_learnt,
            "ratios": {k: round(v, 3) for k, v in found.ratios.items()}}  # fmt: skip
