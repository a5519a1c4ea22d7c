"""What every DuckDB part of the store shares: a cursor per operation (the API's worker threads
never share one), rows as tuples or dicts, and one transaction that commits or rolls back whole.

`DuckDBStore` supplies `_cursor` and `_write_lock`; the capability mixins (resolution,
screening, sharing, audit) inherit these helpers instead of each writing them again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

import duckdb


class DuckDBBase:
    _write_lock: Any

    def _cursor(self) -> duckdb.DuckDBPyConnection:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def _fetch(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        cur = self._cursor()
        try:
            return cur.execute(sql, list(params)).fetchall()
        finally:
            cur.close()

    def _dicts(
        self, sql: str, params: Sequence[object] = (), tables: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Rows as dicts; `tables` (name: Arrow table) are registered for the query to join."""
        cur = self._cursor()
        try:
            for name, table in (tables or {}).items():
                cur.register(name, table)
            res = cur.execute(sql, list(params))
            cols = [d[0] for d in res.description or ()]
            return [dict(zip(cols, row, strict=True)) for row in res.fetchall()]
        finally:
            cur.close()

    @contextmanager
    def _transaction(self, locked: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside one transaction: committed when the block ends, rolled back if it
        raises. `locked` (the default) also holds the store's write lock, one writer at a time."""
        with self._write_lock if locked else nullcontext():
            cur = self._cursor()
            try:
                cur.begin()
                yield cur
                cur.commit()
            except BaseException:
                cur.rollback()
                raise
            finally:
                cur.close()

    def _execute(self, statements: Sequence[tuple[str, Sequence[object]]]) -> None:
        """Run statements in one locked transaction."""
        with self._transaction() as cur:
            for sql, params in statements:
                cur.execute(sql, list(params))
