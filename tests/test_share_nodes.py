"""Two real Corridor nodes on 127.0.0.1 (RS-MUP and GB-NCA, each `corridor serve` in its own
process with its own store and keys): packages, receipts, requests for information, recall."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from corridor.access.caller import Caller
from corridor.api.process import free_port, start_server, stop_server
from corridor.model.agreement import parse_agreement
from corridor.node.identity import NodeIdentity
from corridor.share.agreements import save_agreement
from corridor.share.service import SharingService
from corridor.users.service import create_user
from sharing_support import AGREEMENT, PURPOSE, write_entity
from stores import workdir_store


@dataclass
class Node:
    agency: str
    workdir: Path
    base: str
    keys: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"ApiKey {self.keys[user]}"}

    def get(self, path: str, user: str = "analyst", **kw: Any) -> httpx.Response:
        return httpx.get(self.base + path, headers=self.headers(user), timeout=60, **kw)

    def post(self, path: str, user: str = "sharing", **kw: Any) -> httpx.Response:
        return httpx.post(self.base + path, headers=self.headers(user), timeout=60, **kw)


def start(node: Node, env: dict[str, str] | None = None) -> None:
    node.proc = start_server(node.workdir, int(node.base.rsplit(":", 1)[1]), env=env)


def stop(node: Node) -> None:
    if node.proc is not None:
        stop_server(node.proc)
        node.proc = None


def setup_nodes(tmp_path: Path) -> tuple[Node, Node]:
    nodes = []
    for agency, name in (("RS-MUP", "rs"), ("GB-NCA", "uk")):
        workdir = tmp_path / name
        NodeIdentity.generate(agency).save(workdir)
        store = workdir_store(workdir)
        keys = {}
        for user, role in (("analyst", "analyst"), ("sharing", "sharing_officer"),
                           ("auditor", "auditor")):  # fmt: skip
            _, keys[user] = create_user(store, Caller.operator(), user, role, agency, "SECRET")
        store.close()
        nodes.append(Node(agency, workdir, f"http://127.0.0.1:{free_port()}", keys))
    rs, uk = nodes
    for me, other in ((rs, uk), (uk, rs)):
        store = workdir_store(me.workdir)
        svc = SharingService(store, NodeIdentity.load(me.workdir))
        svc.add_partner(
            NodeIdentity.load(other.workdir).public.card(), other.base, Caller.operator()
        )
        terms = {**AGREEMENT, "partner": other.agency}
        save_agreement(store, Caller.operator(), parse_agreement(terms), datetime.now(UTC))
        store.close()
    store = workdir_store(rs.workdir)
    write_entity(store, "Person", "rs-p-1", {"name": "Мирослав Јовановић", "phone": "+381641234567"},
                 grading="2AC", action_code="A2", handling_instructions="Do not approach")  # fmt: skip
    write_entity(store, "Person", "rs-p-2", {"name": "Ђорђе Петровић"}, person_category="victim")
    write_entity(store, "Person", "rs-p-3", {"name": "Ахмед Хасан"}, classification="SECRET")
    write_entity(store, "Vehicle", "rs-v-1", {"registrationNumber": "BG 123-AB"})
    write_entity(store, "Ownership", "rs-o-1", {"owner": "rs-p-1", "asset": "rs-v-1"})
    store.close()
    return rs, uk


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Node]]:
    rs, uk = setup_nodes(tmp_path_factory.mktemp("nodes"))
    start(rs)
    start(uk)
    try:
        yield rs, uk
    finally:
        stop(rs)
        stop(uk)


def test_a_permitted_package_arrives_and_imports_with_provenance(nodes: tuple[Node, Node]) -> None:
    rs, uk = nodes
    assert uk.get("/entities/rs-p-1").status_code == 404
    r = rs.post("/shares", json={"partner": "GB-NCA", "entity_ids": ["rs-p-1", "rs-p-2", "rs-p-3"],
                                 "purpose": PURPOSE})  # fmt: skip
    assert r.status_code == 200, r.text
    sent = r.json()
    assert sent["status"] == "delivered"
    assert sent["receipt"]["counts"]["statements"] == 2  # rs-p-1's name and phone
    assert sum(sent["withheld"].values()) == 2  # the victim and the SECRET record
    entity = uk.get("/entities/rs-p-1").json()
    assert entity["properties"]["name"] == ["Мирослав Јовановић"]
    for s in entity["statements"]:
        assert s["provenance"]["agency"] == "RS-MUP"
        assert s["provenance"]["grading"] == "2AC"
        assert s["provenance"]["action_code"] == "A2"
        assert s["provenance"]["handling_instructions"] == "Do not approach"
        assert s["received"]["package_id"] == sent["package_id"]
    # What the agreement withheld never reached the partner.
    assert uk.get("/entities/rs-p-2").status_code == 404
    assert uk.get("/entities/rs-p-3").status_code == 404
    received = uk.get("/shares/received", user="sharing").json()
    assert [p["package_id"] for p in received] == [sent["package_id"]]
    assert received[0]["sender"] == "RS-MUP"
    # The sender sees the receipt the partner signed; only sharing officers see the ledger.
    assert rs.get("/shares", user="sharing").json()[0]["status"] == "delivered"
    assert rs.get("/shares", user="analyst").status_code == 403
    # Both sides' audit logs hold the exchange, and both chains verify.
    shared = rs.get("/audit", user="auditor", params={"event": "share"}).json()["entries"]
    assert any(e["target"] == f"package/{sent['package_id']}" for e in shared)
    assert all(e["purpose"] == PURPOSE for e in shared)
    got = uk.get("/audit", user="auditor", params={"event": "receive"}).json()["entries"]
    assert [e["user_name"] for e in got if e["target"] == f"package/{sent['package_id']}"] == [
        "node:RS-MUP"
    ]
    for node in (rs, uk):
        assert node.get("/audit/verify", user="auditor").json()["ok"] is True


def test_a_request_for_information_is_answered_end_to_end(nodes: tuple[Node, Node]) -> None:
    rs, uk = nodes
    r = uk.post("/rfis", user="analyst", json={
        "partner": "RS-MUP", "subject_kind": "vehicle", "subject": "bg123ab",
        "question": "Who owns this vehicle?", "purpose": PURPOSE, "due_days": 3,
    })  # fmt: skip
    assert r.status_code == 200, r.text
    rfi = r.json()
    assert rfi["status"] == "open" and rfi["direction"] == "out" and not rfi["overdue"]
    incoming = [x for x in rs.get("/rfis", user="sharing").json() if x["id"] == rfi["id"]]
    assert incoming and incoming[0]["direction"] == "in"
    assert incoming[0]["question"] == "Who owns this vehicle?"
    assert incoming[0]["status"] == "open"
    # The partner's analyst sees the request and answers it; the auditor may do neither.
    assert rs.post(f"/rfis/{rfi['id']}/answer", user="auditor", json={}).status_code == 403
    answer = rs.post(f"/rfis/{rfi['id']}/answer", user="analyst", json={})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "answered"
    # The answer followed the vehicle to its ownership and owner.
    mine = next(x for x in uk.get("/rfis").json() if x["id"] == rfi["id"])
    assert mine["status"] == "answered" and mine["elapsed_hours"] >= 0
    assert mine["package_id"] == answer.json()["package_id"]
    assert uk.get("/entities/rs-v-1").status_code == 200
    assert uk.get("/entities/rs-o-1").json()["properties"]["owner"] == ["rs-p-1"]
    # A closed request cannot be answered twice.
    assert rs.post(f"/rfis/{rfi['id']}/answer", json={}).status_code == 409


def test_a_declined_request_carries_its_reason(nodes: tuple[Node, Node]) -> None:
    rs, uk = nodes
    rfi = uk.post("/rfis", user="analyst", json={
        "partner": "RS-MUP", "subject_kind": "phone", "subject": "+381 60 000 0000",
        "purpose": PURPOSE,
    }).json()  # fmt: skip
    r = rs.post(f"/rfis/{rfi['id']}/decline", json={"reason": "an operation is running"})
    assert r.status_code == 200 and r.json()["status"] == "declined"
    mine = next(x for x in uk.get("/rfis").json() if x["id"] == rfi["id"])
    assert mine["status"] == "declined" and mine["reason"] == "an operation is running"


def test_a_correction_and_a_recall_reach_the_partner(nodes: tuple[Node, Node]) -> None:
    rs, uk = nodes
    rs.post("/shares", json={"partner": "GB-NCA", "entity_ids": ["rs-p-1"], "purpose": PURPOSE})
    phone = next(s for s in uk.get("/entities/rs-p-1").json()["statements"] if s["prop"] == "phone")
    r = rs.post("/corrections", user="analyst", json={
        "statement_id": phone["id"], "value": "+381641234568", "reason": "digit misread",
    })  # fmt: skip
    assert r.status_code == 200, r.text
    assert [p["status"] for p in r.json()["partners"]] == ["delivered"]
    copy = uk.get("/entities/rs-p-1").json()
    assert copy["properties"]["phone"] == ["+381641234568"]
    # Recall: the originator deletes what it holds on the person; the partner's copy goes too.
    r = rs.post("/recalls", user="analyst", json={"entity_id": "rs-p-1", "reason": "wrong person"})
    assert r.status_code == 200, r.text
    assert rs.get("/entities/rs-p-1").status_code == 404
    assert uk.get("/entities/rs-p-1").status_code == 404


def test_a_package_for_a_partner_that_is_down_is_delivered_when_it_is_back(
    tmp_path: Path,
) -> None:
    rs, uk = setup_nodes(tmp_path)
    start(rs, env={"CORRIDOR_RETRY_SECONDS": "0.5"})
    try:
        r = rs.post("/shares", json={"partner": "GB-NCA", "entity_ids": ["rs-p-1"],
                                     "purpose": PURPOSE})  # fmt: skip
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "failed" and "/inbox" in r.json()["error"]
        start(uk)  # the sender delivers it again on its own (every 0.5 s here, 300 s by default)
        deadline = time.monotonic() + 30
        while rs.get("/shares", user="sharing").json()[0]["status"] != "delivered":
            assert time.monotonic() < deadline, "the package was not delivered again"
            time.sleep(0.3)
        assert uk.get("/entities/rs-p-1").status_code == 200
    finally:
        stop(rs)
        stop(uk)
