"""Crossing events from sightings against the scenario's ground truth, on several seeds.

Each seed's scenario is generated and ingested into a DuckDB store, and crossing events are
found over all its sightings (`corridor.sensors.crossings.find_crossings`, the defaults, with
the system's scope). The true events:

- each attempt (failed or final) of a true crossing (`truth/crossings.csv`) that at least one
  sighting shows is one event (the scenario makes sightings from 90 minutes before an attempt
  to 30 minutes after it; a sighting belongs to its crossing's attempt nearest in time);
- each `other_group` sighting is one event (a real group the scenario's networks do not run);
- `false_alarm` sightings are no event.

A found event matches the true event most of its sightings belong to, if they outnumber the
false alarms in it (otherwise it is a false positive); when several match one true event, the
one holding most of its sightings is right and the others are false positives (a split).
Reported per seed and pooled: precision, recall, F1; for final attempts found, the group size
error against the truth's `people` (median of |found − true| / true, and the share within
20 %); the direction (from and to country, against the scenario's crossing points) of true
crossings found; the linked detections that are the same crossing's (`truth/detections.csv`);
and the time the analysis took.

    .venv/bin/python bench/crossings.py --seeds 1 2 3 4 5 6 7 11
    .venv/bin/python bench/crossings.py --scale 5 --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from _common import write_result
from corridor.access.caller import Caller
from corridor.ingest.service import ingest_path
from corridor.model.observations import ObservationKind
from corridor.model.scope import SYSTEM_SCOPE
from corridor.scenario import build_scenario
from corridor.scenario.geography import load_geography
from corridor.sensors.crossings import CrossingEvent, find_crossings
from corridor.store.duckdb import DuckDBStore

#: A true event: ("x", crossing id, attempt number: 0 for the first) or ("o", sighting id).
TrueEvent = tuple[str, str, int]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def true_events(
    bundle: Path, seen_at: dict[str, datetime]
) -> tuple[dict[str, TrueEvent | None], dict[TrueEvent, dict[str, Any]]]:
    """Each sighting's true event (None for a false alarm), and each true event's facts."""
    crossings = {r["crossing_id"]: r for r in _rows(bundle / "truth" / "crossings.csv")}
    label: dict[str, TrueEvent | None] = {}
    facts: dict[TrueEvent, dict[str, Any]] = {}
    for r in _rows(bundle / "truth" / "sightings.csv"):
        sid = r["sighting_id"]
        if r["kind"] == "false_alarm":
            label[sid] = None
        elif r["kind"] == "other_group":
            label[sid] = ("o", sid, 0)
            facts[label[sid]] = {"final": False}  # type: ignore[index]
        else:
            c = crossings[r["crossing_id"]]
            tries = [_at(t) for t in c["failed_attempts"].split(";") if t] + [_at(c["at"])]
            k = min(range(len(tries)), key=lambda i: abs((seen_at[sid] - tries[i]).total_seconds()))
            event = ("x", c["crossing_id"], k)
            label[sid] = event
            facts[event] = {"final": k == len(tries) - 1, "people": int(c["people"]),
                            "point": c["crossing_point"]}  # fmt: skip
    return label, facts


def score(
    found: list[CrossingEvent],
    source_of: dict[str, str],
    label: dict[str, TrueEvent | None],
    facts: dict[TrueEvent, dict[str, Any]],
    detection_truth: dict[str, tuple[str, int]],
) -> dict[str, Any]:
    geo = load_geography()
    best: dict[TrueEvent, tuple[int, int]] = {}  # true event → (sightings, index of found)
    for i, e in enumerate(found):
        votes = Counter(label.get(source_of[s]) for s in e.sighting_ids)
        alarms = votes.pop(None, 0)
        if not votes:
            continue
        event, n = max(votes.items(), key=lambda kv: (kv[1], kv[0]))
        if n <= alarms:
            continue
        if event not in best or n > best[event][0]:
            best[event] = (n, i)
    right = len(best)
    precision = right / len(found) if found else 0.0
    recall = right / len(facts) if facts else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    errors, directions, decided = [], 0, 0
    linked = linked_right = 0
    for event, (_, i) in best.items():
        e, fact = found[i], facts[event]
        if fact["final"]:
            errors.append((e.people - fact["people"]) / fact["people"])
        if event[0] == "x":
            point = geo.crossings[fact["point"]]
            decided += bool(e.direction_basis)
            directions += (e.from_country, e.to_country) == (point.country_from,
                                                              point.country_to)  # fmt: skip
            for d in e.detections:
                linked += 1
                crossing, attempt = detection_truth.get(d.id, ("", -1))
                # truth: attempt 0 is the final crossing, k + 1 the k-th failed attempt
                final = attempt == 0 and fact["final"]
                linked_right += crossing == event[1] and (final or attempt == event[2] + 1)
    crossings = sum(1 for (kind, _, _), (_, _) in best.items() if kind == "x")
    return {
        "true": len(facts), "found": len(found), "right": right,
        "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
        "size_events": len(errors),
        "size_error_median": round(statistics.median(abs(x) for x in errors), 4) if errors else None,
        "size_bias_median": round(statistics.median(errors), 4) if errors else None,
        "size_within_20": round(sum(abs(x) <= 0.2 for x in errors) / len(errors), 4) if errors else None,
        "crossings_found": crossings, "direction_decided": decided, "direction_right": directions,
        "detections_linked": linked, "detections_linked_right": linked_right,
    }  # fmt: skip


def one_seed(seed: int, scale: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "world"
        build_scenario(bundle, seed=seed, scale=scale)
        store = DuckDBStore(None)
        ingest_path(store, Caller.operator(), bundle, show_progress=False)
        rows = store.analyse_observations(
            ObservationKind.SIGHTING, "SELECT id, source_id, observed_at FROM obs", [], SYSTEM_SCOPE
        )
        source_of = {str(r["id"]): str(r["source_id"]) for r in rows}
        seen_at = {str(r["source_id"]): r["observed_at"] for r in rows}
        dets = store.analyse_observations(
            ObservationKind.DETECTION, "SELECT id, source_id FROM obs", [], SYSTEM_SCOPE
        )
        truth_of = {r["detection_id"]: (r["crossing_id"], int(r["attempt"]))
                    for r in _rows(bundle / "truth" / "detections.csv")}  # fmt: skip
        detection_truth = {str(r["id"]): truth_of.get(str(r["source_id"]), ("", -1)) for r in dets}
        label, facts = true_events(bundle, seen_at)
    started = time.perf_counter()
    found = find_crossings(store, SYSTEM_SCOPE)
    seconds = time.perf_counter() - started
    store.close()
    result = score(found, source_of, label, facts, detection_truth)
    return {"seed": seed, **result, "sightings": len(rows), "seconds": round(seconds, 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6, 7, 11])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    runs = []
    for seed in args.seeds:
        r = one_seed(seed, args.scale)
        runs.append(r)
        print(f"seed {seed}: {r['true']} true, {r['found']} found, precision "
              f"{r['precision']:.3f}, recall {r['recall']:.3f}, F1 {r['f1']:.3f}; size error "
              f"median {r['size_error_median']}, within 20 % {r['size_within_20']} "
              f"({r['size_events']} final attempts); direction {r['direction_right']}/"
              f"{r['crossings_found']}; detections linked {r['detections_linked_right']}/"
              f"{r['detections_linked']} ({r['seconds']:.2f} s)")  # fmt: skip
    found = sum(r["found"] for r in runs)
    true = sum(r["true"] for r in runs)
    right = sum(r["right"] for r in runs)
    precision = right / found if found else 0.0
    recall = right / true if true else 0.0
    sized = sum(r["size_events"] for r in runs)
    pooled = {
        "precision": round(precision, 4), "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if right else 0.0,
        "size_within_20": round(sum((r["size_within_20"] or 0) * r["size_events"] for r in runs)
                                / sized, 4) if sized else None,
        "direction_right": round(sum(r["direction_right"] for r in runs)
                                 / max(1, sum(r["crossings_found"] for r in runs)), 4),
        "detections_linked_right": round(sum(r["detections_linked_right"] for r in runs)
                                         / max(1, sum(r["detections_linked"] for r in runs)), 4),
    }  # fmt: skip
    print(f"pooled: precision {pooled['precision']:.3f}, recall {pooled['recall']:.3f}, F1 "
          f"{pooled['f1']:.3f}, size within 20 % {pooled['size_within_20']}, direction right "
          f"{pooled['direction_right']}, detections linked right "
          f"{pooled['detections_linked_right']} ({found} found, {true} true)")  # fmt: skip
    path = write_result(f"crossings_scale{args.scale:g}",
                        {"scale": args.scale, "runs": runs, "pooled": pooled})  # fmt: skip
    print(f"results: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
