"""Networks as a service: what the API and the command line call, each read audited.

Every call builds the network from what the caller may read, as of the day they ask about
(`corridor.network.build`): nothing is shared between callers, so a link one of them may not
see cannot move a weight, a community or a rank shown to another. Each call is logged as one
read, marked with the highest classification of the evidence it rested on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from followthemoney import model as ftm

from corridor.access.caller import Caller
from corridor.audit import Event, audit
from corridor.errors import NotFound, ValidationError
from corridor.model.classification import Classification, highest
from corridor.network import analysis, export, ranking
from corridor.network.brokers import Broker
from corridor.network.brokers import brokers as find_brokers
from corridor.network.build import build_network, end_of
from corridor.network.burners import Succession
from corridor.network.export import NodeFacts
from corridor.network.graph import CO_TRAVEL, PERSON, Link, Network
from corridor.network.roles import RoleGuess, infer_roles
from corridor.store.base import Store
from corridor.store.records import ObservationQuery

#: The most hops `expand` goes (a neighbourhood three links out is most of a network).
MAX_HOPS = 4
_WINDOW = re.compile(r"^\s*(\d{1,5})\s*([hdw])\s*$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_window(text: str) -> timedelta:
    """`30d`, `12h`, `2w`: how long a time-respecting path may take, first link to last."""
    found = _WINDOW.match(text.lower())
    if found is None or int(found.group(1)) == 0:
        raise ValidationError(
            f"{text!r} is not a window: a number of hours, days or weeks (12h, 30d, 2w)", "within"
        )
    return int(found.group(1)) * _UNITS[found.group(2)]


def _as_of(as_of: date | None) -> dict[str, Any]:
    return {"as_of": as_of.isoformat() if as_of else None}


def _node_of(network: Network, entity_id: str) -> str:
    found = network.node_of.get(entity_id)
    if found is None:
        raise NotFound(f"no entity {entity_id!r} in the network")
    return found


def build(store: Store, caller: Caller, as_of: date | None = None) -> dict[str, Any]:
    """What the network holds for the caller: nodes and links by kind, and its people's."""
    network = build_network(store, caller.scope, as_of)
    people = network.people()
    groups = analysis.communities(people)
    out = {
        **network.summary(),
        "people": len(people.nodes),
        "people_links": len(people.links),
        "communities": len(set(groups.values())),
        "as_of": as_of.isoformat() if as_of else None,
    }
    audit(store, caller, Event.READ, "network",
          {**_as_of(as_of), "nodes": out["nodes"], "links": out["links"]},
          network.classification)  # fmt: skip
    return out


def communities(store: Store, caller: Caller, as_of: date | None = None) -> list[tuple[str, int]]:
    """(Person record id, community) for every person record the caller may see (each record
    in its canonical person's community), by record id."""
    people = build_network(store, caller.scope, as_of).people()
    groups = analysis.communities(people)
    rows = sorted((r, groups[n.id]) for n in people.nodes.values() for r in n.record_ids)
    audit(store, caller, Event.READ, "network/communities",
          {**_as_of(as_of), "records": len(rows),
           "communities": len(set(groups.values()))},
          people.classification)  # fmt: skip
    return rows


@dataclass(frozen=True, slots=True)
class RankRow:
    """One canonical person in the disruption ranking, with the reasons for its score."""

    entity_id: str
    score: float
    record_ids: list[str]
    label: str
    categories: list[str]
    reach: float
    bridging: float
    degree: int
    betweenness: float
    pagerank: float
    community: int
    #: The structural score (`score` is the priority: it times the role's weight) and the role.
    disruption: float = 0.0
    role: str = "unknown"
    role_support: float = 0.0
    why: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "score": round(self.score, 6),
            "record_ids": self.record_ids,
            "label": self.label,
            "categories": self.categories,
            "reasons": {
                "reach": round(self.reach, 6),
                "bridging": round(self.bridging, 6),
                "degree": self.degree,
                "betweenness": round(self.betweenness, 6),
                "pagerank": round(self.pagerank, 6),
                "community": self.community,
                "disruption": round(self.disruption, 6),
                "role": self.role,
                "role_support": round(self.role_support, 4),
                "why": list(self.why),
            },
        }


