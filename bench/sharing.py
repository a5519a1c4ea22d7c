"""Sharing benchmark: one 100,000-statement package end to end, against gpg, in the same run.

Corridor: a sending node (RS-MUP) with ~20,000 people × 5 statements of mixed grading, handling
and classification, plus people the agreement withholds (SECRET records above the ceiling,
victims, 5x5x5 handling 4, records past their review date), so that the filter does real work
and 100,000 statements pass. The receiving node (GB-NCA) is a real `corridor serve` process on
127.0.0.1. The sender, in its own fresh process, times `SharingService.share` with the default
HTTP transport: select, filter by the agreement, seal (sign + encrypt), record, POST to the
receiver's /inbox (which verifies, decrypts, spools, imports in one transaction and signs a
receipt) and check the receipt. Each repeat gets a fresh receiving store.

The peer, what an agency without Corridor would do with the same 100,000 statements (the same
entities, picked by hand: no agreement filter), each Python step in its own fresh process:
export them as FollowTheMoney JSON lines, `gpg --sign --encrypt` for the recipient (Ed25519 /
Curve25519 keys), copy the file, `gpg --decrypt` (which verifies the signature) and ingest it
with `corridor.ingest.service.ingest_file(kind="ftm")` under one provenance for the whole file.

Run: `make bench` or `.venv/bin/python bench/sharing.py [--statements 100000] [--repeats 3]`
(`--profile` adds a cProfile of the sender and of the receiver's import).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OUT, write_result

_T0 = time.perf_counter()  # a step's start-up: Corridor's imports and opening the store

ROOT = Path(__file__).resolve().parents[1]
WORK = OUT / "work" / "sharing"
SENDER, RECIPIENT = "RS-MUP", "GB-NCA"
PURPOSE = "prevention and detection of organised immigration crime"
AGREEMENT = {
    "purposes": [PURPOSE],
    "ceiling": "OFFICIAL-SENSITIVE",
    "schemata": {"Person": "*", "Vehicle": "*", "Ownership": "*"},
    "observations": ["anpr"],
}
PROPS = ("name", "birthDate", "nationality", "phone", "passportNumber")
#: Provenances the agreement lets go, mixed within each person (per-value provenance).
PASSING: list[dict[str, str]] = [
    {"grading": "2AP", "classification": "OFFICIAL", "person_category": "suspect"},
    {"grading": "3BP", "classification": "OFFICIAL-SENSITIVE"},
    {"grading": "1AC", "action_code": "A2", "handling_instructions": "Do not approach",
     "classification": "OFFICIAL-SENSITIVE", "person_category": "suspect"},
    {"grading": "2BC", "sanitisation_code": "S1", "classification": "OFFICIAL"},
    {"grading": "B21", "grading_scheme": "5x5x5", "classification": "OFFICIAL"},
    {"grading": "B2-H1", "grading_scheme": "europol", "classification": "OFFICIAL",
     "person_category": "contact"},
]  # fmt: skip
#: People the agreement withholds whole, as a share of the passing people, and why.
WITHHELD: list[tuple[str, float, dict[str, str]]] = [
    ("secret", 0.05, {"grading": "2AP", "classification": "SECRET"}),
    ("victim", 0.04, {"grading": "2AP", "classification": "OFFICIAL", "person_category": "victim"}),
    ("h4", 0.03, {"grading": "B24", "grading_scheme": "5x5x5", "classification": "OFFICIAL"}),
    ("review", 0.01, {"grading": "2AP", "classification": "OFFICIAL", "review_by": "2020-01-01"}),
]  # fmt: skip
#: The one provenance the peer can give its whole file.
PEER_DEFAULTS = {"agency": SENDER, "grading": "2AP", "classification": "OFFICIAL-SENSITIVE"}
GIVEN = ["Miroslav", "Ahmad", "Mohammed", "Jovana", "Omar", "Dragan", "Fatima", "Nikola",
         "Мирослав", "Ђорђе", "Ахмед", "Јована"]  # fmt: skip
FAMILY = ["Jovanović", "Rahimi", "al-Hassan", "Petrović", "Karimi", "Ilić", "Haddad", "Nikolić",
          "Јовановић", "Петровић", "Хасан"]  # fmt: skip
COUNTRIES = ["rs", "af", "sy", "iq", "mk", "tr", "al"]


def _rss_mb() -> float:
    """This process's peak resident memory (MB). VmHWM, not `ru_maxrss`: on Linux a child's
    `ru_maxrss` starts from its parent's peak at fork, and the parent here has built the store."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- building the nodes ------------------------------------------------------------------------


