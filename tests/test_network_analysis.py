"""Network analyses against references: centralities and efficiency loss against networkx on
random weighted graphs, communities on planted groups, and time-respecting paths on
hand-made cases (each link strictly later than the one before, within the window)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import networkx as nx
import pytest
from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

from corridor.network import analysis, ranking
from corridor.network.evidence import Evidence
from corridor.network.graph import Link, Network, Node

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless


def person(node_id: str, categories: list[str] | None = None) -> Node:
    return Node(node_id, "Person", "Person", [node_id], node_id, categories or [])


def weighted(edges: list[tuple[str, str, float]], nodes: list[str] | None = None) -> Network:
    """A network of people with links of the given weights (no evidence needed)."""
    ids = set(nodes or []) | {x for a, b, _ in edges for x in (a, b)}
    links = []
    for a, b, w in edges:
        link = Link(min(a, b), max(a, b), "Associate")
        link.weight = w
        links.append(link)
    return Network({i: person(i) for i in sorted(ids)}, links)


def random_network(seed: int, n: int = 30, p: float = 0.12) -> tuple[Network, nx.Graph]:
    rng = random.Random(seed)
    g = nx.gnp_random_graph(n, p, seed=seed)
    edges = []
    ref = nx.Graph()
    ref.add_nodes_from(f"n{i:02d}" for i in range(n))
    for u, v in g.edges:
        w = rng.uniform(0.05, 1.0)
        a, b = f"n{u:02d}", f"n{v:02d}"
        edges.append((a, b, w))
        ref.add_edge(a, b, weight=w, distance=1.0 / w)
    return weighted(edges, list(ref.nodes)), ref


@pytest.mark.parametrize("seed", range(6))
def test_centralities_agree_with_networkx(seed: int) -> None:
    network, ref = random_network(seed)
    got = analysis.centralities(network)
    between = nx.betweenness_centrality(ref, weight="distance", normalized=False)
    # networkx's own pure-Python PageRank (its public one needs NumPy, which CI does not install).
    rank = _pagerank_python(ref, alpha=0.85, weight="weight", tol=1e-12, max_iter=10_000)
    strength = dict(ref.degree(weight="weight"))
    for node_id, c in got.items():
        assert c.degree == ref.degree(node_id)
        assert c.strength == pytest.approx(strength[node_id], abs=1e-9)
        assert c.betweenness == pytest.approx(between[node_id], abs=1e-6)
        assert c.pagerank == pytest.approx(rank[node_id], abs=1e-6)


def _efficiency(g: nx.Graph, among: set[str]) -> float:
    lengths = dict(nx.all_pairs_dijkstra_path_length(g, weight="distance"))
    return sum(1.0 / d for a in among for b, d in lengths[a].items() if b != a and b in among)


@pytest.mark.parametrize("seed", range(4))
def test_disruption_is_the_efficiency_lost_computed_by_networkx(seed: int) -> None:
    network, ref = random_network(seed, n=18, p=0.2)
    rng = random.Random(seed)
    among = {n for n in ref.nodes if rng.random() < 0.6}
    got = analysis.disruption(network, among=among)
    n = len(among)
    for node_id, d in got.items():
        component = nx.node_connected_component(ref, node_id)
        mine = among & component
        within = _efficiency(ref.subgraph(component), mine)
        rest = ref.subgraph(component - {node_id})
        lost = within - _efficiency(rest, mine - {node_id})
        expected = lost / within * len(mine) / n if within else 0.0
        assert d.score == pytest.approx(expected, abs=1e-9), node_id
        assert d.score == pytest.approx(d.reach + d.bridging, abs=1e-12)


def test_a_cut_vertex_outranks_a_busier_node_in_a_clique() -> None:
    # Two cliques of five joined only through `bridge`; `hub` is in a clique and has more links.
    left = [f"l{i}" for i in range(5)]
    right = [f"r{i}" for i in range(5)]
    edges = [(a, b, 0.8) for g in (left, right) for i, a in enumerate(g) for b in g[i + 1 :]]
    edges += [("bridge", "l0", 0.8), ("bridge", "r0", 0.8), ("l1", "x1", 0.8), ("l1", "x2", 0.8)]
    # The structural score (the ranking's priority also weighs the role: see test_network_rank).
    loss = analysis.disruption(weighted(edges))
    ids = sorted(loss, key=lambda n: (-loss[n].score, n))
    assert ids.index("bridge") < ids.index("l1")
    assert loss[ids[0]].bridging > 0


def test_only_suspects_count_when_categories_are_recorded() -> None:
    # A banker paid by many relatives (contacts) and two suspects joined through `org`.
    edges = [("banker", f"rel{i}", 0.9) for i in range(8)] + [
        ("org", "s1", 0.9), ("org", "s2", 0.9), ("org", "banker", 0.3)]  # fmt: skip
    network = weighted(edges)
    for node in network.nodes.values():
        node.categories = ["contact"] if node.id.startswith("rel") else ["suspect"]
    scores = {r.node_id: r.disruption.score for r in ranking.rank(network)}
    assert scores["org"] > scores["banker"]
    assert all(scores[f"rel{i}"] == 0 for i in range(8))


def test_leiden_finds_planted_groups_and_is_deterministic() -> None:
    rng = random.Random(3)
    groups = [[f"g{g}m{i}" for i in range(8)] for g in range(3)]
    edges = []
    for members in groups:
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if rng.random() < 0.7:
                    edges.append((a, b, rng.uniform(0.4, 1.0)))
    edges += [("g0m0", "g1m0", 0.1), ("g1m1", "g2m1", 0.1)]
    network = weighted(edges, [m for g in groups for m in g] + ["alone"])
    found = analysis.communities(network)
    for members in groups:
        assert len({found[m] for m in members}) == 1
    assert len({found[g[0]] for g in groups}) == 3
    assert found["alone"] not in {found[g[0]] for g in groups}
    assert analysis.communities(network) == found


def test_shortest_path_follows_the_strongest_chain() -> None:
    network = weighted([("a", "b", 0.9), ("b", "c", 0.9), ("a", "c", 0.2), ("c", "d", 0.5)])
    found = analysis.shortest_path(network, "a", "d")
    assert found is not None and found.nodes == ["a", "b", "c", "d"]
    assert {(k.a, k.b) for k in found.links} == {("a", "b"), ("b", "c"), ("c", "d")}
    assert analysis.shortest_path(weighted([("a", "b", 1.0)], ["z"]), "a", "z") is None


def test_expand_reaches_k_hops_and_no_further() -> None:
    network = weighted([("a", "b", 1.0), ("b", "c", 1.0), ("c", "d", 1.0), ("a", "e", 1.0)])
    one = analysis.expand(network, "a", 1)
    assert one.nodes == ["a", "b", "e"] and one.hops == {"a": 0, "b": 1, "e": 1}
    two = analysis.expand(network, "a", 2)
    assert set(two.nodes) == {"a", "b", "c", "e"}
    assert {(k.a, k.b) for k in two.links} == {("a", "b"), ("b", "c"), ("a", "e")}


# --- time-respecting paths ------------------------------------------------------------------

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def contacts(*calls: tuple[str, str, float]) -> Network:
    """Calls between people at T0 + the given number of days (one evidence item each)."""
    links: dict[tuple[str, str], Link] = {}
    for i, (a, b, days) in enumerate(calls):
        key = (min(a, b), max(a, b))
        link = links.setdefault(key, Link(*key, "Call"))
        at = T0 + timedelta(days=days)
        link.evidence.append(Evidence(f"call-{i}", (f"s{i}",), "RS-MUP", "1AP", "3x5x2", 10,
                                      at, at, True))  # fmt: skip
    ids = {x for a, b, _ in calls for x in (a, b)}
    network = Network({i: person(i) for i in sorted(ids)}, list(links.values()))
    network.weigh()
    return network


def route(steps: list[analysis.Step] | None) -> list[tuple[str, str, float]] | None:
    if steps is None:
        return None
    return [(s.source, s.target, (s.at - T0).total_seconds() / 86400) for s in steps]


def test_a_path_must_go_forward_in_time() -> None:
    # b calls c before a calls b: no information flows a → c that way.
    network = contacts(("b", "c", 1), ("a", "b", 2))
    assert route(analysis.time_respecting_path(network, "a", "c")) is None
    assert route(analysis.time_respecting_path(network, "c", "a")) == [("c", "b", 1), ("b", "a", 2)]
    # The static shortest path exists all the same.
    assert analysis.shortest_path(network, "a", "c") is not None


def test_links_at_the_same_time_do_not_chain() -> None:
    network = contacts(("a", "b", 1), ("b", "c", 1))
    assert analysis.time_respecting_path(network, "a", "c") is None
    later = contacts(("a", "b", 1), ("b", "c", 1), ("b", "c", 1.5))
    assert route(analysis.time_respecting_path(later, "a", "c")) == [("a", "b", 1), ("b", "c", 1.5)]


def test_the_window_bounds_the_whole_path() -> None:
    network = contacts(("a", "b", 0), ("b", "c", 20), ("c", "d", 40))
    assert route(analysis.time_respecting_path(network, "a", "d")) == [
        ("a", "b", 0), ("b", "c", 20), ("c", "d", 40)]  # fmt: skip
    assert analysis.time_respecting_path(network, "a", "d", timedelta(days=30)) is None
    assert route(analysis.time_respecting_path(network, "a", "c", timedelta(days=30))) == [
        ("a", "b", 0), ("b", "c", 20)]  # fmt: skip


def test_the_fastest_journey_is_chosen() -> None:
    # Leaving at day 0 arrives on day 50; leaving at day 45 (a later call) arrives on day 47.
    network = contacts(("a", "b", 0), ("a", "b", 45), ("b", "c", 47), ("a", "x", 1), ("x", "c", 50))
    assert route(analysis.time_respecting_path(network, "a", "c")) == [
        ("a", "b", 45),
        ("b", "c", 47),
    ]
    assert route(analysis.time_respecting_path(network, "a", "c", timedelta(days=3))) == [
        ("a", "b", 45), ("b", "c", 47)]  # fmt: skip


def test_standing_ties_are_not_contacts() -> None:
    network = contacts(("a", "b", 1))
    tie = Link("b", "c", "Family")
    tie.evidence.append(Evidence("fam-1", ("f",), "RS-MUP", "1AP", "3x5x2", 10, T0, T0, False))
    network.links.append(tie)
    network.nodes["c"] = person("c")
    assert analysis.time_respecting_path(network, "a", "c") is None
