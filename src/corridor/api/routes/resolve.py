"""Entity resolution: candidate matches with explanations, judgements, canonical entities."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from corridor.api.deps import Judge, Reader, Resolver, StoreDep
from corridor.api.schemas.resolve import (
    CanonicalEntity,
    JudgementMade,
    Judgements,
    Matches,
    ResolutionRun,
)
from corridor.model.classification import Classification
from corridor.resolve import service
from corridor.store.records import Judgement

router = APIRouter(tags=["resolution"])


@router.get("/entities/{entity_id}/matches", response_model=Matches)
def matches(
    entity_id: str,
    store: StoreDep,
    caller: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """Candidate matches, each with the fields that agreed or disagreed and their weights."""
    return service.matches(store, caller, entity_id, limit)


# FtM leaves out what it has no value for (`origin`, `first_seen`, …): so does the answer.
@router.get(
    "/entities/{entity_id}/canonical",
    response_model=CanonicalEntity,
    response_model_exclude_unset=True,
)
def canonical(entity_id: str, store: StoreDep, caller: Reader) -> dict[str, Any]:
    """The merged entity of this record's cluster; every statement keeps its source record."""
    return service.canonical(store, caller, entity_id)


class JudgementIn(BaseModel):
    left_id: str = Field(min_length=1, max_length=200)
    right_id: str = Field(min_length=1, max_length=200)
    verdict: Literal["positive", "negative", "unsure"]
    note: str | None = Field(default=None, max_length=2000)


@router.post("/judgements", response_model=JudgementMade)
def judge(body: JudgementIn, store: StoreDep, caller: Judge) -> dict[str, Any]:
    """Say whether two records are the same; it overrides the model, now and in every re-run."""
    j = service.judge(store, caller, body.left_id, body.right_id, body.verdict, body.note)
    clusters = service.reader_clusters(store, [j.left_id, j.right_id], caller.scope)
    return {**_judgement(j), "clusters": clusters}


@router.get("/judgements", response_model=Judgements)
def judgements(entity_id: str, store: StoreDep, caller: Reader) -> dict[str, Any]:
    """The judgements on an entity's pairs, oldest first, with who made them and when."""
    found = service.judgements(store, caller, entity_id)
    return {"id": entity_id, "judgements": [_judgement(j) for j in found]}


def _judgement(j: Judgement) -> dict[str, Any]:
    marking = Classification(j.classification).label if j.classification is not None else None
    return {**asdict(j), "at": j.at.isoformat(), "classification": marking}


class ResolveIn(BaseModel):
    kind: Literal["Person", "Organization", "Vehicle", "BankAccount"] = "Person"
    engine: Literal["duckdb", "spark"] = "duckdb"
    threshold: float = Field(default=service.DEFAULT_THRESHOLD, gt=0, lt=1)


@router.post("/resolve", response_model=ResolutionRun)
async def resolve(body: ResolveIn, store: StoreDep, caller: Resolver) -> dict[str, Any]:
    """Re-run resolution over every stored record of a kind (judgements are kept)."""
    summary = await run_in_threadpool(
        service.resolve_all, store, caller, body.kind, body.engine, body.threshold
    )
    return asdict(summary)
