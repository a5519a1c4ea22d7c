"""Build the Western Balkans scenario bundle: agencies' files, sensor feeds, manifest, truth."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from corridor.scenario.agencies import AGENCY_FOLDER, Table, record_agencies
from corridor.scenario.geography import load_geography
from corridor.scenario.handling import GB_NCA, RS_MUP
from corridor.scenario.reports import build_reports
from corridor.scenario.sensors import (
    ANPR_TRUTH_COLUMNS,
    DETECTION_COLUMNS,
    build_detections,
    build_scans,
    build_sightings,
    provenance,
    write_anpr,
)
from corridor.scenario.truth import CLONE_COLUMNS, clones, write_world_truth
from corridor.scenario.vehicles import plan_clones
from corridor.scenario.watchlist import build_watchlist
from corridor.scenario.world import build_world
from corridor.scenario.writer import (
    write_csv,
    write_json,
    write_json_items,
    write_rows,
    write_xlsx,
    write_yaml,
)

Progress = Callable[[str, int], None]
AGENCIES = (GB_NCA, RS_MUP)


def _write_table(out: Path, folder: str, table: Table) -> tuple[dict[str, Any], int]:
    data = f"{folder}/{table.name}.{table.fmt}"
    mapping = f"{folder}/{table.name}.mapping.yml"
    if table.fmt == "xlsx":
        n = write_xlsx(out / data, table.sheet or table.name, table.columns, table.rows)
    else:
        n = write_csv(out / data, table.columns, table.rows)
    write_yaml(out / mapping, table.mapping)
    agency = table.mapping["provenance"]["agency"]
    entry = {"path": data, "kind": "tabular", "mapping": mapping,
             "provenance": {"agency": agency}}  # fmt: skip
    return entry, n


def build_scenario(
    out: Path, seed: int = 7, scale: float = 1.0, progress: Progress | None = None
) -> dict[str, int]:
    """Write the scenario bundle to `out` and return counts of what was written (by file/kind).

    The same seed and scale give byte-identical files. Keys are bundle-relative file paths
    (rows or items written) and `world.*` totals of the ground truth.
    """
    if not scale > 0:
        raise ValueError("scale must be a positive number")
    scale = float(scale)  # 1 and 1.0 seed the same world (the seed strings include the scale)

    def step(stage: str, n: int) -> None:
        if progress is not None:
            progress(stage, n)

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(load_geography(), seed, scale)
    step("world", len(world.people))
    views = record_agencies(world)
    watchlist = build_watchlist(world)
    report_sets = {a: build_reports(world, views[a]) for a in AGENCIES}
    step("records", sum(len(t.rows) for v in views.values() for t in v.tables))

    counts: dict[str, int] = {}
    files: list[dict[str, Any]] = []
    for agency in AGENCIES:
        for table in views[agency].tables:
            entry, n = _write_table(out, AGENCY_FOLDER[agency], table)
            files.append(entry)
            counts[entry["path"]] = n
    for table in watchlist.tables:
        entry, n = _write_table(out, AGENCY_FOLDER[GB_NCA], table)
        files.append(entry)
        counts[entry["path"]] = n
    for agency in AGENCIES:
        path = f"{AGENCY_FOLDER[agency]}/reports.json"
        write_json(out / path, {"reports": report_sets[agency].reports})
        files.append({"path": path, "kind": "report", "provenance": {"agency": agency}})
        counts[path] = len(report_sets[agency].reports)
    step("tabular", sum(counts.values()))

    truth = out / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    cloned = plan_clones(world)  # its own generator: nothing else changes with it
    with (truth / "anpr_runs.csv").open("w", encoding="utf-8", newline="") as tf:
        tf.write(",".join(ANPR_TRUTH_COLUMNS) + "\n")
        for agency in (RS_MUP, GB_NCA):
            path = f"{AGENCY_FOLDER[agency]}/anpr.csv"
            with (out / path).open("w", encoding="utf-8", newline="") as f:
                counts[path] = write_anpr(world, agency, f, tf, progress, cloned)
            files.append({"path": path, "kind": "anpr", "provenance": provenance(agency, "anpr")})
    counts["truth/anpr_runs.csv"] = sum(v for k, v in counts.items() if k.endswith("/anpr.csv"))
    counts["truth/clones.csv"] = write_rows(truth / "clones.csv", CLONE_COLUMNS, clones(cloned))
    step("anpr", counts["truth/anpr_runs.csv"])

    sighting_truth: list[list[str]] = []
    scan_truth: list[list[str]] = []
    detection_truth: list[list[str]] = []
    for agency in (RS_MUP, GB_NCA):
        folder = AGENCY_FOLDER[agency]
        features, s_truth = build_sightings(world, agency)
        prov = provenance(agency, "sightings")
        path = f"{folder}/sightings.geojson"
        counts[path] = write_json_items(
            out / path, {"type": "FeatureCollection", "provenance": prov}, "features", features
        )
        files.append({"path": path, "kind": "sightings", "provenance": prov})
        sighting_truth.extend(s_truth)

        scans, c_truth = build_scans(world, agency)
        prov = provenance(agency, "scans")
        path = f"{folder}/scans.json"
        counts[path] = write_json_items(out / path, {"provenance": prov}, "scans", scans)
        files.append({"path": path, "kind": "scans", "provenance": prov})
        scan_truth.extend(c_truth)

        path = f"{folder}/detections.csv"
        rows: list[list[str]] = []
        for row, d_truth in build_detections(world, agency):
            rows.append(row)
            detection_truth.append(d_truth)
        counts[path] = write_rows(out / path, DETECTION_COLUMNS, rows)
        files.append({"path": path, "kind": "detections",
                      "provenance": provenance(agency, "detections")})  # fmt: skip
    step("sensors", sum(counts.values()))

    counts.update(write_world_truth(truth, world, list(views.values()),
                                    list(report_sets.values()), watchlist))  # fmt: skip
    counts["truth/sightings.csv"] = write_rows(
        truth / "sightings.csv", ("sighting_id", "crossing_id", "group_id", "kind"),
        sighting_truth)  # fmt: skip
    counts["truth/scans.csv"] = write_rows(
        truth / "scans.csv", ("scan_id", "vehicle_id", "hit", "concealed", "quantity",
                              "result_correct", "crossing_id"), scan_truth)  # fmt: skip
    counts["truth/detections.csv"] = write_rows(
        truth / "detections.csv", ("detection_id", "crossing_id", "group_id", "attempt"),
        detection_truth)  # fmt: skip

    write_json(out / "manifest.json", {"name": "western-balkans", "seed": seed, "scale": scale,
                                       "files": files})  # fmt: skip
    step("manifest", len(files))
    counts["world.networks"] = len(world.networks)
    counts["world.people"] = len(world.people)
    counts["world.members"] = sum(len(n.members) for n in world.networks)
    counts["world.groups"] = len(world.groups)
    counts["world.crossings"] = len(world.crossings)
    counts["world.vehicles"] = len(world.vehicles)
    counts["world.background_vehicles"] = len(world.background)
    return counts
