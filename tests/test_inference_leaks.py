"""Inference leaks: nothing a reader is shown is computed from what they may not see.

An auditor sees every entry of the log, but not the ids and terms of entries about what is
above their clearance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import Api
from corridor.access.caller import Caller
from corridor.audit import Event, audit, flush, verify_store
from corridor.audit.service import REDACTED, as_seen
from corridor.ingest.service import ingest_path
from corridor.model.classification import Classification
from corridor.model.scope import ReadScope
from corridor.store.base import Store
from corridor.users.service import create_user

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
