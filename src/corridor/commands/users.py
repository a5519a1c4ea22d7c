"""`corridor users add|deactivate|list`: the node's users and their API keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from corridor.access.caller import Caller
from corridor.commands.common import Purpose, StoreUrl, Workdir, err, out, store_session
from corridor.model.classification import Classification
from corridor.users.service import create_user, deactivate_user

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
    purpose: Purpose = None,
) -> None:
    """Add a user and print their API key (shown once; only its hash is kept)."""
    with store_session(workdir, store) as db:
        user, key = create_user(db, Caller.operator(purpose), name, role, agency, clearance)
    err.print(f"Created {user.role} {user.name!r} of {user.agency}; API key (shown once):")
    print(key)


@users_app.command("deactivate")
def users_deactivate(
    name: Annotated[str, typer.Argument(help="User name.")],
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Stop a user's API key working; the user and everything they did stay on record."""
    with store_session(workdir, store) as db:
        deactivate_user(db, Caller.operator(purpose), name)
    err.print(f"User {name!r} deactivated: their key no longer works.")


@users_app.command("list")
def users_list(workdir: Workdir = None, store: StoreUrl = None) -> None:
    """List users (never their keys)."""
    with store_session(workdir, store, read_only=True) as db:
        users = db.users()
    table = Table(title="Users")
    for col in ("name", "role", "agency", "clearance", "created", "active"):
        table.add_column(col)
    for u in users:
        table.add_row(
            u.name,
            u.role,
            u.agency,
            Classification(u.clearance).label,
            u.created_at.isoformat(timespec="seconds"),
            "yes" if u.active else "no",
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
