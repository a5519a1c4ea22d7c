"""Roles stated in free text: an intelligence report's item about one person, a person record's
notes; read through the same lexicon (verbs and Serbian stems too), denied words left out,
graded as the item is, and seen only by a reader who may read the item."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from callers import reading
from corridor.access.caller import Caller
from corridor.ingest.service import ingest_path
from corridor.model.classification import Classification
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.network import role_terms, service
from corridor.network.build import build_network
from corridor.network.roles import (
    DRIVER,
    MONEY_HANDLER,
    ORGANISER,
    RECRUITER,
    SPOTTER,
    UNKNOWN,
    infer_roles,
)
from corridor.store.base import Store
from sharing_support import write_entities

AT = "2024-04-01T00:00:00Z"


def report(
    store: Store, tmp_path: Path, items: list[tuple[str, str, list[str]]], **top: str
) -> None:
    """Ingest one report through the real reader: items as (text, grading, mentions), and a
    suspect Person entity for every id mentioned."""
    mentioned = sorted({m for _, _, ms in items for m in ms})
    body = {
        "report_id": top.get("report_id", "RS-IR-1"), "agency": "RS-MUP",
        "reported_at": "2024-05-03T10:00:00Z", "title": "Crew",
        "classification": top.get("classification", "OFFICIAL"),
        "items": [{"item_id": str(i), "text": text, "grading": grading, "mentions": ms}
                  for i, (text, grading, ms) in enumerate(items, start=1)],
        "entities": [{"id": m, "schema": "Person", "properties": {"name": [f"Person {m}"]},
                      "person_category": "suspect"} for m in mentioned],
    }  # fmt: skip
    path = tmp_path / f"report-{body['report_id']}.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    ingest_path(store, Caller.operator(), path)


def test_verbs_stems_and_order_are_read() -> None:
    assert role_terms.read("organises the network's movements").roles == (ORGANISER,)
    assert role_terms.read("Организује превоз").roles == (ORGANISER, DRIVER)
    # Serbian inflects: every case of "novac" is money.
    for said in ("rukuje novcem", "bez novca", "новцем"):
        assert role_terms.read(said).roles == (MONEY_HANDLER,)
    # The order the text names them in: the verb first.
    assert role_terms.read("vrbuje migrante i naplaćuje prevoz").roles == (RECRUITER, DRIVER)
    assert role_terms.read("drives for the crew and recruits").roles == (DRIVER, RECRUITER)
    assert role_terms.read("watches police patrols near the border").roles == (SPOTTER,)


@given(st.sampled_from([(r, t) for r, terms in role_terms.TERMS.items() for t in terms]),
       st.sampled_from(["not", "no longer", "never a", "nije", "ne"]))  # fmt: skip
def test_a_denied_term_says_nothing(term: tuple[str, str], negation: str) -> None:
    role, text = term
    assert role not in role_terms.read(f"{negation} {text}").roles
    assert role in role_terms.read(f"{negation} known to us; {text}").roles


def test_a_report_item_about_one_person_states_their_role(store: Store, tmp_path: Path) -> None:
    report(store, tmp_path, [
        ("Saradnik zvani 'Lala', organizuje prebacivanje migranata.", "1AP", ["boss"]),
        ("Drives migrants between safe houses at night.", "2BP", ["drv"]),
        # Two people in one item: the words are not about either alone.
        ("One of them handles the cash.", "1AP", ["drv", "pal"]),
        ("The subject is not the organiser.", "1AP", ["pal"]),
    ])  # fmt: skip
    roles = infer_roles(build_network(store, SYSTEM_SCOPE))
    assert (roles["boss"].role, roles["drv"].role, roles["pal"].role) == (
        ORGANISER, DRIVER, UNKNOWN)  # fmt: skip
    (said,) = roles["boss"].statements
    assert (said.record_id, said.reading, said.grading, said.role) == (
        "RS-IR-1#1", "reported", "1AP", ORGANISER)  # fmt: skip
    assert [s.role for s in roles["drv"].statements] == [DRIVER]  # not the shared item's cash
    assert roles["pal"].statements == []
    # A 2B item counts less than a 1A one.
    assert roles["drv"].statements[0].weight < said.weight


def test_a_person_records_notes_state_a_role(store: Store) -> None:
    write_entities(store, [
        ("Person", "p1", {"name": "Person p1", "notes": "Operativna saznanja: vozač"}),
        ("Person", "p2", {"name": "Person p2", "notes": "Nije vozač, samo vlasnik vozila"}),
    ], person_category="suspect", collected_at=AT, grading="1AP")  # fmt: skip
    roles = infer_roles(build_network(store, SYSTEM_SCOPE))
    assert roles["p1"].role == DRIVER
    assert [(s.record_id, s.reading) for s in roles["p1"].statements] == [("p1", "noted")]
    assert roles["p2"].role == UNKNOWN and roles["p2"].statements == []  # "not a driver"


def test_a_reader_without_the_report_gets_no_role_from_it(store: Store, tmp_path: Path) -> None:
    report(store, tmp_path, [("Organizuje prebacivanje migranata.", "1AP", ["boss"])],
           report_id="RS-IR-9", classification="SECRET")  # fmt: skip
    write_entities(store, [("Person", "boss", {"name": "Person boss"})],
                   person_category="suspect", collected_at=AT)  # fmt: skip
    low = {r.entity_id: r for r in
           service.roles(store, reading(ReadScope(Classification.OFFICIAL)))}  # fmt: skip
    high = {r.entity_id: r for r in service.roles(store, reading(SYSTEM_SCOPE))}
    assert high["boss"].role == ORGANISER
    assert low["boss"].role == UNKNOWN and low["boss"].statements == []
