"""Entities with the provenance of every value, and FtM export, filtered by clearance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from followthemoney import model

from corridor.api.deps import Reader, StoreDep
from corridor.errors import NotFound, ValidationError

router = APIRouter(tags=["entities"])


def schemata_for(name: str | None) -> list[str] | None:
    """A schema and every schema that extends it (Person for `LegalEntity`, …)."""
    if not name:
        return None
    schema = model.get(name)
    if schema is None:
        raise ValidationError(f"unknown schema {name!r}", "schema")
    return sorted(s.name for s in model.schemata.values() if s.is_a(schema))


@router.get("/entities/{entity_id}")
def get_entity(entity_id: str, store: StoreDep, authz: Reader) -> dict[str, Any]:
    """One entity assembled from the statements the caller may see, each with its provenance."""
    record = store.get_entity(entity_id, authz.scope)
    if record is None:
        raise NotFound(f"no entity {entity_id!r}")
    return record.to_dict()


@router.get("/entities")
def list_entities(
    store: StoreDep,
    authz: Reader,
    schema: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    records = store.iter_entities(authz.scope, schemata_for(schema), limit=limit, offset=offset)
    results = [record.to_dict() for record in records]
    return {"results": results, "limit": limit, "offset": offset}
