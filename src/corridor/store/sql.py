"""SQL built by pure functions (no connection here), so it can be tested without a database and
shared by every SQL store. Each returns `(sql, params)`."""

from __future__ import annotations

from collections.abc import Sequence

from corridor.model.observations import SPECS, ObservationKind
from corridor.model.scope import ReadScope
from corridor.store.base import ObservationQuery

Query = tuple[str, list[object]]


def insert_new(table: str, columns: Sequence[str], source: str, key: str | None = "id") -> str:
    """Insert rows of `source` whose key is not yet in `table` (each key once).

    With `key=None` whole rows are compared instead (for tables without an id of their own).
    """
    cols = ", ".join(columns)
    if key is None:
        return (
            f"INSERT INTO {table} ({cols}) "
            f"SELECT DISTINCT {cols} FROM {source} EXCEPT SELECT {cols} FROM {table}"
        )
    return (
        f"INSERT INTO {table} ({cols}) "
        f"SELECT {cols} FROM (SELECT DISTINCT ON ({key}) * FROM {source}) s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{key} = s.{key})"
    )


#: Columns an observation's content hash covers when the source gave no id of its own.
_CONTENT = ("sensor_id", "place", "plate", "plate_raw", "phone")


def observation_id(kind: ObservationKind) -> str:
    """SQL for an observation's stable id: the source's own id when given, else its content.

    Times hash as epoch microseconds, not text, so the id never depends on a session time zone.
    Re-ingesting the same reading yields the same id, which is what makes ingest idempotent.
    """
    content = ", ".join(f"coalesce(CAST({c} AS VARCHAR), '')" for c in _CONTENT)
    return (
        f"CASE WHEN source_id IS NOT NULL AND source_id <> '' "
        f"THEN sha1('{kind.value}|' || agency || '|' || source_id) "
        f"ELSE sha1(concat_ws('|', '{kind.value}', agency, "
        f"coalesce(CAST(epoch_us(observed_at) AS VARCHAR), ''), "
        f"coalesce(CAST(lat AS VARCHAR), ''), coalesce(CAST(lon AS VARCHAR), ''), {content})) END"
    )


def merge_staged(table: str, columns: Sequence[str], stage: str) -> str:
    """Move a staged ingest's new rows into `table`, stamping `ingest_id` and `first_seen`
    (the two parameters), each id once.

    Deduplication groups ids only (by the stage's rowid), never whole rows, so a million-row
    feed merges in bounded memory.
    """
    stamps = {"ingest_id": "?::VARCHAR", "first_seen": "?::TIMESTAMPTZ"}
    select = ", ".join(stamps.get(c, f"s.{c}") for c in columns)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {stage} s "
        f"WHERE s.rowid IN (SELECT min(rowid) FROM {stage} GROUP BY id) "
        f"AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = s.id)"
    )


def _in(column: str, values: Sequence[str]) -> Query:
    marks = ", ".join("?" for _ in values)
    return f"{column} IN ({marks})", list(values)


def entity_statements(entity_id: str, scope: ReadScope) -> Query:
    pred, params = scope.predicate()
    return (
        f"SELECT * FROM statements WHERE entity_id = ? AND {pred} ORDER BY prop, value, id",
        [entity_id, *params],
    )


def entity_ids(
    scope: ReadScope, schemata: Sequence[str] | None, limit: int | None = None, offset: int = 0
) -> Query:
    pred, params = scope.predicate()
    sql = f"SELECT DISTINCT entity_id FROM statements WHERE {pred}"
    if schemata:
        clause, extra = _in("schema", schemata)
        sql += f" AND {clause}"
        params = [*params, *extra]
    sql += " ORDER BY entity_id"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params = [*params, limit, offset]
    return sql, params


def statements_for(entity_ids: Sequence[str], scope: ReadScope) -> Query:
    pred, params = scope.predicate()
    clause, ids = _in("entity_id", entity_ids)
    return (
        f"SELECT * FROM statements WHERE {clause} AND {pred} ORDER BY entity_id, prop, value, id",
        [*ids, *params],
    )


