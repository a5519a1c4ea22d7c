"""SQL built by pure functions (no connection here), shared by every SQL store and testable
without a database. Each returns `(sql, params)` with `?` placeholders.

The statements are written in the SQL that DuckDB and PostgreSQL both speak; where they differ
the `Dialect` says how (a list parameter, a column type).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from corridor.model.observations import SPECS, ObservationKind
from corridor.model.scope import ReadScope
from corridor.store.records import ObservationQuery
from corridor.store.sql.dialect import Dialect

Query = tuple[str, list[object]]


def quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def insert(table: str, columns: Sequence[str]) -> str:
    """`INSERT` of one row of these columns."""
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({quoted(columns)}) VALUES ({marks})"


def where(**equal: object) -> Query:
    """`column = ?` for each given value (None: any), joined by AND; `TRUE` when none is."""
    given = {column: value for column, value in equal.items() if value is not None}
    sql = " AND ".join([f'"{column}" = ?' for column in given] or ["TRUE"])
    return sql, list(given.values())


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


def statements_for(dialect: Dialect, entity_ids: Sequence[str], scope: ReadScope) -> Query:
    pred, params = scope.predicate()
    return (
        f"SELECT * FROM statements WHERE {dialect.in_list('entity_id')} AND {pred} "
        "ORDER BY entity_id, prop, value, id",
        [list(entity_ids), *params],
    )


def search(
    keys: Sequence[tuple[str, str]],
    scope: ReadScope,
    schemata: Sequence[str] | None,
    limit: int,
) -> Query:
    """Entities with a visible name matching every query token, by token or skeleton.

    An exact token scores 2, a skeleton match (another romanisation or script) scores 1. Both
    lookups are served by the name index's token and skeleton indexes.
    """
    pred, scope_params = scope.predicate("s")
    values = ", ".join("(CAST(? AS INTEGER), CAST(? AS VARCHAR), CAST(? AS VARCHAR))" for _ in keys)
    params: list[object] = []
    for pos, (token, skel) in enumerate(keys):
        params.extend([pos, token, skel])
    schema_sql = ""
    schema_params: list[object] = []
    if schemata:
        schema_sql, extra = _in("m.schema", schemata)
        schema_sql = f" AND {schema_sql}"
        schema_params = list(extra)
    # A query token scores 2 where some visible name has it exactly, else 1 (by skeleton): the
    # sum over tokens is the tokens matched plus those matched exactly, in one pass.
    sql = f"""
WITH q(pos, token, skeleton) AS (VALUES {values}),
matches AS (
  SELECT n.entity_id, n.schema, n.statement_id, q.pos, TRUE AS exact
  FROM name_index n JOIN q ON n.token = q.token
  UNION ALL
  SELECT n.entity_id, n.schema, n.statement_id, q.pos, FALSE AS exact
  FROM name_index n JOIN q ON n.skeleton = q.skeleton
)
SELECT m.entity_id, min(m.schema) AS schema,
       count(DISTINCT m.pos) + count(DISTINCT CASE WHEN m.exact THEN m.pos END) AS score,
       array_agg(DISTINCT s.value) AS names
FROM matches m JOIN statements s ON s.id = m.statement_id
WHERE {pred}{schema_sql}
GROUP BY m.entity_id HAVING count(DISTINCT m.pos) = ?
ORDER BY score DESC, m.entity_id LIMIT ?
"""
    return sql, [*params, *scope_params, *schema_params, len(keys), limit]


def visible_observations(
    kind: ObservationKind, scope: ReadScope, start: datetime | None, end: datetime | None
) -> Query:
    """The observations of one kind a reader may see, in a period: what analyses read."""
    pred, params = scope.predicate()
    where = [pred]
    if start is not None:
        where.append("observed_at >= ?")
        params.append(start)
    if end is not None:
        where.append("observed_at < ?")
        params.append(end)
    return f"SELECT * FROM {SPECS[kind].table} WHERE {' AND '.join(where)}", params


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
        f"SELECT CAST('{kind.value}' AS VARCHAR) AS kind, * FROM {table} "
        f"WHERE {' AND '.join(where)} ORDER BY observed_at, id LIMIT ?"
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


def review_due(agency: str | None, before: object, scope: ReadScope) -> Query:
    """Statements (grouped by entity) and observations whose review-by date is before
    `before`, of one agency (every agency for None), within the scope; paged by the caller."""
    pred, scope_params = scope.predicate()
    own, own_params = ("agency = ?", [agency]) if agency is not None else ("TRUE", [])
    cond = f"review_by IS NOT NULL AND review_by < ? AND {own} AND {pred}"
    params: list[object] = [before, *own_params, *scope_params]
    parts = [
        "SELECT CAST('entity' AS VARCHAR) AS kind, entity_id AS id, min(schema) AS what, agency, "
        "min(review_by) AS review_by, string_agg(DISTINCT grading, ',' ORDER BY grading) "
        f"AS grading, count(*) AS n FROM statements WHERE {cond} GROUP BY entity_id, agency"
    ]
    all_params = list(params)
    for kind, spec in SPECS.items():
        parts.append(
            f"SELECT CAST('observation' AS VARCHAR), id, CAST('{kind.value}' AS VARCHAR), "
            f"agency, review_by, grading, CAST(1 AS BIGINT) FROM {spec.table} WHERE {cond}"
        )
        all_params.extend(params)
    sql = (
        " UNION ALL ".join(f"({p})" for p in parts)
        + " ORDER BY review_by, kind, id LIMIT ? OFFSET ?"
    )
    return sql, all_params
