"""Inference leaks: nothing a reader is shown is computed from what they may not see.

A dataset the reader may not know of answers as an unknown one, and an upload's count of alerts
counts those its writer may see; an auditor sees every entry of the log, but not the ids and
terms of entries about what is above their clearance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import Api, write_csv
from corridor.access.caller import Caller
from corridor.audit import Event, audit, flush, verify_store
from corridor.audit.service import REDACTED, as_seen
from corridor.ingest.service import ingest_path
from corridor.model.classification import Classification
from corridor.model.scope import ReadScope
from corridor.screen.lists import load_list
from corridor.store.base import Store
from corridor.users.service import create_user

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
