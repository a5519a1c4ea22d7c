"""The audit log consulted: pages of entries, the chain verified, the log exported or its head
checkpointed. Each is itself logged (an auditor reading the log is a consultation too), before
it is answered, so that an export or a checkpoint holds its own entry.

An auditor sees every entry, but not what an entry names above their clearance: an entry
recorded as having read or written something classified above it (`writer.audit`) is shown
with its time, user, role, event and purpose, its target without the ids, and its detail
reduced to that classification. The stored entry is never changed, so the chain verifies as
before; the hashes shown are the stored ones (salted, so they confirm no guess).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from corridor.access.caller import Caller
from corridor.audit import Event, Verification, audit, export_file, flush, verify_store
from corridor.audit import checkpoint as checkpoints
from corridor.audit.chain import GENESIS, canonical_json
from corridor.audit.checkpoint import Checkpoint
from corridor.audit.writer import CLASSIFIED
from corridor.errors import ValidationError
from corridor.model.classification import Classification
from corridor.model.scope import ReadScope
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
    return [as_seen(e, caller.scope) for e in page]


def tail(store: Store, caller: Caller, last: int) -> list[AuditEntry]:
    """The latest `last` entries (this consultation among them)."""
    audit(store, caller, Event.ADMIN, "audit", {"last": last})
    return [as_seen(e, caller.scope) for e in store.audit_tail(last)]


#: What stands in the target of a redacted entry for the ids it named.
REDACTED = "[redacted]"


def as_seen(entry: AuditEntry, scope: ReadScope) -> AuditEntry:
    """An entry as a reader of the log may see it: whole, or (about something classified above
    their clearance) without the ids in its target and with only its classification and how
    the caller came (`via`) left of its detail."""
    try:
        detail = json.loads(entry.detail)
    except ValueError:  # an edited entry: shown as it is (verifying the chain finds it)
        return entry
    marked = detail.get(CLASSIFIED) if isinstance(detail, dict) else None
    if not isinstance(marked, str):
        return entry
    try:
        level = Classification.parse(marked)
    except ValidationError:
        level = Classification.TOP_SECRET  # unreadable: the safe side
    if level <= scope.max_classification:
        return entry
    kind, _, rest = entry.target.partition("/")
    shown = {CLASSIFIED: marked, "redacted": True}
    if "via" in detail:
        shown["via"] = detail["via"]
    return replace(
        entry, target=f"{kind}/{REDACTED}" if rest else kind, detail=canonical_json(shown)
    )


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
