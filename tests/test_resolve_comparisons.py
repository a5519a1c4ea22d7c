"""Each comparison says the same in Python as in Splink's SQL, and the Python scorer gives the
same match weight as Splink's prediction, on the same pairs (the incremental linker and the
explanations rely on it)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from splink import Linker, SettingsCreator

from corridor.resolve.engines import SPLINK_LOG_LEVEL, DuckDBEngine
from corridor.resolve.features import PersonInput, person_features
from corridor.resolve.linkage import COMPARISONS, regularise, spec_for
from corridor.resolve.records import feature_table
from corridor.resolve.scorer import Scorer

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless

GIVEN = [
    "Miroslav",
    "Мирослав",
    "Mohammed",
    "Muhamad",
    "محمد",
    "Ahmad",
    "Ana",
    "Ана",
    "Nikola",
    "Ali",
]
FAMILY = [
    "Jovanović",
    "JOVANOVIC",
    "Јовановић",
    "al-Hassan",
    "Alhasan",
    "الحسن",
    "Karimi",
    "Lukić",
    "Лукић",
]
DATES = [
    "1980-05-03",
    "03.05.1980.",
    "05/03/1980",
    "1980",
    "1981-05-03",
    "1980-03-05",
    "1975-01-01",
    "",
    "1980-05",
]
PHONES = ["+381641234567", "+381651111111", "+447700900123", "+93701234567", ""]
IDS = ["P1234567", "P1234568", "X99", "", "p-1234567"]


def random_records(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        names = [f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"] if rng.random() > 0.05 else []
        if rng.random() < 0.3:
            names = [f"{rng.choice(FAMILY).upper()}, {rng.choice(GIVEN)}"]
        if names and rng.random() < 0.3:
            names = [names[0] + " " + rng.choice(["Petar", "Abdul", "Omar"])]  # a middle name
        if names and rng.random() < 0.2:
            names.append(rng.choice(["Kum", "Abu Omar", "Džoni"]))  # an alias
        rows.append(person_features(PersonInput(
            record_id=f"r{i:03d}", source=rng.choice(["A", "B"]), names=names,
            dates_of_birth=[rng.choice(DATES)], genders=[rng.choice(["m", "f", ""])],
            nationalities=[rng.choice(["rs", "sy", "af", ""])],
            phones=[p for p in rng.sample(PHONES, 2) if p], ids=[rng.choice(IDS)],
            postcode=rng.choice(["11000", "11001", "21000", None]),
            address=rng.choice(["Knez Mihailova 5", "knez mihailova 5", "Bulevar 1", None]),
        )))  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def scored() -> tuple[list[dict[str, Any]], dict[tuple[str, str], dict[str, Any]], dict[str, Any]]:
    rows = random_records(70, seed=5)
    table = feature_table(rows)
    spec = spec_for(table)
    engine = DuckDBEngine()
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=[c.splink() for c in spec.comparisons],
        blocking_rules_to_generate_predictions=["1=1"],
        retain_intermediate_calculation_columns=True,
        probability_two_random_records_match=0.01,
    )
    linker = Linker(engine.register(table, "input_0"), settings, log_level=SPLINK_LOG_LEVEL)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e5, seed=1)
    trained = linker.misc.save_model_to_json()
    model = regularise(trained, trained)  # every level gets m and u, as in production
    linker = Linker(engine.register(table, "input_1"), model, log_level=SPLINK_LOG_LEVEL)
    predictions = engine.to_arrow(linker.inference.predict()).to_pylist()
    engine.close()
    by_pair = {(p["record_id_l"], p["record_id_r"]): p for p in predictions}
    return rows, by_pair, model


def test_every_pair_was_scored(scored) -> None:  # type: ignore[no-untyped-def]
    rows, by_pair, _ = scored
    assert len(by_pair) == len(rows) * (len(rows) - 1) // 2


def test_python_levels_equal_splink_levels(scored) -> None:  # type: ignore[no-untyped-def]
    rows, by_pair, model = scored
    features = {r["record_id"]: r for r in rows}
    names = [c["output_column_name"] for c in model["comparisons"]]
    seen_levels: dict[str, set[int]] = {n: set() for n in names}
    for (left, right), prediction in by_pair.items():
        for name in names:
            gamma = COMPARISONS[name].gamma(features[left], features[right])
            assert gamma == prediction[f"gamma_{name}"], (name, features[left], features[right])
            seen_levels[name].add(gamma)
    # the data exercise most levels, so agreement is not vacuous
    assert len(seen_levels["name"]) >= 5 and len(seen_levels["dob"]) >= 5


def test_python_scorer_equals_splink_match_weight(scored) -> None:  # type: ignore[no-untyped-def]
    rows, by_pair, model = scored
    features = {r["record_id"]: r for r in rows}
    scorer = Scorer(model, list(COMPARISONS.values()))
    for (left, right), prediction in by_pair.items():
        score = scorer.score(features[left], features[right])
        assert score.match_weight == pytest.approx(prediction["match_weight"], abs=1e-6)
        assert score.probability == pytest.approx(prediction["match_probability"], abs=1e-9)
