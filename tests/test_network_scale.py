"""The array-backed path the analyses take at scale, checked on a few thousand nodes:
neighbourhoods and shortest paths against networkx, time-respecting paths against a plain
scan of every contact in time order, and the same answers whether the graph was built from a
`Network` or from arrays. Agreement only: timings are the benchmark's (bench/network_scale.py)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

from corridor.network import analysis
from corridor.network.evidence import Evidence
from corridor.network.graph import Link, Network, Node

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
START = 1_704_067_200  # 2024-01-01, seconds


def made(seed: int, n: int = 2000, m: int = 9000) -> tuple[analysis.Graph, nx.Graph]:
    """A random graph with hubs (preferential ends) and some isolated people, from arrays."""
    rng = np.random.default_rng(seed)
    pull = rng.pareto(1.5, n) + 1.0
    pull[: n // 50] = 0.0  # never linked
    ends = rng.choice(n, size=(3 * m, 2), p=pull / pull.sum())
    ends = ends[ends[:, 0] != ends[:, 1]]
    keys = np.unique(ends.min(axis=1) * n + ends.max(axis=1))[:m]
    a, b = keys // n, keys % n
    weight = rng.uniform(0.05, 1.0, len(a))
    first = START + rng.integers(0, 400 * 86_400, len(a))
    last = first + rng.integers(0, 60 * 86_400, len(a)) * (rng.random(len(a)) < 0.7)
    ids = [f"p{i:05d}" for i in range(n)]
    g = analysis.Graph.from_arrays(ids, b, a, weight, first, last)  # any order of the pairs
    ref = nx.Graph()
    ref.add_nodes_from(ids)
    for x, y, w in zip(a.tolist(), b.tolist(), weight.tolist(), strict=True):
        ref.add_edge(ids[x], ids[y], weight=w, distance=1.0 / w)
    return g, ref


def as_network(g: analysis.Graph) -> Network:
    """The same graph as a `Network` of links with evidence (one dated item per contact)."""
    links = [k for e in range(len(g.a)) for k in g.links_of([e])]
    nodes = {i: Node(i, "Person", "Person", [i], i) for i in g.ids}
    return Network(nodes, links)


@pytest.fixture(scope="module")
def graphs() -> tuple[analysis.Graph, nx.Graph, Network]:
    g, ref = made(5)
    return g, ref, as_network(g)


def test_expand_agrees_with_networkx_and_with_the_network(graphs) -> None:
    g, ref, network = graphs
    rng = random.Random(1)
    for node in rng.sample(g.ids, 40):
        within = nx.single_source_shortest_path_length(ref, node, cutoff=2)
        whole = analysis.expand(g, node, 2, limit=10**6)
        assert whole.hops == within and not whole.truncated
        assert whole.nodes == sorted(within, key=lambda v: (within[v], v))
        pairs = {(k.a, k.b) for k in whole.links}
        assert pairs == {tuple(sorted(p)) for p in ref.subgraph(within).edges}
        capped = analysis.expand(g, node, 2)
        assert len(capped.nodes) == min(500, len(within))
        assert capped.truncated == (len(within) > 500)
        # The nearest first: a capped neighbourhood holds every node closer than its farthest.
        farthest = max(capped.hops.values())
        assert {v for v, d in within.items() if d < farthest} <= set(capped.nodes)
        again = analysis.expand(network, node, 2)
        assert (again.nodes, again.hops, again.truncated) == (
            capped.nodes, capped.hops, capped.truncated)  # fmt: skip
        assert [(k.a, k.b) for k in again.links] == [(k.a, k.b) for k in capped.links]


def test_shortest_paths_agree_with_networkx(graphs) -> None:
    g, ref, network = graphs
    rng = random.Random(2)
    found = 0
    for _ in range(60):
        a, b = rng.sample(g.ids, 2)
        path = analysis.shortest_path(g, a, b)
        if not nx.has_path(ref, a, b):
            assert path is None
            continue
        found += 1
        assert path is not None and path.nodes[0] == a and path.nodes[-1] == b
        assert [(k.a, k.b) for k in path.links] == sorted(
            tuple(sorted(p)) for p in pairwise(path.nodes)
        )
        length = sum(1.0 / k.weight for k in path.links)
        assert length == pytest.approx(nx.dijkstra_path_length(ref, a, b, "distance"), rel=1e-9)
        same = analysis.shortest_path(network, a, b)
        assert same is not None and same.nodes == path.nodes
    assert found > 30


def test_pagerank_and_communities_from_arrays_match_the_network(graphs) -> None:
    g, ref, network = graphs
    rank = analysis.pagerank(g)
    expected = _pagerank_python(ref, alpha=0.85, weight="weight", tol=1e-12, max_iter=10_000)
    assert max(abs(rank[v] - expected[v]) for v in g.ids) < 1e-6
    assert analysis.communities(g) == analysis.communities(network)


def test_leiden_past_leidenalgs_range_is_deterministic_and_numbered_by_size(monkeypatch) -> None:
    g, _ = made(7, n=600, m=3000)
    monkeypatch.setattr(analysis, "LEIDENALG_MAX_EDGES", 100)
    found = analysis.communities(g, seed=3)
    assert found == analysis.communities(g, seed=3)
    sizes = {}
    for c in found.values():
        sizes[c] = sizes.get(c, 0) + 1
    assert sorted(sizes) == list(range(1, len(sizes) + 1))
    assert [sizes[c] for c in sorted(sizes)] == sorted(sizes.values(), reverse=True)


# --- time-respecting paths against a scan of every contact ----------------------------------


def scanned(
    network: Network, a: str, b: str, within: timedelta | None
) -> list[tuple[str, str, datetime, str]] | None:
    """The definition, read literally: for each time `a` could set off, every contact in time
    order (ties by ends, kind, record), a node reached by the first contact strictly after its
    own arrival; the fastest journey, then the earliest to arrive, then the fewest links."""
    contacts = sorted(
        (e.at, k.a, k.b, k.kind, e.record_id) for k in network.links for e in k.evidence
        if e.dated and e.at is not None)  # fmt: skip
    best, found = None, None
    for t0 in sorted({c[0] for c in contacts if a in (c[1], c[2])}):
        horizon = t0 + within if within is not None else None
        arrived: dict[str, datetime | None] = {a: None}
        came: dict[str, tuple[str, str, datetime, str]] = {}
        for t in sorted({c[0] for c in contacts if c[0] >= t0}):
            if (horizon is not None and t > horizon) or (b in arrived and b != a):
                break
            reached = {}
            for _, x, y, _, record in (c for c in contacts if c[0] == t):
                for u, v in ((x, y), (y, x)):
                    fresh = u in arrived and v not in arrived and v not in reached
                    if fresh and (arrived[u] is None or arrived[u] < t):  # type: ignore[operator]
                        reached[v] = (u, v, t, record)
            for v, step in reached.items():
                arrived[v] = t
                came[v] = step
        if b not in came:
            continue
        path = [came[b]]
        while path[-1][0] != a:
            path.append(came[path[-1][0]])
        path.reverse()
        key = (path[-1][2] - path[0][2], path[-1][2], len(path))
        if best is None or key < best:
            best, found = key, path
    return found


def calls(spec: list[tuple[int, int, int]]) -> Network:
    """People 0–9 and calls (x, y, hour) between them, one evidence item each."""
    links: dict[tuple[str, str], Link] = {}
    for i, (x, y, hour) in enumerate(spec):
        key = (f"n{min(x, y)}", f"n{max(x, y)}")
        at = EPOCH + timedelta(days=20_000, hours=hour)
        link = links.setdefault(key, Link(*key, "Call"))
        link.evidence.append(Evidence(f"c{i:03d}", (), "X", "1A", "3x5x2", 10, at, at, True))
    nodes = {f"n{i}": Node(f"n{i}", "Person", "Person", [f"n{i}"], f"n{i}") for i in range(10)}
    network = Network(nodes, list(links.values()))
    network.weigh()
    return network


call = st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 16)).filter(
    lambda c: c[0] != c[1]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(call, max_size=40), st.integers(0, 9), st.integers(0, 9),
       st.none() | st.integers(0, 8))  # fmt: skip
def test_time_respecting_paths_are_those_a_scan_of_every_contact_finds(
    spec: list[tuple[int, int, int]], x: int, y: int, hours: int | None
) -> None:
    network = calls(spec)
    within = None if hours is None else timedelta(hours=hours)
    got = analysis.time_respecting_path(network, f"n{x}", f"n{y}", within)
    want = scanned(network, f"n{x}", f"n{y}", within)
    assert (None if got is None else [(s.source, s.target, s.at, s.record_id) for s in got]) == want


def test_time_respecting_paths_from_arrays_match_the_network(graphs) -> None:
    g, _, network = graphs
    rng = random.Random(4)
    found = 0
    for _ in range(40):
        a = rng.choice(g.ids)
        b = rng.choice(analysis.expand(g, a, 3, limit=200).nodes)
        days = rng.choice([10, 30, 90, None])
        window = None if days is None else timedelta(days=days)
        mine = analysis.time_respecting_path(g, a, b, window)
        theirs = analysis.time_respecting_path(network, a, b, window)
        key = [(s.source, s.target, s.at, s.record_id) for s in mine or []]
        assert key == [(s.source, s.target, s.at, s.record_id) for s in theirs or []]
        if mine:
            found += 1
            assert all(p.at < q.at for p, q in pairwise(mine))
            assert window is None or mine[-1].at - mine[0].at <= window
    assert found >= 5
