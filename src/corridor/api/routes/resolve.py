"""Entity resolution: candidate matches with explanations, judgements, canonical entities."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from corridor.api.deps import Judge, Purpose, Reader, Resolver, StoreDep
from corridor.api.schemas.resolve import (
    CanonicalEntity,
    JudgementMade,
    Judgements,
    Matches,
    ResolutionRun,
)
from corridor.audit import Event, audit
from corridor.errors import NotFound
from corridor.resolve import service

router = APIRouter(tags=["resolution"])


@router.get("/entities/{entity_id}/matches", response_model=Matches)
def matches(
    entity_id: str,
    store: StoreDep,
    authz: Reader,
    purpose: Purpose,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """Candidate matches, each with the fields that agreed or disagreed and their weights."""
    found = service.matches(store, entity_id, authz.scope, limit)
    audit(
        store,
        authz,
        Event.READ,
        f"entities/{entity_id}/matches",
        purpose=purpose,
        detail={"limit": limit},
    )
    return found


# FtM leaves out what it has no value for (`origin`, `first_seen`, …): so does the answer.
@router.get(
    "/entities/{entity_id}/canonical",
    response_model=CanonicalEntity,
    response_model_exclude_unset=True,
)
def canonical(entity_id: str, store: StoreDep, authz: Reader, purpose: Purpose) -> dict[str, Any]:
    """The merged entity of this record's cluster; every statement keeps its source record."""
    found = service.canonical(store, entity_id, authz.scope)
    audit(store, authz, Event.READ, f"entities/{entity_id}/canonical", purpose=purpose)
    return found


class JudgementIn(BaseModel):
    left_id: str = Field(min_length=1, max_length=200)
    right_id: str = Field(min_length=1, max_length=200)
    verdict: Literal["positive", "negative", "unsure"]
    note: str | None = Field(default=None, max_length=2000)


@router.post("/judgements", response_model=JudgementMade)
def judge(body: JudgementIn, store: StoreDep, authz: Judge, purpose: Purpose) -> dict[str, Any]:
    """Say whether two records are the same; it overrides the model, now and in every re-run."""
    for entity_id in (body.left_id, body.right_id):
        if store.get_entity(entity_id, authz.scope) is None:
            raise NotFound(f"no entity {entity_id!r}")
    j = service.judge(store, body.left_id, body.right_id, body.verdict, authz.user, body.note)
    clusters = service.reader_clusters(store, [j.left_id, j.right_id], authz.scope)
    audit(
        store,
        authz,
        Event.JUDGE,
        f"judgements/{j.left_id}/{j.right_id}",
        purpose=purpose,
        detail={"verdict": j.verdict, "note": j.note},
    )
    return {**asdict(j), "at": j.at.isoformat(), "clusters": clusters}


@router.get("/judgements", response_model=Judgements)
def judgements(entity_id: str, store: StoreDep, authz: Reader, purpose: Purpose) -> dict[str, Any]:
    """The judgements on an entity's pairs, oldest first, with who made them and when."""
    if store.get_entity(entity_id, authz.scope) is None:
        raise NotFound(f"no entity {entity_id!r}")
    rows = []
    for j in store.judgements([entity_id]):
        other = j.right_id if j.left_id == entity_id else j.left_id
        if store.get_entity(other, authz.scope) is None:
            continue
        rows.append({**asdict(j), "at": j.at.isoformat()})
    audit(store, authz, Event.READ, f"entities/{entity_id}/judgements", purpose=purpose)
    return {"id": entity_id, "judgements": rows}


class ResolveIn(BaseModel):
    kind: Literal["Person", "Organization", "Vehicle", "BankAccount"] = "Person"
    engine: Literal["duckdb", "spark"] = "duckdb"
    threshold: float = Field(default=service.DEFAULT_THRESHOLD, gt=0, lt=1)


@router.post("/resolve", response_model=ResolutionRun)
async def resolve(
    body: ResolveIn, store: StoreDep, authz: Resolver, purpose: Purpose
) -> dict[str, Any]:
    """Re-run resolution over every stored record of a kind (judgements are kept)."""
    summary = await run_in_threadpool(
        service.resolve_all, store, body.kind, body.engine, body.threshold
    )
    await run_in_threadpool(
        audit,
        store,
        authz,
        Event.WRITE,
        f"resolve/{body.kind}",
        purpose=purpose,
        detail={"engine": body.engine, "threshold": body.threshold},
    )
    return asdict(summary)
