"""Load benchmark: many analysts on one node, on PostgreSQL (several API workers) and on DuckDB
(one process, the embedded default), in the same run.

Each store is given the same node: the Western Balkans scenario ingested and resolved, the UN
Security Council list loaded, one analyst's API key. `corridor serve` then serves it on
127.0.0.1 (PostgreSQL: `--workers N`, a throwaway cluster started here; DuckDB: one process),
and 20 concurrent clients send, for the set time, a mix of what analysts do: name searches
(30 %), entity reads (30 %), yente `/match` screening (30 %) and judgements on candidate pairs
(10 %), each with a stated purpose. Beside them one careless client sends what must not hold the
node (a body of megabytes, a name of a megabyte, the most text a request may match) and a probe
asks `/health` every 50 ms: its p99 must stay under 200 ms.

Reported per store: requests a second, p50/p99 latency (overall and per kind), errors (anything
but 200: there must be none), and whether the store is consistent afterwards: the audit chain
verifies, it grew by exactly one entry per request answered, every judgement answered is stored,
and the statements are untouched. The clients run in this process, on the same machine as the
servers (2 cores here): the numbers are what one machine does with both, not a server alone.

Run: `make bench` or `.venv/bin/python bench/load.py [--seconds 300] [--clients 20]
[--workers 4] [--scale 0.5]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result
from corridor.access.caller import Caller
from corridor.api.process import free_port, start_server, stop_server
from corridor.audit import verify_store
from corridor.ingest.service import ingest_path
from corridor.model.scope import SYSTEM_SCOPE
from corridor.resolve.service import resolve_all
from corridor.resources import data_path
from corridor.scenario import build_scenario
from corridor.screen.lists import load_list
from corridor.store.base import Store
from corridor.store.location import open_store
from corridor.store.postgres.cluster import LocalCluster
from corridor.users.service import create_user

PURPOSE = "load benchmark: analysts at work on the Western Balkans scenario"
#: The target: a health check answers within this (p99) whatever one client sends.
HEALTH_P99_MS = 200
MIX = (("search", 30), ("entity", 30), ("match", 30), ("judge", 10))


@dataclass
class Node:
    """What the clients need of a prepared node."""

    key: str
    names: list[str]
    entity_ids: list[str]
    pairs: list[tuple[str, str]]
    listed_names: list[str]


@dataclass
class Counts:
    statements: int
    audit: int
    judgements: int


@dataclass
class Run:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def counts(store: Store) -> Counts:
    return Counts(
        statements=sum(c.statements for c in store.counts(SYSTEM_SCOPE)),
        audit=len(store.audit_entries()),
        judgements=len(store.judgements()),
    )


def prepare(
    workdir: Path, location: str | None, scenario: Path
) -> tuple[Node, Counts, dict[str, float]]:
    """The node, its counts, and how long ingesting and resolving the scenario took on it."""
    store = open_store(location, workdir)
    try:
        started = time.perf_counter()
        ingest_path(store, Caller.operator(), scenario, show_progress=False)
        ingested = time.perf_counter() - started
        resolve_all(store, Caller.operator(), "Person")
        resolved = time.perf_counter() - started - ingested
        load_list(
            store, Caller.operator(), data_path("sanctions/un_consolidated_2026-02-27.xml"), "un_sc"
        )
        _, key = create_user(store, Caller.operator(), "analyst", "analyst", "RS-MUP", "SECRET")
        people = list(store.iter_entities(SYSTEM_SCOPE, ["Person"], limit=2000))
        names = sorted({str(n) for p in people for n in p.entity.get("name")})
        ids = [p.entity.id for p in people if p.entity.id]
        records = [i for i in ids if store.clusters_of([i])]
        pairs = sorted({(p.left_id, p.right_id) for p in store.pairs_of(records[:500])})
        listed = sorted({str(n) for r in store.list_entities("un_sc")[:1000]
                         for n in r.data.get("properties", {}).get("name", [])[:1]})  # fmt: skip
        node = Node(key, names, [str(i) for i in records], pairs, listed)
        timings = {"ingest_seconds": round(ingested, 2), "resolve_seconds": round(resolved, 2)}
        return node, counts(store), timings
    finally:
        store.close()


async def client(base: str, node: Node, until: float, run: Run, seed: int) -> None:
    rng = random.Random(seed)
    kinds = [k for k, w in MIX for _ in range(w)]
    headers = {"Authorization": f"ApiKey {node.key}", "X-Corridor-Purpose": PURPOSE}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
        while time.monotonic() < until:
            kind = rng.choice(kinds)
            started = time.perf_counter()
            try:
                if kind == "search":
                    name = rng.choice(node.names).split()[-1]
                    r = await http.get("/search", params={"q": name, "limit": 10})
                elif kind == "entity":
                    r = await http.get(f"/entities/{rng.choice(node.entity_ids)}")
                elif kind == "match":
                    name = rng.choice(node.listed_names + node.names[:200])
                    body = {"queries": {"q": {"schema": "Person", "properties": {"name": [name]}}}}
                    r = await http.post("/match/default", json=body)
                else:
                    left, right = rng.choice(node.pairs)
                    verdict = rng.choice(("positive", "negative", "unsure"))
                    r = await http.post("/judgements", json={
                        "left_id": left, "right_id": right, "verdict": verdict,
                        "note": "load benchmark"})  # fmt: skip
                status = r.status_code
                if status != 200:
                    run.errors.append(f"{kind} {status}: {r.text[:200]}")
            except httpx.HTTPError as exc:
                status = 0
                run.errors.append(f"{kind}: {exc!r}")
            run.latencies[kind].append(time.perf_counter() - started)
            run.statuses[kind][status] += 1


def abusive_bodies(node: Node) -> list[tuple[dict[str, Any] | bytes, int]]:
    """What one careless or hostile client sends, and the status each must get: a body of
    megabytes (413), a name of a megabyte (422), and the most text a request may ask to match
    (200, matched off the event loop)."""
    names = [f"{n} " + "x" * 900 for n in (node.listed_names * 50)[:200]]
    queries = {f"q{i}": {"schema": "Person", "properties": {"name": names[i * 50:(i + 1) * 50]}}
               for i in range(4)}  # fmt: skip
    one = {"queries": {"q": {"schema": "Person", "properties": {"name": ["x" * 1_100_000]}}}}
    return [(b"{" + b" " * 3_000_000 + b"}", 413), (one, 422), ({"queries": queries}, 200)]


async def abuser(base: str, node: Node, until: float, run: Run) -> None:
    headers = {"Authorization": f"ApiKey {node.key}", "X-Corridor-Purpose": PURPOSE}
    bodies = abusive_bodies(node)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as http:
        n = 0
        while time.monotonic() < until:
            body, expected = bodies[n % len(bodies)]
            n += 1
            started = time.perf_counter()
            try:
                if isinstance(body, bytes):
                    r = await http.post("/match/default", content=body,
                                        headers={"content-type": "application/json"})  # fmt: skip
                else:
                    r = await http.post("/match/default", json=body)
                status = r.status_code
            except httpx.HTTPError as exc:
                status = 0
                run.errors.append(f"abuse: {exc!r}")
            if status != expected:
                run.errors.append(f"abuse: {status} instead of {expected}")
            run.latencies["abuse"].append(time.perf_counter() - started)
            run.statuses["abuse"][status] += 1


async def health(base: str, until: float, run: Run) -> None:
    """The health check every 50 ms: how long any caller waits while the abuse goes on."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        while time.monotonic() < until:
            started = time.perf_counter()
            try:
                status = (await http.get("/health")).status_code
            except httpx.HTTPError as exc:
                status = 0
                run.errors.append(f"health: {exc!r}")
            run.latencies["health"].append(time.perf_counter() - started)
            run.statuses["health"][status] += 1
            await asyncio.sleep(0.05)


