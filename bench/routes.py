"""Hotspots, flows and displacement against the scenario's ground truth, on several seeds.

Each seed's scenario is generated and ingested (every feed: sightings, detections, scans, ANPR)
into an in-memory DuckDB store, and the analyses run as the operator would run them:

- **Hotspots** (`corridor.sensors.hotspots`), by week at resolution 7 (the defaults) and by
  month at resolution 6: each hotspot cell-period is put at the crossing point nearest its
  cell's centre (within `flows.AT_POINT_KM`), and compared with how busy the truth says that
  point is (`truth/crossings.csv`, crossings per point): the share of hotspots at a point, and
  at one of the busier half of the points the agencies' records name; the same for the
  concentrated cell-periods (more activity than the ground around them).
  Where activity gathers over the whole range is scored too: the rank correlation (Spearman)
  between the activity at each named point (`Flows.points`) and its true crossings.
- **Flows** (`corridor.sensors.flows`): a true transition is a group's crossing at one point
  followed by its next crossing at another (`truth/crossings.csv`, by `group_id` in time
  order), both points named by the records. A movement found agrees when one true transition
  has the same two points, its first crossing within a day of the departure and the second
  within a day of the arrival. Reported: movements found, the share that agree (precision),
  the true transitions some movement agrees with (recall), the same for edges (a found edge
  is right when any group made that transition), and for movements that carried people.
- **Displacement**: the enforcement episodes found and how many are called displacement. The
  scenario has no enforcement campaigns in it, so any episode is chance, and a displacement
  called is a false one.

    .venv/bin/python bench/routes.py --seeds 1 2 3 --scale 1
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from _common import write_result
from corridor.access.caller import Caller
from corridor.ingest.service import ingest_path
from corridor.model.scope import SYSTEM_SCOPE
from corridor.scenario import build_scenario
from corridor.sensors.flows import AT_POINT_KM, find_displacement, find_flows
from corridor.sensors.hotspots import find_hotspots
from corridor.sensors.places import crossing_points, nearest_point
from corridor.store.duckdb import DuckDBStore

#: How far a movement's ends may be from the true crossings' times: a detection is made up to
#: two hours after a crossing, a scan up to forty minutes before it; a day leaves room for both.
TOLERANCE = timedelta(days=1)
SETTINGS = (("week", 7), ("month", 6))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def truth(bundle: Path) -> tuple[dict[str, int], list[tuple[str, str, datetime, datetime]]]:
    """True crossings per point, and every group's transitions (from, to, when, when)."""
    per_point: dict[str, int] = defaultdict(int)
    by_group: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    with (bundle / "truth" / "crossings.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            per_point[r["crossing_point"]] += 1
            by_group[r["group_id"]].append((_at(r["at"]), r["crossing_point"]))
    transitions = []
    for crossings in by_group.values():
        crossings.sort()
        for (t1, a), (t2, b) in pairwise(crossings):
            if a != b:
                transitions.append((a, b, t1, t2))
    return dict(per_point), transitions


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Rank correlation (average ranks for ties)."""

    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=lambda i: values[i])
        out = [0.0] * len(values)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            for k in range(i, j + 1):
                out[order[k]] = (i + j) / 2 + 1
            i = j + 1
        return out

    if len(xs) < 3:
        return None
    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return round(cov / (vx * vy), 4) if vx and vy else None


def one_seed(seed: int, scale: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "world"
        build_scenario(bundle, seed=seed, scale=scale)
        store = DuckDBStore(None)
        ingest_path(store, Caller.operator(), bundle, show_progress=False)
        per_point, transitions = truth(bundle)
    points = crossing_points(store, SYSTEM_SCOPE)
    named = {p.id for p in points}
    # The busier half of the points the records name, by true crossings.
    ranked = sorted(named, key=lambda p: (-per_point.get(p, 0), p))
    busier = set(ranked[: (len(ranked) + 1) // 2])
    out: dict[str, Any] = {"seed": seed, "points": len(named),
                           "true_crossings": {p: per_point.get(p, 0) for p in ranked}}  # fmt: skip
    for period, resolution in SETTINGS:
        started = time.perf_counter()
        found = find_hotspots(store, SYSTEM_SCOPE, period=period, resolution=resolution)
        seconds = time.perf_counter() - started
        scored: dict[str, Any] = {"cell_periods": len(found.cells),
                                  "seconds": round(seconds, 3)}  # fmt: skip
        for name, marked in (("hotspots", found.hotspots), ("concentrated", found.concentrated)):
            at: list[str | None] = []
            for c in marked:
                lat, lon = c.centre
                p = nearest_point(points, lat, lon, AT_POINT_KM)
                at.append(p.id if p else None)
            n = len(at)
            scored[name] = {
                "found": n,
                "at_a_point": round(sum(p is not None for p in at) / n, 4) if n else None,
                "at_a_busier_point": round(sum(p in busier for p in at) / n, 4) if n else None,
                "points": {p: at.count(p) for p in sorted({p for p in at if p})},
                "point_ranks": sorted(ranked.index(p) + 1 for p in at if p),
            }  # fmt: skip
        out[f"hotspots_{period}_r{resolution}"] = scored
    started = time.perf_counter()
    flows = find_flows(store, SYSTEM_SCOPE)
    flow_seconds = time.perf_counter() - started
    activity = {v.name: v.events for v in flows.points}
    out["activity_vs_truth_spearman"] = spearman(
        [float(activity.get(p, 0)) for p in ranked], [float(per_point.get(p, 0)) for p in ranked]
    )
    busiest_seen = max(activity, key=lambda p: (activity[p], p)) if activity else None
    out["busiest_by_activity"] = busiest_seen
    out["busiest_by_truth"] = ranked[0] if ranked else None
    observable = [t for t in transitions if t[0] in named and t[1] in named]
    true_edges = {(a, b) for a, b, _, _ in transitions}

    def agrees(m: Any) -> list[int]:
        return [i for i, (a, b, t1, t2) in enumerate(observable)
                if (a, b) == (m.from_point, m.to_point) and abs(m.departed - t1) <= TOLERANCE
                and abs(m.arrived - t2) <= TOLERANCE]  # fmt: skip

    matched: set[int] = set()
    right = right_laden = laden = 0
    for m in flows.movements:
        hits = agrees(m)
        matched.update(hits)
        right += bool(hits)
        if m.people > 0:
            laden += 1
            right_laden += bool(hits)
    moves = len(flows.movements)
    out["flows"] = {
        "movements": moves, "agree": right,
        "precision": round(right / moves, 4) if moves else None,
        "true_transitions": len(observable), "found": len(matched),
        "recall": round(len(matched) / len(observable), 4) if observable else None,
        "edges": len(flows.edges),
        "edges_right": sum((e.source, e.target) in true_edges for e in flows.edges),
        "true_edges": len({(a, b) for a, b, _, _ in observable}),
        "laden_movements": laden, "laden_agree": right_laden,
        "seconds": round(flow_seconds, 3),
    }  # fmt: skip
    started = time.perf_counter()
    episodes = find_displacement(store, SYSTEM_SCOPE)
    out["displacement"] = {"episodes": len(episodes),
                           "displaced": sum(e.displaced for e in episodes),
                           "seconds": round(time.perf_counter() - started, 3)}  # fmt: skip
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    runs = []
    for seed in args.seeds:
        r = one_seed(seed, args.scale)
        runs.append(r)
        print(f"seed {seed}: {r['points']} points named; activity vs true crossings, Spearman "
              f"{r['activity_vs_truth_spearman']}; busiest {r['busiest_by_activity']} "
              f"(truth: {r['busiest_by_truth']})")  # fmt: skip
        for period, resolution in SETTINGS:
            h = r[f"hotspots_{period}_r{resolution}"]
            for name in ("hotspots", "concentrated"):
                m = h[name]
                print(f"  {name} {period}/r{resolution}: {m['found']} of {h['cell_periods']} "
                      f"cell-periods; at a point {m['at_a_point']}, at a busier point "
                      f"{m['at_a_busier_point']}; by point {m['points']}")  # fmt: skip
        f = r["flows"]
        print(f"  flows: {f['movements']} movements, {f['agree']} agree (precision "
              f"{f['precision']}); {f['found']} of {f['true_transitions']} true transitions "
              f"(recall {f['recall']}); edges {f['edges_right']}/{f['edges']} right of "
              f"{f['true_edges']} true; laden {f['laden_agree']}/{f['laden_movements']}")  # fmt: skip
        d = r["displacement"]
        print(f"  displacement: {d['episodes']} episodes, {d['displaced']} displaced")
    pooled: dict[str, Any] = {}
    for period, resolution in SETTINGS:
        for name in ("hotspots", "concentrated"):
            marks = [r[f"hotspots_{period}_r{resolution}"][name] for r in runs]
            n = sum(m["found"] for m in marks)
            busier = sum(round((m["at_a_busier_point"] or 0) * m["found"]) for m in marks)
            pooled[f"{name}_{period}_r{resolution}"] = {
                "found": n,
                "at_a_busier_point": round(busier / n, 4) if n else None,
            }
    rhos = [r["activity_vs_truth_spearman"] for r in runs if r["activity_vs_truth_spearman"]]
    pooled["mean_spearman"] = round(sum(rhos) / len(rhos), 4) if rhos else None
    moves = sum(r["flows"]["movements"] for r in runs)
    pooled["flows_precision"] = (
        round(sum(r["flows"]["agree"] for r in runs) / moves, 4) if moves else None
    )
    true = sum(r["flows"]["true_transitions"] for r in runs)
    pooled["flows_recall"] = (
        round(sum(r["flows"]["found"] for r in runs) / true, 4) if true else None
    )
    print(f"pooled: {pooled}")
    path = write_result("routes", {"scale": args.scale, "runs": runs, "pooled": pooled})
    print(f"results: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
