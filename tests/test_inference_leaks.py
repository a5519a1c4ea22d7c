"""Inference leaks: nothing a reader is shown is computed from what they may not see.

A match's probability and a cluster are formed on the values the reader sees, and an upload's
counts of links and alerts count what its writer may see; a dataset the reader may not know of
answers as an unknown one; a judgement's note is read only by those cleared to its judge's
clearance; an auditor sees every entry of the log, but not the ids and terms of entries about
what is above their clearance."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callers import reading
from conftest import Api, write_csv
from corridor.access.caller import Caller
from corridor.audit import Event, audit, flush, verify_store
from corridor.audit.service import REDACTED, as_seen
from corridor.ingest.service import ingest_path
from corridor.model.classification import Classification
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.resolve import service
from corridor.scenario import build_scenario
from corridor.screen.lists import load_list
from corridor.store.base import Store
from corridor.users.service import create_user
from sharing_support import write_entities
from stores import new_store

# --- screening datasets and alerts ------------------------------------------------------------

WATCH_MAPPING = """
provenance: {agency: GB-NCA, grading: 2BP, classification: OFFICIAL-SENSITIVE}
entities:
  person: {schema: Person, id_column: id, properties: {name: {column: name}}}
"""
WATCHED = "Mohammed Abdullah al-Hassan"


@pytest.fixture
def watched(api: Api, tmp_path: Path) -> Api:
    """A national watchlist, every entry OFFICIAL-SENSITIVE (above `analyst_low`)."""
    mapping = tmp_path / "watch.yml"
    mapping.write_text(WATCH_MAPPING, encoding="utf-8")
    path = write_csv(tmp_path / "watch.csv", ["id", "name"], [["w-1", WATCHED]])
    load_list(api.store, Caller.operator(), path, "gb_watch", fmt="watchlist", mapping=mapping)
    return api


def _query(name: str) -> dict[str, Any]:
    return {"queries": {"q": {"schema": "Person", "properties": {"name": [name]}}}}


def test_a_dataset_the_reader_may_not_see_answers_as_an_unknown_one(watched: Api) -> None:
    hidden = watched.post("/match/gb_watch", user="analyst_low", json=_query(WATCHED))
    unknown = watched.post("/match/no_such_list", user="analyst_low", json=_query(WATCHED))
    assert hidden.status_code == unknown.status_code == 404
    assert "gb_watch" not in unknown.text
    assert hidden.json()["message"].replace("gb_watch", "X") == unknown.json()["message"].replace(
        "no_such_list", "X"
    )
    r = watched.get("/search/gb_watch", user="analyst_low", params={"q": WATCHED})
    assert r.status_code == 404
    assert watched.get("/catalog", user="analyst_low").json()["datasets"] == []
    # Who is cleared to it matches against it.
    r = watched.post("/match/gb_watch", user="analyst", json=_query(WATCHED))
    assert r.status_code == 200 and r.json()["responses"]["q"]["results"][0]["id"] == "w-1"
    assert "gb_watch" in watched.post("/match/no_such_list", json=_query("x")).text


def test_an_upload_counts_only_the_alerts_its_writer_may_see(watched: Api) -> None:
    def upload(user: str, record_id: str) -> dict[str, Any]:
        mapping = (
            "provenance: {agency: RS-MUP, grading: 2BP, classification: OFFICIAL}\n"
            "entities:\n  person: {schema: Person, id_column: id, "
            "properties: {name: {column: name}}}\n"
        )
        files = {
            "file": ("p.csv", f"id,name\n{record_id},{WATCHED}\n"),
            "mapping": ("m.yml", mapping),
        }
        r = watched.post("/ingest", user=user, files=files)
        assert r.status_code == 200, r.text
        return dict(r.json())

    assert upload("analyst_low", "probe-1")["alerts"] == 0
    assert [a.list_entity_id for a in watched.store.alerts("probe-1")] == ["w-1"]  # raised
    assert upload("analyst", "probe-2")["alerts"] == 1


# --- the audit log ----------------------------------------------------------------------------


def test_an_auditor_does_not_see_the_ids_and_terms_of_what_is_above_them(
    api: Api, people_files: tuple[Path, Path]
) -> None:
    csv_path, mapping = people_files
    ingest_path(api.store, Caller.operator(), csv_path, mapping=mapping)  # rs-p-2 is SECRET
    assert api.get("/entities/rs-p-2", user="analyst").status_code == 200
    assert api.get("/search", user="analyst", params={"q": "محمد الحسن"}).json()["total"] == 1
    assert api.get("/entities/rs-p-3", user="analyst").status_code == 200  # OFFICIAL
    _, key = create_user(api.store, Caller.operator(), "audit_low", "auditor", "GB-NCA",
                         "OFFICIAL")  # fmt: skip
    api.keys["auditor_low"] = key

    def log(user: str) -> list[dict[str, Any]]:
        r = api.get("/audit", user=user, params={"event": "read", "limit": 1000})
        assert r.status_code == 200, r.text
        return list(r.json()["entries"])

    low, cleared = log("auditor_low"), log("auditor")
    assert len(low) == len(cleared)  # every entry, whoever reads
    text = json.dumps(low, ensure_ascii=False)
    assert "rs-p-2" not in text and "محمد" not in text
    assert "rs-p-3" in text  # what the auditor is cleared to is shown whole
    redacted = [e for e in low if e["detail"].get("redacted")]
    assert {e["target"] for e in redacted} == {f"entities/{REDACTED}", "search"}
    assert all(e["detail"]["classification"] == "SECRET" for e in redacted)
    text = json.dumps(cleared, ensure_ascii=False)
    assert "rs-p-2" in text and "محمد الحسن" in text
    # The stored entries are unchanged: the chain verifies.
    assert api.get("/audit/verify", user="auditor_low").json()["ok"] is True


def test_an_entry_is_redacted_exactly_when_it_is_above_the_reader(store: Store) -> None:
    """Every marking (or none) against every clearance and kind of target: the ids and terms
    are shown exactly when the reader is cleared to what the entry touched, the chain's
    fields never change, and the stored log verifies."""
    targets = ["entities/p-42", "entities/p-42/matches", "search", "judgements/p-1/p-42"]
    cases = [(m, t) for m in [None, *Classification] for t in targets]
    for marked, target in cases:
        audit(store, Caller.operator(), Event.READ, target, {"q": "Jovan", "ids": ["p-42"]},
              marked)  # fmt: skip
    flush(store)
    entries = store.audit_entries()
    assert len(entries) == len(cases)
    for (marked, _), entry in zip(cases, entries, strict=True):
        for clearance in Classification:
            shown = as_seen(entry, ReadScope(clearance))
            above = marked is not None and marked > Classification.OFFICIAL and marked > clearance
            text = shown.target + shown.detail
            assert ("p-42" in text or "Jovan" in text) is not above, (marked, clearance, shown)
            assert (shown == entry) is not above
            assert (shown.seq, shown.hash, shown.prev_hash) == (entry.seq, entry.hash,
                                                                 entry.prev_hash)  # fmt: skip
    assert verify_store(store).ok


SECRET = ReadScope(Classification.SECRET)
#: Two records of one name, which values above SECRET (a birth date, a passport number and a
#: phone, the same on both) make one person; on their names alone they are not.
NAMED = [("Person", "x-1", {"name": "Dragoslav Vukašinović"}),
         ("Person", "y-1", {"name": "Dragoslav Vukasinovic"})]  # fmt: skip
HIDDEN = {"birthDate": "1971-04-19", "passportNumber": "P99887766", "phone": "+381631112233"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    build_scenario(out, seed=7, scale=0.3)
    return out


def resolved_world(store: Store, world: Path) -> None:
    """The scenario, the two records above, resolved."""
    ingest_path(store, Caller.operator(), world, show_progress=False)
    write_entities(store, NAMED, agency="GB-NCA", classification="OFFICIAL")
    write_entities(store, [("Person", i, HIDDEN) for _, i, _ in NAMED], agency="GB-NCA",
                   classification="TOP SECRET")  # fmt: skip
    service.resolve_all(store, Caller.operator(), "Person")


@pytest.fixture
def linked(world: Path) -> Iterator[Store]:
    store = new_store()
    resolved_world(store, world)
    yield store
    store.close()


# --- matches and canonical entities -----------------------------------------------------------


def test_a_link_made_by_hidden_values_is_shown_as_the_readers_values_make_it(
    linked: Store,
) -> None:
    store = linked
    # The store links them, on every value (the test can fail).
    assert store.clusters_of(["x-1"])["x-1"] == store.clusters_of(["y-1"])["y-1"]
    [stored] = [p for p in store.pairs_of(["x-1"]) if "y-1" in (p.left_id, p.right_id)]
    assert stored.probability > 0.999
    visible = service.explain(store, "x-1", "y-1", SECRET)
    assert visible.probability < service.DEFAULT_THRESHOLD  # names alone do not make one person

    found = service.matches(store, reading(SECRET), "x-1")
    [match] = [m for m in found["matches"] if m["id"] == "y-1"]
    assert match["probability"] == pytest.approx(visible.probability, abs=1e-9)
    assert match["probability"] == pytest.approx(match["explanation"]["probability"], abs=1e-9)
    assert match["match_weight"] == pytest.approx(visible.match_weight, abs=1e-9)
    assert match["same_cluster"] is False
    view = service.canonical(store, reading(SECRET), "x-1")
    assert "y-1" not in view["members"]
    assert {s["entity_id"] for s in view["statements"]} <= set(view["members"])
    assert service.reader_clusters(store, ["x-1", "y-1"], SECRET) == {"x-1": "x-1", "y-1": "y-1"}

    # Who sees everything sees the stored link and the merged entity.
    everything = service.matches(store, Caller.operator(), "x-1")
    [match] = [m for m in everything["matches"] if m["id"] == "y-1"]
    assert match["probability"] == stored.probability and match["same_cluster"] is True
    assert set(service.canonical(store, Caller.operator(), "x-1")["members"]) == {"x-1", "y-1"}


def test_a_reader_who_sees_a_cluster_whole_sees_it_as_stored(linked: Store) -> None:
    """The same rule forms a reader's clusters and the stored ones: where every value of a
    cluster is within the reader's clearance, theirs is the stored cluster."""
    store = linked
    clusters = store.all_clusters("Person")
    groups: dict[str, list[str]] = {}
    for record, cluster_id in sorted(clusters.items()):
        groups.setdefault(cluster_id, []).append(record)
    whole = [
        members for members in groups.values()
        if len(members) > 1 and all(
            len(store.get_entity(m, SECRET).statements)  # type: ignore[union-attr]
            == len(store.get_entity(m, SYSTEM_SCOPE).statements)  # type: ignore[union-attr]
            for m in members
        )
    ][:5]  # fmt: skip
    assert whole
    for members in whole:
        view = service.canonical(store, reading(SECRET), members[0])
        assert view["members"] == sorted(members)
        for match in service.matches(store, reading(SECRET), members[0])["matches"]:
            stored = next(p for p in store.pairs_of([members[0]]) if match["id"] in
                          (p.left_id, p.right_id))  # fmt: skip
            if match["id"] in members:
                assert match["same_cluster"] and match["probability"] == stored.probability


