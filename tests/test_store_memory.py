"""The DuckDB store's memory limit: set by the operator (`CORRIDOR_DUCKDB_MEMORY`), read as
DuckDB reads it, refused with a clear message when it is not an amount of memory."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from corridor.settings import Settings
from corridor.store.duckdb import DuckDBStore
from corridor.store.location import open_store


def _limit(store: DuckDBStore) -> str:
    with store._session() as s:
        return str(s.rows("SELECT current_setting('memory_limit')")[0][0])


def test_the_store_uses_the_memory_the_operator_allows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Settings().duckdb_memory == "3GB"
    monkeypatch.setenv("CORRIDOR_DUCKDB_MEMORY", "1GB")
    store = open_store(None, tmp_path)
    try:
        assert isinstance(store, DuckDBStore)
        assert _limit(store) == "953.6 MiB"  # DuckDB's reading of 10^9 bytes
    finally:
        store.close()


@pytest.mark.parametrize("value", ["lots", "3", "GB", "-1GB"])
def test_an_amount_duckdb_cannot_read_is_refused(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORRIDOR_DUCKDB_MEMORY", value)
    with pytest.raises(ValidationError, match="not an amount of memory"):
        Settings()
