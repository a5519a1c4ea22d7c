"""Analyses of a `Network`: communities, centralities, key players, neighbourhoods and paths.

igraph does the graph work (in C) and leidenalg the communities; every result is deterministic:
vertices are taken in id order, Leiden runs with a fixed seed, and ties are broken by id.

A link's weight (in (0, 1], `corridor.network.evidence`) is its strength; where an algorithm
wants lengths (betweenness, shortest paths, efficiency) a link is as long as 1 / weight, so a
well-evidenced tie is a short one.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from itertools import pairwise
from typing import Any

import igraph as ig
import leidenalg
import numpy as np

from corridor.network.evidence import Evidence
from corridor.network.graph import Link, Network

#: Leiden's seed: the same network gives the same communities, run after run.
SEED = 42
#: The disruption ranking removes each node in turn and measures the network again; past this
#: many people only the most central (by betweenness, then strength) are removed in full, the
#: others are scored by the reach they take with them alone (a lower bound of the full score).
MAX_REMOVALS = 300


#: Past this many weighted pairs communities come from igraph's own Leiden (C, the same
#: modularity at the same resolution) rather than leidenalg's, which is many times slower there
#: (about 150 s against 4 s on a million pairs); below it the results are leidenalg's, as ever.
LEIDENALG_MAX_EDGES = 50_000
#: Past this many pairs the igraph graph keeps no weights, lengths or names as attributes:
#: igraph holds them as Python lists, and twenty million floats make every full garbage
#: collection of the process walk them (~100 ms a time, seen as the slowest queries).
ATTRIBUTES_MAX_EDGES = 1_000_000
#: igraph's Leiden runs this many iterations (its default): on ten million pairs, iterating
#: until nothing moves took over four minutes on two cores, two take under one.
LARGE_LEIDEN_ITERATIONS = 2
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NO_TIME = int(np.iinfo(np.int64).max) - 1  # "no horizon"; one more still fits int64


def _micros(at: datetime) -> int:
    """A time as whole microseconds since the epoch (naive times read as UTC)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return (aware - _EPOCH) // timedelta(microseconds=1)


@dataclass(frozen=True, slots=True, eq=False)
class Contacts:
    """Dated contacts in one global order (time, then ends, kind, record), and per vertex its
    own in that order: what a time-respecting search scans, a vertex at a time."""

    at: np.ndarray  # int64 µs since the epoch, per contact, ascending
    edge: np.ndarray  # int64: the pair each contact is on
    offsets: np.ndarray  # int64, n + 1: vertex v's contacts are [offsets[v], offsets[v + 1])
    vertex_at: np.ndarray  # int64 µs, per (vertex, contact)
    other: np.ndarray  # int64: the other end
    contact: np.ndarray  # int64: the contact's place in the global order
    #: Per contact, the link and record it comes from and its own time (None: built from arrays).
    items: list[tuple[int, str, datetime]] | None


