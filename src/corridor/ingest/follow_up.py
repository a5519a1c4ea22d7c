"""The work an ingest leaves for after its commit (linking, screening), made crash-safe.

An ingest records the after-ingest steps it owes in its own transaction (`ingest_follow_ups`),
so the commit that makes its data visible also makes the debt durable. The steps run right
after the commit, and the record goes when they are done. A process killed in between (a
power cut, the OOM killer) leaves the record, and the next ingest or the next start of the node
resumes it: no alert is left unraised and no record unlinked because a re-ingest of the same
file adds nothing and so has nothing to follow up.

Every step is idempotent (linking re-scores the same pairs; screening skips evidence already
raised), so a step cut short and run again leaves what one run would.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from corridor.access.authz import Authz
from corridor.access.caller import Caller
from corridor.access.roles import Role
from corridor.model.classification import Classification
from corridor.plugins import AFTER_INGEST, Ingested, StepResult
from corridor.store.base import Store, StoreWriter
from corridor.store.records import FollowUp

log = logging.getLogger(__name__)


def steps_owed(link: bool) -> tuple[str, ...]:
    """The after-ingest steps an ingest owes (a bulk load, `link` false, defers linking)."""
    return tuple(name for name, step in AFTER_INGEST.items() if link or not step.deferrable)


def record_follow_up(
    writer: StoreWriter, ingest_id: str, caller: Caller, steps: Sequence[str]
) -> None:
    """Record, inside the ingest's transaction, the steps to run once it commits."""
    a = caller.authz
    follow_up = FollowUp(ingest_id, tuple(steps), a.user, a.role.value, a.agency,
                         int(a.clearance), a.system, caller.purpose, caller.via,
                         datetime.now(UTC))  # fmt: skip
    writer.add_follow_up(follow_up)


def _caller(f: FollowUp) -> Caller:
    """The ingesting caller, as they were when they ingested."""
    authz = Authz(f.user_name, Role(f.role), f.agency, Classification(f.clearance), f.system)
    return Caller(authz, f.purpose, f.via)


def run_follow_up(store: Store, ingest_id: str) -> StepResult | None:
    """Do an ingest's recorded follow-up work and say what it did (pairs linked by kind,
    alerts raised); None when it is done, or being done elsewhere."""
    linked: dict[str, int] = {}
    alerts = 0
    with store.claim_follow_up(ingest_id) as follow_up:
        if follow_up is None:
            return None
        caller = _caller(follow_up)
        entities = store.ingested_entities(ingest_id)
        for name in follow_up.steps:
            if name not in AFTER_INGEST:
                log.warning("ingest %s: no after-ingest step %r (skipped)", ingest_id, name)
                continue
            done = AFTER_INGEST.get(name).run(store, caller, Ingested(ingest_id, entities))
            for kind, pairs in done.linked.items():
                linked[kind] = linked.get(kind, 0) + pairs
            alerts += done.alerts
    return StepResult(linked=linked, alerts=alerts)


def resume_follow_ups(store: Store) -> int:
    """Finish the follow-up work that earlier ingests left (their process died after the
    commit); returns how many were resumed here. A step that fails is logged and left for the
    next try, so it never blocks the ingest or the start that resumes it."""
    resumed = 0
    for follow_up in store.follow_ups():
        try:
            done = run_follow_up(store, follow_up.ingest_id)
        except Exception:
            log.exception("ingest %s: its follow-up work failed (kept, to retry)",
                          follow_up.ingest_id)  # fmt: skip
            continue
        resumed += done is not None
    return resumed
