"""`corridor node|partner|agreement|share|rfi|correct|recall`: a node's identity, its partners,
the agreements with them, and what goes between them. Thin over `SharingService`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from corridor.access.caller import Caller
from corridor.commands.common import (
    Purpose,
    StoreUrl,
    Workdir,
    err,
    out,
    store_session,
    workdir_path,
)
from corridor.errors import InputError
from corridor.model.agreement import load_agreement
from corridor.node.identity import IDENTITY_FILE, NodeIdentity
from corridor.share.agreements import agreement_in_force, agreements_in_force, save_agreement
from corridor.share.service import RELATED_HOPS, SPOOL_DIR, SharingService

node_app = typer.Typer(help="This node's agency identity and keys.", no_args_is_help=True)
partner_app = typer.Typer(help="Partner nodes and their pinned keys.", no_args_is_help=True)
agreement_app = typer.Typer(help="Sharing agreements with partners.", no_args_is_help=True)
share_app = typer.Typer(help="Send and receive packages.", no_args_is_help=True)
rfi_app = typer.Typer(help="Requests for information.", no_args_is_help=True)

AgreedPurpose = Annotated[str, typer.Option(help="Why: must be a purpose the agreement permits.")]


@contextmanager
def sharing(workdir: Path | None, store: str | None = None) -> Iterator[SharingService]:
    """The node's sharing service over its store, for one command."""
    path = workdir_path(workdir)
    identity = NodeIdentity.load(path)
    with store_session(workdir, store) as db:
        svc = SharingService(db, identity, path / SPOOL_DIR)
        # Packages a crash left half-imported are imported before anything else happens.
        for receipt in svc.recover():
            err.print(f"Recovered package {receipt['receipt']['package_id']} after a crash")
        yield svc


def _print(data: Any) -> None:
    out.print_json(json.dumps(data, default=str, ensure_ascii=False))


@node_app.command("init")
def node_init(
    agency: Annotated[str, typer.Option(help="This node's agency, e.g. RS-MUP.")],
    workdir: Workdir = None,
) -> None:
    """Create this node's signing and encryption keys (kept in node.json, mode 0600)."""
    identity = NodeIdentity.generate(agency)
    path = identity.save(workdir_path(workdir))
    err.print(f"Node {identity.agency} created ({path.name}); key fingerprint:")
    print(identity.public.fingerprint)


@node_app.command("export-key")
def node_export_key(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the key card here (default: stdout).")
    ] = None,
    workdir: Workdir = None,
) -> None:
    """The public key card partners pin; read the fingerprint to them out of band."""
    card = NodeIdentity.load(workdir_path(workdir)).public.card()
    text = json.dumps(card, indent=2) + "\n"
    if out_file is None:
        print(text, end="")
    else:
        out_file.write_text(text, encoding="utf-8")
        err.print(f"Key card of {card['agency']} written to {out_file}; fingerprint:")
        print(card["fingerprint"])


@node_app.command("show")
def node_show(workdir: Workdir = None, store: StoreUrl = None) -> None:
    """This node's agency and fingerprint, and its partners."""
    with sharing(workdir, store) as svc:
        out.print(f"{svc.agency}: {svc.identity.public.fingerprint} ({IDENTITY_FILE})")
        _partners_table(svc)


def _partners_table(svc: SharingService) -> None:
    table = Table(title="Partners")
    for col in ("agency", "address", "fingerprint", "agreement"):
        table.add_column(col)
    for p in svc.store.partners():
        keys = svc.partner_keys(p.agency)
        agreement = agreement_in_force(svc.store, p.agency)
        table.add_row(
            p.agency, p.address or "(files only)", keys.fingerprint if keys else "",
            f"version {agreement.version}" if agreement else "none: nothing may go",
        )  # fmt: skip
    out.print(table)


