"""`corridor users add|list|revoke|rotate-key|deactivate`: the node's users and their API keys."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

import typer
from rich.table import Table

from corridor.access.caller import Caller
from corridor.commands.common import Purpose, StoreUrl, Workdir, err, out, store_session
from corridor.errors import CorridorError
from corridor.model.classification import Classification
from corridor.model.lifetime import parse_expiry
from corridor.store.records import UserRecord
from corridor.users.service import (
    Lifetime,
    create_user,
    deactivate_user,
    key_state,
    revoke_key,
    rotate_key,
)

users_app = typer.Typer(help="Users and their API keys.", no_args_is_help=True)

ExpiresIn = Annotated[
    str | None,
    typer.Option(
        "--expires-in",
        help="How long the key works: 12h, 90d, 2w, or never (default: CORRIDOR_KEY_EXPIRES_IN, "
        "else 90d).",
    ),
]


def _lifetime(text: str | None) -> Lifetime:
    if text is None:
        return "default"
    try:
        return parse_expiry(text)
    except CorridorError as exc:
        raise typer.BadParameter(exc.message, param_hint="--expires-in") from None


def _until(user: UserRecord) -> str:
    if user.expires_at is None:
        return "never expires"
    return f"expires {user.expires_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


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
    expires_in: ExpiresIn = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Add a user and print their API key (shown once; only its hash is kept)."""
    lifetime = _lifetime(expires_in)
    with store_session(workdir, store) as db:
        user, key = create_user(
            db, Caller.operator(purpose), name, role, agency, clearance, lifetime
        )
    err.print(
        f"Created {user.role} {user.name!r} of {user.agency}; API key ({_until(user)}; shown once):"
    )
    print(key)


@users_app.command("rotate-key")
def users_rotate_key(
    name: Annotated[str, typer.Argument(help="User name.")],
    expires_in: ExpiresIn = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Give a user a new API key and print it (shown once); their old key stops working at
    once, on every process serving the node."""
    lifetime = _lifetime(expires_in)
    with store_session(workdir, store) as db:
        user, key = rotate_key(db, Caller.operator(purpose), name, lifetime)
    err.print(f"New API key for {user.name!r} ({_until(user)}; shown once; the old one is void):")
    print(key)


@users_app.command("revoke")
def users_revoke(
    name: Annotated[str, typer.Argument(help="User name.")],
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Stop a user's API key working at once (lost, leaked); `rotate-key` gives them a new one."""
    with store_session(workdir, store) as db:
        revoke_key(db, Caller.operator(purpose), name)
    err.print(f"The API key of {name!r} is revoked: it no longer works.")


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
    """List users and whether their key works (never the keys)."""
    with store_session(workdir, store, read_only=True) as db:
        users = db.users()
    table = Table(title="Users")
    for col in ("name", "role", "agency", "clearance", "created", "key", "key expires"):
        table.add_column(col)
    for u in users:
        table.add_row(
            u.name,
            u.role,
            u.agency,
            Classification(u.clearance).label,
            u.created_at.isoformat(timespec="seconds"),
            key_state(u),
            u.expires_at.astimezone(UTC).isoformat(timespec="seconds") if u.expires_at else "never",
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
