"""What entity resolution keeps in the store: runs (with their model), the features and
blocking keys of every resolved record, scored pairs, clusters, and analysts' judgements.

Source statements are never touched: a cluster is a separate mapping from source records to a
cluster id, and judgements are an append-only log whose latest word on a pair wins.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from corridor.store.duckdb_base import DuckDBBase

RESOLUTION_DDL = [
    """CREATE TABLE IF NOT EXISTS resolve_runs (
  id VARCHAR NOT NULL, kind VARCHAR NOT NULL, engine VARCHAR NOT NULL,
  started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ NOT NULL, threshold DOUBLE NOT NULL,
  records BIGINT NOT NULL, pairs BIGINT NOT NULL, model VARCHAR NOT NULL,
  is_current BOOLEAN NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS resolve_records (
  kind VARCHAR NOT NULL, record_id VARCHAR NOT NULL, features VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS resolve_keys (
  kind VARCHAR NOT NULL, k BIGINT NOT NULL, record_id VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS resolve_pairs (
  kind VARCHAR NOT NULL, left_id VARCHAR NOT NULL, right_id VARCHAR NOT NULL,
  probability DOUBLE NOT NULL, match_weight DOUBLE NOT NULL, run_id VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS clusters (
  kind VARCHAR NOT NULL, record_id VARCHAR NOT NULL, cluster_id VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS judgements (
  id VARCHAR NOT NULL, left_id VARCHAR NOT NULL, right_id VARCHAR NOT NULL,
  verdict VARCHAR NOT NULL, user_name VARCHAR NOT NULL,
  judged_at TIMESTAMPTZ NOT NULL, note VARCHAR)""",
    "CREATE INDEX IF NOT EXISTS resolve_records_id ON resolve_records (record_id)",
    "CREATE INDEX IF NOT EXISTS resolve_keys_k ON resolve_keys (k)",
    "CREATE INDEX IF NOT EXISTS resolve_pairs_left ON resolve_pairs (left_id)",
    "CREATE INDEX IF NOT EXISTS resolve_pairs_right ON resolve_pairs (right_id)",
    "CREATE INDEX IF NOT EXISTS clusters_record ON clusters (record_id)",
    "CREATE INDEX IF NOT EXISTS clusters_cluster ON clusters (cluster_id)",
    "CREATE INDEX IF NOT EXISTS judgements_left ON judgements (left_id)",
    "CREATE INDEX IF NOT EXISTS judgements_right ON judgements (right_id)",
]


@dataclass(frozen=True, slots=True)
class Run:
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


_PAIR = "left_id, right_id, probability, match_weight"


def ordered(a: str, b: str) -> tuple[str, str]:
    """Pairs are stored with the smaller id on the left, so each pair has one row."""
    return (a, b) if a <= b else (b, a)


class ResolutionStore(ABC):
    """The resolution half of a store (implemented beside the statements by each store)."""

    @abstractmethod
    def replace_resolution(
        self,
        run: Run,
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
    def current_run(self, kind: str) -> Run | None: ...

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


class DuckDBResolution(DuckDBBase, ResolutionStore):
    """The DuckDB implementation, mixed into `DuckDBStore` (which supplies `_cursor` and
    `_write_lock`)."""

    def _write(self, kind: str, replace: bool, run: Run | None, run_id: str,
               features: Sequence[tuple[str, dict[str, Any]]], keys: Iterable[tuple[int, str]],
               pairs: Sequence[Pair], clusters: dict[str, str]) -> None:  # fmt: skip
        import pyarrow as pa

        with self._transaction() as cur:
            if replace:
                for table in ("resolve_records", "resolve_keys", "resolve_pairs", "clusters"):
                    cur.execute(f"DELETE FROM {table} WHERE kind = ?", [kind])
                cur.execute("UPDATE resolve_runs SET is_current = false WHERE kind = ?", [kind])
            else:
                # Point deletes: DuckDB serves `col = ?` from the ART index; IN lists scan.
                for rid, _ in features:
                    cur.execute("DELETE FROM resolve_records WHERE record_id = ?", [rid])
                    cur.execute("DELETE FROM resolve_keys WHERE record_id = ?", [rid])
                for rid in clusters:
                    cur.execute("DELETE FROM clusters WHERE record_id = ?", [rid])
                for p in pairs:
                    cur.execute(
                        "DELETE FROM resolve_pairs WHERE left_id = ? AND right_id = ?",
                        [p.left_id, p.right_id],
                    )
            if run is not None:
                cur.execute(
                    "INSERT INTO resolve_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, true)",
                    [run.id, run.kind, run.engine, run.started_at, run.finished_at,
                     run.threshold, run.records, run.pairs, json.dumps(run.model)],
                )  # fmt: skip
            tables = {
                "resolve_records": pa.table({
                    "kind": [kind] * len(features), "record_id": [r for r, _ in features],
                    "features": [json.dumps(f, sort_keys=True) for _, f in features]}),
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
            key_rows = list(keys)
            tables["resolve_keys"] = pa.table({
                "kind": [kind] * len(key_rows),
                "k": pa.array([k for k, _ in key_rows], pa.int64()),
                "record_id": [r for _, r in key_rows]})  # fmt: skip
            for name, table in tables.items():
                if not table.num_rows:
                    continue
                if table.num_rows <= 200:  # a few rows: plain inserts beat registering Arrow
                    marks = ", ".join("?" for _ in table.column_names)
                    rows = [list(r.values()) for r in table.to_pylist()]
                    cur.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
                else:
                    cur.register("_rows", table)
                    cur.execute(f"INSERT INTO {name} SELECT * FROM _rows")
                    cur.unregister("_rows")

    def replace_resolution(self, run: Run, features: Sequence[tuple[str, dict[str, Any]]],
                           keys: Iterable[tuple[int, str]], pairs: Sequence[Pair],
                           clusters: dict[str, str]) -> None:  # fmt: skip
        self._write(run.kind, True, run, run.id, features, keys, pairs, clusters)

    def add_resolved(self, kind: str, run_id: str, features: Sequence[tuple[str, dict[str, Any]]],
                     keys: Iterable[tuple[int, str]], pairs: Sequence[Pair],
                     clusters: dict[str, str]) -> None:  # fmt: skip
        self._write(kind, False, None, run_id, features, keys, pairs, clusters)

    def current_run(self, kind: str) -> Run | None:
        rows = self._fetch(
            "SELECT id, kind, engine, started_at, finished_at, threshold, records, pairs, model "
            "FROM resolve_runs WHERE kind = ? AND is_current ORDER BY finished_at DESC LIMIT 1",
            [kind],
        )
        if not rows:
            return None
        r = rows[0]
        return Run(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8]))

    def _each(self, sql: str, values: Iterable[object], *more: object) -> list[tuple[Any, ...]]:
        """Run a one-value equality query per value (then `more`, the same for each) on one
        cursor: DuckDB answers `col = ?` from its ART index in well under a millisecond, while
        `col IN (…)` scans the table."""
        cur = self._cursor()
        try:
            out: list[tuple[Any, ...]] = []
            for value in values:
                out.extend(cur.execute(sql, [value, *more]).fetchall())
            return out
        finally:
            cur.close()

    def candidate_ids(self, kind: str, keys: Sequence[int], limit: int | None = None) -> list[str]:
        rows = self._each("SELECT record_id FROM resolve_keys WHERE k = ?", sorted(set(keys)))
        shared: dict[str, int] = {}
        for (record_id,) in rows:
            shared[record_id] = shared.get(record_id, 0) + 1
        ranked = sorted(shared, key=lambda r: (-shared[r], r))
        return ranked[:limit] if limit is not None else ranked

    def resolved_features(self, kind: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        sql = "SELECT record_id, features FROM resolve_records WHERE record_id = ? AND kind = ?"
        return {r[0]: json.loads(r[1]) for r in self._each(sql, sorted(set(ids)), kind)}

    def pairs_of(self, ids: Sequence[str]) -> list[Pair]:
        wanted = sorted(set(ids))
        rows = set(self._each(f"SELECT {_PAIR} FROM resolve_pairs WHERE left_id = ?", wanted))
        rows |= set(self._each(f"SELECT {_PAIR} FROM resolve_pairs WHERE right_id = ?", wanted))
        return [Pair(*r) for r in sorted(rows, key=lambda r: (-r[2], r[0], r[1]))]

    def clusters_of(self, ids: Sequence[str]) -> dict[str, str]:
        sql = "SELECT record_id, cluster_id FROM clusters WHERE record_id = ?"
        return {r[0]: r[1] for r in self._each(sql, sorted(set(ids)))}

    def cluster_members(self, cluster_ids: Sequence[str]) -> dict[str, list[str]]:
        sql = "SELECT cluster_id, record_id FROM clusters WHERE cluster_id = ?"
        out: dict[str, list[str]] = {}
        for cluster_id, record_id in sorted(self._each(sql, sorted(set(cluster_ids)))):
            out.setdefault(cluster_id, []).append(record_id)
        return out

    def all_clusters(self, kind: str) -> dict[str, str]:
        rows = self._fetch("SELECT record_id, cluster_id FROM clusters WHERE kind = ?", [kind])
        return {r[0]: r[1] for r in rows}

    def add_judgement(self, judgement: Judgement) -> None:
        j = judgement
        self._execute([(
            "INSERT INTO judgements VALUES (?, ?, ?, ?, ?, ?, ?)",
            [j.id, j.left_id, j.right_id, j.verdict, j.user_name, j.at, j.note],
        )])  # fmt: skip

    def judgements(self, ids: Sequence[str] | None = None) -> list[Judgement]:
        columns = "id, left_id, right_id, verdict, user_name, judged_at, note"
        if ids is None:
            rows = self._fetch(f"SELECT {columns} FROM judgements ORDER BY judged_at, id", [])
        else:
            wanted = sorted(set(ids))
            found = set(self._each(f"SELECT {columns} FROM judgements WHERE left_id = ?", wanted))
            found |= set(self._each(f"SELECT {columns} FROM judgements WHERE right_id = ?", wanted))
            rows = sorted(found, key=lambda r: (r[5], r[0]))
        return [Judgement(*r) for r in rows]