@partner_app.command("add")
def partner_add(
    card: Annotated[Path, typer.Argument(help="The partner's key card (from `node export-key`).")],
    address: Annotated[
        str | None, typer.Option(help="The partner node's URL; leave out for file transfer only.")
    ] = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Pin a partner's public keys (check the fingerprint with them out of band)."""
    try:
        data = json.loads(card.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("file not found", file=card.name) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", file=card.name, line=exc.lineno) from None
    with sharing(workdir, store) as svc:
        record = svc.add_partner(data, address, Caller.operator(purpose))
        keys = svc.partner_keys(record.agency)
    out.print(f"Pinned {record.agency} ({keys.fingerprint if keys else ''}) at {address}")


@partner_app.command("list")
def partner_list(workdir: Workdir = None, store: StoreUrl = None) -> None:
    with sharing(workdir, store) as svc:
        _partners_table(svc)


@agreement_app.command("set")
def agreement_set(
    file: Annotated[Path, typer.Argument(help="The agreement, in YAML (see docs/sharing.md).")],
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Set (a new version of) the agreement with the partner it names."""
    agreement = load_agreement(file)
    with store_session(workdir, store) as db:
        saved = save_agreement(db, Caller.operator(purpose), agreement, datetime.now(UTC))
    out.print(f"Agreement with {saved.partner}: version {saved.version}")


@agreement_app.command("show")
def agreement_show(
    partner: Annotated[str | None, typer.Argument()] = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
) -> None:
    with store_session(workdir, store, read_only=True) as db:
        _print([a.to_dict() for a in agreements_in_force(db) if partner in (None, a.partner)])


@share_app.command("send")
def share_send(
    partner: Annotated[str, typer.Argument(help="The partner agency, e.g. GB-NCA.")],
    entity: Annotated[list[str], typer.Option("--entity", "-e", help="An entity id (repeat).")],
    purpose: AgreedPurpose,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Write the package to a file (air gap) instead of pushing it."),
    ] = None,
    related: Annotated[bool, typer.Option(help="Add what the entities are linked to.")] = False,
    observations: Annotated[bool, typer.Option(help="Add their sensor observations.")] = True,
    workdir: Workdir = None,
    store: StoreUrl = None,
) -> None:
    """Send entities to a partner, filtered by the agreement, signed and encrypted."""
    with sharing(workdir, store) as svc:
        sent = svc.share(
            Caller.operator(purpose), partner, entity, purpose, observations=observations,
            hops=RELATED_HOPS if related else 0, deliver=out_file is None,
        )  # fmt: skip
    if out_file is not None:
        out_file.write_bytes(sent.blob)
        err.print(f"Package written to {out_file} ({len(sent.blob):,} bytes)")
    _print(sent.to_dict())
    if sent.status == "failed":
        raise typer.Exit(1)


@share_app.command("import")
def share_import(
    file: Annotated[Path, typer.Argument(help="A package file from a partner.")],
    receipt: Annotated[
        Path | None, typer.Option(help="Write the signed receipt here, to carry back.")
    ] = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
) -> None:
    """Verify, decrypt and import a package carried over by hand."""
    try:
        blob = file.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=file.name) from None
    with sharing(workdir, store) as svc:
        signed = svc.receive(blob)
    if receipt is not None:
        receipt.write_text(json.dumps(signed, indent=2), encoding="utf-8")
    _print(signed)


@share_app.command("list")
def share_list(workdir: Workdir = None, store: StoreUrl = None) -> None:
    """Packages sent and received."""
    with sharing(workdir, store) as svc:
        table = Table(title=f"Packages of {svc.agency}")
        for col in ("direction", "partner", "seq", "kind", "when", "status", "items", "withheld"):
            table.add_column(col)
        for r in svc.sent():
            m = r["manifest"]
            items = m.get("statements", 0) + sum((m.get("observations") or {}).values())
            table.add_row(
                "sent", r["partner"], str(r["sequence"]), r["kind"],
                r["created_at"].isoformat(timespec="seconds"), r["status"], f"{items:,}",
                f"{sum((r['withheld'] or {}).values()):,}",
            )  # fmt: skip
        for r in svc.received():
            c = r["receipt"]["counts"]
            table.add_row(
                "received", r["sender"], str(r["sequence"]), r["kind"],
                r["received_at"].isoformat(timespec="seconds"), "imported",
                f"{c.get('statements', 0) + c.get('observations', 0):,}", "",
            )  # fmt: skip
        out.print(table)


@share_app.command("retry")
def share_retry(workdir: Workdir = None, store: StoreUrl = None) -> None:
    """Push again every package a partner has not yet received."""
    with sharing(workdir, store) as svc:
        _print([s.to_dict() for s in svc.retry()])


@rfi_app.command("ask")
def rfi_ask(
    partner: Annotated[str, typer.Argument()],
    kind: Annotated[str, typer.Option(help="person, vehicle, phone or account.")],
    subject: Annotated[str, typer.Option(help="A name, plate, phone number or account.")],
    purpose: AgreedPurpose,
    question: Annotated[str, typer.Option()] = "",
    due_days: Annotated[int, typer.Option(help="Days the partner has to answer.")] = 7,
    workdir: Workdir = None,
    store: StoreUrl = None,
) -> None:
    """Ask a partner for information."""
    with sharing(workdir, store) as svc:
        caller = Caller.operator(purpose)
        _print(svc.ask(caller, partner, kind, subject, question, purpose, due_days))


@rfi_app.command("list")
def rfi_list(workdir: Workdir = None, store: StoreUrl = None, purpose: Purpose = None) -> None:
    """Requests sent and received, with status, elapsed time and overdue flags."""
    with sharing(workdir, store) as svc:
        table = Table(title="Requests for information")
        for col in ("id", "dir", "partner", "about", "status", "elapsed h", "due", "note"):
            table.add_column(col)
        for r in svc.requests_seen(Caller.operator(purpose)):
            status = f"[red]{r['status']} OVERDUE[/red]" if r["overdue"] else r["status"]
            table.add_row(
                r["id"], r["direction"], r["partner"], f"{r['subject_kind']}: {r['subject']}",
                status, f"{r['elapsed_hours']:.1f}", r["due_at"].date().isoformat(),
                r.get("reason") or "",
            )  # fmt: skip
        out.print(table)


@rfi_app.command("answer")
def rfi_answer(
    rfi_id: Annotated[str, typer.Argument()],
    entity: Annotated[
        list[str] | None, typer.Option("--entity", "-e", help="Answer with these entities.")
    ] = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Answer a partner's request with a package (default: what its subject matches here)."""
    with sharing(workdir, store) as svc:
        _print(svc.answer(Caller.operator(purpose), rfi_id, entity))


@rfi_app.command("decline")
def rfi_decline(
    rfi_id: Annotated[str, typer.Argument()],
    reason: Annotated[str, typer.Option(help="Why (the partner sees it).")],
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    with sharing(workdir, store) as svc:
        _print(svc.decline(Caller.operator(purpose), rfi_id, reason))


def correct(
    statement_id: Annotated[str, typer.Argument(help="The statement to correct.")],
    reason: Annotated[str, typer.Option(help="Why (partners see it).")],
    value: Annotated[str | None, typer.Option(help="The corrected value.")] = None,
    delete: Annotated[bool, typer.Option(help="Delete the statement instead.")] = False,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Correct or delete one of this node's statements, here and at every partner that has it."""
    if (value is None) == (not delete):
        raise typer.BadParameter("give --value VALUE or --delete")
    with sharing(workdir, store) as svc:
        _print(svc.correct(Caller.operator(purpose), statement_id, value, reason))


def recall(
    entity_id: Annotated[str, typer.Argument()],
    reason: Annotated[str, typer.Option(help="Why (partners see it).")],
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Delete this node's statements about an entity, here and at every partner that has them."""
    with sharing(workdir, store) as svc:
        _print(svc.recall(Caller.operator(purpose), entity_id, reason))


def register(app: typer.Typer) -> None:
    app.add_typer(node_app, name="node")
    app.add_typer(partner_app, name="partner")
    app.add_typer(agreement_app, name="agreement")
    app.add_typer(share_app, name="share")
    app.add_typer(rfi_app, name="rfi")
    app.command("correct")(correct)
    app.command("recall")(recall)