#: Kinds that are not the analysts' work: reported apart from it.
ASIDE = ("abuse", "health")


async def load(base: str, node: Node, seconds: float, clients: int) -> Run:
    run = Run()
    started = time.monotonic()
    until = started + seconds
    await asyncio.gather(
        *(client(base, node, until, run, n) for n in range(clients)),
        abuser(base, node, until, run),
        health(base, until, run),
    )
    run.seconds = time.monotonic() - started
    return run


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def answered(run: Run) -> int:
    """Requests answered 200 that read or wrote the store (each leaves one audit entry)."""
    return sum(n for kind, s in run.statuses.items() if kind != "health"
               for code, n in s.items() if code == 200)  # fmt: skip


def summary(run: Run) -> dict[str, Any]:
    everything = [x for kind, v in run.latencies.items() if kind not in ASIDE for x in v]
    checks = run.latencies.get("health", [])
    return {
        "requests": len(everything),
        "answered": answered(run),
        "errors": len(run.errors),
        "first_errors": run.errors[:5],
        "seconds": round(run.seconds, 1),
        "requests_per_second": round(len(everything) / run.seconds, 1),
        "p50_ms": round(1000 * statistics.median(everything), 1) if everything else None,
        "p99_ms": round(1000 * percentile(everything, 0.99), 1),
        "by_kind": {
            kind: {
                "requests": len(v),
                "p50_ms": round(1000 * statistics.median(v), 1),
                "p99_ms": round(1000 * percentile(v, 0.99), 1),
            }
            for kind, v in sorted(run.latencies.items())
        },
        "health_p99_ms": round(1000 * percentile(checks, 0.99), 1),
        "abuse": {str(k): n for k, n in sorted(run.statuses["abuse"].items())},
    }


