"""`corridor users add|list`: the node's users and their API keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from corridor.access.authz import Authz
from corridor.access.users import create_user
from corridor.audit import Event, audit
from corridor.commands.common import StoreUrl, Workdir, err, out, store_session
from corridor.model.classification import Classification

users_app = typer.Typer(help="Users and their API keys.", no_args_is_help=True)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[
        str, typer.Option(help="analyst, supervisor, sharing_officer, auditor or admin.")
    ],
    agency: Annotated[str, typer.Option(help="The user's agency, e.g. RS-MUP.")],
    clearance: Annotated[
        str, typer.Option(help="Highest classification the user may see.")
    ] = "OFFICIAL-SENSITIVE",
    workdir: Workdir = None,
    store: StoreUrl = None,
) -> None:
    """Add a user and print their API key (shown once; only its hash is kept)."""
    with store_session(workdir, store) as db:
        user, key = create_user(db, name, role, agency, clearance)
        audit(db, Authz.system_user(), Event.ADMIN, f"users/{user.name}",
              detail={"role": user.role, "agency": user.agency,
                      "clearance": user.clearance})  # fmt: skip
    err.print(f"Created {user.role} {user.name!r} of {user.agency}; API key (shown once):")
    print(key)


@users_app.command("list")
def users_list(workdir: Workdir = None, store: StoreUrl = None) -> None:
    """List users (never their keys)."""
    with store_session(workdir, store, read_only=True) as db:
        users = db.users()
    table = Table(title="Users")
    for col in ("name", "role", "agency", "clearance", "created"):
        table.add_column(col)
    for u in users:
        table.add_row(
            u.name,
            u.role,
            u.agency,
            Classification(u.clearance).label,
            u.created_at.isoformat(timespec="seconds"),
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
