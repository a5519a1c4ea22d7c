"""`corridor stats frontex|counts`: real Frontex figures, and what the store holds per agency."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from corridor.access.authz import Authz
from corridor.commands.common import StoreUrl, Workdir, out, store_session
from corridor.stats.counts import counts_table
from corridor.stats.frontex import Frontex

stats_app = typer.Typer(
    help="Statistics: real Frontex data and the store's counts.", no_args_is_help=True
)


@stats_app.command("frontex")
def stats_frontex(
    route: Annotated[str, typer.Option(help="Frontex route name.")] = "Western Balkan Route",
    year: Annotated[int | None, typer.Option(help="Calendar year.")] = None,
    top: Annotated[int, typer.Option(min=1, help="Nationalities to list.")] = 15,
    workdir: Workdir = None,
) -> None:
    """Real Frontex detections on a route (detections, not people), by nationality.

    The figures ship with Corridor, so this reads no store (`--workdir` is accepted, unused).
    """
    s = Frontex().summary(route, year)
    period = str(s.year) if s.year else "all years"
    out.print(f"[bold]{s.route}[/bold], {period}: [bold]{s.total:,}[/bold] detections")
    table = Table(title="By nationality")
    table.add_column("nationality")
    table.add_column("ISO3")
    table.add_column("detections", justify="right")
    table.add_column("share", justify="right")
    for n in s.by_nationality[:top]:
        table.add_row(n.name, n.iso3, f"{n.detections:,}", f"{100 * n.detections / s.total:.1f}%")
    out.print(table)


@stats_app.command("counts")
def stats_counts(workdir: Workdir = None, store: StoreUrl = None) -> None:
    """Entities, statements and observations per agency."""
    with store_session(workdir, store, read_only=True) as db:
        counts = db.counts(Authz.system_user().scope)
    out.print(counts_table(counts))


def register(app: typer.Typer) -> None:
    app.add_typer(stats_app, name="stats")
