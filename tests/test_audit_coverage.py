"""Every consultation is logged, whatever the door (Law Enforcement Directive, Art. 25).

Each API route and each command that reads personal data is run once, on a store holding
people, sensor reads, a list and a resolution, and must leave exactly one entry naming the
caller, the target, the stated purpose and how they came. Every route of the API is sorted into
reads of personal data, changes (logged by the services, tested elsewhere) and answers that
hold no personal data, so that a new route cannot slip past unsorted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import SENSOR_DEFAULTS, Api, write_csv
from corridor.access.caller import Caller
from corridor.api.deps import stated_purpose
from corridor.audit import flush
from corridor.cli import app as cli_app
from corridor.errors import ValidationError
from corridor.ingest.service import ingest_path
from corridor.node.identity import NodeIdentity
from corridor.resolve.service import resolve_all
from corridor.screen.lists import load_list
from corridor.share.service import SharingService
from corridor.store.base import Store
from corridor.store.records import AuditEntry
from stores import workdir_store

PURPOSE = "case 2024/117"
LISTED = {"id": "l1", "schema": "Person",
          "properties": {"name": ["Miroslav Jovanović"], "birthDate": ["1980-05-03"]}}  # fmt: skip
MATCH = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Miroslav Jovanovic"]}}}}

#: The routes that read personal data: (method, path as the OpenAPI document names it) → the
#: request made, and the audit entry's event and target.
READS: dict[tuple[str, str], tuple[str, dict[str, Any], str, str]] = {
    ("get", "/entities/{entity_id}"): ("/entities/rs-p-1", {}, "read", "entities/rs-p-1"),
    ("get", "/entities"): ("/entities", {}, "read", "entities"),
    ("get", "/entities/{entity_id}/observations"): (
        "/entities/rs-p-1/observations", {}, "read", "entities/rs-p-1/observations"),
    ("get", "/entities/{entity_id}/matches"): (
        "/entities/rs-p-1/matches", {}, "read", "entities/rs-p-1/matches"),
    ("get", "/entities/{entity_id}/canonical"): (
        "/entities/rs-p-1/canonical", {}, "read", "entities/rs-p-1/canonical"),
    ("get", "/judgements"): (
        "/judgements", {"params": {"entity_id": "rs-p-1"}}, "read", "entities/rs-p-1/judgements"),
    ("get", "/search"): ("/search", {"params": {"q": "jovanovic"}}, "read", "search"),
    ("get", "/network"): ("/network", {}, "read", "network"),
    ("get", "/network/communities"): ("/network/communities", {}, "read", "network/communities"),
    ("get", "/network/rank"): ("/network/rank", {}, "read", "network/rank"),
    ("get", "/network/path"): (
        "/network/path", {"params": {"a": "rs-p-1", "b": "rs-p-3"}}, "read", "network/path"),
    ("get", "/network/expand/{entity_id}"): (
        "/network/expand/rs-p-1", {}, "read", "network/expand/rs-p-1"),
    ("get", "/network/roles"): ("/network/roles", {}, "read", "network/roles"),
    ("get", "/network/brokers"): ("/network/brokers", {}, "read", "network/brokers"),
    ("get", "/network/burners"): ("/network/burners", {}, "read", "network/burners"),
    ("get", "/network/changes"): (
        "/network/changes", {"params": {"from": "2024-01-01", "to": "2024-12-31"}}, "read",
        "network/changes"),
    ("get", "/network/export"): (
        "/network/export", {"params": {"format": "graphml"}}, "read", "network/export"),
    ("get", "/timeline/{entity_id}"): ("/timeline/rs-p-1", {}, "read", "timeline/rs-p-1"),
    ("get", "/observations"): (
        "/observations", {"params": {"plate": "BG 001-AB"}}, "read", "observations"),
    ("get", "/anpr/convoys"): ("/anpr/convoys", {}, "read", "anpr/convoys"),
    ("get", "/anpr/journeys/{plate}"): (
        "/anpr/journeys/BG001AB", {}, "read", "anpr/journeys/BG001AB"),
    ("get", "/anpr/clones"): ("/anpr/clones", {}, "read", "anpr/clones"),
    ("get", "/anpr/shuttles"): ("/anpr/shuttles", {}, "read", "anpr/shuttles"),
    ("get", "/anpr/alerts"): ("/anpr/alerts", {}, "read", "anpr/alerts"),
    ("get", "/targeting"): (
        "/targeting", {"params": {"crossing": "RS-HU-HORGOS", "at": "2024-05-01T03:00:00Z"}},
        "read", "targeting"),
    ("get", "/routes/crossings"): ("/routes/crossings", {}, "read", "routes/crossings"),
    ("get", "/routes/hotspots"): ("/routes/hotspots", {}, "read", "routes/hotspots"),
    ("get", "/routes/flows"): ("/routes/flows", {}, "read", "routes/flows"),
    ("get", "/routes/displacement"): (
        "/routes/displacement", {}, "read", "routes/displacement"),
    ("get", "/alerts"): ("/alerts", {}, "read", "alerts"),
    ("get", "/review/due"): (
        "/review/due", {"params": {"before": "2030-01-01"}}, "read", "review/due"),
    ("post", "/match/{dataset}"): ("/match/wl", {"json": MATCH}, "read", "match/wl"),
    ("get", "/search/{dataset}"): (
        "/search/wl", {"params": {"q": "jovanovic"}}, "read", "search/wl"),
    ("get", "/rfis"): ("/rfis", {}, "read", "rfis"),
    ("get", "/audit"): ("/audit", {}, "admin", "audit"),
    ("get", "/audit/verify"): ("/audit/verify", {}, "admin", "audit/verify"),
    ("post", "/audit/checkpoint"): ("/audit/checkpoint", {}, "admin", "audit/checkpoint"),
    # Consultations without personal data are logged as well: who looked at what, when.
    ("get", "/catalog"): ("/catalog", {}, "read", "catalog"),
    ("get", "/algorithms"): ("/algorithms", {}, "read", "algorithms"),
    ("get", "/stats/counts"): ("/stats/counts", {}, "read", "stats/counts"),
    ("get", "/stats/frontex"): (
        "/stats/frontex", {"params": {"year": 2024}}, "read", "stats/frontex"),
    ("get", "/routes/forecast"): (
        "/routes/forecast", {"params": {"months": 3}}, "read", "routes/forecast"),
    ("get", "/node"): ("/node", {}, "read", "node"),
    ("get", "/agreements"): ("/agreements", {}, "read", "agreements"),
    ("get", "/shares"): ("/shares", {}, "read", "shares"),
    ("get", "/shares/received"): ("/shares/received", {}, "read", "shares/received"),
}  # fmt: skip
#: Who makes each request (the role that may).
USER = {"rfis": "sharing", "audit": "auditor", "audit/verify": "auditor",
        "audit/checkpoint": "auditor",
        "agreements": "sharing", "shares": "sharing", "shares/received": "sharing"}  # fmt: skip

#: Routes that change data: each service they call logs the change (tests/test_audit.py,
#: tests/test_share_*.py check the entries).
CHANGES = {
    ("post", "/judgements"), ("post", "/resolve"), ("post", "/alerts/{alert_id}/decision"),
    ("post", "/ingest"), ("post", "/inbox"), ("put", "/agreements/{partner}"),
    ("post", "/consents"), ("post", "/shares"), ("post", "/shares/retry"), ("post", "/rfis"),
    ("post", "/rfis/{rfi_id}/answer"), ("post", "/rfis/{rfi_id}/decline"),
    ("post", "/corrections"), ("post", "/recalls"),
}  # fmt: skip
#: Routes that leave no entry: the health check alone (it takes no key and answers nothing
#: about the node's data).
NO_PERSONAL_DATA = {("get", "/health")}


def entries(store: Store) -> list[AuditEntry]:
    flush(store)
    return store.audit_entries(limit=100_000)


def one_new_entry(store: Store, act: Callable[[], None]) -> AuditEntry:
    """The single entry `act` leaves in the log (failing if it leaves none, or several)."""
    before = len(entries(store))
    act()
    new = entries(store)[before:]
    assert len(new) == 1, [(e.event, e.target) for e in new]
    return new[0]


@pytest.fixture
def world(api: Api, tmp_path: Path, people_files: tuple[Path, Path], anpr_file: Path) -> Api:
    """People, ANPR reads, a list with one of them on it, and a resolution run."""
    operator = Caller.operator()
    csv_path, mapping = people_files
    ingest_path(api.store, operator, csv_path, mapping=mapping, show_progress=False)
    defaults = {**SENSOR_DEFAULTS, "review_by": "2026-01-01"}
    ingest_path(api.store, operator, anpr_file, defaults=defaults, show_progress=False)
    # A border detection: the crossing point targeting is asked about is learnt from it.
    detections = write_csv(tmp_path / "detections.csv", ["detection_id", "detected_at", "lat",
                           "lon", "crossing_point"],
                           [["d-1", "2024-05-01T02:00:00Z", "46.177", "19.986", "RS-HU-HORGOS"]])  # fmt: skip
    ingest_path(api.store, operator, detections, kind="detections", defaults=defaults,
                show_progress=False)  # fmt: skip
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps(LISTED) + "\n")
    load_list(api.store, operator, listed, "wl", fmt="ftm")
    resolve_all(api.store, operator, "Person")
    # A node with an identity serves the sharing routes too.
    api.client.app.state.sharing = SharingService(api.store, NodeIdentity.generate("RS-MUP"))  # type: ignore[attr-defined]
    return api


def test_every_route_is_sorted(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    served = {(m, p) for p, ops in schema["paths"].items() for m in ops}
    sorted_ = set(READS) | CHANGES | NO_PERSONAL_DATA
    assert served - sorted_ == set(), "routes not sorted into READS, CHANGES or NO_PERSONAL_DATA"
    assert sorted_ - served == set(), "sorted routes the API no longer serves"
    # Every route but the health check names the purpose header.
    for path, ops in schema["paths"].items():
        for op in ops.values():
            named = [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
            assert (path == "/health") != ("X-Corridor-Purpose" in named), path


def test_every_route_that_reads_personal_data_leaves_one_entry(world: Api) -> None:
    for (method, _), (url, kw, event, target) in READS.items():
        user = USER.get(target, "analyst")
        headers = {**world.headers(user), "X-Corridor-Purpose": PURPOSE}

        def call(
            method: str = method,
            url: str = url,
            kw: dict[str, Any] = kw,
            headers: dict[str, str] = headers,
        ) -> None:
            r = world.client.request(method.upper(), url, headers=headers, **kw)
            assert r.status_code == 200, (url, r.status_code, r.text)

        entry = one_new_entry(world.store, call)
        assert (entry.event, entry.target, entry.user_name, entry.purpose) == (
            event, target, user, PURPOSE), url  # fmt: skip
        assert json.loads(entry.detail)["via"] == "api"


def test_a_refusal_is_logged_under_the_callers_name(world: Api) -> None:
    headers = {**world.headers("analyst"), "X-Corridor-Purpose": PURPOSE}
    before = len(entries(world.store))
    assert world.client.get("/audit", headers=headers).status_code == 403
    refused = entries(world.store)[before:]
    assert [(e.event, e.target, e.user_name, e.purpose) for e in refused] == [
        ("refuse", "GET /audit", "analyst", PURPOSE)]  # fmt: skip
    assert "may not" in json.loads(refused[0].detail)["reason"]
    # Writing for another agency is refused by the ingest service, and logged the same way.
    files = {"file": ("reads.csv", b"id\n1\n")}
    form = {"agency": "GB-NCA", "kind": "anpr"}
    before = len(entries(world.store))
    assert world.client.post("/ingest", headers=headers, files=files, data=form).status_code == 403
    assert [(e.event, e.target) for e in entries(world.store)[before:]] == [
        ("refuse", "POST /ingest")]  # fmt: skip


# --- the command line ------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def workdir(tmp_path: Path, people_files: tuple[Path, Path]) -> Iterator[Path]:
    """People, a list and a resolution in a work directory that the commands open."""
    work = tmp_path / "node"
    store = workdir_store(work)
    try:
        operator = Caller.operator()
        csv_path, mapping = people_files
        ingest_path(store, operator, csv_path, mapping=mapping, show_progress=False)
        listed = tmp_path / "list.json"
        listed.write_text(json.dumps(LISTED) + "\n")
        load_list(store, operator, listed, "wl", fmt="ftm")
        resolve_all(store, operator, "Person")
    finally:
        store.close()
    yield work


def test_every_command_that_reads_or_changes_personal_data_leaves_one_entry(
    workdir: Path, tmp_path: Path, anpr_file: Path
) -> None:
    names = tmp_path / "names.csv"
    names.write_text("id,name\nq1,Miroslav Jovanovic\n", encoding="utf-8")
    commands = [
        (["entities"], "read", "entities/export"),
        (["search", "jovanovic"], "read", "search"),
        (["matches", "rs-p-1"], "read", "entities/rs-p-1/matches"),
        (["canonical", "rs-p-1"], "read", "entities/rs-p-1/canonical"),
        (["network", "build"], "read", "network"),
        (["network", "communities", "--out", str(tmp_path / "c.csv")], "read",
         "network/communities"),
        (["network", "rank", "--out", str(tmp_path / "r.csv")], "read", "network/rank"),
        (["network", "path", "rs-p-1", "rs-p-3"], "read", "network/path"),
        (["network", "expand", "rs-p-1"], "read", "network/expand/rs-p-1"),
        (["network", "roles", "--out", str(tmp_path / "roles.csv")], "read", "network/roles"),
        (["network", "brokers", "--out", str(tmp_path / "b.csv")], "read", "network/brokers"),
        (["network", "burners", "--out", str(tmp_path / "bu.csv")], "read", "network/burners"),
        (["network", "changes", "--from", "2024-01-01", "--to", "2024-12-31"], "read",
         "network/changes"),
        (["network", "export", "--format", "i2", "--out", str(tmp_path)], "read",
         "network/export"),
        (["timeline", "rs-p-1"], "read", "timeline/rs-p-1"),
        (["alerts", "list"], "read", "alerts"),
        (["screen", str(names), "--out", str(tmp_path / "hits.csv"), "--dataset", "wl"],
         "read", "screen/wl"),
        (["review", "due", "--before", "2030-01-01", "--agency", "RS-MUP"], "read", "review/due"),
        (["routes", "crossings", "--out", str(tmp_path / "x.csv")], "read", "routes/crossings"),
        (["audit", "show"], "admin", "audit"),
        (["audit", "verify"], "admin", "audit/verify"),
        (["audit", "export", "--out", str(tmp_path / "log.jsonl")], "admin", "audit/export"),
        (["resolve", "--kind", "Person"], "write", "resolve/Person"),
        (["judge", "rs-p-1", "rs-p-3", "--verdict", "negative"], "judge",
         "judgements/rs-p-1/rs-p-3"),
        (["lists", "load", str(tmp_path / "list.json"), "--dataset", "wl2", "--format", "ftm"],
         "write", "lists/wl2"),
        (["ingest", str(anpr_file), "--agency", "RS-MUP", "--grading", "1AP",
          "--classification", "OFFICIAL", "--no-progress"], "write", "ingest/anpr.csv"),
        (["users", "add", "ana", "--role", "analyst", "--agency", "RS-MUP"], "admin",
         "users/ana"),
        (["users", "rotate-key", "ana", "--expires-in", "2w"], "admin", "users/ana"),
        (["users", "revoke", "ana"], "admin", "users/ana"),
        (["users", "deactivate", "ana"], "admin", "users/ana"),
    ]  # fmt: skip
    env = {"COLUMNS": "250", "CORRIDOR_PURPOSE": PURPOSE}
    for args, event, target in commands:

        def run(args: list[str] = args) -> None:
            r = runner.invoke(cli_app, [*args, "--workdir", str(workdir)], env=env)
            assert r.exit_code == 0, (args, r.output, r.exception)

        store = workdir_store(workdir)
        try:
            before = len(entries(store))
        finally:
            store.close()
        run()
        store = workdir_store(workdir)
        try:
            new = entries(store)[before:]
        finally:
            store.close()
        assert [(e.event, e.target, e.user_name, e.purpose) for e in new] == [
            (event, target, "system", PURPOSE)], args  # fmt: skip
        assert json.loads(new[0].detail)["via"] == "cli"


def test_a_purpose_in_any_script_is_logged_as_written(world: Api) -> None:
    purpose = "Операција Дрина, предмет 117"
    headers = {**world.headers("analyst"), "X-Corridor-Purpose": purpose.encode()}
    entry = one_new_entry(
        world.store,
        lambda: world.client.get("/entities/rs-p-1", headers=headers).raise_for_status() and None,
    )
    assert entry.purpose == purpose
    # Bytes that are not UTF-8 (the header as Latin-1 text) are refused, not stored garbled.
    with pytest.raises(ValidationError):
        stated_purpose(b"caf\xe9".decode("latin-1"))
