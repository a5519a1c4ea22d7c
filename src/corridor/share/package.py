"""Packages: what travels between nodes, sealed for one partner.

A package is a signed header and an encrypted body, framed as

    MAGIC | header length (4 bytes, big-endian) | header (JSON) | signature (64) | ciphertext

The body (JSON, compressed) is encrypted for the recipient's X25519 key: an ephemeral X25519
key agreement, HKDF-SHA256 to a 256-bit key, ChaCha20-Poly1305 with the header as associated
data. The sender's Ed25519 key signs MAGIC, header and ciphertext together, so nothing in the
package can change without the signature failing. All of it is `cryptography`'s; the framing is
ours because no maintained library frames "signed header + sealed body" for two pinned parties
(NaCl's sealed boxes are anonymous: they cannot prove who sent them).

Opening checks, in order, each with its own reason: the framing, the addressing (this node), the
sender (a pinned partner), the signing key (the pinned one), the signature (nothing altered),
the expiry, then decryption. Replays are the store's to refuse (it knows what was received).
"""

from __future__ import annotations

import hashlib
import os
import struct
import uuid
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from corridor.errors import PackageRefused
from corridor.node.identity import NodeIdentity, PublicKeys, b64, unb64

MAGIC = b"CORRIDOR-PACKAGE/1\n"
FORMAT = "corridor-package/1"
SIGNATURE_BYTES = 64
#: How long a package may wait for its recipient before it is refused as expired.
DEFAULT_TTL = timedelta(days=7)
#: The most a package's content may inflate to: a bound on what a signed but faulty (or
#: compromised) partner can make this node hold in memory.
MAX_CONTENT_BYTES = 2 * 1024**3
#: Kinds of message a package carries.
KINDS = frozenset({"intelligence", "rfi", "rfi-decline", "correction"})


