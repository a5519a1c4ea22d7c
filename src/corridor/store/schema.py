"""Table definitions, derived from the model so that there is one source of truth."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from corridor.model.observations import ARROW_TYPES, COMMON_COLUMNS, SPECS, KindSpec

PROVENANCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("agency", "VARCHAR NOT NULL"),
    ("source_ref", "VARCHAR"),
    ("collected_at", "TIMESTAMPTZ"),
    ("grading_scheme", "VARCHAR NOT NULL"),
    ("grading", "VARCHAR NOT NULL"),
    ("action_code", "VARCHAR"),
    ("sanitisation_code", "VARCHAR"),
    ("handling_instructions", "VARCHAR"),
    ("classification", "SMALLINT NOT NULL"),
    ("person_category", "VARCHAR"),
    ("review_by", "DATE"),
)

PROVENANCE_COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in PROVENANCE_COLUMNS)

# Bookkeeping columns every stored row has: which ingest wrote it, and when it was first seen.
RECORD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ingest_id", "VARCHAR"),
    ("first_seen", "TIMESTAMPTZ NOT NULL"),
)

STATEMENT_TABLE: tuple[tuple[str, str], ...] = (
    ("id", "VARCHAR NOT NULL"),
    ("entity_id", "VARCHAR NOT NULL"),
    ("schema", "VARCHAR NOT NULL"),
    ("prop", "VARCHAR NOT NULL"),
    ("prop_type", "VARCHAR NOT NULL"),
    ("value", "VARCHAR NOT NULL"),
    ("original_value", "VARCHAR"),
    ("lang", "VARCHAR"),
    ("dataset", "VARCHAR NOT NULL"),
    *PROVENANCE_COLUMNS,
    *RECORD_COLUMNS,
)

NAME_INDEX_TABLE: tuple[tuple[str, str], ...] = (
    ("statement_id", "VARCHAR NOT NULL"),
    ("entity_id", "VARCHAR NOT NULL"),
    ("schema", "VARCHAR NOT NULL"),
    ("token", "VARCHAR NOT NULL"),
    ("skeleton", "VARCHAR NOT NULL"),
)

INGEST_TABLE: tuple[tuple[str, str], ...] = (
    ("id", "VARCHAR NOT NULL"),
    ("path", "VARCHAR NOT NULL"),
    ("kind", "VARCHAR NOT NULL"),
    ("sha256", "VARCHAR NOT NULL"),
    ("agency", "VARCHAR"),
    ("user_name", "VARCHAR"),
    ("started_at", "TIMESTAMPTZ NOT NULL"),
    ("finished_at", "TIMESTAMPTZ NOT NULL"),
    ("rows_read", "BIGINT NOT NULL"),
    ("statements_added", "BIGINT NOT NULL"),
    ("observations_added", "BIGINT NOT NULL"),
)

USER_TABLE: tuple[tuple[str, str], ...] = (
    ("name", "VARCHAR NOT NULL PRIMARY KEY"),
    ("role", "VARCHAR NOT NULL"),
    ("agency", "VARCHAR NOT NULL"),
    ("clearance", "SMALLINT NOT NULL"),
    ("key_hash", "VARCHAR NOT NULL UNIQUE"),
    ("created_at", "TIMESTAMPTZ NOT NULL"),
    ("active", "BOOLEAN NOT NULL"),
)


def observation_table(spec: KindSpec) -> tuple[tuple[str, str], ...]:
    return (*COMMON_COLUMNS, *spec.extra_columns, *PROVENANCE_COLUMNS, *RECORD_COLUMNS)


def create_table(name: str, columns: tuple[tuple[str, str], ...]) -> str:
    # Names are quoted: some (the audit log's `at`) are keywords in DuckDB.
    cols = ",\n  ".join(f'"{col}" {typ}' for col, typ in columns)
    return f"CREATE TABLE IF NOT EXISTS {name} (\n  {cols}\n)"


def ddl() -> list[str]:
    """Every statement needed to create an empty store (idempotent)."""
    stmts = [
        create_table("statements", STATEMENT_TABLE),
        create_table("name_index", NAME_INDEX_TABLE),
        create_table("ingests", INGEST_TABLE),
        create_table("users", USER_TABLE),
        "CREATE INDEX IF NOT EXISTS statements_entity ON statements (entity_id)",
        "CREATE INDEX IF NOT EXISTS name_index_token ON name_index (token)",
        "CREATE INDEX IF NOT EXISTS name_index_skeleton ON name_index (skeleton)",
    ]
    for spec in SPECS.values():
        stmts.append(create_table(spec.table, observation_table(spec)))
    return stmts


def column_names(columns: tuple[tuple[str, str], ...]) -> list[str]:
    return [name for name, _ in columns]


def arrow_schema(columns: Sequence[tuple[str, str]]) -> pa.Schema:
    """The Arrow schema of a table's columns (for batches appended to it)."""
    return pa.schema([(name, ARROW_TYPES[typ.split()[0]]) for name, typ in columns])
