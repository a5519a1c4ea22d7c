"""Stores: the interface and its implementations (DuckDB embedded by default)."""

from corridor.store.base import IngestInfo, ObservationQuery, SearchHit, Store, StoreWriter
from corridor.store.duckdb import DuckDBStore

__all__ = ["DuckDBStore", "IngestInfo", "ObservationQuery", "SearchHit", "Store", "StoreWriter"]