def rank(
    store: Store, caller: Caller, as_of: date | None = None, limit: int | None = None
) -> list[RankRow]:
    """Canonical people, the first to take out first (`ranking.rank`: disruption × role)."""
    people = build_network(store, caller.scope, as_of).people()
    ranked = ranking.rank(people)
    rows = [
        RankRow(
            r.node_id, r.priority, r.record_ids, r.label,
            people.nodes[r.node_id].categories, r.disruption.reach, r.disruption.bridging,
            r.centrality.degree, r.centrality.betweenness, r.centrality.pagerank, r.community,
            r.disruption.score, r.role, r.role_support, r.reasons,
        )
        for r in ranked
    ][:limit]  # fmt: skip
    audit(store, caller, Event.READ, "network/rank",
          {**_as_of(as_of), "ids": [r.entity_id for r in rows[:50]],
           "people": len(rows)},
          people.classification)  # fmt: skip
    return rows


def path(
    store: Store,
    caller: Caller,
    a: str,
    b: str,
    as_of: date | None = None,
    within: timedelta | None = None,
) -> dict[str, Any]:
    """How `a` is connected to `b` (any record ids): the strongest chain of links; with
    `within`, the fastest chain whose links happen one after another within that time."""
    network = build_network(store, caller.scope, as_of)
    try:
        start, end = _node_of(network, a), _node_of(network, b)
    except NotFound:
        audit(store, caller, Event.READ, "network/path",
              {**_as_of(as_of), "from": a, "to": b, "found": False})  # fmt: skip
        raise
    out: dict[str, Any] = {"from": start, "to": end, "within": _days(within), "found": False,
                           "nodes": [], "links": [], "steps": []}  # fmt: skip
    links: list[Link] = []
    if within is not None:
        steps = analysis.time_respecting_path(network, start, end, within)
        if steps is not None:
            chain = [steps[0].source, *(s.target for s in steps)]
            links = _unique([s.link for s in steps])
            out.update(found=True, nodes=chain, steps=[s.to_dict() for s in steps])
    else:
        found = analysis.shortest_path(network, start, end)
        if found is not None:
            links = found.links
            out.update(found=True, nodes=found.nodes)
    position = {n: i for i, n in enumerate(out["nodes"])}
    links.sort(key=lambda k: (min(position[k.a], position[k.b]), k.kind, k.via or ""))
    out["nodes"] = [network.nodes[n].to_dict() for n in out["nodes"]]
    out["links"] = [k.to_dict() for k in links]
    audit(store, caller, Event.READ, "network/path",
          {**_as_of(as_of), "from": a, "to": b, "found": out["found"],
           "ids": [n["id"] for n in out["nodes"]]},
          _consulted(links))  # fmt: skip
    return out


def expand(
    store: Store, caller: Caller, entity_id: str, hops: int = 1, as_of: date | None = None
) -> dict[str, Any]:
    """Everything within `hops` links of an entity (any of its record ids), with the links."""
    if not 1 <= hops <= MAX_HOPS:
        raise ValidationError(f"hops must be from 1 to {MAX_HOPS}", "hops")
    network = build_network(store, caller.scope, as_of)
    try:
        start = _node_of(network, entity_id)
    except NotFound:
        audit(store, caller, Event.READ, f"network/expand/{entity_id}",
              {**_as_of(as_of), "found": False})  # fmt: skip
        raise
    sub = analysis.expand(network, start, hops)
    out = {
        "id": start,
        "hops": hops,
        "truncated": sub.truncated,
        "nodes": [{**network.nodes[n].to_dict(), "hops": sub.hops[n]} for n in sub.nodes],
        "links": [k.to_dict() for k in sub.links],
    }
    audit(store, caller, Event.READ, f"network/expand/{entity_id}",
          {**_as_of(as_of), "hops": hops, "ids": sub.nodes[:200]},
          _consulted(sub.links))  # fmt: skip
    return out


def _consulted(links: list[Link]) -> Classification:
    return highest(e.classification for k in links for e in k.evidence)


def _unique(links: list[Link]) -> list[Link]:
    seen: dict[tuple[str, str, str, str | None], Link] = {}
    for k in links:
        seen.setdefault(k.key, k)
    return list(seen.values())


def _days(within: timedelta | None) -> float | None:
    return within.total_seconds() / 86400 if within is not None else None


# --- exports ------------------------------------------------------------------------------------


def facts(network: Network) -> tuple[dict[str, NodeFacts], dict[str, RoleGuess]]:
    """What the analyses say of each person: community, role, disruption score."""
    people = network.people()
    groups = analysis.communities(people)
    loss = analysis.disruption(people)
    guessed = infer_roles(network, people, groups)
    found = {
        n: NodeFacts(groups[n], guessed[n].role, guessed[n].score, loss[n].score)
        for n in people.nodes
    }
    return found, guessed


