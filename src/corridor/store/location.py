"""Where a store lives: a PostgreSQL URL, or the DuckDB file in a work directory (the default).

Commands and the server take `--store` (or `CORRIDOR_STORE`); without one, the work directory's
`corridor.duckdb` is the store. A PostgreSQL URL may name the schema that holds the store
(`postgresql://host/db?schema=rs_mup`, default `public`); `{workdir}` in it stands for a schema
named after the work directory, so that one database can hold the stores of several work
directories (the nodes of one host, or a test suite's).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from corridor.settings import Settings
from corridor.store.base import Store
from corridor.store.duckdb import STORE_FILE, DuckDBStore
from corridor.store.postgres import redacted, split_url, with_schema

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
WORKDIR_PLACEHOLDER = "{workdir}"


def is_postgres(location: str | None) -> bool:
    return bool(location) and str(location).startswith(POSTGRES_SCHEMES)


def workdir_schema(workdir: Path) -> str:
    """A schema name standing for a work directory (stable for its absolute path)."""
    digest = hashlib.sha256(str(workdir.resolve()).encode()).hexdigest()
    return f"w_{digest[:20]}"


def resolve(location: str | None, workdir: Path) -> str | None:
    """`location` with `{workdir}` filled in."""
    if location and WORKDIR_PLACEHOLDER in location:
        return location.replace(WORKDIR_PLACEHOLDER, workdir_schema(workdir))
    return location


def describe(location: str | None, workdir: Path) -> str:
    """Where the store is, for people (a PostgreSQL URL without its password)."""
    found = resolve(location, workdir)
    if found and is_postgres(found):
        return redacted(found)
    return str(Path(found) if found else workdir / STORE_FILE)


def beside(location: str | None, workdir: Path, name: str) -> str | None:
    """The location of another store beside the one at `location` (another node of the same
    host, say): in the same PostgreSQL database, the schema `<its schema>_<name>`; for DuckDB
    (and a URL naming a schema per work directory), None: the other work directory's own."""
    if not location:
        return None
    if WORKDIR_PLACEHOLDER in location:
        return location
    if not is_postgres(location):
        return None
    _, schema = split_url(location)
    return with_schema(location, f"{schema}_{name}")


def open_store(location: str | None, workdir: Path, read_only: bool = False) -> Store:
    """Open the store at `location` (a PostgreSQL URL, a DuckDB file path, or None for the
    work directory's DuckDB file)."""
    found = resolve(location, workdir)
    if found and is_postgres(found):
        # The driver (psycopg and its pool) is loaded only for a PostgreSQL store.
        from corridor.store.postgres.store import PostgresStore

        return PostgresStore(found)
    path = Path(found) if found else workdir / STORE_FILE
    return DuckDBStore(path, read_only=read_only and path.exists(),
                       memory_limit=Settings().duckdb_memory)  # fmt: skip
