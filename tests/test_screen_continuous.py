"""Continuous screening on the Western Balkans scenario: every planted watchlist hit is raised
(scored on the ground truth), alerts explain themselves, analysts' decisions hold until the
evidence changes, list reloads screen what is already stored, and alerts respect clearance.

Seed 7 at scale 0.2 today: every watchlist entry that some other record describes is hit (two
vehicle entries are known to the watchlist alone). 39 of the 41 records of listed people and
vehicles raise an alert on their entry; the two misses are surnames in romanisations that do
not align (a Moroccan surname written with Ch- on the list and Sh- by the agency; a Syrian one
with Ch- and Ш-). 39 of 48 alerts are right: the others share a street name (an alias of
one word) with a listed person, which scores as a full name match.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Api, write_csv
from corridor.access.caller import Caller
from corridor.ingest.service import IngestReport, ingest_file, ingest_path, load_manifest
from corridor.model.classification import Classification
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.scenario import build_scenario
from corridor.screen.alerts import _evidence, alert_visible, decide, screen_entities
from corridor.screen.lists import LoadReport, load_list
from corridor.screen.matcher import FEATURE_DOCS
from corridor.screen.matching import DEFAULT_THRESHOLD
from corridor.store.base import Store
from corridor.store.records import Alert
from stores import new_store

SEED, SCALE = 7, 0.2
#: A watchlist is two files; each is its own dataset (a load replaces a dataset's contents).
PERSONS, VEHICLES = "gb_nca_watchlist_persons", "gb_nca_watchlist_vehicles"
#: Measured on seed 7, scale 0.2: recall 41/41, precision 41/41 (seeds 3 and 11: 30/31 and
#: 29/29, no false alert); the floors sit a little below.
RECORD_RECALL_FLOOR = 0.95
PRECISION_FLOOR = 0.95
#: A phone number that no one in the scenario holds (the conftest people's Serbian mobile).
NEW_PHONE = "+381641234567"
OFFICIAL = ReadScope(Classification.OFFICIAL)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scenario")
    build_scenario(out, seed=SEED, scale=SCALE)
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_watchlist(store: Store, bundle: Path, kind: str, source: Path | None = None) -> LoadReport:
    """Load the scenario's watchlist file of a kind (or an edited copy of it) as its dataset."""
    uk = bundle / "uk"
    return load_list(
        store,
        Caller.operator(),
        source or uk / f"watchlist_{kind}.csv",
        f"gb_nca_watchlist_{kind}",
        fmt="watchlist",
        mapping=uk / f"watchlist_{kind}.mapping.yml",
    )


def ingest_entry(store: Store, bundle: Path, path: str) -> IngestReport:
    """Ingest one file of the bundle with the provenance its manifest gives it."""
    entry = next(e for e in load_manifest(bundle) if e["path"] == path)
    return ingest_file(
        store,
        Caller.operator(),
        bundle / path,
        kind=entry["kind"],
        mapping=bundle / entry["mapping"],
        defaults=entry.get("provenance"),
        show_progress=False,
        display_name=path,
    )


ADDITION_MAPPING = """
provenance:
  agency: GB-NCA
  grading: 2BP
  classification: {column: classification}
  source_ref: {column: source_ref}
entities:
  person:
    schema: Person
    id_column: record_id
    properties:
      phone: {column: phone}
      notes: {column: notes}
"""


def add_statements(
    store: Store,
    folder: Path,
    record_id: str,
    *,
    phone: str = "",
    notes: str = "",
    classification: str = "OFFICIAL",
) -> IngestReport:
    """Ingest a new statement about a stored record, as a later intelligence report would."""
    folder.mkdir(parents=True, exist_ok=True)
    n = len(list(folder.glob("addition-*.csv"))) + 1
    mapping = folder / "addition.yml"
    mapping.write_text(ADDITION_MAPPING, encoding="utf-8")
    row = {"record_id": record_id, "phone": phone, "notes": notes,
           "classification": classification, "source_ref": f"NCA-INT-2025-{n:06d}"}  # fmt: skip
    path = write_csv(folder / f"addition-{n}.csv", list(row), [row])
    return ingest_file(store, Caller.operator(), path, mapping=mapping, show_progress=False)


@pytest.fixture(scope="module")
def truth(bundle: Path) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """(record id → true id, watchlist entry → (kind, true id))."""
    identities = {r["record_id"]: r["true_id"] for r in read_csv(bundle / "truth/identities.csv")}
    entries = {
        r["entry_id"]: (r["kind"], r["true_id"]) for r in read_csv(bundle / "truth/watchlist.csv")
    }
    return identities, entries


