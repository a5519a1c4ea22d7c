"""The hash chain: what an entry's hash covers, how entries link, and how one is exported.

Each entry is hashed over the previous entry's hash and the canonical JSON of its own content,
so editing, removing, inserting or reordering any entry breaks the chain from that point on.
Appending (`writer`), verifying (`verify`) and exporting (`export`) all hash and read entries
through this module, so that they agree on every byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from corridor.store.records import AuditEntry
from corridor.store.tables import AUDIT_COLUMNS

#: The `prev_hash` of the first entry.
GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the one text an entry hashes as."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _hashed_body(
    seq: int,
    at: datetime,
    user_name: str,
    role: str,
    agency: str | None,
    event: str,
    target: str,
    purpose: str | None,
    detail: Any,
) -> dict[str, Any]:
    """The hashed body of an entry from its fields (`detail` as JSON values, not text)."""
    return {
        "seq": seq,
        "at": _iso(at),
        "user_name": user_name,
        "role": role,
        "agency": agency,
        "event": event,
        "target": target,
        "purpose": purpose,
        "detail": detail,
    }


def entry_body(entry: AuditEntry) -> dict[str, Any]:
    """What an entry's hash covers: everything but its hashes, `detail` as JSON."""
    e = entry
    detail = json.loads(e.detail)
    return _hashed_body(
        e.seq, e.at, e.user_name, e.role, e.agency, e.event, e.target, e.purpose, detail
    )


def chain_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    """sha256 over the previous entry's hash followed by the canonical JSON of this entry."""
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    """An entry as exported: its body plus `prev_hash` and `hash`."""
    return {**entry_body(entry), "prev_hash": entry.prev_hash, "hash": entry.hash}


_ENTRY_KEYS = frozenset(AUDIT_COLUMNS)
_OPTIONAL = frozenset({"agency", "purpose"})


def entry_from_json(data: Mapping[str, Any]) -> AuditEntry:
    """Parse an exported entry; raises ValueError on anything that is not exactly one."""
    keys = set(data)
    if keys != _ENTRY_KEYS:
        extra, missing = sorted(keys - _ENTRY_KEYS), sorted(_ENTRY_KEYS - keys)
        raise ValueError(f"unexpected fields {extra}" if extra else f"missing fields {missing}")
    seq = data["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValueError("seq is not a positive integer")
    for key in _ENTRY_KEYS - {"seq", "detail"}:
        value = data[key]
        if not (isinstance(value, str) or (value is None and key in _OPTIONAL)):
            raise ValueError(f"{key} is not text")
    if not isinstance(data["detail"], dict):
        raise ValueError("detail is not an object")
    try:
        at = datetime.fromisoformat(data["at"])
    except ValueError:
        raise ValueError("at is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise ValueError("at has no time zone")
    return AuditEntry(
        seq=seq,
        at=at,
        user_name=data["user_name"],
        role=data["role"],
        agency=data["agency"],
        event=data["event"],
        target=data["target"],
        purpose=data["purpose"],
        detail=canonical_json(data["detail"]),
        prev_hash=data["prev_hash"],
        hash=data["hash"],
    )


# --- appending -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Draft:
    """An entry before its place in the chain is known (given when it is written)."""

    at: datetime
    user_name: str
    role: str
    agency: str | None
    event: str
    target: str
    purpose: str | None
    detail: Any  # JSON values
    detail_text: str


def _chain(head: tuple[int, str] | None, drafts: Sequence[_Draft]) -> list[AuditEntry]:
    """The drafts as entries following `head` (the log's last entry, None when empty)."""
    seq, prev = head if head is not None else (0, GENESIS)
    out = []
    for d in drafts:
        seq += 1
        body = _hashed_body(
            seq, d.at, d.user_name, d.role, d.agency, d.event, d.target, d.purpose, d.detail
        )
        digest = chain_hash(prev, body)
        out.append(AuditEntry(seq, d.at, d.user_name, d.role, d.agency, d.event, d.target,
                              d.purpose, d.detail_text, prev, digest))  # fmt: skip
        prev = digest
    return out