def export_network(
    store: Store, caller: Caller, fmt: str, as_of: date | None = None
) -> dict[str, bytes]:
    """The caller's network in a format their other tools read: file name → content (one
    file, or for i2 the entities, the links and the import specification)."""
    fmt = export.check_format(fmt)
    network = build_network(store, caller.scope, as_of)
    found, _ = facts(network)
    if fmt == "i2":
        files = export.i2_files(network, found)
    else:
        files = {export.FILE_NAMES[fmt]: export.WRITERS[fmt](network, found)}
    audit(store, caller, Event.READ, "network/export",
          {**_as_of(as_of), "format": fmt, "nodes": len(network.nodes),
           "links": len(network.links)},
          network.classification)  # fmt: skip
    return files


# --- roles --------------------------------------------------------------------------------------


def roles(store: Store, caller: Caller, as_of: date | None = None) -> list[RoleGuess]:
    """Every canonical person's role (behaviour and stated roles), with its evidence, by id."""
    network = build_network(store, caller.scope, as_of)
    guessed = infer_roles(network)
    rows = [guessed[n] for n in sorted(guessed)]
    audit(store, caller, Event.READ, "network/roles",
          {**_as_of(as_of), "people": len(rows),
           "ids": [r.entity_id for r in rows if r.role != "unknown"][:200]},
          network.people().classification)  # fmt: skip
    return rows


# --- timelines ----------------------------------------------------------------------------------

#: The most events a timeline holds (the earliest first); past it, it says it was cut.
MAX_EVENTS = 10_000
#: Sensor observations as a timeline names them: cameras and drones see, scanners and border
#: detections record a crossing.
_OBSERVED = {"anpr": "sighting", "sighting": "sighting", "scan": "crossing",
             "detection": "crossing"}  # fmt: skip
#: Links through which a person uses or holds a vehicle, whose sightings are theirs too.
_USES = {"operator", "owner", "Ownership", "driver"}


def _event_kind(link_kind: str) -> str:
    if link_kind == "co-mention":
        return "report"
    if link_kind == CO_TRAVEL:
        return CO_TRAVEL  # a convoy seen by the cameras, when it was seen
    schema = ftm.get(link_kind)
    if schema is not None and (schema.is_a("Event") or link_kind in ("Call", "Payment")):
        return link_kind.lower()
    return "link"


def _event(at: datetime, kind: str, entity: str, other: str | None, record_id: str,
           detail: str, classification: int) -> dict[str, Any]:  # fmt: skip
    return {"at": at.isoformat(), "kind": kind, "entity": entity, "other": other,
            "record_id": record_id, "detail": detail,
            "classification": Classification(classification).label}  # fmt: skip


