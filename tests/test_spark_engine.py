"""The Spark engine: Arrow in and out unchanged, the same clusters as DuckDB, loopback only.

One Spark session serves the whole test session (starting it costs a JVM, several seconds).
These tests never skip: without pyspark or Java they fail, saying what is missing.
"""

from __future__ import annotations

import ipaddress
import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pytest

from corridor.access.caller import Caller
from corridor.resolve.engines import (
    SPLINK_LOG_LEVEL,
    DuckDBEngine,
    Engine,
    EngineUnavailable,
    make_engine,
)

if TYPE_CHECKING:
    from corridor.resolve.spark import SparkEngine

pytestmark = pytest.mark.spark


@pytest.fixture(scope="session")
def spark_engine() -> Iterator[SparkEngine]:
    engine = make_engine("spark")  # EngineUnavailable, with the reason, if Spark cannot run
    from corridor.resolve.spark import SparkEngine, stop_spark_session

    assert isinstance(engine, SparkEngine)
    yield engine
    engine.close()
    stop_spark_session()


def test_an_arrow_table_round_trips_unchanged(spark_engine: SparkEngine) -> None:
    table = pa.table(
        {
            "id": pa.array(["p1", "p2", "p3", "p4"]),
            "name": pa.array(["Мирослав Јовановић", "محمد الحسن", None, "Đorđe Petrović"]),
            "age": pa.array([44, None, 17, 61], pa.int64()),
            "score": pa.array([0.5, 1.25, None, -3.0]),
            "flagged": pa.array([True, False, None, True]),
            "dob": pa.array([date(1980, 5, 3), None, date(2007, 1, 1), date(1963, 12, 31)]),
            "seen_at": pa.array(
                [
                    datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
                    None,
                    datetime(1970, 1, 1, tzinfo=UTC),
                    datetime(2025, 6, 30, 23, 59, 59, 999999, tzinfo=UTC),
                ],
                pa.timestamp("us", tz="UTC"),
            ),
            "aliases": pa.array(
                [["Miroslav", "Мирко"], [], None, ["Djordje"]], pa.list_(pa.string())
            ),
        }
    )
    frame = spark_engine.register(table, "round_trip")
    back = spark_engine.to_arrow(frame)
    assert back.schema == table.schema
    assert back.equals(table), back.to_pylist()


FIRST = [
    "Miroslav",
    "Dragan",
    "Nikola",
    "Stefan",
    "Marko",
    "Aleksandar",
    "Milica",
    "Jelena",
    "Ivana",
    "Ahmad",
    "Mohammed",
    "Omar",
    "Yusuf",
    "Fatima",
    "Amina",
    "Bilal",
    "Hamza",
    "Tariq",
    "Layla",
    "Zoran",
    "Goran",
    "Vesna",
    "Snezana",
    "Dejan",
    "Bojan",
]
SURNAMES = [
    "Jovanovic",
    "Petrovic",
    "Nikolic",
    "Markovic",
    "Djordjevic",
    "Stojanovic",
    "Ilic",
    "Stankovic",
    "Pavlovic",
    "Milosevic",
    "Haddad",
    "Rahimi",
    "Karimi",
    "Hosseini",
    "Abdullah",
    "Mansour",
    "Qureshi",
    "Hakimi",
    "Nazari",
    "Sultani",
    "Kovacevic",
    "Popovic",
    "Lukic",
    "Savic",
    "Todorovic",
]


def typo(rng: random.Random, word: str) -> str:
    """One keying slip: two neighbouring letters swapped, or one dropped (never the first)."""
    i = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


def people(
    n_people: int = 180, n_duplicates: int = 20, seed: int = 7
) -> tuple[pa.Table, set[frozenset[str]]]:
    """`n_people` distinct people plus `n_duplicates` slipped copies, and the pairs planted."""
    rng = random.Random(seed)
    seen: set[tuple[str, str]] = set()
    rows: list[dict[str, str]] = []
    while len(rows) < n_people:
        first, surname = rng.choice(FIRST), rng.choice(SURNAMES)
        if (first, surname) in seen:
            continue
        seen.add((first, surname))
        dob = date(1950, 1, 1) + timedelta(days=rng.randrange(50 * 365))
        rows.append(
            {
                "unique_id": f"r{len(rows):03d}",
                "first_name": first,
                "surname": surname,
                "dob": dob.isoformat(),
            }
        )
    planted: set[frozenset[str]] = set()
    for original in rng.sample(rows[:n_people], n_duplicates):
        field = rng.choice(["first_name", "surname"])
        copy = {**original, "unique_id": f"d{len(planted):03d}", field: typo(rng, original[field])}
        rows.append(copy)
        planted.add(frozenset({original["unique_id"], copy["unique_id"]}))
    rng.shuffle(rows)
    return pa.Table.from_pylist(rows), planted


def settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    # Fixed m probabilities, and u from every pair (max_pairs above the 19,900 there are, no
    # early stopping): nothing random, so both engines must score every pair the same.
    return SettingsCreator(
        link_type="dedupe_only",
        probability_two_random_records_match=20 / 19_900,
        comparisons=[
            cl.JaroWinklerAtThresholds("first_name", [0.9, 0.8]).configure(
                m_probabilities=[0.85, 0.1, 0.03, 0.02]
            ),
            cl.JaroWinklerAtThresholds("surname", [0.9, 0.8]).configure(
                m_probabilities=[0.85, 0.1, 0.03, 0.02]
            ),
            cl.ExactMatch("dob").configure(m_probabilities=[0.95, 0.05]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("dob"),
            block_on("surname"),
            block_on("first_name"),
        ],
    )


def clusters(engine: Engine, table: pa.Table) -> set[frozenset[str]]:
    """Splink's clusters of two or more records, run on `engine`."""
    from splink import Linker

    linker = Linker(engine.register(table, "people"), settings(), log_level=SPLINK_LOG_LEVEL)
    linker.training.estimate_u_using_random_sampling(
        max_pairs=1e5, min_count_per_level=None, num_chunks=1
    )
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.9
    )
    members: dict[str, set[str]] = {}
    for row in engine.to_arrow(clustered).select(["cluster_id", "unique_id"]).to_pylist():
        members.setdefault(row["cluster_id"], set()).add(row["unique_id"])
    return {frozenset(ids) for ids in members.values() if len(ids) > 1}


@pytest.mark.usefixtures("spark_engine")  # the shared session, stopped after the last test
def test_splink_on_spark_finds_the_same_clusters_as_on_duckdb() -> None:
    table, planted = people()
    duckdb_engine = DuckDBEngine()
    try:
        on_duckdb = clusters(duckdb_engine, table)
    finally:
        duckdb_engine.close()
    assert on_duckdb == planted  # the job is a real test: it finds the slips, and only them
    from corridor.resolve.spark import SparkEngine, checkpoint_path

    engine = SparkEngine()  # its own engine, to see close() clear what Splink wrote
    try:
        on_spark = clusters(engine, table)
        checkpoints = checkpoint_path(engine.spark)
        assert checkpoints is not None and any(checkpoints.iterdir())
    finally:
        engine.close()
    assert on_spark == on_duckdb
    assert not any(checkpoints.iterdir())
    assert engine.spark.catalog.listTables() == []


def listening_sockets(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket process `pid` listens on, read from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().as_posix()
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    listening = set()
    for table in ("tcp", "tcp6"):
        lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            address_hex, port_hex = local.split(":")
            raw = bytes.fromhex(address_hex)
            # /proc/net prints each 32-bit word in host (little-endian) byte order.
            words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            if len(words) == 16 and words[:12] == b"\0" * 10 + b"\xff\xff":
                words = words[12:]  # an IPv4-mapped IPv6 address
            listening.add((str(ipaddress.ip_address(words)), int(port_hex, 16)))
    return listening


def test_the_spark_driver_listens_only_on_loopback(spark_engine: SparkEngine) -> None:
    from pyspark import SparkContext

    spark = spark_engine.spark
    spark.range(3).count()  # the driver's services are up once a job has run
    conf = spark.sparkContext.getConf()
    assert conf.get("spark.driver.host") == "127.0.0.1"
    assert conf.get("spark.driver.bindAddress") == "127.0.0.1"
    assert conf.get("spark.ui.enabled") == "false"
    assert spark.sparkContext.uiWebUrl is None

    gateway = SparkContext._gateway
    assert gateway is not None
    jvm_pid = gateway.proc.pid
    assert "java" in Path(f"/proc/{jvm_pid}/cmdline").read_bytes().decode(errors="replace")
    sockets = listening_sockets(jvm_pid)
    port = conf.get("spark.driver.port")
    assert port is not None
    assert ("127.0.0.1", int(port)) in sockets, sockets
    assert {address for address, _ in sockets} == {"127.0.0.1"}, sockets


def test_closing_an_engine_leaves_the_shared_session_to_the_others(
    spark_engine: SparkEngine,
) -> None:
    spark = spark_engine.spark
    from corridor.resolve.spark import SparkEngine

    first, second = SparkEngine(), SparkEngine()
    try:
        first.register(pa.table({"x": [1]}), "mine")
        assert [t.name for t in first.spark.catalog.listTables()] == ["mine"]
        assert second.spark.catalog.listTables() == []
        first.close()
        assert first.spark.catalog.listTables() == []
        assert first.spark.sparkContext is spark.sparkContext
        frame = second.register(pa.table({"x": [2]}), "mine")  # the same name, another engine
        assert second.to_arrow(frame).column("x").to_pylist() == [2]
    finally:
        first.close()
        second.close()
    assert spark.range(2).count() == 2


def test_a_missing_java_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from corridor.resolve.spark import find_java

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineUnavailable, match=r"no `java` on PATH.*openjdk-17-jre-headless"):
        find_java()
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    with pytest.raises(EngineUnavailable, match=r"JAVA_HOME=.*has no bin/java"):
        find_java()
    old = tmp_path / "old" / "bin"
    old.mkdir(parents=True)
    (old / "java").write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n")
    (old / "java").chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(old.parent))
    with pytest.raises(EngineUnavailable, match=r"is Java 11"):
        find_java()


