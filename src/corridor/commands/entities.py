"""`corridor entities` and `corridor search`: what the store holds, as FtM JSON or by name."""

from __future__ import annotations

import json
import sys
from contextlib import closing
from typing import Annotated

import typer
from rich.table import Table

from corridor.access.caller import Caller
from corridor.commands.common import Limit, Purpose, StoreUrl, Workdir, out, store_session
from corridor.entities import service


def entities(
    workdir: Workdir = None,
    store: StoreUrl = None,
    schema: Annotated[
        str | None, typer.Option(help="Only this schema and those extending it.")
    ] = None,
    provenance: Annotated[
        bool, typer.Option(help="Add each value's provenance under `statements`.")
    ] = False,
    purpose: Purpose = None,
) -> None:
    """Write entities as FollowTheMoney JSON lines to stdout."""
    with (
        store_session(workdir, store) as db,
        closing(service.export_entities(db, Caller.operator(purpose), schema)) as records,
    ):  # logged before the store closes, however the export ends
        for record in records:
            data = record.to_dict() if provenance else record.to_ftm_dict()
            sys.stdout.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")


def search(
    query: Annotated[str, typer.Argument(help="A name in any script or spelling.")],
    workdir: Workdir = None,
    store: StoreUrl = None,
    schema: Annotated[str | None, typer.Option(help="Only this schema.")] = None,
    limit: Limit = 20,
    purpose: Purpose = None,
) -> None:
    """Search names across scripts and spellings."""
    table = Table(title=f"Search: {query}")
    for col in ("id", "schema", "score", "names", "agencies"):
        table.add_column(col)
    with store_session(workdir, store) as db:
        for found in service.search(db, Caller.operator(purpose), query, schema, limit):
            hit = found.hit
            table.add_row(
                hit.entity_id,
                hit.schema,
                f"{hit.score:g}",
                "; ".join(hit.names),
                ", ".join(found.agencies),
            )
    out.print(table)


def register(app: typer.Typer) -> None:
    app.command()(entities)
    app.command()(search)