@dataclass(eq=False)
class Graph:
    """A network's linked pairs as arrays, vertices in id order: what every analysis runs on.

    Built from a `Network` (`of`) or straight from arrays (`from_arrays`, for networks too
    large to hold as `Link` objects). Pairs are sorted; a CSR adjacency (neighbours in id
    order) serves neighbourhoods and paths, per-vertex time-ordered contacts serve
    time-respecting paths, and the igraph graph (pairs of positive weight, in the same order)
    communities and centralities; each is built on first use."""

    ids: list[str]
    a: np.ndarray  # int64 vertex index per pair, a < b
    b: np.ndarray
    weight: np.ndarray  # float64 per pair (0: linked, but with nothing to weigh)
    #: Per pair, the indices of the network's links between its ends (None: from arrays).
    pair_links: list[list[int]] | None = None
    links: list[Link] | None = None
    #: Per pair (from arrays): first and last seen, µs since the epoch (the dated contacts).
    first_seen: np.ndarray | None = None
    last_seen: np.ndarray | None = None
    kind: str = "Associate"
    _contact_items: list[tuple[int, int, int, str, str, int, datetime]] | None = None

    @cached_property
    def index(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.ids)}

    @classmethod
    def of(cls, network: Network) -> Graph:
        ids = sorted(network.nodes)
        index = {n: i for i, n in enumerate(ids)}
        by_pair: dict[tuple[int, int], list[int]] = defaultdict(list)
        items: list[tuple[int, int, int, str, str, int, datetime]] = []
        for k, link in enumerate(network.links):
            pair = (index[link.a], index[link.b])
            by_pair[pair].append(k)
            for e in link.evidence:
                if e.dated and e.at is not None:
                    items.append((_micros(e.at), *pair, link.kind, e.record_id, k, e.at))
        pairs = sorted(by_pair)
        weights = network.pair_weights()
        return cls(
            ids,
            np.array([p[0] for p in pairs], dtype=np.int64),
            np.array([p[1] for p in pairs], dtype=np.int64),
            np.array([weights.get((ids[x], ids[y]), 0.0) for x, y in pairs], dtype=np.float64),
            [by_pair[p] for p in pairs],
            network.links,
            _contact_items=items,
        )

    @classmethod
    def from_arrays(
        cls,
        ids: list[str],
        a: np.ndarray,
        b: np.ndarray,
        weight: np.ndarray,
        first_seen: np.ndarray | None = None,
        last_seen: np.ndarray | None = None,
        kind: str = "Associate",
    ) -> Graph:
        """A graph of `len(ids)` vertices (ids sorted) and one pair per (a[i], b[i]) (vertex
        indices, either way round, no pair twice) of weight in (0, 1]; `first_seen` and
        `last_seen` are the pairs' first and last contacts, in seconds since the epoch (UTC)."""
        x, y = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        a, b = np.minimum(x, y), np.maximum(x, y)
        order = np.lexsort((b, a))
        times = [None if t is None else np.asarray(t, dtype=np.int64)[order] * 1_000_000
                 for t in (first_seen, last_seen)]  # fmt: skip
        return cls(list(ids), a[order], b[order], np.asarray(weight, dtype=np.float64)[order],
                   first_seen=times[0], last_seen=times[1], kind=kind)  # fmt: skip

    # -- the structures each query needs, built once --------------------------------------

    @cached_property
    def graph(self) -> ig.Graph:
        positive = self.weight > 0
        g = ig.Graph(n=len(self.ids), directed=False)
        g.add_edges(np.column_stack([self.a[positive], self.b[positive]]))  # faster than edges=…
        if g.ecount() <= ATTRIBUTES_MAX_EDGES:
            w = self.weight[positive]
            g.es["weight"] = w
            g.es["distance"] = 1.0 / w
            g.vs["name"] = self.ids
        return g

    def weights(self, lengths: bool = False) -> list[float] | None:
        """The igraph graph's edge weights (or lengths, 1 / weight), None when it has none:
        passed to each algorithm rather than kept on the graph past `ATTRIBUTES_MAX_EDGES`."""
        w = self.weight[self.weight > 0]
        if not len(w):
            return None
        return list((1.0 / w if lengths else w).tolist())

    @cached_property
    def adjacency(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR: offsets, neighbours (ascending within a vertex) and the pair of each entry."""
        n, m = len(self.ids), len(self.a)
        ends = np.concatenate([self.a, self.b])
        others = np.concatenate([self.b, self.a])
        order = np.argsort(ends * max(n, 1) + others)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(ends, minlength=n), out=offsets[1:])
        pairs = np.concatenate([np.arange(m), np.arange(m)])[order]
        return offsets, others[order], pairs

    @cached_property
    def lengths(self) -> np.ndarray:
        """Per CSR entry, its pair's length (1 / weight; infinite for an unweighed pair)."""
        w = self.weight[self.adjacency[2]]
        with np.errstate(divide="ignore"):
            return np.where(w > 0, 1.0 / w, np.inf)

    @cached_property
    def contacts(self) -> Contacts:
        items: list[tuple[int, str, datetime]] | None = None
        if self._contact_items is not None:
            rows = sorted(self._contact_items, key=lambda c: c[:5])
            at = np.array([r[0] for r in rows], dtype=np.int64)
            x = np.array([r[1] for r in rows], dtype=np.int64)
            y = np.array([r[2] for r in rows], dtype=np.int64)
            edge = self._edges_between(x, y)
            items = [(r[5], r[4], r[6]) for r in rows]
        elif self.first_seen is not None:
            last = self.last_seen if self.last_seen is not None else self.first_seen
            # Each pair's first contact, then its last where later, in pair order; a stable
            # sort by time then leaves ties in pair order, which is (a, b) order.
            keep = np.column_stack([np.ones(len(last), dtype=bool), last != self.first_seen])
            at = np.column_stack([self.first_seen, last])[keep]
            edge = np.repeat(np.arange(len(self.a)), 2)[keep.ravel()]
            order = np.argsort(at, kind="stable")
            at, edge = at[order], edge[order]
            x, y = self.a[edge], self.b[edge]
        else:
            at = edge = x = y = np.zeros(0, dtype=np.int64)
        n, count = len(self.ids), len(at)
        ends = np.concatenate([x, y])
        serial = np.concatenate([np.arange(count), np.arange(count)])
        order = np.argsort(ends * max(count, 1) + serial)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(ends, minlength=n), out=offsets[1:])
        contact = serial[order]
        return Contacts(at, edge, offsets, at[contact], np.concatenate([y, x])[order], contact,
                        items)  # fmt: skip

    def _edges_between(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The pair index of each (x, y) (linked)."""
        pairs = [self.pair_of(u, v) for u, v in zip(x.tolist(), y.tolist(), strict=True)]
        return np.array(pairs, dtype=np.int64)

    # -- from pairs back to links ---------------------------------------------------------

    def links_of(self, edges: Iterable[int]) -> list[Link]:
        """The links behind some pairs, in the network's order (made up, one per pair, from
        their weight and first and last contact, when built from arrays)."""
        if self.pair_links is not None and self.links is not None:
            found = sorted({k for e in edges for k in self.pair_links[e]})
            return [self.links[k] for k in found]
        chosen = np.array(sorted(set(edges)), dtype=np.int64)
        return [self._made_link(*row) for row in zip(*self._rows(chosen), strict=True)]

    def _rows(self, chosen: np.ndarray) -> list[list[Any]]:
        """Per chosen pair: index, ends, weight, first and last contact (plain Python values,
        read from the arrays at once: a neighbourhood can have thousands of links)."""
        first = self.first_seen[chosen].tolist() if self.first_seen is not None else None
        last = self.last_seen[chosen].tolist() if self.last_seen is not None else first
        none = [None] * len(chosen)
        return [chosen.tolist(), self.a[chosen].tolist(), self.b[chosen].tolist(),
                self.weight[chosen].tolist(), first or none, last or none]  # fmt: skip

    def _made_link(
        self, e: int, x: int, y: int, weight: float, first: int | None, last: int | None
    ) -> Link:
        evidence = []
        for i, t in enumerate(sorted({t for t in (first, last) if t is not None})):
            at = _EPOCH + timedelta(microseconds=t)
            evidence.append(Evidence(f"pair-{e}-{i}", (), "", None, None, 0, at, at, True))
        return Link(self.ids[x], self.ids[y], self.kind, evidence, weight=weight)

    def _made(self, e: int) -> Link:
        return self._made_link(*(row[0] for row in self._rows(np.array([e]))))

    def pair_of(self, x: int, y: int) -> int:
        """The pair between two linked vertices."""
        offsets, others, pairs = self.adjacency
        lo, hi = int(offsets[x]), int(offsets[x + 1])
        return int(pairs[lo + int(np.searchsorted(others[lo:hi], y))])

    def neighbours(self, v: int) -> list[int]:
        offsets, others, _ = self.adjacency
        return list(others[offsets[v] : offsets[v + 1]].tolist())


def _graph(source: Network | Graph) -> Graph:
    return source if isinstance(source, Graph) else Graph.of(source)


# --- communities ---------------------------------------------------------------------------------


def communities(
    network: Network | Graph, seed: int = SEED, resolution: float = 1.0
) -> dict[str, int]:
    """Node id → community (Leiden, maximising weighted modularity at `resolution`), numbered
    from 1 by size (largest first, ties by their least member); an isolated node is a
    community of its own."""
    g = _graph(network)
    if not g.ids:
        return {}
    graph = g.graph
    weights = g.weights()
    if graph.ecount() <= LEIDENALG_MAX_EDGES:
        partition = leidenalg.find_partition(
            graph,
            leidenalg.RBConfigurationVertexPartition,
            weights=weights,
            resolution_parameter=resolution,
            n_iterations=-1,
            seed=seed,
        )
        membership = list(partition.membership)
    else:
        ig.set_random_number_generator(random.Random(seed))
        try:
            found = graph.community_leiden(
                objective_function="modularity",
                weights=weights,
                resolution=resolution,
                n_iterations=LARGE_LEIDEN_ITERATIONS,
            )
        finally:
            ig.set_random_number_generator(random)
        membership = list(found.membership)
    return _numbered(g.ids, membership)


def _numbered(ids: list[str], membership: list[int]) -> dict[str, int]:
    """Communities renumbered by size, then least member (ids are sorted, so the least
    member is the least vertex): done on arrays, for a million nodes."""
    found = np.asarray(membership, dtype=np.int64)
    sizes = np.bincount(found)
    least = np.full(len(sizes), len(ids), dtype=np.int64)
    np.minimum.at(least, found, np.arange(len(ids)))
    used = np.flatnonzero(sizes)
    ranked = used[np.lexsort((least[used], -sizes[used]))]
    number = np.zeros(len(sizes), dtype=np.int64)
    number[ranked] = np.arange(1, len(ranked) + 1)
    return dict(zip(ids, number[found].tolist(), strict=True))


# --- centralities -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Centrality:
    degree: int  # how many others it is linked to
    strength: float  # the sum of those links' weights
    betweenness: float  # shortest (weighted) paths between others that pass through it
    pagerank: float  # PageRank on the weighted links (damping 0.85)


def centralities(network: Network | Graph) -> dict[str, Centrality]:
    g = _graph(network)
    if not g.ids:
        return {}
    graph = g.graph
    weighted = graph.ecount() > 0
    degree = graph.degree()
    strength = graph.strength(weights=g.weights()) if weighted else [0.0] * len(g.ids)
    between = graph.betweenness(weights=g.weights(lengths=True))
    rank = _pagerank(g)
    return {
        node_id: Centrality(degree[i], float(strength[i]), float(between[i]), float(rank[i]))
        for i, node_id in enumerate(g.ids)
    }


def pagerank(network: Network | Graph) -> dict[str, float]:
    """Node id → PageRank on the weighted links (damping 0.85): the one centrality of
    `centralities` that holds at a million nodes (betweenness does not)."""
    g = _graph(network)
    return dict(zip(g.ids, _pagerank(g), strict=True))


def _pagerank(g: Graph) -> list[float]:
    graph = g.graph
    return list(graph.pagerank(weights=g.weights(), damping=0.85))


# --- disruption ---------------------------------------------------------------------------------


#: The category of person a disruption ranking is about: those the agencies hold as suspects.
SUSPECT = "suspect"


@dataclass(frozen=True, slots=True)
class Disruption:
    """What taking a node out does to the network: the share of its efficiency lost.

    Efficiency (Latora and Marchiori) is the mean, over pairs of targets, of 1 / the length of
    the shortest path between them (0 when none): how easily the suspects reach each other,
    through anyone. Removing a node loses it in two ways, reported apart: `reach`, the pairs it
    was one end of (its harmonic centrality among the targets: whom it reached, and how
    directly), and `bridging`, the lengthening (or cutting) of the paths between the other
    targets that ran through it."""

    score: float
    reach: float
    bridging: float
    removed_in_full: bool


def targets(network: Network) -> set[str]:
    """Whose connections a disruption ranking measures: the people recorded as suspects.

    Victims, witnesses and contacts (a migrant, a relative who paid for a crossing) are kept
    apart from suspects by law (Directive 2016/680, Art. 6): they are not the organisation,
    and a hawala banker's hundred paying relatives must not make him look like its hub. Paths
    may still run through them. Where no one is recorded as a suspect, everyone counts."""
    found = {n.id for n in network.nodes.values() if SUSPECT in n.categories}
    return found if len(found) >= 2 else set(network.nodes)


def disruption(
    network: Network, max_removals: int = MAX_REMOVALS, among: set[str] | None = None
) -> dict[str, Disruption]:
    """Key-player ranking: each node's loss of efficiency among the targets (`among`, by
    default `targets`), as a share of its component's, times the share of all targets that
    component holds: how many targets' worth of connectivity goes with it, out of all.

    Why efficiency loss and not a centrality alone: removing a node whose contacts are all
    linked to each other changes little however central it looks, while removing the one
    link-holder between two cells cuts every path across; the loss counts both the node's own
    reach (a centrality: harmonic closeness) and that bridging, on weighted links, in one
    measure on one scale (Borgatti's key-player problem, with distance-weighted fragmentation
    as its measure). Each component is measured on its own: a node only changes its own."""
    g = Graph.of(network)
    chosen = targets(network) if among is None else among
    n = sum(1 for i in g.ids if i in chosen)
    if n < 2:
        return {node_id: Disruption(0.0, 0.0, 0.0, True) for node_id in g.ids}
    graph = g.graph
    weights = "distance" if graph.ecount() else None
    full = _candidates(network, g, max_removals)
    out: dict[str, Disruption] = {}
    for component in graph.connected_components():
        members = sorted(component)
        sub = graph.subgraph(members)
        mine = [k for k, v in enumerate(members) if g.ids[v] in chosen]
        within = _efficiency_sum(sub, mine, weights)
        # A component's losses count for the share of the targets it holds (people, not pairs:
        # a network of 26 is not worth four of 13).
        share = len(mine) / n / within if within else 0.0
        rows = sub.distances(source=mine, target=mine, weights=weights) if mine else []
        own_of = {k: 2 * sum(_inv(d) for d in row) for k, row in zip(mine, rows, strict=True)}
        for k, v in enumerate(members):
            own = own_of.get(k, 0.0)
            bridging = 0.0
            if v in full and len(mine) - (k in own_of) >= 2:
                rest = sub.copy()
                rest.delete_vertices(k)
                left = _efficiency_sum(rest, [m - (m > k) for m in mine if m != k], weights)
                bridging = max(0.0, within - own - left)
            out[g.ids[v]] = Disruption(
                (own + bridging) * share, own * share, bridging * share, v in full
            )
    return out


def _inv(d: float) -> float:
    return 1.0 / d if 0 < d < float("inf") else 0.0


def _efficiency_sum(graph: ig.Graph, among: list[int], weights: str | None) -> float:
    """Σ 1/d over ordered pairs of `among` (the efficiency before dividing by the pairs)."""
    if len(among) < 2:
        return 0.0
    rows = graph.distances(source=among, target=among, weights=weights)
    return sum(_inv(d) for row in rows for d in row)


def _candidates(network: Network, g: Graph, limit: int) -> set[int]:
    if len(g.ids) <= limit:
        return set(range(len(g.ids)))
    c = centralities(network)
    order = sorted(range(len(g.ids)), key=lambda v: (
        -c[g.ids[v]].betweenness, -c[g.ids[v]].strength, g.ids[v]))  # fmt: skip
    return set(order[:limit])


# --- neighbourhoods and paths -------------------------------------------------------------------


@dataclass(slots=True)
class Subnetwork:
    """Some nodes and the links among them (a neighbourhood, a path)."""

    nodes: list[str]
    links: list[Link] = field(default_factory=list)
    hops: dict[str, int] = field(default_factory=dict)
    truncated: bool = False


def expand(network: Network | Graph, node_id: str, hops: int, limit: int = 500) -> Subnetwork:
    """Everything within `hops` links of a node (at most `limit` nodes, nearest first, then by
    id), and the links among what was reached."""
    g = _graph(network)
    start = g.index.get(node_id)
    if start is None:
        return Subnetwork([node_id], [], {node_id: 0}, False)
    seen = {start: 0}
    frontier = [start]
    truncated = False
    for depth in range(1, hops + 1):
        following = []
        for current in frontier:
            for other in g.neighbours(current):  # ascending index: id order
                if other in seen:
                    continue
                if len(seen) >= limit:
                    truncated = True
                    break
                seen[other] = depth
                following.append(other)
        frontier = following
    offsets, others, pairs = g.adjacency
    reached = np.fromiter(seen, dtype=np.int64, count=len(seen))
    inside = np.zeros(len(g.ids), dtype=bool)
    inside[reached] = True
    at = _spans(offsets, reached)
    within = at[inside[others[at]]]
    hops_of = {g.ids[v]: d for v, d in seen.items()}
    nodes = [g.ids[v] for v in sorted(seen, key=lambda v: (seen[v], v))]
    return Subnetwork(nodes, g.links_of(pairs[within].tolist()), hops_of, truncated)


def _spans(offsets: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """The CSR positions of every entry of `vertices`, concatenated."""
    lo, hi = offsets[vertices], offsets[vertices + 1]
    count = hi - lo
    if not count.sum():
        return np.zeros(0, dtype=np.int64)
    first = np.repeat(lo - np.concatenate([[0], np.cumsum(count)[:-1]]), count)
    positions: np.ndarray = np.arange(int(count.sum()), dtype=np.int64) + first
    return positions


def shortest_path(network: Network | Graph, a: str, b: str) -> Subnetwork | None:
    """The strongest chain from `a` to `b`: the shortest when each link is 1 / weight long,
    with every link between consecutive nodes as its evidence.

    Dijkstra from both ends at once (each step from the side with fewer waiting, ties by
    index), stopping when the two nearest waiting add up to the best chain found: on a
    million people it settles thousands of nodes, not half of them. Deterministic; among
    equally strong chains the one first met is kept."""
    g = _graph(network)
    if a == b:
        return Subnetwork([a], [], {a: 0})
    s, t = g.index.get(a), g.index.get(b)
    if s is None or t is None:
        return None
    offsets, others, _ = g.adjacency
    lengths = g.lengths
    dist: tuple[dict[int, float], dict[int, float]] = ({s: 0.0}, {t: 0.0})
    previous: tuple[dict[int, int], dict[int, int]] = ({}, {})
    queues: tuple[list[tuple[float, int]], list[tuple[float, int]]] = ([(0.0, s)], [(0.0, t)])
    done: tuple[set[int], set[int]] = (set(), set())
    best, meet = math.inf, -1
    while queues[0] and queues[1]:
        if queues[0][0][0] + queues[1][0][0] >= best:
            break
        side = 0 if len(queues[0]) <= len(queues[1]) else 1
        d, current = heapq.heappop(queues[side])
        if current in done[side]:
            continue
        done[side].add(current)
        mine, theirs, back = dist[side], dist[1 - side], previous[side]
        lo, hi = offsets[current], offsets[current + 1]
        for other, length in zip(others[lo:hi].tolist(), lengths[lo:hi].tolist(), strict=True):
            nd = d + length
            if nd == math.inf:
                continue
            if other not in mine or nd < mine[other] - 1e-12:
                mine[other] = nd
                back[other] = current
                heapq.heappush(queues[side], (nd, other))
                there = theirs.get(other)
                if there is not None and nd + there < best - 1e-12:
                    best, meet = nd + there, other
    if meet < 0:
        return None
    chain = [meet]
    while chain[-1] != s:
        chain.append(previous[0][chain[-1]])
    chain.reverse()
    while chain[-1] != t:
        chain.append(previous[1][chain[-1]])
    names = [g.ids[v] for v in chain]
    steps = [g.pair_of(x, y) for x, y in pairwise(chain)]
    return Subnetwork(names, g.links_of(steps), {n: i for i, n in enumerate(names)})


@dataclass(frozen=True, slots=True)
class Step:
    """One link of a time-respecting path, taken at `at` (one evidence item's time)."""

    source: str
    target: str
    at: datetime
    link: Link
    record_id: str

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.source, "to": self.target, "at": self.at.isoformat(),
                "kind": self.link.kind, "record_id": self.record_id}  # fmt: skip


