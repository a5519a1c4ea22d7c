"""`corridor demo`: build the scenario, ingest it, show each capability on it, then serve.

Everything here goes through the same services the CLI and API use; the demo adds only the
choice of examples (taken from the scenario's ground truth) and the printed summary.
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter, defaultdict
from contextlib import closing
from pathlib import Path

from followthemoney import model
from rich.console import Console
from rich.table import Table

from corridor.access.caller import Caller
from corridor.demo_nodes import demo_caller, run_nodes, write_private_json
from corridor.entities import service as entities
from corridor.errors import NotFound
from corridor.ingest.service import ingest_path
from corridor.ingest.table import IngestTable
from corridor.model.classification import Classification
from corridor.model.observations import ObservationKind
from corridor.model.subjects import subject_keys
from corridor.network import service as networks
from corridor.normalise.plates import normalise_plate
from corridor.resolve.records import RESOLVABLE
from corridor.resolve.service import matches, resolve_all
from corridor.resources import data_path
from corridor.scenario import build_scenario
from corridor.screen.alerts import screen_entities, visible_alerts
from corridor.screen.lists import list_digest, load_list
from corridor.screen.matching import match
from corridor.sensors import route_service
from corridor.sensors import service as sensors
from corridor.sensors.targeting import TargetList
from corridor.settings import Settings
from corridor.stats.counts import counts_table
from corridor.stats.frontex import Frontex
from corridor.store.base import Store
from corridor.store.location import open_store
from corridor.users.service import create_user

DEMO_USERS = (
    ("uk-analyst", "analyst", "GB-NCA", Classification.SECRET),
    ("rs-analyst", "analyst", "RS-MUP", Classification.SECRET),
    ("uk-sharing", "sharing_officer", "GB-NCA", Classification.OFFICIAL_SENSITIVE),
    ("auditor", "auditor", "GB-NCA", Classification.OFFICIAL),
    ("admin", "admin", "GB-NCA", Classification.OFFICIAL),
)
KEYS_FILE = "demo-keys.json"
#: The real lists shipped in data/ (data/README.md): dataset, path under data/, format.
PUBLIC_LISTS = (
    ("un_sc", "sanctions/un_consolidated_2026-02-27.xml", "un-xml"),
    ("us_ofac", "sanctions/ofac_sdn_2021", "ofac-csv"),
    ("eu_by", "sanctions/eu_belarus_32006R0765.csv", "eu-csv"),
)
#: The scenario's GB-NCA watchlist: one dataset per file, since a load replaces a dataset.
WATCHLISTS = (
    ("gb_nca_watchlist_persons", "uk/watchlist_persons"),
    ("gb_nca_watchlist_vehicles", "uk/watchlist_vehicles"),
)
#: A UN-listed migrant smuggler (Libya regime, un-LYi.022, Fitiwi Abdelrazak) as a Serbian
#: officer would write the name in Cyrillic: the example /match crosses scripts.
EXAMPLE_MATCH = "Фитиви Абделразак"


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def ensure_users(store: Store, workdir: Path) -> dict[str, str]:
    """Create the demo users once; their keys are kept in the workdir (owner-only) for reuse."""
    keys_path = workdir / KEYS_FILE
    keys: dict[str, str] = json.loads(keys_path.read_text()) if keys_path.exists() else {}
    existing = {u.name for u in store.users()}
    for name, role, agency, clearance in DEMO_USERS:
        if name in existing:
            continue
        _, key = create_user(store, demo_caller(), name, role, agency, clearance)
        keys[name] = key
    write_private_json(keys_path, keys)
    return keys


def _cross_script_example(store: Store, truth: Path) -> tuple[str, list[str]] | None:
    """A person both agencies hold, one of them in a non-Latin script: (query, record ids)."""
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _read_csv(truth / "identities.csv"):
        if row.get("schema") == "Person":
            groups[row["true_id"]].append(row)
    caller = demo_caller()
    for rows in groups.values():
        if len({r["agency"] for r in rows}) < 2:
            continue
        names: dict[str, str] = {}
        for r in rows:
            try:
                found = entities.get_entity(store, caller, r["record_id"])
            except NotFound:
                continue
            if found.get("properties", {}).get("name"):
                names[r["record_id"]] = found["properties"]["name"][0]
        latin = [n for n in names.values() if n.isascii()]
        other = [n for n in names.values() if not n.replace(" ", "").isascii()]
        if latin and any(not any("a" <= ch.lower() <= "z" for ch in n) for n in other):
            return latin[0], sorted(names)
    return None


def _load_once(
    store: Store, dataset: str, path: Path, fmt: str, mapping: Path | None = None
) -> int:
    """Load a list unless its latest version came from these very bytes (a re-run of the demo
    adds no version); the dataset's version."""
    versions = [v for v in store.list_versions() if v.name == dataset]
    if versions and versions[-1].sha256 == list_digest(path):
        return versions[-1].version
    return load_list(store, demo_caller(), path, dataset, fmt, mapping).version


