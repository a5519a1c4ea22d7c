"""The embedded default store: one DuckDB file under the work directory.

Statements and observations are appended in bulk from Arrow batches; duplicates are dropped by
an anti-join on the content-derived id, which is what makes re-ingesting a file a no-op. Each
operation uses its own cursor so that the API's worker threads never share one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from corridor.errors import Conflict, StoreBusy
from corridor.model.observations import SPECS, ObservationKind
from corridor.model.scope import ReadScope
from corridor.model.statements import EntityRecord
from corridor.normalise.names import name_keys
from corridor.store import sql
from corridor.store.audit import AUDIT_DDL, DuckDBAudit
from corridor.store.base import (
    AgencyCounts,
    IngestInfo,
    ObservationQuery,
    SearchHit,
    Store,
    StoreWriter,
    UserRecord,
    WriteResult,
)
from corridor.store.resolution import RESOLUTION_DDL, DuckDBResolution
from corridor.store.schema import (
    INGEST_TABLE,
    NAME_INDEX_TABLE,
    STATEMENT_TABLE,
    arrow_schema,
    column_names,
    ddl,
    observation_table,
)
from corridor.store.screening import SCREENING_DDL, DuckDBScreening
from corridor.store.sharing import SHARING_DDL, DuckDBSharing

STORE_FILE = "corridor.duckdb"
FLUSH_ROWS = 50_000

_STATEMENT_COLS = column_names(STATEMENT_TABLE)
_NAME_COLS = column_names(NAME_INDEX_TABLE)
_OBS_COLS = {kind: column_names(observation_table(spec)) for kind, spec in SPECS.items()}
_STATEMENT_SCHEMA = arrow_schema(STATEMENT_TABLE)
_NAME_SCHEMA = arrow_schema(NAME_INDEX_TABLE)
_OBS_SCHEMA = {kind: arrow_schema(observation_table(spec)) for kind, spec in SPECS.items()}
#: Observation columns the store fills in itself, not the readers.
_STORE_MADE = frozenset({"id", "ingest_id", "first_seen"})
_OBS_INPUT_SCHEMA = {
    kind: pa.schema([f for f in schema if f.name not in _STORE_MADE])
    for kind, schema in _OBS_SCHEMA.items()
}


class DuckDBWriter(StoreWriter):
    """Stages batches in temporary tables, then merges them in one set-based insert per table.

    Staging is an append (cheap); the merge deduplicates against the stored rows once per
    ingest instead of once per batch, so a million-row feed costs one anti-join, not twenty.
    Everything happens inside the store's open transaction.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, info: IngestInfo) -> None:
        self.con = con
        self.info = info
        self.result = WriteResult()
        self._statements: list[dict[str, Any]] = []
        self._staged: set[str] = set()

    def _stage(self, name: str, batch: pa.Table, select: str = "*") -> None:
        stage = f"_stage_{name}"
        self.con.register("_batch", batch)
        try:
            if stage not in self._staged:
                self.con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT {select} FROM _batch"
                )
                self._staged.add(stage)
            else:
                self.con.execute(f"INSERT INTO {stage} SELECT {select} FROM _batch")
        finally:
            self.con.unregister("_batch")

    def add_statements(self, rows: Sequence[dict[str, Any]]) -> None:
        self._statements.extend(rows)
        if len(self._statements) >= FLUSH_ROWS:
            self._stage_statements()

    def add_observations(self, kind: ObservationKind, columns: dict[str, Any]) -> None:
        """Columns are lists or Arrow arrays; columns not given are null."""
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
        self._stage(
            kind.value,
            pa.Table.from_arrays(arrays, schema=_OBS_INPUT_SCHEMA[kind]),
            f"{sql.observation_id(kind)} AS id, *, NULL::VARCHAR AS ingest_id, "
            "NULL::TIMESTAMPTZ AS first_seen",
        )

    def _stage_statements(self) -> None:
        rows = self._statements
        if not rows:
            return
        self._statements = []
        self._stage("statements", pa.Table.from_pylist(rows, schema=_STATEMENT_SCHEMA))
        names = [
            {
                "statement_id": row["id"],
                "entity_id": row["entity_id"],
                "schema": row["schema"],
                "token": token,
                "skeleton": skel,
            }
            for row in rows
            if row["prop_type"] == "name"
            for token, skel in name_keys(row["value"])
        ]
        if names:
            self._stage("names", pa.Table.from_pylist(names, schema=_NAME_SCHEMA))

    def retract(self, ids: Sequence[str], sender: str | None = None) -> int:
        if not ids:
            return 0
        self.flush()
        self.con.register("_retract", pa.table({"id": pa.array(list(ids), pa.string())}))
        try:
            only, params = "", list[object]()
            if sender is not None:
                only = (
                    " AND ingest_id IN (SELECT 'pkg-' || package_id FROM received WHERE sender = ?)"
                )
                params = [sender]
            deleted = 0
            self.con.execute(
                "DELETE FROM name_index WHERE statement_id IN (SELECT s.id FROM statements s "
                f"WHERE s.id IN (SELECT id FROM _retract){only})",
                params,
            )
            for table in ["statements", *(spec.table for spec in SPECS.values())]:
                deleted += self._merge(
                    f"DELETE FROM {table} WHERE id IN (SELECT id FROM _retract){only}", params
                )
            return deleted
        finally:
            self.con.unregister("_retract")

    def add_row(self, table: str, row: dict[str, Any]) -> None:
        if table not in ("received", "rfis"):
            raise ValueError(f"not a table a package writes: {table}")
        cols = list(row)
        marks = ", ".join("?" for _ in cols)
        try:
            self.con.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", list(row.values())
            )
        except duckdb.ConstraintException as exc:
            raise Conflict(f"already recorded in {table}: {exc}") from None

    def _merge(self, query: str, params: list[object] | None = None) -> int:
        res = self.con.execute(query, params or []).fetchone()
        return int(res[0]) if res else 0

    def flush(self) -> None:
        """Merge everything staged into the stored tables (still inside the transaction)."""
        self._stage_statements()
        stamps = [self.info.id, self.info.started_at]
        if "_stage_statements" in self._staged:
            query = sql.merge_staged("statements", _STATEMENT_COLS, "_stage_statements")
            self.result.statements_added += self._merge(query, stamps)
        if "_stage_names" in self._staged:
            self._merge(sql.insert_new("name_index", _NAME_COLS, "_stage_names", key=None))
        for kind, spec in SPECS.items():
            stage = f"_stage_{kind.value}"
            if stage in self._staged:
                query = sql.merge_staged(spec.table, _OBS_COLS[kind], stage)
                self.result.observations_added += self._merge(query, stamps)
        for stage in self._staged:
            self.con.execute(f"DROP TABLE IF EXISTS {stage}")
        self._staged.clear()

    def record(self, finished_at: datetime) -> None:
        row = {
            "id": self.info.id,
            "path": self.info.path,
            "kind": self.info.kind,
            "sha256": self.info.sha256,
            "agency": self.info.agency,
            "user_name": self.info.user_name,
            "started_at": self.info.started_at,
            "finished_at": finished_at,
            "rows_read": self.result.rows_read,
            "statements_added": self.result.statements_added,
            "observations_added": self.result.observations_added,
        }
        cols = column_names(INGEST_TABLE)
        marks = ", ".join("?" for _ in cols)
        self.con.execute(
            f"INSERT INTO ingests ({', '.join(cols)}) VALUES ({marks})", [row[c] for c in cols]
        )


