"""The store interface: one contract, an embedded DuckDB store by default, PostgreSQL later.

Writes go through a `StoreWriter` obtained from `Store.writer()`, which is one transaction: it
commits when the block ends and rolls back entirely if anything in it raises. Reads take a
`ReadScope` (built by `corridor.access.authz.Authz`) so that filtering cannot be forgotten.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from corridor.model.observations import ObservationKind
from corridor.model.scope import ReadScope
from corridor.model.statements import EntityRecord
from corridor.store.audit import AuditStore
from corridor.store.resolution import ResolutionStore
from corridor.store.screening import ScreeningStore
from corridor.store.sharing import SharingStore


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


@dataclass(frozen=True, slots=True)
class UserRecord:
    name: str
    role: str
    agency: str
    clearance: int
    key_hash: str
    created_at: datetime
    active: bool = True


class StoreWriter(ABC):
    """Buffered, deduplicating writes inside one transaction."""

    result: WriteResult

    @abstractmethod
    def add_statements(self, rows: Sequence[dict[str, Any]]) -> None: ...

    @abstractmethod
    def add_observations(self, kind: ObservationKind, columns: dict[str, list[Any]]) -> None:
        """Append a columnar batch: parsed fields and provenance (ids are the store's to make)."""

    @abstractmethod
    def retract(self, ids: Sequence[str], sender: str | None = None) -> int:
        """Delete statements and observations by id (only those received from `sender`'s
        packages, when given): how a correction or recall changes the copies. Returns the
        number of rows deleted."""

    @abstractmethod
    def add_row(self, table: str, row: dict[str, Any]) -> None:
        """Add a row to a sharing table (a received package, an incoming request) in the same
        transaction as the content it came with."""

    @abstractmethod
    def flush(self) -> None:
        """Write what is buffered (still inside the transaction), so `result` is complete."""

    def count_read(self, n: int = 1) -> None:
        self.result.rows_read += n


class Store(ResolutionStore, ScreeningStore, SharingStore, AuditStore):
    """Statements, observations, users, the ingest log and entity resolution of one node."""

    @abstractmethod
    def writer(self, info: IngestInfo) -> AbstractContextManager[StoreWriter]: ...

    @abstractmethod
    def get_entity(self, entity_id: str, scope: ReadScope) -> EntityRecord | None: ...

    @abstractmethod
    def iter_entities(
        self,
        scope: ReadScope,
        schemata: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> Iterator[EntityRecord]:
        """Entities in id order, each with only the statements the scope allows."""

    @abstractmethod
    def search(
        self,
        query: str,
        scope: ReadScope,
        schemata: Sequence[str] | None = None,
        limit: int = 20,
    ) -> list[SearchHit]: ...

    @abstractmethod
    def observations(self, query: ObservationQuery, scope: ReadScope) -> list[dict[str, Any]]: ...

    @abstractmethod
    def counts(self, scope: ReadScope) -> list[AgencyCounts]: ...

    @abstractmethod
    def ingests(self) -> list[dict[str, Any]]: ...

    @abstractmethod
    def ingested_entities(self, ingest_id: str) -> list[str]:
        """Ids of the entities an ingest added statements to."""

    @abstractmethod
    def add_user(self, user: UserRecord) -> None: ...

    @abstractmethod
    def user_by_key_hash(self, key_hash: str) -> UserRecord | None: ...

    @abstractmethod
    def users(self) -> list[UserRecord]: ...

    @abstractmethod
    def close(self) -> None: ...
