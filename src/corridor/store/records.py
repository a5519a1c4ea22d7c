"""The records a store takes and gives back, for every capability, in one place.

Nothing here knows a database: these are the values that cross the store interface
(`corridor.store.base`), the same whichever backend holds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from corridor.model.observations import ObservationKind

# --- statements, observations, users ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IngestInfo:
    """What is being ingested, recorded with the rows it writes."""

    id: str
    path: str
    kind: str
    sha256: str
    started_at: datetime
    agency: str | None = None
    user_name: str | None = None


@dataclass(frozen=True, slots=True)
class FollowUp:
    """After-ingest work still to do for an ingest, and who it is done for (as they were when
    they ingested: the work is theirs, and logged as theirs)."""

    ingest_id: str
    steps: tuple[str, ...]
    user_name: str
    role: str
    agency: str | None
    clearance: int
    system: bool
    purpose: str | None
    via: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ObservationQuery:
    """Filters for observations; all are optional and combine with AND."""

    kinds: tuple[ObservationKind, ...] = tuple(ObservationKind)
    start: datetime | None = None
    end: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    plates: tuple[str, ...] = ()  # normalised plate keys
    phones: tuple[str, ...] = ()  # E.164; an observation matches any given plate or phone
    sensor_id: str | None = None
    limit: int = 1000
    offset: int = 0


@dataclass(frozen=True, slots=True)
class SearchHit:
    entity_id: str
    schema: str
    score: float
    names: tuple[str, ...]


@dataclass(slots=True)
class AgencyCounts:
    agency: str
    entities: int = 0
    statements: int = 0
    observations: dict[str, int] = field(default_factory=dict)

    @property
    def observations_total(self) -> int:
        return sum(self.observations.values())


@dataclass(slots=True)
class WriteResult:
    rows_read: int = 0
    statements_added: int = 0
    observations_added: int = 0
    #: Source ids (`kind:id`) of readings added beside a reading already held under the same
    #: source id with other content: kept both, and reported.
    conflicts: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class UserRecord:
    name: str
    role: str
    agency: str
    clearance: int
    key_hash: str
    created_at: datetime
    active: bool = True
    expires_at: datetime | None = None  # the key's; None: it does not expire
    revoked_at: datetime | None = None  # when the key was revoked, if it was


# --- entity resolution -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResolutionRun:
    """A full resolution run of one kind of record, with the model it trained."""

    id: str
    kind: str
    engine: str
    started_at: datetime
    finished_at: datetime
    threshold: float
    records: int
    pairs: int
    model: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Pair:
    left_id: str
    right_id: str
    probability: float
    match_weight: float


@dataclass(frozen=True, slots=True)
class Judgement:
    id: str
    left_id: str
    right_id: str
    verdict: str
    user_name: str
    at: datetime
    note: str | None = None
    #: The judge's clearance (None: recorded before clearances were): who may read the note.
    classification: int | None = None


def ordered(a: str, b: str) -> tuple[str, str]:
    """Pairs are stored with the smaller id on the left, so each pair has one row."""
    return (a, b) if a <= b else (b, a)


# --- screening -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListVersion:
    name: str
    version: int
    format: str
    source: str
    sha256: str
    loaded_at: datetime
    entities: int
    added: int
    changed: int
    delisted: int


@dataclass(frozen=True, slots=True)
class ListEntityRow:
    dataset: str
    entity_id: str
    schema: str
    data: dict[str, Any]
    content_hash: str
    listed: bool
    first_seen: datetime
    last_seen: datetime
    last_change: datetime


@dataclass(frozen=True, slots=True)
class Alert:
    id: str
    entity_id: str
    dataset: str
    list_entity_id: str
    score: float
    explanation: dict[str, Any]
    evidence: str
    status: str
    raised_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None


# --- sharing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgreementRecord:
    """One version of the agreement with a partner, as stored: its terms are the sharing
    capability's to parse (`corridor.share.agreement`)."""

    partner: str
    version: int
    data: dict[str, Any]
    set_by: str
    set_at: datetime


@dataclass(frozen=True, slots=True)
class Consent:
    """The originator's consent to share one item (an entity, a statement or an observation)
    with one partner."""

    partner: str
    item_id: str
    given_by: str
    given_at: datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class PartnerRecord:
    agency: str
    sign_key: str  # base64 Ed25519 public key, pinned
    enc_key: str  # base64 X25519 public key, pinned
    address: str | None
    added_by: str
    added_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of a package sent: its status, the partner's receipt or the error."""

    status: str
    error: str | None = None
    receipt: str | None = None  # the signed receipt, as JSON text
    delivered_at: datetime | None = None


# --- audit -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry of the log: who (user, role, agency), when, what (event, target, detail as
    canonical JSON text) and why (the stated purpose), chained to the entry before it."""

    seq: int
    at: datetime
    user_name: str
    role: str
    agency: str | None
    event: str
    target: str
    purpose: str | None
    detail: str
    prev_hash: str
    hash: str


#: The last entry's sequence number and hash (None for an empty log).
AuditHead = tuple[int, str] | None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A record past its review-by date: an entity (its statements that are due) or an
    observation."""

    kind: str  # "entity" or "observation"
    id: str
    what: str  # the FtM schema, or the observation kind
    agency: str
    review_by: date
    grading: str  # the grades of the rows due, comma-separated
    count: int  # statements due (entities), 1 (observations)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "what": self.what,
            "agency": self.agency,
            "review_by": self.review_by.isoformat(),
            "grading": self.grading,
            "count": self.count,
        }
