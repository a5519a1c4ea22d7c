"""Sharing between nodes: the inbox partners push to, packages, agreements, consents, requests
for information, and corrections. Thin: `corridor.share.service.SharingService` does the work.

`POST /inbox` is the one route without an API key: a package proves its sender by its Ed25519
signature against the partner's pinned key, and the node answers with a receipt it signs.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from corridor.api.deps import Answerer, Ingester, Requester, Sharer, StatsReader
from corridor.api.schemas.sharing import (
    Agreement,
    Consent,
    Correction,
    NodeCard,
    Package,
    Recall,
    ReceivedPackage,
    Rfi,
    RfiSent,
    SentPackage,
    SignedReceipt,
)
from corridor.audit import Event, audit
from corridor.errors import NotFound, ValidationError
from corridor.model.agreement import parse_agreement
from corridor.share.agreements import agreements_in_force, save_agreement
from corridor.share.service import RELATED_HOPS, SUBJECT_KINDS, SharingService

router = APIRouter(tags=["sharing"])

#: The largest package the inbox accepts (a 100,000-statement package is about 6 MB); the
#: app's body limit applies it.
MAX_PACKAGE_BYTES = 256 * 1024 * 1024


async def get_sharing(request: Request) -> SharingService:
    sharing: SharingService | None = request.app.state.sharing
    if sharing is None:
        raise NotFound("this node has no identity: run `corridor node init --agency AGENCY`")
    return sharing


Sharing = Annotated[SharingService, Depends(get_sharing)]


# A receipt is the receiving node's: its fields are all optional, and those it does not have
# are left out here too (`response_model_exclude_unset`), wherever a receipt is part of an answer.
@router.post("/inbox", response_model=SignedReceipt, response_model_exclude_unset=True)
async def inbox(request: Request, sharing: Sharing) -> dict[str, Any]:
    """Receive a package from a partner node; returns the receipt signed by this node (a body
    over `MAX_PACKAGE_BYTES` is refused before it is read: `api.limits`)."""
    return await run_in_threadpool(sharing.receive, await request.body())


@router.get("/node", response_model=NodeCard)
def node(caller: StatsReader, sharing: Sharing) -> dict[str, Any]:
    """This node's public key card (what partners pin) and its partners."""
    partners = sharing.store.partners()
    audit(sharing.store, caller, Event.READ, "node", {"partners": [p.agency for p in partners]})
    return {
        "card": sharing.identity.public.card(),
        "partners": [
            {"agency": p.agency, "address": p.address, "added_at": p.added_at} for p in partners
        ],
    }


@router.get("/agreements", response_model=list[Agreement])
def agreements(caller: Sharer, sharing: Sharing) -> list[dict[str, Any]]:
    found = [a.to_dict() for a in agreements_in_force(sharing.store)]
    audit(sharing.store, caller, Event.READ, "agreements",
          {"partners": [a["partner"] for a in found]})  # fmt: skip
    return found


@router.put("/agreements/{partner}", response_model=Agreement)
def set_agreement(
    partner: str, body: dict[str, Any], caller: Sharer, sharing: Sharing
) -> dict[str, Any]:
    """Set (a new version of) the agreement with a partner."""
    data = {**body, "partner": partner}
    agreement = save_agreement(sharing.store, caller, parse_agreement(data), sharing.clock())
    return agreement.to_dict()