def timeline(
    store: Store,
    caller: Caller,
    entity_id: str,
    as_of: date | None = None,
    community: bool = False,
) -> dict[str, Any]:
    """The dated events of an entity (with `community`, of everyone in its community): calls,
    payments, trips and other events, reports naming them, links first seen, and the sensor
    observations of their plates and phones (and of the vehicles they use). Only what the
    caller may read; as of a day, only what was known by its end."""
    network = build_network(store, caller.scope, as_of)
    target = f"timeline/{entity_id}"
    try:
        start = _node_of(network, entity_id)
    except NotFound:
        audit(store, caller, Event.READ, target, {**_as_of(as_of), "found": False})
        raise
    members = {start}
    if community and network.nodes[start].kind == PERSON:
        people = network.people()
        groups = analysis.communities(people)
        members = {n for n in people.nodes if groups[n] == groups[start]}
    events: list[dict[str, Any]] = []
    classes: list[int] = []
    vehicles: dict[str, str] = {}  # vehicle node → the member who uses it
    for link in network.links:
        for me in (link.a, link.b):
            other = link.other(me)
            if me not in members or (other in members and me != link.a):
                continue
            if link.kind in _USES and network.nodes[other].kind == "Vehicle":
                vehicles.setdefault(other, me)
            kind = _event_kind(link.kind)
            dated = [e for e in link.evidence if e.dated and e.at is not None]
            for e in dated if kind != "link" else []:
                detail = link.kind if kind != "report" else f"report {link.via}"
                if e.origin is not None:
                    detail += " from " + ("them" if e.origin == me else other)
                events.append(_event(e.at, kind, me, other, e.record_id, detail,  # type: ignore[arg-type]
                                     e.classification))  # fmt: skip
                classes.append(e.classification)
            undated = [e for e in link.evidence if e not in dated and e.at is not None]
            if kind == "report" and undated:
                first = min(undated, key=lambda e: (e.at, e.record_id))
                events.append(_event(first.at, "report", me, other, first.record_id,  # type: ignore[arg-type]
                                     f"named with {other} in {link.via}",
                                     first.classification))  # fmt: skip
                classes.append(first.classification)
            elif kind == "link" and undated:
                first = min(undated, key=lambda e: (e.at, e.record_id))
                events.append(_event(first.at, "link first seen", me, other, first.record_id,  # type: ignore[arg-type]
                                     link.kind, first.classification))  # fmt: skip
                classes.append(first.classification)
    # Reports naming a member and no one else in the network (no co-mention link says so).
    shared = {(m, k.via) for k in network.links if k.kind == "co-mention" for m in (k.a, k.b)}
    for m in sorted(members):
        for report, e in network.mentions.get(m, []):
            if (m, report) not in shared and e.at is not None:
                events.append(_event(e.at, "report", m, None, e.record_id,
                                     f"named in {report}", e.classification))  # fmt: skip
                classes.append(e.classification)
    plates = {p: m for m in sorted(members) for p in network.nodes[m].plates}
    for v, user in sorted(vehicles.items()):
        for p in network.nodes[v].plates:
            plates.setdefault(p, user)
    phones = {p: m for m in sorted(members) for p in network.nodes[m].phones}
    # A number that took over a member's (burner churn) is theirs too, as inferred.
    inferred = {s.new_phone: u for s in network.successions for u in s.old_users
                if u in members and s.new_phone not in phones}  # fmt: skip
    phones.update(inferred)
    via_plate = {p: v for v in vehicles for p in network.nodes[v].plates}
    if plates or phones:
        cutoff = end_of(as_of) if as_of is not None else None
        query = ObservationQuery(plates=tuple(sorted(plates)), phones=tuple(sorted(phones)),
                                 end=cutoff, limit=MAX_EVENTS)  # fmt: skip
        for row in store.observations(query, caller.scope):
            known = row.get("collected_at")
            if cutoff is not None and isinstance(known, datetime) and known >= cutoff:
                continue
            plate, phone = row.get("plate"), row.get("phone")
            who = plates.get(plate or "") or phones.get(phone or "") or start
            where = row.get("place") or f"{row.get('lat')},{row.get('lon')}"
            detail = f"{row['kind']} at {where}" + (f", plate {plate}" if plate else "")
            if phone in inferred and not plate:
                detail += f", phone {phone} (inferred: burner succession)"
            events.append(_event(row["observed_at"], _OBSERVED.get(row["kind"], row["kind"]),
                                 who, via_plate.get(plate or ""), str(row["id"]), detail,
                                 int(row["classification"])))  # fmt: skip
            classes.append(int(row["classification"]))
    events.sort(key=lambda e: (e["at"], e["kind"], e["entity"], e["other"] or "", e["record_id"]))
    truncated = len(events) > MAX_EVENTS
    events = events[:MAX_EVENTS]
    out = {
        "id": start,
        "community": community,
        "members": sorted(members),
        "as_of": as_of.isoformat() if as_of else None,
        "truncated": truncated,
        "events": events,
    }
    audit(store, caller, Event.READ, target,
          {**_as_of(as_of), "community": community, "ids": sorted(members)[:200],
           "events": len(events)},
          highest(classes))  # fmt: skip
    return out


# --- burner churn -------------------------------------------------------------------------------


def burners(store: Store, caller: Caller, as_of: date | None = None) -> list[Succession]:
    """Phone successions in the calls the caller may read (`corridor.network.burners`): an
    old number, the new one that took over its contacts, the score and what it rests on."""
    network = build_network(store, caller.scope, as_of)
    found = network.successions
    audit(store, caller, Event.READ, "network/burners",
          {**_as_of(as_of), "successions": len(found),
           "phones": sorted({p for s in found for p in (s.old_phone, s.new_phone)})[:200]},
          highest(s.classification for s in found))  # fmt: skip
    return found


# --- brokers ------------------------------------------------------------------------------------


