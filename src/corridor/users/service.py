"""Users and their API keys. Only a key's SHA-256 is stored; the key is shown once, when it is
made (a user added, or their key renewed).

A key works while its user is active, it is not revoked and it has not expired. A change takes
effect at once on every process serving the store: a key is checked against the store on each
request, unless the store says that this process makes every change to it (DuckDB: one process
opens the file for writing), in which case the answer is remembered until its users change
(`Store.users_revision`) or the key expires.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import weakref
from datetime import UTC, datetime, timedelta
from typing import Literal

from corridor.access.authz import Authz
from corridor.access.caller import Caller
from corridor.access.roles import Role
from corridor.audit import Event, audit
from corridor.errors import Conflict, NotFound, Unauthenticated, ValidationError
from corridor.model.classification import Classification
from corridor.model.lifetime import parse_expiry
from corridor.model.provenance import parse_agency
from corridor.settings import Settings
from corridor.store.base import Store
from corridor.store.records import UserRecord

KEY_PREFIX = "cor_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")

#: A key's lifetime: a duration, None for never, or the node's default (`CORRIDOR_KEY_EXPIRES_IN`).
Lifetime = timedelta | None | Literal["default"]


class RefusedKey(Unauthenticated):
    """A key the store knows, that no longer works: revoked, expired, or its user deactivated.
    Its holder is known, so the refusal is logged under their name."""

    def __init__(self, message: str, authz: Authz) -> None:
        super().__init__(message)
        self.authz = authz


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _new_key() -> tuple[str, str]:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, hash_key(key)


def _expires_at(now: datetime, lifetime: Lifetime) -> datetime | None:
    if lifetime == "default":
        lifetime = parse_expiry(Settings().key_expires_in)
    if lifetime is not None and lifetime <= timedelta(0):
        raise ValidationError("a key's lifetime must be positive", "expires_in")
    return now + lifetime if lifetime is not None else None


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat(timespec="seconds") if at is not None else None


def create_user(
    store: Store,
    caller: Caller,
    name: str,
    role: str | Role,
    agency: str,
    clearance: str | Classification = Classification.OFFICIAL_SENSITIVE,
    expires_in: Lifetime = "default",
) -> tuple[UserRecord, str]:
    """Create a user and return it with its new API key (never stored in clear), which works
    for `expires_in` (by default the node's key lifetime; None: until revoked)."""
    if not _NAME.match(name):
        raise ValidationError(
            f"invalid user name {name!r} (letters, digits, . _ @ -; at most 64)", "name"
        )
    now = datetime.now(UTC)
    key, digest = _new_key()
    user = UserRecord(
        name=name,
        role=Role.parse(role).value if isinstance(role, str) else role.value,
        agency=parse_agency(agency),
        clearance=int(Classification.parse(clearance)),
        key_hash=digest,
        created_at=now,
        expires_at=_expires_at(now, expires_in),
    )
    store.add_user(user)
    audit(store, caller, Event.ADMIN, f"users/{user.name}",
          {"action": "add", "role": user.role, "agency": user.agency,
           "clearance": user.clearance, "expires_at": _iso(user.expires_at)})  # fmt: skip
    return user, key


def deactivate_user(store: Store, caller: Caller, name: str) -> None:
    """Stop a user's key working, at once; the user and what they did stay on record."""
    if not store.set_user_active(name, False):
        raise NotFound(f"no user {name!r}")
    audit(store, caller, Event.ADMIN, f"users/{name}", {"action": "deactivate"})


def revoke_key(store: Store, caller: Caller, name: str) -> UserRecord:
    """Stop a user's key working, at once (a key lost or leaked); the user stays, and
    `rotate_key` gives them a new one."""
    if not store.revoke_user_key(name, datetime.now(UTC)):
        user = store.user(name)
        if user is None:
            raise NotFound(f"no user {name!r}")
        raise Conflict(f"the key of {name!r} was revoked already, on {_iso(user.revoked_at)}")
    audit(store, caller, Event.ADMIN, f"users/{name}", {"action": "revoke-key"})
    revoked = store.user(name)
    assert revoked is not None
    return revoked


def rotate_key(
    store: Store, caller: Caller, name: str, expires_in: Lifetime = "default"
) -> tuple[UserRecord, str]:
    """Give a user a new key, working for `expires_in`; their old key (revoked or not) stops
    working at once."""
    user = store.user(name)
    if user is None:
        raise NotFound(f"no user {name!r}")
    if not user.active:
        raise Conflict(f"user {name!r} is deactivated: their key is not renewed")
    key, digest = _new_key()
    expires_at = _expires_at(datetime.now(UTC), expires_in)
    if not store.set_user_key(name, digest, expires_at):
        raise Conflict(f"user {name!r} was deactivated meanwhile: their key is not renewed")
    audit(store, caller, Event.ADMIN, f"users/{name}",
          {"action": "rotate-key", "expires_at": _iso(expires_at)})  # fmt: skip
    renewed = store.user(name)
    assert renewed is not None
    return renewed, key


def key_state(user: UserRecord, now: datetime | None = None) -> str:
    """`active`, `revoked`, `expired` or `deactivated`: whether the user's key works now."""
    now = now or datetime.now(UTC)
    if not user.active:
        return "deactivated"
    if user.revoked_at is not None:
        return "revoked"
    if user.expires_at is not None and user.expires_at <= now:
        return "expired"
    return "active"


# --- authenticating ----------------------------------------------------------------------------

#: Keys remembered per store at most (all are forgotten when more arrive).
KEY_CACHE_SIZE = 10_000
#: Per store (held weakly, so a store's keys never answer for another's): the users revision
#: the answers hold for, and key hash -> the holder's `Authz` and when the key expires.
_verified: weakref.WeakKeyDictionary[
    Store, tuple[int, dict[str, tuple[Authz, datetime | None]]]
] = weakref.WeakKeyDictionary()
_verified_lock = threading.Lock()


def known_key(store: Store, key: str) -> Authz | None:
    """The holder of `key` without asking the store, where the answer is known to hold still
    (the store's users unchanged since, the key not expired); None otherwise. No I/O: the
    API asks this on its event loop, and the store (`authenticate`) off it."""
    revision = store.users_revision()
    if revision is None:
        return None
    with _verified_lock:
        remembered = _verified.get(store)
    if remembered is None or remembered[0] != revision:
        return None
    found = remembered[1].get(hash_key(key.strip()))
    if found is None:
        return None
    authz, expires_at = found
    if expires_at is not None and expires_at <= datetime.now(UTC):
        return None
    return authz


def authenticate(store: Store, key: str | None) -> Authz:
    """The `Authz` of the user holding this API key, or `Unauthenticated` (`RefusedKey` for
    a key that was revoked, has expired or whose user is deactivated)."""
    if not key:
        raise Unauthenticated("an API key is required: send 'Authorization: ApiKey KEY'")
    known = known_key(store, key)
    if known is not None:
        return known
    revision = store.users_revision()  # before the lookup: a change during it outdates it
    digest = hash_key(key.strip())
    user = store.user_by_key_hash(digest)
    if user is None:
        raise Unauthenticated("invalid API key")
    authz = Authz(user.name, Role(user.role), user.agency, Classification(user.clearance))
    state = key_state(user)
    if state == "deactivated":
        raise RefusedKey(f"user {user.name!r} is deactivated: their key no longer works", authz)
    if state == "revoked":
        raise RefusedKey(
            f"this API key was revoked on {_iso(user.revoked_at)}: ask an administrator for a "
            "new one",
            authz,
        )
    if state == "expired":
        raise RefusedKey(
            f"this API key expired on {_iso(user.expires_at)}: ask an administrator for a new one",
            authz,
        )
    if revision is not None:
        _remember(store, revision, digest, authz, user.expires_at)
    return authz


def _remember(
    store: Store, revision: int, digest: str, authz: Authz, expires_at: datetime | None
) -> None:
    with _verified_lock:
        held, answers = _verified.get(store, (revision, {}))
        if held > revision:  # the users changed while this answer was looked up
            return
        if held < revision or len(answers) >= KEY_CACHE_SIZE:
            answers = {}
        answers[digest] = (authz, expires_at)
        _verified[store] = (revision, answers)
