"""Exporting the audit log: its entries as JSON lines and a seal line, to hand over and verify
elsewhere (`verify_lines`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from corridor.audit.chain import GENESIS, canonical_json, entry_json
from corridor.audit.verify import Verification, _stored_entries, seal_json
from corridor.node.identity import NodeIdentity

if TYPE_CHECKING:
    from corridor.store.base import Store


def export(store: Store, out: TextIO, signer: NodeIdentity | None = None) -> Verification:
    """Write the store's log as JSON lines and a seal line (signed by `signer`, the node, when
    given); returns the count and head written (not a verification of them: run
    `verify_lines` for that)."""
    n, head = 0, GENESIS
    for entry in _stored_entries(store):
        out.write(canonical_json(entry_json(entry)) + "\n")
        n, head = n + 1, entry.hash
    out.write(canonical_json(seal_json(n, head, signer)) + "\n")
    return Verification(n, head)


def export_file(store: Store, path: Path, signer: NodeIdentity | None = None) -> Verification:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        return export(store, f, signer)