def time_respecting_path(
    network: Network | Graph, a: str, b: str, within: timedelta | None = None
) -> list[Step] | None:
    """The fastest path from `a` to `b` whose every link happens strictly later than the one
    before, all of it within `within` of its first link (any span when None).

    Only dated evidence (calls, payments, events with a time) makes a contact; a standing tie
    (kinship, membership, ownership) has no time to respect and is left out. For each time
    `a` could set off, the earliest-arrival journey is found by a search over each person's
    contacts in time order (Dijkstra on arrival times: only what can be reached in the window
    is looked at); the fastest of those journeys is returned (then the earliest to arrive,
    then the fewest links). A set-off time up to the departure of a journey already found
    gives that journey again and is skipped, and once one is found a later set-off need not
    look past the time that would make it slower."""
    g = _graph(network)
    s, t = g.index.get(a), g.index.get(b)
    if s is None or t is None or s == t:
        return None
    c = g.contacts
    span = None if within is None else within // timedelta(microseconds=1)
    starts = np.unique(c.vertex_at[c.offsets[s] : c.offsets[s + 1]]).tolist()
    best: tuple[int, int, int] | None = None
    found: list[tuple[int, int, int]] | None = None
    covered = -1
    for t0 in starts:
        if t0 <= covered:
            continue
        horizon = _NO_TIME if span is None else t0 + span
        if best is not None:
            horizon = min(horizon, t0 + best[0] - 1)
        path = _foremost(c, s, t, t0, horizon)
        if path is None:
            continue
        depart, arrive = int(c.at[path[0][2]]), int(c.at[path[-1][2]])
        covered = depart
        key = (arrive - depart, arrive, len(path))
        if best is None or key < best:
            best, found = key, path
    return None if found is None else [_step(g, c, *hop) for hop in found]


