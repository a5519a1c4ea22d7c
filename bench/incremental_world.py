"""A resolved store of many synthetic person records, for the incremental-linking benchmark.

Names are drawn from pools like the scenario's (several scripts), so blocks have realistic
sizes: common given names and family names recur across thousands of records.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corridor.resolve.engines import make_engine
from corridor.resolve.features import PersonInput, person_features
from corridor.resolve.keys import index_keys
from corridor.resolve.linkage import spec_for, train
from corridor.resolve.records import feature_table
from corridor.store.duckdb import DuckDBStore
from corridor.store.records import ResolutionRun

_SYLLABLES = ("ma", "ri", "jo", "va", "no", "ka", "li", "sa", "de", "mi", "ra", "ha", "su", "be",
              "ko", "ta", "ze", "lu", "vi", "na", "da", "go", "ne", "si", "bo", "dra", "mir", "sla",
              "ah", "med", "or", "fa", "ke", "em", "re", "hri", "sto", "ge", "gi", "ba", "ja", "ru",
              "zo")  # fmt: skip
_SUFFIXES = ("vic", "ovic", "evic", "ic", "ovski", "ev", "ov", "i", "zai", "oglu", "a", "aj", "er")
_FIXED_GIVEN = ("Miroslav", "Dragan", "Mohammed", "Ahmad", "Ali", "Omar", "Yusuf", "Ana", "Jelena",
                "Fatima", "Aisha", "Mehmet", "Мирослав", "Драган", "محمد", "أحمد")  # fmt: skip


def _pool(rng: random.Random, size: int, suffixes: bool) -> list[str]:
    names: set[str] = set()
    while len(names) < size:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
        names.add((word + (rng.choice(_SUFFIXES) if suffixes else "")).capitalize())
    return sorted(names)


_POOLS = random.Random(1)
GIVEN = [*_FIXED_GIVEN, *_pool(_POOLS, 1_500, suffixes=False)]
FAMILY = _pool(_POOLS, 20_000, suffixes=True)


def _common(rng: random.Random, pool: list[str]) -> str:
    """A name drawn with a long tail: a few names are very common, most are rare."""
    return pool[int(len(pool) * rng.random() ** 3)]


def person(rng: random.Random, i: int) -> PersonInput:
    given, family = _common(rng, GIVEN), _common(rng, FAMILY)
    middle = f" {_common(rng, GIVEN)}" if rng.random() < 0.2 else ""
    return PersonInput(
        record_id=f"p{i:07d}", source=rng.choice(["GB-NCA", "RS-MUP"]),
        names=[f"{given}{middle} {family}"],
        dates_of_birth=[f"{rng.randint(1950, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"],
        nationalities=[rng.choice(["rs", "sy", "af", "iq", "tr", "mk", "al", "bg"])],
        phones=[f"+38164{rng.randint(1_000_000, 9_999_999)}"] if rng.random() < 0.5 else [],
        genders=[rng.choice(["m", "f"])],
    )  # fmt: skip


def rewrite(rng: random.Random, original: PersonInput, i: int) -> PersonInput:
    """Another agency's record of the same person: surname first in capitals."""
    words = original.names[0].split()
    return PersonInput(
        record_id=f"p{i:07d}", source="GB-NCA", names=[f"{words[-1].upper()}, {' '.join(words[:-1])}"],
        dates_of_birth=original.dates_of_birth, nationalities=original.nationalities,
        phones=original.phones if rng.random() < 0.5 else [],
    )  # fmt: skip


def build_store(
    folder: Path, n: int, seed: int = 3, sample_size: int = 20_000
) -> tuple[DuckDBStore, float]:
    """n records, a fifth of them second records of someone already there; the model is trained
    on a sample, its match rate scaled to the whole store (it falls with the number of pairs)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    inputs: list[PersonInput] = []
    for i in range(n):
        if inputs and rng.random() < 0.2:
            inputs.append(rewrite(rng, rng.choice(inputs), i))
        else:
            inputs.append(person(rng, i))
    rows = [person_features(p) for p in inputs]
    size = min(sample_size, n)
    sample = feature_table(rows[:size])
    spec = spec_for(feature_table(rows))  # blocks chosen for the whole store, as a full run would
    engine = make_engine("duckdb")
    try:
        model = train(engine, [sample], spec, "dedupe_only").misc.save_model_to_json()
    finally:
        engine.close()
    model["probability_two_random_records_match"] *= (size - 1) / max(n - 1, 1)
    model["corridor_blocks"] = [list(b) for b in spec.blocks]
    store = DuckDBStore.open(folder)
    now = datetime.now(UTC)
    run = ResolutionRun(uuid.uuid4().hex, "Person", "duckdb", now, now, 0.8, n, 0, model)
    keys = ((k, r["record_id"]) for r in rows for k in index_keys("Person", r, spec.blocks))
    store.replace_resolution(
        run,
        [(r["record_id"], r) for r in rows],
        keys,
        [],
        {r["record_id"]: r["record_id"] for r in rows},
    )
    return store, time.perf_counter() - started


def probe_records(
    store: DuckDBStore, count: int, seed: int = 11
) -> Iterator[tuple[dict[str, Any], str]]:
    """New records of people already stored: the name re-ordered and upper-cased, as another
    agency would write it, same date of birth."""
    rng = random.Random(seed)
    run = store.current_run("Person")
    assert run is not None
    for i in range(count):
        source_id = f"p{rng.randrange(run.records):07d}"
        known = store.resolved_features("Person", [source_id])[source_id]
        words = (known["name"] or "").split()
        name = f"{words[-1].upper()}, {' '.join(words[:-1])}" if len(words) > 1 else known["name"]
        record = person_features(PersonInput(
            record_id=f"new{i:05d}", source="GB-NCA", names=[name], dates_of_birth=[known["dob"] or ""],
            nationalities=known["nationality"] or [],
        ))  # fmt: skip
        yield record, source_id
