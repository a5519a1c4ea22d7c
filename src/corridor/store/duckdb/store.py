"""The embedded default store: one DuckDB file in the work directory (or memory, for tests).

Statements and observations are appended in bulk from Arrow batches; duplicates are dropped by
an anti-join on the content-derived id, which is what makes re-ingesting a file a no-op. Each
operation uses its own cursor so that the API's worker threads never share one. DuckDB lets
one process open a file for writing, so one lock in the process orders the writers.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from corridor.errors import StoreBusy
from corridor.model.observations import ObservationKind
from corridor.store import tables as T
from corridor.store.base import StoreWriter
from corridor.store.duckdb.sql import DIALECT, merge_staged, observation_id
from corridor.store.records import AuditHead, IngestInfo, Pair
from corridor.store.sql.queries import quoted
from corridor.store.sql.store import (
    Session,
    SQLStore,
    SQLWriter,
    audit_head,
    observation_batch,
)

#: The store's file in a work directory.
STORE_FILE = "corridor.duckdb"
#: Below this many rows, plain inserts beat registering an Arrow table.
_FEW_ROWS = 200
#: Per database (a file, or a store in memory): how many times its users changed. DuckDB lets
#: one process open a file for writing, so every change to its users is made, and counted,
#: here (by whichever store object of the process made it).
_USER_REVISIONS: dict[str, int] = {}
_USER_REVISIONS_LOCK = threading.Lock()
_IN_MEMORY = itertools.count(1)


class DuckDBSession(Session):
    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        self.cur = cur

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        self.cur.execute(sql, list(params))

    def count(self, sql: str, params: Sequence[object] = ()) -> int:
        row = self.cur.execute(sql, list(params)).fetchone()
        return int(row[0]) if row else 0

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return self.cur.execute(sql, list(params)).fetchall()

    def dicts(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        res = self.cur.execute(sql, list(params))
        cols = [d[0] for d in res.description or ()]
        return [dict(zip(cols, row, strict=True)) for row in res.fetchall()]

    def executemany(self, sql: str, rows: Any) -> None:
        self.cur.executemany(sql, [list(r) for r in rows])

    def arrow(self, sql: str, params: Sequence[object], schema: pa.Schema) -> pa.Table:
        table: pa.Table = self.cur.sql(sql, params=list(params)).to_arrow_table()
        return table.select(schema.names).cast(schema)

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        cols = quoted(data.column_names)
        if data.num_rows <= _FEW_ROWS:
            marks = ", ".join("?" for _ in data.column_names)
            self.executemany(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                [list(r.values()) for r in data.to_pylist()],
            )
            return
        self.cur.register("_rows", data)
        try:
            self.cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _rows")
        finally:
            self.cur.unregister("_rows")


class DuckDBWriter(SQLWriter):
    """Stages batches in temporary tables, then merges them in one set-based insert per table.

    Staging is an append (cheap); the merge deduplicates against the stored rows once per
    ingest instead of once per batch, so a million-row feed costs one anti-join, not twenty.
    Everything happens inside the store's open transaction.
    """

    dialect = DIALECT

    def __init__(
        self, session: DuckDBSession, info: IngestInfo, store: DuckDBStore, held: ExitStack
    ) -> None:
        super().__init__(session, info)
        self.con = session.cur
        self._staged: dict[str, T.Table] = {}
        self._store = store
        self._held = held  # released once the transaction has ended
        self._audit_locked = False

    def _lock_audit(self) -> None:
        if not self._audit_locked:
            self._held.enter_context(self._store._audit_lock)
            self._audit_locked = True

    def _audit_head(self) -> AuditHead:
        # This transaction's snapshot is as old as the ingest: the head is read as committed,
        # on a cursor of its own (the lock keeps it the head until this transaction ends).
        cur = self._store._con.cursor()
        try:
            return audit_head(DuckDBSession(cur))
        finally:
            cur.close()

    @staticmethod
    def is_conflict(exc: Exception) -> bool:
        return isinstance(exc, duckdb.ConstraintException)

    def _stage(self, table: T.Table, batch: pa.Table, select: str = "*") -> None:
        stage = f"_stage_{table.name}"
        self.con.register("_batch", batch)
        try:
            if stage not in self._staged:
                self.con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT {select} FROM _batch"
                )
                self._staged[stage] = table
            else:
                self.con.execute(f"INSERT INTO {stage} SELECT {select} FROM _batch")
        finally:
            self.con.unregister("_batch")

    def add_observations(self, kind: ObservationKind, columns: dict[str, Any]) -> None:
        """Columns are lists or Arrow arrays; columns not given are null."""
        self._observed.add(kind)
        self._stage(
            T.OBSERVATIONS[kind],
            observation_batch(kind, columns),
            f"{observation_id(kind)} AS id, *, NULL::VARCHAR AS ingest_id, "
            "NULL::TIMESTAMPTZ AS first_seen",
        )

    def _merge(self) -> None:
        stamps = [self.info.id, self.info.started_at]
        for stage, table in self._staged.items():
            if table is T.NAME_INDEX:
                continue
            query = merge_staged(table.name, table.column_names, stage)
            added = self.session.count(query, stamps)
            if table is T.STATEMENTS:
                self.result.statements_added += added
            else:
                self.result.observations_added += added
        if "_stage_name_index" in self._staged:
            cols = ", ".join(T.NAME_INDEX.column_names)
            self.con.execute(
                f"INSERT INTO name_index ({cols}) SELECT DISTINCT {cols} FROM _stage_name_index "
                f"EXCEPT SELECT {cols} FROM name_index"
            )
        for stage in self._staged:
            self.con.execute(f"DROP TABLE IF EXISTS {stage}")
        self._staged.clear()


class DuckDBStore(SQLStore):
    """A Corridor store in one DuckDB file (or in memory, for tests, with `path=None`)."""

    dialect = DIALECT

    def __init__(
        self, path: Path | None, read_only: bool = False, memory_limit: str = "512MB"
    ) -> None:
        super().__init__()
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
        self._database = str(path.resolve()) if path is not None else f"memory:{next(_IN_MEMORY)}"
        # Bounded memory: big ingests spill to a temporary folder beside the store file.
        self._con.execute(f"SET memory_limit = '{memory_limit}'")
        # Times are UTC in every session, as in PostgreSQL's and Spark's: DuckDB otherwise
        # takes the machine's time zone, and an hour, a day or a night read from a stored time
        # (the ANPR analyses, hotspots, timelines) would move with the machine. GLOBAL: the
        # cursors that serve reads are sessions of their own.
        self._con.execute("SET GLOBAL TimeZone = 'UTC'")
        # One writer at a time: DuckDB would otherwise abort one of two conflicting appends.
        self._write_lock = threading.Lock()
        # Appends to the audit log take their own lock, not the writers': an entry must not
        # wait for a long ingest to commit, nor deadlock a caller auditing inside a writer.
        self._audit_lock = threading.Lock()
        if not read_only:
            for statement in DIALECT.ddl():
                self._con.execute(statement)
            self._evolve(DuckDBSession(self._con))

    def users_revision(self) -> int | None:
        with _USER_REVISIONS_LOCK:
            return _USER_REVISIONS.setdefault(self._database, 0)

    def _users_changed(self) -> None:
        with _USER_REVISIONS_LOCK:
            _USER_REVISIONS[self._database] = _USER_REVISIONS.get(self._database, 0) + 1

    @classmethod
    def open(cls, workdir: Path, read_only: bool = False) -> DuckDBStore:
        return cls(workdir / STORE_FILE, read_only=read_only)

    @staticmethod
    def _is_conflict(exc: Exception) -> bool:
        return isinstance(exc, duckdb.ConstraintException)

    @contextmanager
    def _session(self, write: bool = False) -> Iterator[Session]:
        if not write:
            cur = self._con.cursor()
            try:
                yield DuckDBSession(cur)
            finally:
                cur.close()
            return
        with self._transaction(self._write_lock) as s:
            yield s

    @contextmanager
    def _transaction(self, lock: Any) -> Iterator[DuckDBSession]:
        with lock if lock is not None else nullcontext():
            cur = self._con.cursor()
            try:
                cur.begin()
                yield DuckDBSession(cur)
                cur.commit()
            except BaseException:
                cur.rollback()
                raise
            finally:
                cur.close()

    def _audit_session(self) -> Any:
        return self._transaction(self._audit_lock)

    @contextmanager
    def writer(self, info: IngestInfo) -> Iterator[StoreWriter]:
        with ExitStack() as held, self._session(write=True) as s:
            assert isinstance(s, DuckDBSession)
            writer = DuckDBWriter(s, info, self, held)
            yield writer
            writer.flush()
            writer.record(datetime.now(info.started_at.tzinfo))

    def _lookup(
        self, s: Session, select: str, column: str, values: Sequence[object],
        more: Sequence[object] = (),
    ) -> list[tuple[Any, ...]]:  # fmt: skip
        """One equality query per value on one cursor: DuckDB answers `col = ?` from its ART
        index in well under a millisecond, while a list test scans the table."""
        sql = select.format(match=f"{column} = ?")
        out: list[tuple[Any, ...]] = []
        for value in values:
            out.extend(s.rows(sql, [value, *more]))
        return out

    def _delete_resolved(
        self, s: Session, records: Sequence[str], clustered: Sequence[str], pairs: Sequence[Pair]
    ) -> None:
        # Point deletes, for the same reason as `_lookup`.
        for rid in records:
            s.execute("DELETE FROM resolve_records WHERE record_id = ?", [rid])
            s.execute("DELETE FROM resolve_keys WHERE record_id = ?", [rid])
        for rid in clustered:
            s.execute("DELETE FROM clusters WHERE record_id = ?", [rid])
        for p in pairs:
            s.execute(
                "DELETE FROM resolve_pairs WHERE left_id = ? AND right_id = ?",
                [p.left_id, p.right_id],
            )

    def _close(self) -> None:
        self._con.close()
