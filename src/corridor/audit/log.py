"""The tamper-evident audit log: who did what, when, and for what stated purpose.

Each entry is hashed over the previous entry's hash and the canonical JSON of its own content,
so editing, removing, inserting or reordering any entry breaks the chain from that point on. An
export is the entries as JSON lines followed by a seal line holding the entry count and the head
hash, so that cutting lines off the end is detected too.

Reads are frequent (the screening API serves hundreds a second), so READ entries are written to
the store in batches, at least once a second by a background thread, before any other event is
written, and when the store closes; every other event is written before `audit` returns. An
entry's place in the chain is given when it is written, under a lock the store holds for every
process appending to it (several API workers on one PostgreSQL store keep one chain).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from corridor.errors import ValidationError
from corridor.node.identity import NodeIdentity, PublicKeys, b64, unb64
from corridor.store.records import AuditEntry
from corridor.store.tables import AUDIT_COLUMNS

if TYPE_CHECKING:
    from corridor.access.authz import Authz
    from corridor.access.caller import Caller
    from corridor.store.base import Store

log = logging.getLogger(__name__)

#: The `prev_hash` of the first entry.
GENESIS = "0" * 64
#: Buffered reads are written at least this often.
FLUSH_SECONDS = 1.0
#: ... or as soon as this many are waiting.
FLUSH_ROWS = 5000
#: Entries fetched per page when exporting or verifying the store.
PAGE = 10_000


class Event(StrEnum):
    READ = "read"  # personal data consulted: entities, search, observations, matches, alerts
    WRITE = "write"  # data collected or altered: ingest, resolution runs, lists loaded
    SHARE = "share"  # data disclosed to a partner
    RECEIVE = "receive"  # data received from a partner
    REQUEST = "request"  # information asked of a partner
    JUDGE = "judge"  # two records judged the same or different
    DECIDE = "decide"  # a screening alert decided
    ADMIN = "admin"  # users, agreements, the audit log itself
    REFUSE = "refuse"  # a request refused for want of the right (403)


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the one text an entry hashes as."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_body(entry: AuditEntry) -> dict[str, Any]:
    """What an entry's hash covers: everything but its hashes, `detail` as JSON."""
    return {
        "seq": entry.seq,
        "at": _iso(entry.at),
        "user_name": entry.user_name,
        "role": entry.role,
        "agency": entry.agency,
        "event": entry.event,
        "target": entry.target,
        "purpose": entry.purpose,
        "detail": json.loads(entry.detail),
    }


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
        body = {
            "seq": seq, "at": _iso(d.at), "user_name": d.user_name, "role": d.role,
            "agency": d.agency, "event": d.event, "target": d.target, "purpose": d.purpose,
            "detail": d.detail,
        }  # fmt: skip
        digest = chain_hash(prev, body)
        out.append(AuditEntry(seq, d.at, d.user_name, d.role, d.agency, d.event, d.target,
                              d.purpose, d.detail_text, prev, digest))  # fmt: skip
        prev = digest
    return out


