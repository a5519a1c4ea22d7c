"""Verifying the audit log, as stored or as exported.

An export is the entries as JSON lines followed by a seal line holding the entry count and the
head hash (signed with the node's key when it has one), so that cutting lines off the end is
detected too. The store's log has no seal: it is checked against the signed checkpoints the
store holds and any the operator kept elsewhere (`checkpoint`), so that a log cut short or
emptied fails too. Verification reports the first place the log is not what was written, and
why; it never raises on what it reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.audit import checkpoint as checkpoints
from corridor.audit.chain import GENESIS, chain_hash, entry_body, entry_from_json
from corridor.audit.writer import flush
from corridor.errors import ValidationError
from corridor.node.identity import NodeIdentity, PublicKeys, b64, unb64
from corridor.store.records import AuditEntry

if TYPE_CHECKING:
    from corridor.store.base import Store

#: Entries fetched per page when exporting or verifying the store.
PAGE = 10_000


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
    it concerns where there is one, and why (line 0: a checkpoint that cannot stand, not a
    place in the log)."""

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
    checkpoints: int = 0  # signed checkpoints the log was found to extend

    @property
    def ok(self) -> bool:
        return self.bad is None

    def __str__(self) -> str:
        if self.bad is not None:
            return str(self.bad)
        held = ""
        if self.checkpoints:
            held = f"; {self.checkpoints} checkpoint{'s' if self.checkpoints > 1 else ''} held"
        return f"{self.entries} entries verified, head {self.head}{held}"


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


def verify_store(
    store: Store,
    key: PublicKeys | None = None,
    extra: Sequence[checkpoints.Known] = (),
) -> Verification:
    """Verify the store's log: the chain, then every checkpoint the store holds and every one
    in `extra` (files kept elsewhere) against it, their signatures against `key` (the node's
    public keys)."""
    entries = list(_stored_entries(store))
    result = verify_entries(entries)
    if not result.ok:
        return result
    known = [*checkpoints.stored(store.audit_checkpoints()), *extra]
    return check_checkpoints(result, [GENESIS, *(e.hash for e in entries)], known, key)


def check_checkpoints(
    result: Verification,
    hashes: Sequence[str],
    known: Sequence[checkpoints.Known],
    key: PublicKeys | None,
) -> Verification:
    """The verified chain (`hashes[k]`: entry k's hash) checked against checkpoints: the first
    that does not hold is the result's fault."""
    for cp in known:
        found = checkpoints.problem(cp, key, hashes)
        if found is not None:
            why, seq = found
            return Verification(result.entries, result.head, BadEntry(seq or 0, seq, why))
    return Verification(result.entries, result.head, None, len(known))


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


def _hash_matches(entry: AuditEntry) -> bool:
    """Whether an entry's hash covers its content (a stored `detail` that is no longer JSON
    was edited: it cannot match, and verifying says so instead of failing)."""
    try:
        body = entry_body(entry)
    except ValueError:
        return False
    return chain_hash(entry.prev_hash, body) == entry.hash


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
        if not _hash_matches(e):
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
            and _hash_matches(nxt)
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