def search(
    keys: Sequence[tuple[str, str]],
    scope: ReadScope,
    schemata: Sequence[str] | None,
    limit: int,
) -> Query:
    """Entities with a visible name matching every query token, by token or skeleton.

    An exact token scores 2, a skeleton match (another romanisation or script) scores 1.
    """
    pred, scope_params = scope.predicate("s")
    values = ", ".join("(?, ?, ?)" for _ in keys)
    params: list[object] = []
    for pos, (token, skel) in enumerate(keys):
        params.extend([pos, token, skel])
    schema_sql = ""
    schema_params: list[object] = []
    if schemata:
        schema_sql, extra = _in("n.schema", schemata)
        schema_sql = f" AND {schema_sql}"
        schema_params = list(extra)
    sql = f"""
WITH q(pos, token, skeleton) AS (VALUES {values}),
matches AS (
  SELECT n.entity_id, n.schema, n.statement_id, q.pos, 2.0 AS score
  FROM name_index n JOIN q ON n.token = q.token
  UNION ALL
  SELECT n.entity_id, n.schema, n.statement_id, q.pos, 1.0 AS score
  FROM name_index n JOIN q ON n.skeleton = q.skeleton
),
visible AS (
  SELECT m.*, s.value AS name FROM matches m
  JOIN statements s ON s.id = m.statement_id
  WHERE {pred}{schema_sql.replace("n.schema", "m.schema")}
),
per_token AS (
  SELECT entity_id, any_value(schema) AS schema, pos, max(score) AS score,
         list(DISTINCT name) AS names
  FROM visible GROUP BY entity_id, pos
)
SELECT entity_id, any_value(schema) AS schema, sum(score) AS score,
       list_distinct(flatten(list(names))) AS names
FROM per_token GROUP BY entity_id HAVING count(*) = ?
ORDER BY score DESC, entity_id LIMIT ?
"""
    return sql, [*params, *scope_params, *schema_params, len(keys), limit]


def observations(kind: ObservationKind, query: ObservationQuery, scope: ReadScope) -> Query:
    table = SPECS[kind].table
    pred, params = scope.predicate()
    where = [pred]
    if query.start is not None:
        where.append("observed_at >= ?")
        params.append(query.start)
    if query.end is not None:
        where.append("observed_at < ?")
        params.append(query.end)
    if query.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = query.bbox
        where.append("lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?")
        params.extend([min_lon, max_lon, min_lat, max_lat])
    keys: list[str] = []
    if query.plates:
        clause, values = _in("plate", query.plates)
        keys.append(clause)
        params.extend(values)
    if query.phones:
        clause, values = _in("phone", query.phones)
        keys.append(clause)
        params.extend(values)
    if keys:
        where.append(f"({' OR '.join(keys)})")
    if query.sensor_id is not None:
        where.append("sensor_id = ?")
        params.append(query.sensor_id)
    sql = (
        f"SELECT '{kind.value}' AS kind, * FROM {table} WHERE {' AND '.join(where)} "
        "ORDER BY observed_at, id LIMIT ?"
    )
    params.append(query.offset + query.limit)
    return sql, params


def counts(scope: ReadScope) -> list[tuple[str, Query]]:
    """(label, query) pairs each returning (agency, n) rows; `entities` and `statements` first."""
    pred, params = scope.predicate()
    out: list[tuple[str, Query]] = [
        (
            "entities",
            (
                "SELECT agency, count(DISTINCT entity_id) FROM statements "
                f"WHERE {pred} GROUP BY agency",
                params,
            ),
        ),
        (
            "statements",
            (f"SELECT agency, count(*) FROM statements WHERE {pred} GROUP BY agency", params),
        ),
    ]
    for kind, spec in SPECS.items():
        out.append(
            (
                kind.value,
                (f"SELECT agency, count(*) FROM {spec.table} WHERE {pred} GROUP BY agency", params),
            )
        )
    return out