def test_an_upload_counts_only_the_links_its_writer_may_see(api: Api, world: Path) -> None:
    # A record of which the OFFICIAL analyst sees nothing, and one matching it that they upload.
    write_entities(api.store, [("Person", "h-1", {"name": "Radomir Stanisavljević",
                                                  "birthDate": "1969-11-02"})],
                   agency="RS-MUP", classification="SECRET")  # fmt: skip
    resolved_world(api.store, world)
    row = {"id": "low-1", "name": "Radomir Stanisavljevic", "dob": "1969-11-02"}
    mapping = (
        "provenance: {agency: RS-MUP, grading: 2BP, classification: OFFICIAL}\n"
        "entities:\n  person:\n    schema: Person\n    id_column: id\n"
        "    properties: {name: {column: name}, birthDate: {column: dob}}\n"
    )
    files = {"file": ("p.csv", f"id,name,dob\n{row['id']},{row['name']},{row['dob']}\n"),
             "mapping": ("m.yml", mapping)}  # fmt: skip
    r = api.post("/ingest", user="analyst_low", files=files)
    assert r.status_code == 200, r.text
    assert r.json()["linked"] == {"Person": 0}
    # It was linked (the test can fail): to a record the analyst may not know of.
    assert any("h-1" in (p.left_id, p.right_id) for p in api.store.pairs_of(["low-1"]))
    files["file"] = ("p2.csv", files["file"][1].replace("low-1", "low-2"))
    r = api.post("/ingest", user="analyst", files=files)  # SECRET: sees it
    assert r.status_code == 200 and r.json()["linked"]["Person"] >= 1


