"""`corridor network …` and the `/network…` routes: the same service, files in the agreed
columns, errors through Corridor's exception tree, and each reader shown their own network."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import Api
from corridor.cli import app as cli_app
from corridor.store.base import Store
from sharing_support import write_entities, write_entity
from stores import filled_workdir

runner = CliRunner()
ENV = {"COLUMNS": "200"}


def world(store: Store) -> None:
    """Two cells of three joined by a broker; a SECRET tie only the cleared may see."""
    people = [f"p{i}" for i in range(1, 8)]
    write_entities(store, [("Person", p, {"name": f"Person {p}"}) for p in people],
                   person_category="suspect", collected_at="2024-01-01T00:00:00Z")  # fmt: skip
    ties = [("p1", "p2"), ("p1", "p3"), ("p2", "p3"), ("p4", "p5"), ("p4", "p6"), ("p5", "p6"),
            ("p3", "p7"), ("p7", "p4")]  # fmt: skip
    write_entities(store, [("Associate", f"as-{a}-{b}", {"person": a, "associate": b})
                           for a, b in ties], collected_at="2024-03-01T00:00:00Z")  # fmt: skip
    write_entities(store, [
        ("Call", "call-1", {"caller": "p1", "receiver": "p3", "startDate": "2024-04-01T10:00"}),
        ("Call", "call-2", {"caller": "p3", "receiver": "p7", "startDate": "2024-04-03T10:00"}),
        ("Call", "call-3", {"caller": "p7", "receiver": "p4", "startDate": "2024-04-20T10:00"}),
    ], collected_at="2024-05-01T00:00:00Z")  # fmt: skip
    write_entity(store, "Associate", "as-secret", {"person": "p2", "associate": "p6"},
                 classification="SECRET", collected_at="2024-03-01T00:00:00Z")  # fmt: skip


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return filled_workdir(tmp_path / "node", world)


def invoke(workdir: Path, *args: str) -> str:
    r = runner.invoke(cli_app, ["network", *args, "--workdir", str(workdir)], env=ENV)
    assert r.exit_code == 0, (args, r.output, r.exception)
    return r.output


def test_communities_and_rank_files(workdir: Path, tmp_path: Path) -> None:
    invoke(workdir, "communities", "--out", str(tmp_path / "c.csv"))
    with (tmp_path / "c.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["entity_id", "community"]
    found = {r["entity_id"]: r["community"] for r in rows}
    assert set(found) == {f"p{i}" for i in range(1, 8)}
    assert found["p1"] == found["p2"] == found["p3"] != found["p5"]
    shown = invoke(workdir, "rank", "--out", str(tmp_path / "r.csv"))
    assert "role" in shown and "disruption" in shown  # the table says why, not just a score
    with (tmp_path / "r.csv").open(encoding="utf-8") as f:
        ranked = list(csv.DictReader(f))
    assert list(ranked[0]) == ["entity_id", "score", "record_ids"]
    scores = [float(r["score"]) for r in ranked]
    assert scores == sorted(scores, reverse=True) and len(ranked) == 7
    assert ranked[0]["entity_id"] in ("p3", "p4", "p7")  # the chain between the cells
    assert ranked[0]["record_ids"] == ranked[0]["entity_id"]


def test_paths_expand_build_and_as_of(workdir: Path) -> None:
    assert "Person p1 (p1) → Person p3 (p3) → Person p7 (p7) → Person p4 (p4)" in invoke(
        workdir, "path", "p1", "p4", "--within", "30d"
    )
    assert "no time-respecting path" in invoke(workdir, "path", "p1", "p4", "--within", "10d")
    found = json.loads(invoke(workdir, "path", "p1", "p5", "--json"))
    assert found["found"] and found["nodes"][0]["id"] == "p1" and found["nodes"][-1]["id"] == "p5"
    reached = json.loads(invoke(workdir, "expand", "p1", "--hops", "2", "--json"))
    assert {n["id"] for n in reached["nodes"]} == {"p1", "p2", "p3", "p6", "p7"}
    assert "communities" in invoke(workdir, "build")
    # Before the calls were known, no time-respecting path exists.
    assert "no time-respecting path" in invoke(
        workdir, "path", "p1", "p4", "--within", "30d", "--as-of", "2024-04-30"
    )


def test_bad_input_is_one_clear_error(workdir: Path) -> None:
    r = runner.invoke(cli_app, ["network", "path", "p1", "nobody", "--workdir", str(workdir)])
    assert r.exit_code != 0 and "no entity 'nobody'" in str(r.exception or r.output)
    r = runner.invoke(cli_app, ["network", "path", "p1", "p4", "--within", "soon",
                                "--workdir", str(workdir)])  # fmt: skip
    assert r.exit_code != 0
    r = runner.invoke(cli_app, ["network", "build", "--as-of", "yesterday",
                                "--workdir", str(workdir)])  # fmt: skip
    assert r.exit_code == 2 and "as-of" in r.output.lower()


def test_routes_show_each_reader_their_own_network(api: Api) -> None:
    world(api.store)
    high = api.get("/network/expand/p2", user="analyst")
    low = api.get("/network/expand/p2", user="analyst_low")
    assert high.status_code == low.status_code == 200
    assert "p6" in {n["id"] for n in high.json()["nodes"]}
    assert "p6" not in {n["id"] for n in low.json()["nodes"]}
    evidence = {e["record_id"] for k in low.json()["links"] for e in k["evidence"]}
    assert "as-secret" not in evidence
    ranks = {
        u: api.get("/network/rank", user=u).json()["results"] for u in ("analyst", "analyst_low")
    }
    assert {r["entity_id"] for r in ranks["analyst"]} == {
        r["entity_id"] for r in ranks["analyst_low"]
    }
    assert [r["score"] for r in ranks["analyst"]] != [r["score"] for r in ranks["analyst_low"]]
    summary = api.get("/network", user="analyst_low").json()
    assert summary["people"] == 7 and summary["links_by_kind"]["Associate"] == 8
    rows = api.get("/network/communities", user="analyst").json()["communities"]
    assert {r["entity_id"] for r in rows} == {f"p{i}" for i in range(1, 8)}
    path = api.get("/network/path", params={"a": "p1", "b": "p4", "within": "30d"}).json()
    assert [s["record_id"] for s in path["steps"]] == ["call-1", "call-2", "call-3"]
    assert path["within"] == 30.0


def test_route_errors_go_through_the_exception_tree(api: Api) -> None:
    world(api.store)
    r = api.get("/network/path", params={"a": "p1", "b": "nobody"})
    assert r.status_code == 404 and r.json()["error"] == "NotFound"
    r = api.get("/network/path", params={"a": "p1", "b": "p4", "within": "soon"})
    assert r.status_code == 422 and r.json()["error"] == "ValidationError"
    assert api.get("/network/expand/p1", params={"hops": 9}).status_code == 422
    assert api.get("/network/rank", user=None).status_code == 401
