"""Forged ownership: whatever in a file says who owns a row (a mapping's provenance block, an
`agency` column, a report's `agency`, the upload form), a row owned by another agency than the
writer's, or classified above their clearance, refuses the whole file with the file, line and
field, writes nothing, and is logged as a refusal."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from conftest import PEOPLE, PEOPLE_MAPPING, Api, write_csv
from corridor.access.caller import Caller
from corridor.audit import flush
from corridor.cli import app as cli_app
from corridor.ingest.service import ingest_path
from corridor.model.scope import SYSTEM_SCOPE
from corridor.store.base import Store
from corridor.users.service import create_user
from stores import workdir_store


def statements(store: Store) -> int:
    return sum(c.statements for c in store.counts(SYSTEM_SCOPE))


def upload(api: Api, key: str, files: dict[str, tuple[str, bytes]], **form: str):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"ApiKey {key}", "X-Corridor-Purpose": "case 9"}
    return api.client.post("/ingest", headers=headers, files=files, data=form)


def test_a_mapping_cannot_make_an_upload_another_agencys(
    api: Api, people_files: tuple[Path, Path]
) -> None:
    _, key = create_user(api.store, Caller.operator(), "uk", "analyst", "GB-NCA", "SECRET")
    csv_path, mapping = people_files  # the mapping says: agency RS-MUP
    files = {
        "file": ("people.csv", csv_path.read_bytes()),
        "mapping": ("m.yml", mapping.read_bytes()),
    }
    r = upload(api, key, files)
    assert r.status_code == 403, r.text
    body = r.json()
    assert (body["error"], body["file"], body["line"], body["field"]) == (
        "ForbiddenInput", "people.csv", 2, "agency")  # fmt: skip
    assert "owned by RS-MUP" in body["message"]
    assert statements(api.store) == 0
    flush(api.store)
    refused = api.store.audit_entries(event="refuse")
    assert [(e.user_name, e.target, e.purpose) for e in refused] == [
        ("uk", "POST /ingest", "case 9")
    ]
    assert api.store.audit_entries(event="write") == []  # nothing collected, nothing logged so


def test_an_agency_column_or_a_report_cannot_either(api: Api, tmp_path: Path) -> None:
    _, key = create_user(api.store, Caller.operator(), "uk", "analyst", "GB-NCA", "SECRET")
    mapping = tmp_path / "m.yml"
    mapping.write_text(
        PEOPLE_MAPPING.replace("  agency: RS-MUP\n", "  agency: {column: owner}\n"), "utf-8"
    )
    rows = [["p1", "Ana Kovač", "01.01.1990.", "", "rs", "suspect", "OFFICIAL", "GB-NCA"],
            ["p2", "Planted Alias", "01.01.1990.", "+381641234567", "rs", "suspect", "OFFICIAL",
             "RS-MUP"]]  # fmt: skip
    header = ["record_id", "full_name", "dob", "phone", "nationality", "category",
              "classification", "owner"]  # fmt: skip
    people = write_csv(tmp_path / "people.csv", header, rows)
    files = {
        "file": ("people.csv", people.read_bytes()),
        "mapping": ("m.yml", mapping.read_bytes()),
    }
    r = upload(api, key, files)
    assert r.status_code == 403 and (r.json()["line"], r.json()["field"]) == (3, "agency")
    assert statements(api.store) == 0
    report = {"report_id": "r1", "agency": "RS-MUP", "grading": "1AP", "classification": "OFFICIAL",
              "items": [{"item_id": "i1", "text": "seen at the border"}]}  # fmt: skip
    files = {"file": ("r1.report.json", json.dumps(report).encode())}
    r = upload(api, key, files, kind="report")
    assert r.status_code == 403 and "owned by RS-MUP" in r.json()["message"], r.text
    assert statements(api.store) == 0


def test_nothing_above_the_writers_clearance(api: Api, people_files: tuple[Path, Path]) -> None:
    csv_path, mapping = people_files  # rs-p-2 is SECRET
    files = {
        "file": ("people.csv", csv_path.read_bytes()),
        "mapping": ("m.yml", mapping.read_bytes()),
    }
    r = upload(api, api.keys["analyst_low"], files)  # RS-MUP, cleared to OFFICIAL
    assert r.status_code == 403
    assert (r.json()["line"], r.json()["field"]) == (2, "classification")
    assert statements(api.store) == 0
    assert upload(api, api.keys["analyst"], files).status_code == 200  # cleared to SECRET


def test_nothing_is_attached_to_an_entity_the_writer_may_not_see(
    api: Api, people_files: tuple[Path, Path]
) -> None:
    """Statements about an entity held only above the writer's clearance would add to (and,
    through its matches, alerts and pages, probe) a record they may not see: the file is
    refused naming the line and the field, whatever the reader (a table, FtM, a report)."""
    csv_path, mapping = people_files
    ingest_path(api.store, Caller.operator(), csv_path, mapping=mapping)  # rs-p-2 is SECRET
    before = statements(api.store)
    phone = {"id": "rs-p-2", "schema": "Person", "properties": {"phone": ["+381601112233"]}}
    other = {"id": "rs-new-1", "schema": "Person", "properties": {"name": ["Ana Kovač"]}}
    lines = "\n".join(json.dumps(e) for e in (other, phone)).encode()
    form = {"agency": "RS-MUP", "grading": "2BP", "classification": "OFFICIAL"}
    r = upload(api, api.keys["analyst_low"], {"file": ("add.ftm.json", lines)}, **form)
    assert r.status_code == 403, r.text
    body = r.json()
    assert (body["error"], body["file"], body["line"], body["field"]) == (
        "ForbiddenInput", "add.ftm.json", 2, "id")  # fmt: skip
    assert statements(api.store) == before  # nothing of the file, not even its first line
    rows = [["rs-p-2", "Planted Name", "", "", "rs", "suspect", "OFFICIAL"]]
    table = write_csv(csv_path.parent / "add.csv", list(PEOPLE[0]), rows)
    files = {"file": ("add.csv", table.read_bytes()), "mapping": ("m.yml", mapping.read_bytes())}
    r = upload(api, api.keys["analyst_low"], files)
    assert r.status_code == 403 and (r.json()["line"], r.json()["field"]) == (2, "id"), r.text
    report = {"report_id": "r1", "agency": "RS-MUP", "grading": "1AP",
              "classification": "OFFICIAL", "items": [{"item_id": "i1", "text": "seen"}],
              "entities": [{"id": "rs-p-2", "schema": "Person", "item": "i1",
                            "properties": {"name": ["Planted"]}}]}  # fmt: skip
    r = upload(api, api.keys["analyst_low"], {"file": ("r.json", json.dumps(report).encode())},
               kind="report")  # fmt: skip
    assert r.status_code == 403 and r.json()["item"] == "report 1, entity 1", r.text
    assert statements(api.store) == before
    # An entity the writer sees (rs-p-3 is OFFICIAL) takes their statements; one cleared to
    # SECRET may add to rs-p-2.
    phone["id"] = "rs-p-3"
    lines = json.dumps(phone).encode()
    assert upload(api, api.keys["analyst_low"], {"file": ("a.ftm.json", lines)},
                  **form).status_code == 200  # fmt: skip
    phone["id"] = "rs-p-2"
    lines = json.dumps(phone).encode()
    assert upload(api, api.keys["analyst"], {"file": ("b.ftm.json", lines)},
                  **form).status_code == 200  # fmt: skip


def test_the_command_line_writes_for_the_agency_it_names(
    tmp_path: Path, people_files: tuple[Path, Path]
) -> None:
    csv_path, mapping = people_files
    work = tmp_path / "node"
    args = ["ingest", str(csv_path), "--mapping", str(mapping), "--no-progress", "--workdir",
            str(work)]  # fmt: skip
    r = CliRunner().invoke(cli_app, [*args, "--agency", "GB-NCA"])
    assert r.exit_code != 0 and "owned by RS-MUP" in str(r.exception or r.output)
    store = workdir_store(work)
    try:
        assert statements(store) == 0
    finally:
        store.close()
    assert CliRunner().invoke(cli_app, [*args, "--agency", "RS-MUP"]).exit_code == 0
