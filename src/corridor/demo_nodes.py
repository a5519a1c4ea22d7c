"""The demo's two nodes: RS-MUP and GB-NCA, each with its own store, keys and server.

Each node ingests only its own agency's files from the scenario, pins the other's keys and
sets an agreement; then, over HTTP between the two loopback ports, RS-MUP shares the network
members it holds (the agreement withholding what it must), GB-NCA asks about a smuggling
vehicle and RS-MUP answers, and RS-MUP corrects a value it shared, which changes GB-NCA's copy.
"""

from __future__ import annotations

import atexit
import csv
import dataclasses
import json
import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from corridor.access.authz import Authz
from corridor.access.caller import VIA_DEMO, Caller
from corridor.api.deps import PURPOSE_HEADER
from corridor.api.process import start_server, stop_server
from corridor.ingest.service import ingest_bundle
from corridor.model.agreement import parse_agreement
from corridor.node.identity import NodeIdentity
from corridor.share.agreements import agreement_in_force, save_agreement
from corridor.share.service import SharingService
from corridor.store.location import beside, open_store
from corridor.users.service import create_user

PURPOSE = "prevention and detection of organised immigration crime"


def demo_caller() -> Caller:
    """The demo, at the console: logged as user `demo`, through `demo`, for the purpose the
    scenario's agreement names."""
    authz = dataclasses.replace(Authz.system_user(), user="demo")
    return Caller(authz, PURPOSE, VIA_DEMO)


NODE_KEYS_FILE = "node-keys.json"
#: What each agency lets the other have: records up to OFFICIAL-SENSITIVE about people and
#: what links them, and the sensor reads of their vehicles; never victims or witnesses.
TERMS: dict[str, Any] = {
    "purposes": [PURPOSE],
    "ceiling": "OFFICIAL-SENSITIVE",
    "schemata": {
        "Person": "*", "Vehicle": "*", "Ownership": "*", "Membership": "*",
        "Organization": "*", "BankAccount": "*", "Payment": "*", "Call": "*",
        "Associate": "*", "Family": "*",
    },
    "observations": ["anpr", "scan", "detection"],
    "conditional_handling": True,
}  # fmt: skip


@dataclass
class DemoNode:
    agency: str
    name: str
    port: int
    workdir: Path
    keys: dict[str, str]
    #: The node's store (see `corridor.store.location`): None for its work directory's.
    store: str | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, method: str, path: str, user: str, missing_ok: bool = False, **kw: Any) -> Any:
        r = httpx.request(
            method, self.base + path,
            headers={"Authorization": f"ApiKey {self.keys[user]}", PURPOSE_HEADER: PURPOSE},
            timeout=300, **kw,
        )  # fmt: skip
        if missing_ok and r.status_code == 404:
            return None
        if r.status_code != 200:
            raise RuntimeError(f"{self.agency} {method} {path}: {r.status_code} {r.text[:300]}")
        return r.json()


