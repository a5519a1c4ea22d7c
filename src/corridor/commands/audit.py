"""`corridor audit export|verify|checkpoint|show` and `corridor review due`: the tamper-evident
audit log, and the records past their review-by date."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from corridor.access.caller import Caller
from corridor.audit import checkpoint as checkpoints
from corridor.audit import service, verify_file
from corridor.audit.chain import canonical_json
from corridor.commands.common import (
    Purpose,
    StoreUrl,
    Workdir,
    store_session,
    workdir_path,
)
from corridor.entities import service as entities
from corridor.errors import CorridorError
from corridor.node.identity import NodeIdentity, PublicKeys
from corridor.settings import Settings

audit_app = typer.Typer(
    help="The audit log: export, verify and show who did what, when and why.",
    no_args_is_help=True,
)
review_app = typer.Typer(help="Records past their review-by date.", no_args_is_help=True)


def _console() -> Console:
    return Console()  # made per command, so it sizes itself to the terminal it runs in


@audit_app.command("export")
def export(
    out_file: Annotated[Path, typer.Option("--out", help="The JSON lines file to write.")],
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Write the log as JSON lines, ending with a seal line (entry count and head hash)."""
    signer = NodeIdentity.load_optional(workdir_path(workdir))
    with store_session(workdir, store) as db:
        written = service.export(db, Caller.operator(purpose), out_file, signer)
    signed = f"; seal signed by {signer.agency} ({signer.public.fingerprint})" if signer else ""
    typer.echo(f"{written.entries} entries exported to {out_file}, head {written.head}{signed}")


def _key_card(key: Path) -> PublicKeys:
    try:
        return PublicKeys.from_card(json.loads(key.read_text(encoding="utf-8")))
    except (OSError, ValueError, CorridorError) as exc:
        raise typer.BadParameter(f"not a key card: {exc}", param_hint="--key") from None


@audit_app.command("verify")
def verify(
    file: Annotated[
        Path | None, typer.Option("--file", help="An export to verify (default: the store's log).")
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            help="The node's key card: check an export's signed seal, or the checkpoints' "
            "signatures (default: the work directory's node)."
        ),
    ] = None,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            help="A checkpoint kept elsewhere (from `audit checkpoint --out`, or a signed "
            "export): the store's log must still extend it. Repeatable.",
        ),
    ] = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Check every hash and the chain (and, with --key, an export's seal); the store's log
    against every checkpoint the store holds and each --checkpoint. Exit 1 naming the first
    fault."""
    card = _key_card(key) if key is not None else None
    if file is not None:
        if not file.is_file():
            raise typer.BadParameter(f"no file {file}", param_hint="--file")
        if checkpoint:
            raise typer.BadParameter(
                "checkpoints are checked against the store's log, not an export",
                param_hint="--checkpoint",
            )
        result = verify_file(file, card)
    else:
        for path in checkpoint or ():
            if not path.is_file():
                raise typer.BadParameter(f"no file {path}", param_hint="--checkpoint")
        if card is None:
            identity = NodeIdentity.load_optional(workdir_path(workdir))
            card = identity.public if identity is not None else None
        given = checkpoints.files(checkpoint or ())
        with store_session(workdir, store) as db:
            result = service.verify(db, Caller.operator(purpose), card, given)
    typer.echo(str(result), err=not result.ok)
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def checkpoint(
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Write it to this file too (kept elsewhere; never replaced)."),
    ] = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Sign the log's head with the node's key and keep it in the store; print it (or write it
    to --out) to keep where a rewrite of the store cannot reach it. `audit verify
    --checkpoint FILE` then fails if the log was cut below it or emptied."""
    signer = NodeIdentity.load(workdir_path(workdir))
    if out_file is not None and out_file.exists():
        raise typer.BadParameter(f"{out_file} exists (a checkpoint is never replaced)",
                                 param_hint="--out")  # fmt: skip
    with store_session(workdir, store) as db:
        made = service.checkpoint(db, Caller.operator(purpose), signer)
    text = canonical_json(made.to_json()) + "\n"
    if out_file is None:
        typer.echo(text, nl=False)
    else:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(out_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    where = f", written to {out_file}" if out_file is not None else ""
    typer.echo(f"Checkpoint: {made}{where}", err=True)


@audit_app.command("show")
def show(
    last: Annotated[int, typer.Option(help="How many of the latest entries.", min=1)] = 20,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """The latest entries as a table (this consultation the last of them)."""
    with store_session(workdir, store) as db:
        entries = service.tail(db, Caller.operator(purpose), last)
    table = Table(title=f"Audit log (last {len(entries)})")
    for col in ("seq", "at (UTC)", "user", "role", "agency", "event", "target", "purpose"):
        table.add_column(col, justify="right" if col == "seq" else "left")
    table.add_column("detail", overflow="fold")
    for e in entries:
        table.add_row(
            str(e.seq),
            e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            e.user_name,
            e.role,
            e.agency or "",
            e.event,
            e.target,
            e.purpose or "",
            e.detail if len(e.detail) <= 200 else e.detail[:199] + "…",
        )
    _console().print(table)


@review_app.command("due")
def due(
    agency: Annotated[
        str | None, typer.Option(help="The owning agency (default: this node's; all if unset).")
    ] = None,
    before: Annotated[
        str | None, typer.Option(help="Review-by dates before this day (default today).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1)] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Entities and observations whose review-by date has passed, for their owners to review."""

    try:
        day = date.fromisoformat(before) if before else datetime.now(UTC).date()
    except ValueError:
        raise typer.BadParameter("not an ISO date (YYYY-MM-DD)", param_hint="--before") from None
    owner = (agency or Settings().agency or "").upper() or None
    with store_session(workdir, store) as db:
        items = entities.review_due(db, Caller.operator(purpose), owner, day, limit)
    if as_json:
        for item in items:
            typer.echo(json.dumps(item.to_dict(), ensure_ascii=False))
        return
    table = Table(title=f"Due for review before {day} ({owner or 'every agency'}): {len(items)}")
    for col in ("kind", "id", "what", "agency", "review by", "grading", "rows"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for i in items:
        table.add_row(
            i.kind, i.id, i.what, i.agency, i.review_by.isoformat(), i.grading, str(i.count)
        )
    _console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
    app.add_typer(review_app, name="review")
