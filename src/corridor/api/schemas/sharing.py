"""Sharing between nodes: key cards, agreements, consents, packages and their receipts,
requests for information, corrections and recalls."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from corridor.api.schemas import Day, Timestamp
from corridor.api.schemas.provenance import (
    ACTION_CODE,
    AGENCY,
    COLLECTED_AT,
    GRADING,
    GRADING_SCHEME,
    HANDLING_INSTRUCTIONS,
    PERSON_CATEGORY,
    REVIEW_BY,
    SANITISATION_CODE,
    SCHEMA,
    SOURCE_REF,
)

MANIFEST = (
    "What the package carries, as its sender describes it: purpose, agreement version, counts "
    "of entities, statements and observations by kind, retractions, handling; a request's or "
    "a refusal's text."
)


class KeyCard(BaseModel):
    """A node's public keys, as partners pin them."""

    format: str
    agency: str
    sign_key: str = Field(
        description="Ed25519 public key (base64): verifies packages and receipts."
    )
    enc_key: str = Field(
        description="X25519 public key (base64): packages to this node are sealed to it."
    )
    fingerprint: str = Field(description="Of both keys: compare it out of band before pinning.")


class Partner(BaseModel):
    agency: str
    address: str | None = Field(description="The partner's base URL (its `/inbox`), if known.")
    added_at: datetime


class NodeCard(BaseModel):
    card: KeyCard
    partners: list[Partner]


class Agreement(BaseModel):
    """The terms under which this node shares with a partner (the latest version)."""

    partner: str
    version: int
    purposes: list[str] = Field(description="What shared data may be used for.")
    ceiling: str = Field(description="The highest classification that may be shared.")
    schemata: dict[str, str | list[str]] = Field(
        description="FtM schema to the properties that may go (`*`: all of them)."
    )
    observations: list[str] = Field(description="The kinds of observation that may go.")
    person_categories: list[str] = Field(description="The categories of person that may go.")
    conditional_handling: bool = Field(
        description="Whether values under a conditional handling code (3x5x2 `C`, Europol "
        "`H3`) may go, with their conditions."
    )
    valid_until: Day | None


class Consent(BaseModel):
    """The originator's consent to share one item with a partner."""

    partner: str
    item_id: str = Field(description="An entity, statement or observation id.")
    given_by: str
    given_at: datetime
    note: str | None


class Receipt(BaseModel):
    """A receipt, as the receiving node signed it. The fields are the receiving node's: any it
    adds are passed through unchanged, since the signature covers them all."""

    model_config = ConfigDict(extra="allow")

    package_id: str | None = None
    sender: str | None = None
    recipient: str | None = None
    sequence: int | None = Field(default=None, description="The sender's number for the package.")
    kind: str | None = None
    sha256: str | None = Field(default=None, description="Of the package as received.")
    received_at: Timestamp | None = None
    status: str | None = Field(default=None, description="`imported`.")
    counts: dict[str, int] | None = Field(
        default=None, description="Statements and observations imported, statements retracted."
    )


class SignedReceipt(BaseModel):
    receipt: Receipt
    signature: str = Field(
        description="Ed25519 (base64) over the receipt's JSON with sorted keys, by the node's key."
    )


class Package(BaseModel):
    """A package built for a partner: what went, what the agreement held back, its delivery."""

    package_id: str
    partner: str
    sequence: int = Field(description="Numbered per partner; a partner refuses a replay.")
    kind: str = Field(description="`share`, `rfi`, `rfi-decline`, `correction`, …")
    status: str = Field(description="`built`, `delivered` or `failed` (retried later).")
    manifest: dict[str, Any] = Field(description=MANIFEST)
    withheld: dict[str, int] = Field(description="Values held back, counted by the reason why.")
    receipt: Receipt | None = Field(description="The partner's signed receipt, once delivered.")
    error: str | None = Field(description="Why the last delivery failed.")
    bytes: int = Field(description="The sealed package's size.")


class SentPackage(BaseModel):
    """A package this node sent, as recorded."""

    package_id: str
    partner: str
    sequence: int
    kind: str
    purpose: str | None
    rfi_id: str | None = Field(description="The request for information it answers, if any.")
    sent_by: str
    created_at: datetime
    expires_at: datetime = Field(description="The partner refuses it after this.")
    status: str = Field(description="`built`, `delivered` or `failed` (retried later).")
    manifest: dict[str, Any] | None = Field(description=MANIFEST)
    withheld: dict[str, int] | None = Field(description="Values held back, by the reason why.")
    receipt: Receipt | None
    error: str | None
    delivered_at: datetime | None


class ReceivedPackage(BaseModel):
    """A package received from a partner, with the receipt sent back."""

    package_id: str
    sender: str
    sequence: int
    kind: str
    rfi_id: str | None
    created_at: datetime
    received_at: datetime
    sha256: str
    manifest: dict[str, Any] = Field(description=MANIFEST)
    receipt: Receipt


class Rfi(BaseModel):
    """A request for information, sent (`out`) or received (`in`), with its status."""

    id: str
    direction: str = Field(description="`out`: this node asked; `in`: a partner asked it.")
    partner: str
    subject_kind: str = Field(description="`person`, `vehicle`, `phone` or `account`.")
    subject: str
    question: str
    purpose: str
    requested_by: str
    created_at: datetime
    due_at: datetime
    status: str = Field(description="`open`, `answered` or `declined`.")
    closed_at: datetime | None
    package_id: str | None = Field(description="The answer or refusal.")
    reason: str | None = Field(description="Why it was declined.")
    closed_by: str | None
    answer: dict[str, Any] | None = Field(
        default=None,
        description="Present once answered: the answer's counts of entities, statements and "
        "observations.",
    )
    elapsed_hours: float = Field(description="Since it was asked, until closed or now.")
    overdue: bool = Field(description="Still open past `due_at`.")


class RfiSent(Rfi):
    delivery: Package = Field(description="The request, answer or refusal sent.")


class StatementRow(BaseModel):
    """A statement as stored and shared: its value and its provenance fields."""

    id: str
    entity_id: str
    schema_: str = Field(alias="schema", description=SCHEMA)
    prop: str
    prop_type: str
    value: str
    original_value: str | None
    lang: str | None
    dataset: str
    agency: str = Field(description=AGENCY)
    source_ref: str | None = Field(description=SOURCE_REF)
    collected_at: datetime | None = Field(description=COLLECTED_AT)
    grading_scheme: str = Field(description=GRADING_SCHEME)
    grading: str = Field(description=GRADING)
    action_code: str | None = Field(description=ACTION_CODE)
    sanitisation_code: str | None = Field(description=SANITISATION_CODE)
    handling_instructions: str | None = Field(description=HANDLING_INSTRUCTIONS)
    classification: int = Field(
        description="The classification as stored, by level: 10 `OFFICIAL`, 20 "
        "`OFFICIAL-SENSITIVE`, 30 `SECRET`, 40 `TOP SECRET`."
    )
    person_category: str | None = Field(description=PERSON_CATEGORY)
    review_by: date | None = Field(description=REVIEW_BY)


class Correction(BaseModel):
    retracted: str = Field(description="The statement corrected or deleted.")
    statement: StatementRow | None = Field(description="Its replacement; null for a deletion.")
    partners: list[Package] = Field(description="The correction sent to each partner holding it.")


class Recall(BaseModel):
    entity_id: str
    deleted: int = Field(description="This node's statements deleted.")
    partners: list[Package] = Field(description="The recall sent to each partner holding any.")
