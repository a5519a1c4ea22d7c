"""The demo end to end on a small world: both agencies ingested, every step shows a result,
and running it again changes nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from corridor.api.process import free_port
from corridor.audit import verify_store
from corridor.demo import run_demo
from corridor.demo_nodes import PURPOSE
from stores import workdir_store


def test_demo_builds_ingests_and_exercises_everything(tmp_path: Path) -> None:
    out = io.StringIO()
    ports = (free_port(), free_port())
    summary = run_demo(
        tmp_path, seed=3, scale=0.05, console=Console(file=out, width=200), node_ports=ports
    )
    counts = summary["counts"]
    assert isinstance(counts, dict) and set(counts) == {"GB-NCA", "RS-MUP"}
    for entities, statements, observations in counts.values():
        assert entities > 0 and statements > entities and observations > 0
    search = summary["search"]
    assert isinstance(search, dict) and search["found"] == search["expected"]
    assert summary["frontex_total"] == 21_525
    exported = summary["exported"]
    assert isinstance(exported, int)
    assert max(c[0] for c in counts.values()) <= exported <= sum(c[0] for c in counts.values())
    for kind in ("Person", "Vehicle"):
        resolved = summary[f"resolved_{kind}"]
        assert isinstance(resolved, dict)
        assert 0 < resolved["entities"] < resolved["records"] and resolved["both"] > 0
    nets = summary["networks"]
    assert isinstance(nets, dict) and nets["communities"] > 0 and len(nets["top"]) == 5
    assert sum(nets["roles"].values()) == nets["people"]
    convoys = summary["convoys"]
    assert isinstance(convoys, dict) and convoys["convoys"] > 0 and len(convoys["first"]) >= 2
    routes = summary["routes"]
    assert isinstance(routes, dict) and routes["crossings"] > 0 and routes["shuttles"] > 0
    targeting = routes["targeting"]
    # A list, each plate with its reasons (at this small scale the history may give none).
    assert targeting["plates"] and len(targeting["reasons"]) == len(targeting["plates"])
    screening = summary["screening"]
    assert isinstance(screening, dict)
    datasets = screening["datasets"]
    assert {k: datasets[k] for k in ("un_sc", "us_ofac", "eu_by")} == {
        "un_sc": 1003, "us_ofac": 8976, "eu_by": 407,
    }  # fmt: skip
    assert datasets["gb_nca_watchlist_persons"] > 0 and datasets["gb_nca_watchlist_vehicles"] > 0
    assert screening["raised"] == screening["alerts"] >= screening["planted_alerts"] > 0
    assert screening["entries_hit"] == screening["entries_known"] > 0
    example = screening["match"]
    assert example["id"] == "un-LYi.022" and example["match"] is True, example
    text = out.getvalue()
    assert "Per agency" in text and "GB-NCA" in text and "RS-MUP" in text
    assert "Screening" in text and "POST /match/un_sc" in text

    nodes = summary["nodes"]
    assert isinstance(nodes, dict)
    package = nodes["package"]
    assert package["status"] == "delivered"
    assert package["imported"]["statements"] == package["manifest"]["statements"] > 0
    assert sum(package["withheld"].values()) > 0  # the agreement held records back
    assert nodes["rfi"]["status"] == "answered" and nodes["rfi"]["answer"]["statements"] > 0
    correction = nodes["correction"]
    assert correction["delivered"] == ["delivered"]
    assert correction["new"] in correction["partner_has"]
    assert correction["old"] not in correction["partner_has"]
    assert "Two nodes" in out.getvalue()
    assert {a: v["ok"] for a, v in nodes["audit"].items()} == {"RS-MUP": True, "GB-NCA": True}
    assert all(v["entries"] > 0 for v in nodes["audit"].values())

    # Every consultation the demo made is in the log, as the demo's, for the stated purpose: at
    # the console (the work directory's store) as through the API (each node's own).
    store = workdir_store(tmp_path)
    try:
        logged = store.audit_entries(limit=1_000_000)
        assert verify_store(store).ok
    finally:
        store.close()
    demo = [e for e in logged if json.loads(e.detail)["via"] == "demo"]
    assert demo and all((e.user_name, e.purpose) == ("demo", PURPOSE) for e in demo)
    targets = {e.target for e in demo}
    person = search["expected"][0]
    trail = summary["trail"]
    assert isinstance(trail, dict)
    assert {"search", "match/un_sc", "alerts", "entities/export", f"entities/{person}/matches",
            f"entities/{trail['entity']}/observations", "resolve/Person",
            "lists/un_sc", "network", "network/rank", "network/roles"} <= targets  # fmt: skip
    assert sum(t.startswith("ingest/") for t in targets) >= 10
    for node in ("rs", "uk"):
        node_store = workdir_store(tmp_path / "nodes" / node)
        try:
            through_api = [e for e in node_store.audit_entries(limit=1_000_000)
                           if json.loads(e.detail)["via"] == "api"]  # fmt: skip
        finally:
            node_store.close()
        assert through_api and all(e.purpose == PURPOSE for e in through_api), node

    again = run_demo(
        tmp_path, seed=3, scale=0.05, console=Console(file=io.StringIO()), node_ports=ports
    )
    assert again["counts"] == counts
    rescreened = again["screening"]
    assert isinstance(rescreened, dict)
    assert rescreened["raised"] == 0 and rescreened["alerts"] == screening["alerts"]
    assert rescreened["versions"] == screening["versions"]  # the same files add no version
    assert (tmp_path / "demo-keys.json").stat().st_mode & 0o077 == 0
    for node in ("rs", "uk"):
        assert (tmp_path / "nodes" / node / "node-keys.json").stat().st_mode & 0o077 == 0
