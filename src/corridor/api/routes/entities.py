"""Entities with the provenance of every value, and FtM export, filtered by clearance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from corridor.api.deps import Reader, StoreDep
from corridor.api.routes.observations import observation_dict
from corridor.api.schemas.entities import EntityOrListed, EntityPage
from corridor.api.schemas.observations import EntityObservations
from corridor.entities import service

router = APIRouter(tags=["entities"])


# FtM leaves out what it has no value for (`origin`, `first_seen`, …): so does the answer.
@router.get(
    "/entities/{entity_id}", response_model=EntityOrListed, response_model_exclude_unset=True
)
def get_entity(entity_id: str, store: StoreDep, caller: Reader) -> dict[str, Any]:
    """One entity assembled from the statements the caller may see, each with its provenance."""
    return service.get_entity(store, caller, entity_id)


@router.get(
    "/entities/{entity_id}/observations",
    response_model=EntityObservations,
    response_model_exclude_unset=True,
)
def entity_observations(
    entity_id: str,
    store: StoreDep,
    caller: Reader,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Observations of this entity's plates and phones (sightings, ANPR reads, scans, …)."""
    keys, rows = service.entity_observations(store, caller, entity_id, limit, offset)
    return {
        "subject": {"plates": list(keys.plates), "phones": list(keys.phones)},
        "total": len(rows),
        "results": [observation_dict(r) for r in rows],
    }


@router.get("/entities", response_model=EntityPage, response_model_exclude_unset=True)
def list_entities(
    store: StoreDep,
    caller: Reader,
    schema: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    records = service.list_entities(store, caller, schema, limit, offset)
    return {"results": [r.to_dict() for r in records], "limit": limit, "offset": offset}
