"""Journeys, convoys, shuttle runs and cloned plates over millions of the scenario's ANPR reads,
through the store, as `corridor anpr ...` runs them.

The scenario is generated at the scale that gives the reads asked for (20,000 reads per unit of
scale) and its ANPR reads, detections and scans (where the crossing points are learnt) are
ingested into a DuckDB store on disk; then a fresh process opens the store and times each
analysis (DuckDB, every core this machine has: run it on a 2-core machine for the issue's
figure) and reports its own peak memory, so that generating and ingesting do not count.

    .venv/bin/python bench/sensors_scale.py --reads 10000000 [--keep DIR]

`--keep DIR` keeps the store (and reuses it when it is already there). `--engine spark` times
the same analyses on Spark (local mode).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from _common import write_result
from corridor.access.caller import Caller
from corridor.ingest.service import ingest_path
from corridor.model.observations import ObservationKind
from corridor.model.scope import SYSTEM_SCOPE
from corridor.scenario import build_scenario
from corridor.scenario.handling import GB_NCA, RS_MUP
from corridor.scenario.sensors import ANPR_READS_PER_SCALE, provenance
from corridor.sensors.convoys import find_convoys
from corridor.sensors.engines import sensor_engine
from corridor.sensors.journeys import find_clones, find_journeys
from corridor.sensors.shuttles import find_shuttles
from corridor.settings import Settings
from corridor.store.duckdb import DuckDBStore

ANALYSES = ("convoys", "clones", "shuttles", "journeys")
FEEDS = {"anpr.csv": "anpr", "detections.csv": "detections", "scans.json": "scans"}
AGENCIES = {"rs": RS_MUP, "uk": GB_NCA}


def prepare(reads: int, keep: Path, seed: int) -> dict[str, Any]:
    """Generate and ingest (unless the store is there already); how long each took."""
    store_path = keep / "corridor.duckdb"
    if store_path.exists():
        return {"reused": True}
    bundle = keep / "world"
    started = time.perf_counter()
    build_scenario(bundle, seed=seed, scale=reads / ANPR_READS_PER_SCALE)
    built = time.perf_counter() - started
    store = DuckDBStore(store_path)
    started = time.perf_counter()
    for folder, agency in AGENCIES.items():
        for feed, kind in FEEDS.items():
            path = bundle / folder / feed
            if path.exists():  # with the provenance the scenario's manifest gives the feed
                ingest_path(store, Caller.operator(), path, kind=kind, show_progress=False,
                            defaults=provenance(agency, kind))  # fmt: skip
    ingested = time.perf_counter() - started
    store.close()
    return {"generate_seconds": round(built, 1), "ingest_seconds": round(ingested, 1)}


def analyse(store_path: Path, engine_name: str, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Time each analysis on the store (run in a process of its own)."""
    store = DuckDBStore(store_path, read_only=True, memory_limit=Settings().duckdb_memory)
    rows = store.analyse_observations(ObservationKind.ANPR, "SELECT COUNT(*) AS n FROM obs", [],
                                      SYSTEM_SCOPE)  # fmt: skip
    out: dict[str, Any] = {"reads": int(rows[0]["n"]), "engine": engine_name,
                           "cores": os.cpu_count()}  # fmt: skip
    plate = ""
    with sensor_engine(engine_name) as engine:

        def timed(name: str, run: Callable[[], dict[str, Any]]) -> None:
            if name in skip:
                out[name] = {"skipped": True}
                return
            started = time.perf_counter()
            try:
                out[name] = run()
            except duckdb.Error as exc:  # out of memory, or of disk to spill to: say so
                out[name] = {"failed": f"{type(exc).__name__}: {str(exc).splitlines()[0]}"}
            out[name]["seconds"] = round(time.perf_counter() - started, 2)

        def shuttles() -> dict[str, Any]:
            nonlocal plate
            found = find_shuttles(store, SYSTEM_SCOPE, engine=engine)
            plate = found[0].plate if found else ""
            return {"plates": len(found)}

        timed("shuttles", shuttles)
        timed("clones", lambda: {"found": len(find_clones(store, SYSTEM_SCOPE, engine=engine))})
        timed("journeys", lambda: {"plate": plate, "journeys": len(
            find_journeys(store, SYSTEM_SCOPE, plate or "X", engine=engine).journeys)})  # fmt: skip
        timed("convoys", lambda: {"found": len(find_convoys(store, SYSTEM_SCOPE, engine=engine))})
    done = [out[n] for n in ("convoys", "clones", "shuttles", "journeys")]
    out["total_seconds"] = round(sum(r["seconds"] for r in done if "seconds" in r), 1)
    out["complete"] = all("failed" not in r and "skipped" not in r for r in done)
    out["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    parser.add_argument("--skip", nargs="*", default=[], choices=ANALYSES)
    parser.add_argument("--analyse", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.analyse is not None:
        print(json.dumps(analyse(args.analyse, args.engine, tuple(args.skip))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        keep = args.keep or Path(tmp)
        keep.mkdir(parents=True, exist_ok=True)
        prepared = prepare(args.reads, keep, args.seed)
        print(f"prepared: {prepared}", file=sys.stderr)
        proc = subprocess.run(
            [sys.executable, __file__, "--analyse", str(keep / "corridor.duckdb"),
             "--engine", args.engine, "--skip", *args.skip], capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise SystemExit(f"the analyses failed:\n{proc.stderr}")
        result = {**json.loads(proc.stdout.strip().splitlines()[-1]), **prepared}
    print(result)
    path = write_result(f"sensors_scale_{args.reads}_{args.engine}", result)
    print(f"results: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
