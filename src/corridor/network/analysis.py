"""Analyses of a `Network`: communities, centralities, key players, neighbourhoods and paths.

igraph does the graph work (in C) and leidenalg the communities; every result is deterministic:
vertices are taken in id order, Leiden runs with a fixed seed, and ties are broken by id.

A link's weight (in (0, 1], `corridor.network.evidence`) is its strength; where an algorithm
wants lengths (betweenness, shortest paths, efficiency) a link is as long as 1 / weight, so a
well-evidenced tie is a short one.
"""

from __future__ import annotations

import bisect
import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import igraph as ig
import leidenalg

from corridor.network.graph import Link, Network

#: Leiden's seed: the same network gives the same communities, run after run.
SEED = 42
#: The disruption ranking removes each node in turn and measures the network again; past this
#: many people only the most central (by betweenness, then strength) are removed in full, the
#: others are scored by the reach they take with them alone (a lower bound of the full score).
MAX_REMOVALS = 300


@dataclass(frozen=True, slots=True)
class Graph:
    """An igraph graph of a network's pairs, vertices in id order."""

    ids: list[str]
    graph: ig.Graph

    @classmethod
    def of(cls, network: Network) -> Graph:
        ids = sorted(network.nodes)
        index = {n: i for i, n in enumerate(ids)}
        pairs = network.pair_weights()
        g = ig.Graph(n=len(ids), edges=[(index[a], index[b]) for a, b in pairs], directed=False)
        weights = list(pairs.values())
        g.es["weight"] = weights
        g.es["distance"] = [1.0 / w for w in weights]
        g.vs["name"] = ids
        return cls(ids, g)


# --- communities --------------------------------------------------------------------------------


def communities(network: Network, seed: int = SEED, resolution: float = 1.0) -> dict[str, int]:
    """Node id → community (Leiden, maximising weighted modularity at `resolution`), numbered
    from 1 by size (largest first, ties by their least member); an isolated node is a
    community of its own."""
    g = Graph.of(network)
    if not g.ids:
        return {}
    partition = leidenalg.find_partition(
        g.graph,
        leidenalg.RBConfigurationVertexPartition,
        weights="weight" if g.graph.ecount() else None,
        resolution_parameter=resolution,
        n_iterations=-1,
        seed=seed,
    )
    return _numbered(g.ids, list(partition.membership))


def _numbered(ids: list[str], membership: list[int]) -> dict[str, int]:
    groups: dict[int, list[str]] = defaultdict(list)
    for node_id, c in zip(ids, membership, strict=True):
        groups[c].append(node_id)
    ordered = sorted(groups.values(), key=lambda m: (-len(m), min(m)))
    return {n: i for i, members in enumerate(ordered, 1) for n in members}


# --- centralities -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Centrality:
    degree: int  # how many others it is linked to
    strength: float  # the sum of those links' weights
    betweenness: float  # shortest (weighted) paths between others that pass through it
    pagerank: float  # PageRank on the weighted links (damping 0.85)


def centralities(network: Network) -> dict[str, Centrality]:
    g = Graph.of(network)
    if not g.ids:
        return {}
    graph = g.graph
    weighted = graph.ecount() > 0
    degree = graph.degree()
    strength = graph.strength(weights="weight") if weighted else [0.0] * len(g.ids)
    between = graph.betweenness(weights="distance" if weighted else None)
    rank = graph.pagerank(weights="weight" if weighted else None, damping=0.85)
    return {
        node_id: Centrality(degree[i], float(strength[i]), float(between[i]), float(rank[i]))
        for i, node_id in enumerate(g.ids)
    }


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


