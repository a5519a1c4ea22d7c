"""Clustering with judgements, against networkx's connected components (the reference)."""

from __future__ import annotations

from datetime import date

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.resolve.clusters import cluster, cluster_cohesive
from corridor.resolve.features import births_apart, cannot_link

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless

NODES = [f"n{i}" for i in range(12)]
edge = st.tuples(st.sampled_from(NODES), st.sampled_from(NODES), st.floats(0, 1))
pair = st.tuples(st.sampled_from(NODES), st.sampled_from(NODES)).filter(lambda p: p[0] != p[1])


def groups(mapping: dict[str, str]) -> set[frozenset[str]]:
    out: dict[str, set[str]] = {}
    for record, cluster_id in mapping.items():
        out.setdefault(cluster_id, set()).add(record)
    return {frozenset(g) for g in out.values()}


@given(st.lists(edge, max_size=30), st.floats(0, 1))
def test_without_judgements_clusters_are_connected_components(edges, threshold) -> None:  # type: ignore[no-untyped-def]
    graph = nx.Graph()
    graph.add_nodes_from(NODES)
    graph.add_edges_from((a, b) for a, b, p in edges if p >= threshold)
    expected = {frozenset(c) for c in nx.connected_components(graph)}
    assert groups(cluster(NODES, edges, threshold)) == expected


@given(st.lists(edge, max_size=30), st.lists(pair, max_size=5), st.lists(pair, max_size=5))
def test_judgements_always_hold(edges, same, different) -> None:  # type: ignore[no-untyped-def]
    result = cluster(NODES, edges, 0.5, same, different)
    for a, b in different:
        assert result[a] != result[b], "a negative judgement must keep two records apart"
    for a, b in same:
        # a positive judgement joins, unless it would break a negative one
        if result[a] != result[b]:
            assert any({result[x], result[y]} == {result[a], result[b]} for x, y in different)
    assert all(cid == min(r for r, c in result.items() if c == cid) for cid in result.values())


@given(st.lists(edge, max_size=30), st.lists(pair, max_size=5), st.randoms())
def test_input_order_does_not_matter(edges, different, rng) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(edges)
    rng.shuffle(shuffled)
    assert cluster(NODES, edges, 0.5, (), different) == cluster(
        reversed(NODES), shuffled, 0.5, (), different
    )


def test_a_negative_judgement_splits_a_chain_at_its_weakest_link() -> None:
    links = [("a", "b", 0.99), ("b", "c", 0.6), ("c", "d", 0.98)]
    assert groups(cluster("abcd", links, 0.5)) == {frozenset("abcd")}
    split = groups(cluster("abcd", links, 0.5, different=[("a", "d")]))
    assert split == {frozenset("ab"), frozenset("cd")}


# --- clusters that one weak link cannot chain (`corridor link`) ----------------------------------


@given(st.lists(edge, max_size=30), st.floats(0, 1), st.floats(0, 1))
def test_cohesive_clusters_refine_connected_components(edges, threshold, cohesion) -> None:  # type: ignore[no-untyped-def]
    """Every cohesive cluster lies inside one connected component, each is connected by links
    at or above the threshold, and every record is in exactly one."""
    found = cluster_cohesive(NODES, edges, threshold, cohesion)
    assert set(found) == set(NODES)
    graph = nx.Graph()
    graph.add_nodes_from(NODES)
    graph.add_edges_from((a, b) for a, b, p in edges if p >= threshold and a != b)
    component = {n: i for i, c in enumerate(nx.connected_components(graph)) for n in c}
    for group in groups(found):
        assert len({component[n] for n in group}) == 1
        assert nx.is_connected(graph.subgraph(group))
    if cohesion == 0:
        assert groups(found) == {frozenset(c) for c in nx.connected_components(graph)}


def test_one_weak_link_does_not_merge_two_people_known_many_times() -> None:
    a = [f"a{i}" for i in range(6)]
    b = [f"b{i}" for i in range(6)]
    dense = [(x, y, 0.99) for g in (a, b) for i, x in enumerate(g) for y in g[i + 1 :]]
    bridge = [("a0", "b0", 0.9)]
    found = cluster_cohesive(a + b, dense + bridge, 0.5)
    assert groups(found) == {frozenset(a), frozenset(b)}
    # Connected components would have made them one.
    assert len(groups(cluster(a + b, dense + bridge, 0.5))) == 1
    # Most of one person's records linking to the other's: they are one.
    many = [(f"a{i}", f"b{i}", 0.9) for i in range(4)]
    assert len(groups(cluster_cohesive(a + b, dense + many, 0.5))) == 1


def test_a_chain_does_not_join_people_born_years_apart() -> None:
    # Two men of one name, father and son; a record with no date of birth looks like both.
    rows = {"son": {"dob": "1993-06-14"}, "nodate": {"dob": None}, "father": {"dob": "1972-06-15"}}
    pairs = [("nodate", "son", 0.99), ("father", "nodate", 0.98)]
    conflict = cannot_link("Person", rows, pairs, 0.9)
    assert conflict is not None
    found = groups(cluster(sorted(rows), pairs, 0.9, conflict=conflict))
    assert found == {frozenset({"son", "nodate"}), frozenset({"father"})}  # strongest first
    # Linked directly, the model has weighed the dates against the rest: one person.
    direct = [*pairs, ("father", "son", 0.95)]
    conflict = cannot_link("Person", rows, direct, 0.9)
    assert conflict is not None
    assert groups(cluster(sorted(rows), direct, 0.9, conflict=conflict)) == {frozenset(rows)}
    assert births_apart(rows["son"], rows["father"])
    assert cannot_link("Vehicle", rows, pairs, 0.9) is None


dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31))


@given(dates, st.integers(0, 7), st.integers(0, 9))
def test_one_slip_in_a_birth_date_is_no_conflict(born: date, at: int, digit: int) -> None:
    text = born.isoformat().replace("-", "")
    slipped = text[:at] + str(digit) + text[at + 1 :]
    iso = f"{slipped[:4]}-{slipped[4:6]}-{slipped[6:]}"
    one, other = {"dob": born.isoformat()}, {"dob": iso}
    assert not births_apart(one, other) and not births_apart(other, one)
    swapped = {"dob": f"{born.year:04d}-{born.day:02d}-{born.month:02d}"}  # day and month
    assert not births_apart(one, swapped)
    assert not births_apart(one, {"dob": None}) and not births_apart(one, {"dob": ""})
    far = {"dob": f"{born.year - 21:04d}-{born.month:02d}-{(born.day % 28) + 1:02d}"}
    assert births_apart(one, far) == births_apart(far, one)
