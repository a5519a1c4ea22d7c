"""The DuckDB store: one embedded file in the work directory, the default."""

from corridor.store.duckdb.store import STORE_FILE, DuckDBStore

__all__ = ["STORE_FILE", "DuckDBStore"]
