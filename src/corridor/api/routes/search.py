"""Name search over the node's entities, across scripts and spellings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from corridor.api.deps import Reader, StoreDep
from corridor.api.schemas.search import NameSearch
from corridor.entities import service

router = APIRouter(tags=["search"])


@router.get("/search", response_model=NameSearch)
def search(
    store: StoreDep,
    caller: Reader,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    schema: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Name search, insensitive to case, accents, script and common romanisations."""
    found = service.search(store, caller, q, schema, limit)
    results = [
        {
            "id": f.hit.entity_id,
            "schema": f.record.entity.schema.name,
            "caption": f.record.entity.caption,
            "score": f.hit.score,
            "matched_names": list(f.hit.names),
            "properties": f.record.entity.properties,
        }
        for f in found
    ]
    return {"query": q, "total": len(results), "results": results}
