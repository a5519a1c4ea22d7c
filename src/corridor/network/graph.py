"""The network as one reader sees it: canonical entities as nodes, typed links with evidence.

A `Network` holds every node (people, organisations, vehicles, accounts, after resolution) and
every link between two of them, one per pair and kind. Analyses of who to take out run on
people: `people()` folds the other nodes into links between the people they join (two owners
of one van, two members of one group, two people paying into one account), weighted as Newman
weights co-authorship (each of the k people around an affiliation gets 1/(k − 1) of it with
each other), so that a group of fifty does not outweigh a call between two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from corridor.model.classification import Classification, highest
from corridor.network.burners import Succession
from corridor.network.evidence import Evidence, combined_weight

PERSON = "Person"
#: The kind of link between two vehicles the ANPR cameras saw travelling together.
CO_TRAVEL = "co-travel"
#: Links between two non-person nodes that join the people around them in `Network.people`
#: (two vehicles travelling together join their drivers).
THROUGH = frozenset({CO_TRAVEL})


@dataclass(slots=True)
class Node:
    """A canonical entity: its id (the least of its records' ids), kind and records."""

    id: str
    kind: str
    schema: str
    record_ids: list[str]
    label: str
    #: The categories of person its records were given (suspect, victim, witness, contact, …).
    categories: list[str] = field(default_factory=list)
    #: Its records' plates and phone numbers, normalised: what finds its sensor observations.
    plates: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "schema": self.schema,
            "label": self.label,
            "record_ids": list(self.record_ids),
            "categories": list(self.categories),
        }


