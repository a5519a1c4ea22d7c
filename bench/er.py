"""Entity resolution benchmark: Corridor against plain Splink, in the same run.

(a) The Western Balkans scenario's two agencies (ground truth from the generator): pairwise
    precision, recall and F1, cross-script pairs reported separately, cluster-level B-cubed
    scores, wall time.
(b) Person tables Corridor's generator did not make, through `corridor link`, each beside plain
    Splink in the same run: FEBRL 1, 2, 3 (deduplication) and 4 (linkage), and Faker-made
    registers with errors (see `er_tables.py`). Median time of `--repeats` alternating runs.
(c) Incremental: one new person record linked against 1,000,000 stored person records.

Plain Splink is given the same records as written (names, dates of birth, nationality, phones),
with a straightforward configuration: Splink's own name, date and exact comparisons, blocking
on name and date of birth, u by random sampling and EM.

Run: `make bench` or `.venv/bin/python bench/er.py [--scale 1] [--stored 1000000]`.
"""

from __future__ import annotations

import argparse
import csv
import logging
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result
from corridor.access.caller import Caller
from corridor.ingest.service import ingest_path
from corridor.model.scope import SYSTEM_SCOPE
from corridor.resolve import service
from corridor.resolve.clusters import cluster
from corridor.scenario import build_scenario
from corridor.store.duckdb import DuckDBStore
from er_tables import fix_hash_seed, pairs_of, prf

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "er"
Pairs = set[tuple[str, str]]


def bcubed(found: dict[str, str], truth: dict[str, str]) -> dict[str, float]:
    """B-cubed precision and recall: per record, how much of its cluster is right."""
    by_found: dict[str, set[str]] = defaultdict(set)
    by_true: dict[str, set[str]] = defaultdict(set)
    for r, c in found.items():
        by_found[c].add(r)
        by_true[truth[r]].add(r)
    p = statistics.fmean(
        len(by_found[found[r]] & by_true[truth[r]]) / len(by_found[found[r]]) for r in found
    )
    rc = statistics.fmean(
        len(by_found[found[r]] & by_true[truth[r]]) / len(by_true[truth[r]]) for r in found
    )
    return {"precision": round(p, 4), "recall": round(rc, 4), "f1": round(2 * p * rc / (p + rc), 4)}


