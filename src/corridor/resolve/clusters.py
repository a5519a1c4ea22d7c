"""Clusters from scored pairs and analysts' judgements.

Splink's connected components know nothing of judgements, and an analyst's "these two are not
the same person" must hold even when a chain of likely links joins them. So clustering here is
connected components built greedily, strongest evidence first, refusing any union that would
put a judged-different pair in one cluster (a union-find with cannot-link constraints; no
maintained library offers the constraint). Positive judgements are links of certainty 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TypeAlias

import pyarrow as pa
import pyarrow.compute as pc


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
    # Records as integers, in the order given, so that ties break the same way every run.
    index: dict[str, int] = {}
    for record in records:
        index.setdefault(record, len(index))
    left, right, probability = [], [], []
    for a, b, p in links:
        if p >= threshold:
            left.append(index.setdefault(a, len(index)))
            right.append(index.setdefault(b, len(index)))
            probability.append(p)
    groups = cohesive_components(len(index), left, right, probability, threshold, cohesion)
    names = list(index)
    members: dict[int, list[str]] = {}
    for i, group in enumerate(groups):
        members.setdefault(group, []).append(names[i])
    out: dict[str, str] = {}
    for group_members in members.values():
        cluster_id = min(group_members)
        for member in group_members:
            out[member] = cluster_id
    return out


#: A column of numbers: a Python sequence, or an Arrow array as Splink's results come.
Column: TypeAlias = Sequence[int] | Sequence[float] | pa.Array | pa.ChunkedArray


def _arrow(values: Column, kind: pa.DataType) -> pa.Array | pa.ChunkedArray:
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values.cast(kind)
    return pa.array(values, kind)


def cohesive_components(
    n: int,
    left: Column,
    right: Column,
    probability: Column,
    threshold: float,
    cohesion: float = 0.5,
) -> list[int]:
    """`cluster_cohesive` on records numbered 0 to n - 1, links given as three columns:
    each record's cluster, as the number of one of its records.

    Integers and lists throughout: this runs over every pair above the threshold, hundreds
    of thousands on a register of fifty thousand records. Ties in probability break by the
    records' numbers."""
    # Strongest first, ties by the records' numbers: sorted by Arrow, not as Python tuples.
    left, right = _arrow(left, pa.int64()), _arrow(right, pa.int64())
    edges = pa.table(
        {
            "p": _arrow(probability, pa.float64()),
            "a": pc.min_element_wise(left, right),
            "b": pc.max_element_wise(left, right),
        }
    )
    edges = edges.filter(
        pc.and_(pc.greater_equal(edges["p"], threshold), pc.not_equal(edges["a"], edges["b"]))
    )
    order = pc.sort_indices(
        edges, sort_keys=[("p", "descending"), ("a", "ascending"), ("b", "ascending")]
    )
    edges = edges.take(order)
    first, second = edges["a"].to_pylist(), edges["b"].to_pylist()
    # Each record's neighbours, one flat list (records' links sorted by record), not a list
    # per record: fewer Python objects to build and for the garbage collector to walk.
    ends = pa.chunked_array(edges["a"].chunks + edges["b"].chunks)
    others = pa.chunked_array(edges["b"].chunks + edges["a"].chunks)
    by_record = pc.sort_indices(ends)
    neighbour = others.take(by_record).to_pylist()
    counts = pc.value_counts(ends)
    start = [0] * (n + 1)
    for record, count in zip(
        counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True
    ):
        start[record + 1] = count
    start = list(accumulate(start))
    # Quick-find: every record points at its cluster's root, the smaller cluster relabelled.
    root = list(range(n))
    members: dict[int, list[int]] = {}  # root → records, for clusters of more than one

    pending = (first, second)
    for _ in range(4):
        refused: tuple[list[int], list[int]] = ([], [])
        for a, b in zip(*pending, strict=True):
            ra, rb = root[a], root[b]
            if ra == rb:
                continue
            group_a, group_b = members.get(ra), members.get(rb)
            if group_a is not None and (group_b is None or len(group_a) > len(group_b)):
                small, large, group = rb, ra, group_b
            else:
                small, large, group = ra, rb, group_a
            if group is not None:
                linked = sum(
                    1
                    for m in group
                    if any(root[x] == large for x in neighbour[start[m] : start[m + 1]])
                )
                if linked < cohesion * len(group):
                    refused[0].append(a)
                    refused[1].append(b)
                    continue
            else:
                group = [small]
            for m in group:
                root[m] = large
            members.setdefault(large, [large]).extend(group)
            members.pop(small, None)
        if len(refused[0]) == len(pending[0]):
            break
        pending = refused
    return root
