"""Typed settings from the environment (prefix `CORRIDOR_`), failing fast on bad values."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from corridor.errors import ValidationError
from corridor.model.lifetime import parse_expiry


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CORRIDOR_")

    #: The work directory holding the store (`--workdir` overrides it).
    home: Path = Path(".corridor")
    #: Loopback only by default: listening wider is an explicit operator decision.
    host: str = "127.0.0.1"
    port: int = 8000
    #: The store: a PostgreSQL URL, or None for the DuckDB file in the work directory.
    store: str | None = None
    #: This node's agency, the default owner of what its operator ingests.
    agency: str | None = None
    #: How often a served node delivers again the packages a partner has not yet received
    #: (seconds; 0 turns it off, leaving `corridor share retry` to the operator).
    retry_seconds: float = 300
    #: The most memory the DuckDB store may use before it spills to disk (DuckDB's own
    #: syntax: `4GB`, `512MB`). Analyses over a year of a busy border's ANPR reads (ten
    #: million) need about 2GB; the default leaves room for them on a laptop.
    duckdb_memory: str = "3GB"
    #: How long a Spark session (and its JVM) outlives the last Spark run, in seconds.
    spark_idle_seconds: float = 300
    #: How long a new (or renewed) API key works unless told otherwise: `90d`, `12h`, `2w`, or
    #: `never`.
    key_expires_in: str = "90d"

    @field_validator("key_expires_in")
    @classmethod
    def _key_expires_in(cls, value: str) -> str:
        try:
            parse_expiry(value)
        except ValidationError as exc:
            raise ValueError(exc.message) from None
        return value

    @field_validator("duckdb_memory")
    @classmethod
    def _duckdb_memory(cls, value: str) -> str:
        if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value.strip(), re.I):
            raise ValueError(f"not an amount of memory DuckDB reads (e.g. 3GB): {value!r}")
        return value.strip()

    @field_validator("port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError("port must be between 1 and 65535")
        return value