def brokers(store: Store, caller: Caller, as_of: date | None = None) -> list[Broker]:
    """People bridging communities, the strongest first (`corridor.network.brokers`)."""
    people = build_network(store, caller.scope, as_of).people()
    groups = analysis.communities(people)
    found = find_brokers(people, groups, analysis.centralities(people))
    audit(store, caller, Event.READ, "network/brokers",
          {**_as_of(as_of), "brokers": len(found),
           "ids": [b.entity_id for b in found[:200]]},
          people.classification)  # fmt: skip
    return found


# --- change over time ---------------------------------------------------------------------------


def _activity(people: Network) -> dict[str, tuple[datetime, datetime]]:
    """Person → first and last time any tie of theirs was seen."""
    seen: dict[str, list[datetime]] = {}
    for link in people.links:
        first, last = link.first_seen, link.last_seen
        if first is None or last is None:
            continue
        for n in (link.a, link.b):
            span = seen.setdefault(n, [first, last])
            span[0], span[1] = min(span[0], first), max(span[1], last)
    return {n: (a, b) for n, (a, b) in seen.items()}


def _matched(before: dict[str, int], after: dict[str, int]) -> dict[int, int]:
    """Each later community → the earlier one sharing most of its members (ties: the lower)."""
    overlap: dict[int, dict[int, int]] = {}
    for n, c in after.items():
        if n in before:
            counts = overlap.setdefault(c, {})
            counts[before[n]] = counts.get(before[n], 0) + 1
    return {c: min(counts, key=lambda b: (-counts[b], b)) for c, counts in overlap.items()}


def changes(
    store: Store, caller: Caller, start: date, end: date, as_of: date | None = None
) -> dict[str, Any]:
    """What changed in the caller's network between two days: who joined (first seen after
    `start`, by the end of `end`), who left (last seen by `start`, nothing after), links that
    appeared (first seen in the window) or ended (last seen by `start` while both people were
    seen after), and people whose community changed (the network as known at each day; the
    later communities matched to the earlier by most members). `as_of` caps what is known
    (default: `end`)."""
    if end < start:
        raise ValidationError("the window ends before it starts", "to")
    known = min(end, as_of) if as_of is not None else end
    before = build_network(store, caller.scope, min(start, known)).people()
    after = build_network(store, caller.scope, known).people()
    lo, hi = end_of(start), end_of(end)
    active = _activity(after)
    rows: list[dict[str, Any]] = []

    def row(change: str, entity: str, at: datetime | None, **more: Any) -> None:
        rows.append({"change": change, "entity_id": entity, "other_id": None, "kind": None,
                     "at": at.isoformat() if at else None, "detail": "",
                     "record_ids": after.nodes[entity].record_ids, "from_community": None,
                     "to_community": None, **more})  # fmt: skip

    for n, (first, last) in sorted(active.items()):
        if lo <= first < hi:
            row("joined", n, first, detail=after.nodes[n].label)
        elif last < lo:
            row("left", n, last, detail=after.nodes[n].label)
    for k in sorted(after.links, key=lambda k: (*k.key[:3], k.via or "")):
        began, ended = k.first_seen, k.last_seen
        if began is None or ended is None:
            continue
        tie = {"other_id": k.b, "kind": k.kind, "detail": k.via or "",
               "record_ids": sorted({e.record_id for e in k.evidence})[:50]}  # fmt: skip
        if lo <= began < hi:
            row("link appeared", k.a, began, **tie)
        elif ended < lo and all(active[n][1] >= lo for n in (k.a, k.b)):
            row("link ended", k.a, ended, **tie)
    was, now = analysis.communities(before), analysis.communities(after)
    match = _matched(was, now)
    for n in sorted(now):
        if n in was and match.get(now[n]) != was[n]:
            row("moved", n, None, from_community=was[n], to_community=now[n],
                detail=f"community {was[n]} as of {start.isoformat()} → {now[n]} as of "
                f"{known.isoformat()}")  # fmt: skip
    order = {"joined": 0, "left": 1, "link appeared": 2, "link ended": 3, "moved": 4}
    rows.sort(key=lambda r: (order[r["change"]], r["entity_id"], r["other_id"] or "",
                             r["kind"] or "", r["detail"]))  # fmt: skip
    counts = {c: sum(1 for r in rows if r["change"] == c) for c in order}
    audit(store, caller, Event.READ, "network/changes",
          {**_as_of(as_of), "from": start.isoformat(), "to": end.isoformat(), **counts},
          highest([before.classification, after.classification]))  # fmt: skip
    return {"from": start.isoformat(), "to": end.isoformat(),
            "as_of": as_of.isoformat() if as_of else None, "counts": counts,
            "changes": rows}  # fmt: skip
