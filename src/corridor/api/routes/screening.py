"""Screening: a yente-compatible matching API (`/match`, `/search`, `/algorithms`, `/catalog`)
over the loaded lists, and the alerts continuous screening raises on the node's own entities.

A client written for yente works unchanged: same request bodies, same response shapes, the
same `Authorization: ApiKey KEY` header. Unlike yente, Vehicle queries (plates) and phones
screen too.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, PrivateAttr, model_validator
from pydantic_core import to_json
from starlette.concurrency import run_in_threadpool

from corridor.api.deps import Judge, Reader, Screener, StoreDep
from corridor.api.schemas.screening import (
    Alerts,
    AlgorithmResponse,
    DataCatalogModel,
    EntityExample,
    EntityMatchResponse,
    ScreeningAlert,
    SearchResponse,
)
from corridor.audit import Event, audit
from corridor.plugins import ALGORITHMS
from corridor.screen import alerts as screen_alerts
from corridor.screen import lists, matching
from corridor.store.base import Store
from corridor.store.records import Alert

router = APIRouter(tags=["screening"])


#: The most query text (characters, all values of all queries together) one request may ask
#: to match: what a batch of the most queries, each a few names, holds.
MAX_MATCH_CHARS = 200_000


class MatchBody(BaseModel):
    weights: dict[str, float] = Field(default_factory=dict, max_length=100)
    config: dict[str, Any] = Field(default_factory=dict, max_length=100)
    queries: dict[str, EntityExample] = Field(min_length=1, max_length=matching.MAX_QUERIES)

    #: The query text it holds, in characters (counted once, when it is validated).
    _chars: int = PrivateAttr(default=0)

    @model_validator(mode="after")
    def _bounded(self) -> MatchBody:
        self._chars = sum(
            len(str(v))
            for q in self.queries.values()
            for value in q.properties.values()
            for v in (value if isinstance(value, list) else [value])
        )
        if self._chars > MAX_MATCH_CHARS:
            raise ValueError(f"the queries hold more than {MAX_MATCH_CHARS:,} characters")
        return self

    @property
    def chars(self) -> int:
        return self._chars


class MatchParams(BaseModel):
    """The query string of `/match` (one model: FastAPI validates it in one step)."""

    threshold: float = Field(default=matching.DEFAULT_THRESHOLD, ge=0, le=1)
    cutoff: float = Field(default=0.0, ge=0, le=1)
    limit: int = Field(default=matching.DEFAULT_LIMIT, ge=1, le=500)
    algorithm: str = Field(default=ALGORITHMS.default, max_length=64)
    fuzzy: bool = False  # accepted for yente clients; matching is always fuzzy here


@router.post("/match/{dataset}", response_model=EntityMatchResponse)
async def match(
    dataset: str,
    body: MatchBody,
    params: Annotated[MatchParams, Query()],
    request: Request,
    caller: Screener,
) -> Response:
    """Match entities (Person, Organization, Company, LegalEntity, Vessel, Vehicle, …) against
    a dataset (`default` for every loaded list), explaining each result's score."""
    store: Store = request.app.state.store
    payload = {
        "weights": body.weights,
        "queries": {
            label: {"id": q.id, "schema": q.schema_, "properties": q.properties}
            for label, q in body.queries.items()
        },
    }
    if not matching.INDEXES.fresh(store):
        # Checking the store for a newer list (and rebuilding after a load) blocks: off the loop.
        await run_in_threadpool(matching.INDEXES.get, store)
    p = params
    args = (store, caller, dataset, payload, p.threshold, p.limit, p.algorithm, p.cutoff)
    # A small request runs on the event loop: it is pure CPU for about a millisecond against an
    # index held in memory, and a hop to a worker thread would only add the hand-over and a GIL
    # hand-off to every request (measured: ~40% fewer requests a second). A large one (many
    # queries, long values) goes to a worker thread, so that it never holds the loop.
    if body.chars <= ON_LOOP_CHARS:
        found = matching.match(*args)
    else:
        found = await run_in_threadpool(matching.match, *args)
    # The service builds the answer in the documented shape (`EntityMatchResponse`, checked by
    # tests/test_api_schemas.py); writing it out directly spares every request a second
    # validation of its own output (measured: ~6 % of a request's CPU).
    return Response(to_json(found), media_type="application/json")


#: The most query text (characters, all values together) matched on the event loop.
ON_LOOP_CHARS = 2_000


@router.get("/search/{dataset}", response_model=SearchResponse)
def search(
    dataset: str,
    store: StoreDep,
    caller: Screener,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=500)] = 10,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> dict[str, Any]:
    """Search the lists by name, in any script or spelling."""
    return matching.search(store, caller, dataset, q, limit, offset)


@router.get("/algorithms", response_model=AlgorithmResponse)
def algorithms(store: StoreDep, caller: Screener) -> dict[str, Any]:
    """The matching algorithm and its features, with their weights."""
    audit(store, caller, Event.READ, "algorithms")
    return matching.algorithms()


@router.get("/catalog", response_model=DataCatalogModel)
def catalog(store: StoreDep, caller: Screener) -> dict[str, Any]:
    """The loaded lists and their versions (counting only the entries the caller may see)."""
    found = lists.catalog(store, caller.scope)
    audit(store, caller, Event.READ, "catalog", {"datasets": found["current"]})
    return found


@router.get("/alerts", response_model=Alerts)
def alerts(
    store: StoreDep,
    caller: Reader,
    status: Literal["open", "true_match", "false_positive"] | None = None,
) -> dict[str, Any]:
    """Screening hits on the node's own entities, with their explanations (what the caller may
    see only)."""
    found = screen_alerts.visible_alerts(store, caller, status)
    return {"alerts": [_alert(a) for a in found], "total": len(found)}


class DecisionIn(BaseModel):
    decision: Literal["true_match", "false_positive"]
    note: str | None = Field(default=None, max_length=2000)


@router.post("/alerts/{alert_id}/decision", response_model=ScreeningAlert)
def decide(alert_id: str, body: DecisionIn, store: StoreDep, caller: Judge) -> dict[str, Any]:
    """Decide an alert; a false positive is not raised again for the same evidence."""
    decided = screen_alerts.decide(store, caller, alert_id, body.decision, body.note)
    return _alert(decided)


def _alert(alert: Alert) -> dict[str, Any]:
    data = asdict(alert)
    for key in ("raised_at", "decided_at"):
        if data[key] is not None:
            data[key] = data[key].isoformat()
    return data