def _screening(store: Store, bundle: Path, con: Console) -> dict[str, object]:
    """Load the public lists and the scenario's watchlist, screen the store, and score the
    alerts on the watchlist against the scenario's ground truth."""
    started = time.perf_counter()
    versions = {}
    for dataset, shipped, fmt in PUBLIC_LISTS:
        versions[dataset] = _load_once(store, dataset, data_path(shipped), fmt)
    for dataset, stem in WATCHLISTS:
        path, mapping = bundle / f"{stem}.csv", bundle / f"{stem}.mapping.yml"
        versions[dataset] = _load_once(store, dataset, path, "watchlist", mapping)
    raised = screen_entities(store)
    seconds = time.perf_counter() - started

    truth = bundle / "truth"
    true_id = {r["record_id"]: r["true_id"] for r in _read_csv(truth / "identities.csv")}
    entries = {r["entry_id"]: r["true_id"] for r in _read_csv(truth / "watchlist.csv")}
    records_of: dict[str, set[str]] = defaultdict(set)
    for record_id, identity in true_id.items():
        records_of[identity].add(record_id)
    known = {e for e, identity in entries.items() if records_of[identity] - {e}}
    alerts = visible_alerts(store, demo_caller())
    planted = [a for a in alerts if a.list_entity_id in entries
               and true_id.get(a.entity_id) == entries[a.list_entity_id]]  # fmt: skip
    entries_hit = {a.list_entity_id for a in planted}
    entities: dict[str, int] = defaultdict(int)
    for row in store.list_entities():
        entities[row.dataset] += 1
    by_dataset: dict[str, int] = defaultdict(int)
    for a in alerts:
        by_dataset[a.dataset] += 1
    table = Table(title=f"Screening: lists loaded and the store screened in {seconds:.1f} s")
    for col in ("dataset", "version", "entities", "alerts", "on planted watchlist entries"):
        table.add_column(col, justify="left" if col == "dataset" else "right")
    for dataset, version in versions.items():
        on_planted = sum(1 for a in planted if a.dataset == dataset)
        table.add_row(dataset, str(version), f"{entities[dataset]:,}", f"{by_dataset[dataset]:,}",
                      f"{on_planted:,}" if dataset.startswith("gb_nca") else "")  # fmt: skip
    con.print(table)
    con.print(
        f"{len(raised):,} new alert{'' if len(raised) == 1 else 's'} ({len(alerts):,} in all); "
        f"{len(planted):,} on planted "
        f"watchlist entries, hitting {len(entries_hit & known)} of the {len(known)} entries "
        "that another record describes (truth/watchlist.csv). The scenario's people are "
        "invented, so alerts on the public lists are name coincidences for an analyst to "
        "dismiss (`corridor alerts decide ID --decision false_positive`)."
    )
    example_alert = min(  # a person's alert, explained by name, if there is one
        planted,
        key=lambda a: ("name" not in a.explanation, a.entity_id, a.list_entity_id),
        default=None,
    )
    if example_alert is not None:
        why = ", ".join(f"{k} {v['score']:+.2f}" for k, v in example_alert.explanation.items())
        named = example_alert.explanation.get("name") or {}
        con.print(
            f"alert: {example_alert.entity_id} ~ {example_alert.list_entity_id} "
            f"({example_alert.dataset}), score {example_alert.score:.2f}: {why}"
            + (f" ({named['query']!r} ~ {named['candidate']!r})" if named.get("query") else "")
        )
    body = {"queries": {"q": {"schema": "Person", "properties": {"name": [EXAMPLE_MATCH]}}}}
    response = match(store, demo_caller(), "un_sc", body)
    results = response["responses"]["q"]["results"]
    example: dict[str, object] = {"query": EXAMPLE_MATCH}
    if results:
        top = results[0]
        example.update(id=top["id"], caption=top["caption"], score=top["score"],
                       match=top["match"], features=top["features"])  # fmt: skip
        features = ", ".join(f"{k} {v:+.2f}" for k, v in top["features"].items())
        named = top["explanations"].get("name") or {}
        con.print(
            f"POST /match/un_sc {EXAMPLE_MATCH!r}: {top['id']} {top['caption']!r} "
            f"({', '.join(top['datasets'])}), score {top['score']:.2f}, "
            f"match {top['match']}: {features}; name {named.get('detail')} "
            f"({named.get('query')!r} ~ {named.get('candidate')!r})"
        )
    return {
        "datasets": dict(entities),
        "versions": versions,
        "raised": len(raised),
        "alerts": len(alerts),
        "planted_alerts": len(planted),
        "entries_hit": len(entries_hit & known),
        "entries_known": len(known),
        "match": example,
    }