def groups_of(mapping: dict[str, str]) -> list[set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for record, cluster_id in mapping.items():
        out[cluster_id].add(record)
    return list(out.values())


# --- (a) the scenario -------------------------------------------------------------------------


def plain_splink_scenario(store: DuckDBStore, threshold: float) -> tuple[dict[str, str], float]:
    """Plain Splink on the records as the agencies wrote them."""
    rows = []
    for record in store.iter_entities(SYSTEM_SCOPE, ["Person"]):
        e = record.entity
        name = (e.get("name") or [""])[0]
        parts = name.replace(",", " ").split()
        rows.append({
            "unique_id": record.id, "name": name.lower() or None,
            "first_name": parts[0].lower() if parts else None, "surname": parts[-1].lower() if parts else None,
            "dob": (e.get("birthDate") or [None])[0], "nationality": (e.get("nationality") or [None])[0],
            "phone": (e.get("phone") or [None])[0],
        })  # fmt: skip
    started = time.perf_counter()
    con = duckdb.connect()
    import pyarrow as pa

    db = DuckDBAPI(connection=con)
    table = db.register(pa.Table.from_pylist(rows), dataset_display_name="persons")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.ExactMatch("dob"),
            cl.ExactMatch("nationality"),
            cl.ExactMatch("phone"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("surname"),
            block_on("first_name"),
            block_on("dob"),
        ],
    )
    linker = Linker(table, settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("surname"), block_on("dob")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception as exc:  # plain Splink on small data: EM may not run at all
            print(f"  plain Splink EM on {rule} failed: {exc}", file=sys.stderr)
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    scored = con.sql(
        f"SELECT unique_id_l, unique_id_r, match_probability FROM {predictions.physical_name}"
    ).fetchall()
    clusters = cluster([r["unique_id"] for r in rows], scored, threshold)
    return clusters, time.perf_counter() - started


def scenario(scale: float, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "world"
        build_scenario(bundle, seed=seed, scale=scale)
        store = DuckDBStore(None)
        ingest_path(store, Caller.operator(), bundle, show_progress=False)
        with (bundle / "truth" / "identities.csv").open(encoding="utf-8") as f:
            identities = list(csv.DictReader(f))
    truth = {r["record_id"]: r["true_id"] for r in identities if r["schema"] == "Person"}
    started = time.perf_counter()
    summary = service.resolve_all(store, Caller.operator(), "Person")
    corridor_seconds = time.perf_counter() - started
    found = store.all_clusters("Person")
    plain, plain_seconds = plain_splink_scenario(store, service.DEFAULT_THRESHOLD)

    names = {}
    for record in store.iter_entities(SYSTEM_SCOPE, ["Person"]):
        names[record.id] = (record.entity.get("name") or [""])[0]
    expected = pairs_of(groups_of({r: truth[r] for r in found}))

    def latin(record: str) -> bool:
        """Written in Latin letters (diacritics included): Lukić is Latin, Лукић is not."""
        return all(
            unicodedata.name(ch, "").startswith("LATIN") for ch in names[record] if ch.isalpha()
        )

    cross = {(a, b) for a, b in expected if latin(a) != latin(b)}
    result: dict[str, Any] = {
        "records": summary.records,
        "true_pairs": len(expected),
        "cross_script_pairs": len(cross),
    }
    for label, clusters, seconds in (
        ("corridor", found, corridor_seconds),
        ("plain_splink", plain, plain_seconds),
    ):
        predicted = pairs_of(groups_of(clusters))
        cross_predicted = {(a, b) for a, b in predicted if latin(a) != latin(b)}
        result[label] = {
            "pairwise": prf(predicted, expected),
            "cross_script": prf(cross_predicted, cross),
            "bcubed": bcubed(clusters, truth),
            "seconds": round(seconds, 2),
        }
    result["organisations"] = organisations(store, identities)
    return result


def organisations(store: DuckDBStore, identities: list[dict[str, str]]) -> dict[str, Any]:
    """Organisation records (companies and the networks themselves) resolved like people: pairs
    of one true firm (or network), all of them and those across the two agencies."""
    truth = {r["record_id"]: r["true_id"] for r in identities
             if r["schema"] in ("Organization", "Company")}  # fmt: skip
    schema = {r["record_id"]: r["schema"] for r in identities}
    started = time.perf_counter()
    summary = service.resolve_all(store, Caller.operator(), "Organization")
    seconds = time.perf_counter() - started
    found = store.all_clusters("Organization")
    predicted = pairs_of(groups_of(found))
    expected = pairs_of(groups_of({r: truth[r] for r in found}))

    def across(pairs: Pairs) -> Pairs:
        return {(a, b) for a, b in pairs if a[:6] != b[:6]}  # gb-nca-… and rs-mup-…

    def companies(pairs: Pairs) -> Pairs:
        return {(a, b) for a, b in pairs if schema.get(a) == schema.get(b) == "Company"}

    return {
        "records": summary.records,
        "pairs_scored": summary.pairs,
        "true_pairs": len(expected),
        "cross_agency_pairs": len(across(expected)),
        "company_pairs": len(companies(expected)),
        "pairwise": prf(predicted, expected),
        "cross_agency": prf(across(predicted), across(expected)),
        "companies": prf(companies(predicted), companies(expected)),
        "companies_cross_agency": prf(companies(across(predicted)), companies(across(expected))),
        "seconds": round(seconds, 2),
    }


# --- (b) person tables through `corridor link` ------------------------------------------------


def tables(repeats: int, faker: bool) -> dict[str, Any]:
    """FEBRL 1 to 4 and Faker-made registers, each beside plain Splink in the same run."""
    from er_tables import compare, faker_table, febrl_tables

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        found = febrl_tables(Path(tmp))
        if faker:
            for seed, people, copies in FAKER_TABLES:
                found.append(faker_table(Path(tmp), seed, people, copies))
        for table in found:
            out[table.name] = compare(table, repeats)
    return out


#: (seed, people, records per person): a small register, a middling one, and one shaped like a
#: historical register (about nine records per person, many sharing a name).
FAKER_TABLES = ((1, 1000, 3.0), (2, 5000, 3.0), (3, 5000, 9.0), (5, 600, 0.7))


# --- (c) incremental --------------------------------------------------------------------------


def incremental(stored: int, probes: int = 200) -> dict[str, Any]:
    from incremental_world import build_store, probe_records

    with tempfile.TemporaryDirectory() as tmp:
        store, build_seconds = build_store(Path(tmp), stored)
        latencies = []
        joined = 0
        for record, source_id in probe_records(store, probes):
            started = time.perf_counter()
            pairs = service.link_records(store, "Person", [record])
            latencies.append((time.perf_counter() - started) * 1000)
            joined += any(
                source_id in (p.left_id, p.right_id) and p.probability >= service.DEFAULT_THRESHOLD
                for p in pairs
            )
        store.close()
    return {
        "stored_records": stored,
        "probes": probes,
        "median_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(sorted(latencies)[int(0.95 * len(latencies)) - 1], 2),
        "linked_to_their_source": joined,
        "store_build_seconds": round(build_seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-faker", action="store_true", help="FEBRL tables only")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["scenario", "tables", "incremental"]
    )
    args = parser.parse_args()
    fix_hash_seed()
    results: dict[str, Any] = {}
    if "scenario" not in args.skip:
        results["scenario"] = scenario(args.scale, args.seed)
        s = results["scenario"]
        print(f"(a) scenario, seed {args.seed}, scale {args.scale:g}: {s['records']} person records, "
              f"{s['true_pairs']} true pairs ({s['cross_script_pairs']} cross-script)")  # fmt: skip
        for label in ("corridor", "plain_splink"):
            r = s[label]
            print(f"  {label:13} pairwise F1 {r['pairwise']['f1']:.4f} (P {r['pairwise']['precision']:.4f}, "
                  f"R {r['pairwise']['recall']:.4f}); cross-script F1 {r['cross_script']['f1']:.4f}; "
                  f"B-cubed F1 {r['bcubed']['f1']:.4f}; {r['seconds']:.1f} s")  # fmt: skip
        o = s["organisations"]
        print(f"  organisations: {o['records']} records, {o['pairs_scored']} pairs scored, "
              f"{o['true_pairs']} true pairs ({o['cross_agency_pairs']} across agencies, "
              f"{o['company_pairs']} of companies)")  # fmt: skip
        for label in ("pairwise", "cross_agency", "companies", "companies_cross_agency"):
            r = o[label]
            print(f"  {label:22} F1 {r['f1']:.4f} (P {r['precision']:.4f}, R {r['recall']:.4f})")
    if "tables" not in args.skip:
        results["tables"] = tables(args.repeats, not args.no_faker)
        print("(b) person tables: corridor link against plain Splink, same run")
        for name, t in results["tables"].items():
            c, p = t["corridor_link"], t["plain_splink"]
            print(f"  {name}: {t['records']:,} records, {t['true_pairs']:,} true pairs\n"
                  f"    corridor link F1 {c['f1']:.4f} (P {c['precision']:.4f}, R {c['recall']:.4f}) {c['seconds']:.2f} s\n"
                  f"    plain Splink  F1 {p['f1']:.4f} (P {p['precision']:.4f}, R {p['recall']:.4f}) {p['seconds']:.2f} s\n"
                  f"    time ratio {t['time_ratio']:.2f}")  # fmt: skip
    if "incremental" not in args.skip:
        results["incremental"] = incremental(args.stored)
        i = results["incremental"]
        print(f"(c) incremental: one record against {i['stored_records']:,} stored: median {i['median_ms']:.1f} ms, "
              f"p95 {i['p95_ms']:.1f} ms; {i['linked_to_their_source']}/{i['probes']} linked to their source")  # fmt: skip
    print(f"results: {write_result('er', results)}")


if __name__ == "__main__":
    main()
