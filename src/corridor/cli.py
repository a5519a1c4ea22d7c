"""The `corridor` command line: the root app, each capability's commands registered on it from
its module in `corridor.commands`, and the entry point."""

from __future__ import annotations

import sys

import typer

from corridor.commands import (
    audit,
    entities,
    ingest,
    network,
    resolve,
    routes,
    scenario,
    screening,
    sensors,
    serve,
    sharing,
    stats,
    targeting,
    users,
)
from corridor.commands.common import err
from corridor.errors import CorridorError

#: Each capability's command module, in the order `corridor --help` lists their commands.
COMMAND_MODULES = (
    scenario,
    ingest,
    entities,
    resolve,
    network,
    sensors,
    targeting,
    routes,
    screening,
    stats,
    users,
    audit,
    sharing,
    serve,
)


def build_app() -> typer.Typer:
    """The root app with every capability's commands on it."""
    root = typer.Typer(
        help="Corridor: fuse, resolve, screen and share intelligence on organised immigration "
        "crime.",
        no_args_is_help=True,
    )
    for module in COMMAND_MODULES:
        module.register(root)
    return root


app = build_app()


def main() -> None:
    """Entry point: Corridor's own errors, and a file that cannot be read or written, print as
    one clear line and exit 2. Typer handles the rest in standalone mode: a usage error names
    the option and exits 2, Ctrl-C exits 130."""
    try:
        app()
    except CorridorError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        sys.exit(2)
    except OSError as exc:  # a file named on the command line that cannot be read or written
        where = f"{exc.filename}: " if exc.filename else ""
        err.print(f"[red]error:[/red] {where}{exc.strerror or exc}", highlight=False)
        sys.exit(2)