def person(i: int) -> dict[str, str]:
    return {
        "name": f"{GIVEN[i % len(GIVEN)]} {FAMILY[(i // 7) % len(FAMILY)]} {i}",
        "birthDate": f"19{60 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "nationality": COUNTRIES[i % len(COUNTRIES)],
        "phone": f"+38164{1000000 + i}",
        "passportNumber": f"P{i:08d}",
    }


def build(work: Path, people: int) -> dict[str, Any]:
    """The sending node's store, both identities, and a pristine receiving node to copy."""
    from followthemoney import model

    from corridor.access.caller import Caller
    from corridor.model.agreement import parse_agreement
    from corridor.model.provenance import build_provenance
    from corridor.model.statements import entity_statements
    from corridor.node.identity import NodeIdentity
    from corridor.share.agreements import save_agreement
    from corridor.share.service import SharingService
    from corridor.store.duckdb import DuckDBStore
    from corridor.store.records import IngestInfo

    sender_dir, template = work / "sender", work / "receiver-template"
    NodeIdentity.generate(SENDER).save(sender_dir)
    NodeIdentity.generate(RECIPIENT).save(template)
    rows: list[dict[str, Any]] = []
    passing: list[str] = []
    withheld: list[str] = []

    def add(entity_id: str, i: int, provs: Sequence[Mapping[str, str]]) -> None:
        groups: dict[int, list[str]] = {}
        for n, prop in enumerate(PROPS):
            groups.setdefault((i + n) % len(provs), []).append(prop)
        values = person(i)
        for g, props in groups.items():
            proxy = model.make_entity("Person")
            proxy.id = entity_id
            for prop in props:
                proxy.add(prop, values[prop])
            rows.extend(entity_statements(proxy, build_provenance({"agency": SENDER, **provs[g]})))

    for i in range(people):
        passing.append(f"rs-p-{i}")
        add(passing[-1], i, PASSING)
    n = people
    for reason, share, prov in WITHHELD:
        for _ in range(round(people * share)):
            withheld.append(f"rs-{reason}-{n}")
            # The victim rule needs one statement only: the rest are graded like the others.
            provs = [prov] if reason != "victim" else [prov, *PASSING[1:2]]
            add(withheld[-1], n, provs)
            n += 1
    store = DuckDBStore.open(sender_dir)
    info = IngestInfo("bench-sharing", "bench", "bench", "0", datetime.now(UTC), SENDER, "bench")
    with store.writer(info) as w:
        w.add_statements(rows)
    store.close()
    for me, other in ((sender_dir, template), (template, sender_dir)):
        store = DuckDBStore.open(me)
        svc = SharingService(store, NodeIdentity.load(me))
        svc.add_partner(NodeIdentity.load(other).public.card(), None, Caller.operator())
        terms = {**AGREEMENT, "partner": NodeIdentity.load(other).agency}
        save_agreement(store, Caller.operator(), parse_agreement(terms), datetime.now(UTC))
        store.close()
    ids = {"passing": passing, "withheld": withheld}
    (work / "ids.json").write_text(json.dumps(ids))
    return {"statements_in_store": len(rows), "passing_people": len(passing),
            "withheld_people": len(withheld)}  # fmt: skip


def pin_address(sender_dir: Path, template: Path, address: str) -> None:
    from corridor.access.caller import Caller
    from corridor.node.identity import NodeIdentity
    from corridor.share.service import SharingService
    from corridor.store.duckdb import DuckDBStore

    store = DuckDBStore.open(sender_dir)
    svc = SharingService(store, NodeIdentity.load(sender_dir))
    svc.add_partner(NodeIdentity.load(template).public.card(), address, Caller.operator())
    store.close()


def start_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    from corridor.api.process import free_port
    from corridor.api.process import start_server as serve

    port = free_port()
    return serve(workdir, port), f"http://127.0.0.1:{port}"


def stop_server(proc: subprocess.Popen[bytes]) -> float:
    """Stop the server; its peak resident memory (MB)."""
    peak = 0.0
    try:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return peak


