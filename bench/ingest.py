"""Ingest throughput and peak memory: 1M ANPR reads and 100k entity statements.

Each is measured against the peer a user would otherwise pick, in the same run:
- ANPR: DuckDB's own `read_csv` into a table (no validation, no provenance, no deduplication);
- entities: FollowTheMoney's mapping engine turning the same CSV into FtM statements written to
  DuckDB through Arrow (no per-value error reporting, no grading or handling).

Run: `make bench` or `.venv/bin/python bench/ingest.py [--rows 1000000] [--people 10000]`.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OUT, measure, write_result

STEPS = Path(__file__).resolve().parent / "steps"

MAPPING = """
provenance:
  agency: GB-NCA
  grading: 2BC
  action_code: A1
  sanitisation_code: S2
  classification: OFFICIAL-SENSITIVE
  person_category: suspect
  source_ref: {column: record_id}
entities:
  person:
    schema: Person
    id_column: record_id
    properties:
      name: {column: name}
      firstName: {column: first}
      lastName: {column: last}
      birthDate: {column: dob}
      nationality: {column: nationality}
      phone: {column: phone}
      passportNumber: {column: passport}
      gender: {column: gender}
      birthPlace: {column: birth_place}
      notes: {column: notes}
"""


def make_anpr(path: Path, rows: int) -> None:
    cities = ["BG", "NS", "NI", "SU", "KG", "ČA", "ŠA"]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "read_id",
                "vrm",
                "country",
                "read_at",
                "camera_id",
                "site_id",
                "lat",
                "lon",
                "lane",
                "direction",
                "confidence",
            ]
        )
        for i in range(rows):
            w.writerow([
                f"r{i}", f"{cities[i % 7]} {i % 997:03d}-{chr(65 + i % 26)}{chr(65 + (i // 26) % 26)}", "RS",
                f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}Z",
                f"CAM{i % 40}", f"A1-{i % 40}", f"{42.5 + (i % 2000) / 1000:.5f}", f"{20.0 + (i % 1500) / 1000:.5f}",
                str(1 + i % 3), "N" if i % 2 else "S", f"{0.7 + (i % 30) / 100:.2f}",
            ])  # fmt: skip


def make_people(path: Path, people: int) -> None:
    firsts = ["Miroslav", "Ahmad", "Mohammed", "Jovana", "Omar", "Dragan", "Fatima", "Nikola"]
    lasts = ["Jovanović", "Rahimi", "al-Hassan", "Petrović", "Karimi", "Ilić", "Haddad", "Nikolić"]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "record_id",
                "name",
                "first",
                "last",
                "dob",
                "nationality",
                "phone",
                "passport",
                "gender",
                "birth_place",
                "notes",
            ]
        )
        for i in range(people):
            first, last = firsts[i % 8], lasts[(i // 8) % 8]
            w.writerow([
                f"p{i}", f"{first} {last} {i}", first, f"{last}{i}", f"19{60 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                ["rs", "af", "sy", "iq", "mk"][i % 5], f"+38164{1000000 + i}", f"P{i:08d}", ["male", "female"][i % 2],
                ["Beograd", "Kabul", "Aleppo", "Mosul"][i % 4], f"record {i} of the benchmark",
            ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args()
    data = OUT / "data"
    data.mkdir(parents=True, exist_ok=True)
    anpr = data / f"anpr_{args.rows}.csv"
    if not anpr.exists():
        make_anpr(anpr, args.rows)
    people = data / f"people_{args.people}.csv"
    if not people.exists():
        make_people(people, args.people)
    mapping = data / "people.yml"
    mapping.write_text(MAPPING, encoding="utf-8")

    results = {}
    for name, script, inputs in [
        ("anpr_corridor", "ingest_anpr_corridor.py", [str(anpr)]),
        ("anpr_duckdb_read_csv", "ingest_anpr_duckdb.py", [str(anpr)]),
        ("entities_corridor", "ingest_people_corridor.py", [str(people), str(mapping)]),
        ("entities_ftm_mapping", "ingest_people_ftm.py", [str(people), str(mapping)]),
    ]:
        work = OUT / "work" / name
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        results[name] = measure(STEPS / script, str(work), *inputs)
    results["anpr_rows"] = args.rows
    results["entity_statements"] = args.people * 10
    anpr_c, anpr_p = results["anpr_corridor"], results["anpr_duckdb_read_csv"]
    ent_c, ent_p = results["entities_corridor"], results["entities_ftm_mapping"]
    lines = [
        f"ANPR reads: {args.rows:,}",
        f"  Corridor ingest        {anpr_c['seconds']:7.2f} s  {args.rows / anpr_c['seconds']:>10,.0f} rows/s  peak {anpr_c['max_rss_mb']:6.0f} MB",
        f"  DuckDB read_csv (peer) {anpr_p['seconds']:7.2f} s  {args.rows / anpr_p['seconds']:>10,.0f} rows/s  peak {anpr_p['max_rss_mb']:6.0f} MB",
        f"  ratio Corridor/peer time {anpr_c['seconds'] / anpr_p['seconds']:.2f}x",
        f"Entity statements: {args.people * 10:,} ({args.people:,} people x 10 properties)",
        f"  Corridor ingest          {ent_c['seconds']:7.2f} s  {args.people * 10 / ent_c['seconds']:>10,.0f} stmts/s  peak {ent_c['max_rss_mb']:6.0f} MB",
        f"  FtM mapping (peer)       {ent_p['seconds']:7.2f} s  {args.people * 10 / ent_p['seconds']:>10,.0f} stmts/s  peak {ent_p['max_rss_mb']:6.0f} MB",
        f"  ratio Corridor/peer time {ent_c['seconds'] / ent_p['seconds']:.2f}x",
    ]  # fmt: skip
    print("\n".join(lines))
    print(f"results: {write_result('ingest', results)}")


if __name__ == "__main__":
    main()
