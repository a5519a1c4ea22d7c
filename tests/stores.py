"""The store the tests run against: DuckDB by default, PostgreSQL when `CORRIDOR_TEST_STORE`
is `postgres` (`make test` runs the suite both ways; `conftest.py` starts a throwaway cluster).

Tests make stores only through these two functions, so that every one of them runs on both.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

from corridor.store.base import Store
from corridor.store.duckdb import DuckDBStore
from corridor.store.location import open_store
from corridor.store.postgres.store import PostgresStore

#: `duckdb` or `postgres`.
BACKEND = os.environ.get("CORRIDOR_TEST_STORE", "duckdb")
#: The test cluster's database (set by conftest when the backend is PostgreSQL).
PG_URL_VAR = "CORRIDOR_TEST_PG"


def new_store() -> Store:
    """An empty store of its own (in memory, or a new schema of the test database)."""
    if BACKEND == "postgres":
        return PostgresStore(f"{os.environ[PG_URL_VAR]}?schema=t_{uuid.uuid4().hex[:16]}")
    return DuckDBStore(None)


def workdir_store(workdir: Path) -> Store:
    """The store of a work directory, the one `corridor --workdir` opens: its DuckDB file, or
    (PostgreSQL) the schema `CORRIDOR_STORE` names for it."""
    return open_store(os.environ.get("CORRIDOR_STORE"), workdir)


def filled_workdir(workdir: Path, fill: Callable[[Store], object]) -> Path:
    """A work directory whose store `fill` has written (and closed again, as a command that
    opens it next would find it)."""
    store = workdir_store(workdir)
    try:
        fill(store)
    finally:
        store.close()
    return workdir
