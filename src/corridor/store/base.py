"""The store interface: everything Corridor keeps, as named operations, in one contract.

Two backends implement it: DuckDB in the work directory (embedded, the default) and PostgreSQL
(a node many analysts use at once). Nothing here imports either.

Writes of ingested data go through a `StoreWriter` obtained from `Store.writer()`, which is one
transaction: it commits when the block ends and rolls back entirely if anything in it raises.
Reads of statements and observations take a `ReadScope` (built by
`corridor.access.authz.Authz`) so that filtering cannot be forgotten.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

import pyarrow as pa

from corridor.model.observations import ObservationKind
from corridor.model.scope import ReadScope
from corridor.model.statements import EntityRecord
from corridor.store.records import (
    AgencyCounts,
    AgreementRecord,
    Alert,
    AuditEntry,
    AuditHead,
    Consent,
    Delivery,
    FollowUp,
    IngestInfo,
    Judgement,
    ListEntityRow,
    ListVersion,
    ObservationQuery,
    Pair,
    PartnerRecord,
    ResolutionRun,
    ReviewItem,
    SearchHit,
    UserRecord,
    WriteResult,
)


class StoreWriter(ABC):
    """Buffered, deduplicating writes inside one transaction."""

    result: WriteResult

    @abstractmethod
    def add_statements(self, rows: Sequence[dict[str, Any]]) -> None: ...

    @abstractmethod
    def add_observations(self, kind: ObservationKind, columns: dict[str, Any]) -> None:
        """Append a columnar batch (lists or Arrow arrays): parsed fields and provenance (ids
        are the store's to make)."""

    @abstractmethod
    def retract(self, ids: Sequence[str], sender: str | None = None) -> int:
        """Delete statements and observations by id (only those received from `sender`'s
        packages, when given): how a correction or recall changes the copies. Returns the
        number of rows deleted."""

    @abstractmethod
    def record_received(self, row: dict[str, Any]) -> None:
        """Record a package received, in the same transaction as its content (a second
        package with the same id, or the same sender and sequence, is a `Conflict`)."""

    @abstractmethod
    def add_incoming_request(self, row: dict[str, Any]) -> None:
        """Record a partner's request for information that came in the package."""

    @abstractmethod
    def flush(self) -> None:
        """Write what is buffered (still inside the transaction), so `result` is complete."""

    @abstractmethod
    def add_follow_up(self, follow_up: FollowUp) -> None:
        """Record the work left to do once this transaction commits (`Store.claim_follow_up`)."""

    @abstractmethod
    def append_audit(self, chain: Callable[[AuditHead], Sequence[AuditEntry]]) -> None:
        """Append to the audit log inside this transaction: the entries commit, or are rolled
        back, with what they record. The log's lock is held from here to the end of the
        transaction (keep this last)."""

    def count_read(self, n: int = 1) -> None:
        self.result.rows_read += n


class Store(ABC):
    """Statements, observations, users, the ingest log, entity resolution, screening, sharing
    and the audit log of one node."""

    # --- statements and observations ---------------------------------------------------------

    @abstractmethod
    def writer(self, info: IngestInfo) -> AbstractContextManager[StoreWriter]: ...

    @abstractmethod
    def follow_ups(self) -> list[FollowUp]:
        """After-ingest work recorded by committed ingests and not yet done, oldest first."""

    @abstractmethod
    def claim_follow_up(self, ingest_id: str) -> AbstractContextManager[FollowUp | None]:
        """Claim an ingest's follow-up work: the block gets it (or None when it is done, or
        another process or thread holds it), and it is removed when the block ends without
        an error. A process that dies inside the block leaves it to be claimed again."""

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
        self, query: str, scope: ReadScope, schemata: Sequence[str] | None = None, limit: int = 20
    ) -> list[SearchHit]: ...

    @abstractmethod
    def observations(self, query: ObservationQuery, scope: ReadScope) -> list[dict[str, Any]]: ...

    @abstractmethod
    def analyse_observations(
        self,
        kind: ObservationKind,
        analysis: str,
        params: Sequence[object],
        scope: ReadScope,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Run an analysis (a SELECT over the table `obs`, with `?` parameters) over the
        observations of one kind that the scope allows, between `start` and `end`: the
        reader's filter is applied here, once, whatever the analysis."""

    @abstractmethod
    def observation_table(
        self,
        kind: ObservationKind,
        scope: ReadScope,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> pa.Table:
        """The observations of one kind the scope allows, between `start` and `end`, as Arrow
        (every stored column): what an analysis engine outside the store reads, filtered here
        exactly as `analyse_observations` filters."""

    @abstractmethod
    def counts(self, scope: ReadScope) -> list[AgencyCounts]: ...

    @abstractmethod
    def ingests(self) -> list[dict[str, Any]]: ...

    @abstractmethod
    def ingested_entities(self, ingest_id: str) -> list[str]:
        """Ids of the entities an ingest added statements to."""

    @abstractmethod
    def statement_rows(self, entity_ids: Sequence[str], scope: ReadScope) -> list[dict[str, Any]]:
        """Every statement the scope allows about these entities."""

    @abstractmethod
    def statements_by_id(self, ids: Sequence[str], scope: ReadScope) -> list[dict[str, Any]]: ...

    @abstractmethod
    def linked_entities(self, entity_ids: Sequence[str], scope: ReadScope) -> list[str]:
        """Entities one relationship away: those these point at and those pointing at them."""

    @abstractmethod
    def entities_with_key(self, kind: str, value: str, scope: ReadScope) -> list[str]:
        """Entities with this plate (vehicle), phone number (phone) or account number."""

    @abstractmethod
    def review_due(
        self,
        agency: str | None,
        before: date,
        scope: ReadScope,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[ReviewItem]:
        """Records of an agency (every agency for None) whose review-by date is before `before`,
        within the scope, oldest review-by first."""  # fmt: skip

    # --- users -------------------------------------------------------------------------------

    @abstractmethod
    def add_user(self, user: UserRecord) -> None:
        """Add a user (a name already taken is a `Conflict`)."""

    @abstractmethod
    def set_user_active(self, name: str, active: bool) -> bool:
        """Deactivate (or reactivate) a user: their key stops (or resumes) working. False when
        there is no such user."""

    @abstractmethod
    def user_by_key_hash(self, key_hash: str) -> UserRecord | None:
        """The user holding this key, active or not, revoked or expired or not."""

    @abstractmethod
    def user(self, name: str) -> UserRecord | None: ...

    @abstractmethod
    def users(self) -> list[UserRecord]: ...

    @abstractmethod
    def set_user_key(self, name: str, key_hash: str, expires_at: datetime | None) -> bool:
        """Give an active user a new key (the old one stops working) expiring at `expires_at`.
        False when there is no such active user."""

    @abstractmethod
    def revoke_user_key(self, name: str, at: datetime) -> bool:
        """Stop a user's key working from `at`; False when there is no such user or their key
        is revoked already."""

    def users_revision(self) -> int | None:
        """A number that changes with every change to users and keys, where this process sees
        every one (it alone can write the store): what it knows of them holds until the number
        changes. None where other processes may change them too: ask the store each time."""
        return None

    # --- entity resolution -------------------------------------------------------------------

    @abstractmethod
    def replace_resolution(
        self,
        run: ResolutionRun,
        features: Sequence[tuple[str, dict[str, Any]]],
        keys: Iterable[tuple[int, str]],
        pairs: Sequence[Pair],
        clusters: dict[str, str],
    ) -> None:
        """Install a full run for a kind, replacing the previous one, in one transaction."""

    @abstractmethod
    def add_resolved(
        self,
        kind: str,
        run_id: str,
        features: Sequence[tuple[str, dict[str, Any]]],
        keys: Iterable[tuple[int, str]],
        pairs: Sequence[Pair],
        clusters: dict[str, str],
    ) -> None:
        """Add records linked incrementally and update their clusters, in one transaction."""

    @abstractmethod
    def current_run(self, kind: str) -> ResolutionRun | None: ...

    @abstractmethod
    def candidate_ids(self, kind: str, keys: Sequence[int], limit: int | None = None) -> list[str]:
        """Records found under any of the keys, those sharing the most keys first (ties by id)."""

    @abstractmethod
    def resolved_features(self, kind: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    @abstractmethod
    def pairs_of(self, ids: Sequence[str]) -> list[Pair]: ...

    @abstractmethod
    def clusters_of(self, ids: Sequence[str]) -> dict[str, str]: ...

    @abstractmethod
    def cluster_members(self, cluster_ids: Sequence[str]) -> dict[str, list[str]]: ...

    @abstractmethod
    def all_clusters(self, kind: str) -> dict[str, str]: ...

    @abstractmethod
    def add_judgement(self, judgement: Judgement) -> None: ...

    @abstractmethod
    def judgements(self, ids: Sequence[str] | None = None) -> list[Judgement]:
        """Every judgement (touching `ids`, if given), oldest first."""

    # --- screening ---------------------------------------------------------------------------

    @abstractmethod
    def save_list(self, version: ListVersion, rows: Sequence[ListEntityRow]) -> None:
        """Replace a dataset's entity rows with `rows` and record the version, atomically."""

    @abstractmethod
    def list_versions(self) -> list[ListVersion]:
        """Every loaded version of every dataset, oldest first."""

    @abstractmethod
    def list_entities(
        self, dataset: str | None = None, listed_only: bool = True
    ) -> list[ListEntityRow]: ...

    @abstractmethod
    def list_entity(self, entity_id: str) -> ListEntityRow | None: ...

    @abstractmethod
    def add_alerts(self, alerts: Sequence[Alert]) -> None: ...

    @abstractmethod
    def alerts(self, entity_id: str | None = None, status: str | None = None) -> list[Alert]: ...

    @abstractmethod
    def alert(self, alert_id: str) -> Alert | None: ...

    @abstractmethod
    def decide_alert(
        self, alert_id: str, status: str, user: str, at: datetime, note: str | None
    ) -> None: ...

    # --- sharing -----------------------------------------------------------------------------

    @abstractmethod
    def save_agreement(
        self, partner: str, data: dict[str, Any], set_by: str, at: datetime
    ) -> AgreementRecord:
        """Record a new version of the agreement with a partner; returns it numbered."""

    @abstractmethod
    def agreement(self, partner: str) -> AgreementRecord | None:
        """The agreement in force with a partner (its latest version)."""

    @abstractmethod
    def agreements(self) -> list[AgreementRecord]:
        """The agreement in force with each partner."""

    @abstractmethod
    def add_consent(self, consent: Consent) -> None: ...

    @abstractmethod
    def consents(self, partner: str | None = None) -> list[Consent]: ...

    @abstractmethod
    def save_partner(self, partner: PartnerRecord) -> None:
        """Pin a partner's keys (replacing an earlier pin: keys are rotated this way)."""

    @abstractmethod
    def partners(self) -> list[PartnerRecord]: ...

    @abstractmethod
    def next_sequence(self, partner: str) -> int:
        """The next sequence number for a package to `partner` (reserved by `record_sent`)."""

    @abstractmethod
    def record_sent(
        self, row: dict[str, Any], items: Sequence[tuple[str, str | None, str]]
    ) -> None:
        """Record a package sent (and the ledger of its items: id, entity id, kind) at once."""

    @abstractmethod
    def record_delivery(self, package_id: str, delivery: Delivery) -> None:
        """What became of a package sent (delivered with a receipt, or failed and why)."""

    @abstractmethod
    def sent_rows(
        self, partner: str | None = None, pending_at: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Packages sent (to `partner`), oldest first; with `pending_at`, only those not yet
        delivered and not expired at that time."""

    @abstractmethod
    def received_rows(
        self, package_id: str | None = None, sender_sequence: tuple[str, int] | None = None
    ) -> list[dict[str, Any]]:
        """Packages received, oldest first; with a package id or a (sender, sequence), only
        those with that id or that sender's sequence number (a replay)."""

    @abstractmethod
    def add_request(self, row: dict[str, Any]) -> None:
        """Record a request for information this node sends."""

    @abstractmethod
    def rfi_rows(
        self, direction: str | None = None, rfi_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Requests for information, oldest first, of one direction (`in`, `out`) or id."""

    @abstractmethod
    def rfi_replies(self, direction: str, rfi_id: str | None = None) -> dict[str, dict[str, Any]]:
        """The latest reply to each request of one direction, by request id: the package
        received for a request this node sent (`out`), the package it sent for one it received
        (`in`)."""

    @abstractmethod
    def recipients(self, item_ids: Sequence[str]) -> dict[str, tuple[list[str], str | None]]:
        """Which partners received these items (from the ledger): for each, the items it holds
        and the purpose of the latest package that carried any of them."""

    # --- audit -------------------------------------------------------------------------------

    @abstractmethod
    def append_audit(self, chain: Callable[[AuditHead], Sequence[AuditEntry]]) -> None:
        """Append entries to the log in one transaction: `chain` is given the log's head as it
        stands (read under a lock that excludes every other appender, in any process) and
        returns the entries to add, chained to it."""

    @abstractmethod
    def audit_head(self) -> AuditHead:
        """The last entry's sequence number and hash (None for an empty log)."""

    @abstractmethod
    def audit_entries(
        self,
        after: int = 0,
        limit: int | None = None,
        user: str | None = None,
        event: str | None = None,
    ) -> list[AuditEntry]:
        """Entries with `seq > after` in sequence order, optionally of one user or event."""

    @abstractmethod
    def audit_tail(self, n: int) -> list[AuditEntry]:
        """The last `n` entries, in sequence order."""

    @abstractmethod
    def add_audit_checkpoint(self, entries: int, at: datetime, data: str) -> None:
        """Keep a signed checkpoint of the log's head (`data`: its JSON text)."""

    @abstractmethod
    def audit_checkpoints(self) -> list[str]:
        """The checkpoints kept, as their JSON text, oldest first."""

    # --- the store itself --------------------------------------------------------------------

    @abstractmethod
    def on_close(self, hook: Callable[[], None]) -> None:
        """Run `hook` when the store closes, before its connections do (the audit log writes
        its buffered reads there)."""

    @abstractmethod
    def close(self) -> None: ...
