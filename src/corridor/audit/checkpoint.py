"""Checkpoints: the log's head, signed by the node, kept where cutting the log cannot reach it.

The chain betrays an entry edited, inserted or reordered, but a log whose tail was cut off, or
that was emptied, is still a valid chain: nothing is left after the cut to disagree with it. A
checkpoint records how many entries the log held and the hash of the last one, at a time,
signed with the node's Ed25519 key. Verifying checks that every checkpoint it knows of is still
a prefix of the chain, so a log cut below a checkpoint fails. Checkpoints are kept in the store
(`corridor audit checkpoint`, and one for each export) and, where whoever can rewrite the store
cannot reach them, in files the operator keeps elsewhere (`--out`) and in every export (its
signed seal names the head it covers).

Everything read here (a file, a stored row) may be garbage; parsing says why it is not a
checkpoint instead of raising, so that verifying reports and never crashes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corridor.audit.chain import GENESIS, _iso, canonical_json
from corridor.errors import ValidationError
from corridor.node.identity import NodeIdentity, PublicKeys, b64, unb64

FORMAT = "corridor-audit-checkpoint/1"
_FIELDS = frozenset({"format", "agency", "key", "entries", "head", "at", "signature"})
#: A file read whole when it is no larger than this (else only its last line: an export).
_WHOLE_FILE_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The log held `entries` entries, the last hashing to `head`, at `at`: signed by the node
    of `agency` with the key of fingerprint `key`. An export's seal is one without a time
    (`at` None), signed over the bytes the seal always was."""

    agency: str
    key: str
    entries: int
    head: str
    at: datetime | None
    signature: str

    def signed_bytes(self) -> bytes:
        if self.at is None:  # an export's seal (`verify.Seal.signed_bytes`)
            body = {"agency": self.agency, "entries": self.entries, "head": self.head}
            return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        return canonical_json(self._body()).encode("utf-8")

    def _body(self) -> dict[str, Any]:
        at = _iso(self.at) if self.at is not None else None
        return {"format": FORMAT, "agency": self.agency, "key": self.key,
                "entries": self.entries, "head": self.head, "at": at}  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {**self._body(), "signature": self.signature}

    def __str__(self) -> str:
        when = f" at {self.at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if self.at else ""
        return f"{self.entries} entries, head {self.head}{when}, signed by {self.agency}"


def sign(signer: NodeIdentity, entries: int, head: str, at: datetime) -> Checkpoint:
    unsigned = Checkpoint(signer.agency, signer.public.fingerprint, entries, head, at, "")
    signature = b64(signer.sign(unsigned.signed_bytes()))
    return Checkpoint(unsigned.agency, unsigned.key, entries, head, at, signature)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_HEX = frozenset("0123456789abcdef")