@pytest.fixture(scope="module")
def screened(bundle: Path) -> Iterator[tuple[Store, list[Alert]]]:
    """The whole scenario ingested, then both watchlist files loaded and the store screened."""
    store = new_store()
    ingest_path(store, Caller.operator(), bundle, show_progress=False)
    for kind in ("persons", "vehicles"):
        assert load_watchlist(store, bundle, kind).added > 0
    yield store, screen_entities(store)
    store.close()


def test_every_planted_watchlist_hit_is_raised(
    screened: tuple[Store, list[Alert]],
    truth: tuple[dict[str, str], dict[str, tuple[str, str]]],
) -> None:
    store, alerts = screened
    identities, entries = truth
    records_of: dict[str, set[str]] = defaultdict(set)
    for record_id, true_id in identities.items():
        records_of[true_id].add(record_id)
    raised: dict[str, set[str]] = defaultdict(set)
    for a in alerts:
        raised[a.list_entity_id].add(a.entity_id)

    covered: dict[str, int] = defaultdict(int)
    alone, missed = [], []
    expected = found = 0
    for entry, (kind, true_id) in sorted(entries.items()):
        others = records_of[true_id] - {entry}
        assert all(store.get_entity(r, SYSTEM_SCOPE) is not None for r in others | {entry})
        if not others:  # only the watchlist knows it (a lorry no agency recorded)
            alone.append(entry)
            continue
        hits = raised[entry] & others
        expected += len(others)
        found += len(hits)
        if hits:
            covered[kind] += 1
        else:
            missed.append(entry)
    correct = sum(
        1 for a in alerts
        if a.list_entity_id in entries
        and identities.get(a.entity_id) == entries[a.list_entity_id][1]
    )  # fmt: skip
    recall, precision = found / expected, correct / len(alerts)
    print(
        f"\nwatchlist entries {len(entries)}: {sum(covered.values())} hit "
        f"({dict(covered)}), {len(alone)} known to no other record; "
        f"record recall {found}/{expected} = {recall:.3f}; "
        f"alert precision {correct}/{len(alerts)} = {precision:.3f}"
    )
    assert not missed, f"planted hits not raised: {missed}"
    assert covered["person"] >= 10 and covered["vehicle"] >= 3, covered
    assert len(alone) <= len(entries) // 5, alone
    assert recall >= RECORD_RECALL_FLOOR, (found, expected)
    assert precision >= PRECISION_FLOOR, (correct, len(alerts))


def test_alerts_explain_themselves_and_no_listing_alerts_on_itself(
    screened: tuple[Store, list[Alert]],
) -> None:
    store, alerts = screened
    assert alerts
    listed_ids = {r.entity_id for r in store.list_entities()}
    # The watchlist's entries are stored as GB-NCA records with the very same ids ...
    assert all(store.get_entity(i, SYSTEM_SCOPE) is not None for i in listed_ids)
    # ... and none of them is an alert against itself.
    assert all(a.entity_id != a.list_entity_id for a in alerts)
    for a in alerts:
        assert a.status == "open" and a.score >= DEFAULT_THRESHOLD
        assert a.explanation and set(a.explanation) <= set(FEATURE_DOCS), a.explanation
        strongest = max(a.explanation.get(f, {"score": 0})["score"]
                        for f in ("name", "plate", "phone"))  # fmt: skip
        assert strongest > 0, a.explanation
        if "name" in a.explanation:
            assert a.explanation["name"]["query"] and a.explanation["name"]["candidate"]
    vehicles = [a for a in alerts if a.dataset == VEHICLES]
    assert vehicles and all("plate" in a.explanation for a in vehicles)
    assert {a.dataset for a in alerts} == {PERSONS, VEHICLES}
    # Screening again, with nothing new, raises nothing.
    assert screen_entities(store) == []