@dataclass(slots=True)
class Link:
    """A tie of one kind between two nodes (`a` < `b`), with everything behind it.

    `scale` is below 1 for ties through a shared affiliation (a report naming k people, a phone
    on k records, a group of k members): 1/(k − 1). `via` names the node or key shared."""

    a: str
    b: str
    kind: str
    evidence: list[Evidence] = field(default_factory=list)
    scale: float = 1.0
    via: str | None = None
    weight: float = 0.0

    @property
    def key(self) -> tuple[str, str, str, str | None]:
        return (self.a, self.b, self.kind, self.via)

    @property
    def first_seen(self) -> datetime | None:
        return min((e.at for e in self.evidence if e.at is not None), default=None)

    @property
    def last_seen(self) -> datetime | None:
        return max((e.at for e in self.evidence if e.at is not None), default=None)

    @property
    def classification(self) -> Classification:
        return highest(e.classification for e in self.evidence)

    @property
    def inferred(self) -> bool:
        """Whether all it rests on is inferred (a burner succession), none of it recorded."""
        return bool(self.evidence) and all(e.inferred for e in self.evidence)

    def weigh(self, reference: datetime | None) -> None:
        self.weight = self.scale * combined_weight(self.evidence, reference)

    def other(self, node_id: str) -> str:
        return self.b if node_id == self.a else self.a

    def to_dict(self) -> dict[str, Any]:
        first, last = self.first_seen, self.last_seen
        return {
            "a": self.a,
            "b": self.b,
            "kind": self.kind,
            "via": self.via,
            "weight": round(self.weight, 6),
            "first_seen": first.isoformat() if first else None,
            "last_seen": last.isoformat() if last else None,
            "classification": self.classification.label,
            "inferred": self.inferred,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class Statement:
    """What one record says of its parties in words (a membership's `role`, an associate's
    `relationship`): the text as written, the parties (`source` the member or first person,
    `target` the organisation or second), and the evidence item it rests on. Free text about
    one person (`NOTED`: a report item's words, `target` the report; a person record's notes,
    `target` the person) is about `source` alone. Kept beside the links, not as one: it is what
    roles read (`corridor.network.roles`)."""

    schema: str
    prop: str
    value: str
    source: str
    target: str
    evidence: Evidence


#: Free-text properties a statement may come from (a report item's Note, a person record's
#: notes): the statement is about its `source` alone.
NOTED = ("notes", "description")


@dataclass(slots=True)
class Network:
    """Nodes and links, as built for one reader (`corridor.network.build`)."""

    nodes: dict[str, Node]
    links: list[Link]
    #: The time recency is measured from: the as-of date, else the latest evidence seen.
    reference: datetime | None = None
    #: Record id → node id, for every record that is part of a node.
    node_of: dict[str, str] = field(default_factory=dict)
    #: Phone successions found in the calls (burner churn), which attributed calls or linked
    #: their users (`corridor.network.burners`).
    successions: list[Succession] = field(default_factory=list)
    #: Node → (report, evidence) for every report that mentions it, alone or with others
    #: (co-mentions are links; a report naming one entity alone is only on its timeline).
    mentions: dict[str, list[tuple[str, Evidence]]] = field(default_factory=dict)
    #: Roles and relationships the records state in words, as this reader may read them.
    statements: list[Statement] = field(default_factory=list)
    #: The network this one was folded from (`people()`): what roles read behaviour from.
    whole: Network | None = None

    def __post_init__(self) -> None:
        if not self.node_of:
            self.node_of = {r: n.id for n in self.nodes.values() for r in n.record_ids}

    def weigh(self) -> None:
        for link in self.links:
            link.weigh(self.reference)

    def adjacency(self) -> dict[str, list[Link]]:
        out: dict[str, list[Link]] = defaultdict(list)
        for link in self.links:
            out[link.a].append(link)
            out[link.b].append(link)
        return out

    def pair_weights(self) -> dict[tuple[str, str], float]:
        """One weight per linked pair: its links' weights combined by noisy-OR."""
        miss: dict[tuple[str, str], float] = {}
        for link in self.links:
            pair = (link.a, link.b)
            miss[pair] = miss.get(pair, 1.0) * (1.0 - min(link.weight, 0.999999))
        return {p: 1.0 - m for p, m in sorted(miss.items()) if m < 1.0}

    def evidence(self) -> Iterator[Evidence]:
        for link in self.links:
            yield from link.evidence

    @property
    def classification(self) -> Classification:
        """The highest classification of anything it rests on (what reading it consulted)."""
        return highest(e.classification for e in self.evidence())

    def people(self) -> Network:
        """People only: person–person links as they are, and every other node folded into
        links between the people around it (with the evidence of both ties)."""
        persons = {i: n for i, n in self.nodes.items() if n.kind == PERSON}
        links = [k for k in self.links if k.a in persons and k.b in persons]
        around: dict[str, dict[str, list[Link]]] = defaultdict(lambda: defaultdict(list))
        for link in self.links:
            for mid, end in ((link.a, link.b), (link.b, link.a)):
                if mid not in persons and end in persons:
                    around[mid][end].append(link)
        for mid in sorted(around):
            ends = around[mid]
            if len(ends) < 2:
                continue
            strength = {p: _noisy_or(k.weight for k in ties) for p, ties in ends.items()}
            scale = 1.0 / (len(ends) - 1)
            members = sorted(ends)
            for i, p in enumerate(members):
                for q in members[i + 1 :]:
                    evidence = [e for k in ends[p] + ends[q] for e in k.evidence]
                    link = Link(p, q, f"shared {self.nodes[mid].kind}", evidence, scale, mid)
                    link.weight = scale * min(strength[p], strength[q])
                    links.append(link)
        links.extend(self._through_pairs(persons, around))
        return Network(dict(persons), links, self.reference, statements=self.statements, whole=self)

    def _through_pairs(
        self, persons: dict[str, Node], around: dict[str, dict[str, list[Link]]]
    ) -> list[Link]:
        """Links between the people around two linked non-person nodes of a kind that joins
        their users (`THROUGH`: two vehicles seen travelling together link their drivers): the
        evidence of all three ties, weighed by the weakest, shared out as an affiliation's."""
        out = []
        for link in self.links:
            if link.kind not in THROUGH or link.a in persons or link.b in persons:
                continue
            left, right = around.get(link.a, {}), around.get(link.b, {})
            if not left or not right:
                continue
            scale = 1.0 / max(len(left), len(right))
            strength = {m: {p: _noisy_or(k.weight for k in ties) for p, ties in ends.items()}
                        for m, ends in ((link.a, left), (link.b, right))}  # fmt: skip
            for p in sorted(left):
                for q in sorted(right):
                    if p == q:
                        continue
                    a, b = min(p, q), max(p, q)
                    evidence = [e for k in (*left[p], link, *right[q]) for e in k.evidence]
                    joined = Link(a, b, link.kind, evidence, scale, f"{link.a}~{link.b}")
                    joined.weight = scale * min(strength[link.a][p], link.weight,
                                                strength[link.b][q])  # fmt: skip
                    out.append(joined)
        return out

    def summary(self) -> dict[str, Any]:
        kinds: dict[str, int] = defaultdict(int)
        for n in self.nodes.values():
            kinds[n.kind] += 1
        links: dict[str, int] = defaultdict(int)
        for k in self.links:
            links[k.kind] += 1
        return {
            "nodes": len(self.nodes),
            "links": len(self.links),
            "nodes_by_kind": dict(sorted(kinds.items())),
            "links_by_kind": dict(sorted(links.items())),
            "evidence_items": len({e.record_id for e in self.evidence()}),
            "reference": self.reference.isoformat() if self.reference else None,
        }


def _noisy_or(weights: Iterable[float]) -> float:
    miss = 1.0
    for w in weights:
        miss *= 1.0 - w
    return 1.0 - miss