#: How much taking out someone of each role costs the organisation, beside the connectivity
#: lost: the organiser and whoever handles the money hold what a network cannot buy again
#: soon (the contacts, the trust of the relatives who pay, the money itself); a forger's skill
#: and a recruiter's reach on the route are scarcer than a safe house, a lookout or a driver,
#: whom any network replaces within days. An explicit judgement, not fitted to any data, and
#: one place to change it. Someone of unknown role counts as the middle of the scale.
ROLE_WEIGHT: dict[str, float] = {
    "organiser": 1.0, "money handler": 0.9, "forger": 0.6, "recruiter": 0.5,
    "safe-house keeper": 0.4, "spotter": 0.3, "driver": 0.25, "unknown": 0.4,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Ranked:
    node_id: str
    record_ids: list[str]
    label: str
    disruption: Disruption
    centrality: Centrality
    community: int
    #: The inferred role (`corridor.network.roles`) and its joint support.
    role: str = "unknown"
    role_support: float = 0.0
    #: What the ranking orders by: the structural impact (the share of the network's people
    #: whose disruption score is below this one's) times the role's weight (`ROLE_WEIGHT`,
    #: moved towards the unknown's weight as the role's support falls). 0 for victims and
    #: witnesses: no one to take out.
    priority: float = 0.0
    reasons: tuple[str, ...] = ()


def priority(structural: float, role: str, support: float, protected: bool) -> float:
    """The ranking's order: structure × how costly the role is to lose, weighed by how sure
    the role is (an unsure organiser counts between an organiser and an unknown)."""
    if protected:
        return 0.0
    unknown = ROLE_WEIGHT["unknown"]
    weight = unknown + (ROLE_WEIGHT.get(role, unknown) - unknown) * min(1.0, max(0.0, support))
    return structural * weight


def _percentile(ordered: list[float], score: float) -> float:
    """The share of the others `score` is above (0 for none, 1 for all), 0 when it is 0.

    Why a rank and not a share of the greatest score: disruption is heavy-tailed (one hawala
    banker bridging two networks can hold ten times anyone else's score), and a share of the
    greatest would flatten every other difference to nothing beside the role's weight."""
    if score <= 0 or len(ordered) < 2:
        return 0.0
    return bisect.bisect_left(ordered, score) / (len(ordered) - 1)


def rank(network: Network, max_removals: int = MAX_REMOVALS) -> list[Ranked]:
    """Every node, the first to take out first (by `priority`, then disruption, then id), with
    its reasons: the structural loss and the role the records and behaviour point to.

    A people's network (`Network.people`) carries the network it came from, whose vehicles and
    accounts the roles read; a network without one gives its roles from what it holds."""
    from corridor.network import roles  # roles use this module's communities and centralities

    loss = disruption(network, max_removals)
    central = centralities(network)
    groups = communities(network)
    guessed = roles.infer_roles(network.whole or network, network, groups)
    scores = sorted(d.score for d in loss.values())
    rows = []
    for n in network.nodes.values():
        d = loss[n.id]
        g = guessed.get(n.id)
        role = g.role if g is not None else roles.UNKNOWN
        support = g.scores.get(role, 0.0) if g is not None else 0.0
        protected = bool(roles.PROTECTED & set(n.categories))
        structural = _percentile(scores, d.score)
        p = priority(structural, role, support, protected)
        reasons = (
            f"disruption {d.score:.4f} (above {structural:.0%} of the others): reach "
            f"{d.reach:.4f}, bridging {d.bridging:.4f}",
            f"role {role} (support {support:.2f}, weight {ROLE_WEIGHT.get(role, 0.4):.2f})",
            *(["victim or witness: not a target"] if protected else []),
        )
        rows.append(Ranked(n.id, list(n.record_ids), n.label, d, central[n.id], groups[n.id],
                           role, support, p, reasons))  # fmt: skip
    rows.sort(key=lambda r: (-r.priority, -r.disruption.score, r.node_id))
    return rows


# --- neighbourhoods and paths -------------------------------------------------------------------


@dataclass(slots=True)
class Subnetwork:
    """Some nodes and the links among them (a neighbourhood, a path)."""

    nodes: list[str]
    links: list[Link] = field(default_factory=list)
    hops: dict[str, int] = field(default_factory=dict)
    truncated: bool = False


def expand(network: Network, node_id: str, hops: int, limit: int = 500) -> Subnetwork:
    """Everything within `hops` links of a node (at most `limit` nodes, nearest first), and the
    links among what was reached."""
    adjacency = network.adjacency()
    seen = {node_id: 0}
    frontier = [node_id]
    truncated = False
    for depth in range(1, hops + 1):
        following = []
        for current in frontier:
            for other in sorted({k.other(current) for k in adjacency.get(current, [])}):
                if other in seen:
                    continue
                if len(seen) >= limit:
                    truncated = True
                    break
                seen[other] = depth
                following.append(other)
        frontier = following
    links = [k for k in network.links if k.a in seen and k.b in seen]
    return Subnetwork(sorted(seen, key=lambda n: (seen[n], n)), links, seen, truncated)


def shortest_path(network: Network, a: str, b: str) -> Subnetwork | None:
    """The strongest chain from `a` to `b`: the shortest when each link is 1 / weight long
    (Dijkstra; ties by id), with every link between consecutive nodes as its evidence."""
    pairs = network.pair_weights()
    adjacency: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (x, y), w in pairs.items():
        adjacency[x].append((y, 1.0 / w))
        adjacency[y].append((x, 1.0 / w))
    best = {a: 0.0}
    previous: dict[str, str] = {}
    queue = [(0.0, a)]
    done: set[str] = set()
    while queue:
        d, current = heapq.heappop(queue)
        if current in done:
            continue
        done.add(current)
        if current == b:
            break
        for other, length in sorted(adjacency[current]):
            nd = d + length
            if other not in best or nd < best[other] - 1e-12:
                best[other] = nd
                previous[other] = current
                heapq.heappush(queue, (nd, other))
    if b not in done:
        return None
    chain = [b]
    while chain[-1] != a:
        chain.append(previous[chain[-1]])
    chain.reverse()
    return Subnetwork(chain, _links_along(network, chain), {n: i for i, n in enumerate(chain)})


def _links_along(network: Network, chain: list[str]) -> list[Link]:
    steps = {(min(x, y), max(x, y)) for x, y in pairwise(chain)}
    return [k for k in network.links if (k.a, k.b) in steps]


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
    network: Network, a: str, b: str, within: timedelta | None = None
) -> list[Step] | None:
    """The fastest path from `a` to `b` whose every link happens strictly later than the one
    before, all of it within `within` of its first link (any span when None).

    Only dated evidence (calls, payments, events with a time) makes a contact; a standing tie
    (kinship, membership, ownership) has no time to respect and is left out. For each time
    `a` could set off, contacts are scanned once in time order (earliest arrival); the fastest
    of those journeys is returned (then the earliest to arrive, then the fewest links)."""
    contacts: list[tuple[datetime, str, str, Link, str]] = []
    for link in network.links:
        for e in link.evidence:
            if e.dated and e.at is not None:
                contacts.append((e.at, link.a, link.b, link, e.record_id))
    contacts.sort(key=lambda c: (c[0], c[1], c[2], c[3].kind, c[4]))
    starts = sorted({c[0] for c in contacts if a in (c[1], c[2])})
    best: tuple[timedelta, datetime, int] | None = None
    found: list[Step] | None = None
    for t0 in starts:
        path = _foremost(contacts, a, b, t0, t0 + within if within is not None else None)
        if path is None:
            continue
        key = (path[-1].at - path[0].at, path[-1].at, len(path))
        if best is None or key < best:
            best, found = key, path
    return found