class DuckDBStore(DuckDBResolution, DuckDBScreening, DuckDBSharing, DuckDBAudit, Store):
    """A Corridor store in one DuckDB file (or in memory, for tests, with `path=None`)."""

    def __init__(
        self, path: Path | None, read_only: bool = False, memory_limit: str = "512MB"
    ) -> None:
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(
                str(path) if path is not None else ":memory:", read_only=read_only
            )
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreBusy(
                    f"the store in {path.parent if path else 'memory'} is open in another "
                    "process (a running `corridor serve`?); stop it or use the API"
                ) from None
            raise
        # Bounded memory: big ingests spill to a temporary folder beside the store file.
        self._con.execute(f"SET memory_limit = '{memory_limit}'")
        self._write_lock = threading.Lock()
        self._close_hooks: list[Callable[[], None]] = []
        if not read_only:
            for statement in [*ddl(), *RESOLUTION_DDL, *SCREENING_DDL, *SHARING_DDL, *AUDIT_DDL]:
                self._con.execute(statement)

    @classmethod
    def open(cls, workdir: Path, read_only: bool = False) -> DuckDBStore:
        return cls(workdir / STORE_FILE, read_only=read_only)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        return self._con.cursor()

    def _rows(self, query: sql.Query) -> list[dict[str, Any]]:
        return self._dicts(query[0], query[1])

    @contextmanager
    def writer(self, info: IngestInfo) -> Iterator[StoreWriter]:
        # One writer at a time: DuckDB would otherwise abort one of two conflicting appends.
        with self._transaction() as cur:
            writer = DuckDBWriter(cur, info)
            yield writer
            writer.flush()
            writer.record(datetime.now(info.started_at.tzinfo))

    def get_entity(self, entity_id: str, scope: ReadScope) -> EntityRecord | None:
        rows = self._rows(sql.entity_statements(entity_id, scope))
        if not rows:
            return None
        return EntityRecord.assemble(entity_id, rows)

    def iter_entities(
        self,
        scope: ReadScope,
        schemata: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> Iterator[EntityRecord]:
        batch = 500
        ids = [r["entity_id"] for r in self._rows(sql.entity_ids(scope, schemata, limit, offset))]
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            grouped: dict[str, list[dict[str, Any]]] = {}
            for row in self._rows(sql.statements_for(chunk, scope)):
                grouped.setdefault(row["entity_id"], []).append(row)
            for entity_id in chunk:
                if entity_id in grouped:
                    yield EntityRecord.assemble(entity_id, grouped[entity_id])

    def search(
        self,
        query: str,
        scope: ReadScope,
        schemata: Sequence[str] | None = None,
        limit: int = 20,
    ) -> list[SearchHit]:
        keys = name_keys(query)
        if not keys:
            return []
        rows = self._rows(sql.search(keys, scope, schemata, limit))
        return [
            SearchHit(r["entity_id"], r["schema"], float(r["score"]), tuple(sorted(r["names"])))
            for r in rows
        ]

    def observations(self, query: ObservationQuery, scope: ReadScope) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for kind in query.kinds:
            rows.extend(self._rows(sql.observations(kind, query, scope)))
        rows.sort(key=lambda r: (r["observed_at"], r["id"]))
        return rows[query.offset : query.offset + query.limit]

    def counts(self, scope: ReadScope) -> list[AgencyCounts]:
        by_agency: dict[str, AgencyCounts] = {}
        for label, query in sql.counts(scope):
            cur = self._cursor()
            try:
                for agency, n in cur.execute(query[0], query[1]).fetchall():
                    c = by_agency.setdefault(agency, AgencyCounts(agency))
                    if label == "entities":
                        c.entities = int(n)
                    elif label == "statements":
                        c.statements = int(n)
                    else:
                        c.observations[label] = int(n)
            finally:
                cur.close()
        return [by_agency[a] for a in sorted(by_agency)]

    def ingests(self) -> list[dict[str, Any]]:
        return self._rows(("SELECT * FROM ingests ORDER BY started_at, id", []))

    def ingested_entities(self, ingest_id: str) -> list[str]:
        text = "SELECT DISTINCT entity_id FROM statements WHERE ingest_id = ? ORDER BY 1"
        params: list[object] = [ingest_id]
        return [r["entity_id"] for r in self._rows((text, params))]

    def add_user(self, user: UserRecord) -> None:
        u = user
        with self._transaction() as cur:
            if cur.execute("SELECT 1 FROM users WHERE name = ?", [u.name]).fetchone():
                raise Conflict(f"user {u.name!r} already exists")
            cur.execute(
                "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)",
                [u.name, u.role, u.agency, u.clearance, u.key_hash, u.created_at, u.active],
            )

    def user_by_key_hash(self, key_hash: str) -> UserRecord | None:
        rows = self._rows(("SELECT * FROM users WHERE key_hash = ? AND active", [key_hash]))
        return UserRecord(**rows[0]) if rows else None

    def users(self) -> list[UserRecord]:
        return [UserRecord(**r) for r in self._rows(("SELECT * FROM users ORDER BY name", []))]

    def close(self) -> None:
        hooks, self._close_hooks = self._close_hooks, []
        try:
            for hook in hooks:
                hook()  # the audit log's buffered reads, while the connection is open
        finally:
            self._con.close()
