"""Reads of the node's entities and observations, filtered by the caller's clearance and each
logged as one audit entry (whoever asks: the API, the command line, the demo).

Every function here takes the `Caller`; the routes and commands only parse and present.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from corridor.access.caller import Caller
from corridor.audit import Event, audit
from corridor.errors import NotFound
from corridor.model.classification import Classification, highest
from corridor.model.schemata import schemata_for
from corridor.model.statements import EntityRecord
from corridor.model.subjects import SubjectKeys, subject_keys
from corridor.screen.lists import list_entity
from corridor.store.base import Store
from corridor.store.records import ObservationQuery, ReviewItem, SearchHit


def get_entity(store: Store, caller: Caller, entity_id: str) -> dict[str, Any]:
    """One entity assembled from the statements the caller may see, each with its provenance;
    not one of the node's records, a listed entity of that id (yente clients fetch results by
    id from the same path)."""
    record = store.get_entity(entity_id, caller.scope)
    audit(store, caller, Event.READ, f"entities/{entity_id}", {"found": record is not None},
          record.classification if record is not None else None)  # fmt: skip
    if record is None:
        return list_entity(store, entity_id, caller.scope)
    return record.to_dict()


def list_entities(
    store: Store, caller: Caller, schema: str | None, limit: int, offset: int
) -> list[EntityRecord]:
    """A page of entities (of a schema and those extending it)."""
    records = list(
        store.iter_entities(caller.scope, schemata_for(schema), limit=limit, offset=offset)
    )
    audit(store, caller, Event.READ, "entities",
          {"schema": schema, "offset": offset, "ids": [r.id for r in records]},
          highest(r.classification for r in records))  # fmt: skip
    return records


def export_entities(
    store: Store, caller: Caller, schema: str | None = None
) -> Generator[EntityRecord]:
    """Every entity the caller may see, streamed; logged once with how many went out (when the
    export ends, or is cut short)."""
    sent = 0
    top = Classification.OFFICIAL
    try:
        for record in store.iter_entities(caller.scope, schemata_for(schema)):
            yield record
            sent += 1
            top = max(top, record.classification)
    finally:
        audit(store, caller, Event.READ, "entities/export", {"schema": schema, "entities": sent},
              top)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Found:
    """A name search hit and the entity it found (as the caller may see it)."""

    hit: SearchHit
    record: EntityRecord

    @property
    def agencies(self) -> list[str]:
        return sorted({s.row["agency"] for s in self.record.statements})


def search(
    store: Store, caller: Caller, query: str, schema: str | None = None, limit: int = 20
) -> list[Found]:
    """Names across scripts and spellings, best first."""
    found = []
    for hit in store.search(query, caller.scope, schemata_for(schema), limit):
        record = store.get_entity(hit.entity_id, caller.scope)
        if record is not None:
            found.append(Found(hit, record))
    audit(store, caller, Event.READ, "search",
          {"q": query, "schema": schema, "ids": [f.hit.entity_id for f in found]},
          highest(f.record.classification for f in found))  # fmt: skip
    return found


def observations(
    store: Store, caller: Caller, query: ObservationQuery, asked: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Sensor observations by time, place and subject keys; `asked` is the query as the caller
    wrote it (recorded)."""
    rows = store.observations(query, caller.scope)
    detail = {**{k: v for k, v in asked.items() if v}, "observations": len(rows)}
    audit(store, caller, Event.READ, "observations", detail,
          highest(r.get("classification") for r in rows))  # fmt: skip
    return rows


def entity_observations(
    store: Store, caller: Caller, entity_id: str, limit: int = 1000, offset: int = 0
) -> tuple[SubjectKeys, list[dict[str, Any]]]:
    """The observations of an entity's plates and phones (sightings, ANPR reads, scans, …)."""
    record = store.get_entity(entity_id, caller.scope)
    if record is None:
        audit(store, caller, Event.READ, f"entities/{entity_id}/observations", {"found": False})
        raise NotFound(f"no entity {entity_id!r}")
    keys = subject_keys(record.entity)
    rows: list[dict[str, Any]] = []
    if not keys.empty:
        query = ObservationQuery(plates=keys.plates, phones=keys.phones, limit=limit, offset=offset)
        rows = store.observations(query, caller.scope)
    audit(store, caller, Event.READ, f"entities/{entity_id}/observations",
          {"observations": len(rows), "offset": offset},
          highest([record.classification, *(r.get("classification") for r in rows)]))  # fmt: skip
    return keys, rows


def review_due(
    store: Store,
    caller: Caller,
    agency: str | None,
    before: date,
    limit: int = 1000,
    offset: int = 0,
) -> list[ReviewItem]:
    """An agency's records whose review-by date is before `before` (every agency's when None),
    within the caller's clearance: entities (with how many statements are due) and
    observations."""
    items = store.review_due(agency, before, caller.scope, limit, offset)
    audit(store, caller, Event.READ, "review/due",
          {"agency": agency, "before": before, "ids": [i.id for i in items]})  # fmt: skip
    return items
