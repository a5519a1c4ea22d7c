"""Networks as a service: what the API and the command line call, each read audited.

Every call builds the network from what the caller may read, as of the day they ask about
(`corridor.network.build`): nothing is shared between callers, so a link one of them may not
see cannot move a weight, a community or a rank shown to another. Each call is logged as one
read, marked with the highest classification of the evidence it rested on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from corridor.access.caller import Caller
from corridor.audit import Event, audit
from corridor.errors import NotFound, ValidationError
from corridor.model.classification import Classification, highest
from corridor.network import analysis
from corridor.network.build import build_network
from corridor.network.graph import Link, Network
from corridor.store.base import Store

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
            },
        }


def rank(
    store: Store, caller: Caller, as_of: date | None = None, limit: int | None = None
) -> list[RankRow]:
    """Canonical people, the most disruptive to take out first (`analysis.disruption`)."""
    people = build_network(store, caller.scope, as_of).people()
    ranked = analysis.rank(people)
    rows = [
        RankRow(
            r.node_id, r.disruption.score, r.record_ids, r.label,
            people.nodes[r.node_id].categories, r.disruption.reach, r.disruption.bridging,
            r.centrality.degree, r.centrality.betweenness, r.centrality.pagerank, r.community,
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