def received_summary(workdir: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(str(workdir / "corridor.duckdb"), read_only=True)
    try:
        n, entities, gradings = con.execute(
            "SELECT count(*), count(DISTINCT entity_id), count(DISTINCT grading || grading_scheme "
            "|| coalesce(action_code, '') || coalesce(handling_instructions, '')) FROM statements"
        ).fetchone() or (0, 0, 0)
        leaked = con.execute(
            "SELECT count(*) FROM statements WHERE entity_id NOT LIKE 'rs-p-%'"
        ).fetchone()
    finally:
        con.close()
    return {"statements": n, "entities": entities, "distinct_provenances": gradings,
            "withheld_people_present": leaked[0] if leaked else None}  # fmt: skip


# -- the steps, each run in a fresh process ---------------------------------------------------


def _child(step: str, *args: str) -> dict[str, Any]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--step", step, *args], capture_output=True, text=True,
        check=False, env={**os.environ, "PYTHONHASHSEED": "0"},
    )  # fmt: skip
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{proc.stderr}{proc.stdout}")
    lines = proc.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(line)
    return {**json.loads(lines[-1]), "process_seconds": round(wall, 3)}


def step_send(work: Path, receiver: Path, profile: bool) -> dict[str, Any]:
    """Time `SharingService.share` of every person in the store to the running receiver."""
    import zlib

    import orjson

    import corridor.share.core as core
    import corridor.share.service as service
    from corridor.access.authz import Authz
    from corridor.access.caller import Caller
    from corridor.access.roles import Role
    from corridor.model.classification import Classification
    from corridor.node.identity import NodeIdentity
    from corridor.share.package import open_package
    from corridor.store.duckdb import DuckDBStore

    times: dict[str, float] = {}
    captured: dict[str, Any] = {}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kw)
            finally:
                times[name] = times.get(name, 0.0) + time.perf_counter() - t

        return wrapper

    real_seal = core.seal

    def seal(*args: Any, **kw: Any) -> Any:
        captured["content"] = args[4]
        return real_seal(*args, **kw)

    class Timed(service.SharingService):
        select = timed("select", service.SharingService.select)  # type: ignore[assignment]
        release = timed("filter", service.SharingService.release)  # type: ignore[assignment]

    core.seal = timed("seal", seal)
    sender_dir = work / "sender"
    ids = json.loads((work / "ids.json").read_text())
    entity_ids = [*ids["passing"], *ids["withheld"]]
    store = DuckDBStore.open(sender_dir)
    store.record_sent = timed("record", store.record_sent)  # type: ignore[method-assign]
    identity = NodeIdentity.load(sender_dir)
    transport = timed("http", service.http_transport)
    svc = Timed(store, identity, sender_dir / service.SPOOL_DIR, transport)
    caller = Caller(Authz("bench", Role.SHARING_OFFICER, SENDER, Classification.SECRET))
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    sent = svc.share(caller, RECIPIENT, entity_ids, PURPOSE)
    total = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
        _print_profile(profiler, "sender: SharingService.share (HTTP round trip is one call)")
    # The same selection without the sensor-observation look-up (plates and phones of every
    # entity), which is most of `select` when the agreement lists a sensor kind.
    t = time.perf_counter()
    service.SharingService.select(svc, entity_ids, caller.scope, [], 0)
    select_plain = time.perf_counter() - t
    store.close()
    if sent.status != "delivered":
        raise SystemExit(f"package not delivered: {sent.error}")
    # Standalone, on the same content and package: where the seal and the open go.
    content, blob = captured["content"], sent.blob
    t = time.perf_counter()
    raw = orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
    dumps = time.perf_counter() - t
    t = time.perf_counter()
    zlib.compress(raw, 3)
    compress = time.perf_counter() - t
    me = NodeIdentity.load(receiver)
    pinned = identity.public
    t = time.perf_counter()
    opened = open_package(blob, me, lambda a: pinned if a == SENDER else None)
    open_seconds = time.perf_counter() - t
    assert len(opened.content["statements"]) == sent.manifest["statements"]
    rest = total - sum(times.values())
    receipt = sent.receipt or {}
    return {
        "seconds": round(total, 3),
        "startup_seconds": round(started - _T0, 3),
        "statements_sent": sent.manifest["statements"],
        "entities_sent": sent.manifest["entities"],
        "withheld": sent.withheld,
        "package_bytes": len(blob),
        "json_bytes": len(raw),
        "received_statements": receipt.get("counts", {}).get("statements"),
        "breakdown": {
            "select": round(times.get("select", 0), 3),
            "filter": round(times.get("filter", 0), 3),
            "seal": round(times.get("seal", 0), 3),
            "record_sent": round(times.get("record", 0), 3),
            "http_round_trip": round(times.get("http", 0), 3),
            "other": round(rest, 3),
        },
        "standalone": {
            "seal_json": round(dumps, 3),
            "seal_zlib": round(compress, 3),
            "open_package": round(open_seconds, 3),
            "select_without_observations": round(select_plain, 3),
        },
        "max_rss_mb": round(_rss_mb(), 1),
    }