def _networks(db: Store, caller: Caller, con: Console) -> dict[str, object]:
    """The scenario's networks as the demo's user sees them: communities, roles, top targets."""
    built = networks.build(db, caller)
    ranked = networks.rank(db, caller, limit=5)
    roles = {g.entity_id: g.role for g in networks.roles(db, caller)}
    by_role: dict[str, int] = defaultdict(int)
    for role in roles.values():
        by_role[role] += 1
    con.print(
        f"{built['people']:,} people, {built['people_links']:,} links between them, in "
        f"[bold]{built['communities']:,}[/bold] communities (Leiden); roles inferred from "
        "behaviour and stated roles: " + ", ".join(f"{r} {n}" for r, n in sorted(by_role.items()))
    )
    table = Table(title="Whom to take out first (`corridor network rank`)")
    for col in ("entity", "name", "score", "community", "role"):
        table.add_column(col, justify="right" if col in ("score", "community") else "left")
    for r in ranked:
        table.add_row(r.entity_id, r.label, f"{r.score:.4f}", str(r.community),
                      roles.get(r.entity_id, ""))  # fmt: skip
    con.print(table)
    return {
        "people": built["people"],
        "communities": built["communities"],
        "roles": dict(sorted(by_role.items())),
        "top": [r.entity_id for r in ranked],
    }


def _convoys(db: Store, caller: Caller, con: Console) -> dict[str, object]:
    """Vehicles the ANPR cameras saw travelling together (`corridor anpr convoys`)."""
    found = sensors.convoys(db, caller)
    table = Table(title=f"Convoys on the route (`corridor anpr convoys`): {len(found):,}")
    for col in ("convoy", "plates", "first seen", "cameras"):
        table.add_column(col)
    for c in found[:3]:
        table.add_row(c.convoy_id, " ".join(c.plates), c.first_seen.isoformat(), str(c.cameras))
    con.print(table)
    return {"convoys": len(found), "first": found[0].plates if found else []}


