"""The audit log (auditors only) and the records due for review (their owners)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from corridor.api.deps import Auditor, Reader, StoreDep
from corridor.api.schemas.audit import AuditCheckpoint, AuditPage, AuditVerification, ReviewDue
from corridor.audit import Event, entry_json, service
from corridor.entities import service as entities
from corridor.errors import NotFound, ValidationError
from corridor.node.identity import NodeIdentity

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=AuditPage)
def entries(
    store: StoreDep,
    caller: Auditor,
    after: Annotated[
        int, Query(ge=0, le=2**63 - 1, description="Entries after this sequence number.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    user: Annotated[str | None, Query(max_length=200)] = None,
    event: Annotated[Event | None, Query()] = None,
) -> dict[str, Any]:
    """Entries of the audit log in sequence order, a page at a time (`after` the last one
    seen), optionally of one user or one kind of event."""
    page = service.entries(store, caller, after, limit, user, event)
    return {
        "entries": [entry_json(e) for e in page],
        "next": page[-1].seq if len(page) == limit else None,
    }


def _identity(request: Request) -> NodeIdentity | None:
    sharing = request.app.state.sharing
    return sharing.identity if sharing is not None else None


@router.get("/audit/verify", response_model=AuditVerification)
def verify(request: Request, store: StoreDep, caller: Auditor) -> dict[str, Any]:
    """Check the whole chain (the first entry that was edited, removed, inserted or
    reordered, if any) and that it still extends every signed checkpoint the node keeps (a log
    cut short or emptied fails)."""
    identity = _identity(request)
    result = service.verify(store, caller, identity.public if identity is not None else None)
    bad = result.bad
    return {
        "ok": result.ok,
        "entries": result.entries,
        "head": result.head,
        "checkpoints": result.checkpoints,
        "bad": None if bad is None else {"line": bad.line, "seq": bad.seq, "reason": bad.reason},
        "message": str(result),
    }


@router.post("/audit/checkpoint", response_model=AuditCheckpoint)
def checkpoint(request: Request, store: StoreDep, caller: Auditor) -> dict[str, Any]:
    """Sign the log's head with the node's key and keep it; keep the answer elsewhere too:
    `corridor audit verify --checkpoint FILE` fails if the log is later cut below it."""
    identity = _identity(request)
    if identity is None:
        raise NotFound("this node has no identity to sign with: run `corridor node init`")
    return service.checkpoint(store, caller, identity).to_json()


@router.get("/review/due", response_model=ReviewDue)
def review_due(
    store: StoreDep,
    caller: Reader,
    before: Annotated[
        date | None, Query(description="Review-by dates before this day (default today).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """The caller's agency's records whose review-by date has passed (within their
    clearance): entities (with how many of their statements are due) and observations."""
    if caller.authz.agency is None:
        raise ValidationError("only a user of an agency has records to review", "agency")
    day = before or datetime.now(UTC).date()
    items = entities.review_due(store, caller, caller.authz.agency, day, limit, offset)
    return {
        "agency": caller.authz.agency,
        "before": day.isoformat(),
        "total": len(items),
        "results": [i.to_dict() for i in items],
    }
