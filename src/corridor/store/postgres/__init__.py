"""The PostgreSQL store: a node many analysts use at once (`--store postgresql://…`)."""

from corridor.store.postgres.store import PostgresStore, StoreUnavailable, split_url, with_schema

__all__ = ["PostgresStore", "StoreUnavailable", "split_url", "with_schema"]
