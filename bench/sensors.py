"""Sensor analyses against the scenario's ground truth, on several seeds.

Each seed's scenario is generated and its ANPR reads (with its detections and scans, where the
crossing points are learnt) ingested; `--what` picks the analyses scored (all by default).

Convoys (`corridor.sensors.convoys`): a true convoy (`truth/runs.csv`: two vehicles on one run
together) is found when a detected convoy holds both its vehicles' plates and overlaps its reads
in time; a detected convoy is right when it finds one. Reported per seed and pooled: precision,
recall, and the time the analysis took. Seeds 1–3 were looked at while choosing the rules; the
others were not.

Shuttles (`corridor.sensors.shuttles`): plates ranked by score, each mapped to its true vehicle
(`truth/vehicles.csv`); recall at N, N the number of true shuttles, of two definitions of them:
`laden`, smuggling vehicles with a laden run (`truth/runs.csv`) the cameras read
(`truth/anpr_runs.csv`); `returned`, those of them whose laden run the cameras read was followed
within a day by another drive of theirs (what a shuttle is). Pooled: true shuttles found in the
top N over all true shuttles.

Clones (`corridor.sensors.journeys`): a reported plate is right when `truth/clones.csv` has it;
precision and recall, and how many wrong ones are one vehicle the scenario itself put on two
drives at once (its reads are impossible journeys too, though no plate was copied: the
generator draws ordinary trips, and network drives, independently of each other).

    .venv/bin/python bench/sensors.py --seeds 1 2 3 4 5 6 7 11 [--what shuttles]

`--synthetic N` times the analyses alone on N random reads instead (journeys of five cameras
20 minutes apart, 90 cameras 28 km apart on one road, a vehicle per 50 reads, over a year; no
convoys or clones in them): the SQL on an in-memory DuckDB table, then the Python that makes
results of its rows, and the process's peak memory. Journeys are timed for one plate.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from _common import write_result
from corridor.access.caller import Caller
from corridor.ingest.service import ingest_path
from corridor.model.observations import ObservationKind
from corridor.model.scope import SYSTEM_SCOPE
from corridor.scenario import build_scenario
from corridor.sensors.convoys import ConvoyParams, convoy_query, convoys_from_rows, find_convoys
from corridor.sensors.journeys import (
    JourneyParams,
    clone_query,
    clones_from_rows,
    find_clones,
    journey_query,
    journeys_from_rows,
)
from corridor.sensors.places import CrossingPointSeen
from corridor.sensors.shuttles import (
    ShuttleParams,
    find_shuttles,
    shuttle_query,
    shuttles_from_rows,
)
from corridor.store.base import Store
from corridor.store.duckdb import DuckDBStore

WHAT = ("convoys", "shuttles", "clones")


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


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def true_shuttles(bundle: Path) -> tuple[set[str], set[str]]:
    """(smuggling vehicles with a laden run the cameras read, those of them whose drive back
    along the same road, starting within a day of the laden run's end, the cameras read too)."""
    smuggling = {r["true_id"] for r in _csv(bundle / "truth" / "vehicles.csv")
                 if r["smuggling"] == "true"}  # fmt: skip
    read_runs = {r["run_id"] for r in _csv(bundle / "truth" / "anpr_runs.csv")}
    # vehicle → (start, end, laden, run id, road, heading up the road's km)
    drives: dict[str, list[tuple[datetime, datetime, bool, str, str, bool]]] = defaultdict(list)
    for r in _csv(bundle / "truth" / "runs.csv"):
        if r["vehicle_id"] not in smuggling or r["run_id"] not in read_runs:
            continue
        start, a, b = _at(r["start"]), float(r["from_km"]), float(r["to_km"])
        end = start + timedelta(hours=abs(b - a) / float(r["speed_kmh"]))
        drives[r["vehicle_id"]].append((start, end, r["laden"] == "true", r["run_id"],
                                        r["road"], b > a))  # fmt: skip
    laden, returned = set(), set()
    for vehicle, ds in drives.items():
        for _start, end, is_laden, _run, road, up in ds:
            if not is_laden:
                continue
            laden.add(vehicle)
            if any(road2 == road and up2 != up and end <= s2 <= end + timedelta(days=1)
                   for s2, _, _, _, road2, up2 in ds):  # fmt: skip
                returned.add(vehicle)
    return laden, returned


def score_shuttles(store: Store, bundle: Path, vehicle_of: dict[str, str]) -> dict[str, Any]:
    laden, returned = true_shuttles(bundle)
    started = time.perf_counter()
    found = find_shuttles(store, SYSTEM_SCOPE)
    seconds = time.perf_counter() - started
    ranked: list[str] = []
    for s in found:
        vehicle = vehicle_of.get(s.plate, s.plate)
        if vehicle not in ranked:
            ranked.append(vehicle)
    out: dict[str, Any] = {"plates_with_runs": len(found), "seconds": round(seconds, 3)}
    for name, truth in (("laden", laden), ("returned", returned)):
        top = set(ranked[: len(truth)])
        out[name] = {"true": len(truth), "found": len(top & truth),
                     "recall_at_n": round(len(top & truth) / len(truth), 4) if truth else 0.0,
                     "missed": sorted(truth - top)}  # fmt: skip
    return out


def score_clones(store: Store, bundle: Path) -> dict[str, Any]:
    truth = {r["plate_normalised"] for r in _csv(bundle / "truth" / "clones.csv")}
    vehicle_of_read = {r["read_id"]: r["vehicle_id"]
                       for r in _csv(bundle / "truth" / "anpr_runs.csv")}  # fmt: skip
    source = {str(r["id"]): str(r["source_id"]) for r in store.analyse_observations(
        ObservationKind.ANPR, "SELECT id, source_id FROM obs", [], SYSTEM_SCOPE)}  # fmt: skip
    started = time.perf_counter()
    found = find_clones(store, SYSTEM_SCOPE)
    seconds = time.perf_counter() - started
    right = [c for c in found if c.plate in truth]
    wrong = [c for c in found if c.plate not in truth]
    # A wrong one whose every impossible pair is one true vehicle twice: the generator's doing.
    one_vehicle = sum(
        1 for c in wrong
        if all(vehicle_of_read.get(source.get(p.first_read, ""))
               == vehicle_of_read.get(source.get(p.second_read, "")) for p in c.pairs)
    )  # fmt: skip
    two = [c for c in found if c.score >= 2]
    return {"true": len(truth), "found": len(found), "right": len(right),
            "precision": round(len(right) / len(found), 4) if found else 0.0,
            "recall": round(len({c.plate for c in right}) / len(truth), 4) if truth else 0.0,
            "wrong_one_vehicle_twice": one_vehicle,
            "found_score_2": len(two), "right_score_2": sum(1 for c in two if c.plate in truth),
            "seconds": round(seconds, 3)}  # fmt: skip


def score_convoys(store: Store, bundle: Path, vehicle_of: dict[str, str]) -> dict[str, Any]:
    truth = true_convoys(bundle)
    started = time.perf_counter()
    found = find_convoys(store, SYSTEM_SCOPE)
    seconds = time.perf_counter() - started
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
    return {"true": len(truth), "found": len(found), "right": right,
            "true_found": len(found_true), "precision": round(precision, 4),
            "recall": round(recall, 4), "seconds": round(seconds, 3)}  # fmt: skip


def one_seed(seed: int, scale: float, what: tuple[str, ...] = WHAT) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "world"
        build_scenario(bundle, seed=seed, scale=scale)
        store = DuckDBStore(None)
        ingest_path(store, Caller.operator(), bundle, show_progress=False)
        vehicle_of = {r["plate_normalised"]: r["true_id"]
                      for r in _csv(bundle / "truth" / "vehicles.csv")}  # fmt: skip
        result: dict[str, Any] = {"seed": seed}
        if "convoys" in what:
            result["convoys"] = score_convoys(store, bundle, vehicle_of)
        if "shuttles" in what:
            result["shuttles"] = score_shuttles(store, bundle, vehicle_of)
        if "clones" in what:
            result["clones"] = score_clones(store, bundle)
        store.close()
    return result


def _rows(con: duckdb.DuckDBPyConnection, sql: str, values: list[object]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, values)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


def _timed(con: duckdb.DuckDBPyConnection, query: tuple[str, list[object]],
           make: Any) -> tuple[list[dict[str, Any]], Any, float, float]:  # fmt: skip
    """The query's rows, what `make` makes of them, and the seconds each took."""
    started = time.perf_counter()
    rows = _rows(con, *query)
    sql_seconds = time.perf_counter() - started
    started = time.perf_counter()
    made = make(rows)
    return rows, made, sql_seconds, time.perf_counter() - started


def synthetic(n: int, seed: int = 1, what: tuple[str, ...] = WHAT) -> dict[str, Any]:
    """Time the analyses on `n` random reads (see the module's docstring)."""
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
        # One road due north, a camera every 0.25° (28 km), every journey northbound.
        "lat": 40.0 + 0.25 * camera.astype(np.float64), "lon": np.full(len(t), 21.0),
        "direction": ["N"] * len(t), "confidence": rng.uniform(0.5, 0.99, len(t)),
    })  # fmt: skip
    con = duckdb.connect()
    con.register("generated", reads)
    con.execute("CREATE TABLE obs AS SELECT * FROM generated")  # a table, as the store holds
    result: dict[str, Any] = {"reads": len(t)}
    if "convoys" in what:
        params = ConvoyParams()
        rows, found, sql_s, py_s = _timed(con, convoy_query(params) or ("", []),
                                          lambda rows: convoys_from_rows(rows))  # fmt: skip
        result.update({"trips_kept": len(rows), "convoys": len(found),
                       "sql_seconds": round(sql_s, 2), "python_seconds": round(py_s, 2)})  # fmt: skip
    if "clones" in what:
        plate = f"P{vehicle[0]:07d}"
        _, found, sql_s, py_s = _timed(con, journey_query(plate, JourneyParams()),
                                       lambda rows: journeys_from_rows(rows, plate))  # fmt: skip
        result["journeys"] = {"plate": plate, "journeys": len(found.journeys),
                              "sql_seconds": round(sql_s, 3), "python_seconds": round(py_s, 3)}  # fmt: skip
        rows, found, sql_s, py_s = _timed(con, clone_query(JourneyParams()), clones_from_rows)
        result["clones"] = {"impossible_pairs": len(rows), "clones": len(found),
                            "sql_seconds": round(sql_s, 2), "python_seconds": round(py_s, 2)}  # fmt: skip
    if "shuttles" in what:
        # Crossing points beyond each end of the road, and one off it.
        points = [CrossingPointSeen("NORTH", 62.6, 21.0, 1, ""),
                  CrossingPointSeen("SOUTH", 39.8, 21.0, 1, ""),
                  CrossingPointSeen("EAST", 50.0, 25.0, 1, "")]  # fmt: skip
        query = shuttle_query(points, ShuttleParams())
        assert query is not None
        rows, found, sql_s, py_s = _timed(con, query, shuttles_from_rows)
        result["shuttles"] = {"runs": len(rows), "plates_with_runs": len(found),
                              "sql_seconds": round(sql_s, 2), "python_seconds": round(py_s, 2)}  # fmt: skip
    result["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def _pooled(runs: list[dict[str, Any]], what: str) -> dict[str, Any]:
    """The seeds together: convoys' and clones' precision and recall, shuttles' recall at N."""
    rs = [r[what] for r in runs]
    if what == "convoys":
        found, true = sum(r["found"] for r in rs), sum(r["true"] for r in rs)
        return {"found": found, "true": true,
                "precision": round(sum(r["right"] for r in rs) / found, 4) if found else 0.0,
                "recall": round(sum(r["true_found"] for r in rs) / true, 4) if true else 0.0}  # fmt: skip
    if what == "clones":
        found, true = sum(r["found"] for r in rs), sum(r["true"] for r in rs)
        right = sum(r["right"] for r in rs)
        return {"found": found, "true": true, "right": right,
                "precision": round(right / found, 4) if found else 0.0,
                "recall": round(right / true, 4) if true else 0.0,
                "wrong_one_vehicle_twice": sum(r["wrong_one_vehicle_twice"] for r in rs),
                "found_score_2": sum(r["found_score_2"] for r in rs),
                "right_score_2": sum(r["right_score_2"] for r in rs)}  # fmt: skip
    out = {}
    for kind in ("laden", "returned"):
        true = sum(r[kind]["true"] for r in rs)
        hit = sum(r[kind]["found"] for r in rs)
        out[kind] = {"true": true, "found": hit,
                     "recall_at_n": round(hit / true, 4) if true else 0.0}  # fmt: skip
    return out


def _line(seed: int, r: dict[str, Any]) -> str:
    parts = [f"seed {seed}:"]
    if "convoys" in r:
        c = r["convoys"]
        parts.append(f"convoys {c['true']} true, {c['found']} found, precision "
                     f"{c['precision']:.3f}, recall {c['recall']:.3f} ({c['seconds']:.2f} s);")  # fmt: skip
    if "shuttles" in r:
        s = r["shuttles"]
        parts.append(f"shuttles recall@N laden {s['laden']['found']}/{s['laden']['true']}, "
                     f"returned {s['returned']['found']}/{s['returned']['true']} "
                     f"({s['seconds']:.2f} s);")  # fmt: skip
    if "clones" in r:
        c = r["clones"]
        parts.append(f"clones {c['true']} true, {c['found']} found, {c['right']} right, "
                     f"{c['wrong_one_vehicle_twice']} one vehicle twice ({c['seconds']:.2f} s)")  # fmt: skip
    return " ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6, 7, 11])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--synthetic", type=int, default=0, help="time N random reads instead")
    parser.add_argument("--what", choices=[*WHAT, "all"], default="all")
    args = parser.parse_args()
    what = WHAT if args.what == "all" else (args.what,)
    if args.synthetic:
        result = synthetic(args.synthetic, what=what)
        print(result)
        write_result("sensors_synthetic", result)
        return
    runs = []
    for seed in args.seeds:
        r = one_seed(seed, args.scale, what)
        runs.append(r)
        print(_line(seed, r))
    out: dict[str, Any] = {"scale": args.scale}
    for name in what:
        out[name] = [{"seed": r["seed"], **r[name]} for r in runs]
        out[f"{name}_pooled"] = pooled = _pooled(runs, name)
        print(f"pooled {name}: {pooled}")
    if "convoys" in out:
        out["pooled"] = out["convoys_pooled"]  # the key earlier results used
    suffix = "" if args.scale == 1 else f"_scale{args.scale:g}"
    path = write_result(
        f"sensors{suffix}" if args.what == "all" else f"sensors_{args.what}{suffix}", out
    )
    print(f"results: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