def test_a_decision_holds_until_the_evidence_changes(bundle: Path, tmp_path: Path) -> None:
    store = new_store()
    try:
        assert ingest_entry(store, bundle, "uk/persons.csv").statements_added > 0
        load_watchlist(store, bundle, "persons")
        first = screen_entities(store)
        assert first
        alert = min(first, key=lambda a: (a.entity_id, a.list_entity_id))
        pair = (alert.entity_id, alert.list_entity_id)
        # The evidence is the record's matched values and the stored listing's content hash,
        # as `alert_visible` recomputes it from the store for a reader of lower clearance.
        row, record = store.list_entity(pair[1]), store.get_entity(pair[0], SYSTEM_SCOPE)
        assert row is not None and record is not None
        assert alert.evidence == _evidence(record.entity.properties, row.content_hash)

        decided = decide(
            store, Caller.operator(), alert.id, "false_positive", "a different person", "analyst-1"
        )
        assert (decided.status, decided.decided_by, decided.note) == (
            "false_positive", "analyst-1", "a different person",
        )  # fmt: skip
        assert screen_entities(store) == []
        again = ingest_entry(store, bundle, "uk/persons.csv")
        assert (again.statements_added, again.alerts) == (0, 0)

        # New data the matcher does not read changes nothing.
        noted = add_statements(store, tmp_path, alert.entity_id, notes="Seen near Subotica")
        assert noted.statements_added > 0 and noted.alerts == 0

        # New evidence (a phone) raises the pair again, on ingest; the decision is kept.
        phoned = add_statements(store, tmp_path, alert.entity_id, phone=NEW_PHONE)
        assert phoned.alerts >= 1
        on_pair = [a for a in store.alerts(alert.entity_id) if a.list_entity_id == pair[1]]
        assert sorted(a.status for a in on_pair) == ["false_positive", "open"]
        reraised = next(a for a in on_pair if a.status == "open")
        assert reraised.evidence != alert.evidence and reraised.explanation

        # While that alert waits for a decision, more evidence does not add another.
        add_statements(store, tmp_path, alert.entity_id, phone="+381641234568")
        assert len([a for a in store.alerts(alert.entity_id) if a.list_entity_id == pair[1]]) == 2
        assert store.alert(alert.id) == decided
    finally:
        store.close()


def test_list_reloads_screen_what_is_stored_and_delisting_keeps_alerts(
    bundle: Path,
    tmp_path: Path,
    truth: tuple[dict[str, str], dict[str, tuple[str, str]]],
) -> None:
    identities, entries = truth
    source = bundle / "uk" / "watchlist_persons.csv"
    with source.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    uk_records = {tid: r for r, tid in identities.items() if r.startswith("gb-nca-p-")}
    # An entry whose person GB-NCA holds a record of.
    target = next(r for r in rows if entries[r["entry_id"]][1] in uk_records)
    entry_id = target["entry_id"]
    others = [r for r in rows if r is not target]

    store = new_store()
    try:
        ingest_entry(store, bundle, "uk/persons.csv")
        v1 = load_watchlist(
            store, bundle, "persons", write_csv(tmp_path / "v1.csv", header, others)
        )
        assert v1.version == 1 and v1.entities == len(others)
        assert not [a for a in screen_entities(store) if a.list_entity_id == entry_id]

        # A newer version adds the entry: the stored records are screened against it.
        v2 = load_watchlist(store, bundle, "persons", write_csv(tmp_path / "v2.csv", header, rows))
        assert (v2.version, v2.added, v2.changed, v2.delisted) == (2, 1, 0, 0)
        new = [a for a in screen_entities(store) if a.list_entity_id == entry_id]
        assert new and {identities[a.entity_id] for a in new} == {entries[entry_id][1]}
        for a in new:
            decide(store, Caller.operator(), a.id, "false_positive", user="analyst-1")
        assert screen_entities(store) == []

        # The entry changes (a phone added to it): decided alerts on it are raised again.
        changed = dict(target, phones=";".join(filter(None, [target["phones"], NEW_PHONE])))
        edited = [changed if r is target else r for r in rows]
        v3 = load_watchlist(
            store, bundle, "persons", write_csv(tmp_path / "v3.csv", header, edited)
        )
        assert (v3.changed, v3.added, v3.delisted) == (1, 0, 0)
        raised = [a for a in screen_entities(store) if a.list_entity_id == entry_id]
        assert {a.entity_id for a in raised} == {a.entity_id for a in new}

        # Delisted: nothing new is raised on it, and its alerts stay, still readable.
        v4 = load_watchlist(
            store, bundle, "persons", write_csv(tmp_path / "v4.csv", header, others)
        )
        assert (v4.delisted, v4.entities) == (1, len(others))
        assert not [a for a in screen_entities(store) if a.list_entity_id == entry_id]
        kept = [a for a in store.alerts() if a.list_entity_id == entry_id]
        assert sorted(a.status for a in kept) == sorted(
            ["false_positive"] * len(new) + ["open"] * len(raised)
        )
        row = store.list_entity(entry_id)
        assert row is not None and row.listed is False
        assert all(alert_visible(store, a, SYSTEM_SCOPE) for a in kept)
    finally:
        store.close()


