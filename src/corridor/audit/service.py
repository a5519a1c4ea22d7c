"""The audit log consulted: pages of entries, the chain verified, the log exported or its head
checkpointed. Each is itself logged (an auditor reading the log is a consultation too), before
it is answered, so that an export or a checkpoint holds its own entry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from corridor.access.caller import Caller
from corridor.audit import Event, Verification, audit, export_file, flush, verify_store
from corridor.audit import checkpoint as checkpoints
from corridor.audit.chain import GENESIS, canonical_json
from corridor.audit.checkpoint import Checkpoint
from corridor.node.identity import NodeIdentity, PublicKeys
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


def verify(
    store: Store,
    caller: Caller,
    key: PublicKeys | None = None,
    extra: Sequence[checkpoints.Known] = (),
) -> Verification:
    """The chain, and every checkpoint kept in the store and in `extra` (signed by the node
    whose public keys are `key`) against it."""
    result = verify_store(store, key, extra)
    audit(store, caller, Event.ADMIN, "audit/verify",
          {"ok": result.ok, "entries": result.entries, "checkpoints": result.checkpoints,
           "given": [k.label for k in extra]})  # fmt: skip
    return result


def export(
    store: Store, caller: Caller, path: Path, signer: NodeIdentity | None = None
) -> Verification:
    """Write the log to `path` as JSON lines and a seal (signed by `signer`, the node); a
    signed export's head is kept as a checkpoint too."""
    audit(store, caller, Event.ADMIN, "audit/export",
          {"file": path.name, "signed": signer is not None})  # fmt: skip
    written = export_file(store, path, signer)
    if signer is not None:
        keep(store, checkpoints.sign(signer, written.entries, written.head, datetime.now(UTC)))
    return written


def checkpoint(store: Store, caller: Caller, signer: NodeIdentity) -> Checkpoint:
    """Sign the log's head (this act's own entry the last of it) and keep it in the store;
    the caller keeps it elsewhere too, where a rewrite of the store cannot reach it."""
    audit(store, caller, Event.ADMIN, "audit/checkpoint", {"key": signer.public.fingerprint})
    flush(store)
    head = store.audit_head()
    entries, last = head if head is not None else (0, GENESIS)
    return keep(store, checkpoints.sign(signer, entries, last, datetime.now(UTC)))


def keep(store: Store, cp: Checkpoint) -> Checkpoint:
    assert cp.at is not None
    store.add_audit_checkpoint(cp.entries, cp.at, canonical_json(cp.to_json()))
    return cp
