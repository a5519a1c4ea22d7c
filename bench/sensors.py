"""Sensor analyses against the scenario's ground truth, on several seeds.

Convoys (`corridor.sensors.convoys`): each seed's scenario generated and its ANPR reads
ingested; a true convoy (`truth/runs.csv`: two vehicles on one run together) is found when a
detected convoy holds both its vehicles' plates and overlaps its reads in time; a detected
convoy is right when it finds one. Reported per seed and pooled: precision, recall, and the
time the analysis took. Seeds 1–3 were looked at while choosing the rules; the others were not.

    .venv/bin/python bench/sensors.py --seeds 1 2 3 4 5 6 7 11

`--synthetic N` times the analysis alone on N random reads instead (journeys of five cameras
20 minutes apart, 90 cameras, a vehicle per 50 reads, over a year; no convoys in them): the
SQL on an in-memory DuckDB table, then the Python that makes convoys of its rows, and the
process's peak memory.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from _common import write_result
from corridor.access.caller import Caller
from corridor.ingest.service import ingest_path
from corridor.model.scope import SYSTEM_SCOPE
from corridor.scenario import build_scenario
from corridor.sensors.convoys import ConvoyParams, convoy_query, convoys_from_rows, find_convoys
from corridor.store.duckdb import DuckDBStore


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def true_convoys(bundle: Path) -> dict[str, tuple[set[str], datetime, datetime]]:
    """Convoy id → (its vehicles, its first and last read)."""
    with (bundle / "truth" / "runs.csv").open(encoding="utf-8") as f:
        vehicles: dict[str, set[str]] = defaultdict(set)
        for r in csv.DictReader(f):
            if r["convoy_id"]:
                vehicles[r["convoy_id"]].add(r["vehicle_id"])
    read_at = {}
    for agency in ("uk", "rs"):
        path = bundle / agency / "anpr.csv"
        if path.exists():
            with path.open(encoding="utf-8") as f:
                read_at.update({r["read_id"]: _at(r["read_at"]) for r in csv.DictReader(f)})
    times: dict[str, list[datetime]] = defaultdict(list)
    with (bundle / "truth" / "anpr_runs.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["convoy_id"] and r["read_id"] in read_at:
                times[r["convoy_id"]].append(read_at[r["read_id"]])
    return {c: (v, min(times[c]), max(times[c])) for c, v in vehicles.items() if times.get(c)}


def one_seed(seed: int, scale: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "world"
        build_scenario(bundle, seed=seed, scale=scale)
        store = DuckDBStore(None)
        ingest_path(store, Caller.operator(), bundle, show_progress=False)
        truth = true_convoys(bundle)
        with (bundle / "truth" / "vehicles.csv").open(encoding="utf-8") as f:
            vehicle_of = {r["plate_normalised"]: r["true_id"] for r in csv.DictReader(f)}
    started = time.perf_counter()
    found = find_convoys(store, SYSTEM_SCOPE)
    seconds = time.perf_counter() - started
    store.close()
    found_true: set[str] = set()
    right = 0
    for c in found:
        vehicles = {vehicle_of.get(p, p) for p in c.plates}
        hits = [cid for cid, (vs, first, last) in truth.items()
                if vs <= vehicles and c.first_seen <= last and first <= c.last_seen]  # fmt: skip
        right += bool(hits)
        found_true.update(hits)
    precision = right / len(found) if found else 0.0
    recall = len(found_true) / len(truth) if truth else 0.0
    return {"seed": seed, "true": len(truth), "found": len(found), "right": right,
            "true_found": len(found_true), "precision": round(precision, 4),
            "recall": round(recall, 4), "seconds": round(seconds, 3)}  # fmt: skip


def synthetic(n: int, seed: int = 1) -> dict[str, Any]:
    """Time the convoy analysis on `n` random reads (see the module's docstring)."""
    journeys = n // 5
    rng = np.random.default_rng(seed)
    vehicle = np.repeat(rng.integers(0, max(1000, n // 50), journeys), 5)
    camera = (rng.integers(0, 85, journeys)[:, None] + np.arange(5)[None, :]).ravel()
    start = rng.uniform(0, 365 * 86400, journeys)
    t = (start[:, None] + np.arange(5)[None, :] * 1200 + rng.normal(0, 30, (journeys, 5))).ravel()
    base = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
    reads = pa.table({
        "id": [f"r{i}" for i in range(len(t))],
        "plate": [f"P{v:07d}" for v in vehicle],
        "sensor_id": [f"CAM{c:03d}" for c in camera],
        "observed_at": pa.array(((base + t) * 1e6).astype(np.int64)).cast(
            pa.timestamp("us", "UTC")),
        "classification": pa.array(np.zeros(len(t), dtype=np.int16)),
        "agency": ["RS-MUP"] * len(t), "grading_scheme": ["3x5x2"] * len(t),
        "grading": ["1AP"] * len(t),
    })  # fmt: skip
    con = duckdb.connect()
    con.register("generated", reads)
    con.execute("CREATE TABLE obs AS SELECT * FROM generated")  # a table, as the store holds
    params = ConvoyParams()
    sql, values = convoy_query(params) or ("", [])
    started = time.perf_counter()
    cursor = con.execute(sql, values)
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
    sql_seconds = time.perf_counter() - started
    started = time.perf_counter()
    found = convoys_from_rows(rows, params)
    return {"reads": len(t), "pair_trips": len(rows), "convoys": len(found),
            "sql_seconds": round(sql_seconds, 2),
            "python_seconds": round(time.perf_counter() - started, 2),
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6, 7, 11])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--synthetic", type=int, default=0, help="time N random reads instead")
    args = parser.parse_args()
    if args.synthetic:
        result = synthetic(args.synthetic)
        print(result)
        write_result("sensors_synthetic", result)
        return
    runs = []
    for seed in args.seeds:
        r = one_seed(seed, args.scale)
        runs.append(r)
        print(f"seed {seed}: convoys {r['true']} true, {r['found']} found, precision "
              f"{r['precision']:.3f}, recall {r['recall']:.3f} ({r['seconds']:.2f} s)")  # fmt: skip
    found = sum(r["found"] for r in runs)
    true = sum(r["true"] for r in runs)
    pooled = {
        "precision": round(sum(r["right"] for r in runs) / found, 4) if found else 0.0,
        "recall": round(sum(r["true_found"] for r in runs) / true, 4) if true else 0.0,
    }
    print(f"pooled: precision {pooled['precision']:.3f}, recall {pooled['recall']:.3f} "
          f"({found} found, {true} true)")  # fmt: skip
    path = write_result("sensors", {"scale": args.scale, "convoys": runs, "pooled": pooled})
    print(f"results: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
