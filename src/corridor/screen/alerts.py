"""Continuous screening of the node's own entities: alerts raised on new evidence, analysts'
decisions on them, and which alerts a reader may see.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from followthemoney import model

from corridor.access.caller import Caller
from corridor.audit import Event, audit
from corridor.errors import NotFound, ValidationError
from corridor.model.classification import Classification, highest
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.plugins import AfterIngestStep, Ingested, StepResult
from corridor.screen.index import ID_PROPS, profile
from corridor.screen.lists import content_hash, listing_visible
from corridor.screen.matching import (
    DEFAULT_THRESHOLD,
    INDEXES,
    datasets,
    default_algorithm,
    score_candidates,
)
from corridor.store.base import Store
from corridor.store.records import Alert

DECISIONS = ("true_match", "false_positive")

SCREENED = ("Person", "LegalEntity", "Organization", "Company", "Vehicle")
#: Every property the matcher reads (`corridor.screen.index.profile`): an alert's evidence is
#: these values, so new data in any of them is a reason to look again.
EVIDENCE = ("name", "alias", "previousName", "weakAlias", "firstName", "secondName",
            "middleName", "fatherName", "lastName", "birthDate", "incorporationDate",
            "buildDate", "nationality", "citizenship", "country", "jurisdiction", "phone",
            "gender", *ID_PROPS)  # fmt: skip


def _matched(entity_props: Mapping[str, Any]) -> dict[str, list[str]]:
    """The values of an entity that matching reads, in a stable order."""
    return {k: sorted(str(v) for v in values) for k, values in entity_props.items()
            if k in EVIDENCE and values}  # fmt: skip


def _evidence(entity_props: Mapping[str, Any], listing_hash: str) -> str:
    """What an alert was raised on: the entity's matched data and the listing's content hash. A
    decision holds while this is the same; new evidence on either side raises the alert again."""
    payload = json.dumps([_matched(entity_props), listing_hash], sort_keys=True)
    return hashlib.sha1(payload.encode()).hexdigest()


def screen_entities(
    store: Store, entity_ids: Iterable[str] | None = None, threshold: float = DEFAULT_THRESHOLD
) -> list[Alert]:
    """Screen the node's entities (all, or those given) against every loaded list; raise an
    alert for each new hit, unless the same evidence was already raised or decided, or an
    alert on the same pair still waits for a decision (one open alert per pair, not one per
    change of evidence).

    A node record with the very id of a listed entry is that listing itself (a watchlist is
    also ingested as intelligence): it is never an alert against itself.
    """
    if not datasets(store):
        return []
    index = INDEXES.get(store)
    if entity_ids is None:
        schemata = [s.name for s in model.schemata.values() if any(s.is_a(n) for n in SCREENED)]
        records = list(store.iter_entities(SYSTEM_SCOPE, schemata))
    else:
        records = [
            r for r in (store.get_entity(i, SYSTEM_SCOPE) for i in sorted(set(entity_ids))) if r
        ]
    now = datetime.now(UTC)
    algo = default_algorithm()
    new: list[Alert] = []
    for record in records:
        schema = record.entity.schema
        if not any(schema.is_a(n) for n in SCREENED) and not record.entity.get("phone", quiet=True):
            continue
        props = record.entity.properties
        prof = profile(schema.name, props)
        existing: set[tuple[str, str]] | None = None  # read only when there is a hit
        pending: set[str] = set()
        for i, result in score_candidates(
            index, prof, None, algo.config, SYSTEM_SCOPE, algorithm=algo
        ):
            if result.score < threshold:
                break
            listed = index.entities[i]
            list_id = str(listed.entity["id"])
            if list_id == record.id:
                continue  # the listing itself, ingested as a record
            if existing is None:
                earlier = store.alerts(record.id)
                existing = {(a.list_entity_id, a.evidence) for a in earlier}
                pending = {a.list_entity_id for a in earlier if a.status == "open"}
            # The listing as indexed is the stored row's data: its hash is the row's content
            # hash, with no read of the store per hit.
            evidence = _evidence(props, content_hash(listed.entity))
            if (list_id, evidence) in existing or list_id in pending:
                continue  # raised (and perhaps decided) on this evidence, or awaiting a decision
            existing.add((list_id, evidence))
            pending.add(list_id)
            explanation = {k: f.to_dict() for k, f in result.explanations.items()}
            new.append(
                Alert(
                    uuid.uuid4().hex, record.id, listed.dataset, list_id,
                    round(result.score, 4), explanation, evidence, "open", now,
                )
            )  # fmt: skip
    store.add_alerts(new)
    return new


def screen_new(store: Store, caller: Caller, ingested: Ingested) -> StepResult:
    """Screen what an ingest added or changed against the loaded lists. The alerts reported
    are those the caller may see (`alert_visible`): a count of alerts on watchlist entries or
    values above their clearance would disclose them."""
    raised = screen_entities(store, ingested.entity_ids)
    if not caller.authz.system:
        raised = [a for a in raised if alert_visible(store, a, caller.scope)]
    return StepResult(alerts=len(raised))


SCREEN_NEW = AfterIngestStep(
    "screen new and changed records against the loaded lists", run=screen_new
)


def decide(
    store: Store,
    caller: Caller,
    alert_id: str,
    decision: str,
    note: str | None = None,
    user: str | None = None,
) -> Alert:
    """An analyst's decision on an alert (remembered for this evidence), recorded as `user`'s
    (by default the caller's). `alert_id` may be a unique prefix of the id."""
    if decision not in DECISIONS:
        raise ValidationError(f"decision must be one of {', '.join(DECISIONS)}", "decision")
    alert = store.alert(alert_id)
    if alert is None and len(alert_id) >= 4:
        prefixed = [a for a in store.alerts() if a.id.startswith(alert_id)]
        alert = prefixed[0] if len(prefixed) == 1 else None
    if alert is None or not alert_visible(store, alert, caller.scope):
        raise NotFound(f"no alert {alert_id!r}")
    user = user or caller.user
    store.decide_alert(alert.id, decision, user, datetime.now(UTC), note)
    decided = store.alert(alert.id)
    assert decided is not None
    detail: dict[str, Any] = {"decision": decision, "note": note, "entity": decided.entity_id}
    if user != caller.user:
        detail["recorded_as"] = user
    audit(store, caller, Event.DECIDE, f"alerts/{decided.id}", detail,
          _consulted(store, [decided], caller.scope))  # fmt: skip
    return decided


def visible_alerts(store: Store, caller: Caller, status: str | None = None) -> list[Alert]:
    """Alerts the caller may see: both the node's record and the listed entry within their
    clearance (an alert on either above it is hidden)."""
    found = [a for a in store.alerts(status=status) if alert_visible(store, a, caller.scope)]
    audit(store, caller, Event.READ, "alerts", {"status": status, "ids": [a.id for a in found]},
          _consulted(store, found, caller.scope))  # fmt: skip
    return found


def _consulted(store: Store, alerts: Iterable[Alert], scope: ReadScope) -> Classification:
    """The highest classification of the listings and records (as `scope` sees them) some
    alerts are about: what a read of them consulted, for the audit log."""
    levels: list[int] = []
    for alert in alerts:
        listed = store.list_entity(alert.list_entity_id)
        prov = (listed.data.get("provenance") or {}) if listed is not None else {}
        if prov:
            levels.append(int(Classification.parse(prov["classification"])))
        record = store.get_entity(alert.entity_id, scope)
        if record is not None:
            levels.append(record.classification)
    return highest(levels)


def alert_visible(store: Store, alert: Alert, scope: ReadScope) -> bool:
    """Whether a reader may see an alert: the listed entry within their clearance, and every
    value of the record the alert was raised on too. An alert raised partly on a value above
    the reader's clearance would disclose it (its explanation quotes it; its existence implies
    it). The record as the reader sees it either is that evidence exactly, or holds every
    matched value the record has; otherwise the alert is hidden."""
    listed = store.list_entity(alert.list_entity_id)
    if listed is not None and not listing_visible(listed.data, scope):
        return False
    seen = store.get_entity(alert.entity_id, scope)
    if seen is None:
        return False
    if scope.agencies is None and scope.max_classification >= SYSTEM_SCOPE.max_classification:
        return True
    listing_hash = listed.content_hash if listed is not None else content_hash({})
    if _evidence(seen.entity.properties, listing_hash) == alert.evidence:
        return True
    full = store.get_entity(alert.entity_id, SYSTEM_SCOPE)
    return full is None or _matched(seen.entity.properties) == _matched(full.entity.properties)
