"""Every table a store holds, declared once and without a database: each backend renders these
declarations in its own dialect (`corridor.store.sql.dialect`).

Column types are named as the model names them (`VARCHAR`, `DOUBLE`, `TIMESTAMPTZ`, …, see
`corridor.model.observations.ARROW_TYPES`); a dialect maps each to its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from corridor.model.observations import (
    ARROW_TYPES,
    COMMON_COLUMNS,
    SPECS,
    KindSpec,
    ObservationKind,
)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    not_null: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A table: its columns, its key (unique; `None` for a log with none), further unique
    column sets and indexes (each a tuple of column names).

    A `bulk` table takes millions of rows per ingest and deduplicates them on its key in one
    set-based merge; a backend may leave its key undeclared when that merge is what enforces
    it (DuckDB, single writer) and must declare it when writers can race (PostgreSQL).

    `added` names the columns added after stores were first made with the table (nullable
    ones only): a store made before has them added when it opens (`Dialect.added_columns`).
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] | None = None
    unique: tuple[tuple[str, ...], ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    bulk: bool = False
    added: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def arrow_schema(self, skip: frozenset[str] = frozenset()) -> pa.Schema:
        """The Arrow schema of the table's rows (for batches appended to it)."""
        return pa.schema(
            [(c.name, ARROW_TYPES[c.type]) for c in self.columns if c.name not in skip]
        )


def columns(*specs: tuple[str, str]) -> tuple[Column, ...]:
    """Columns from `(name, "TYPE")` or `(name, "TYPE NOT NULL")` pairs."""
    out = []
    for name, spec in specs:
        kind, _, rest = spec.partition(" ")
        out.append(Column(name, kind, rest.strip().upper() == "NOT NULL"))
    return tuple(out)


def _table(
    name: str,
    specs: Sequence[tuple[str, str]],
    key: tuple[str, ...] | None = None,
    unique: tuple[tuple[str, ...], ...] = (),
    indexes: tuple[tuple[str, ...], ...] = (),
    bulk: bool = False,
    added: tuple[str, ...] = (),
) -> Table:
    table = Table(name, columns(*specs), key, unique, indexes, bulk, added)
    nullable = {c.name for c in table.columns if not c.not_null}
    assert set(added) <= nullable, f"{name}: only nullable columns can be added to a stored table"
    return table


# --- statements and observations -------------------------------------------------------------

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

#: Bookkeeping columns every stored row has: which ingest wrote it, and when it was first seen.
RECORD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ingest_id", "VARCHAR"),
    ("first_seen", "TIMESTAMPTZ NOT NULL"),
)

STATEMENTS = _table(
    "statements",
    (
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
    ),
    key=("id",),
    indexes=(("entity_id",),),
    bulk=True,
)

#: Name keys of every name statement: what search and cross-script lookups use.
NAME_INDEX = _table(
    "name_index",
    (
        ("statement_id", "VARCHAR NOT NULL"),
        ("entity_id", "VARCHAR NOT NULL"),
        ("schema", "VARCHAR NOT NULL"),
        ("token", "VARCHAR NOT NULL"),
        ("skeleton", "VARCHAR NOT NULL"),
    ),
    key=("statement_id", "token", "skeleton"),
    indexes=(("token",), ("skeleton",)),
    bulk=True,
)

INGESTS = _table(
    "ingests",
    (
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
    ),
)

#: The work an ingest leaves to do once it has committed (linking, screening: the
#: after-ingest steps), written in the ingest's own transaction and removed when done, so that
#: a crash between the commit and the end of that work is resumed, never lost.
FOLLOW_UPS = _table(
    "ingest_follow_ups",
    (
        ("ingest_id", "VARCHAR NOT NULL"),
        ("steps", "VARCHAR NOT NULL"),  # the after-ingest steps' names, comma-separated
        ("user_name", "VARCHAR NOT NULL"),
        ("role", "VARCHAR NOT NULL"),
        ("agency", "VARCHAR"),
        ("clearance", "SMALLINT NOT NULL"),
        ("system", "BOOLEAN NOT NULL"),
        ("purpose", "VARCHAR"),
        ("via", "VARCHAR NOT NULL"),
        ("created_at", "TIMESTAMPTZ NOT NULL"),
    ),
    key=("ingest_id",),
)