class AuditLog:
    """The pending entries of one store object, written in order, one batch at a time.

    Sequence numbers and hashes are given as a batch is written, by the store, under a lock
    that every process appending to the same store takes (`Store.append_audit`): several API
    workers and the command line can log to one PostgreSQL store and keep one chain.

    The store is held weakly, so that the registry below does not keep alive a store that is
    dropped unclosed; while reads wait to be written, the thread writing them holds it.
    """

    def __init__(self, store: Store) -> None:
        self._store = weakref.ref(store)
        self._lock = threading.Lock()  # pending
        self._flush_lock = threading.Lock()  # one batch written at a time, in order
        self._pending: list[_Draft] = []
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    def record(
        self,
        authz: Authz,
        event: Event,
        target: str,
        purpose: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        store = self._store()  # alive: the caller holds it
        detail_value = _plain(dict(detail) if detail else {})  # JSON values: text parses back
        purpose = purpose.strip() or None if purpose is not None else None
        draft = _Draft(
            datetime.now(UTC), authz.user, str(authz.role), authz.agency, str(event), target,
            purpose, detail_value, canonical_json(detail_value),
        )  # fmt: skip
        with self._lock:
            self._pending.append(draft)
            if event is Event.READ:
                if len(self._pending) >= FLUSH_ROWS:
                    self._wake.set()
                self._start_flusher(store)
        if event is not Event.READ:
            self.flush()

    def _start_flusher(self, store: Store | None) -> None:
        """Under `_lock`: make sure a background thread will write what is pending."""
        if self._thread is None and not self._closed:
            self._thread = threading.Thread(
                target=self._run, args=(store,), name="corridor-audit-flush", daemon=True
            )
            self._thread.start()

    def _run(self, store: Store) -> None:
        """Write pending reads every `FLUSH_SECONDS` until none are left (`store` is held here
        so that it outlives them)."""
        while True:
            self._wake.wait(FLUSH_SECONDS)
            self._wake.clear()
            try:
                self.flush()
            except Exception:
                log.exception("audit log: buffered reads could not be written (kept, will retry)")
                with self._lock:
                    self._thread = None
                return
            with self._lock:
                if not self._pending or self._closed:
                    self._thread = None
                    return

    def flush(self) -> None:
        """Write every pending entry to the store (in sequence order)."""
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            store = self._store()
            if not batch or store is None:
                return
            try:
                store.append_audit(lambda head: _chain(head, batch))
            except BaseException:
                with self._lock:
                    self._pending[:0] = batch
                raise

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._wake.set()
        try:
            self.flush()
        finally:
            store = self._store()
            with _LOGS_LOCK:
                if store is not None and _LOGS.get(store) is self:
                    del _LOGS[store]


def _plain(value: Any) -> Any:
    """Detail values as JSON: tuples and sets become lists, times ISO text, the rest `str`."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime):
        return _iso(value) if value.tzinfo else value.isoformat()
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    return str(value)


_LOGS: weakref.WeakKeyDictionary[Store, AuditLog] = weakref.WeakKeyDictionary()
_LOGS_LOCK = threading.Lock()


def audit_log(store: Store) -> AuditLog:
    """The store's audit log (one per store object; it closes with the store)."""
    with _LOGS_LOCK:
        found = _LOGS.get(store)
        if found is None:
            found = _LOGS[store] = AuditLog(store)
            store.on_close(found.close)
        return found


def audit(
    store: Store,
    caller: Caller,
    event: Event,
    target: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Log one event by `caller` on `target` (an entity id, `search`, `match/default`,
    `ingest/file.csv`, …) with the purpose they stated, how they came (`via`: api, cli, node,
    demo) and any detail (JSON-able).

    READ events are chained now and written within a second; every other event is written to
    the store before this returns (and writes any reads buffered before it first).
    """
    detail = {**(detail or {}), "via": caller.via}
    audit_log(store).record(caller.authz, Event(event), target, caller.purpose, detail)


def flush(store: Store) -> None:
    """Write the store's buffered reads now (a no-op when it has none)."""
    with _LOGS_LOCK:
        found = _LOGS.get(store)
    if found is not None:
        found.flush()


# --- verifying -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seal:
    """The last line of an export: how many entries and the head hash, signed with the node's
    Ed25519 key when the node has one (so that whoever can rewrite the store cannot also
    rewrite an export already handed over, without the node's private key)."""

    entries: int
    head: str
    agency: str | None = None
    key: str | None = None  # the signing key's fingerprint
    signature: str | None = None

    def signed_bytes(self) -> bytes:
        body = {"agency": self.agency, "entries": self.entries, "head": self.head}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class BadEntry:
    """The first place the log is not what was written: its line (or row) number, the entry
    it concerns where there is one, and why."""

    line: int
    seq: int | None
    reason: str

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True, slots=True)
class Verification:
    entries: int  # entries verified before the first bad one (all of them when good)
    head: str  # the hash of the last good entry
    bad: BadEntry | None = None

    @property
    def ok(self) -> bool:
        return self.bad is None

    def __str__(self) -> str:
        if self.bad is not None:
            return str(self.bad)
        return f"{self.entries} entries verified, head {self.head}"


@dataclass(frozen=True, slots=True)
class _Unparsed:
    reason: str
    seq: int | None = None


_Item = AuditEntry | Seal | _Unparsed


def parse_line(text: str) -> _Item:
    try:
        data = json.loads(text)
    except ValueError:
        return _Unparsed("not JSON")
    if not isinstance(data, dict):
        return _Unparsed("not a JSON object")
    if set(data) == {"seal"}:
        seal = data["seal"]
        signed = {"agency", "key", "signature"}
        if (
            isinstance(seal, dict)
            and set(seal) in ({"entries", "head"}, {"entries", "head"} | signed)
            and isinstance(seal["entries"], int)
            and not isinstance(seal["entries"], bool)
            and isinstance(seal["head"], str)
            and all(isinstance(seal.get(k, ""), str) for k in signed)
        ):
            return Seal(
                seal["entries"], seal["head"], seal.get("agency"), seal.get("key"),
                seal.get("signature"),
            )  # fmt: skip
        return _Unparsed("a malformed seal")
    try:
        return entry_from_json(data)
    except ValueError as exc:
        seq = data.get("seq")
        return _Unparsed(str(exc), seq if isinstance(seq, int) else None)


def seal_json(entries: int, head: str, signer: NodeIdentity | None = None) -> dict[str, Any]:
    if signer is None:
        return {"seal": {"entries": entries, "head": head}}
    seal = Seal(entries, head, signer.agency, signer.public.fingerprint)
    signature = b64(signer.sign(seal.signed_bytes()))
    return {"seal": {"entries": entries, "head": head, "agency": signer.agency,
                     "key": seal.key, "signature": signature}}  # fmt: skip


def verify_lines(lines: Iterable[str], key: PublicKeys | None = None) -> Verification:
    """Verify an export: every entry's hash, the chain, the sequence, and the seal (and, given
    the node's public key, the seal's signature)."""
    items = [(n, parse_line(text.rstrip("\r\n"))) for n, text in enumerate(lines, start=1)]
    result = _walk(items, sealed=True)
    if key is None or not result.ok:
        return result
    line, seal = next((n, i) for n, i in reversed(items) if isinstance(i, Seal))
    why = None
    if seal.signature is None:
        why = f"seal (line {line}): not signed, so it cannot be checked against {key.agency}'s key"
    elif seal.agency != key.agency or seal.key != key.fingerprint:
        why = f"seal (line {line}): signed by {seal.agency} key {seal.key}, not {key.agency}'s key"
    else:
        try:
            good = key.verify(unb64(seal.signature, "signature"), seal.signed_bytes())
        except ValidationError:
            good = False
        if not good:
            why = f"seal (line {line}): the signature does not verify — the export was rewritten"
    if why is not None:
        return Verification(result.entries, result.head, BadEntry(line, None, why))
    return result


def verify_file(path: Path, key: PublicKeys | None = None) -> Verification:
    with path.open(encoding="utf-8") as f:
        return verify_lines(f, key)


def verify_entries(entries: Sequence[AuditEntry]) -> Verification:
    """Verify entries as stored (row numbers stand for lines; there is no seal)."""
    return _walk(list(enumerate(entries, start=1)), sealed=False)


def verify_store(store: Store) -> Verification:
    return verify_entries(list(_stored_entries(store)))


def _stored_entries(store: Store) -> Iterator[AuditEntry]:
    """Every entry in the store (its buffered reads written first), a page at a time."""
    flush(store)
    after = 0
    while True:
        page = store.audit_entries(after=after, limit=PAGE)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].seq


