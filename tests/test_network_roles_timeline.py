"""Roles inferred from behaviour (here no record states one: see test_network_roles_stated), and
timelines of an entity or its community: the command, the route, and what a reader may see."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from callers import reading
from conftest import SENSOR_DEFAULTS, Api
from corridor.access.caller import Caller
from corridor.cli import app as cli_app
from corridor.ingest.service import ingest_path
from corridor.model.scope import SYSTEM_SCOPE
from corridor.network import service
from corridor.network.build import build_network
from corridor.network.roles import DRIVER, MONEY_HANDLER, ORGANISER, RECRUITER, UNKNOWN, infer_roles
from corridor.store.base import Store
from sharing_support import write_entities, write_entity
from stores import filled_workdir

runner = CliRunner()


def crew(store: Store) -> None:
    """An organiser who pays three, a driver with a van, a banker paid by migrants' relatives
    who pays the organiser, a recruiter who calls the migrants, and the migrants."""
    suspects = ["boss", "drv", "bank", "rec", "keeper"]
    write_entities(store, [("Person", p, {"name": f"Person {p}"}) for p in suspects],
                   person_category="suspect", collected_at="2024-01-01T00:00:00Z")  # fmt: skip
    write_entities(store, [("Person", p, {"name": f"Person {p}"}) for p in ("rel1", "rel2")],
                   person_category="contact", collected_at="2024-01-01T00:00:00Z")  # fmt: skip
    write_entities(store, [("Person", p, {"name": f"Person {p}"}) for p in ("mig1", "mig2")],
                   person_category="victim", collected_at="2024-01-01T00:00:00Z")  # fmt: skip
    ties = [("boss", p) for p in ("drv", "bank", "rec", "keeper")] + [("drv", "keeper")]
    write_entities(store, [
        # The relationship names no role: what each does comes from behaviour alone.
        *[("Associate", f"as-{a}-{b}", {"person": a, "associate": b,
                                        "relationship": "co-offender"}) for a, b in ties],
        ("Vehicle", "van", {"registrationNumber": "BG 001-AB", "operator": "drv"}),
        *[("Payment", f"pay-boss-{p}", {"payer": "boss", "beneficiary": p, "amount": "500",
                                        "date": "2024-03-10"}) for p in ("drv", "keeper", "rec")],
        ("Payment", "pay-rel1", {"payer": "rel1", "beneficiary": "bank", "date": "2024-03-01"}),
        ("Payment", "pay-rel2", {"payer": "rel2", "beneficiary": "bank", "date": "2024-03-02"}),
        ("Payment", "pay-bank", {"payer": "bank", "beneficiary": "boss", "date": "2024-03-20"}),
        ("Call", "call-m1", {"caller": "mig1", "receiver": "rec", "startDate": "2024-02-01T12:00"}),
        ("Call", "call-m2", {"caller": "mig2", "receiver": "rec", "startDate": "2024-02-02T12:00"}),
        ("Call", "call-m3", {"caller": "rec", "receiver": "mig1", "startDate": "2024-02-03T12:00"}),
    ], collected_at="2024-04-01T00:00:00Z")  # fmt: skip
    write_entity(store, "Call", "call-secret", {"caller": "boss", "receiver": "drv",
                                                "startDate": "2024-03-15T22:00"},
                 classification="SECRET", collected_at="2024-04-01T00:00:00Z")  # fmt: skip


def test_roles_come_from_behaviour_with_their_evidence(store: Store) -> None:
    crew(store)
    roles = infer_roles(build_network(store, SYSTEM_SCOPE))
    found = {n: g.role for n, g in roles.items()}
    assert found["boss"] == ORGANISER
    assert found["drv"] == DRIVER
    assert found["bank"] == MONEY_HANDLER
    assert found["rec"] == RECRUITER
    assert found["mig1"] == found["mig2"] == UNKNOWN  # victims hold no role
    assert found["keeper"] != DRIVER  # tied to a driver, driving nothing
    assert all(not g.statements and not any(g.stated.values()) for g in roles.values())
    signals = {s.name: s for s in roles["drv"].signals}
    assert signals["vehicles operated"].record_ids == ["van"]
    money = {s.name: s for s in roles["bank"].signals}
    assert sorted(money["paid by people outside the organisation"].record_ids) == [
        "pay-rel1", "pay-rel2"]  # fmt: skip
    assert all(0.0 <= s <= 1.0 for g in roles.values() for s in g.scores.values())


def test_roles_file_and_route(store: Store, tmp_path: Path, api: Api) -> None:
    work = filled_workdir(tmp_path / "node", crew)
    r = runner.invoke(cli_app, ["network", "roles", "--out", str(tmp_path / "roles.csv"),
                                "--workdir", str(work)])  # fmt: skip
    assert r.exit_code == 0, (r.output, r.exception)
    with (tmp_path / "roles.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["entity_id", "role", "score"]
    assert {r["entity_id"] for r in rows} == {
        "boss", "drv", "bank", "rec", "keeper", "rel1", "rel2", "mig1", "mig2"}  # fmt: skip
    assert {r["entity_id"]: r["role"] for r in rows}["drv"] == DRIVER
    crew(api.store)
    results = api.get("/network/roles").json()["results"]
    driver = next(r for r in results if r["entity_id"] == "drv")
    assert driver["role"] == DRIVER and driver["evidence"]


def test_timeline_of_an_entity_and_its_community(api: Api, anpr_file: Path) -> None:
    crew(api.store)
    ingest_path(api.store, Caller.operator(), anpr_file, defaults=SENSOR_DEFAULTS,
                show_progress=False)  # fmt: skip
    mine = api.get("/timeline/drv").json()
    kinds = {(e["kind"], e["record_id"]) for e in mine["events"]}
    assert ("payment", "pay-boss-drv") in kinds and ("call", "call-secret") in kinds
    assert ("link first seen", "as-boss-drv") in kinds
    sighting = next(e for e in mine["events"] if e["kind"] == "sighting")
    assert sighting["other"] == "van" and "BG001AB" in sighting["detail"].replace(" ", "")
    assert [e["at"] for e in mine["events"]] == sorted(e["at"] for e in mine["events"])
    low = api.get("/timeline/drv", user="analyst_low").json()
    assert "call-secret" not in {e["record_id"] for e in low["events"]}
    whole = api.get("/timeline/drv", params={"network": True}).json()
    assert "boss" in whole["members"] and len(whole["events"]) > len(mine["events"])
    # As of a day: only what was known by its end (the records were collected in April).
    early = service.timeline(api.store, reading(SYSTEM_SCOPE), "drv", date(2024, 3, 31))
    assert not [e for e in early["events"] if e["kind"] in ("payment", "call")]
    assert api.get("/timeline/nobody").status_code == 404


def test_timeline_command(tmp_path: Path) -> None:
    work = filled_workdir(tmp_path / "node", crew)
    r = runner.invoke(cli_app, ["timeline", "rec", "--json", "--workdir", str(work)])
    assert r.exit_code == 0, (r.output, r.exception)
    found = json.loads(r.output)
    assert [e["record_id"] for e in found["events"] if e["kind"] == "call"] == [
        "call-m1", "call-m2", "call-m3"]  # fmt: skip
    r = runner.invoke(cli_app, ["timeline", "rec", "--network", "--workdir", str(work)],
                      env={"COLUMNS": "200"})  # fmt: skip
    assert r.exit_code == 0 and "Timeline of rec and its community" in r.output