USERS = _table(
    "users",
    (
        ("name", "VARCHAR NOT NULL"),
        ("role", "VARCHAR NOT NULL"),
        ("agency", "VARCHAR NOT NULL"),
        ("clearance", "SMALLINT NOT NULL"),
        ("key_hash", "VARCHAR NOT NULL"),
        ("created_at", "TIMESTAMPTZ NOT NULL"),
        ("active", "BOOLEAN NOT NULL"),
        # When the key stops working (None: never), and when it was revoked, if it was.
        ("expires_at", "TIMESTAMPTZ"),
        ("revoked_at", "TIMESTAMPTZ"),
    ),
    key=("name",),
    unique=(("key_hash",),),
    added=("expires_at", "revoked_at"),
)


def observation_table(spec: KindSpec) -> Table:
    return _table(
        spec.table,
        (*COMMON_COLUMNS, *spec.extra_columns, *PROVENANCE_COLUMNS, *RECORD_COLUMNS),
        key=("id",),
        bulk=True,
    )


OBSERVATIONS: dict[ObservationKind, Table] = {
    kind: observation_table(spec) for kind, spec in SPECS.items()
}

# --- entity resolution -----------------------------------------------------------------------

RESOLVE_RUNS = _table(
    "resolve_runs",
    (
        ("id", "VARCHAR NOT NULL"),
        ("kind", "VARCHAR NOT NULL"),
        ("engine", "VARCHAR NOT NULL"),
        ("started_at", "TIMESTAMPTZ NOT NULL"),
        ("finished_at", "TIMESTAMPTZ NOT NULL"),
        ("threshold", "DOUBLE NOT NULL"),
        ("records", "BIGINT NOT NULL"),
        ("pairs", "BIGINT NOT NULL"),
        ("model", "VARCHAR NOT NULL"),
        ("is_current", "BOOLEAN NOT NULL"),
    ),
)
RESOLVE_RECORDS = _table(
    "resolve_records",
    (("kind", "VARCHAR NOT NULL"), ("record_id", "VARCHAR NOT NULL"),
     ("features", "VARCHAR NOT NULL")),
    indexes=(("record_id",),),
)  # fmt: skip
RESOLVE_KEYS = _table(
    "resolve_keys",
    (("kind", "VARCHAR NOT NULL"), ("k", "BIGINT NOT NULL"), ("record_id", "VARCHAR NOT NULL")),
    indexes=(("k",),),
)
RESOLVE_PAIRS = _table(
    "resolve_pairs",
    (
        ("kind", "VARCHAR NOT NULL"),
        ("left_id", "VARCHAR NOT NULL"),
        ("right_id", "VARCHAR NOT NULL"),
        ("probability", "DOUBLE NOT NULL"),
        ("match_weight", "DOUBLE NOT NULL"),
        ("run_id", "VARCHAR NOT NULL"),
    ),
    indexes=(("left_id",), ("right_id",)),
)
CLUSTERS = _table(
    "clusters",
    (("kind", "VARCHAR NOT NULL"), ("record_id", "VARCHAR NOT NULL"),
     ("cluster_id", "VARCHAR NOT NULL")),
    indexes=(("record_id",), ("cluster_id",)),
)  # fmt: skip
JUDGEMENTS = _table(
    "judgements",
    (
        ("id", "VARCHAR NOT NULL"),
        ("left_id", "VARCHAR NOT NULL"),
        ("right_id", "VARCHAR NOT NULL"),
        ("verdict", "VARCHAR NOT NULL"),
        ("user_name", "VARCHAR NOT NULL"),
        ("judged_at", "TIMESTAMPTZ NOT NULL"),
        ("note", "VARCHAR"),
        # The judge's clearance: the note is shown only to readers cleared to it.
        ("classification", "SMALLINT"),
    ),
    indexes=(("left_id",), ("right_id",)),
    added=("classification",),
)

# --- screening -------------------------------------------------------------------------------