class ConsentBody(BaseModel):
    partner: str = Field(min_length=1, max_length=64)
    item_id: str = Field(min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


@router.post("/consents", response_model=Consent)
def consent(body: ConsentBody, caller: Sharer, sharing: Sharing) -> dict[str, Any]:
    """Record the originator's consent to share one item (or entity) with a partner."""
    c = sharing.consent(caller, body.partner, body.item_id, body.note)
    return {"partner": c.partner, "item_id": c.item_id, "given_by": c.given_by,
            "given_at": c.given_at, "note": c.note}  # fmt: skip


class ShareBody(BaseModel):
    partner: str = Field(min_length=1, max_length=64)
    entity_ids: list[str] = Field(min_length=1, max_length=10_000)
    purpose: str = Field(min_length=1, max_length=500)
    observations: bool = True
    related: bool = False


@router.post("/shares", response_model=Package, response_model_exclude_unset=True)
def share(body: ShareBody, caller: Sharer, sharing: Sharing) -> dict[str, Any]:
    """Send entities (and their sensor observations) to a partner under the agreement."""
    sent = sharing.share(
        caller, body.partner, body.entity_ids, body.purpose, observations=body.observations,
        hops=RELATED_HOPS if body.related else 0,
    )  # fmt: skip
    return sent.to_dict()


@router.get("/shares", response_model=list[SentPackage], response_model_exclude_unset=True)
def shares(caller: Sharer, sharing: Sharing, partner: str | None = None) -> list[dict[str, Any]]:
    """What this node sent, with what the agreement held back and each partner's receipt."""
    found = sharing.sent(partner)
    audit(sharing.store, caller, Event.READ, "shares",
          {"partner": partner, "packages": [p["package_id"] for p in found]})  # fmt: skip
    return found


@router.post("/shares/retry", response_model=list[Package], response_model_exclude_unset=True)
def retry(caller: Sharer, sharing: Sharing) -> list[dict[str, Any]]:
    """Deliver again every package still waiting for its partner."""
    return [s.to_dict() for s in sharing.retry()]


@router.get(
    "/shares/received", response_model=list[ReceivedPackage], response_model_exclude_unset=True
)
def received(caller: Sharer, sharing: Sharing) -> list[dict[str, Any]]:
    """Packages received from partners, with their manifests and the receipts sent back."""
    found = sharing.received()
    audit(sharing.store, caller, Event.READ, "shares/received",
          {"packages": [p["package_id"] for p in found]})  # fmt: skip
    return found


class AskBody(BaseModel):
    partner: str = Field(min_length=1, max_length=64)
    subject_kind: str = Field(description=f"one of {', '.join(sorted(SUBJECT_KINDS))}")
    subject: str = Field(min_length=1, max_length=500)
    question: str = Field(default="", max_length=5000)
    purpose: str = Field(min_length=1, max_length=500)
    due_days: int = Field(default=7, ge=1, le=90)


@router.post("/rfis", response_model=RfiSent, response_model_exclude_unset=True)
def ask(body: AskBody, caller: Requester, sharing: Sharing) -> dict[str, Any]:
    """Ask a partner about a person, vehicle, phone or account."""
    return sharing.ask(
        caller, body.partner, body.subject_kind, body.subject, body.question, body.purpose,
        body.due_days,
    )  # fmt: skip


# A request has `answer` once answered, and no such key before.
@router.get("/rfis", response_model=list[Rfi], response_model_exclude_unset=True)
def rfis(caller: Requester, sharing: Sharing, direction: str | None = None) -> list[dict[str, Any]]:
    """Requests sent (`out`) and received (`in`): status, elapsed hours, overdue."""
    if direction not in (None, "in", "out"):
        raise ValidationError("direction must be 'in' or 'out'", "direction")
    return sharing.requests_seen(caller, direction)


class AnswerBody(BaseModel):
    entity_ids: list[str] | None = Field(default=None, max_length=10_000)


@router.post("/rfis/{rfi_id}/answer", response_model=RfiSent, response_model_exclude_unset=True)
def answer(rfi_id: str, body: AnswerBody, caller: Answerer, sharing: Sharing) -> dict[str, Any]:
    """Answer a partner's request with a package (by default what the subject matches here)."""
    return sharing.answer(caller, rfi_id, body.entity_ids)


class DeclineBody(BaseModel):
    reason: str = Field(min_length=1, max_length=5000)


@router.post("/rfis/{rfi_id}/decline", response_model=RfiSent, response_model_exclude_unset=True)
def decline(rfi_id: str, body: DeclineBody, caller: Answerer, sharing: Sharing) -> dict[str, Any]:
    return sharing.decline(caller, rfi_id, body.reason)


class CorrectionBody(BaseModel):
    statement_id: str = Field(min_length=1, max_length=200)
    value: str | None = Field(default=None, max_length=10_000, description="none: delete it")
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/corrections", response_model=Correction, response_model_exclude_unset=True)
def correct(body: CorrectionBody, caller: Ingester, sharing: Sharing) -> dict[str, Any]:
    """Correct or delete one of this node's statements, here and at every partner that has it."""
    return sharing.correct(caller, body.statement_id, body.value, body.reason)


class RecallBody(BaseModel):
    entity_id: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/recalls", response_model=Recall, response_model_exclude_unset=True)
def recall(body: RecallBody, caller: Ingester, sharing: Sharing) -> dict[str, Any]:
    """Delete this node's statements about an entity, here and at every partner."""
    return sharing.recall(caller, body.entity_id, body.reason)