def consistency(store: Store, before: Counts, run: Run) -> dict[str, Any]:
    after = counts(store)
    verified = verify_store(store)
    judged = run.statuses["judge"].get(200, 0)
    checks = {
        "audit_chain_verifies": verified.ok,
        "one_audit_entry_per_request_answered": after.audit - before.audit == answered(run),
        "every_judgement_stored": after.judgements - before.judgements == judged,
        "statements_untouched": after.statements == before.statements,
    }
    return {"ok": all(checks.values()), **checks, "audit_entries": after.audit}


def bench_store(
    name: str, folder: Path, location: str | None, scenario: Path, args: argparse.Namespace,
    workers: int,
) -> dict[str, Any]:  # fmt: skip
    workdir = folder / name
    print(f"{name}: preparing the node…", flush=True)
    started = time.perf_counter()
    node, before, timings = prepare(workdir, location, scenario)
    prepared = time.perf_counter() - started
    port = free_port()
    env = {"CORRIDOR_STORE": location} if location else {}
    proc = start_server(workdir, port, env=env, args=["--workers", str(workers)])
    print(f"{name}: {args.clients} clients for {args.seconds:g} s ({workers} worker(s))…",
          flush=True)  # fmt: skip
    try:
        run = asyncio.run(load(f"http://127.0.0.1:{port}", node, args.seconds, args.clients))
    finally:
        stop_server(proc)
    store = open_store(location, workdir)
    try:
        checked = consistency(store, before, run)
    finally:
        store.close()
    return {"workers": workers, "prepare_seconds": round(prepared, 1), **timings,
            **summary(run), "consistency": checked}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2))
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="corridor-load-") as tmp, LocalCluster() as pg:
        folder = Path(tmp)
        scenario = folder / "scenario"
        build_scenario(scenario, seed=args.seed, scale=args.scale)
        results = {
            "postgres": bench_store("postgres", folder, f"{pg.url}?schema=load", scenario, args,
                                    args.workers),
            "duckdb": bench_store("duckdb", folder, None, scenario, args, 1),
        }  # fmt: skip
    pg_r, duck_r = results["postgres"], results["duckdb"]
    ratio = pg_r["requests_per_second"] / duck_r["requests_per_second"]
    out = {
        "command": "python bench/load.py " + " ".join(sys.argv[1:]),
        "clients": args.clients,
        "seconds": args.seconds,
        "scale": args.scale,
        "cpus": os.cpu_count(),
        **results,
        "postgres_to_duckdb_requests_per_second": round(ratio, 2),
    }
    path = write_result("load", out)
    print(f"\n{'store':10} {'workers':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'errors':>7} {'/health p99':>11}  consistent")  # fmt: skip
    for name, r in results.items():
        print(f"{name:10} {r['workers']:>7} {r['requests_per_second']:>8} {r['p50_ms']:>8} "
              f"{r['p99_ms']:>8} {r['errors']:>7} {r['health_p99_ms']:>11}  "
              f"{r['consistency']['ok']}")  # fmt: skip
    print(f"PostgreSQL/DuckDB requests a second: {ratio:.2f}; written to {path}")
    if any(r["errors"] or not r["consistency"]["ok"] for r in results.values()):
        raise SystemExit("errors or an inconsistent store: see " + str(path))
    slow = [n for n, r in results.items() if r["health_p99_ms"] >= HEALTH_P99_MS]
    if slow:
        raise SystemExit(f"/health p99 at or over {HEALTH_P99_MS} ms on {', '.join(slow)}")


if __name__ == "__main__":
    main()
