"""The PostgreSQL store: a node many analysts use at once (`--store postgresql://…`).

The store is `corridor.store.postgres.store.PostgresStore`; this package's root names only
locations (`urls`), so that importing it does not load the database driver."""

from corridor.store.postgres.urls import DEFAULT_SCHEMA, redacted, split_url, with_schema

__all__ = ["DEFAULT_SCHEMA", "redacted", "split_url", "with_schema"]
