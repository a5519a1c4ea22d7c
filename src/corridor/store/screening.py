"""What screening keeps in the store: the loaded lists (every version's entities, delisted ones
kept for the record) and the alerts raised against the node's own entities, with analysts'
decisions on them."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from corridor.store.duckdb_base import DuckDBBase

_TS = pa.timestamp("us", "UTC")

SCREENING_DDL = [
    """CREATE TABLE IF NOT EXISTS list_datasets (
  name VARCHAR NOT NULL, version INTEGER NOT NULL, format VARCHAR NOT NULL,
  source VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, loaded_at TIMESTAMPTZ NOT NULL,
  entities BIGINT NOT NULL, added BIGINT NOT NULL, changed BIGINT NOT NULL,
  delisted BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS list_entities (
  dataset VARCHAR NOT NULL, entity_id VARCHAR NOT NULL, schema VARCHAR NOT NULL,
  data VARCHAR NOT NULL, content_hash VARCHAR NOT NULL, listed BOOLEAN NOT NULL,
  first_seen TIMESTAMPTZ NOT NULL, last_seen TIMESTAMPTZ NOT NULL,
  last_change TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS alerts (
  id VARCHAR NOT NULL, entity_id VARCHAR NOT NULL, dataset VARCHAR NOT NULL,
  list_entity_id VARCHAR NOT NULL, score DOUBLE NOT NULL, explanation VARCHAR NOT NULL,
  evidence VARCHAR NOT NULL, status VARCHAR NOT NULL, raised_at TIMESTAMPTZ NOT NULL,
  decided_by VARCHAR, decided_at TIMESTAMPTZ, note VARCHAR)""",
    "CREATE INDEX IF NOT EXISTS list_entities_id ON list_entities (entity_id)",
    "CREATE INDEX IF NOT EXISTS alerts_entity ON alerts (entity_id)",
    "CREATE INDEX IF NOT EXISTS alerts_id ON alerts (id)",
]


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


class ScreeningStore(ABC):
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


class DuckDBScreening(DuckDBBase, ScreeningStore):
    """The DuckDB implementation, mixed into `DuckDBStore`."""

    def save_list(self, version: ListVersion, rows: Sequence[ListEntityRow]) -> None:
        with self._transaction() as cur:
            cur.execute("DELETE FROM list_entities WHERE dataset = ?", [version.name])
            table = pa.table({
                "dataset": [r.dataset for r in rows],
                "entity_id": [r.entity_id for r in rows],
                "schema": [r.schema for r in rows],
                "data": [json.dumps(r.data, sort_keys=True) for r in rows],
                "content_hash": [r.content_hash for r in rows],
                "listed": pa.array([r.listed for r in rows], pa.bool_()),
                "first_seen": pa.array([r.first_seen for r in rows], _TS),
                "last_seen": pa.array([r.last_seen for r in rows], _TS),
                "last_change": pa.array([r.last_change for r in rows], _TS),
            })  # fmt: skip
            if table.num_rows:
                cur.register("_rows", table)
                cur.execute("INSERT INTO list_entities SELECT * FROM _rows")
                cur.unregister("_rows")
            v = version
            cur.execute(
                "INSERT INTO list_datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [v.name, v.version, v.format, v.source, v.sha256, v.loaded_at, v.entities,
                 v.added, v.changed, v.delisted],
            )  # fmt: skip

    def list_versions(self) -> list[ListVersion]:
        rows = self._fetch("SELECT * FROM list_datasets ORDER BY loaded_at, name, version")
        return [ListVersion(*r) for r in rows]

    def _entity_rows(self, sql: str, params: Sequence[object]) -> list[ListEntityRow]:
        rows = self._fetch(sql, params)
        return [
            ListEntityRow(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7], r[8])
            for r in rows
        ]

    def list_entities(
        self, dataset: str | None = None, listed_only: bool = True
    ) -> list[ListEntityRow]:
        where, params = [], []
        if dataset is not None:
            where.append("dataset = ?")
            params.append(dataset)
        if listed_only:
            where.append("listed")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return self._entity_rows(
            f"SELECT * FROM list_entities{clause} ORDER BY dataset, entity_id", params
        )

    def list_entity(self, entity_id: str) -> ListEntityRow | None:
        rows = self._entity_rows("SELECT * FROM list_entities WHERE entity_id = ?", [entity_id])
        listed = [r for r in rows if r.listed]
        found = listed or rows
        return found[0] if found else None

    def add_alerts(self, alerts: Sequence[Alert]) -> None:
        if not alerts:
            return
        with self._transaction() as cur:
            cur.executemany(
                "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[a.id, a.entity_id, a.dataset, a.list_entity_id, a.score,
                  json.dumps(a.explanation, sort_keys=True), a.evidence, a.status,
                  a.raised_at, a.decided_by, a.decided_at, a.note] for a in alerts],
            )  # fmt: skip

    def _alerts(self, sql: str, params: Sequence[object]) -> list[Alert]:
        return [
            Alert(
                r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7], r[8], r[9], r[10], r[11]
            )
            for r in self._fetch(sql, params)
        ]

    def alerts(self, entity_id: str | None = None, status: str | None = None) -> list[Alert]:
        where, params = [], []
        if entity_id is not None:
            where.append("entity_id = ?")
            params.append(entity_id)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return self._alerts(f"SELECT * FROM alerts{clause} ORDER BY raised_at, id", params)

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
