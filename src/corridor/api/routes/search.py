from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from corridor.api.deps import Purpose, Reader, StoreDep
from corridor.api.schemas.search import NameSearch
from corridor.audit import Event, audit
from corridor.model.schemata import schemata_for

router = APIRouter(tags=["search"])


@router.get("/search", response_model=NameSearch)
def search(
    store: StoreDep,
    authz: Reader,
    purpose: Purpose,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    schema: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Name search, insensitive to case, accents, script and common romanisations."""
    hits = store.search(q, authz.scope, schemata_for(schema), limit)
    results = []
    for hit in hits:
        record = store.get_entity(hit.entity_id, authz.scope)
        if record is None:
            continue
        results.append(
            {
                "id": hit.entity_id,
                "schema": record.entity.schema.name,
                "caption": record.entity.caption,
                "score": hit.score,
                "matched_names": list(hit.names),
                "properties": record.entity.properties,
            }
        )
    audit(
        store,
        authz,
        Event.READ,
        "search",
        purpose=purpose,
        detail={"q": q, "schema": schema, "ids": [r["id"] for r in results]},
    )
    return {"query": q, "total": len(results), "results": results}
