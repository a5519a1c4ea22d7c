"""A reader never sees a link, or a score, that rests on evidence above their clearance.

Property: for random small worlds of people and ties, each record at a random classification,
everything a reader is shown (links with their weights and evidence, communities, centralities,
the disruption ranking, roles, brokers, burner successions, changes between two days, paths,
timelines, and every export format) equals what the
operator is shown of a store holding only what that reader may read. A hidden link therefore
leaves no trace: not in a weight, a community, a rank, a role, an exported file, nor in the
reference time the weights decay from.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callers import reading
from corridor.model.classification import Classification
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.network import analysis, export, ranking, service
from corridor.network.brokers import brokers
from corridor.network.build import build_network
from corridor.network.graph import Network
from corridor.network.roles import infer_roles
from corridor.store.base import Store
from sharing_support import write_entities
from stores import new_store

LEVELS = ["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET"]
GRADES = ["1AP", "2BP", "3CP", "2AP", "2DP"]
PHONES = ["+381641000001", "+381641000002", "+381641000003"]
#: Numbers on nobody's record: what a burner succession may attribute to someone.
LOOSE_PHONES = ["+381641000008", "+381641000009"]
#: Words a relationship or a membership may state a role in (or none).
WORDS = ["", "driver for the organiser", "јатак", "vozač kod organizatora", "organizator"]

Entity = tuple[str, str, dict[str, Any]]


@st.composite
def worlds(draw: st.DrawFn) -> list[tuple[str, str, str, Entity]]:
    """(classification, grading, collected, entity) for people and the ties between them."""
    n = draw(st.integers(3, 6))
    people = [f"p{i}" for i in range(n)]
    out = []
    for p in people:
        props: dict[str, Any] = {"name": f"Person {p}"}
        if draw(st.booleans()):
            props["phone"] = draw(st.sampled_from(PHONES))
        out.append((draw(st.sampled_from(LEVELS)), draw(st.sampled_from(GRADES)),
                    "2024-01-01T00:00:00Z", ("Person", p, props)))  # fmt: skip
    pair = st.tuples(st.sampled_from(people), st.sampled_from(people))
    kinds = st.sampled_from(["Associate", "Call", "mention", "Membership", "item"])
    for i, (kind, (a, b)) in enumerate(draw(st.lists(st.tuples(kinds, pair), max_size=10))):
        month = draw(st.integers(1, 12))
        collected = f"2024-{month:02d}-15T00:00:00Z"
        words = draw(st.sampled_from(WORDS))
        said = {"relationship": words} if words else {}
        if kind == "Associate":
            entities: list[Entity] = [
                ("Associate", f"as{i}", {"person": a, "associate": b, **said})]  # fmt: skip
        elif kind == "Membership":
            entities = [("Organization", f"o{i % 2}", {"name": f"Crew {i % 2}"}),
                        ("Membership", f"m{i}", {"member": a, "organization": f"o{i % 2}",
                                                 **({"role": words} if words else {})})]  # fmt: skip
        elif kind == "Call":
            entities = [("Call", f"c{i}", {
                "callerNumber": draw(st.sampled_from(PHONES + LOOSE_PHONES)), "receiver": b,
                "startDate": f"{collected[:8]}{draw(st.integers(1, 14)):02d}"})]  # fmt: skip
        elif kind == "item":
            # A report's item about one person: its words and its mention, each at a level of
            # its own (a reader may see the mention and not the words, or the other way).
            ref = {"_source_ref": f"R{i}#1"}
            text = words or "organizuje prebacivanje migranata"
            for entity in (("Note", f"R{i}#1", {"description": text, **ref}),
                           ("Documentation", f"R{i}#1>{a}", {"document": f"R{i}", "entity": a,
                                                             **ref})):  # fmt: skip
                level, grade = draw(st.sampled_from(LEVELS)), draw(st.sampled_from(GRADES))
                out.append((level, grade, collected, entity))
            continue
        else:
            entities = [("Documentation", f"d{i}a", {"document": f"r{i}", "entity": a}),
                        ("Documentation", f"d{i}b", {"document": f"r{i}", "entity": b})]  # fmt: skip
        level, grade = draw(st.sampled_from(LEVELS)), draw(st.sampled_from(GRADES))
        out.extend((level, grade, collected, e) for e in entities)
    return out


def fill(store: Store, world: list[tuple[str, str, str, Entity]], top: Classification) -> None:
    for level, grade, collected, (schema, entity_id, props) in world:
        if Classification.parse(level) <= top:
            fields = dict(props)
            ref = fields.pop("_source_ref", None)  # one report item's records share it
            write_entities(store, [(schema, entity_id, fields)], classification=level,
                           grading=grade, collected_at=collected,
                           **({"source_ref": ref} if ref else {}))  # fmt: skip


def shown(network: Network) -> dict[str, Any]:
    """Everything a reader is shown of a network, as plain values."""
    people = network.people()
    ids = sorted(people.nodes)
    path = analysis.shortest_path(network, ids[0], ids[-1]) if len(ids) > 1 else None
    return {
        "links": sorted((k.a, k.b, k.kind, k.via, round(k.weight, 12),
                         sorted(e.record_id for e in k.evidence)) for k in network.links),
        "reference": network.reference,
        "communities": analysis.communities(people),
        "centralities": analysis.centralities(people),
        "rank": [(r.node_id, round(r.disruption.score, 12), r.role, round(r.priority, 12))
                 for r in ranking.rank(people)],
        "path": path.nodes if path else None,
        "roles": {n: g.to_dict() for n, g in infer_roles(network, people).items()},
        "successions": [s.to_dict() for s in network.successions],
        "brokers": [b.to_dict() for b in brokers(people, analysis.communities(people),
                                                 analysis.centralities(people))],
        "exports": {fmt: write(network, service.facts(network)[0])
                    for fmt, write in export.WRITERS.items()},
    }  # fmt: skip


@contextmanager
def seen_alike(
    world: list[tuple[str, str, str, Entity]], clearance: str
) -> Iterator[tuple[Store, Store, Classification, Network]]:
    """The world in full in one store and, in another, only what a reader at `clearance` may
    read; checked that the reader's network of the first is the operator's of the second, and
    rests on nothing above their clearance. Yields both stores, the level and that network."""
    top = Classification.parse(clearance)
    full, visible = new_store(), new_store()
    try:
        fill(full, world, Classification.TOP_SECRET)
        fill(visible, world, top)
        mine = build_network(full, ReadScope(top))
        assert all(e.classification <= top for e in mine.evidence())
        assert shown(mine) == shown(build_network(visible, SYSTEM_SCOPE))
        yield full, visible, top, mine
    finally:
        full.close()
        visible.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds(), clearance=st.sampled_from(LEVELS[:2]))
def test_a_reader_sees_only_what_their_evidence_allows(
    world: list[tuple[str, str, str, Entity]], clearance: str
) -> None:
    with seen_alike(world, clearance) as (full, visible, top, mine):
        # Through the service, as the API and the command line call it.
        caller = reading(ReadScope(top))
        assert [r.to_dict() for r in service.rank(full, caller)] == [
            r.to_dict() for r in service.rank(visible, reading(SYSTEM_SCOPE))]  # fmt: skip
        assert service.communities(full, caller) == service.communities(
            visible, reading(SYSTEM_SCOPE))  # fmt: skip
        for fmt in export.FORMATS:
            assert service.export_network(full, caller, fmt) == service.export_network(
                visible, reading(SYSTEM_SCOPE), fmt)  # fmt: skip
        assert [r.to_dict() for r in service.roles(full, caller)] == [
            r.to_dict() for r in service.roles(visible, reading(SYSTEM_SCOPE))]  # fmt: skip
        theirs = reading(SYSTEM_SCOPE)
        assert [b.to_dict() for b in service.brokers(full, caller)] == [
            b.to_dict() for b in service.brokers(visible, theirs)]  # fmt: skip
        assert [s.to_dict() for s in service.burners(full, caller)] == [
            s.to_dict() for s in service.burners(visible, theirs)]  # fmt: skip
        window = (date(2024, 4, 1), date(2024, 8, 31))
        assert service.changes(full, caller, *window) == service.changes(visible, theirs, *window)
        for node in sorted(mine.nodes)[:3]:
            assert service.timeline(full, caller, node, community=True) == service.timeline(
                visible, reading(SYSTEM_SCOPE), node, community=True)  # fmt: skip


@st.composite
def churn_worlds(draw: st.DrawFn) -> list[tuple[str, str, str, Entity]]:
    """p1's number calls some of p2…p5 in January; a number on nobody's record calls some of
    them in February (a burner succession when enough of it can be read); each call at a
    random classification."""
    old, new = PHONES[0], LOOSE_PHONES[0]
    out: list[tuple[str, str, str, Entity]] = [
        ("OFFICIAL", "2AP", "2024-01-01T00:00:00Z",
         ("Person", "p1", {"name": "Person p1", "phone": old}))]  # fmt: skip
    out += [("OFFICIAL", "2AP", "2024-01-01T00:00:00Z", ("Person", p, {"name": f"Person {p}"}))
            for p in ("p2", "p3", "p4", "p5")]  # fmt: skip
    for number, month in ((old, 1), (new, 2)):
        for p in draw(st.lists(st.sampled_from(["p2", "p3", "p4", "p5"]), min_size=2,
                               max_size=8)):  # fmt: skip
            day = draw(st.integers(1, 20 if month == 1 else 8))
            call = (
                "Call",
                f"c-{number[-1]}-{p}-{day}",
                {"callerNumber": number, "receiver": p, "startDate": f"2024-{month:02d}-{day:02d}"},
            )
            out.append((draw(st.sampled_from([LEVELS[0], *LEVELS])), draw(st.sampled_from(GRADES)),
                        f"2024-{month:02d}-28T00:00:00Z", call))  # fmt: skip
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=churn_worlds(), clearance=st.sampled_from(LEVELS[:2]))
def test_a_burner_succession_rests_only_on_calls_the_reader_may_read(
    world: list[tuple[str, str, str, Entity]], clearance: str
) -> None:
    with seen_alike(world, clearance) as (full, visible, top, _):
        found = service.burners(full, reading(ReadScope(top)))
        assert [s.to_dict() for s in found] == [
            s.to_dict() for s in service.burners(visible, reading(SYSTEM_SCOPE))]  # fmt: skip
        assert all(s.classification <= top for s in found)
