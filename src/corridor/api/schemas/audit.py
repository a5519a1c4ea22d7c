"""The audit log and the records due for review (`/audit`, `/audit/verify`, `/review/due`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from corridor.api.schemas import Day, Timestamp


class AuditEntry(BaseModel):
    """One entry of the hash-chained audit log: who, when, what, and why."""

    seq: int = Field(description="The entry's sequence number, from 1, without gaps.")
    at: Timestamp
    user_name: str
    role: str
    agency: str | None
    event: str = Field(description="The kind of event (`read`, `write`, `share`, …).")
    target: str = Field(description="What was read, written or sent (a route, a package).")
    purpose: str | None = Field(description="The purpose the caller stated, if any.")
    detail: dict[str, Any] = Field(description="What the event concerned (ids, counts, …).")
    prev_hash: str = Field(description="The previous entry's `hash`.")
    hash: str = Field(
        description="SHA-256 of `prev_hash` and this entry's canonical JSON (all but its hashes)."
    )


class AuditPage(BaseModel):
    entries: list[AuditEntry]
    next: int | None = Field(
        description="Pass as `after` for the next page; null when this page is the last."
    )


class BadEntry(BaseModel):
    line: int = Field(
        description="The position in the log of the first entry that is wrong (0: a checkpoint "
        "that cannot stand, not a place in the log)."
    )
    seq: int | None = Field(description="That entry's sequence number, where it has one.")
    reason: str


class AuditVerification(BaseModel):
    ok: bool = Field(description="Whether the whole chain is as it was written.")
    entries: int = Field(description="Entries verified before the first bad one (all, if ok).")
    head: str = Field(description="The hash of the last good entry.")
    checkpoints: int = Field(
        description="Signed checkpoints of the log's head that it was found to extend."
    )
    bad: BadEntry | None = Field(
        description="The first entry edited, removed, inserted or reordered, or the log cut "
        "below a checkpoint, if any."
    )
    message: str


class AuditCheckpoint(BaseModel):
    """The log's head signed by the node (Ed25519, over the canonical JSON of every field but
    `signature`): keep it where a rewrite of the store cannot reach it."""

    format: str = Field(description="`corridor-audit-checkpoint/1`.")
    agency: str = Field(description="The node that signed it.")
    key: str = Field(description="The fingerprint of the node's key card.")
    entries: int = Field(description="How many entries the log held.")
    head: str = Field(description="The last entry's hash.")
    at: str = Field(description="When, in UTC (ISO 8601, microseconds).")
    signature: str = Field(description="Base64 Ed25519 signature.")


class ReviewItem(BaseModel):
    kind: str = Field(description="`entity` or `observation`.")
    id: str
    what: str = Field(description="The entity's schema, or the observation's kind.")
    agency: str
    review_by: Day
    grading: str = Field(description="The grades of the rows due, comma-separated.")
    count: int = Field(description="Statements due (an entity), or 1 (an observation).")


class ReviewDue(BaseModel):
    agency: str
    before: Day
    total: int
    results: list[ReviewItem]
