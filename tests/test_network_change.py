"""Burner successions, brokers between communities, changes between two days and reports
naming one entity: hand-made cases, the network's use of successions, and the command line and
API round trip (each reader shown only what their evidence allows)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callers import reading
from conftest import SENSOR_DEFAULTS, Api
from corridor.access.caller import Caller
from corridor.cli import app as cli_app
from corridor.ingest.service import ingest_path
from corridor.model.classification import Classification
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.network import analysis, brokers, burners, service
from corridor.network.build import SUCCESSION, build_network
from corridor.network.burners import CallEnd, phone_uses, successions
from corridor.network.evidence import trust
from corridor.network.graph import Link, Network, Node
from corridor.store.base import Store
from sharing_support import write_entities, write_entity
from stores import filled_workdir

runner = CliRunner()
ENV = {"COLUMNS": "250"}
T0 = datetime(2024, 1, 1, tzinfo=UTC)
OLD, NEW = "+381641000001", "+381641000002"


def calls(number: str, contacts: list[str], first_day: int, days: int = 20) -> list[CallEnd]:
    """`number` calling each contact, spread over `days` from `first_day` (days after T0)."""
    out = []
    for i, c in enumerate(contacts):
        at = T0 + timedelta(days=first_day + i * days / max(1, len(contacts) - 1))
        out.append(CallEnd(at, f"{number}-{c}-{first_day}", number, c, 10))
    return out


# --- burner successions, by hand ----------------------------------------------------------------


def test_a_new_number_taking_over_the_contacts_is_a_succession() -> None:
    ends = calls(OLD, ["x", "y", "z"], 0) + calls(NEW, ["x", "y", "z", "w"], 25)
    (found,) = successions(phone_uses(ends))
    assert (found.old_phone, found.new_phone) == (OLD, NEW)
    assert found.shared == ("x", "y", "z")
    assert found.gap_days == pytest.approx(5.0)
    # Overlap coefficient 3/3, five days of a 30-day allowance.
    assert found.score == pytest.approx(1.0 * (1 - 5 / 31))
    assert set(found.record_ids) == {e.record_id for e in ends if e.contact != "w"}


@pytest.mark.parametrize(
    ("new", "contacts", "start"),
    [
        (NEW, ["x", "y", "z"], 10),  # overlaps the old number's calls: both in use at once
        (NEW, ["x", "y", "z"], 60),  # starts 40 days after the old one went quiet
        (NEW, ["x", "q", "r"], 25),  # one shared contact only
        ("+447700900123", ["x", "y", "z"], 25),  # another country's number
    ],
)
def test_no_succession_without_every_condition(new: str, contacts: list[str], start: int) -> None:
    ends = calls(OLD, ["x", "y", "z"], 0) + calls(new, contacts, start)
    assert successions(phone_uses(ends)) == []


def test_the_overlap_is_over_the_smaller_list_of_contacts() -> None:
    ends = calls(OLD, ["x", "y", "z"], 0) + calls(NEW, ["x", "y", "q", "r", "s", "t"], 25)
    (found,) = successions(phone_uses(ends))
    assert found.shared == ("x", "y") and found.score == pytest.approx(2 / 3 * (1 - 5 / 31))
    assert successions(phone_uses(ends), min_overlap=0.7) == []


def test_each_number_has_one_successor_the_best_scored() -> None:
    later, sooner = "+381641000003", NEW
    ends = (calls(OLD, ["x", "y", "z"], 0) + calls(later, ["x", "y", "z"], 40)
            + calls(sooner, ["x", "y", "z"], 22))  # fmt: skip
    # Both follow the old number; the sooner wins, and the later overlaps the sooner.
    found = successions(phone_uses(ends))
    assert [(s.old_phone, s.new_phone) for s in found] == [(OLD, sooner)]


def test_a_number_calling_itself_is_no_contact() -> None:
    uses = phone_uses([CallEnd(T0, "c1", OLD, f"phone:{OLD}", 10)])
    assert uses[OLD].contacts == {}


# --- burner successions in the network ----------------------------------------------------------


def burner_world(store: Store, new_user: bool = False) -> None:
    """p1 uses OLD (on their record) and calls p2, p3, p4 in January; NEW, on nobody's record
    unless `new_user` (then p9's), calls the same people in February."""
    people = [("Person", "p1", {"name": "Person p1", "phone": OLD})]
    people += [("Person", p, {"name": f"Person {p}"}) for p in ("p2", "p3", "p4")]
    if new_user:
        people.append(("Person", "p9", {"name": "Person p9", "phone": NEW}))
    write_entities(store, people, collected_at="2024-01-01T00:00:00Z")
    rows = []
    for i, p in enumerate(("p2", "p3", "p4")):
        rows.append(("Call", f"old-{p}", {"callerNumber": OLD, "receiver": p,
                                          "startDate": f"2024-01-{10 + i:02d}T10:00"}))  # fmt: skip
        rows.append(("Call", f"new-{p}", {"callerNumber": NEW, "receiver": p,
                                          "startDate": f"2024-01-{20 + i:02d}T10:00"}))  # fmt: skip
    write_entities(store, rows, collected_at="2024-02-01T00:00:00Z")


def test_the_new_numbers_calls_go_to_the_old_numbers_user_marked_inferred(store: Store) -> None:
    burner_world(store)
    network = build_network(store, SYSTEM_SCOPE)
    (found,) = network.successions
    assert (found.old_phone, found.new_phone, found.old_users) == (OLD, NEW, ("p1",))
    assert found.shared == ("p2", "p3", "p4")
    inferred = [e for k in network.links for e in k.evidence if e.inferred]
    assert {e.record_id for e in inferred} == {"new-p2", "new-p3", "new-p4"}
    # The old number's user as its record says (graded 2AP), times the succession's score.
    expected = trust("2AP", None) * found.score
    assert all(e.attribution == pytest.approx(expected) for e in inferred)
    link = next(k for k in network.links if k.key == ("p1", "p2", "Call", None))
    marked = {e["record_id"]: e["inferred"] for e in link.to_dict()["evidence"]}
    assert marked == {"old-p2": False, "new-p2": True} and not link.inferred
    # Without churn the new number's calls belong to nobody.
    plain = build_network(store, SYSTEM_SCOPE, churn=False)
    assert not plain.successions
    assert {e.record_id for k in plain.links for e in k.evidence} == {"old-p2", "old-p3",
                                                                      "old-p4"}  # fmt: skip


def test_known_users_of_both_numbers_are_linked_as_inferred(store: Store) -> None:
    burner_world(store, new_user=True)
    network = build_network(store, SYSTEM_SCOPE)
    (link,) = [k for k in network.links if k.kind == SUCCESSION]
    assert (link.a, link.b, link.via) == ("p1", "p9", f"{OLD}>{NEW}")
    assert link.inferred and link.to_dict()["inferred"]
    assert {e.record_id for e in link.evidence} == {f"{w}-{p}" for w in ("old", "new")
                                                    for p in ("p2", "p3", "p4")}  # fmt: skip


def test_a_succession_resting_on_secret_calls_is_not_shown_below_it(store: Store) -> None:
    burner_world(store)
    write_entity(store, "Call", "new-secret", {"callerNumber": NEW, "receiver": "p2",
                                               "startDate": "2024-01-25T10:00"},
                 classification="SECRET", collected_at="2024-02-01T00:00:00Z")  # fmt: skip
    low = service.burners(store, reading(ReadScope(Classification.OFFICIAL)))
    high = service.burners(store, reading(SYSTEM_SCOPE))
    assert "new-secret" in high[0].record_ids and "new-secret" not in low[0].record_ids
    # What rests on the succession is as classified as the calls behind it.
    inferred = [e for e in build_network(store, SYSTEM_SCOPE).evidence() if e.inferred]
    assert inferred and all(e.classification == Classification.SECRET for e in inferred)
    shown = [e for e in build_network(store, ReadScope(Classification.OFFICIAL)).evidence()
             if e.inferred]  # fmt: skip
    assert shown and all(e.classification == Classification.OFFICIAL for e in shown)


# --- brokers ------------------------------------------------------------------------------------


def two_triangles() -> Network:
    nodes = ["a1", "a2", "a3", "b", "c1", "c2", "c3"]
    pairs = [("a1", "a2"), ("a1", "a3"), ("a2", "a3"), ("c1", "c2"), ("c1", "c3"), ("c2", "c3"),
             ("a1", "b"), ("b", "c1")]  # fmt: skip
    links = []
    for a, b in pairs:
        link = Link(a, b, "Associate")
        link.weight = 0.5
        links.append(link)
    return Network({n: Node(n, "Person", "Person", [n], n) for n in nodes}, links)


def test_the_bridge_between_two_groups_is_the_top_broker() -> None:
    people = two_triangles()
    groups = analysis.communities(people)
    assert groups["a1"] == groups["a2"] != groups["c1"] == groups["c2"]
    found = brokers.brokers(people, groups, analysis.centralities(people))
    top = found[0]
    assert top.entity_id == "b"
    assert top.participation == pytest.approx(0.5)  # half its weight into each side
    assert top.betweenness == pytest.approx(1.0)  # all 9 routes across run through it
    assert top.score == pytest.approx(0.5)
    assert set(top.communities) == {groups["a1"], groups["c1"]}
    # The triangle member on the far side of b bridges too, less: 1 − (2/3)² − (1/3)².
    (other,) = found[1:]
    assert other.entity_id == ("c1" if groups["b"] == groups["a1"] else "a1")
    assert other.participation == pytest.approx(4 / 9)
    assert other.score == pytest.approx(4 / 9 * 8 / 9)
    assert not any(b.entity_id in ("a2", "a3", "c2", "c3") for b in found)


def test_no_brokers_in_one_community() -> None:
    people = two_triangles()
    groups = dict.fromkeys(people.nodes, 1)
    assert brokers.brokers(people, groups, analysis.centralities(people)) == []


# --- changes between two days -------------------------------------------------------------------


def changing_world(store: Store) -> None:
    write_entities(store, [("Person", f"p{i}", {"name": f"Person p{i}"}) for i in range(1, 6)],
                   collected_at="2024-01-01T00:00:00Z")  # fmt: skip
    dated = [("2024-01-10", "p1", "p2"), ("2024-01-11", "p1", "p4"), ("2024-01-12", "p2", "p5"),
             ("2024-03-10", "p2", "p3"), ("2024-03-11", "p1", "p5")]  # fmt: skip
    for day, a, b in dated:
        write_entity(store, "Call", f"call-{a}-{b}",
                     {"caller": a, "receiver": b, "startDate": f"{day}T10:00"},
                     collected_at=f"{day}T12:00:00Z")  # fmt: skip


def test_who_joined_left_and_which_links_appeared_or_ended(store: Store) -> None:
    changing_world(store)
    caller = reading(SYSTEM_SCOPE)
    found = service.changes(store, caller, date(2024, 2, 1), date(2024, 4, 30))
    by = {(r["change"], r["entity_id"], r["other_id"]) for r in found["changes"]}
    assert ("joined", "p3", None) in by
    assert ("left", "p4", None) in by
    assert {(c, a, b) for c, a, b in by if c == "link appeared"} == {
        ("link appeared", "p2", "p3"), ("link appeared", "p1", "p5")}  # fmt: skip
    # p1–p4 is not an ended tie: p4 left; p1–p2 and p2–p5 ended while both went on.
    assert {(c, a, b) for c, a, b in by if c == "link ended"} == {
        ("link ended", "p1", "p2"), ("link ended", "p2", "p5")}  # fmt: skip
    assert found["counts"]["joined"] == 1 and found["counts"]["left"] == 1
    # Known only by mid-February: nothing of March yet.
    early = service.changes(store, caller, date(2024, 2, 1), date(2024, 4, 30), date(2024, 2, 15))
    assert early["counts"]["joined"] == early["counts"]["link appeared"] == 0
    with pytest.raises(Exception, match="ends before it starts"):
        service.changes(store, caller, date(2024, 4, 30), date(2024, 2, 1))


# --- reports naming one entity ------------------------------------------------------------------


def test_a_report_naming_one_person_alone_is_on_their_timeline(store: Store) -> None:
    changing_world(store)
    write_entity(store, "Documentation", "doc-1", {"document": "rep-9", "entity": "p4"},
                 collected_at="2024-05-01T00:00:00Z")  # fmt: skip
    events = service.timeline(store, reading(SYSTEM_SCOPE), "p4")["events"]
    report = [e for e in events if e["kind"] == "report"]
    assert [(r["record_id"], r["other"], r["detail"]) for r in report] == [
        ("doc-1", None, "named in rep-9")]  # fmt: skip
    assert "rep-9" not in json.dumps(service.timeline(store, reading(SYSTEM_SCOPE), "p1"))


# --- the command line and the API ---------------------------------------------------------------


def cli_world(store: Store) -> None:
    burner_world(store)
    write_entity(store, "Associate", "as-secret", {"person": "p1", "associate": "p4"},
                 classification="SECRET", collected_at="2024-01-05T00:00:00Z")  # fmt: skip


def invoke(workdir: Path, *args: str) -> str:
    r = runner.invoke(cli_app, ["network", *args, "--workdir", str(workdir)], env=ENV)
    assert r.exit_code == 0, (args, r.output, r.exception)
    return r.output


def test_command_line_files(tmp_path: Path) -> None:
    work = filled_workdir(tmp_path / "node", cli_world)
    invoke(work, "burners", "--out", str(tmp_path / "b.csv"))
    with (tmp_path / "b.csv").open(encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert list(row)[:5] == ["old_phone", "new_phone", "score", "shared_contacts", "gap_days"]
    assert (row["old_phone"], row["new_phone"], row["old_users"]) == (OLD, NEW, "p1")
    assert row["shared_contacts"] == "p2;p3;p4" and float(row["gap_days"]) > 0
    assert "0 successions" in invoke(work, "burners", "--as-of", "2024-01-15")
    # One star around p1: one community, nobody bridges.
    assert "0 people tied into two communities" in invoke(
        work, "brokers", "--out", str(tmp_path / "br.csv")
    )
    with (tmp_path / "br.csv").open(encoding="utf-8") as f:
        assert list(csv.reader(f)) == [["entity_id", "score", "communities", "record_ids"]]
    invoke(work, "changes", "--from", "2024-01-15", "--to", "2024-02-28",
           "--out", str(tmp_path / "ch.csv"))  # fmt: skip
    with (tmp_path / "ch.csv").open(encoding="utf-8") as f:
        changes = list(csv.DictReader(f))
    assert list(changes[0])[:3] == ["change", "entity_id", "other_id"]
    r = runner.invoke(cli_app, ["network", "changes", "--from", "soon", "--to", "2024-02-28",
                                "--workdir", str(work)], env=ENV)  # fmt: skip
    assert r.exit_code == 2 and "--from" in r.output


def test_routes_round_trip_and_each_reader_sees_their_own(api: Api) -> None:
    cli_world(api.store)
    high = api.get("/network/burners", user="analyst").json()["results"]
    assert [(s["old_phone"], s["new_phone"]) for s in high] == [(OLD, NEW)]
    high_b = api.get("/network/brokers", user="analyst")
    low_b = api.get("/network/brokers", user="analyst_low")
    assert high_b.status_code == low_b.status_code == 200
    for body in (high_b.json(), low_b.json()):
        assert all(set(b) >= {"entity_id", "score", "communities"} for b in body["results"])
    params = {"from": "2024-01-01", "to": "2024-02-28"}
    high_c = api.get("/network/changes", params=params, user="analyst").json()
    low_c = api.get("/network/changes", params=params, user="analyst_low").json()
    secret = ("link appeared", "p1", "p4", "Associate")
    assert secret in {(r["change"], r["entity_id"], r["other_id"], r["kind"])
                      for r in high_c["changes"]}  # fmt: skip
    assert secret not in {(r["change"], r["entity_id"], r["other_id"], r["kind"])
                          for r in low_c["changes"]}  # fmt: skip
    assert "as-secret" not in json.dumps(low_c)
    bad = api.get("/network/changes", params={"from": "2024-03-01", "to": "2024-01-01"})
    assert bad.status_code == 422 and bad.json()["error"] == "ValidationError"
    assert api.get("/network/burners", user=None).status_code == 401


def test_burner_defaults_are_the_documented_ones() -> None:
    assert (burners.MIN_SHARED, burners.MIN_OVERLAP, burners.MAX_GAP_DAYS) == (2, 0.5, 30.0)


def test_a_successors_sightings_are_on_the_old_users_timeline(store: Store, tmp_path: Path) -> None:
    burner_world(store)
    detections = tmp_path / "detections.csv"
    detections.write_text(
        "detection_id,detected_at,lat,lon,border_section,crossing_point,country,direction,"
        "people_count,nationality,method,plate,phone\n"
        "det-1,2024-01-25T03:00:00Z,46.06,20.05,RS-HU border,RS-HU-KANJIZA,RS,exit,5,SYR,"
        f"thermal,,{NEW}\n",
        encoding="utf-8",
    )
    ingest_path(store, Caller.operator(), detections, defaults=SENSOR_DEFAULTS,
                show_progress=False)  # fmt: skip
    events = service.timeline(store, reading(SYSTEM_SCOPE), "p1")["events"]
    (crossing,) = [e for e in events if e["kind"] == "crossing"]
    assert crossing["entity"] == "p1" and "inferred: burner succession" in crossing["detail"]
    plain = service.timeline(store, reading(SYSTEM_SCOPE), "p2")["events"]
    assert not [e for e in plain if e["kind"] == "crossing"]
