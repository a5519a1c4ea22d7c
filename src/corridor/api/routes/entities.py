"""Entities with the provenance of every value, and FtM export, filtered by clearance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from corridor.api.deps import Purpose, Reader, StoreDep
from corridor.api.routes.observations import observation_dict
from corridor.api.schemas.entities import EntityOrListed, EntityPage
from corridor.api.schemas.observations import EntityObservations
from corridor.audit import Event, audit
from corridor.errors import NotFound
from corridor.model.schemata import schemata_for
from corridor.model.subjects import subject_keys
from corridor.screen.lists import list_entity
from corridor.store.records import ObservationQuery

router = APIRouter(tags=["entities"])


# FtM leaves out what it has no value for (`origin`, `first_seen`, …): so does the answer.
@router.get(
    "/entities/{entity_id}", response_model=EntityOrListed, response_model_exclude_unset=True
)
def get_entity(entity_id: str, store: StoreDep, authz: Reader, purpose: Purpose) -> dict[str, Any]:
    """One entity assembled from the statements the caller may see, each with its provenance."""
    record = store.get_entity(entity_id, authz.scope)
    audit(
        store,
        authz,
        Event.READ,
        f"entities/{entity_id}",
        purpose=purpose,
        detail={"found": record is not None},
    )
    if record is None:
        # Not one of the node's records: perhaps a listed entity (yente clients fetch results
        # by id from the same path).
        return list_entity(store, entity_id, authz.scope)
    return record.to_dict()


@router.get(
    "/entities/{entity_id}/observations",
    response_model=EntityObservations,
    response_model_exclude_unset=True,
)
def entity_observations(
    entity_id: str,
    store: StoreDep,
    authz: Reader,
    purpose: Purpose,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Observations of this entity's plates and phones (sightings, ANPR reads, scans, …)."""
    record = store.get_entity(entity_id, authz.scope)
    if record is None:
        raise NotFound(f"no entity {entity_id!r}")
    keys = subject_keys(record.entity)
    rows = []
    if not keys.empty:
        query = ObservationQuery(plates=keys.plates, phones=keys.phones, limit=limit, offset=offset)
        rows = store.observations(query, authz.scope)
    audit(
        store,
        authz,
        Event.READ,
        f"entities/{entity_id}/observations",
        purpose=purpose,
        detail={"observations": len(rows), "offset": offset},
    )
    return {
        "subject": {"plates": list(keys.plates), "phones": list(keys.phones)},
        "total": len(rows),
        "results": [observation_dict(r) for r in rows],
    }


@router.get("/entities", response_model=EntityPage, response_model_exclude_unset=True)
def list_entities(
    store: StoreDep,
    authz: Reader,
    purpose: Purpose,
    schema: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    records = store.iter_entities(authz.scope, schemata_for(schema), limit=limit, offset=offset)
    results = [record.to_dict() for record in records]
    audit(
        store,
        authz,
        Event.READ,
        "entities",
        purpose=purpose,
        detail={"schema": schema, "offset": offset, "ids": [r["id"] for r in results]},
    )
    return {"results": results, "limit": limit, "offset": offset}
