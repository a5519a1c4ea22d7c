"""The store interface implemented once in SQL, over a `Session` each backend supplies.

A backend (DuckDB, PostgreSQL) provides: how a session is opened (for reading, or as one
transaction), how rows are loaded in bulk, how an ingest's rows are merged (`writer`), and how
appends to the audit log exclude each other. Every named operation of `corridor.store.base` is
written here, once, in SQL both databases speak.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime
from typing import Any

import pyarrow as pa

from corridor.errors import Conflict
from corridor.model.observations import ObservationKind
from corridor.model.scope import ReadScope
from corridor.model.statements import EntityRecord
from corridor.normalise.names import name_keys
from corridor.normalise.phones import normalise_phone
from corridor.normalise.plates import normalise_plate
from corridor.store import tables as T
from corridor.store.base import Store, StoreWriter
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
from corridor.store.sql import queries as q
from corridor.store.sql.dialect import Dialect
from corridor.store.sql.queries import Query

_TS = pa.timestamp("us", "UTC")
_PAIR = "left_id, right_id, probability, match_weight"
_JUDGEMENT = "id, left_id, right_id, verdict, user_name, judged_at, note, classification"
_AUDIT = q.quoted(T.AUDIT_COLUMNS)
_USER = q.quoted(T.USERS.column_names)
#: Statement ids staged per batch before the names of the batch are extracted.
FLUSH_ROWS = 50_000


class Session(ABC):
    """One connection's turn: SQL with `?` parameters, rows back as tuples or dicts."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[object] = ()) -> None: ...

    @abstractmethod
    def count(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run an INSERT, UPDATE or DELETE; the number of rows it changed."""

    @abstractmethod
    def rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def dicts(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]: ...

    def arrow(self, sql: str, params: Sequence[object], schema: pa.Schema) -> pa.Table:
        """A query's rows as Arrow with the columns of `schema` (a backend with a faster path
        overrides this)."""
        return pa.Table.from_pylist(self.dicts(sql, params), schema)

    @abstractmethod
    def insert_arrow(self, table: str, data: pa.Table) -> None:
        """Append rows (columns named as the table's) in bulk."""

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            self.execute(sql, row)


class SQLWriter(StoreWriter):
    """What every backend's ingest writer shares: statements buffered and their name keys
    derived in batches, the received-package rows, and the ingest's own row at the end."""

    def __init__(self, session: Session, info: IngestInfo) -> None:
        self.session = session
        self.info = info
        self.result = WriteResult()
        self._statements: list[dict[str, Any]] = []
        self._observed: set[ObservationKind] = set()  # kinds of reading written
        self._appended: AuditHead = None  # the last audit entry this transaction appended

    @abstractmethod
    def _stage(self, table: T.Table, batch: pa.Table) -> None:
        """Keep a batch of rows for `table` until the merge (inside the transaction)."""

    @abstractmethod
    def _merge(self) -> None:
        """Merge what is staged into the stored tables, counting what was new."""

    def add_statements(self, rows: Sequence[dict[str, Any]]) -> None:
        self._statements.extend(rows)
        if len(self._statements) >= FLUSH_ROWS:
            self._stage_statements()

    def _stage_statements(self) -> None:
        rows, self._statements = self._statements, []
        if not rows:
            return
        self._stage(T.STATEMENTS, pa.Table.from_pylist(rows, schema=_STATEMENT_SCHEMA))
        names = [
            {"statement_id": row["id"], "entity_id": row["entity_id"], "schema": row["schema"],
             "token": token, "skeleton": skel}
            for row in rows
            if row["prop_type"] == "name"
            for token, skel in name_keys(row["value"])
        ]  # fmt: skip
        if names:
            self._stage(T.NAME_INDEX, pa.Table.from_pylist(names, schema=_NAME_SCHEMA))

    def flush(self) -> None:
        self._stage_statements()
        before = self.result.observations_added
        self._merge()
        if self.result.observations_added > before:
            self.result.conflicts = self._conflicts()

    def _conflicts(self) -> list[str]:
        """Source ids under which this ingest added a reading beside one with other content
        (held before, or earlier in the same input): `kind:id`, in order."""
        found = []
        for kind in sorted(self._observed):
            table = T.OBSERVATIONS[kind].name
            rows = self.session.rows(
                f"SELECT DISTINCT n.source_id FROM {table} n JOIN {table} o "
                "ON o.agency = n.agency AND o.source_id = n.source_id AND o.id <> n.id "
                "WHERE n.ingest_id = ? AND n.source_id <> '' ORDER BY 1",
                [self.info.id],
            )
            found += [f"{kind.value}:{row[0]}" for row in rows]
        return found

    def retract(self, ids: Sequence[str], sender: str | None = None) -> int:
        if not ids:
            return 0
        self.flush()
        s, d = self.session, self.dialect
        wanted = [list(dict.fromkeys(ids))]
        only, params = "", list[object]()
        if sender is not None:
            only = " AND ingest_id IN (SELECT 'pkg-' || package_id FROM received WHERE sender = ?)"
            params = [sender]
        s.execute(
            "DELETE FROM name_index WHERE statement_id IN (SELECT id FROM statements "
            f"WHERE {d.in_list('id')}{only})",
            [*wanted, *params],
        )
        deleted = 0
        for table in [T.STATEMENTS, *T.OBSERVATIONS.values()]:
            deleted += s.count(
                f"DELETE FROM {table.name} WHERE {d.in_list('id')}{only}", [*wanted, *params]
            )
        return deleted

    def record_received(self, row: dict[str, Any]) -> None:
        self._insert_unique(T.RECEIVED, row)

    def add_incoming_request(self, row: dict[str, Any]) -> None:
        self._insert_unique(T.RFIS, row)

    def _insert_unique(self, table: T.Table, row: dict[str, Any]) -> None:
        try:
            self.session.execute(q.insert(table.name, list(row)), list(row.values()))
        except Exception as exc:
            if self.is_conflict(exc):
                raise Conflict(f"already recorded in {table.name}: {exc}") from None
            raise

    def add_follow_up(self, follow_up: FollowUp) -> None:
        f = follow_up
        values = [f.ingest_id, ",".join(f.steps), f.user_name, f.role, f.agency, f.clearance,
                  f.system, f.purpose, f.via, f.created_at]  # fmt: skip
        self.session.execute(q.insert("ingest_follow_ups", T.FOLLOW_UPS.column_names), values)

    def append_audit(self, chain: Callable[[AuditHead], Sequence[AuditEntry]]) -> None:
        self._lock_audit()
        entries = chain(self._appended or self._audit_head())
        insert_audit(self.session, entries)
        if entries:  # a second append in this transaction follows these, not the committed head
            self._appended = (entries[-1].seq, entries[-1].hash)

    @abstractmethod
    def _lock_audit(self) -> None:
        """Take the audit log's lock until this transaction ends."""

    def _audit_head(self) -> AuditHead:
        """The log's head as last committed (this transaction holds the log's lock)."""
        return audit_head(self.session)

    def record(self, finished_at: datetime) -> None:
        """The ingest's row, last, in the same transaction as its content."""
        i, r = self.info, self.result
        values = [i.id, i.path, i.kind, i.sha256, i.agency, i.user_name, i.started_at,
                  finished_at, r.rows_read, r.statements_added, r.observations_added]  # fmt: skip
        self.session.execute(q.insert("ingests", T.INGESTS.column_names), values)

    dialect: Dialect

    @staticmethod
    @abstractmethod
    def is_conflict(exc: Exception) -> bool:
        """Whether a driver error is a key or unique constraint violated."""


_STATEMENT_SCHEMA = T.STATEMENTS.arrow_schema()
_NAME_SCHEMA = T.NAME_INDEX.arrow_schema()
#: Observation columns the store fills in itself, not the readers.
STORE_MADE = frozenset({"id", "ingest_id", "first_seen"})
_OBS_SCHEMA = {kind: t.arrow_schema() for kind, t in T.OBSERVATIONS.items()}
_OBS_INPUT_SCHEMA = {kind: t.arrow_schema(STORE_MADE) for kind, t in T.OBSERVATIONS.items()}


def observation_batch(kind: ObservationKind, columns: dict[str, Any]) -> pa.Table:
    """A reader's columns (lists or Arrow arrays; those not given are null) as one Arrow batch
    of the kind's input schema."""
    n = len(next(iter(columns.values()), []))
    arrays = []
    for f in _OBS_INPUT_SCHEMA[kind]:
        value = columns.get(f.name)
        if value is None:
            arrays.append(pa.nulls(n, f.type))
        elif isinstance(value, pa.Array):
            arrays.append(value.cast(f.type))
        else:
            arrays.append(pa.array(value, f.type))
    return pa.Table.from_arrays(arrays, schema=_OBS_INPUT_SCHEMA[kind])


class SQLStore(Store):
    """Every named operation of the store, in SQL, over the backend's sessions."""

    dialect: Dialect

    def __init__(self) -> None:
        self._close_hooks: list[Callable[[], None]] = []
        self._hooks_lock = threading.Lock()
        self._claims: set[str] = set()  # follow-ups this object is doing
        self._claims_lock = threading.Lock()

    # --- what a backend supplies -------------------------------------------------------------

    @abstractmethod
    def _session(self, write: bool = False) -> AbstractContextManager[Session]:
        """A session for reading, or (`write`) one transaction that commits when the block
        ends and rolls back if it raises."""

    @abstractmethod
    def _audit_session(self) -> AbstractContextManager[Session]:
        """A transaction holding the lock that makes appends to the audit log one at a time,
        across every process using the store."""

    @abstractmethod
    def _close(self) -> None:
        """Release the connections."""

    @staticmethod
    @abstractmethod
    def _is_conflict(exc: Exception) -> bool:
        """Whether a driver error is a key or unique constraint violated."""

    def _evolve(self, s: Session) -> None:
        """Add the columns a store made before lacks (those its tables were given since): a
        catalogue query per column, so that opening a store that has them locks nothing."""
        for table, column in self.dialect.added_columns():
            present = s.rows(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = ? AND column_name = ?",
                [table.name, column.name],
            )
            if not present:
                s.execute(self.dialect.add_column(table, column))

    def _lookup(
        self,
        s: Session,
        select: str,
        column: str,
        values: Sequence[object],
        more: Sequence[object] = (),
    ) -> list[tuple[Any, ...]]:
        """`select` (ending in WHERE …, with `{match}` where the column test goes) for rows
        whose `column` is one of `values`; `more` fills any later `?`."""  # fmt: skip
        if not values:
            return []
        sql = select.format(match=self.dialect.in_list(column))
        return s.rows(sql, [list(values), *more])

    def _rows(self, query: Query) -> list[dict[str, Any]]:
        with self._session() as s:
            return s.dicts(query[0], query[1])

    def _fetch(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._session() as s:
            return s.rows(sql, params)

    def _execute(self, statements: Sequence[tuple[str, Sequence[object]]]) -> None:
        with self._session(write=True) as s:
            for sql, params in statements:
                s.execute(sql, params)

    # --- statements and observations ---------------------------------------------------------

    def get_entity(self, entity_id: str, scope: ReadScope) -> EntityRecord | None:
        rows = self._rows(q.entity_statements(entity_id, scope))
        return EntityRecord.assemble(entity_id, rows) if rows else None

    def iter_entities(
        self,
        scope: ReadScope,
        schemata: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> Iterator[EntityRecord]:
        batch = 500
        ids = [r["entity_id"] for r in self._rows(q.entity_ids(scope, schemata, limit, offset))]
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            grouped: dict[str, list[dict[str, Any]]] = {}
            for row in self._rows(q.statements_for(self.dialect, chunk, scope)):
                grouped.setdefault(row["entity_id"], []).append(row)
            for entity_id in chunk:
                if entity_id in grouped:
                    yield EntityRecord.assemble(entity_id, grouped[entity_id])

    def search(
        self, query: str, scope: ReadScope, schemata: Sequence[str] | None = None, limit: int = 20
    ) -> list[SearchHit]:
        keys = name_keys(query)
        if not keys:
            return []
        rows = self._rows(q.search(keys, scope, schemata, limit))
        return [
            SearchHit(r["entity_id"], r["schema"], float(r["score"]), tuple(sorted(r["names"])))
            for r in rows
        ]

    def observations(self, query: ObservationQuery, scope: ReadScope) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        with self._session() as s:
            for kind in query.kinds:
                sql, params = q.observations(kind, query, scope)
                rows.extend(s.dicts(sql, params))
        rows.sort(key=lambda r: (r["observed_at"], r["id"]))
        return rows[query.offset : query.offset + query.limit]

    def analyse_observations(
        self,
        kind: ObservationKind,
        analysis: str,
        params: Sequence[object],
        scope: ReadScope,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[dict[str, Any]]:
        sql, visible = q.visible_observations(kind, scope, start, end)
        # NOT MATERIALIZED: the reader's filter is inlined where the analysis reads `obs`.
        # Left to itself, DuckDB plans the convoy query's self-join over a filtered CTE 40×
        # slower (68 s against 1.7 s on a million reads); PostgreSQL reads it the same way.
        with self._session() as s:
            return s.dicts(
                f"WITH obs AS NOT MATERIALIZED ({sql}) SELECT * FROM ({analysis}) AS analysis",
                [*visible, *params],
            )

    def observation_table(
        self,
        kind: ObservationKind,
        scope: ReadScope,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> pa.Table:
        sql, params = q.visible_observations(kind, scope, start, end)
        with self._session() as s:
            return s.arrow(f"{sql} ORDER BY observed_at, id", params, _OBS_SCHEMA[kind])

    def counts(self, scope: ReadScope) -> list[AgencyCounts]:
        by_agency: dict[str, AgencyCounts] = {}
        with self._session() as s:
            for label, (sql, params) in q.counts(scope):
                for agency, n in s.rows(sql, params):
                    c = by_agency.setdefault(agency, AgencyCounts(agency))
                    if label == "entities":
                        c.entities = int(n)
                    elif label == "statements":
                        c.statements = int(n)
                    else:
                        c.observations[label] = int(n)
        return [by_agency[a] for a in sorted(by_agency)]

    def ingests(self) -> list[dict[str, Any]]:
        return self._rows(("SELECT * FROM ingests ORDER BY started_at, id", []))

    def ingested_entities(self, ingest_id: str) -> list[str]:
        sql = "SELECT DISTINCT entity_id FROM statements WHERE ingest_id = ? ORDER BY 1"
        return [str(r[0]) for r in self._fetch(sql, [ingest_id])]

    def _by_ids(
        self, select: str, column: str, ids: Sequence[str], scope: ReadScope, tail: str = ""
    ) -> list[dict[str, Any]]:
        """Statements whose `column` is one of `ids`, within the scope."""
        if not ids:
            return []
        pred, params = scope.predicate("s")
        sql = (
            f"SELECT {select} FROM statements s WHERE {self.dialect.in_list('s.' + column)} "
            f"AND {pred} {tail}"
        )
        return self._rows((sql, [list(dict.fromkeys(ids)), *params]))

    def statement_rows(self, entity_ids: Sequence[str], scope: ReadScope) -> list[dict[str, Any]]:
        return self._by_ids("s.*", "entity_id", entity_ids, scope, "ORDER BY s.entity_id, s.id")

    def statements_by_id(self, ids: Sequence[str], scope: ReadScope) -> list[dict[str, Any]]:
        return self._by_ids("s.*", "id", ids, scope, "ORDER BY s.id")

    def linked_entities(self, entity_ids: Sequence[str], scope: ReadScope) -> list[str]:
        out = self._by_ids(
            "DISTINCT s.value AS e", "entity_id", entity_ids, scope, "AND s.prop_type = 'entity'"
        )
        out += self._by_ids(
            "DISTINCT s.entity_id AS e", "value", entity_ids, scope, "AND s.prop_type = 'entity'"
        )
        return sorted({str(r["e"]) for r in out})

    def entities_with_key(self, kind: str, value: str, scope: ReadScope) -> list[str]:
        norm: Callable[[str], str | None] = _KEY_NORMALISERS.get(kind, _account)
        target = norm(value)
        if not target:
            return []
        pred, params = scope.predicate("s")
        rows = self._fetch(
            f"SELECT DISTINCT s.entity_id, s.value FROM statements s "
            f"WHERE {_KEY_PROPERTIES[kind]} AND {pred}",
            params,
        )
        return sorted({str(e) for e, v in rows if norm(str(v)) == target})

    def review_due(
        self, agency: str | None, before: date, scope: ReadScope, limit: int = 1000,
        offset: int = 0,
    ) -> list[ReviewItem]:  # fmt: skip
        sql, params = q.review_due(agency, before, scope)
        rows = self._fetch(sql, [*params, limit, offset])
        return [
            ReviewItem(str(k), str(i), str(w), str(a), r, str(g), int(n))
            for k, i, w, a, r, g, n in rows
        ]

    # --- users -------------------------------------------------------------------------------

    def add_user(self, user: UserRecord) -> None:
        u = user
        try:
            with self._session(write=True) as s:
                if s.rows("SELECT 1 FROM users WHERE name = ?", [u.name]):
                    raise Conflict(f"user {u.name!r} already exists")
                s.execute(
                    q.insert("users", T.USERS.column_names),
                    [getattr(u, c) for c in T.USERS.column_names],
                )
        except Exception as exc:
            if self._is_conflict(exc):  # added meanwhile by another process
                raise Conflict(f"user {u.name!r} already exists") from None
            raise
        finally:
            self._users_changed()

    def _change_user(self, sql: str, params: Sequence[object]) -> bool:
        try:
            with self._session(write=True) as s:
                return s.count(sql, params) > 0
        finally:
            self._users_changed()

    def set_user_active(self, name: str, active: bool) -> bool:
        return self._change_user("UPDATE users SET active = ? WHERE name = ?", [active, name])

    def set_user_key(self, name: str, key_hash: str, expires_at: datetime | None) -> bool:
        return self._change_user(
            "UPDATE users SET key_hash = ?, expires_at = ?, revoked_at = NULL "
            "WHERE name = ? AND active",
            [key_hash, expires_at, name],
        )

    def revoke_user_key(self, name: str, at: datetime) -> bool:
        return self._change_user(
            "UPDATE users SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", [at, name]
        )

    def _users_changed(self) -> None:
        """Called after every change to users: a backend whose `users_revision` counts the
        changes counts one here."""

    def user_by_key_hash(self, key_hash: str) -> UserRecord | None:
        rows = self._rows((f"SELECT {_USER} FROM users WHERE key_hash = ?", [key_hash]))
        return UserRecord(**rows[0]) if rows else None

    def user(self, name: str) -> UserRecord | None:
        rows = self._rows((f"SELECT {_USER} FROM users WHERE name = ?", [name]))
        return UserRecord(**rows[0]) if rows else None

    def users(self) -> list[UserRecord]:
        # Every column there is: a store made before the newest columns, opened read-only,
        # lacks them (the record's defaults stand in).
        return [UserRecord(**r) for r in self._rows(("SELECT * FROM users ORDER BY name", []))]

    # --- entity resolution -------------------------------------------------------------------

    def _write_resolution(
        self, kind: str, run: ResolutionRun | None, run_id: str,
        features: Sequence[tuple[str, dict[str, Any]]], keys: Iterable[tuple[int, str]],
        pairs: Sequence[Pair], clusters: dict[str, str],
    ) -> None:  # fmt: skip
        key_rows = list(keys)
        data = {
            "resolve_records": pa.table({
                "kind": [kind] * len(features), "record_id": [r for r, _ in features],
                "features": [json.dumps(f, sort_keys=True) for _, f in features]}),
            "resolve_keys": pa.table({
                "kind": [kind] * len(key_rows),
                "k": pa.array([k for k, _ in key_rows], pa.int64()),
                "record_id": [r for _, r in key_rows]}),
            "resolve_pairs": pa.table({
                "kind": [kind] * len(pairs), "left_id": [p.left_id for p in pairs],
                "right_id": [p.right_id for p in pairs],
                "probability": pa.array([p.probability for p in pairs], pa.float64()),
                "match_weight": pa.array([p.match_weight for p in pairs], pa.float64()),
                "run_id": [run_id] * len(pairs)}),
            "clusters": pa.table({
                "kind": [kind] * len(clusters), "record_id": list(clusters),
                "cluster_id": list(clusters.values())}),
        }  # fmt: skip
        with self._session(write=True) as s:
            if run is not None:
                for table in ("resolve_records", "resolve_keys", "resolve_pairs", "clusters"):
                    s.execute(f"DELETE FROM {table} WHERE kind = ?", [kind])
                s.execute("UPDATE resolve_runs SET is_current = FALSE WHERE kind = ?", [kind])
                s.execute(
                    q.insert("resolve_runs", T.RESOLVE_RUNS.column_names),
                    [run.id, run.kind, run.engine, run.started_at, run.finished_at,
                     run.threshold, run.records, run.pairs, json.dumps(run.model), True],
                )  # fmt: skip
            else:
                self._delete_resolved(s, [r for r, _ in features], list(clusters), pairs)
            for name, table in data.items():
                if table.num_rows:
                    s.insert_arrow(name, table)

    def _delete_resolved(
        self, s: Session, records: Sequence[str], clustered: Sequence[str], pairs: Sequence[Pair]
    ) -> None:
        """Remove what an incremental link replaces: the records' features and keys, their
        cluster rows, and the pairs scored again."""
        d = self.dialect
        if records:
            s.execute(f"DELETE FROM resolve_records WHERE {d.in_list('record_id')}", [records])
            s.execute(f"DELETE FROM resolve_keys WHERE {d.in_list('record_id')}", [records])
        if clustered:
            s.execute(f"DELETE FROM clusters WHERE {d.in_list('record_id')}", [list(clustered)])
        if pairs:
            both = d.in_list("left_id || '|' || right_id")
            s.execute(
                f"DELETE FROM resolve_pairs WHERE {d.in_list('left_id')} AND {both}",
                [[p.left_id for p in pairs], [f"{p.left_id}|{p.right_id}" for p in pairs]],
            )

    def replace_resolution(
        self, run: ResolutionRun, features: Sequence[tuple[str, dict[str, Any]]],
        keys: Iterable[tuple[int, str]], pairs: Sequence[Pair], clusters: dict[str, str],
    ) -> None:  # fmt: skip
        self._write_resolution(run.kind, run, run.id, features, keys, pairs, clusters)

    def add_resolved(
        self, kind: str, run_id: str, features: Sequence[tuple[str, dict[str, Any]]],
        keys: Iterable[tuple[int, str]], pairs: Sequence[Pair], clusters: dict[str, str],
    ) -> None:  # fmt: skip
        self._write_resolution(kind, None, run_id, features, keys, pairs, clusters)

    def current_run(self, kind: str) -> ResolutionRun | None:
        rows = self._fetch(
            "SELECT id, kind, engine, started_at, finished_at, threshold, records, pairs, model "
            "FROM resolve_runs WHERE kind = ? AND is_current ORDER BY finished_at DESC LIMIT 1",
            [kind],
        )
        if not rows:
            return None
        r = rows[0]
        return ResolutionRun(
            r[0], r[1], r[2], r[3], r[4], float(r[5]), int(r[6]), int(r[7]), json.loads(r[8])
        )

    def candidate_ids(self, kind: str, keys: Sequence[int], limit: int | None = None) -> list[str]:
        with self._session() as s:
            rows = self._lookup(
                s, "SELECT record_id FROM resolve_keys WHERE {match}", "k", sorted(set(keys))
            )
        shared: dict[str, int] = {}
        for (record_id,) in rows:
            shared[record_id] = shared.get(record_id, 0) + 1
        ranked = sorted(shared, key=lambda r: (-shared[r], r))
        return ranked[:limit] if limit is not None else ranked

    def resolved_features(self, kind: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self._session() as s:
            rows = self._lookup(
                s, "SELECT record_id, features FROM resolve_records WHERE {match} AND kind = ?",
                "record_id", sorted(set(ids)), [kind],
            )  # fmt: skip
        return {r[0]: json.loads(r[1]) for r in rows}

    def pairs_of(self, ids: Sequence[str]) -> list[Pair]:
        wanted = sorted(set(ids))
        with self._session() as s:
            found = set(
                self._lookup(s, f"SELECT {_PAIR} FROM resolve_pairs WHERE {{match}}", "left_id",
                             wanted)
            ) | set(
                self._lookup(s, f"SELECT {_PAIR} FROM resolve_pairs WHERE {{match}}", "right_id",
                             wanted)
            )  # fmt: skip
        return [
            Pair(r[0], r[1], float(r[2]), float(r[3]))
            for r in sorted(found, key=lambda r: (-r[2], r[0], r[1]))
        ]

    def clusters_of(self, ids: Sequence[str]) -> dict[str, str]:
        with self._session() as s:
            rows = self._lookup(
                s, "SELECT record_id, cluster_id FROM clusters WHERE {match}", "record_id",
                sorted(set(ids)),
            )  # fmt: skip
        return {r[0]: r[1] for r in rows}

    def cluster_members(self, cluster_ids: Sequence[str]) -> dict[str, list[str]]:
        with self._session() as s:
            rows = self._lookup(
                s, "SELECT cluster_id, record_id FROM clusters WHERE {match}", "cluster_id",
                sorted(set(cluster_ids)),
            )  # fmt: skip
        out: dict[str, list[str]] = {}
        for cluster_id, record_id in sorted(rows):
            out.setdefault(cluster_id, []).append(record_id)
        return out

    def all_clusters(self, kind: str) -> dict[str, str]:
        rows = self._fetch("SELECT record_id, cluster_id FROM clusters WHERE kind = ?", [kind])
        return {r[0]: r[1] for r in rows}

    def add_judgement(self, judgement: Judgement) -> None:
        j = judgement
        self._execute([(
            q.insert("judgements", T.JUDGEMENTS.column_names),
            [j.id, j.left_id, j.right_id, j.verdict, j.user_name, j.at, j.note,
             j.classification],
        )])  # fmt: skip

    def judgements(self, ids: Sequence[str] | None = None) -> list[Judgement]:
        with self._session() as s:
            if ids is None:
                rows = s.rows(f"SELECT {_JUDGEMENT} FROM judgements ORDER BY judged_at, id")
            else:
                wanted = sorted(set(ids))
                sql = f"SELECT {_JUDGEMENT} FROM judgements WHERE {{match}}"
                found = set(self._lookup(s, sql, "left_id", wanted))
                found |= set(self._lookup(s, sql, "right_id", wanted))
                rows = sorted(found, key=lambda r: (r[5], r[0]))
        return [Judgement(*r) for r in rows]

    # --- screening ---------------------------------------------------------------------------

    def save_list(self, version: ListVersion, rows: Sequence[ListEntityRow]) -> None:
        table = pa.table({
            "dataset": pa.array([r.dataset for r in rows], pa.string()),
            "entity_id": pa.array([r.entity_id for r in rows], pa.string()),
            "schema": pa.array([r.schema for r in rows], pa.string()),
            "data": pa.array([json.dumps(r.data, sort_keys=True) for r in rows], pa.string()),
            "content_hash": pa.array([r.content_hash for r in rows], pa.string()),
            "listed": pa.array([r.listed for r in rows], pa.bool_()),
            "first_seen": pa.array([r.first_seen for r in rows], _TS),
            "last_seen": pa.array([r.last_seen for r in rows], _TS),
            "last_change": pa.array([r.last_change for r in rows], _TS),
        })  # fmt: skip
        v = version
        with self._session(write=True) as s:
            s.execute("DELETE FROM list_entities WHERE dataset = ?", [version.name])
            if table.num_rows:
                s.insert_arrow("list_entities", table)
            s.execute(
                q.insert("list_datasets", T.LIST_DATASETS.column_names),
                [v.name, v.version, v.format, v.source, v.sha256, v.loaded_at, v.entities,
                 v.added, v.changed, v.delisted],
            )  # fmt: skip

    def list_versions(self) -> list[ListVersion]:
        rows = self._fetch("SELECT * FROM list_datasets ORDER BY loaded_at, name, version")
        return [ListVersion(*r) for r in rows]

    def _entity_rows(self, sql: str, params: Sequence[object]) -> list[ListEntityRow]:
        return [
            ListEntityRow(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7], r[8])
            for r in self._fetch(sql, params)
        ]

    def list_entities(
        self, dataset: str | None = None, listed_only: bool = True
    ) -> list[ListEntityRow]:
        cond, params = q.where(dataset=dataset)
        if listed_only:
            cond += " AND listed"
        return self._entity_rows(
            f"SELECT * FROM list_entities WHERE {cond} ORDER BY dataset, entity_id", params
        )

    def list_entity(self, entity_id: str) -> ListEntityRow | None:
        rows = self._entity_rows("SELECT * FROM list_entities WHERE entity_id = ?", [entity_id])
        found = [r for r in rows if r.listed] or rows
        return found[0] if found else None

    def add_alerts(self, alerts: Sequence[Alert]) -> None:
        if not alerts:
            return
        with self._session(write=True) as s:
            s.executemany(
                q.insert("alerts", T.ALERTS.column_names),
                [[a.id, a.entity_id, a.dataset, a.list_entity_id, a.score,
                  json.dumps(a.explanation, sort_keys=True), a.evidence, a.status,
                  a.raised_at, a.decided_by, a.decided_at, a.note] for a in alerts],
            )  # fmt: skip

    def _alerts(self, sql: str, params: Sequence[object]) -> list[Alert]:
        return [
            Alert(r[0], r[1], r[2], r[3], float(r[4]), json.loads(r[5]), r[6], r[7], r[8], r[9],
                  r[10], r[11])
            for r in self._fetch(sql, params)
        ]  # fmt: skip

    def alerts(self, entity_id: str | None = None, status: str | None = None) -> list[Alert]:
        cond, params = q.where(entity_id=entity_id, status=status)
        return self._alerts(f"SELECT * FROM alerts WHERE {cond} ORDER BY raised_at, id", params)

    def alert(self, alert_id: str) -> Alert | None:
        found = self._alerts("SELECT * FROM alerts WHERE id = ?", [alert_id])
        return found[0] if found else None

    def decide_alert(
        self, alert_id: str, status: str, user: str, at: datetime, note: str | None
    ) -> None:
        self._execute([(
            "UPDATE alerts SET status = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ?",
            [status, user, at, note, alert_id],
        )])  # fmt: skip

    # --- sharing -----------------------------------------------------------------------------

    def save_agreement(
        self, partner: str, data: dict[str, Any], set_by: str, at: datetime
    ) -> AgreementRecord:
        for _ in range(3):  # two writers numbering the same version: the second tries again
            try:
                with self._session(write=True) as s:
                    row = s.rows(
                        "SELECT coalesce(max(version), 0) FROM agreements WHERE partner = ?",
                        [partner],
                    )
                    version = int(row[0][0]) + 1
                    stored = {**data, "partner": partner, "version": version}
                    s.execute(
                        q.insert("agreements", T.AGREEMENTS.column_names),
                        [partner, version, json.dumps(stored), set_by, at],
                    )
                return AgreementRecord(partner, version, stored, set_by, at)
            except Exception as exc:
                if not self._is_conflict(exc):
                    raise
        raise Conflict(f"the agreement with {partner} is being changed; try again")

    def _agreements(self, cond: str, params: Sequence[object]) -> list[AgreementRecord]:
        rows = self._fetch(
            f"SELECT partner, version, data, set_by, set_at FROM agreements a WHERE {cond} "
            "AND version = (SELECT max(version) FROM agreements b WHERE b.partner = a.partner) "
            "ORDER BY partner",
            params,
        )
        return [AgreementRecord(p, int(v), json.loads(d), b, t) for p, v, d, b, t in rows]

    def agreement(self, partner: str) -> AgreementRecord | None:
        found = self._agreements("partner = ?", [partner])
        return found[0] if found else None

    def agreements(self) -> list[AgreementRecord]:
        return self._agreements("TRUE", [])

    def add_consent(self, consent: Consent) -> None:
        c = consent
        self._execute([(
            q.insert("consents", T.CONSENTS.column_names),
            [c.partner, c.item_id, c.given_by, c.given_at, c.note],
        )])  # fmt: skip

    def consents(self, partner: str | None = None) -> list[Consent]:
        cond, params = q.where(partner=partner)
        rows = self._fetch(
            f"SELECT * FROM consents WHERE {cond} ORDER BY given_at, item_id", params
        )
        return [Consent(*r) for r in rows]

    def save_partner(self, partner: PartnerRecord) -> None:
        p = partner
        self._execute([
            ("DELETE FROM partners WHERE agency = ?", [p.agency]),
            (q.insert("partners", T.PARTNERS.column_names),
             [p.agency, p.sign_key, p.enc_key, p.address, p.added_by, p.added_at]),
        ])  # fmt: skip

    def partners(self) -> list[PartnerRecord]:
        return [PartnerRecord(*r) for r in self._fetch("SELECT * FROM partners ORDER BY agency")]

    def next_sequence(self, partner: str) -> int:
        rows = self._fetch(
            "SELECT coalesce(max(sequence), 0) FROM sent WHERE partner = ?", [partner]
        )
        return int(rows[0][0]) + 1

    def record_sent(
        self, row: dict[str, Any], items: Sequence[tuple[str, str | None, str]]
    ) -> None:
        try:
            with self._session(write=True) as s:
                s.execute(q.insert("sent", list(row)), list(row.values()))
                if items:
                    s.insert_arrow("sent_items", pa.table({
                        "package_id": pa.array([row["package_id"]] * len(items), pa.string()),
                        "partner": pa.array([row["partner"]] * len(items), pa.string()),
                        "item_id": pa.array([i[0] for i in items], pa.string()),
                        "entity_id": pa.array([i[1] for i in items], pa.string()),
                        "kind": pa.array([i[2] for i in items], pa.string()),
                    }))  # fmt: skip
        except Exception as exc:
            if self._is_conflict(exc):
                raise Conflict(
                    f"package {row['sequence']} to {row['partner']} is already recorded"
                ) from None
            raise

    def record_delivery(self, package_id: str, delivery: Delivery) -> None:
        d = delivery
        self._execute([(
            "UPDATE sent SET status = ?, error = ?, receipt = ?, delivered_at = ? "
            "WHERE package_id = ?",
            [d.status, d.error, d.receipt, d.delivered_at, package_id],
        )])  # fmt: skip

    def sent_rows(
        self, partner: str | None = None, pending_at: datetime | None = None
    ) -> list[dict[str, Any]]:
        cond, params = q.where(partner=partner)
        if pending_at is not None:
            cond += " AND status <> 'delivered' AND expires_at > ?"
            params.append(pending_at)
        return self._rows((f"SELECT * FROM sent WHERE {cond} ORDER BY created_at, sequence",
                           params))  # fmt: skip

    def received_rows(
        self, package_id: str | None = None, sender_sequence: tuple[str, int] | None = None
    ) -> list[dict[str, Any]]:
        cond, params = "TRUE", list[object]()
        if package_id is not None or sender_sequence is not None:
            sender, sequence = sender_sequence or (None, None)
            cond = "(package_id = ? OR (sender = ? AND sequence = ?))"
            params = [package_id, sender, sequence]
        return self._rows(
            (f"SELECT * FROM received WHERE {cond} ORDER BY received_at, sequence", params)
        )

    def add_request(self, row: dict[str, Any]) -> None:
        self._execute([(q.insert("rfis", list(row)), list(row.values()))])

    def rfi_rows(
        self, direction: str | None = None, rfi_id: str | None = None
    ) -> list[dict[str, Any]]:
        cond, params = q.where(direction=direction, id=rfi_id)
        return self._rows((f"SELECT * FROM rfis WHERE {cond} ORDER BY created_at", params))

    def rfi_replies(self, direction: str, rfi_id: str | None = None) -> dict[str, dict[str, Any]]:
        table, at = {"out": ("received", "received_at"), "in": ("sent", "created_at")}[direction]
        cond, params = q.where(rfi_id=rfi_id)
        rows = self._rows((
            f"SELECT * FROM {table} WHERE rfi_id IS NOT NULL AND kind <> 'rfi' AND {cond} "
            f"ORDER BY {at}",
            params,
        ))  # fmt: skip
        return {row["rfi_id"]: row for row in rows}  # the latest wins

    def recipients(self, item_ids: Sequence[str]) -> dict[str, tuple[list[str], str | None]]:
        if not item_ids:
            return {}
        rows = self._rows((
            "SELECT i.partner, i.item_id, s.purpose FROM sent_items i "
            "JOIN sent s ON s.package_id = i.package_id "
            f"WHERE {self.dialect.in_list('i.item_id')} ORDER BY i.partner, s.created_at",
            [list(dict.fromkeys(item_ids))],
        ))  # fmt: skip
        items: dict[str, dict[str, None]] = {}
        purposes: dict[str, str | None] = {}
        for row in rows:
            items.setdefault(row["partner"], {})[row["item_id"]] = None
            purposes[row["partner"]] = row["purpose"] or purposes.get(row["partner"])
        return {partner: (list(held), purposes[partner]) for partner, held in items.items()}

    # --- after-ingest work ------------------------------------------------------------------

    def follow_ups(self) -> list[FollowUp]:
        sql = f"SELECT {_FOLLOW_UP_COLUMNS} FROM ingest_follow_ups ORDER BY created_at, ingest_id"
        return [_follow_up(row) for row in self._fetch(sql)]

    @contextmanager
    def claim_follow_up(self, ingest_id: str) -> Iterator[FollowUp | None]:
        """One process holds the store (DuckDB): a claim is this object's alone. PostgreSQL
        overrides this with a row lock, which dies with the process that holds it."""
        with self._claims_lock:
            mine = ingest_id not in self._claims
            self._claims.add(ingest_id)
        if not mine:
            yield None
            return
        try:
            with self._session() as s:
                found = select_follow_up(s, ingest_id)
            yield found
            if found is not None:
                self._execute([("DELETE FROM ingest_follow_ups WHERE ingest_id = ?", [ingest_id])])
        finally:
            with self._claims_lock:
                self._claims.discard(ingest_id)

    # --- audit -------------------------------------------------------------------------------

    def append_audit(self, chain: Callable[[AuditHead], Sequence[AuditEntry]]) -> None:
        with self._audit_session() as s:
            insert_audit(s, chain(audit_head(s)))

    def audit_head(self) -> AuditHead:
        with self._session() as s:
            return audit_head(s)

    def audit_entries(
        self,
        after: int = 0,
        limit: int | None = None,
        user: str | None = None,
        event: str | None = None,
    ) -> list[AuditEntry]:
        cond, params = q.where(user_name=user, event=event)
        sql = f"SELECT {_AUDIT} FROM audit_log WHERE seq > ? AND {cond} ORDER BY seq"
        params = [after, *params]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [AuditEntry(*row) for row in self._fetch(sql, params)]

    def audit_tail(self, n: int) -> list[AuditEntry]:
        rows = self._fetch(f"SELECT {_AUDIT} FROM audit_log ORDER BY seq DESC LIMIT ?", [n])
        return [AuditEntry(*row) for row in reversed(rows)]

    def add_audit_checkpoint(self, entries: int, at: datetime, data: str) -> None:
        sql = q.insert("audit_checkpoints", T.AUDIT_CHECKPOINTS.column_names)
        self._execute([(sql, [entries, at, data])])

    def audit_checkpoints(self) -> list[str]:
        rows = self._fetch('SELECT "data" FROM audit_checkpoints ORDER BY "at", entries')
        return [str(r[0]) for r in rows]

    # --- the store itself --------------------------------------------------------------------

    def on_close(self, hook: Callable[[], None]) -> None:
        with self._hooks_lock:
            self._close_hooks.append(hook)

    def close(self) -> None:
        with self._hooks_lock:
            hooks, self._close_hooks = self._close_hooks, []
        try:
            for hook in hooks:
                hook()  # the audit log's buffered reads, while the connections are open
        finally:
            self._close()


_AUDIT_SCHEMA = T.AUDIT_LOG.arrow_schema()


def audit_head(s: Session) -> AuditHead:
    """The last entry of the audit log (its sequence number and hash), as `s` sees it."""
    rows = s.rows('SELECT seq, "hash" FROM audit_log ORDER BY seq DESC LIMIT 1')
    return (int(rows[0][0]), str(rows[0][1])) if rows else None


def insert_audit(s: Session, entries: Sequence[AuditEntry]) -> None:
    if entries:
        batch = pa.Table.from_pylist(
            [{c: getattr(e, c) for c in T.AUDIT_COLUMNS} for e in entries], schema=_AUDIT_SCHEMA
        )
        s.insert_arrow("audit_log", batch)


_FOLLOW_UP_COLUMNS = ", ".join(T.FOLLOW_UPS.column_names)


def _follow_up(row: Sequence[Any]) -> FollowUp:
    ingest_id, steps, user, role, agency, clearance, system, purpose, via, at = row
    return FollowUp(str(ingest_id), tuple(filter(None, str(steps).split(","))), str(user),
                    str(role), agency, int(clearance), bool(system), purpose, str(via),
                    at)  # fmt: skip


def select_follow_up(s: Session, ingest_id: str, lock: str = "") -> FollowUp | None:
    rows = s.rows(
        f"SELECT {_FOLLOW_UP_COLUMNS} FROM ingest_follow_ups WHERE ingest_id = ?{lock}",
        [ingest_id],
    )
    return _follow_up(rows[0]) if rows else None


def _account(value: str) -> str:
    return "".join(value.split()).upper()


_KEY_NORMALISERS: dict[str, Callable[[str], str | None]] = {
    "vehicle": normalise_plate,
    "phone": normalise_phone,
}
_KEY_PROPERTIES = {
    "vehicle": "s.prop IN ('registrationNumber', 'plate')",
    "phone": "s.prop_type = 'phone'",
    "account": "(s.prop_type = 'iban' OR s.prop IN ('accountNumber', 'iban'))",
}
