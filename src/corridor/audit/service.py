"""The audit log consulted: pages of entries, the chain verified, the log exported. Each is
itself logged (an auditor reading the log is a consultation too), before it is answered, so
that an export holds its own entry."""

from __future__ import annotations

from pathlib import Path

from corridor.access.caller import Caller
from corridor.audit import Event, Verification, audit, export_file, flush, verify_store
from corridor.node.identity import NodeIdentity
from corridor.store.base import Store
from corridor.store.records import AuditEntry


def entries(
    store: Store,
    caller: Caller,
    after: int = 0,
    limit: int = 100,
    user: str | None = None,
    event: Event | None = None,
) -> list[AuditEntry]:
    """Entries in sequence order after `after`, optionally of one user or kind of event."""
    flush(store)
    page = store.audit_entries(after, limit, user, event.value if event else None)
    audit(store, caller, Event.ADMIN, "audit",
          {"after": after, "user": user, "event": event, "entries": len(page)})  # fmt: skip
    return page


def tail(store: Store, caller: Caller, last: int) -> list[AuditEntry]:
    """The latest `last` entries (this consultation among them)."""
    audit(store, caller, Event.ADMIN, "audit", {"last": last})
    return store.audit_tail(last)


def verify(store: Store, caller: Caller) -> Verification:
    result = verify_store(store)
    audit(store, caller, Event.ADMIN, "audit/verify", {"ok": result.ok, "entries": result.entries})
    return result


def export(
    store: Store, caller: Caller, path: Path, signer: NodeIdentity | None = None
) -> Verification:
    """Write the log to `path` as JSON lines and a seal (signed by `signer`, the node)."""
    audit(store, caller, Event.ADMIN, "audit/export",
          {"file": path.name, "signed": signer is not None})  # fmt: skip
    return export_file(store, path, signer)