def _foremost(
    c: Contacts, a: int, b: int, start: int, horizon: int
) -> list[tuple[int, int, int]] | None:
    """Earliest-arrival journey from `a` leaving at or after `start`, arriving by `horizon`:
    (from, to, contact) per hop. A vertex's label is (time, contact) of the contact that first
    reaches it, the least in the global order among the earliest: what scanning every contact
    in that order would choose.

    Alongside, a search back from `b` (latest departure: the last moment each person can
    still set off and reach `b` by `horizon`), a step at a time from whichever side has
    less waiting. If either runs out first the question is settled: no journey, or, once the
    backward search is complete, the forward one need only visit who can still reach `b`
    (which leaves every label on a journey to `b` as it was). Without it a person with no
    journey to `b` would be answered only after everyone reachable in the window was seen."""
    label: dict[int, tuple[int, int]] = {a: (start - 1, -1)}
    came: dict[int, tuple[int, int]] = {}
    queue = [(start - 1, -1, a)]
    done: set[int] = set()
    latest: dict[int, int] = {b: horizon + 1}  # b: reached by any contact up to the horizon
    back = [(-(horizon + 1), b)]
    settled: set[int] = set()
    complete = False
    while queue:
        if not complete and len(back) < len(queue):
            if _back_step(c, latest, back, settled, start):
                complete = True
                if latest.get(a, start - 1) < start:
                    return None
            continue
        at, _, current = heapq.heappop(queue)
        if current in done:
            continue
        done.add(current)
        if current == b:
            break
        lo, hi = int(c.offsets[current]), int(c.offsets[current + 1])
        times = c.vertex_at[lo:hi]
        first = lo + int(times.searchsorted(at, side="right"))
        last = lo + int(times.searchsorted(horizon, side="right"))
        for when, other, contact in zip(c.vertex_at[first:last].tolist(),
                                        c.other[first:last].tolist(),
                                        c.contact[first:last].tolist(), strict=True):  # fmt: skip
            if other in done or (complete and latest.get(other, when) <= when and other != b):
                continue
            mark = (when, contact)
            if other not in label or mark < label[other]:
                label[other] = mark
                came[other] = (current, contact)
                heapq.heappush(queue, (when, contact, other))
    if b not in done:
        return None
    path = []
    v = b
    while v != a:
        u, contact = came[v]
        path.append((u, v, contact))
        v = u
    path.reverse()
    return path