@pytest.mark.spark
def test_spark_gives_the_same_clusters_as_duckdb_on_the_scenario(tmp_path: Path) -> None:
    from corridor.ingest.service import ingest_path
    from corridor.resolve import service
    from corridor.scenario import build_scenario
    from stores import new_store

    build_scenario(tmp_path / "world", seed=7, scale=0.2)
    clusters = {}
    for engine in ("duckdb", "spark"):
        store = new_store()
        ingest_path(store, Caller.operator(), tmp_path / "world", show_progress=False)
        summary = service.resolve_all(store, Caller.operator(), "Person", engine=engine)
        assert summary.engine == engine and summary.multi_record_clusters > 5
        clusters[engine] = store.all_clusters("Person")
        store.close()
    assert clusters["spark"] == clusters["duckdb"]


IDLE_SCRIPT = """
import json, os, sys, time
from pathlib import Path
os.environ["CORRIDOR_SPARK_IDLE_SECONDS"] = "1"
import pyarrow as pa
from pyspark import SparkContext
from corridor.api.app import create_app
from corridor.resolve import spark
from corridor.resolve.engines import make_engine

work = Path(sys.argv[1])
create_app(workdir=work)  # a served node: its scratch files go under its work directory
engine = make_engine("spark")
engine.register(pa.table({"x": [1]}), "t")
folder = Path(spark._workdir.name)
jvm = SparkContext._gateway.proc.pid
seen = {"folder": str(folder), "jvm_tmp": engine.spark.sparkContext._jvm.System.getProperty(
    "java.io.tmpdir")}
engine.close()
seen["kept_while_recent"] = spark._session is not None
time.sleep(4)
seen["stopped_when_idle"] = spark._session is None and SparkContext._gateway is None
try:
    os.kill(jvm, 0)
    seen["jvm_gone"] = False
except ProcessLookupError:
    seen["jvm_gone"] = True
seen["folder_removed"] = not folder.exists()
again = make_engine("spark")  # the next run starts them again
seen["restarted"] = again.to_arrow(again.register(pa.table({"x": [2]}), "t")).num_rows == 1
again.close()
spark.stop_spark_session()
print(json.dumps(seen))
"""


def test_a_served_node_keeps_spark_files_in_its_work_directory_and_stops_the_jvm_when_idle(
    tmp_path: Path,
) -> None:
    """A Spark run through a served node leaves no JVM running and nothing in the system's
    temporary folder: the session's files lie under the node's work directory, and the
    session and its JVM stop once no run has used them for a while."""
    system_tmp = Path(tempfile.gettempdir())
    before = set(system_tmp.glob("corridor-spark-*"))
    work = tmp_path / "node"
    done = subprocess.run([sys.executable, "-c", IDLE_SCRIPT, str(work)], capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(seen["folder"]).is_relative_to(work / "tmp")
    assert Path(seen["jvm_tmp"]).is_relative_to(work / "tmp")
    assert seen["kept_while_recent"] and seen["stopped_when_idle"] and seen["jvm_gone"]
    assert seen["folder_removed"] and seen["restarted"]
    assert set(system_tmp.glob("corridor-spark-*")) == before
