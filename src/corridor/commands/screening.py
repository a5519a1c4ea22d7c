"""`corridor lists load|show`, `corridor screen` and `corridor alerts list|decide`: sanctions
lists and watchlists, names screened against them, and the alerts on the node's own entities."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from corridor.access.caller import Caller
from corridor.commands.common import Purpose, StoreUrl, Workdir, err, out, store_session
from corridor.errors import InputError
from corridor.plugins import LIST_FORMATS
from corridor.screen.alerts import decide, screen_entities, visible_alerts
from corridor.screen.lists import load_list
from corridor.screen.matching import screen_rows

lists_app = typer.Typer(
    help="Sanctions lists and watchlists to screen against.", no_args_is_help=True
)
alerts_app = typer.Typer(help="Screening alerts on the node's own entities.", no_args_is_help=True)


@lists_app.command("load")
def lists_load(
    path: Annotated[Path, typer.Argument(help="The list file (or the OFAC folder).")],
    dataset: Annotated[str, typer.Option(help="The dataset name to load it as, e.g. un_sc.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help=f"{', '.join(LIST_FORMATS.names)}."),
    ] = None,
    mapping: Annotated[Path | None, typer.Option(help="Mapping file for a watchlist CSV.")] = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Load a list as a named screening dataset; a newer version updates it (additions,
    changes, delistings), and the node's entities are screened against it."""
    with store_session(workdir, store) as db:
        report = load_list(db, Caller.operator(purpose), path, dataset, fmt, mapping)
        raised = screen_entities(db)
    out.print(
        f"[bold]{report.dataset}[/bold] version {report.version}: {report.entities:,} listed "
        f"({report.added:,} added, {report.changed:,} changed, {report.delisted:,} delisted, "
        f"{report.unchanged:,} unchanged); {len(raised):,} new alert"
        + ("" if len(raised) == 1 else "s")
    )


@lists_app.command("show")
def lists_show(workdir: Workdir = None, store: StoreUrl = None) -> None:
    """The loaded datasets and their versions."""
    with store_session(workdir, store, read_only=True) as db:
        versions = db.list_versions()
    table = Table(title="Screening datasets")
    for col in (
        "dataset",
        "version",
        "source",
        "loaded",
        "entities",
        "added",
        "changed",
        "delisted",
    ):
        table.add_column(col)
    for v in versions:
        loaded = v.loaded_at.isoformat(timespec="seconds")
        counts = (f"{v.entities:,}", f"{v.added:,}", f"{v.changed:,}", f"{v.delisted:,}")
        table.add_row(v.name, str(v.version), v.source, loaded, *counts)
    out.print(table)


def screen(
    input_file: Annotated[
        Path, typer.Argument(help="CSV of names to screen (FtM property columns).")
    ],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the hits (CSV).")],
    dataset: Annotated[
        str, typer.Option(help="Dataset name, or default for all lists.")
    ] = "default",
    schema: Annotated[
        str, typer.Option(help="What each row is: Person, Organization, Vehicle, …")
    ] = "Person",
    threshold: Annotated[float, typer.Option(help="Score at which a result is a hit.")] = 0.7,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Screen a table of names (columns: id, name, birthDate, nationality, …) against the lists."""
    if not input_file.is_file():
        raise InputError("file not found", file=input_file.name)
    with input_file.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    with store_session(workdir, store) as db:
        hits = screen_rows(db, Caller.operator(purpose), dataset, rows, schema, threshold)
    columns = ["row", "query_id", "entity_id", "dataset", "caption", "score", "features"]
    with out_file.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(hits)
    err.print(f"{len(rows):,} rows screened, {len(hits):,} hits written to {out_file.name}")


@alerts_app.command("list")
def alerts_list(
    status: Annotated[
        str | None, typer.Option(help="open, true_match or false_positive.")
    ] = "open",
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Screening alerts with their scores and reasons."""
    with store_session(workdir, store) as db:
        found = visible_alerts(db, Caller.operator(purpose), status)
    table = Table(title=f"Alerts ({status or 'all'})")
    for col in ("alert", "entity", "listed entity", "dataset", "score", "why", "status"):
        table.add_column(col)
    for a in found:
        why = "; ".join(f"{k} {v['score']:+.2f}" for k, v in a.explanation.items())
        table.add_row(
            a.id[:12], a.entity_id, a.list_entity_id, a.dataset, f"{a.score:.3f}", why, a.status
        )
    out.print(table)


@alerts_app.command("decide")
def alerts_decide(
    alert_id: Annotated[str, typer.Argument(help="The alert's id (or a unique prefix).")],
    decision: Annotated[str, typer.Option(help="true_match or false_positive.")],
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
    user: Annotated[str, typer.Option(help="Who decides (recorded).")] = "operator",
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Decide an alert; a false positive is not raised again while the evidence is the same."""
    with store_session(workdir, store) as db:
        decided = decide(db, Caller.operator(purpose), alert_id, decision, note, user)
    out.print(f"alert {decided.id[:12]}: {decided.status} by {decided.decided_by}")


def register(app: typer.Typer) -> None:
    app.add_typer(lists_app, name="lists")
    app.command()(screen)
    app.add_typer(alerts_app, name="alerts")
