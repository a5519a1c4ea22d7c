"""Roles the records state (a membership's role, an associate's relationship), read in English
and Serbian in both scripts, weighed by their grading against behaviour; and the ranking that
puts the roles a network cannot replace first."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from callers import reading
from corridor.model.classification import Classification
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.network import ranking, role_terms, service
from corridor.network.build import build_network
from corridor.network.roles import (
    DRIVER,
    FORGER,
    ORGANISER,
    RECRUITER,
    SAFE_HOUSE_KEEPER,
    SPOTTER,
    UNKNOWN,
    infer_roles,
)
from corridor.store.base import Store
from sharing_support import write_entities

AT = "2024-04-01T00:00:00Z"


def people(store: Store, ids: list[str], category: str = "suspect") -> None:
    write_entities(store, [("Person", p, {"name": f"Person {p}"}) for p in ids],
                   person_category=category, collected_at=AT)  # fmt: skip


def member(store: Store, person: str, role: str, **prov: str) -> None:
    """`person` a member of the crew, in the role as written, with the given provenance."""
    write_entities(store, [
        ("Organization", "crew", {"name": "Crew"}),
        ("Membership", f"m-{person}", {"member": person, "organization": "crew", "role": role}),
    ], collected_at=AT, **prov)  # fmt: skip


def vans(store: Store, driver: str) -> None:
    write_entities(store, [
        ("Vehicle", f"van-{driver}-{i}", {"registrationNumber": f"BG 00{i}-{driver}",
                                          "operator": driver}) for i in (1, 2)
    ], collected_at=AT)  # fmt: skip


@given(st.sampled_from([(r, t) for r, terms in role_terms.TERMS.items() for t in terms]))
def test_every_term_reads_as_its_role_and_names_the_organiser_after_it(
    term: tuple[str, str],
) -> None:
    role, text = term
    assert role in role_terms.read(text).roles
    assert role in role_terms.read(text.upper()).roles  # case does not matter
    for tail in (" for the organiser", " kod organizatora", " код организатора"):
        said = role_terms.read(text + tail)
        assert said.counterpart == (ORGANISER,)
        assert role in said.roles or role == ORGANISER


def test_serbian_reads_alike_in_either_script_and_without_diacritics() -> None:
    for latin, cyrillic in (("vozač", "возач"), ("jatak", "јатак"), ("izviđač", "извиђач"),
                            ("falsifikovanje isprava", "фалсификовање исправа")):  # fmt: skip
        assert role_terms.read(latin) == role_terms.read(cyrillic) == role_terms.read(
            role_terms.fold(latin))  # fmt: skip
    assert role_terms.read("brother").roles == role_terms.read("co-offender").roles == ()


def test_stated_roles_are_read_in_both_languages_and_scripts(store: Store) -> None:
    people(store, ["boss", "drv", "keeper", "forger", "spot", "rec"])
    people(store, ["mig"], category="victim")
    member(store, "boss", "organiser", agency="GB-NCA", grading="1AP")
    member(store, "drv", "vozač")
    member(store, "keeper", "јатак")
    member(store, "forger", "фалсификовање исправа")
    member(store, "mig", "driver")  # a victim holds no role, whatever a record says
    # The associates' words say who works for whom; the organiser is the one named in more.
    write_entities(store, [
        ("Associate", "as-spot", {"person": "spot", "associate": "boss",
                                  "relationship": "izviđač kod organizatora"}),
        ("Associate", "as-rec", {"person": "boss", "associate": "rec",
                                 "relationship": "recruiter for the organiser"}),
    ], collected_at=AT)  # fmt: skip
    # What someone does for a firm is no role in the organisation.
    people(store, ["clerk"])
    write_entities(store, [
        ("Company", "haulier", {"name": "Haulier d.o.o."}),
        ("Employment", "emp-clerk", {"employee": "clerk", "employer": "haulier",
                                     "role": "vozač"}),
    ], collected_at=AT)  # fmt: skip
    roles = infer_roles(build_network(store, SYSTEM_SCOPE))
    assert {n: g.role for n, g in roles.items()} == {
        "boss": ORGANISER, "drv": DRIVER, "keeper": SAFE_HOUSE_KEEPER, "forger": FORGER,
        "spot": SPOTTER, "rec": RECRUITER, "mig": UNKNOWN, "clerk": UNKNOWN}  # fmt: skip
    assert roles["clerk"].statements == []
    said = roles["drv"].statements
    assert [(s.record_id, s.grading, s.text, s.reading) for s in said] == [
        ("m-drv", "2AP", "vozač", "member")]  # fmt: skip
    assert {(s.record_id, s.reading) for s in roles["boss"].statements} >= {
        ("m-boss", "member"), ("as-spot", "counterpart"), ("as-rec", "counterpart")}  # fmt: skip
    assert roles["mig"].statements == [] and not any(roles["mig"].stated.values())
    assert roles["drv"].to_dict()["statements"][0]["record_id"] == "m-drv"


def test_a_low_graded_statement_contradicted_by_behaviour_loses(store: Store) -> None:
    people(store, ["weak", "strong", "alone", "plain", "anchor"])
    member(store, "anchor", "organizator", grading="1AP")
    for p in ("weak", "strong", "plain"):
        vans(store, p)
    member(store, "weak", "forger", grading="3EP")  # an untested source, suspected false
    member(store, "strong", "forger", grading="1AP")
    member(store, "alone", "forger", grading="3EP")
    roles = infer_roles(build_network(store, SYSTEM_SCOPE))
    assert roles["weak"].role == DRIVER  # two vans outweigh a 3E word
    assert roles["weak"].score < roles["plain"].score  # the contradiction costs confidence
    assert roles["strong"].role == FORGER  # a 1A word outweighs the vans
    assert roles["alone"].role == UNKNOWN  # a 3E word alone establishes nothing
    assert roles["plain"].role == DRIVER and not roles["plain"].statements  # behaviour alone


def test_a_reader_gets_roles_without_a_membership_above_their_clearance(store: Store) -> None:
    people(store, ["boss", "keeper", "drv"])
    member(store, "boss", "organizator", grading="1AP")
    vans(store, "drv")
    member(store, "keeper", "jatak", classification="SECRET")
    member(store, "drv", "organizator", grading="1AP", classification="SECRET")
    low = {
        r.entity_id: r for r in service.roles(store, reading(ReadScope(Classification.OFFICIAL)))
    }
    high = {r.entity_id: r for r in service.roles(store, reading(SYSTEM_SCOPE))}
    assert high["keeper"].role == SAFE_HOUSE_KEEPER
    assert low["keeper"].role == UNKNOWN and not low["keeper"].statements
    assert low["drv"].role == DRIVER
    assert all(s.record_id != "m-drv" for s in low["drv"].statements)
    assert any(s.record_id == "m-drv" for s in high["drv"].statements)


def test_two_organisers_named_in_one_community_are_both_organisers(store: Store) -> None:
    # One dense group that two networks' organisers share (their crews meet at one safe house).
    people(store, ["b1", "b2", "d1", "d2", "d3"])
    for a, b in [("b1", "d1"), ("b1", "d2"), ("b2", "d2"), ("b2", "d3"), ("d1", "d3"),
                 ("b1", "b2")]:  # fmt: skip
        write_entities(store, [("Associate", f"as-{a}-{b}", {"person": a, "associate": b})],
                       collected_at=AT)  # fmt: skip
    member(store, "b1", "organiser", grading="2BP")
    member(store, "b2", "organizator", grading="2BP")
    network = build_network(store, SYSTEM_SCOPE)
    people_net = network.people()
    groups = dict.fromkeys(people_net.nodes, 0)  # one community, whatever Leiden makes of it
    roles = infer_roles(network, people_net, groups)
    assert roles["b1"].role == roles["b2"].role == ORGANISER


def test_an_organiser_ranks_above_a_driver_of_equal_structure(store: Store) -> None:
    # Two mirror images: `boss` and `drv` each with two associates, tied to each other.
    people(store, ["boss", "drv", "a1", "a2", "b1", "b2"])
    ties = [("boss", "a1"), ("boss", "a2"), ("drv", "b1"), ("drv", "b2"), ("boss", "drv")]
    write_entities(store, [("Associate", f"as-{a}-{b}", {"person": a, "associate": b})
                           for a, b in ties], collected_at=AT)  # fmt: skip
    write_entities(store, [
        ("Organization", "crew", {"name": "Crew"}),
        ("Membership", "m-boss", {"member": "boss", "organization": "crew", "role": "organiser"}),
        ("Membership", "m-drv", {"member": "drv", "organization": "crew", "role": "driver"}),
    ], collected_at=AT, grading="1AP")  # fmt: skip
    ranked = ranking.rank(build_network(store, SYSTEM_SCOPE).people())
    by_id = {r.node_id: r for r in ranked}
    boss, drv = by_id["boss"], by_id["drv"]
    assert abs(boss.disruption.score - drv.disruption.score) < 1e-9
    assert (boss.role, drv.role) == (ORGANISER, DRIVER)
    assert boss.priority > drv.priority
    ids = [r.node_id for r in ranked]
    assert ids.index("boss") < ids.index("drv")
    assert any("organiser" in why for why in boss.reasons)
    rows = service.rank(store, reading(SYSTEM_SCOPE))
    assert rows[0].entity_id == "boss" and rows[0].role == ORGANISER
    assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)


unit = st.floats(0.0, 1.0)


@given(unit, unit, unit, st.sampled_from(sorted(ranking.ROLE_WEIGHT)))
def test_priority_grows_with_structure_and_puts_organisers_before_drivers(
    a: float, b: float, support: float, role: str
) -> None:
    low, high = sorted((a, b))
    assert ranking.priority(low, role, support, False) <= ranking.priority(
        high, role, support, False)  # fmt: skip
    assert ranking.priority(high, ORGANISER, support, False) >= ranking.priority(
        high, DRIVER, support, False)  # fmt: skip
    assert ranking.priority(high, ORGANISER, 1.0, True) == 0.0  # victims are no target