def step_receive_profile(work: Path, blob_path: Path) -> dict[str, Any]:
    """Profile the receiving side in-process (the server does the same in a worker thread)."""
    import cProfile

    from corridor.node.identity import NodeIdentity
    from corridor.share.service import SPOOL_DIR, SharingService
    from corridor.store.duckdb import DuckDBStore

    workdir = work / "receiver-profile"
    shutil.rmtree(workdir, ignore_errors=True)
    shutil.copytree(work / "receiver-template", workdir)
    store = DuckDBStore.open(workdir)
    svc = SharingService(store, NodeIdentity.load(workdir), workdir / SPOOL_DIR)
    blob = blob_path.read_bytes()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    svc.receive(blob)
    profiler.disable()
    seconds = time.perf_counter() - started
    _print_profile(profiler, "receiver: SharingService.receive")
    store.close()
    return {"seconds": round(seconds, 3)}


def _print_profile(profiler: Any, title: str) -> None:
    import io
    import pstats

    buf = io.StringIO()
    pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(30)
    print(f"--- profile, {title} ---")
    for line in buf.getvalue().splitlines():
        if line.strip():
            print(line[:160])


def step_export(work: Path, out: Path) -> dict[str, Any]:
    """The peer's export: the chosen people as FollowTheMoney JSON lines."""
    import orjson

    from corridor.model.scope import SYSTEM_SCOPE
    from corridor.model.statements import EntityRecord
    from corridor.store.duckdb import DuckDBStore

    chosen = json.loads((work / "ids.json").read_text())["passing"]
    store = DuckDBStore.open(work / "sender", read_only=True)
    started = time.perf_counter()
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in store.statement_rows(chosen, SYSTEM_SCOPE):
        grouped.setdefault(str(row["entity_id"]), []).append(row)
    n = 0
    with out.open("wb") as f:
        for entity_id, rows in grouped.items():
            record = EntityRecord.assemble(entity_id, rows)
            n += len(rows)
            f.write(orjson.dumps(record.to_ftm_dict()) + b"\n")
    seconds = time.perf_counter() - started
    store.close()
    return {"seconds": round(seconds, 3), "statements": n, "entities": len(grouped),
            "bytes": out.stat().st_size, "max_rss_mb": round(_rss_mb(), 1)}  # fmt: skip


def step_ingest(workdir: Path, path: Path) -> dict[str, Any]:
    """The peer's import: the decrypted FtM file into the receiving store, one provenance."""
    from corridor.access.caller import Caller
    from corridor.ingest.service import ingest_file
    from corridor.store.duckdb import DuckDBStore

    store = DuckDBStore.open(workdir)
    started = time.perf_counter()
    report = ingest_file(
        store, Caller.operator(), path, kind="ftm", defaults=PEER_DEFAULTS, show_progress=False
    )
    seconds = time.perf_counter() - started
    store.close()
    return {"seconds": round(seconds, 3), "statements": report.statements_added,
            "max_rss_mb": round(_rss_mb(), 1)}  # fmt: skip


# -- the peer: gpg ----------------------------------------------------------------------------


