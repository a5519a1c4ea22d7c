"""What every command module shares: the consoles, the work directory option, the store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from corridor.settings import Settings

if TYPE_CHECKING:
    from corridor.store.duckdb import DuckDBStore

out = Console()
err = Console(stderr=True)

Workdir = Annotated[
    Path | None,
    typer.Option(
        "--workdir", "-w", envvar="CORRIDOR_HOME", help="Where the store lives.", show_default=False
    ),
]


def workdir_path(workdir: Path | None) -> Path:
    return workdir if workdir is not None else Settings().home


def open_store(workdir: Path | None, read_only: bool = False) -> DuckDBStore:
    from corridor.store.duckdb import DuckDBStore

    path = workdir_path(workdir)
    return DuckDBStore.open(path, read_only=read_only and (path / "corridor.duckdb").exists())