LIST_DATASETS = _table(
    "list_datasets",
    (
        ("name", "VARCHAR NOT NULL"),
        ("version", "INTEGER NOT NULL"),
        ("format", "VARCHAR NOT NULL"),
        ("source", "VARCHAR NOT NULL"),
        ("sha256", "VARCHAR NOT NULL"),
        ("loaded_at", "TIMESTAMPTZ NOT NULL"),
        ("entities", "BIGINT NOT NULL"),
        ("added", "BIGINT NOT NULL"),
        ("changed", "BIGINT NOT NULL"),
        ("delisted", "BIGINT NOT NULL"),
    ),
    unique=(("name", "version"),),
)
LIST_ENTITIES = _table(
    "list_entities",
    (
        ("dataset", "VARCHAR NOT NULL"),
        ("entity_id", "VARCHAR NOT NULL"),
        ("schema", "VARCHAR NOT NULL"),
        ("data", "VARCHAR NOT NULL"),
        ("content_hash", "VARCHAR NOT NULL"),
        ("listed", "BOOLEAN NOT NULL"),
        ("first_seen", "TIMESTAMPTZ NOT NULL"),
        ("last_seen", "TIMESTAMPTZ NOT NULL"),
        ("last_change", "TIMESTAMPTZ NOT NULL"),
    ),
    indexes=(("entity_id",),),
)
ALERTS = _table(
    "alerts",
    (
        ("id", "VARCHAR NOT NULL"),
        ("entity_id", "VARCHAR NOT NULL"),
        ("dataset", "VARCHAR NOT NULL"),
        ("list_entity_id", "VARCHAR NOT NULL"),
        ("score", "DOUBLE NOT NULL"),
        ("explanation", "VARCHAR NOT NULL"),
        ("evidence", "VARCHAR NOT NULL"),
        ("status", "VARCHAR NOT NULL"),
        ("raised_at", "TIMESTAMPTZ NOT NULL"),
        ("decided_by", "VARCHAR"),
        ("decided_at", "TIMESTAMPTZ"),
        ("note", "VARCHAR"),
    ),
    indexes=(("entity_id",), ("id",)),
)

# --- sharing ---------------------------------------------------------------------------------

