"""One definition, two engines: a sensor analysis written once in SQL gives the same answer on
the store's own database and on Spark (local mode), over only the rows the caller may see; the
translation for Spark writes parameters in as literals and rewrites what Spark lacks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ANPR_HEADER, SENSOR_DEFAULTS, write_csv
from corridor.access.caller import Caller
from corridor.errors import CorridorError, ValidationError
from corridor.ingest.service import ingest_path
from corridor.model.classification import Classification
from corridor.model.observations import ObservationKind
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.scenario import build_scenario
from corridor.sensors.convoys import ConvoyParams, find_convoys
from corridor.sensors.engines import SensorEngine, sensor_engine, spark_sql
from corridor.sensors.journeys import find_clones, find_journeys
from corridor.sensors.shuttles import find_shuttles
from corridor.store.base import Store

T0 = datetime(2024, 5, 1, 21, 0, tzinfo=UTC)
CAMERAS = [f"RS-A1-K{k:03d}-N" for k in range(0, 200, 25)]


def _reads(plate: str, start: datetime, n: int) -> list[tuple[str, datetime, str]]:
    return [(plate, start + timedelta(minutes=20 * i), CAMERAS[i]) for i in range(n)]


def _load(store: Store, path: Path, reads: list[tuple[str, datetime, str]],
          **defaults: str) -> None:  # fmt: skip
    rows = [[f"{path.stem}-{i}", plate, "RS", at.isoformat().replace("+00:00", "Z"), camera,
             camera[:-2], "44.8", "20.4", "1", "N", "0.9"]
            for i, (plate, at, camera) in enumerate(reads)]  # fmt: skip
    ingest_path(store, Caller.operator(), write_csv(path, ANPR_HEADER, rows), kind="anpr",
                defaults={**SENSOR_DEFAULTS, **defaults})  # fmt: skip


# --- the translation (no Spark needed) ---------------------------------------------------------


def test_parameters_are_written_in_as_literals_in_order() -> None:
    sql = spark_sql("SELECT * FROM obs WHERE plate = ? AND lane > ? AND note = '?'", ["O'B", 2])
    assert "plate = 'O\\'B'" in sql and "lane > 2" in sql  # Spark escapes a quote with \\
    assert "'?'" in sql  # a question mark inside a string is text, not a parameter


def test_a_count_of_parameters_that_does_not_fit_is_refused() -> None:
    with pytest.raises(CorridorError, match="2 parameters, 1 were given"):
        spark_sql("SELECT ? + ?", [1])


def test_what_spark_lacks_is_rewritten() -> None:
    sql = spark_sql(
        "SELECT EXTRACT(EPOCH FROM observed_at) AS t, STRING_AGG(DISTINCT g, ';') AS gs, "
        "STRING_AGG(id, ';' ORDER BY t, id) AS ids FROM obs GROUP BY plate",
        [],
    )
    assert "EPOCH" not in sql.upper() and "UNIX_MICROS" in sql.upper()
    assert "LISTAGG" not in sql.upper() and "STRING_AGG" not in sql.upper()
    assert "COLLECT_SET" in sql.upper() and "ARRAY_SORT" in sql.upper()


@given(st.lists(st.one_of(st.integers(-(10**12), 10**12), st.text(max_size=12),
                          st.floats(allow_nan=False, allow_infinity=False)), max_size=6))  # fmt: skip
def test_every_parameter_lands_once_whatever_its_value(values: list[object]) -> None:
    sql = "SELECT " + ", ".join(f"? AS c{i}" for i in range(len(values))) if values else "SELECT 1"
    out = spark_sql(sql, values)
    assert "?" not in out.replace("'?'", "") or any("?" in str(v) for v in values)
    for i in range(len(values)):
        assert f"c{i}" in out


def test_an_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="unknown engine 'presto'"):
        sensor_engine("presto")


# --- Spark against the store's engine ----------------------------------------------------------


@pytest.fixture(scope="module")
def spark() -> Iterator[SensorEngine]:
    engine = sensor_engine("spark")  # fails, saying why, where Spark cannot run
    yield engine
    engine.close()


@pytest.mark.spark
def test_spark_finds_the_same_convoys_as_the_store(
    store: Store, tmp_path: Path, spark: SensorEngine
) -> None:
    reads = [*_reads("BG100AA", T0, 5), *_reads("BG200BB", T0 + timedelta(minutes=3), 5),
             *_reads("NS300CC", T0 + timedelta(hours=5), 4),
             *_reads("NS400DD", T0 + timedelta(hours=5, minutes=1), 4)]  # fmt: skip
    for day in range(1, 4):  # other traffic: strangers on other days, each alone
        reads += _reads(f"KG{day}00EE", T0 + timedelta(days=day), 6)
    _load(store, tmp_path / "a.csv", reads)
    params = ConvoyParams()
    here = find_convoys(store, SYSTEM_SCOPE, params)
    there = find_convoys(store, SYSTEM_SCOPE, params, engine=spark)
    assert [c.plates for c in here] == [["BG100AA", "BG200BB"], ["NS300CC", "NS400DD"]]
    assert [c.to_dict() for c in there] == [c.to_dict() for c in here]
    # A period: only the first convoy's reads.
    end = T0 + timedelta(hours=3)
    assert [c.plates for c in find_convoys(store, SYSTEM_SCOPE, end=end, engine=spark)] == [
        ["BG100AA", "BG200BB"]
    ]


@pytest.mark.spark
def test_spark_sees_only_what_the_caller_may(
    store: Store, tmp_path: Path, spark: SensorEngine
) -> None:
    _load(store, tmp_path / "low.csv", _reads("BG100AA", T0, 5))
    _load(store, tmp_path / "high.csv", _reads("BG200BB", T0 + timedelta(minutes=3), 5),
          classification="SECRET")  # fmt: skip
    low = ReadScope(Classification.OFFICIAL)
    assert find_convoys(store, low, engine=spark) == []
    assert [c.plates for c in find_convoys(store, SYSTEM_SCOPE, engine=spark)] == [
        ["BG100AA", "BG200BB"]
    ]
    rows = spark.run(store, ObservationKind.ANPR, "SELECT COUNT(*) AS n FROM obs", [], low)
    assert rows == [{"n": 5}]


@pytest.mark.spark
def test_every_analysis_over_reads_agrees_on_a_scenario(
    store: Store, tmp_path: Path, spark: SensorEngine
) -> None:
    """Convoys, cloned plates, shuttle runs and a plate's journeys: the same on both engines,
    on the scenario's reads (a fifth of the demo's scale)."""
    build_scenario(tmp_path / "world", seed=3, scale=0.2)
    ingest_path(store, Caller.operator(), tmp_path / "world", show_progress=False)
    here, there = sensor_engine("duckdb"), spark
    convoys = [c.to_dict() for c in find_convoys(store, SYSTEM_SCOPE, engine=here)]
    clones = [c.to_dict() for c in find_clones(store, SYSTEM_SCOPE, engine=here)]
    shuttles = [s.to_dict() for s in find_shuttles(store, SYSTEM_SCOPE, engine=here)]
    assert convoys and clones and shuttles  # something to compare
    assert [c.to_dict() for c in find_convoys(store, SYSTEM_SCOPE, engine=there)] == convoys
    assert [c.to_dict() for c in find_clones(store, SYSTEM_SCOPE, engine=there)] == clones
    assert [s.to_dict() for s in find_shuttles(store, SYSTEM_SCOPE, engine=there)] == shuttles
    plate = shuttles[0]["plate"]
    journeys = find_journeys(store, SYSTEM_SCOPE, plate, engine=here).to_dict()
    assert journeys["journeys"]
    assert find_journeys(store, SYSTEM_SCOPE, plate, engine=there).to_dict() == journeys