def _foremost(
    contacts: list[tuple[datetime, str, str, Link, str]],
    a: str,
    b: str,
    start: datetime,
    horizon: datetime | None,
) -> list[Step] | None:
    """Earliest-arrival journey from `a` leaving at or after `start`, arriving by `horizon`."""
    arrived: dict[str, datetime | None] = {a: None}  # None: may leave at any contact from start
    step_to: dict[str, Step] = {}
    i = 0
    while i < len(contacts):
        t = contacts[i][0]
        j = i
        while j < len(contacts) and contacts[j][0] == t:
            j += 1
        if t < start:
            i = j
            continue
        if horizon is not None and t > horizon:
            break
        reached: dict[str, Step] = {}
        for _, x, y, link, record_id in contacts[i:j]:
            for u, v in ((x, y), (y, x)):
                if u in arrived and v not in arrived and v not in reached:
                    at_u = arrived[u]
                    if at_u is None or at_u < t:  # strictly later than the link before
                        reached[v] = Step(u, v, t, link, record_id)
        for v, step in reached.items():
            arrived[v] = t
            step_to[v] = step
        if b in arrived and b != a:
            break
        i = j
    if b not in step_to:
        return None
    path = [step_to[b]]
    while path[-1].source != a:
        path.append(step_to[path[-1].source])
    path.reverse()
    return path