def _where(seq: int | None, line: int) -> str:
    return f"entry {seq} (line {line})" if seq is not None else f"line {line}"


def _walk(items: Sequence[tuple[int, _Item]], sealed: bool) -> Verification:
    # Where each sequence number occurs (to tell a missing entry from one that comes later).
    lines_of: dict[int, list[int]] = {}
    for line, item in items:
        if isinstance(item, AuditEntry):
            lines_of.setdefault(item.seq, []).append(line)
    hashes = [GENESIS]  # hashes[k]: the hash of entry k (k = 0: before the first)
    accepted_line = 0
    expected = 1

    def result(bad: BadEntry | None = None) -> Verification:
        return Verification(expected - 1, hashes[-1], bad)

    for idx, (line, item) in enumerate(items):
        prev = hashes[-1]
        if isinstance(item, _Unparsed):
            what = _where(item.seq, line)
            return result(BadEntry(line, item.seq, f"{what}: not an audit entry ({item.reason})"))
        if isinstance(item, Seal):
            if not sealed:  # pragma: no cover - the store holds no seals
                return result(BadEntry(line, None, f"line {line}: a seal inside the log"))
            return result(_check_seal(items, idx, hashes, expected, accepted_line))
        e = item
        if chain_hash(e.prev_hash, entry_body(e)) != e.hash:
            return result(
                BadEntry(line, e.seq, f"{_where(e.seq, line)}: hash does not match its content "
                         "— edited")
            )  # fmt: skip
        if e.seq == expected and e.prev_hash == prev:
            hashes.append(e.hash)
            accepted_line = line
            expected += 1
            continue
        if e.seq == expected - 1 and len(hashes) >= 2 and e.prev_hash == hashes[-2]:
            # Two entries claim the same place; the genuine one is the one its successor (or
            # the seal) links to.
            if _successor_link(items, idx, expected) == e.hash and e.hash != prev:
                return result(
                    BadEntry(accepted_line, e.seq, f"{_where(e.seq, accepted_line)}: not in the "
                             f"chain — inserted (line {line} holds the entry {e.seq} that the "
                             "log continues from)")
                )  # fmt: skip
            return result(
                BadEntry(line, e.seq, f"{_where(e.seq, line)}: a second entry {e.seq} — "
                         "inserted or repeated")
            )  # fmt: skip
        if e.seq < expected:
            return result(
                BadEntry(line, e.seq, f"{_where(e.seq, line)}: out of order — expected entry "
                         f"{expected} here")
            )  # fmt: skip
        if e.seq > expected:
            if any(other > line for other in lines_of.get(expected, ())):
                return result(
                    BadEntry(line, e.seq, f"{_where(e.seq, line)}: out of order — entry "
                             f"{expected} comes after it")
                )  # fmt: skip
            return result(
                BadEntry(line, expected, f"missing entry {expected} (line {line} holds entry "
                         f"{e.seq})")
            )  # fmt: skip
        return result(
            BadEntry(line, e.seq, f"{_where(e.seq, line)}: does not follow entry {expected - 1} "
                     "(its prev_hash differs) — inserted, or the entry before it replaced")
        )  # fmt: skip
    if sealed:
        end = items[-1][0] + 1 if items else 1
        if expected > 1:
            why = f"truncated: no seal line after entry {expected - 1} (line {end - 1})"
        else:
            why = "truncated: no seal line"
        return result(BadEntry(end, None, why))
    return result()