def _gpg(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = ["gpg", "--homedir", str(home), "--batch", "--yes", "--no-tty", "--passphrase", "",
           "--pinentry-mode", "loopback", "--trust-model", "always", *args]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return proc


def gpg_keys(work: Path) -> dict[str, Any]:
    """Throwaway Ed25519/Curve25519 keys for both agencies, each keyring holding its own
    secret key and the other's public key."""
    homes: dict[str, Any] = {}
    for agency in (SENDER, RECIPIENT):
        home = work / f"gnupg-{agency}"
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(mode=0o700, parents=True)
        uid = f"{agency} bench <{agency.lower()}@bench.invalid>"
        _gpg(home, "--quick-generate-key", uid, "ed25519", "sign", "never")
        out = _gpg(home, "--with-colons", "--list-keys", uid).stdout
        fpr = next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr"))
        _gpg(home, "--quick-add-key", fpr, "cv25519", "encr", "never")
        homes[agency] = (home, fpr)
    for a, b in ((SENDER, RECIPIENT), (RECIPIENT, SENDER)):
        exported = work / f"{a}.asc"
        _gpg(homes[a][0], "--armor", "--output", str(exported), "--export", homes[a][1])
        _gpg(homes[b][0], "--import", str(exported))
    return homes


def run_peer(work: Path, homes: dict[str, Any], r: int) -> dict[str, Any]:
    folder = work / f"peer-{r}"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "out").mkdir(parents=True)
    (folder / "in").mkdir()
    export = folder / "out" / "entities.ftm.jsonl"
    sealed = folder / "out" / "entities.ftm.jsonl.gpg"
    arrived = folder / "in" / sealed.name
    opened = folder / "in" / "entities.ftm.jsonl"
    steps: dict[str, Any] = {"export": _child("export", str(work), str(export))}
    (s_home, s_fpr), (r_home, r_fpr) = homes[SENDER], homes[RECIPIENT]
    t = time.perf_counter()
    _gpg(s_home, "--local-user", s_fpr, "--recipient", r_fpr, "--sign", "--encrypt",
         "--output", str(sealed), str(export))  # fmt: skip
    steps["sign_encrypt"] = {"seconds": round(time.perf_counter() - t, 3)}
    t = time.perf_counter()
    shutil.copyfile(sealed, arrived)
    steps["transfer"] = {"seconds": round(time.perf_counter() - t, 3)}
    t = time.perf_counter()
    status = _gpg(r_home, "--status-fd", "1", "--output", str(opened), "--decrypt", str(arrived))
    steps["decrypt_verify"] = {"seconds": round(time.perf_counter() - t, 3)}
    if f"VALIDSIG {s_fpr}" not in status.stdout and "GOODSIG" not in status.stdout:
        raise SystemExit(f"gpg did not verify the sender's signature:\n{status.stdout}")
    steps["ingest"] = _child("ingest", str(folder / "store"), str(opened))
    total = sum(s["seconds"] for s in steps.values())
    processes = sum(s.get("process_seconds", s["seconds"]) for s in steps.values())
    return {
        "seconds": round(total, 3),
        "seconds_with_process_start": round(processes, 3),
        "statements": steps["ingest"]["statements"],
        "file_bytes": steps["export"]["bytes"],
        "package_bytes": sealed.stat().st_size,
        "max_rss_mb": max(steps["export"]["max_rss_mb"], steps["ingest"]["max_rss_mb"]),
        "steps": steps,
        "received": received_summary(folder / "store"),
    }


# -- Corridor --------------------------------------------------------------------------------