def test_judgement_notes_are_read_only_by_those_cleared_to_their_judge(linked: Store) -> None:
    store = linked
    low = ReadScope(Classification.OFFICIAL)
    a, b = next(
        (p.left_id, p.right_id) for p in store.pairs_of(sorted(store.all_clusters("Person")))
        if store.get_entity(p.left_id, low) and store.get_entity(p.right_id, low)
    )  # fmt: skip
    note = "source HUMINT-7 places both at the Preševo camp"
    service.judge(store, reading(SECRET, "ana"), a, b, "positive", note)
    [seen] = [j for j in service.judgements(store, reading(SECRET), a) if j.note]
    assert seen.note == note and seen.classification == Classification.SECRET
    [below] = [j for j in service.judgements(store, reading(low), a) if j.user_name == "ana"]
    assert below.note is None and below.verdict == "positive"


def test_judgement_notes_over_the_api(api: Api, world: Path) -> None:
    store = api.store
    write_entities(store, [("Person", "n-1", {"name": "Jovan Marić", "birthDate": "1980"}),
                           ("Person", "n-2", {"name": "Jovan Maric", "birthDate": "1980"})],
                   classification="OFFICIAL")  # fmt: skip
    resolved_world(store, world)
    body = {"left_id": "n-1", "right_id": "n-2", "verdict": "negative", "note": "twin brothers"}
    r = api.post("/judgements", user="analyst", json=body)
    assert r.status_code == 200 and r.json()["classification"] == "SECRET", r.text
    notes = {}
    for user in ("analyst", "analyst_low"):
        r = api.get("/judgements", user=user, params={"entity_id": "n-1"})
        assert r.status_code == 200, r.text
        notes[user] = [j["note"] for j in r.json()["judgements"]]
    assert notes == {"analyst": ["twin brothers"], "analyst_low": [None]}