def official(store: Store, entity_id: str) -> bool:
    """Whether an OFFICIAL reader sees the whole record (every value of it is OFFICIAL)."""
    seen, full = store.get_entity(entity_id, OFFICIAL), store.get_entity(entity_id, SYSTEM_SCOPE)
    return (
        seen is not None and full is not None and seen.entity.properties == full.entity.properties
    )


def _alert_ids(api: Api, user: str) -> set[str]:
    r = api.get("/alerts", user=user)
    assert r.status_code == 200, r.text
    return {a["id"] for a in r.json()["alerts"]}


def _match_ids(api: Api, user: str, name: str) -> set[str]:
    body = {"queries": {"q": {"schema": "Person", "properties": {"name": [name]}}}}
    r = api.post("/match/default", user=user, json=body)
    assert r.status_code == 200, r.text
    return {hit["id"] for hit in r.json()["responses"]["q"]["results"]}


def test_watchlist_alerts_and_matches_respect_clearance(api: Api, bundle: Path) -> None:
    store = api.store
    ingest_entry(store, bundle, "uk/persons.csv")
    load_watchlist(store, bundle, "persons")  # every entry is OFFICIAL-SENSITIVE
    raised = screen_entities(store)
    # An alert whose record an OFFICIAL reader sees whole: only the listing is above them.
    alert = next(a for a in sorted(raised, key=lambda a: a.id) if official(store, a.entity_id))
    assert alert.id not in _alert_ids(api, "analyst_low")
    assert _alert_ids(api, "analyst_low") == set()
    shown = api.get("/alerts", user="analyst").json()["alerts"]
    mine = next(a for a in shown if a["id"] == alert.id)
    assert mine["explanation"]["name"]["candidate"] and mine["score"] >= DEFAULT_THRESHOLD

    # Deciding it: not found for the reader who may not see it; done by one who may.
    r = api.post(
        f"/alerts/{alert.id}/decision", user="analyst_low", json={"decision": "true_match"}
    )
    assert r.status_code == 404
    r = api.post(f"/alerts/{alert.id}/decision", user="analyst", json={"decision": "true_match"})
    assert r.status_code == 200 and r.json()["status"] == "true_match"

    listed = store.list_entity(alert.list_entity_id)
    assert listed is not None
    name = listed.data["properties"]["name"][0]
    assert alert.list_entity_id in _match_ids(api, "analyst", name)
    assert alert.list_entity_id not in _match_ids(api, "analyst_low", name)


def test_an_alert_raised_on_data_above_clearance_is_hidden(
    api: Api, bundle: Path, tmp_path: Path
) -> None:
    store = api.store
    ingest_entry(store, bundle, "uk/persons.csv")
    # An OFFICIAL record with a name, and a public list (OFFICIAL) that lists that name.
    record = next(
        r for r in store.iter_entities(SYSTEM_SCOPE, ["Person"])
        if r.entity.get("name") and official(store, r.id)
    )  # fmt: skip
    listing = {"id": "public-list-1", "schema": "Person",
               "properties": {"name": record.entity.get("name")[:1]}}  # fmt: skip
    public = tmp_path / "public.ftm.json"
    public.write_text(json.dumps(listing) + "\n", encoding="utf-8")
    load_list(store, Caller.operator(), public, "public_list", fmt="ftm")
    first = [a for a in screen_entities(store) if a.list_entity_id == "public-list-1"]
    assert [a.entity_id for a in first] == [record.id]
    assert first[0].id in _alert_ids(api, "analyst_low")
    r = api.post(
        f"/alerts/{first[0].id}/decision", user="analyst_low", json={"decision": "false_positive"}
    )
    assert r.status_code == 200

    # A SECRET phone is added to the record: the alert it raises is raised on SECRET data.
    report = add_statements(store, tmp_path, record.id, phone=NEW_PHONE, classification="SECRET")
    assert report.alerts == 1
    second = next(a for a in store.alerts(record.id) if a.status == "open")
    assert second.id not in _alert_ids(api, "analyst_low")
    assert second.id in _alert_ids(api, "analyst")
    # The earlier alert was raised on what the OFFICIAL reader sees, and stays visible to them.
    assert first[0].id in _alert_ids(api, "analyst_low")
