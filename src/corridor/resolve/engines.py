"""Linkage engines: one small interface, DuckDB by default, Spark where one machine is not enough.

The resolution pipeline hands an engine Arrow tables and gets Arrow tables back; the engine owns
the Splink database API. Spark is imported only when asked for, with a clear error if missing.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI

from corridor.errors import CorridorError

#: Splink logs each step at INFO and warns of levels training could not see, which Corridor
#: expects (their priors stand); it reports its own summary instead.
SPLINK_LOG_LEVEL = logging.ERROR


class EngineUnavailable(CorridorError):
    """The engine asked for cannot run here (its library or runtime is missing)."""

    status_code = 501


class Engine(ABC):
    """Where Splink runs: registers inputs, and reads results back as Arrow."""

    name: str

    @property
    @abstractmethod
    def db_api(self) -> Any:
        """The Splink `DatabaseAPI` for this engine."""

    def register(self, table: pa.Table, name: str) -> Any:
        """Register an Arrow table as a Splink input (a `SplinkDataFrame`)."""
        return self.db_api.register(table, dataset_display_name=name)

    @abstractmethod
    def to_arrow(self, frame: Any) -> pa.Table:
        """A Splink result (`SplinkDataFrame`) as an Arrow table."""

    @abstractmethod
    def query(self, sql: str) -> pa.Table:
        """The result of a query in the engine's SQL dialect, as an Arrow table."""

    def close(self) -> None:  # noqa: B027 - engines without resources need nothing
        """Release what the engine holds."""


class DuckDBEngine(Engine):
    """Splink on an in-process DuckDB: the default, and the fastest on one machine."""

    name = "duckdb"

    def __init__(self, memory_limit: str = "2GB") -> None:
        self.con = duckdb.connect()
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self._db_api = DuckDBAPI(connection=self.con)

    @property
    def db_api(self) -> Any:
        return self._db_api

    def to_arrow(self, frame: Any) -> pa.Table:
        return self.query(f"SELECT * FROM {frame.physical_name}")

    def query(self, sql: str) -> pa.Table:
        table: pa.Table = self.con.sql(sql).to_arrow_table()
        return table

    def close(self) -> None:
        self.con.close()


ENGINES = ("duckdb", "spark")


def make_engine(name: str = "duckdb") -> Engine:
    """The engine called `name`; Spark is imported lazily and fails with a clear message."""
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        try:
            # Here, not at the top: PySpark is an optional extra, and Java may be missing.
            from corridor.resolve.spark import SparkEngine
        except ImportError as exc:
            raise EngineUnavailable(
                f"the Spark engine needs pyspark and Java 17 ({exc}); install with "
                "`pip install -e '.[spark]'`"
            ) from None
        return SparkEngine()
    raise CorridorError(f"unknown engine {name!r} (expected {', '.join(ENGINES)})")
