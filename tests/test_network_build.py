"""The network built from the store: nodes are canonical entities, links come from what the
records say (relationships, calls between the phones' users, payments between accounts'
holders, co-mention, shared numbers), each with its evidence; `as_of` keeps what was known."""

from __future__ import annotations

from datetime import date

from corridor.model.scope import SYSTEM_SCOPE
from corridor.network.build import build_network
from corridor.store.base import Store
from corridor.store.records import Pair, ResolutionRun
from sharing_support import write_entities, write_entity


def small_world(store: Store) -> None:
    write_entities(store, [
        ("Person", "p-org", {"name": "Organiser One", "phone": "+381641111111"}),
        ("Person", "p-drv", {"name": "Driver Two", "phone": "+381642222222"}),
        ("Person", "p-bank", {"name": "Banker Three"}),
        ("Person", "p-rel", {"name": "Relative Four"}),
        ("Person", "p-org2", {"name": "Organiser 1", "phone": "+381641111111"}),
        ("BankAccount", "a-bank", {"iban": "GB33BUKB20201555555555"}),
        ("Vehicle", "v-van", {"registrationNumber": "BG 123-AB", "operator": "p-drv"}),
        ("Associate", "as-1", {"person": "p-org", "associate": "p-drv", "relationship": "driver"}),
        ("Ownership", "own-1", {"owner": "p-bank", "asset": "a-bank"}),
        ("Payment", "pay-1", {"payer": "p-rel", "beneficiaryAccount": "a-bank",
                              "amount": "900", "date": "2024-03-01"}),
        ("Call", "call-1", {"callerNumber": "+381641111111", "receiverNumber": "+381642222222",
                            "startDate": "2024-04-02T10:00:00"}),
        ("PlainText", "rep-1", {"title": "report"}),
        ("Documentation", "doc-1", {"document": "rep-1", "entity": "p-drv"}),
        ("Documentation", "doc-2", {"document": "rep-1", "entity": "p-bank"}),
    ], collected_at="2024-06-01T00:00:00Z")  # fmt: skip


def links_of(network, kind: str) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(k.a, k.b) for k in network.links if k.kind == kind}


def test_links_come_from_every_kind_of_record(store: Store) -> None:
    small_world(store)
    network = build_network(store, SYSTEM_SCOPE)
    assert set(network.nodes) == {"p-org", "p-drv", "p-bank", "p-rel", "p-org2", "a-bank", "v-van"}
    assert links_of(network, "Associate") == {("p-drv", "p-org")}
    assert links_of(network, "Ownership") == {("a-bank", "p-bank")}
    # The payment names no beneficiary: the account's holder is the one paid.
    assert links_of(network, "Payment") == {("p-bank", "p-rel")}
    # The call names numbers only: their users are the callers (both records carrying the
    # organiser's number, before resolution).
    assert links_of(network, "Call") == {("p-drv", "p-org"), ("p-drv", "p-org2")}
    assert links_of(network, "co-mention") == {("p-bank", "p-drv")}
    assert links_of(network, "operator") == {("p-drv", "v-van")}
    assert links_of(network, "shared phone") == {("p-org", "p-org2")}
    call = next(k for k in network.links if k.kind == "Call" and k.b == "p-org")
    (item,) = call.evidence
    assert item.record_id == "call-1" and item.dated
    assert item.at is not None and item.at.isoformat() == "2024-04-02T10:00:00+00:00"
    assert len(item.statement_ids) == 4  # the two numbers, and the phone on each record
    assert 0 < call.weight < 1


def test_resolved_records_are_one_node(store: Store) -> None:
    small_world(store)
    from datetime import UTC, datetime

    run = ResolutionRun("r1", "Person", "duckdb", datetime.now(UTC), datetime.now(UTC), 0.7,
                        5, 1, {"comparisons": []})  # fmt: skip
    clusters = {i: i for i in ("p-org", "p-drv", "p-bank", "p-rel")} | {"p-org2": "p-org"}
    store.replace_resolution(run, [], [], [Pair("p-org", "p-org2", 0.99, 9.0)], clusters)
    network = build_network(store, SYSTEM_SCOPE)
    assert "p-org2" not in network.nodes
    assert network.nodes["p-org"].record_ids == ["p-org", "p-org2"]
    assert network.node_of["p-org2"] == "p-org"
    assert links_of(network, "Call") == {("p-drv", "p-org")}
    assert links_of(network, "shared phone") == set()  # one person's two records share nothing
    # Without resolution every record stands alone.
    assert "p-org2" in build_network(store, SYSTEM_SCOPE, resolved=False).nodes


def test_people_fold_other_nodes_into_links(store: Store) -> None:
    small_world(store)
    write_entity(store, "Ownership", "own-2", {"owner": "p-org", "asset": "v-van"})
    people = build_network(store, SYSTEM_SCOPE).people()
    assert all(n.kind == "Person" for n in people.nodes.values())
    shared = [k for k in people.links if k.kind == "shared Vehicle"]
    assert [(k.a, k.b, k.via) for k in shared] == [("p-drv", "p-org", "v-van")]
    assert {e.record_id for e in shared[0].evidence} == {"v-van", "own-2"}


def test_as_of_keeps_what_was_known_then(store: Store) -> None:
    small_world(store)
    write_entity(store, "Associate", "as-late", {"person": "p-bank", "associate": "p-rel"},
                 collected_at="2025-01-10T00:00:00Z")  # fmt: skip
    now = build_network(store, SYSTEM_SCOPE)
    assert ("p-bank", "p-rel") in links_of(now, "Associate")
    then = build_network(store, SYSTEM_SCOPE, as_of=date(2024, 12, 31))
    assert links_of(then, "Associate") == {("p-drv", "p-org")}
    assert build_network(store, SYSTEM_SCOPE, as_of=date(2024, 1, 1)).nodes == {}


def test_weight_grows_with_corroboration_and_grade(store: Store) -> None:
    write_entities(store, [("Person", "a", {"name": "A"}), ("Person", "b", {"name": "B"}),
                           ("Person", "c", {"name": "C"})])  # fmt: skip
    write_entity(store, "Associate", "ab-1", {"person": "a", "associate": "b"}, grading="1AP")
    write_entity(store, "Associate", "ab-2", {"person": "a", "associate": "b"}, grading="1AP")
    write_entity(store, "Associate", "ac-1", {"person": "a", "associate": "c"}, grading="3CP")
    network = build_network(store, SYSTEM_SCOPE)
    w = {(k.a, k.b): k.weight for k in network.links}
    single_1a = 0.8  # one `1A` item, undecayed (all collected at the same time here)
    assert w[("a", "b")] > single_1a > w[("a", "c")]
