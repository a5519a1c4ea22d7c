"""`corridor entities` and `corridor search`: what the store holds, as FtM JSON or by name."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from corridor.access.authz import Authz
from corridor.commands.common import Limit, StoreUrl, Workdir, out, store_session
from corridor.model.schemata import schemata_for


def entities(
    workdir: Workdir = None,
    store: StoreUrl = None,
    schema: Annotated[
        str | None, typer.Option(help="Only this schema and those extending it.")
    ] = None,
    provenance: Annotated[
        bool, typer.Option(help="Add each value's provenance under `statements`.")
    ] = False,
) -> None:
    """Write entities as FollowTheMoney JSON lines to stdout."""
    with store_session(workdir, store, read_only=True) as db:
        for record in db.iter_entities(Authz.system_user().scope, schemata_for(schema)):
            data = record.to_dict() if provenance else record.to_ftm_dict()
            sys.stdout.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")


def search(
    query: Annotated[str, typer.Argument(help="A name in any script or spelling.")],
    workdir: Workdir = None,
    store: StoreUrl = None,
    schema: Annotated[str | None, typer.Option(help="Only this schema.")] = None,
    limit: Limit = 20,
) -> None:
    """Search names across scripts and spellings."""
    scope = Authz.system_user().scope
    table = Table(title=f"Search: {query}")
    for col in ("id", "schema", "score", "names", "agencies"):
        table.add_column(col)
    with store_session(workdir, store, read_only=True) as db:
        for hit in db.search(query, scope, schemata_for(schema), limit):
            record = db.get_entity(hit.entity_id, scope)
            agencies = (
                ", ".join(sorted({s.row["agency"] for s in record.statements})) if record else ""
            )
            table.add_row(
                hit.entity_id, hit.schema, f"{hit.score:g}", "; ".join(hit.names), agencies
            )
    out.print(table)


def register(app: typer.Typer) -> None:
    app.command()(entities)
    app.command()(search)
