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
    # Records as integers (in the order given, so that ties break the same way every run),
    # a union-find over lists: this runs over every pair above the threshold, hundreds of
    # thousands on a register of fifty thousand records.
    index: dict[str, int] = {}
    for record in records:
        index.setdefault(record, len(index))
    strong: list[tuple[float, int, int]] = []
    for a, b, p in links:
        if p >= threshold:
            ia, ib = index.setdefault(a, len(index)), index.setdefault(b, len(index))
            strong.append((-p, ia, ib) if ia < ib else (-p, ib, ia))
    strong.sort()
    n = len(index)
    parent = list(range(n))
    members: list[list[int]] = [[i] for i in range(n)]
    neighbours: dict[int, list[int]] = {}
    for _, left, right in strong:
        neighbours.setdefault(left, []).append(right)
        neighbours.setdefault(right, []).append(left)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pending = strong
    for _ in range(4):
        refused = []
        for edge in pending:
            ra, rb = find(edge[1]), find(edge[2])
            if ra == rb:
                continue
            small, large = (ra, rb) if len(members[ra]) <= len(members[rb]) else (rb, ra)
            group = members[small]
            if len(group) > 1:
                linked = sum(1 for m in group if any(find(x) == large for x in neighbours[m]))
                if linked < cohesion * len(group):
                    refused.append(edge)
                    continue
            parent[small] = large
            members[large].extend(group)
            members[small] = []
        if len(refused) == len(pending):
            break
        pending = refused
    names = list(index)
    out: dict[str, str] = {}
    for group in members:
        if group:
            cluster_id = min(names[i] for i in group)
            for i in group:
                out[names[i]] = cluster_id
    return out