def _successor_link(items: Sequence[tuple[int, _Item]], idx: int, expected: int) -> str | None:
    """The hash the item after `idx` says comes before it, if it is the next entry or the
    seal."""
    if idx + 1 >= len(items):
        return None
    nxt = items[idx + 1][1]
    if isinstance(nxt, AuditEntry) and nxt.seq == expected:
        return nxt.prev_hash
    if isinstance(nxt, Seal):
        return nxt.head
    return None


def _check_seal(
    items: Sequence[tuple[int, _Item]],
    idx: int,
    hashes: list[str],
    expected: int,
    accepted_line: int,
) -> BadEntry | None:
    line, seal = items[idx]
    assert isinstance(seal, Seal)
    found = expected - 1
    if idx != len(items) - 1:
        nline, nxt = items[idx + 1]
        consistent = seal.entries == found and seal.head == hashes[-1]
        if (
            not consistent  # a seal that fits what comes before it is followed by an insertion
            and isinstance(nxt, AuditEntry)
            and nxt.seq == expected
            and nxt.prev_hash == hashes[-1]
            and chain_hash(nxt.prev_hash, entry_body(nxt)) == nxt.hash
        ):
            return BadEntry(
                line, None, f"line {line}: the seal is out of order — entry {nxt.seq} (line "
                f"{nline}) comes after it"
            )  # fmt: skip
        return BadEntry(nline, None, f"line {nline}: after the seal — inserted")
    if seal.entries == found and seal.head == hashes[-1]:
        return None
    if seal.entries > found:
        if seal.head == hashes[-1]:
            return BadEntry(
                line, None, f"seal (line {line}): says {seal.entries} entries but its head is "
                f"entry {found} — edited"
            )  # fmt: skip
        return BadEntry(
            line, found + 1, f"truncated: seal says {seal.entries} entries, found {found} "
            f"(missing entry {found + 1})"
        )  # fmt: skip
    if seal.entries < found:
        if 0 <= seal.entries < len(hashes) and hashes[seal.entries] == seal.head:
            extra_line = items[idx - (found - seal.entries)][0]
            return BadEntry(
                extra_line, seal.entries + 1, f"{_where(seal.entries + 1, extra_line)}: after "
                f"the sealed head — inserted (seal says {seal.entries} entries, found {found})"
            )  # fmt: skip
        return BadEntry(
            line, None, f"seal (line {line}): says {seal.entries} entries, found {found} — "
            "edited"
        )  # fmt: skip
    return BadEntry(
        line, None, f"seal (line {line}): its head hash is not entry {found}'s (line "
        f"{accepted_line}) — the seal or the last entry replaced"
    )  # fmt: skip


# --- exporting -------------------------------------------------------------------------------


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
