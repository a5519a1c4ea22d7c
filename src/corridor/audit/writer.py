"""Appending to the audit log: `audit` records who did what, when, and for what stated purpose.

Reads are frequent (the screening API serves hundreds a second), so READ entries are written to
the store in batches, at least once a second by a background thread, before any other event is
written, and when the store closes; every other event is written before `audit` returns. An
entry's place in the chain is given when it is written, under a lock the store holds for every
process appending to it (several API workers on one PostgreSQL store keep one chain).
"""

from __future__ import annotations

import atexit

# Imported now, not at exit: writing the reads still buffered when the interpreter exits goes
# through pyarrow, whose first use imports pandas' compatibility module, which imports this
# one, which registers an exit hook of its own: refused once exit has begun, and the write with
# it (and the store, stopped mid-write, takes the process down).
import concurrent.futures.thread  # noqa: F401
import logging
import secrets
import threading
import weakref
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from corridor.audit.chain import _chain, _Draft, _iso, canonical_json
from corridor.model.classification import Classification
from corridor.model.text import escaped

if TYPE_CHECKING:
    from corridor.access.authz import Authz
    from corridor.access.caller import Caller
    from corridor.store.base import Store, StoreWriter

log = logging.getLogger(__name__)

#: Buffered reads are written at least this often.
FLUSH_SECONDS = 1.0
#: ... or as soon as this many are waiting.
FLUSH_ROWS = 5000
#: The name of the threads that write them.
FLUSH_THREAD = "corridor-audit-flush"


class Event(StrEnum):
    READ = "read"  # data consulted: entities, search, matches, alerts; catalogue, stats, shares
    WRITE = "write"  # data collected or altered: ingest, resolution runs, lists loaded
    SHARE = "share"  # data disclosed to a partner
    RECEIVE = "receive"  # data received from a partner
    REQUEST = "request"  # information asked of a partner
    JUDGE = "judge"  # two records judged the same or different
    DECIDE = "decide"  # a screening alert decided
    ADMIN = "admin"  # users, agreements, the audit log itself
    REFUSE = "refuse"  # a request refused for want of the right (403)


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
        within: StoreWriter | None = None,
    ) -> None:
        store = self._store()  # alive: the caller holds it
        detail_value = _plain(dict(detail) if detail else {})  # JSON values: text parses back
        purpose = escaped(purpose.strip()) or None if purpose is not None else None
        # What a caller sent is logged as sent, a control character as its escape: a store
        # may refuse the character itself (PostgreSQL a NUL), and with it every entry after.
        target = escaped(target)
        draft = _Draft(
            datetime.now(UTC), authz.user, str(authz.role), authz.agency, str(event), target,
            purpose, detail_value, canonical_json(detail_value),
        )  # fmt: skip
        if within is not None:
            # In the writer's transaction, after every entry before it: it commits, or is
            # rolled back, with what it records.
            self.flush()
            within.append_audit(lambda head: _chain(head, [draft]))
            return
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
                target=self._run, args=(store,), name=FLUSH_THREAD, daemon=True
            )
            _FLUSHING.add(self)
            self._thread.start()

    def _run(self, store: Store) -> None:
        """Write pending reads every `FLUSH_SECONDS` until none are left (`store` is held here
        so that it outlives them)."""
        while True:
            self._wake.wait(FLUSH_SECONDS)
            self._wake.clear()
            try:
                if not _EXITING:  # at exit the main thread writes them (a store may refuse here)
                    self.flush()
            except Exception:
                if not _EXITING:
                    log.exception(
                        "audit log: buffered reads could not be written (kept, will retry)"
                    )
                with self._lock:
                    self._thread = None
                    _FLUSHING.discard(self)
                return
            with self._lock:
                if not self._pending or self._closed:
                    self._thread = None
                    _FLUSHING.discard(self)
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
        try:
            self.flush()  # here, then wake the thread: it finds nothing left and ends
        finally:
            self._wake.set()
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
#: Logs whose writer thread is running: held here (strongly) until it ends, so that an exit
#: finds them even where the registry above has let their store's entry go.
_FLUSHING: set[AuditLog] = set()
#: Set as the interpreter exits: what is still buffered is then written by the exit hook, in
#: the main thread (DuckDB refuses a write from another thread once exit has begun).
_EXITING = False


def _write_pending_at_exit() -> None:
    """At interpreter exit, write every store's buffered reads and stop its writer thread: a
    program that ends without closing its store would otherwise lose the last second of reads
    (the thread is a daemon), or have it stopped in the middle of a write."""
    global _EXITING
    _EXITING = True
    with _LOGS_LOCK:
        logs = {id(x): x for x in [*_LOGS.values(), *list(_FLUSHING)]}
    for found in logs.values():
        try:
            found.close()
        except Exception:
            log.exception("audit log: buffered reads could not be written at exit")
    # Let the writer threads end now, while the interpreter still runs (closed, they stop at
    # once): each holds its store, which must not be torn down under it.
    for thread in threading.enumerate():
        if thread.name == FLUSH_THREAD:
            thread.join(timeout=5)


atexit.register(_write_pending_at_exit)


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
    classification: int | None = None,
    within: StoreWriter | None = None,
) -> None:
    """Log one event by `caller` on `target` (an entity id, `search`, `match/default`,
    `ingest/file.csv`, …) with the purpose they stated, how they came (`via`: api, cli, node,
    demo) and any detail (JSON-able).

    `classification` is the highest classification of what the event read or wrote, where the
    service knows it: above OFFICIAL it is recorded with the entry (`CLASSIFIED`), and an
    auditor not cleared to it is shown the entry without its target's ids and its detail
    (`corridor.audit.service`). Such an entry also gets a random `salt`, so that its hash, which
    every auditor sees, cannot confirm a guess at what was redacted (an entity id, a name).

    READ events are chained now and written within a second; every other event is written to
    the store before this returns (and writes any reads buffered before it first), or, given
    the transaction `within` which it records, in that transaction.
    """
    detail = {**(detail or {}), "via": caller.via}
    if classification is not None and classification > Classification.OFFICIAL:
        detail[CLASSIFIED] = Classification(classification).label
        detail[SALT] = secrets.token_hex(16)
    audit_log(store).record(caller.authz, Event(event), target, caller.purpose, detail, within)


#: The detail keys of an entry about something above OFFICIAL: its classification, and the
#: salt that keeps its hash from confirming guesses at what an auditor is not shown.
CLASSIFIED = "classification"
SALT = "salt"


def flush(store: Store) -> None:
    """Write the store's buffered reads now (a no-op when it has none)."""
    with _LOGS_LOCK:
        found = _LOGS.get(store)
    if found is not None:
        found.flush()