def _routes(db: Store, caller: Caller, con: Console) -> dict[str, object]:
    """Crossings from sightings, where activity gathers, shuttles and cloned plates, and a
    targeting list with its reasons (`corridor routes ...`, `corridor anpr ...`,
    `corridor targeting list`)."""
    crossings = route_service.crossings(db, caller)
    table = Table(title=f"Crossings seen by drones, cameras and thermal sensors "
                  f"(`corridor routes crossings`): {len(crossings):,}")  # fmt: skip
    for col in ("crossing", "at", "point", "people", "way", "sightings"):
        table.add_column(col)
    for c in sorted(crossings, key=lambda c: -c.people)[:3]:
        table.add_row(c.crossing_id, c.at.isoformat(), c.crossing_point, str(c.people),
                      f"{c.from_country}→{c.to_country}", str(len(c.sighting_ids)))  # fmt: skip
    con.print(table)
    spots = route_service.hotspots(db, caller, period="month")
    busiest = Counter[str]()
    for cell in spots.concentrated:
        busiest[cell.cell] += cell.events
    top = busiest.most_common(1)[0][0] if busiest else "-"
    con.print(f"Hotspots (`corridor routes hotspots`): {len(spots.cells):,} cell-months with "
              f"activity, {len(spots.hotspots):,} bursts, {len(spots.concentrated):,} "
              f"concentrations, busiest cell {top}")  # fmt: skip
    shuttles, runs = sensors.shuttles(db, caller, limit=3)
    _, cloned = sensors.clones(db, caller, limit=3)
    con.print(f"Shuttle runs (`corridor anpr shuttles`): {runs:,} plates, most unusual "
              f"{', '.join(s.plate for s in shuttles)}; cloned plates (`corridor anpr clones`): "
              f"{cloned:,}")  # fmt: skip
    # Targeting at a crossing point just before a scan there found something (people first):
    # the list an officer would have had then (the scan itself is after it, so not in it).
    found_at = db.analyse_observations(ObservationKind.SCAN, _FINDS, [], caller.scope)
    chosen: tuple[TargetList, int] | None = None
    for row in found_at[:20]:  # the latest list with a reason in it, else the latest at all
        listed, expected = sensors.targeting(db, caller, str(row["place"]),
                                             row["observed_at"], top=5)  # fmt: skip
        if listed.targets and (chosen is None or not any(t.reasons for t in chosen[0].targets)):
            chosen = (listed, expected)
        if chosen is not None and any(t.reasons for t in chosen[0].targets):
            break
    shown: dict[str, object] = {}
    if chosen is not None:
        listed, expected = chosen
        table = Table(title=f"Vehicles to scan at {listed.crossing} around {listed.at.isoformat()}"
                      f" (`corridor targeting list`): {expected} expected")  # fmt: skip
        for col in ("plate", "score", "why"):
            table.add_column(col)
        for t in listed.targets:
            why = "; ".join(f"{r.code}: {r.evidence}" for r in t.reasons) or "-"
            table.add_row(t.plate, f"{t.score:.3f}", why)
        con.print(table)
        shown = {"crossing": listed.crossing, "at": listed.at.isoformat(),
                 "plates": [t.plate for t in listed.targets],
                 "reasons": [[r.code for r in t.reasons] for t in listed.targets]}  # fmt: skip
    return {"crossings": len(crossings), "hotspots": len(spots.hotspots),
            "concentrated": len(spots.concentrated), "shuttles": runs, "clones": cloned,
            "targeting": shown}  # fmt: skip


#: Scans that found something, people first, latest first.
_FINDS = """
SELECT place, observed_at FROM obs WHERE result <> 'clear' AND place IS NOT NULL
ORDER BY CASE WHEN result = 'people' THEN 0 ELSE 1 END, observed_at DESC
"""


