"""The audit log: every read of personal data, write, share, receipt, judgement and decision,
with who, when, what and the stated purpose, in an append-only hash chain.

    from corridor.audit import Event, audit

    audit(store, caller, Event.READ, f"entities/{entity_id}", detail={"found": True})
"""

from __future__ import annotations

from corridor.audit.log import (
    GENESIS,
    AuditLog,
    BadEntry,
    Event,
    Seal,
    Verification,
    audit,
    audit_log,
    chain_hash,
    entry_body,
    entry_json,
    export,
    export_file,
    flush,
    verify_entries,
    verify_file,
    verify_lines,
    verify_store,
)
from corridor.store.records import AuditEntry, ReviewItem

__all__ = [
    "GENESIS",
    "AuditEntry",
    "AuditLog",
    "BadEntry",
    "Event",
    "ReviewItem",
    "Seal",
    "Verification",
    "audit",
    "audit_log",
    "chain_hash",
    "entry_body",
    "entry_json",
    "export",
    "export_file",
    "flush",
    "verify_entries",
    "verify_file",
    "verify_lines",
    "verify_store",
]
