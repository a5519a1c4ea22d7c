"""The audit log: every read of personal data, write, share, receipt, judgement and decision,
with who, when, what and the stated purpose, in an append-only hash chain.

    from corridor.audit import Event, audit

    audit(store, caller, Event.READ, f"entities/{entity_id}", {"found": True})

chain.py holds the hash chain (what an entry's hash covers), writer.py the appending (`audit`,
reads written in batches), verify.py the verifying of the store or an export, checkpoint.py the
signed checkpoints of the head that catch a log cut short or emptied, and export.py the export
(JSON lines and a seal); service.py the log as auditors consult it (each consultation logged
too).
"""

from __future__ import annotations

from corridor.audit.chain import GENESIS, chain_hash, entry_body, entry_json
from corridor.audit.export import export, export_file
from corridor.audit.verify import (
    BadEntry,
    Seal,
    Verification,
    verify_entries,
    verify_file,
    verify_lines,
    verify_store,
)
from corridor.audit.writer import AuditLog, Event, audit, audit_log, flush
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
