"""Where a store lives: a PostgreSQL URL, or the DuckDB file in a work directory (the default).

Commands and the server take `--store` (or `CORRIDOR_STORE`); without one, the work directory's
`corridor.duckdb` is the store.
"""

from __future__ import annotations

from pathlib import Path

from corridor.errors import ValidationError
from corridor.store.base import Store
from corridor.store.duckdb import STORE_FILE, DuckDBStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(location: str | None) -> bool:
    return bool(location) and str(location).startswith(POSTGRES_SCHEMES)


def open_store(location: str | None, workdir: Path, read_only: bool = False) -> Store:
    """Open the store at `location` (a PostgreSQL URL, a DuckDB file path, or None for the
    work directory's DuckDB file)."""
    if location and is_postgres(location):
        raise ValidationError("PostgreSQL stores are not available yet", "store")
    path = Path(location) if location else workdir / STORE_FILE
    return DuckDBStore(path, read_only=read_only and path.exists())