def write_private_json(path: Path, data: object) -> None:
    """Write JSON readable by its owner only, from the moment the file exists (API keys)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file left by an older version may have had wider permissions
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)


_running: list[subprocess.Popen[bytes]] = []


def _stop_all() -> None:
    for proc in _running:
        stop_server(proc)
    _running.clear()


atexit.register(_stop_all)


def _prepare(node: DemoNode, bundle: Path, con: Console) -> None:
    prefix = {"RS-MUP": "rs/", "GB-NCA": "uk/"}[node.agency]
    if not (node.workdir / "node.json").exists():
        NodeIdentity.generate(node.agency).save(node.workdir)
    store = open_store(node.store, node.workdir)
    try:
        if not store.ingests():
            reports = ingest_bundle(
                store, demo_caller(), bundle, show_progress=False,
                only=lambda e: str(e["path"]).startswith(prefix),
            )  # fmt: skip
            n = sum(r.statements_added + r.observations_added for r in reports)
            con.print(f"{node.agency} node: {len(reports)} files, {n:,} rows ingested")
        keys_path = node.workdir / NODE_KEYS_FILE
        keys = json.loads(keys_path.read_text()) if keys_path.exists() else {}
        existing = {u.name for u in store.users()}
        for user, role in (("analyst", "analyst"), ("sharing", "sharing_officer"),
                           ("auditor", "auditor")):  # fmt: skip
            if user not in existing:
                _, keys[user] = create_user(store, demo_caller(), user, role, node.agency, "SECRET")
        write_private_json(keys_path, keys)
        node.keys = keys
    finally:
        store.close()


def _pin(me: DemoNode, other: DemoNode) -> None:
    store = open_store(me.store, me.workdir)
    try:
        svc = SharingService(store, NodeIdentity.load(me.workdir))
        svc.add_partner(NodeIdentity.load(other.workdir).public.card(), other.base, demo_caller())
        terms = parse_agreement({**TERMS, "partner": other.agency})
        current = agreement_in_force(store, other.agency)
        if current is None or {**current.to_dict(), "version": 0} != terms.to_dict():
            save_agreement(store, demo_caller(), terms, datetime.now(UTC))
    finally:
        store.close()


def _serve(node: DemoNode) -> None:
    # Empty: the work directory's own store, whatever the environment names.
    _running.append(start_server(node.workdir, node.port, env={"CORRIDOR_STORE": node.store or ""}))


def _truth(bundle: Path, name: str) -> list[dict[str, str]]:
    path = bundle / "truth" / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def run_nodes(
    workdir: Path, bundle: Path, con: Console, ports: tuple[int, int] = (8001, 8002),
    keep_serving: bool = False, store: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Set up, start and exercise the two nodes; leave them serving when `keep_serving`. Each
    node has a store of its own beside the demo's (`store`): in the same PostgreSQL database,
    or in its own work directory."""
    nodes = workdir / "nodes"
    rs = DemoNode("RS-MUP", "rs", ports[0], nodes / "rs", {}, beside(store, nodes / "rs", "rs"))
    uk = DemoNode("GB-NCA", "uk", ports[1], nodes / "uk", {}, beside(store, nodes / "uk", "uk"))
    for node in (rs, uk):
        _prepare(node, bundle, con)
    _pin(rs, uk)
    _pin(uk, rs)
    summary: dict[str, Any] = {}
    try:
        _serve(rs)
        _serve(uk)
        con.print(f"RS-MUP node on {rs.base}, GB-NCA node on {uk.base}")
        members = {r["true_id"] for r in _truth(bundle, "networks.csv")}
        ids = sorted(
            r["record_id"] for r in _truth(bundle, "identities.csv")
            if r["agency"] == "RS-MUP" and r["schema"] == "Person" and r["true_id"] in members
        )  # fmt: skip
        sent = rs.call("POST", "/shares", "sharing", json={
            "partner": "GB-NCA", "entity_ids": ids, "purpose": PURPOSE, "related": True,
        })  # fmt: skip
        summary["package"] = {k: sent[k] for k in ("package_id", "status", "manifest", "withheld")}
        summary["package"]["imported"] = (sent.get("receipt") or {}).get("counts")
        table = Table(title=f"RS-MUP → GB-NCA: {len(ids)} network members and what links them")
        table.add_column("")
        table.add_column("count", justify="right")
        manifest = sent["manifest"]
        table.add_row("statements sent", f"{manifest['statements']:,}")
        for kind, n in sorted(manifest["observations"].items()):
            table.add_row(f"{kind} observations sent", f"{n:,}")
        for reason, n in sorted(sent["withheld"].items(), key=lambda x: -x[1]):
            table.add_row(f"[dim]withheld: {reason}[/dim]", f"{n:,}")
        table.add_row("receipt", f"{sent['status']}, signed by GB-NCA")
        con.print(table)

        vehicles = {v["true_id"]: v for v in _truth(bundle, "vehicles.csv")
                    if v.get("smuggling") == "true"}  # fmt: skip
        held = [r["true_id"] for r in _truth(bundle, "identities.csv")
                if r["agency"] == "RS-MUP" and r["true_id"] in vehicles]  # fmt: skip
        if held:
            plate = vehicles[held[0]]["plate"]
            asked = uk.call("POST", "/rfis", "analyst", json={
                "partner": "RS-MUP", "subject_kind": "vehicle", "subject": plate,
                "question": "Who owns and drives this vehicle?", "purpose": PURPOSE,
            })  # fmt: skip
            # RS-MUP's analyst answers; the agreement's policy filters the answer.
            answer = rs.call("POST", f"/rfis/{asked['id']}/answer", "analyst", json={})
            seen = next(r for r in uk.call("GET", "/rfis", "analyst") if r["id"] == asked["id"])
            summary["rfi"] = {
                "id": asked["id"], "plate": plate, "status": seen["status"],
                "answer": seen.get("answer"), "package": answer["package_id"],
            }  # fmt: skip
            con.print(
                f"GB-NCA asked RS-MUP about vehicle {plate} ({asked['id']}): "
                f"[bold]{seen['status']}[/bold] after {seen['elapsed_hours']:.1f} h with "
                f"{(seen.get('answer') or {}).get('statements', 0):,} statements "
                "(GET /rfis on either node)"
            )
        phones: list[dict[str, Any]] = []
        shown: dict[str, Any] | None = None
        for entity_id in ids[:50]:  # a shared person whose phone number GB-NCA now holds
            person = uk.call("GET", f"/entities/{entity_id}", "analyst", missing_ok=True)
            if person is None:
                continue  # everything about this one was withheld
            shown = shown or person
            phones = [s for s in person["statements"] if s["prop"] == "phone"]
            if phones:
                break
        if phones:
            old = phones[0]
            target = old["entity_id"]
            corrected = old["value"][:-1] + ("1" if old["value"][-1] != "1" else "2")
            result = rs.call("POST", "/corrections", "analyst", json={
                "statement_id": old["id"], "value": corrected, "reason": "a digit was misread",
            })  # fmt: skip
            now = uk.call("GET", f"/entities/{target}", "analyst")["properties"].get("phone", [])
            summary["correction"] = {
                "entity": target, "old": old["value"], "new": corrected, "partner_has": now,
                "delivered": [p["status"] for p in result["partners"]],
            }  # fmt: skip
            con.print(
                f"RS-MUP corrected {target}'s phone {old['value']} → {corrected}; "
                f"GB-NCA's copy now reads {', '.join(now)}"
            )
        if shown is not None:
            first = shown["statements"][0]
            con.print(
                f"On the GB-NCA node, {shown['id']} ({shown['caption']})"
                f" keeps RS-MUP's provenance: "
                f"grading {first['provenance']['grading']}, "
                f"{first['provenance']['classification']}, received in package "
                f"{first['received']['package_id'] if first['received'] else '-'}"
            )
        for node in (rs, uk):
            checked = node.call("GET", "/audit/verify", "auditor")
            summary.setdefault("audit", {})[node.agency] = checked
            con.print(
                f"{node.agency} audit log: {checked['entries']:,} entries (reads, shares, "
                f"receipts, requests, decisions), chain {'verified' if checked['ok'] else 'BROKEN'}"
                " (`corridor audit verify`)"
            )
    finally:
        if not keep_serving:
            _stop_all()
    summary["nodes"] = {rs.agency: rs.base, uk.agency: uk.base}
    return summary