def _is_hash(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


def from_json(data: Any) -> Checkpoint | str:
    """A checkpoint as written by `to_json`, or why `data` is not one."""
    if not isinstance(data, Mapping):
        return "not a JSON object"
    if set(data) != _FIELDS or data.get("format") != FORMAT:
        return f"not a {FORMAT} object"
    entries, head, at = data["entries"], data["head"], data["at"]
    if not _is_int(entries) or entries < 0:
        return "entries is not a count"
    if not _is_hash(head):
        return "head is not a SHA-256 hash"
    if entries == 0 and head != GENESIS:
        return "an empty log's head is not the genesis hash"
    for field in ("agency", "key", "signature", "at"):
        if not isinstance(data[field], str):
            return f"{field} is not text"
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return "at is not an ISO 8601 time"
    if when.tzinfo is None:
        return "at has no time zone"
    return Checkpoint(data["agency"], data["key"], entries, head, when, data["signature"])


def from_seal(seal: Mapping[str, Any]) -> Checkpoint | str:
    """An export's seal as a checkpoint of the head the export covers (signed seals only)."""
    signed = {"entries", "head", "agency", "key", "signature"}
    if set(seal) == {"entries", "head"}:
        return "the export's seal is not signed (the node had no identity)"
    if set(seal) != signed:
        return "a malformed seal"
    if not _is_int(seal["entries"]) or seal["entries"] < 0 or not _is_hash(seal["head"]):
        return "a malformed seal"
    if not all(isinstance(seal[k], str) for k in ("agency", "key", "signature")):
        return "a malformed seal"
    return Checkpoint(seal["agency"], seal["key"], seal["entries"], seal["head"], None,
                      seal["signature"])  # fmt: skip


def parse_text(text: str) -> Checkpoint | str:
    """A checkpoint from a checkpoint file's text, or an export's (its seal line)."""
    try:
        data = json.loads(text)
    except ValueError:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            return "not JSON"
        try:
            data = json.loads(lines[-1])
        except ValueError:
            return "not JSON, nor an export ending in a seal line"
    if isinstance(data, Mapping) and set(data) == {"seal"} and isinstance(data["seal"], Mapping):
        return from_seal(data["seal"])
    return from_json(data)


def read_file(path: Path) -> Checkpoint | str:
    """The checkpoint a file holds (a checkpoint, or an export's seal), or why it holds none."""
    try:
        if path.stat().st_size <= _WHOLE_FILE_BYTES:
            return parse_text(path.read_text(encoding="utf-8"))
        last = ""
        with path.open(encoding="utf-8") as f:  # an export: only its seal line matters
            for line in f:
                if line.strip():
                    last = line
        return parse_text(last)
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot be read ({type(exc).__name__})"


@dataclass(frozen=True, slots=True)
class Known:
    """A checkpoint to check the log against, by the name a report gives it (or why what was
    found under that name is not a checkpoint)."""

    label: str
    checkpoint: Checkpoint | str


def stored(texts: Iterable[str]) -> list[Known]:
    out = []
    for n, text in enumerate(texts, start=1):
        found = parse_text(text)
        when = (
            f" of {found.at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
            if isinstance(found, Checkpoint) and found.at
            else ""
        )
        out.append(Known(f"stored checkpoint {n}{when}", found))
    return out


def files(paths: Iterable[Path]) -> list[Known]:
    return [Known(f"checkpoint {p.name}", read_file(p)) for p in paths]


def problem(
    known: Known, key: PublicKeys | None, hashes: Sequence[str]
) -> tuple[str, int | None] | None:
    """Why the log (`hashes[k]`: entry k's hash, `hashes[0]` the genesis) is not what the
    checkpoint says it was, or why the checkpoint cannot stand, with the entry concerned where
    there is one; None when it holds."""
    cp, label = known.checkpoint, known.label
    if isinstance(cp, str):
        return f"{label}: not a checkpoint ({cp})", None
    if key is None:
        return (
            f"{label}: signed by {cp.agency} key {cp.key}, and this node's key is not known "
            "to check it (verify in the node's work directory, or give its key card with --key)"
        ), None
    if cp.agency != key.agency or cp.key != key.fingerprint:
        return (
            f"{label}: signed by {cp.agency} key {cp.key}, not by this node "
            f"({key.agency} key {key.fingerprint}) — refused"
        ), None
    try:
        good = key.verify(unb64(cp.signature, "signature"), cp.signed_bytes())
    except (ValidationError, ValueError):
        good = False
    if not good:
        return f"{label}: the signature does not verify — the checkpoint was altered", None
    found = len(hashes) - 1
    if cp.entries > found:
        how = "emptied" if found == 0 else f"cut after entry {found}"
        return (
            f"truncated: {label} says the log held {cp.entries} entries, it holds {found} — {how}"
        ), found + 1
    if hashes[cp.entries] != cp.head:
        return (
            f"{label}: entry {cp.entries} is not the one checkpointed (its hash differs) — the "
            "log was cut and written again, or rewritten"
        ), cp.entries
    return None
