"""What the audit log keeps in the store: one append-only, hash-chained table, and the query that
finds records past their review-by date.

The chain itself (sequence numbers, hashes, batching of reads) is `corridor.audit`'s; the store
only appends whole batches in one transaction and reads them back in sequence order. Nothing here
updates or deletes an entry.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa

from corridor.model.observations import SPECS
from corridor.model.scope import ReadScope
from corridor.store.duckdb_base import DuckDBBase
from corridor.store.schema import arrow_schema, column_names, create_table

AUDIT_TABLE: tuple[tuple[str, str], ...] = (
    ("seq", "BIGINT NOT NULL"),
    ("at", "TIMESTAMPTZ NOT NULL"),
    ("user_name", "VARCHAR NOT NULL"),
    ("role", "VARCHAR NOT NULL"),
    ("agency", "VARCHAR"),
    ("event", "VARCHAR NOT NULL"),
    ("target", "VARCHAR NOT NULL"),
    ("purpose", "VARCHAR"),
    ("detail", "VARCHAR NOT NULL"),
    ("prev_hash", "VARCHAR NOT NULL"),
    ("hash", "VARCHAR NOT NULL"),
)
AUDIT_DDL = [create_table("audit_log", AUDIT_TABLE)]
AUDIT_COLUMNS = tuple(column_names(AUDIT_TABLE))

#: The column list for SQL (`at` is a keyword in DuckDB, so every name is quoted).
_COLS = ", ".join(f'"{c}"' for c in AUDIT_COLUMNS)
_AUDIT_SCHEMA = arrow_schema(AUDIT_TABLE)


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


class AuditStore(ABC):
    @abstractmethod
    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        """Append entries (already chained, in sequence order) in one transaction."""

    @abstractmethod
    def audit_head(self) -> tuple[int, str] | None:
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
    def review_due(
        self,
        agency: str | None,
        before: date,
        scope: ReadScope,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[ReviewItem]:
        """Records of an agency (every agency for None) whose review-by date is before `before`,
        within the scope, oldest review-by first."""

    @abstractmethod
    def on_close(self, hook: Callable[[], None]) -> None:
        """Run `hook` when the store closes, before its connection does (the audit log flushes
        its buffered reads there)."""


class DuckDBAudit(DuckDBBase, AuditStore):
    """The DuckDB implementation, mixed into `DuckDBStore`.

    Appends take the audit log's own lock (in `corridor.audit`), not the store's write lock:
    appends to a table without keys never conflict in DuckDB, and an entry must not wait for a
    long ingest to commit, nor deadlock a caller that audits inside a writer block.
    """

    _close_hooks: list[Callable[[], None]]

    def _audit_fetch(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._fetch(sql, params)
        except duckdb.CatalogException:
            return []  # a store opened read-only from before the audit log existed

    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        batch = pa.Table.from_pylist(
            [{c: getattr(e, c) for c in AUDIT_COLUMNS} for e in entries], schema=_AUDIT_SCHEMA
        )
        with self._transaction(locked=False) as cur:
            cur.register("_audit_batch", batch)
            cur.execute(
                f"INSERT INTO audit_log ({_COLS}) SELECT {_COLS} FROM _audit_batch ORDER BY seq"
            )
            cur.unregister("_audit_batch")

    def audit_head(self) -> tuple[int, str] | None:
        rows = self._audit_fetch("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        return (int(rows[0][0]), str(rows[0][1])) if rows else None

    def audit_entries(
        self,
        after: int = 0,
        limit: int | None = None,
        user: str | None = None,
        event: str | None = None,
    ) -> list[AuditEntry]:
        where, params = ["seq > ?"], list[object]([after])
        if user is not None:
            where.append("user_name = ?")
            params.append(user)
        if event is not None:
            where.append("event = ?")
            params.append(event)
        sql = f"SELECT {_COLS} FROM audit_log WHERE {' AND '.join(where)} ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [AuditEntry(*row) for row in self._audit_fetch(sql, params)]

    def audit_tail(self, n: int) -> list[AuditEntry]:
        rows = self._audit_fetch(f"SELECT {_COLS} FROM audit_log ORDER BY seq DESC LIMIT ?", [n])
        return [AuditEntry(*row) for row in reversed(rows)]

    def review_due(
        self,
        agency: str | None,
        before: date,
        scope: ReadScope,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[ReviewItem]:
        pred, scope_params = scope.predicate()
        own, own_params = ("agency = ?", [agency]) if agency is not None else ("TRUE", [])
        where = f"review_by IS NOT NULL AND review_by < ? AND {own} AND {pred}"
        params: list[object] = [before, *own_params, *scope_params]
        parts = [
            "SELECT 'entity' AS kind, entity_id AS id, any_value(schema) AS what, agency, "
            "min(review_by) AS review_by, string_agg(DISTINCT grading, ',' ORDER BY grading) "
            f"AS grading, count(*) AS n FROM statements WHERE {where} GROUP BY entity_id, agency"
        ]
        all_params = list(params)
        for kind, spec in SPECS.items():
            parts.append(
                f"SELECT 'observation', id, '{kind.value}', agency, review_by, grading, 1 "
                f"FROM {spec.table} WHERE {where}"
            )
            all_params.extend(params)
        sql = (
            " UNION ALL ".join(f"({p})" for p in parts)
            + " ORDER BY review_by, kind, id LIMIT ? OFFSET ?"
        )
        rows = self._audit_fetch(sql, [*all_params, limit, offset])
        return [
            ReviewItem(str(k), str(i), str(w), str(a), r, str(g), int(n))
            for k, i, w, a, r, g, n in rows
        ]

    def on_close(self, hook: Callable[[], None]) -> None:
        self._close_hooks.append(hook)