def run_corridor(work: Path, r: int, profile: bool) -> dict[str, Any]:
    receiver = work / f"receiver-{r}"
    shutil.rmtree(receiver, ignore_errors=True)
    shutil.copytree(work / "receiver-template", receiver)
    proc, base = start_server(receiver)
    try:
        pin_address(work / "sender", receiver, base)
        result = _child("send", str(work), str(receiver), *(["--profile"] if profile else []))
    finally:
        server_rss = stop_server(proc)
    # The step's process also times the seal and open standalone after the run: not counted.
    del result["process_seconds"]
    result["receiver_max_rss_mb"] = round(server_rss, 1)
    result["received"] = received_summary(receiver)
    return result


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem, 1),
            "python": platform.python_version()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=100_000,
                        help="statements that pass the agreement (5 per person)")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true", help="Corridor only.")
    parser.add_argument("--profile", action="store_true", help="cProfile sender and receiver.")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        paths = [Path(p) for p in args.paths]
        steps: dict[str, Callable[[], dict[str, Any]]] = {
            "send": lambda: step_send(paths[0], paths[1], args.profile),
            "receive-profile": lambda: step_receive_profile(paths[0], paths[1]),
            "export": lambda: step_export(paths[0], paths[1]),
            "ingest": lambda: step_ingest(paths[0], paths[1]),
        }
        print(json.dumps(steps[args.step]()))
        return

    people = args.statements // len(PROPS)
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    t = time.perf_counter()
    built = build(WORK, people)
    print(f"sending store: {built['statements_in_store']:,} statements, "
          f"{built['passing_people']:,} people the agreement lets go and "
          f"{built['withheld_people']:,} it withholds ({time.perf_counter() - t:.1f} s to build)")  # fmt: skip
    gpg = shutil.which("gpg")
    run_the_peer = not args.no_peer
    if run_the_peer and gpg is None:
        print("gpg not found on PATH: the peer (gpg sign + encrypt) is skipped")
        run_the_peer = False
    homes = gpg_keys(WORK) if run_the_peer else {}

    corridor: list[dict[str, Any]] = []
    peer: list[dict[str, Any]] = []
    try:
        for r in range(args.repeats):
            corridor.append(run_corridor(WORK, r, args.profile and r == 0))
            c = corridor[-1]
            print(f"run {r + 1}: Corridor {c['seconds']:.2f} s ({c['statements_sent']:,} "
                  f"statements, {c['package_bytes'] / 1e6:.1f} MB) {c['breakdown']}")  # fmt: skip
            if run_the_peer:
                peer.append(run_peer(WORK, homes, r))
                p = peer[-1]
                print(f"run {r + 1}: peer     {p['seconds']:.2f} s ({p['statements']:,} "
                      f"statements, {p['package_bytes'] / 1e6:.1f} MB) "
                      f"{ {k: v['seconds'] for k, v in p['steps'].items()} }")  # fmt: skip
    finally:
        for home, _ in homes.values():
            subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"],
                           capture_output=True, check=False)  # fmt: skip
    if args.profile:
        blob = WORK / "sender" / "spool" / "outbox"
        first = sorted(blob.glob("*.pkg"), key=lambda p: p.stat().st_mtime)[0]
        _child("receive-profile", str(WORK), str(first))

    def median(rows: list[dict[str, Any]], *keys: str) -> float:
        values = []
        for row in rows:
            for key in keys:
                row = row[key]
            values.append(float(row))  # type: ignore[arg-type]
        return round(statistics.median(values), 3)

    results: dict[str, Any] = {"machine": machine(), "store": built, "repeats": args.repeats}
    results["corridor"] = {
        "median_seconds": median(corridor, "seconds"),
        "median_startup_seconds": median(corridor, "startup_seconds"),
        "statements_sent": corridor[0]["statements_sent"],
        "package_bytes": corridor[0]["package_bytes"],
        "withheld": corridor[0]["withheld"],
        "median_breakdown": {k: median(corridor, "breakdown", k) for k in corridor[0]["breakdown"]},
        "median_standalone": {
            k: median(corridor, "standalone", k) for k in corridor[0]["standalone"]
        },
        "sender_max_rss_mb": max(c["max_rss_mb"] for c in corridor),
        "receiver_max_rss_mb": max(c["receiver_max_rss_mb"] for c in corridor),
        "received": corridor[0]["received"],
        "runs": corridor,
    }
    lines = [
        f"{'':34s}{'median s':>10s}{'statements':>12s}{'bytes':>12s}{'peak MB':>9s}",
        f"{'Corridor share() end to end':34s}{results['corridor']['median_seconds']:10.2f}"
        f"{results['corridor']['statements_sent']:12,d}{results['corridor']['package_bytes']:12,d}"
        f"{results['corridor']['sender_max_rss_mb']:9.0f}",
    ]
    if peer:
        results["peer"] = {
            "median_seconds": median(peer, "seconds"),
            "median_seconds_with_process_start": median(peer, "seconds_with_process_start"),
            "statements": peer[0]["statements"],
            "package_bytes": peer[0]["package_bytes"],
            "file_bytes": peer[0]["file_bytes"],
            "median_steps": {k: median(peer, "steps", k, "seconds") for k in peer[0]["steps"]},
            "max_rss_mb": max(p["max_rss_mb"] for p in peer),
            "received": peer[0]["received"],
            "runs": peer,
        }
        ratio = results["corridor"]["median_seconds"] / results["peer"]["median_seconds"]
        results["ratio_corridor_over_peer"] = round(ratio, 2)
        lines.append(
            f"{'peer: FtM export + gpg + ingest':34s}{results['peer']['median_seconds']:10.2f}"
            f"{results['peer']['statements']:12,d}{results['peer']['package_bytes']:12,d}"
            f"{results['peer']['max_rss_mb']:9.0f}"
        )
        lines.append(f"ratio Corridor / peer (time): {ratio:.2f}x")
    lines.append(f"Corridor breakdown (median s): {results['corridor']['median_breakdown']}")
    lines.append(f"Corridor standalone (median s): {results['corridor']['median_standalone']}")
    lines.append(f"withheld by the agreement: {results['corridor']['withheld']}")
    lines.append(f"received (Corridor): {results['corridor']['received']}")
    if peer:
        lines.append(f"peer steps (median s): {results['peer']['median_steps']}")
        lines.append(f"received (peer): {results['peer']['received']}")
    print("\n".join(lines))
    print(f"results: {write_result('sharing', results)}")


if __name__ == "__main__":
    main()