@dataclass(frozen=True)
class Header:
    package_id: str
    kind: str
    sender: str
    recipient: str
    sequence: int
    created_at: datetime
    expires_at: datetime
    key_id: str  # fingerprint of the signing key (names the key, proves nothing by itself)
    ephemeral: str
    nonce: str
    rfi_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "package_id": self.package_id,
            "kind": self.kind,
            "sender": self.sender,
            "recipient": self.recipient,
            "sequence": self.sequence,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "key_id": self.key_id,
            "ephemeral": self.ephemeral,
            "nonce": self.nonce,
            "rfi_id": self.rfi_id,
        }

    @classmethod
    def parse(cls, data: Any) -> Header:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise PackageRefused("malformed", f"not a {FORMAT} header")
        try:
            header = cls(
                str(data["package_id"]), str(data["kind"]), str(data["sender"]),
                str(data["recipient"]), int(data["sequence"]),
                datetime.fromisoformat(data["created_at"]),
                datetime.fromisoformat(data["expires_at"]), str(data["key_id"]),
                str(data["ephemeral"]), str(data["nonce"]),
                None if data.get("rfi_id") is None else str(data["rfi_id"]),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise PackageRefused("malformed", f"header field missing or invalid: {exc}") from None
        if header.created_at.tzinfo is None or header.expires_at.tzinfo is None:
            raise PackageRefused("malformed", "the header's times carry no time zone")
        if header.kind not in KINDS:
            raise PackageRefused("malformed", f"unknown package kind {header.kind!r}")
        if not 0 <= header.sequence < 2**63:
            raise PackageRefused("malformed", f"sequence {header.sequence} is out of range")
        return header


@dataclass(frozen=True)
class Opened:
    header: Header
    content: dict[str, Any]
    sha256: str


def _key(shared: bytes, sender: str, recipient: str) -> bytes:
    info = f"{FORMAT}|{sender}|{recipient}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)


def _default(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def seal(
    sender: NodeIdentity,
    recipient: PublicKeys,
    kind: str,
    sequence: int,
    content: Mapping[str, Any],
    *,
    ttl: timedelta = DEFAULT_TTL,
    rfi_id: str | None = None,
    now: datetime | None = None,
    package_id: str | None = None,
) -> tuple[Header, bytes]:
    """Sign and encrypt `content` for `recipient`; returns the header and the package bytes."""
    created = now or datetime.now(UTC)
    ephemeral = X25519PrivateKey.generate()
    nonce = os.urandom(12)
    header = Header(
        package_id or str(uuid.uuid4()), kind, sender.agency, recipient.agency, sequence,
        created, created + ttl, sender.public.fingerprint,
        b64(ephemeral.public_key().public_bytes_raw()), b64(nonce), rfi_id,
    )  # fmt: skip
    head = orjson.dumps(header.to_dict(), option=orjson.OPT_SORT_KEYS)
    plain = zlib.compress(
        orjson.dumps(content, default=_default, option=orjson.OPT_NON_STR_KEYS), 3
    )
    key = _key(ephemeral.exchange(recipient.encryption_key()), sender.agency, recipient.agency)
    framed = MAGIC + struct.pack(">I", len(head)) + head
    cipher = ChaCha20Poly1305(key).encrypt(nonce, plain, framed)
    signature = sender.sign(framed + cipher)
    return header, framed + signature + cipher


def read_header(blob: bytes) -> tuple[Header, bytes, bytes, bytes]:
    """The header (unverified), the signed prefix, the signature and the ciphertext."""
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 4:
        raise PackageRefused("malformed", "not a Corridor package")
    start = len(MAGIC) + 4
    (length,) = struct.unpack(">I", blob[len(MAGIC) : start])
    if len(blob) < start + length + SIGNATURE_BYTES:
        raise PackageRefused("malformed", "the package is truncated")
    try:
        data = orjson.loads(blob[start : start + length])
    except orjson.JSONDecodeError:
        raise PackageRefused("malformed", "the header is not JSON") from None
    header = Header.parse(data)
    framed = blob[: start + length]
    signature = blob[start + length : start + length + SIGNATURE_BYTES]
    return header, framed, signature, blob[start + length + SIGNATURE_BYTES :]


def open_package(
    blob: bytes,
    me: NodeIdentity,
    partner_keys: Callable[[str], PublicKeys | None],
    now: datetime | None = None,
    check_expiry: bool = True,
) -> Opened:
    """Verify and decrypt a package addressed to this node, or raise `PackageRefused`."""
    header, framed, signature, cipher = read_header(blob)
    if header.recipient != me.agency:
        raise PackageRefused(
            "wrong_recipient",
            f"addressed to {header.recipient}, not to this node ({me.agency})",
        )
    pinned = partner_keys(header.sender)
    if pinned is None:
        raise PackageRefused(
            "unknown_sender", f"from {header.sender}, which is not a pinned partner of this node"
        )
    if header.key_id != pinned.fingerprint:
        raise PackageRefused(
            "wrong_key",
            f"signed with key {header.key_id}, not {header.sender}'s pinned key "
            f"{pinned.fingerprint}",
        )
    if not pinned.verify(signature, framed + cipher):
        raise PackageRefused(
            "tampered",
            f"the signature of {header.sender} does not verify: the package was altered "
            "after it was signed",
        )
    if check_expiry and (now or datetime.now(UTC)) > header.expires_at:
        raise PackageRefused("expired", f"the package expired at {header.expires_at.isoformat()}")
    try:
        key = _key(
            me.encryption.exchange(
                X25519PublicKey.from_public_bytes(unb64(header.ephemeral, "ephemeral"))
            ),
            header.sender,
            header.recipient,
        )
        plain = ChaCha20Poly1305(key).decrypt(unb64(header.nonce, "nonce"), cipher, framed)
        inflate = zlib.decompressobj()
        body = inflate.decompress(plain, MAX_CONTENT_BYTES)
    except (InvalidTag, ValueError, zlib.error):
        raise PackageRefused(
            "undecryptable", "the package cannot be decrypted with this node's key"
        ) from None
    if inflate.unconsumed_tail:
        raise PackageRefused(
            "malformed", f"the package content is larger than {MAX_CONTENT_BYTES:,} bytes"
        )
    try:
        content = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise PackageRefused("malformed", "the package content is not JSON") from None
    if not isinstance(content, dict):
        raise PackageRefused("malformed", "the package content is not an object")
    return Opened(header, content, hashlib.sha256(blob).hexdigest())
