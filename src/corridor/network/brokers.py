"""Brokers: the people who bridge communities (a hawala banker settling for two networks, a
driver lent from one group to another, a fixer who knows both sides of a border).

A broker is measured by two things, multiplied:

- the participation coefficient (Guimerà and Amaral) over communities: 1 − Σ_c (s_c / s)², where
  s_c is the weight of its links into community c (its own included) and s all its weight. It
  is 0 for someone whose ties all stay in one community and grows as they spread evenly over
  several;
- betweenness (lengths 1 / weight), as a share of the network's highest: spreading ties over
  communities matters most where the shortest routes between them run through the person.

Only people with ties into at least two communities are brokers; each is reported with the
communities they bridge (the share of their weight in each) and the records of the ties that
leave their own community.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from corridor.model.classification import Classification, highest
from corridor.network.analysis import Centrality
from corridor.network.graph import Link, Network

#: The most evidence records reported per broker (the strongest ties first).
MAX_RECORDS = 50


@dataclass(frozen=True, slots=True)
class Broker:
    """One person bridging communities, with what the score rests on."""

    entity_id: str
    score: float
    participation: float
    betweenness: float
    community: int
    #: Community → the share of the person's link weight going into it (own one included).
    communities: dict[int, float]
    record_ids: list[str]
    label: str
    #: Records of the ties into other communities (at most `MAX_RECORDS`).
    evidence: list[str]
    classification: Classification

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "score": round(self.score, 6),
            "label": self.label,
            "record_ids": self.record_ids,
            "community": self.community,
            "communities": [
                {"community": c, "share": round(s, 6)} for c, s in sorted(self.communities.items())
            ],
            "participation": round(self.participation, 6),
            "betweenness": round(self.betweenness, 6),
            "evidence": self.evidence,
        }


def brokers(
    people: Network, groups: dict[str, int], centrality: dict[str, Centrality]
) -> list[Broker]:
    """People tied into two communities or more, the strongest brokers first (ties by id)."""
    pairs = people.pair_weights()
    by_pair: dict[tuple[str, str], list[Link]] = defaultdict(list)
    for link in people.links:
        by_pair[(link.a, link.b)].append(link)
    weight: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    outside: dict[str, list[tuple[float, Link]]] = defaultdict(list)
    for (a, b), w in pairs.items():
        for me, other in ((a, b), (b, a)):
            weight[me][groups[other]] += w
            if groups[other] != groups[me]:
                outside[me].extend((w, k) for k in by_pair[(a, b)])
    top = max((c.betweenness for c in centrality.values()), default=0.0) or 1.0
    found = []
    for node_id, into in weight.items():
        if len(into) < 2:
            continue
        total = sum(into.values())
        shares = {c: s / total for c, s in into.items()}
        participation = 1.0 - sum(s * s for s in shares.values())
        between = centrality[node_id].betweenness / top
        ties = sorted(outside[node_id], key=lambda t: (-t[0], t[1].a, t[1].b, t[1].kind))
        records = list(dict.fromkeys(e.record_id for _, k in ties for e in k.evidence))
        node = people.nodes[node_id]
        found.append(Broker(
            node_id, participation * between, participation, between, groups[node_id], shares,
            list(node.record_ids), node.label, records[:MAX_RECORDS],
            highest(e.classification for _, k in ties for e in k.evidence),
        ))  # fmt: skip
    found.sort(key=lambda b: (-b.score, -b.participation, b.entity_id))
    return found