def run_demo(
    workdir: Path,
    seed: int = 7,
    scale: float = 1.0,
    console: Console | None = None,
    node_ports: tuple[int, int] = (8001, 8002),
    keep_nodes: bool = False,
    store: str | None = None,
) -> dict[str, object]:
    """Build, ingest and exercise everything; return the figures it printed (for tests).
    The demo's store is `store` (a location, see `corridor.store.location`), by default the one
    in `workdir`. The two agency nodes serve on `node_ports` (left running when `keep_nodes`)."""
    con = console or Console()
    workdir.mkdir(parents=True, exist_ok=True)
    bundle = workdir / f"scenario-seed{seed}-scale{scale:g}"
    started = time.perf_counter()
    if not (bundle / "manifest.json").exists():
        con.print(
            f"[bold]1. Building the Western Balkans scenario[/bold] (seed {seed}, scale {scale:g})"
        )
        build_scenario(bundle, seed=seed, scale=scale)
    else:
        con.print(f"[bold]1. Scenario already built[/bold] in {bundle.name}")

    store = store if store is not None else Settings().store
    db = open_store(store, workdir)
    summary: dict[str, object] = {}
    try:
        con.print("[bold]2. Ingesting both agencies' records, reports and sensor feeds[/bold]")
        table = IngestTable(seconds=False)
        caller = demo_caller()
        ingest_path(db, caller, bundle, on_file=table.add)
        con.print(table.table)

        counts = db.counts(caller.scope)
        summary["counts"] = {
            c.agency: (c.entities, c.statements, c.observations_total) for c in counts
        }
        con.print(counts_table(counts))

        con.print("[bold]3. Search across scripts and spellings[/bold]")
        example = _cross_script_example(db, bundle / "truth")
        if example is not None:
            query, ids = example
            hits = entities.search(db, caller, query, "Person", 10)
            found = sorted({h.hit.entity_id for h in hits} & set(ids))
            summary["search"] = {"query": query, "expected": ids, "found": found}
            results = Table(
                title=f"search {query!r}: {len(found)} of {len(ids)} records of this person"
            )
            for col in ("record", "agency", "names"):
                results.add_column(col)
            for h in hits:
                results.add_row(h.hit.entity_id, ", ".join(h.agencies), "; ".join(h.hit.names))
            con.print(results)

        con.print("[bold]4. A smuggling vehicle's trail in the sensor data[/bold]")
        vehicles = [
            v for v in _read_csv(bundle / "truth" / "vehicles.csv") if v.get("smuggling") == "true"
        ]
        plates = {normalise_plate(v.get("plate") or "") for v in vehicles}
        with closing(entities.export_entities(db, caller, "Vehicle")) as vehicles_held:
            vehicle = next(
                (r for r in vehicles_held if set(subject_keys(r.entity).plates) & plates), None
            )
        if vehicle is not None:
            keys, rows = entities.entity_observations(db, caller, vehicle.id, limit=100_000)
            by_kind: dict[str, int] = defaultdict(int)
            for row in rows:
                by_kind[row["kind"]] += 1
            summary["trail"] = {"entity": vehicle.id, "plates": keys.plates, **by_kind}
            trail = ", ".join(f"{n:,} {k}" for k, n in sorted(by_kind.items()))
            con.print(
                f"vehicle {vehicle.id} ({vehicle.entity.caption}), plate keys "
                f"{', '.join(keys.plates)}: {trail} (GET /entities/{vehicle.id}/observations)"
            )

        con.print("[bold]5. Real Frontex detections[/bold]")
        fx = Frontex().summary("Western Balkan Route", 2024)
        summary["frontex_total"] = fx.total
        top = ", ".join(f"{n.name} {n.detections:,}" for n in fx.by_nationality[:5])
        con.print(f"Western Balkan Route 2024: [bold]{fx.total:,}[/bold] detections; top: {top}")

        con.print("[bold]6. Entity resolution across agencies and scripts[/bold]")
        resolved = Table()
        for col in ("kind", "records", "pairs scored", "entities", "with records from both"):
            resolved.add_column(col, justify="left" if col == "kind" else "right")
        for kind in RESOLVABLE:
            run = resolve_all(db, caller, kind)
            clusters = db.all_clusters(kind)
            members: dict[str, set[str]] = defaultdict(set)
            for record_id in clusters:
                members[clusters[record_id]].add(record_id)
            features = db.resolved_features(kind, list(clusters))
            sources = {r: set(str(f["source"]).split(",")) for r, f in features.items()}
            both = sum(
                1 for ms in members.values() if len(set().union(*(sources[m] for m in ms))) > 1
            )
            resolved.add_row(
                kind, f"{run.records:,}", f"{run.pairs:,}", f"{run.clusters:,}", f"{both:,}"
            )
            summary[f"resolved_{kind}"] = {
                "records": run.records,
                "entities": run.clusters,
                "both": both,
            }
        con.print(resolved)
        if example is not None:
            query, ids = example
            explained = matches(db, caller, ids[0], limit=5)
            for m in explained["matches"][:2]:
                fields = ", ".join(
                    f"{f['field']} {f['level']} ({f['weight']:+.1f})"
                    for f in m["explanation"]["fields"] if f["weight"]
                )  # fmt: skip
                con.print(f"{ids[0]} ~ {m['id']}: probability {m['probability']:.3f}: {fields}")

        con.print("[bold]7. Networks: who works with whom, in what role, whom to take out first")
        summary["networks"] = _networks(db, caller, con)

        summary["convoys"] = _convoys(db, caller, con)
        summary["routes"] = _routes(db, caller, con)

        con.print("[bold]8. Screening against sanctions lists and the GB-NCA watchlist[/bold]")
        summary["screening"] = _screening(db, bundle, con)

        con.print("[bold]9. FollowTheMoney export[/bold]")
        exported = 0
        for record in entities.export_entities(db, caller):
            model.get_proxy(record.to_ftm_dict())  # raises if FtM's model refuses it
            exported += 1
        summary["exported"] = exported
        con.print(f"{exported:,} entities export as valid FollowTheMoney (`corridor entities`)")

        api_keys = ensure_users(db, workdir)
        summary["users"] = sorted(api_keys)
        con.print(
            f"[bold]10. Users[/bold]: {', '.join(sorted(api_keys))} "
            f"(API keys in {workdir / KEYS_FILE})"
        )
    finally:
        db.close()
    con.print("[bold]11. Two nodes: RS-MUP and GB-NCA share under their agreement[/bold]")
    summary["nodes"] = run_nodes(
        workdir, bundle, con, node_ports, keep_serving=keep_nodes, store=store
    )
    con.print(f"Demo built in {time.perf_counter() - started:.1f} s")
    return summary
