"""Exports of a reader's network: GraphML and GEXF read back with networkx and hold every node
and link with its attributes; Cytoscape.js JSON, i2 CSVs and FtM lines in their shapes; the
command writes the files and the route answers with the right media type."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import networkx as nx
import pytest
from followthemoney import model
from typer.testing import CliRunner

from conftest import Api
from corridor.cli import app as cli_app
from corridor.model.scope import SYSTEM_SCOPE
from corridor.network import export
from corridor.network.build import build_network
from corridor.network.graph import Network
from corridor.network.service import facts
from corridor.store.base import Store
from stores import filled_workdir
from test_network_build import small_world
from test_network_cli_api import world

runner = CliRunner()


def built(store: Store) -> tuple[Network, dict[str, export.NodeFacts]]:
    small_world(store)
    network = build_network(store, SYSTEM_SCOPE)
    return network, facts(network)[0]


def expected_edges(network: Network) -> set[tuple[str, str, str]]:
    return {(k.a, k.b, f"{k.kind}|{k.via or ''}") for k in network.links}


def read_edges(g: nx.MultiGraph) -> set[tuple[str, str, str]]:
    return {(min(a, b), max(a, b), key) for a, b, key in g.edges(keys=True)}


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graphml_and_gexf_read_back_with_networkx(store: Store, fmt: str) -> None:
    network, found = built(store)
    content = export.WRITERS[fmt](network, found)
    reader = nx.read_graphml if fmt == "graphml" else nx.read_gexf
    g = reader(io.BytesIO(content))
    assert isinstance(g, nx.MultiGraph) and not g.is_directed()
    assert set(g.nodes) == set(network.nodes)
    assert read_edges(g) == expected_edges(network)
    assert g.nodes["p-drv"]["label"] == "Driver Two"
    assert g.nodes["v-van"]["kind"] == "Vehicle" and "community" not in g.nodes["v-van"]
    assert g.nodes["p-drv"]["community"] == found["p-drv"].community
    assert g.nodes["p-drv"]["role"] == found["p-drv"].role
    for a, b, key, data in g.edges(keys=True, data=True):
        link = next(k for k in network.links
                    if (k.a, k.b) == (min(a, b), max(a, b)) and f"{k.kind}|{k.via or ''}" == key)  # fmt: skip
        assert data["kind"] == link.kind
        assert float(data["weight"]) == pytest.approx(link.weight, abs=1e-6)
        assert int(data["evidence_count"]) == len(link.evidence)
        assert data["classification"] == link.classification.label
        if link.first_seen is not None:
            assert data["first_seen"] == link.first_seen.isoformat()
    # The same network gives the same bytes (GEXF's date is the network's, not today's).
    assert export.WRITERS[fmt](network, found) == content


def test_cytoscape_json_holds_elements_with_data(store: Store) -> None:
    network, found = built(store)
    doc = json.loads(export.cytoscape(network, found))
    nodes, edges = doc["elements"]["nodes"], doc["elements"]["edges"]
    assert {n["data"]["id"] for n in nodes} == set(network.nodes)
    ids = {n["data"]["id"] for n in nodes}
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in edges)
    assert len(edges) == len(network.links) == len({e["data"]["id"] for e in edges})
    payment = next(e["data"] for e in edges if e["data"]["kind"] == "Payment")
    assert (payment["source"], payment["target"]) == ("p-bank", "p-rel")
    assert payment["evidence_count"] == 1 and payment["record_ids"] == "pay-1"
    assert payment["first_seen"].startswith("2024-03-01")


def test_i2_csvs_have_the_specified_columns(store: Store) -> None:
    network, found = built(store)
    files = export.i2_files(network, found)
    assert list(files) == list(export.I2_FILES)
    entities = list(csv.DictReader(io.StringIO(files["entities.csv"].decode("utf-8-sig"))))
    links = list(csv.DictReader(io.StringIO(files["links.csv"].decode("utf-8-sig"))))
    assert list(entities[0]) == export.ENTITY_COLUMNS
    assert list(links[0]) == export.LINK_COLUMNS
    assert {r["entity_id"] for r in entities} == set(network.nodes)
    ids = {r["entity_id"] for r in entities}
    assert all(r["from_id"] in ids and r["to_id"] in ids for r in links)
    spec = files["import-spec.txt"].decode("utf-8")
    for column in export.ENTITY_COLUMNS + export.LINK_COLUMNS:
        assert f"  {column} " in spec, column


def test_ftm_lines_are_entities_followthemoney_reads(store: Store) -> None:
    network, found = built(store)
    lines = export.ftm_lines(network, found).decode("utf-8").splitlines()
    proxies = [model.get_proxy(json.loads(line)) for line in lines]
    assert len(proxies) == len(network.nodes) + len(network.links)
    by_id = {p.id: p for p in proxies}
    assert set(network.nodes) <= set(by_id)
    assert by_id["p-drv"].schema.name == "Person" and by_id["p-drv"].first("name") == "Driver Two"
    assert by_id["v-van"].schema.name == "Vehicle"
    links = [p for p in proxies if p.schema.edge]
    associate = next(p for p in links if p.schema.name == "Associate")
    assert {associate.first("person"), associate.first("associate")} == {"p-drv", "p-org"}
    unknown = [p for p in links if p.schema.name == "UnknownLink"]
    assert {p.first("role") for p in unknown} >= {"Payment", "Call", "co-mention"}
    assert all(p.first("subject") in network.nodes and p.first("object") in network.nodes
               for p in unknown)  # fmt: skip


def test_the_command_writes_each_format_and_i2_as_three_files(tmp_path: Path) -> None:
    work = filled_workdir(tmp_path / "node", world)
    for fmt in export.FORMATS:
        target = tmp_path / f"net-{fmt}"
        r = runner.invoke(cli_app, ["network", "export", "--format", fmt, "--out", str(target),
                                    "--workdir", str(work)])  # fmt: skip
        assert r.exit_code == 0, (fmt, r.output, r.exception)
    assert nx.read_graphml(tmp_path / "net-graphml").number_of_nodes() == 7
    for name in export.I2_FILES:
        assert (tmp_path / f"net-i2.{name}").stat().st_size > 0
    (tmp_path / "i2").mkdir()
    r = runner.invoke(cli_app, ["network", "export", "--format", "i2", "--out",
                                str(tmp_path / "i2"), "--workdir", str(work)])  # fmt: skip
    assert r.exit_code == 0 and sorted(p.name for p in (tmp_path / "i2").iterdir()) == sorted(
        export.I2_FILES
    )
    r = runner.invoke(cli_app, ["network", "export", "--format", "pdf", "--out",
                                str(tmp_path / "x"), "--workdir", str(work)])  # fmt: skip
    assert r.exit_code != 0 and "not an export format" in str(r.exception or r.output)


def test_the_route_answers_with_the_media_type_and_only_the_readers_links(api: Api) -> None:
    world(api.store)
    for fmt, media in export.MEDIA_TYPES.items():
        r = api.get("/network/export", params={"format": fmt})
        assert r.status_code == 200, (fmt, r.text)
        assert r.headers["content-type"].startswith(media)
    low = api.get("/network/export", params={"format": "cytoscape"}, user="analyst_low").json()
    high = api.get("/network/export", params={"format": "cytoscape"}, user="analyst").json()
    records = {u: {r for e in d["elements"]["edges"] for r in e["data"]["record_ids"].split(";")}
               for u, d in (("low", low), ("high", high))}  # fmt: skip
    assert "as-secret" in records["high"] and "as-secret" not in records["low"]
    i2 = zipfile.ZipFile(io.BytesIO(api.get("/network/export", params={"format": "i2"}).content))
    assert sorted(i2.namelist()) == sorted(export.I2_FILES)
    r = api.get("/network/export", params={"format": "pdf"})
    assert r.status_code == 422 and r.json()["error"] == "ValidationError"


def test_every_format_marks_a_link_that_rests_only_on_inference(store: Store) -> None:
    network, found = built(store)
    guessed = network.links[0]
    guessed.evidence[:] = [replace(e, inferred=True) for e in guessed.evidence]
    assert guessed.inferred and not any(k.inferred for k in network.links[1:])
    g = nx.read_graphml(io.BytesIO(export.graphml(network, found)))
    flags = {data["id"]: data["inferred"] for _, _, data in g.edges(data=True)}
    assert flags == {export.link_id(k): k is guessed for k in network.links}
    edges = json.loads(export.cytoscape(network, found))["elements"]["edges"]
    assert [e["data"]["id"] for e in edges if e["data"]["inferred"]] == [export.link_id(guessed)]
    links = export.i2_files(network, found)["links.csv"].decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(links)))
    assert [r["link_id"] for r in rows if r["inferred"] == "True"] == [export.link_id(guessed)]
    lines = [json.loads(x) for x in export.ftm_lines(network, found).splitlines()]
    said = [x for x in lines if "inferred, not recorded" in " ".join(
        x["properties"].get("summary", []))]  # fmt: skip
    assert [x["id"] for x in said] == [export.link_id(guessed)]
