"""What every command module shares: the consoles, the work directory and store options (and
the scale and limit options more than one command takes), and the store opened for one command
(closed when it ends, whatever happens)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from corridor.errors import ValidationError
from corridor.model.timeparse import parse_datetime
from corridor.resources import SCRATCH_DIR, use_scratch
from corridor.settings import Settings
from corridor.store import location
from corridor.store.base import Store

out = Console()
err = Console(stderr=True)

Start = Annotated[
    str | None,
    typer.Option(help="What was observed from this time on (ISO 8601).", show_default=False),
]
End = Annotated[
    str | None,
    typer.Option(help="What was observed before this time (ISO 8601).", show_default=False),
]

Engine = Annotated[
    Literal["duckdb", "spark"],
    typer.Option(
        help="Where an analysis over sensor reads runs: the store's own database, or Spark "
        "(local mode) when the reads outgrow one machine."
    ),
]


def time_option(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 time given to `option`, or a usage error naming it."""
    if value is None:
        return None
    try:
        return parse_datetime(value, option.lstrip("-"))
    except ValidationError as exc:
        raise typer.BadParameter(exc.message, param_hint=option) from None


Workdir = Annotated[
    Path | None,
    typer.Option(
        "--workdir", "-w", envvar="CORRIDOR_HOME", help="Where the store lives.", show_default=False
    ),
]

StoreUrl = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="CORRIDOR_STORE",
        help="The store: a PostgreSQL URL (postgresql://user@host/db) for a node many analysts "
        "use, or by default the DuckDB file in the work directory.",
        show_default=False,
    ),
]


Purpose = Annotated[
    str | None,
    typer.Option(
        "--purpose",
        envvar="CORRIDOR_PURPOSE",
        help="Why you consult or change the data (recorded in the audit log).",
        show_default=False,
    ),
]


def _positive(value: float) -> float:
    if value <= 0:
        raise typer.BadParameter("must be positive")
    return value


Scale = Annotated[
    float,
    typer.Option(callback=_positive, help="0.05 for tests, 1 for the demo, 50+ for benchmarks."),
]
Limit = Annotated[int, typer.Option(min=1, help="How many at most.")]


def workdir_path(workdir: Path | None) -> Path:
    return workdir if workdir is not None else Settings().home


def open_store(workdir: Path | None, store: str | None = None, read_only: bool = False) -> Store:
    """The store named by `--store` (or `CORRIDOR_STORE`), else the work directory's DuckDB."""
    given = store if store is not None else Settings().store
    use_scratch(workdir_path(workdir) / SCRATCH_DIR)
    return location.open_store(given, workdir_path(workdir), read_only=read_only)


@contextmanager
def store_session(
    workdir: Path | None, store: str | None = None, read_only: bool = False
) -> Iterator[Store]:
    """The store for one command, closed when the command ends (its audit entries written)."""
    opened = open_store(workdir, store, read_only)
    try:
        yield opened
    finally:
        opened.close()
