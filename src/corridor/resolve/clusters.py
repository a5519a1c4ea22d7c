"""Clusters from scored pairs and analysts' judgements.

Splink's connected components know nothing of judgements, and an analyst's "these two are not
the same person" must hold even when a chain of likely links joins them. So clustering here is
connected components built greedily, strongest evidence first, refusing any union that would
put a judged-different pair in one cluster (a union-find with cannot-link constraints; no
maintained library offers the constraint). Positive judgements are links of certainty 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass
class _Sets:
    parent: dict[str, str] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)
    apart: dict[str, set[str]] = field(default_factory=dict)  # root → roots it must not join

    def add(self, item: str) -> None:
        if item not in self.parent:
            self.parent[item] = item
            self.members[item] = {item}
            self.apart[item] = set()

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str, conflict: Callable[[str, str], bool] | None = None) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if rb in self.apart[ra]:
            return False
        if conflict is not None and any(
            conflict(x, y) for x in self.members[ra] for y in self.members[rb]
        ):
            self.separate(ra, rb)
            return False
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)
        merged_apart = self.apart[ra] | self.apart.pop(rb)
        self.apart[ra] = merged_apart
        for other in merged_apart:  # keep the constraint symmetric under the new root
            self.apart[other].discard(rb)
            self.apart[other].add(ra)
        return True

    def separate(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        self.apart[ra].add(rb)
        self.apart[rb].add(ra)


def cluster(
    records: Iterable[str],
    links: Iterable[tuple[str, str, float]],
    threshold: float,
    same: Iterable[tuple[str, str]] = (),
    different: Iterable[tuple[str, str]] = (),
    conflict: Callable[[str, str], bool] | None = None,
) -> dict[str, str]:
    """Map every record to its cluster id (the smallest record id in the cluster).

    `links` are (left, right, probability); those at or above `threshold` join clusters,
    strongest first. `same` pairs always join; `different` pairs never end in one cluster.
    A judgement of "same" that contradicts a judgement of "different" loses: keeping apart is
    the safe side when intelligence about two people could be wrongly merged. `conflict` says
    which two records can never be one entity (two firms of incompatible legal forms): a link
    that would put such records in one cluster is refused, as a judgement would refuse it.
    """
    sets = _Sets()
    for record in records:
        sets.add(record)
    different = list(different)
    for a, b in different:
        sets.add(a)
        sets.add(b)
        if sets.find(a) != sets.find(b):
            sets.separate(a, b)
    for a, b in same:
        sets.add(a)
        sets.add(b)
        sets.union(a, b)
    strong = sorted(
        ((p, a, b) for a, b, p in links if p >= threshold), key=lambda t: (-t[0], t[1], t[2])
    )
    for _, a, b in strong:
        sets.add(a)
        sets.add(b)
        sets.union(a, b, conflict)
    out: dict[str, str] = {}
    for root, members in sets.members.items():
        del root
        cluster_id = min(members)
        for member in members:
            out[member] = cluster_id
    return out


def cluster_cohesive(
    records: Iterable[str],
    links: Iterable[tuple[str, str, float]],
    threshold: float,
    cohesion: float = 0.5,
) -> dict[str, str]:
    """Clusters that one weak link cannot chain together.

    Connected components join two clusters of ten records each on a single link between
    them, and on a table where thousands share a name, one such link between two John Smiths
    makes twenty records one person. Here links at or above `threshold` are taken strongest
    first, and two clusters of more than one record join only when at least `cohesion` of
    the smaller one's records have a link to the other. A record on its own joins on one link.
    Links refused once are tried again after the clusters have grown, until nothing changes.
    (Written here: no maintained library clusters with this rule on pairs Splink has scored.)
    """
    sets = _Sets()
    for record in records:
        sets.add(record)
    strong = sorted(
        ((p, a, b) for a, b, p in links if p >= threshold), key=lambda t: (-t[0], t[1], t[2])
    )
    neighbours: dict[str, set[str]] = {}
    for _, a, b in strong:
        for x, y in ((a, b), (b, a)):
            if x not in neighbours:
                neighbours[x] = set()
                if x not in sets.parent:
                    sets.add(x)
            neighbours[x].add(y)
    pending = strong
    for _ in range(4):
        refused = []
        for p, a, b in pending:
            ra, rb = sets.find(a), sets.find(b)
            if ra == rb:
                continue
            small, large = (ra, rb) if len(sets.members[ra]) <= len(sets.members[rb]) else (rb, ra)
            members = sets.members[small]
            if len(members) > 1:
                linked = sum(
                    1 for m in members if any(sets.find(n) == large for n in neighbours[m])
                )
                if linked < cohesion * len(members):
                    refused.append((p, a, b))
                    continue
            sets.union(a, b)
        if len(refused) == len(pending):
            break
        pending = refused
    out: dict[str, str] = {}
    for members in sets.members.values():
        cluster_id = min(members)
        for member in members:
            out[member] = cluster_id
    return out
