"""Users and their API keys. Only a key's SHA-256 is stored; the key is shown once, at creation."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
import weakref
from datetime import UTC, datetime

from corridor.access.authz import Authz
from corridor.access.caller import Caller
from corridor.access.roles import Role
from corridor.audit import Event, audit
from corridor.errors import NotFound, Unauthenticated, ValidationError
from corridor.model.classification import Classification
from corridor.model.provenance import parse_agency
from corridor.store.base import Store
from corridor.store.records import UserRecord

KEY_PREFIX = "cor_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_user(
    store: Store,
    caller: Caller,
    name: str,
    role: str | Role,
    agency: str,
    clearance: str | Classification = Classification.OFFICIAL_SENSITIVE,
) -> tuple[UserRecord, str]:
    """Create a user and return it with its new API key (never stored in clear)."""
    if not _NAME.match(name):
        raise ValidationError(
            f"invalid user name {name!r} (letters, digits, . _ @ -; at most 64)", "name"
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    user = UserRecord(
        name=name,
        role=Role.parse(role).value if isinstance(role, str) else role.value,
        agency=parse_agency(agency),
        clearance=int(Classification.parse(clearance)),
        key_hash=hash_key(key),
        created_at=datetime.now(UTC),
    )
    store.add_user(user)
    audit(store, caller, Event.ADMIN, f"users/{user.name}",
          {"action": "add", "role": user.role, "agency": user.agency,
           "clearance": user.clearance})  # fmt: skip
    return user, key


def deactivate_user(store: Store, caller: Caller, name: str) -> None:
    """Stop a user's key working (at once in this process, within `KEY_CACHE_SECONDS` in
    others); the user and what they did stay on record."""
    if not store.set_user_active(name, False):
        raise NotFound(f"no user {name!r}")
    with _verified_lock:
        _verified.pop(store, None)
    audit(store, caller, Event.ADMIN, f"users/{name}", {"action": "deactivate"})


#: How long a verified key is trusted without asking the store again. Screening clients send
#: hundreds of requests a second; a key removed from the store stops working within this.
KEY_CACHE_SECONDS = 2.0
#: Keys remembered per store at most (all are forgotten when more arrive).
KEY_CACHE_SIZE = 10_000
#: Per store (held weakly, so a store's keys never answer for another's): key hash -> the
#: holder's `Authz` and when it was verified.
_verified: weakref.WeakKeyDictionary[Store, dict[str, tuple[Authz, float]]] = (
    weakref.WeakKeyDictionary()
)
_verified_lock = threading.Lock()


def authenticate(store: Store, key: str | None) -> Authz:
    """The `Authz` of the user holding this API key, or `Unauthenticated`."""
    if not key:
        raise Unauthenticated("an API key is required: send 'Authorization: ApiKey KEY'")
    digest = hash_key(key.strip())
    now = time.monotonic()
    with _verified_lock:
        known = _verified.setdefault(store, {})
        cached = known.get(digest)
    if cached is not None and now - cached[1] < KEY_CACHE_SECONDS:
        return cached[0]
    user = store.user_by_key_hash(digest)
    if user is None:
        raise Unauthenticated("invalid API key")
    authz = Authz(user.name, Role(user.role), user.agency, Classification(user.clearance))
    with _verified_lock:
        if len(known) >= KEY_CACHE_SIZE:
            known.clear()
        known[digest] = (authz, now)
    return authz
