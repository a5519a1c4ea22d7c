"""The PostgreSQL store: a node many analysts use at once, from several API workers and the
command line together.

Each store is one schema of a database (`public` unless the URL names another with
`?schema=`). Connections come from a pool (psycopg's); reads run outside transactions, every
write is one transaction. Keys are declared on every table, so writers in different processes
cannot both add the same row: an ingest's rows are copied (`COPY`) into temporary tables and
merged with `ON CONFLICT DO NOTHING`, which makes a re-run after a crash add nothing twice. The
audit log's appends take a transaction-scoped advisory lock, so every process extends one chain.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg_pool import ConnectionPool

from corridor.errors import CorridorError, ValidationError
from corridor.model.observations import ObservationKind
from corridor.store import tables as T
from corridor.store.base import StoreWriter
from corridor.store.observation_ids import observation_ids
from corridor.store.postgres.sql import DIALECT
from corridor.store.postgres.urls import redacted, split_url
from corridor.store.records import FollowUp, IngestInfo
from corridor.store.sql.queries import quoted
from corridor.store.sql.store import (
    Session,
    SQLStore,
    SQLWriter,
    observation_batch,
    select_follow_up,
)

_CSV = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
#: Connections one store (one process) holds at most: the API's worker threads share them.
POOL_SIZE = 16


class StoreUnavailable(CorridorError):
    """The database cannot be reached (or refused the connection)."""

    status_code = 503


@functools.lru_cache(maxsize=4096)
def _pg(sql: str) -> str:
    """`?` placeholders as psycopg's `%s` (a literal `%` doubled). Corridor's SQL never has a
    `?` inside a string literal."""
    return sql.replace("%", "%%").replace("?", "%s")


def _lock_key(schema: str, what: str) -> int:
    """A stable 64-bit advisory lock key for one store's `what`."""
    digest = hashlib.sha256(f"corridor:{schema}:{what}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresSession(Session):
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        self.conn.execute(_pg(sql), list(params))

    def count(self, sql: str, params: Sequence[object] = ()) -> int:
        return self.conn.execute(_pg(sql), list(params)).rowcount

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(_pg(sql), list(params)).fetchall()

    def dicts(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        cur = self.conn.execute(_pg(sql), list(params))
        cols = [d.name for d in cur.description or ()]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def executemany(self, sql: str, rows: Any) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(_pg(sql), [list(r) for r in rows])

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        self.copy(table, data)

    def copy(self, table: str, data: pa.Table) -> None:
        """`COPY` the rows in, as CSV written by Arrow (in C: quoted values, unquoted empty
        for null, which is exactly what PostgreSQL's CSV reads)."""
        cols = quoted(data.column_names)
        text = io.BytesIO()
        pacsv.write_csv(data, text, _CSV)
        sql = f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)"
        with self.conn.cursor() as cur, cur.copy(sql) as copy:
            copy.write(text.getbuffer())


class PostgresWriter(SQLWriter):
    """Copies batches into temporary tables, then merges each into its table once, skipping
    rows whose key is already there (whoever wrote them)."""

    dialect = DIALECT

    def __init__(self, session: PostgresSession, info: IngestInfo, audit_key: int) -> None:
        super().__init__(session, info)
        self.pg = session
        self._staged: dict[str, T.Table] = {}
        self._audit_key = audit_key

    def _lock_audit(self) -> None:
        self.pg.execute("SELECT pg_advisory_xact_lock(?)", [self._audit_key])

    def _conflicts(self) -> list[str]:
        # The planner's statistics may say the table is empty (a bulk load just rolled back,
        # then analysed), and it would then pair every new reading with every stored one in a
        # nested loop: hours at a few hundred thousand rows. A hash join is linear whatever
        # the statistics say.
        self.pg.execute("SET LOCAL enable_nestloop = off")
        try:
            return super()._conflicts()
        finally:
            self.pg.execute("SET LOCAL enable_nestloop = on")

    @staticmethod
    def is_conflict(exc: Exception) -> bool:
        return isinstance(exc, psycopg.errors.IntegrityError)

    def _stage(self, table: T.Table, batch: pa.Table) -> None:
        stage = f"_stage_{table.name}"
        if stage not in self._staged:
            ddl = DIALECT.create_table(table, temporary=True, nullable=True)
            self.pg.execute(ddl.replace(f"TABLE IF NOT EXISTS {table.name} ", f"TABLE {stage} "))
            self._staged[stage] = table
        self.pg.copy(stage, batch)

    def add_observations(self, kind: ObservationKind, columns: dict[str, Any]) -> None:
        self._observed.add(kind)
        batch = observation_batch(kind, columns)
        self._stage(T.OBSERVATIONS[kind], batch.add_column(0, "id", observation_ids(kind, batch)))

    def _merge(self) -> None:
        stamps = [self.info.id, self.info.started_at]
        for stage, table in self._staged.items():
            cols = quoted(table.column_names)
            if table is T.NAME_INDEX:
                self.pg.execute(
                    f"INSERT INTO name_index ({cols}) SELECT DISTINCT {cols} FROM {stage} "
                    "ON CONFLICT DO NOTHING"
                )
                continue
            made = {"ingest_id": "CAST(? AS TEXT)", "first_seen": "CAST(? AS TIMESTAMPTZ)"}
            select = ", ".join(made.get(c, f's."{c}"') for c in table.column_names)
            # A key twice in the stage is a conflict with the row just inserted: the first
            # staged (the scan reads the stage in the order it was written) is kept.
            added = self.pg.count(
                f"INSERT INTO {table.name} ({cols}) SELECT {select} FROM {stage} s "
                "ON CONFLICT (id) DO NOTHING",
                stamps,
            )
            if table is T.STATEMENTS:
                self.result.statements_added += added
            else:
                self.result.observations_added += added
        for stage in self._staged:
            self.pg.execute(f"DROP TABLE IF EXISTS {stage}")
        self._staged.clear()


class PostgresStore(SQLStore):
    """A Corridor store in one schema of a PostgreSQL database."""

    dialect = DIALECT

    def __init__(self, url: str, pool_size: int = POOL_SIZE) -> None:
        super().__init__()
        conninfo, self.schema = split_url(url)
        self.url = redacted(url)
        options = f"-c search_path={self.schema} -c timezone=UTC"
        try:
            with psycopg.connect(conninfo, autocommit=True, options=options) as conn:
                self._create(conn)
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(
                f"cannot reach the PostgreSQL store at {self.url}: {_first_line(exc)}"
            ) from None
        self._pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "options": options},
            num_workers=1,
            name=f"corridor-{self.schema}",
            open=True,
        )
        self._audit_key = _lock_key(self.schema, "audit")

    def _create(self, conn: psycopg.Connection[Any]) -> None:
        """The schema and its tables, once (several workers may start together)."""
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(self.schema, "ddl")])
            for statement in DIALECT.ddl():
                conn.execute(statement)
            self._evolve(PostgresSession(conn))

    @staticmethod
    def _is_conflict(exc: Exception) -> bool:
        return isinstance(exc, psycopg.errors.IntegrityError)

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self._pool.connection() as conn:
                yield conn
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(
                f"lost the PostgreSQL store at {self.url}: {_first_line(exc)}"
            ) from None
        except psycopg.DataError as exc:
            # PostgreSQL holds no NUL in text, nor looks one up: a value a caller sent (an id
            # in a body, say) is refused as the bad input it is, not a failure of the store.
            if "0x00" not in str(exc):
                raise
            raise ValidationError("a value holds a NUL character, which no record does") from None

    @contextmanager
    def _session(self, write: bool = False) -> Iterator[Session]:
        with self._connection() as conn:
            if not write:
                yield PostgresSession(conn)
                return
            with conn.transaction():
                yield PostgresSession(conn)

    @contextmanager
    def _audit_session(self) -> Iterator[Session]:
        with self._connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [self._audit_key])
            yield PostgresSession(conn)

    @contextmanager
    def writer(self, info: IngestInfo) -> Iterator[StoreWriter]:
        with self._connection() as conn, conn.transaction():
            writer = PostgresWriter(PostgresSession(conn), info, self._audit_key)
            yield writer
            writer.flush()
            writer.record(datetime.now(info.started_at.tzinfo))

    @contextmanager
    def claim_follow_up(self, ingest_id: str) -> Iterator[FollowUp | None]:
        """The row stays locked (`FOR UPDATE SKIP LOCKED`) while the work is done: another
        worker skips it, and if this process dies the lock goes with its connection."""
        with self._connection() as conn, conn.transaction():
            s = PostgresSession(conn)
            found = select_follow_up(s, ingest_id, " FOR UPDATE SKIP LOCKED")
            yield found
            if found is not None:
                s.execute("DELETE FROM ingest_follow_ups WHERE ingest_id = ?", [ingest_id])

    def _close(self) -> None:
        self._pool.close()


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