AGREEMENTS = _table(
    "agreements",
    (
        ("partner", "VARCHAR NOT NULL"),
        ("version", "INTEGER NOT NULL"),
        ("data", "VARCHAR NOT NULL"),
        ("set_by", "VARCHAR NOT NULL"),
        ("set_at", "TIMESTAMPTZ NOT NULL"),
    ),
    key=("partner", "version"),
)
CONSENTS = _table(
    "consents",
    (
        ("partner", "VARCHAR NOT NULL"),
        ("item_id", "VARCHAR NOT NULL"),
        ("given_by", "VARCHAR NOT NULL"),
        ("given_at", "TIMESTAMPTZ NOT NULL"),
        ("note", "VARCHAR"),
    ),
)
PARTNERS = _table(
    "partners",
    (
        ("agency", "VARCHAR NOT NULL"),
        ("sign_key", "VARCHAR NOT NULL"),
        ("enc_key", "VARCHAR NOT NULL"),
        ("address", "VARCHAR"),
        ("added_by", "VARCHAR NOT NULL"),
        ("added_at", "TIMESTAMPTZ NOT NULL"),
    ),
    key=("agency",),
)
#: What this node sent: one row per package, message or correction, with its receipt.
SENT = _table(
    "sent",
    (
        ("package_id", "VARCHAR NOT NULL"),
        ("partner", "VARCHAR NOT NULL"),
        ("sequence", "BIGINT NOT NULL"),
        ("kind", "VARCHAR NOT NULL"),
        ("purpose", "VARCHAR"),
        ("rfi_id", "VARCHAR"),
        ("sent_by", "VARCHAR NOT NULL"),
        ("created_at", "TIMESTAMPTZ NOT NULL"),
        ("expires_at", "TIMESTAMPTZ NOT NULL"),
        ("status", "VARCHAR NOT NULL"),
        ("manifest", "VARCHAR NOT NULL"),
        ("withheld", "VARCHAR NOT NULL"),
        ("receipt", "VARCHAR"),
        ("error", "VARCHAR"),
        ("delivered_at", "TIMESTAMPTZ"),
    ),
    key=("package_id",),
    unique=(("partner", "sequence"),),
)
#: The ledger: which item went to which partner in which package (corrections follow it).
SENT_ITEMS = _table(
    "sent_items",
    (
        ("package_id", "VARCHAR NOT NULL"),
        ("partner", "VARCHAR NOT NULL"),
        ("item_id", "VARCHAR NOT NULL"),
        ("entity_id", "VARCHAR"),
        ("kind", "VARCHAR NOT NULL"),
    ),
    indexes=(("item_id",),),
)
RECEIVED = _table(
    "received",
    (
        ("package_id", "VARCHAR NOT NULL"),
        ("sender", "VARCHAR NOT NULL"),
        ("sequence", "BIGINT NOT NULL"),
        ("kind", "VARCHAR NOT NULL"),
        ("rfi_id", "VARCHAR"),
        ("created_at", "TIMESTAMPTZ NOT NULL"),
        ("received_at", "TIMESTAMPTZ NOT NULL"),
        ("sha256", "VARCHAR NOT NULL"),
        ("manifest", "VARCHAR NOT NULL"),
        ("receipt", "VARCHAR NOT NULL"),
    ),
    key=("package_id",),
    unique=(("sender", "sequence"),),
)
RFIS = _table(
    "rfis",
    (
        ("id", "VARCHAR NOT NULL"),
        ("direction", "VARCHAR NOT NULL"),
        ("partner", "VARCHAR NOT NULL"),
        ("subject_kind", "VARCHAR NOT NULL"),
        ("subject", "VARCHAR NOT NULL"),
        ("question", "VARCHAR NOT NULL"),
        ("purpose", "VARCHAR NOT NULL"),
        ("requested_by", "VARCHAR NOT NULL"),
        ("created_at", "TIMESTAMPTZ NOT NULL"),
        ("due_at", "TIMESTAMPTZ NOT NULL"),
        ("status", "VARCHAR NOT NULL"),
        ("closed_at", "TIMESTAMPTZ"),
        ("package_id", "VARCHAR"),
        ("reason", "VARCHAR"),
        ("closed_by", "VARCHAR"),
    ),
    key=("id", "direction"),
)

# --- audit -----------------------------------------------------------------------------------

AUDIT_LOG = _table(
    "audit_log",
    (
        ("seq", "BIGINT NOT NULL"),
        ("at", "TIMESTAMPTZ NOT NULL"),
        ("user_name", "VARCHAR NOT NULL"),
        ("role", "VARCHAR NOT NULL"),
        ("agency", "VARCHAR"),
        ("event", "VARCHAR NOT NULL"),
        ("target", "VARCHAR NOT NULL"),
        ("purpose", "VARCHAR"),
        ("detail", "VARCHAR NOT NULL"),
        ("prev_hash", "VARCHAR NOT NULL"),
        ("hash", "VARCHAR NOT NULL"),
    ),
    key=("seq",),
)
AUDIT_COLUMNS: tuple[str, ...] = tuple(AUDIT_LOG.column_names)
#: Signed checkpoints of the log's head (`corridor.audit.checkpoint`), each as its JSON text:
#: verifying checks the log still extends every one.
AUDIT_CHECKPOINTS = _table(
    "audit_checkpoints",
    (("entries", "BIGINT NOT NULL"), ("at", "TIMESTAMPTZ NOT NULL"), ("data", "VARCHAR NOT NULL")),
)

#: Every table, in the order they are created.
TABLES: tuple[Table, ...] = (
    STATEMENTS, NAME_INDEX, INGESTS, FOLLOW_UPS, USERS, *OBSERVATIONS.values(),
    RESOLVE_RUNS, RESOLVE_RECORDS, RESOLVE_KEYS, RESOLVE_PAIRS, CLUSTERS, JUDGEMENTS,
    LIST_DATASETS, LIST_ENTITIES, ALERTS,
    AGREEMENTS, CONSENTS, PARTNERS, SENT, SENT_ITEMS, RECEIVED, RFIS,
    AUDIT_LOG, AUDIT_CHECKPOINTS,
)  # fmt: skip