def _back_step(
    c: Contacts, latest: dict[int, int], back: list[tuple[int, int]], settled: set[int], start: int
) -> bool:
    """One step of the latest-departure search; True once it has nothing left to do."""
    while back:
        neg, current = heapq.heappop(back)
        if current in settled:
            continue
        settled.add(current)
        lo, hi = int(c.offsets[current]), int(c.offsets[current + 1])
        times = c.vertex_at[lo:hi]
        first = lo + int(times.searchsorted(start, side="left"))
        last = lo + int(times.searchsorted(-neg, side="left"))  # strictly before leaving
        for when, other in zip(c.vertex_at[first:last].tolist(), c.other[first:last].tolist(),
                               strict=True):  # fmt: skip
            if other not in settled and when > latest.get(other, start - 1):
                latest[other] = when
                heapq.heappush(back, (-when, other))
        break
    return not back


def _step(g: Graph, c: Contacts, source: int, target: int, contact: int) -> Step:
    if c.items is not None and g.links is not None:
        k, record_id, at = c.items[contact]
        return Step(g.ids[source], g.ids[target], at, g.links[k], record_id)
    edge, micros = int(c.edge[contact]), int(c.at[contact])
    link = g._made(edge)
    item = next(e for e in link.evidence if e.at == _EPOCH + timedelta(microseconds=micros))
    return Step(g.ids[source], g.ids[target], item.at or _EPOCH, link, item.record_id)
