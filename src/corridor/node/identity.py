"""A node's identity: its agency, an Ed25519 key that signs what it sends and an X25519 key that
partners encrypt for. Keys come from `cryptography`; nothing here is home-made crypto.

The private keys live in `node.json` in the work directory, readable by its owner only (0600),
never in the store and never in the repository. `corridor node export-key` writes the public half
(with a fingerprint to read out over the phone) that a partner pins with `corridor partner add`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from corridor.errors import Conflict, InputError, NotFound, ValidationError
from corridor.model.provenance import parse_agency

IDENTITY_FILE = "node.json"
CARD_FORMAT = "corridor-node-key/1"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError, AttributeError):
        raise ValidationError(f"{field} is not valid base64", field) from None


def fingerprint(sign_key: bytes, enc_key: bytes) -> str:
    """Short, readable digest of both public keys, for checking a key card out of band."""
    digest = hashlib.sha256(sign_key + enc_key).hexdigest()[:32].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


@dataclass(frozen=True)
class PublicKeys:
    """What a partner pins: the agency's two public keys."""

    agency: str
    sign_key: bytes  # Ed25519, raw 32 bytes
    enc_key: bytes  # X25519, raw 32 bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.sign_key, self.enc_key)

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.sign_key).verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def encryption_key(self) -> X25519PublicKey:
        return X25519PublicKey.from_public_bytes(self.enc_key)

    def card(self) -> dict[str, str]:
        return {
            "format": CARD_FORMAT,
            "agency": self.agency,
            "sign_key": b64(self.sign_key),
            "enc_key": b64(self.enc_key),
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_card(cls, data: Any) -> PublicKeys:
        """Parse a key card, refusing one whose fingerprint does not match its keys."""
        if not isinstance(data, dict) or data.get("format") != CARD_FORMAT:
            raise ValidationError(f"not a Corridor key card (format {CARD_FORMAT})", "format")
        agency = parse_agency(data.get("agency"))
        keys = []
        for field in ("sign_key", "enc_key"):
            raw = unb64(str(data.get(field, "")), field)
            if len(raw) != 32:
                raise ValidationError(f"{field} must be 32 bytes", field)
            keys.append(raw)
        card = cls(agency, keys[0], keys[1])
        given = data.get("fingerprint")
        if given is not None and str(given) != card.fingerprint:
            raise ValidationError("fingerprint does not match the keys", "fingerprint")
        return card


@dataclass(frozen=True)
class NodeIdentity:
    """This node: its agency and private keys."""

    agency: str
    signing: Ed25519PrivateKey
    encryption: X25519PrivateKey

    @classmethod
    def generate(cls, agency: str) -> NodeIdentity:
        return cls(parse_agency(agency), Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    @property
    def public(self) -> PublicKeys:
        return PublicKeys(
            self.agency,
            self.signing.public_key().public_bytes_raw(),
            self.encryption.public_key().public_bytes_raw(),
        )

    def sign(self, data: bytes) -> bytes:
        return self.signing.sign(data)

    def save(self, workdir: Path) -> Path:
        """Write the identity readable by its owner only; refuse to overwrite one."""
        path = workdir / IDENTITY_FILE
        workdir.mkdir(parents=True, exist_ok=True)
        data = {
            "agency": self.agency,
            "sign_private": b64(self.signing.private_bytes_raw()),
            "enc_private": b64(self.encryption.private_bytes_raw()),
        }
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise Conflict(f"this node already has an identity ({path.name})") from None
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        return path

    @classmethod
    def load(cls, workdir: Path) -> NodeIdentity:
        path = workdir / IDENTITY_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFound(
                "this node has no identity yet: run `corridor node init --agency AGENCY`"
            ) from None
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", file=path.name, line=exc.lineno) from None
        try:
            return cls(
                parse_agency(data["agency"]),
                Ed25519PrivateKey.from_private_bytes(unb64(data["sign_private"], "sign_private")),
                X25519PrivateKey.from_private_bytes(unb64(data["enc_private"], "enc_private")),
            )
        except (KeyError, ValueError) as exc:
            raise InputError(f"not a node identity: {exc}", file=path.name) from None

    @classmethod
    def load_optional(cls, workdir: Path | None) -> NodeIdentity | None:
        if workdir is None or not (workdir / IDENTITY_FILE).exists():
            return None
        return cls.load(workdir)
