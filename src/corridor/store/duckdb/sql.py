"""DuckDB's dialect and the SQL only the DuckDB store runs (its ingest merge and the
observation ids it derives in SQL)."""

from __future__ import annotations

from collections.abc import Sequence

from corridor.model.observations import ObservationKind
from corridor.store.observation_ids import content_columns
from corridor.store.sql.dialect import Dialect

DIALECT = Dialect(
    name="duckdb",
    # A semi-join against the unnested list: DuckDB plans it as a hash join.
    in_list_sql="{column} IN (SELECT unnest(CAST(? AS VARCHAR[])))",
    # A bulk table's key is enforced by the set-based merge (one writer at a time), not by an
    # index that every appended row would have to update.
    bulk_keys=False,
)


def observation_id(kind: ObservationKind) -> str:
    """SQL for an observation's stable id: a hash of the source's own id (when given) and the
    reading's content (the same text and hash as
    `corridor.store.observation_ids.observation_id`).

    Times hash as epoch microseconds, not text, so the id never depends on a session time zone.
    Re-ingesting the same reading yields the same id, which is what makes ingest idempotent.
    """
    content = ", ".join(f"coalesce(CAST({c} AS VARCHAR), '')" for c in content_columns(kind))
    return (
        f"sha1(concat_ws('|', '{kind.value}', agency, coalesce(source_id, ''), "
        f"coalesce(CAST(epoch_us(observed_at) AS VARCHAR), ''), "
        f"coalesce(CAST(lat AS VARCHAR), ''), coalesce(CAST(lon AS VARCHAR), ''), {content}))"
    )


def merge_staged(table: str, columns: Sequence[str], stage: str) -> str:
    """Move a staged ingest's new rows into `table`, stamping `ingest_id` and `first_seen`
    (the two parameters), each id once.

    Deduplication groups ids only (by the stage's rowid), never whole rows, so a million-row
    feed merges in bounded memory.
    """
    stamps = {"ingest_id": "?::VARCHAR", "first_seen": "?::TIMESTAMPTZ"}
    select = ", ".join(stamps.get(c, f's."{c}"') for c in columns)
    cols = ", ".join(f'"{c}"' for c in columns)
    return (
        f"INSERT INTO {table} ({cols}) SELECT {select} FROM {stage} s "
        f"WHERE s.rowid IN (SELECT min(rowid) FROM {stage} GROUP BY id) "
        f"AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = s.id)"
    )
