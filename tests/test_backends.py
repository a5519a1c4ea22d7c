"""The two stores side by side: the same input gives the same answers on DuckDB and on
PostgreSQL, observation ids are the same whichever makes them, and several processes can
share one PostgreSQL store (one audit chain, no lost or doubled rows)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.access.caller import Caller
from corridor.audit import Event, audit, verify_store
from corridor.ingest.service import ingest_path
from corridor.model.observations import ObservationKind
from corridor.model.scope import SYSTEM_SCOPE
from corridor.resolve import service as resolution
from corridor.scenario import build_scenario
from corridor.store import tables as T
from corridor.store.base import Store
from corridor.store.duckdb import DuckDBStore
from corridor.store.duckdb.sql import observation_id as sql_observation_id
from corridor.store.observation_ids import observation_id, observation_ids
from corridor.store.postgres.store import PostgresStore
from corridor.store.records import ObservationQuery
from corridor.store.tables import PROVENANCE_COLUMN_NAMES

# Each test opens the stores it compares: run in the PostgreSQL pass only (see conftest).
pytestmark = pytest.mark.both_stores

SYSTEM = Caller.operator()


def fresh_pg(pg_url: str) -> PostgresStore:
    return PostgresStore(f"{pg_url}?schema=b_{uuid.uuid4().hex[:16]}")


# --- observation ids -----------------------------------------------------------------------------

_VALUES = {
    "VARCHAR": st.none() | st.text(max_size=8),
    "INTEGER": st.none() | st.integers(-(2**31), 2**31 - 1),
    "DOUBLE": st.none() | st.floats(allow_nan=False, allow_infinity=False),
}


@st.composite
def readings(draw: st.DrawFn) -> tuple[ObservationKind, dict]:  # type: ignore[type-arg]
    """A kind and a reading of it, every column the id covers drawn."""
    kind = draw(st.sampled_from(list(ObservationKind)))
    row = draw(st.fixed_dictionaries({
        "source_id": st.none() | st.sampled_from(["", "r1", "CAM-7/0001", "ĐŽ-1"]),
        "agency": st.sampled_from(["RS-MUP", "GB-NCA"]),
        "observed_at": st.none() | st.datetimes(
            min_value=datetime(1960, 1, 1), max_value=datetime(2090, 1, 1),
            timezones=st.just(UTC),
        ),
        "lat": st.none() | st.floats(-90, 90, allow_nan=False),
        "lon": st.none() | st.floats(-180, 180, allow_nan=False),
        "phone": st.none() | st.sampled_from(["+381641234567", "+447700900123"]),
    }))  # fmt: skip
    for name, sql_type in READING_COLUMNS[kind]:
        if name not in row:
            row[name] = draw(_VALUES[sql_type])
    return kind, row


_SKIP = {"id", "ingest_id", "first_seen", *PROVENANCE_COLUMN_NAMES}
#: The columns of each kind's table that a reading brings (its agency among them), typed.
READING_COLUMNS = {
    kind: [(c.name, c.type) for c in T.OBSERVATIONS[kind].columns if c.name not in _SKIP]
    + [("agency", "VARCHAR")]
    for kind in ObservationKind
}


@settings(max_examples=300, deadline=None)
@given(readings())
def test_python_and_sql_make_the_same_observation_id(drawn: tuple) -> None:  # type: ignore[type-arg]
    kind, row = drawn
    columns = [name for name, _ in READING_COLUMNS[kind]]
    types = dict(READING_COLUMNS[kind])
    con = duckdb.connect()
    con.execute(f"CREATE TABLE r ({', '.join(f'{c} {types[c]}' for c in columns)})")
    marks = ", ".join("?" for _ in columns)
    con.execute(f"INSERT INTO r VALUES ({marks})", [row[c] for c in columns])
    ((made,),) = con.sql(f"SELECT {sql_observation_id(kind)} FROM r").fetchall()
    batch = con.sql("SELECT * FROM r").to_arrow_table()
    con.close()
    assert observation_id(kind, row) == made
    assert observation_ids(kind, batch).to_pylist() == [made]


# --- the same answers from both -------------------------------------------------------------------


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, pg_url: str) -> Iterator[dict[str, Store]]:
    world = tmp_path_factory.mktemp("world")
    build_scenario(world, seed=11, scale=0.05)
    stores: dict[str, Store] = {"duckdb": DuckDBStore(None), "postgres": fresh_pg(pg_url)}
    for store in stores.values():
        ingest_path(store, Caller.operator(), world, show_progress=False)
        resolution.resolve_all(store, Caller.operator(), "Person")
    yield stores
    for store in stores.values():
        store.close()


def test_counts_and_entities_are_the_same(both: dict[str, Store]) -> None:
    duck, pg = both["duckdb"], both["postgres"]
    assert duck.counts(SYSTEM_SCOPE) == pg.counts(SYSTEM_SCOPE)
    assert sum(c.statements for c in pg.counts(SYSTEM_SCOPE)) > 1000
    duck_entities = [as_stored(e.to_dict()) for e in duck.iter_entities(SYSTEM_SCOPE, limit=300)]
    pg_entities = [as_stored(e.to_dict()) for e in pg.iter_entities(SYSTEM_SCOPE, limit=300)]
    assert len(duck_entities) == 300 and duck_entities == pg_entities


def as_stored(entity: dict) -> dict:  # type: ignore[type-arg]
    """An entity without the times each store first saw its statements (ingested apart)."""
    for statement in entity["statements"]:
        statement.pop("first_seen")
    return entity


def test_observations_keep_the_same_ids(both: dict[str, Store]) -> None:
    query = ObservationQuery(limit=5000)
    duck = both["duckdb"].observations(query, SYSTEM_SCOPE)
    pg = both["postgres"].observations(query, SYSTEM_SCOPE)
    assert duck and [r["id"] for r in duck] == [r["id"] for r in pg]


def test_search_finds_the_same_across_scripts(both: dict[str, Store]) -> None:
    duck, pg = both["duckdb"], both["postgres"]
    people = [e for e in duck.iter_entities(SYSTEM_SCOPE, ["Person"], limit=60)]
    names = [str(e.entity.first("name")) for e in people if e.entity.first("name")]
    assert len(names) > 20
    # Names as stored (every script the scenario writes), and a few typed by hand.
    queries = [*names[:30], "Jovanović", "Јовановић", "Petrovic", "Ахмед", "Mohammed"]
    found = 0
    for q in queries:
        a = [(h.entity_id, h.score, h.names) for h in duck.search(q, SYSTEM_SCOPE, limit=50)]
        b = [(h.entity_id, h.score, h.names) for h in pg.search(q, SYSTEM_SCOPE, limit=50)]
        assert a == b, q
        found += bool(a)
    assert found >= 30


def test_resolution_clusters_are_the_same(both: dict[str, Store]) -> None:
    duck = both["duckdb"].all_clusters("Person")
    pg = both["postgres"].all_clusters("Person")
    assert duck and duck.keys() == pg.keys()
    groups = lambda c: sorted(sorted(r for r in c if c[r] == k) for k in set(c.values()))  # noqa: E731
    assert groups(duck) == groups(pg)


# --- several processes on one PostgreSQL store -----------------------------------------------------

AUDITOR = """
import sys
from corridor.access.caller import Caller
from corridor.audit import Event, audit
from corridor.store.postgres.store import PostgresStore
store = PostgresStore(sys.argv[1])
who = Caller.operator()
for i in range(int(sys.argv[2])):
    audit(store, who, Event.READ if i % 3 else Event.WRITE, f"proc/{sys.argv[3]}/{i}")
store.close()
"""


def test_processes_appending_at_once_keep_one_chain(pg_url: str) -> None:
    url = f"{pg_url}?schema=a_{uuid.uuid4().hex[:16]}"
    store = PostgresStore(url)
    audit(store, SYSTEM, Event.ADMIN, "start")
    procs = [
        subprocess.Popen([sys.executable, "-c", AUDITOR, url, "150", str(n)]) for n in range(4)
    ]
    for _ in range(100):  # and this process too, meanwhile
        audit(store, SYSTEM, Event.JUDGE, "here")
    assert all(p.wait(timeout=120) == 0 for p in procs)
    result = verify_store(store)
    entries = store.audit_entries()
    store.close()
    assert result.ok, str(result)
    assert result.entries == len(entries) == 1 + 4 * 150 + 100
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert {e.target for e in entries if e.target.startswith("proc/2/")} == {
        f"proc/2/{i}" for i in range(150)
    }


INGESTER = """
import sys
from pathlib import Path
from corridor.access.caller import Caller
from corridor.ingest.service import ingest_path
from corridor.store.postgres.store import PostgresStore
store = PostgresStore(sys.argv[1])
defaults = {"agency": "RS-MUP", "grading": "1AP", "classification": "OFFICIAL"}
ingest_path(store, Caller.operator(), Path(sys.argv[2]), defaults=defaults, show_progress=False)
store.close()
"""


def test_the_same_file_ingested_at_once_by_two_processes_is_stored_once(
    pg_url: str, tmp_path: Path
) -> None:
    from conftest import ANPR_HEADER, anpr_rows, write_csv

    feed = write_csv(tmp_path / "anpr.csv", ANPR_HEADER, anpr_rows(20_000))
    url = f"{pg_url}?schema=i_{uuid.uuid4().hex[:16]}"
    PostgresStore(url).close()
    procs = [
        subprocess.Popen([sys.executable, "-c", INGESTER, url, str(feed)], stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    assert all(p.wait(timeout=300) == 0 for p in procs)
    store = PostgresStore(url)
    try:
        counts = store.counts(SYSTEM_SCOPE)
        assert sum(c.observations_total for c in counts) == 20_000
        ingests = store.ingests()
        assert len(ingests) == 2  # both committed; between them every row once
        assert sum(int(i["observations_added"]) for i in ingests) == 20_000
    finally:
        store.close()


def test_an_unreachable_database_is_a_clear_error() -> None:
    from corridor.ports import free_port as _free_port
    from corridor.store.postgres.store import StoreUnavailable

    url = f"postgresql://corridor:secret@127.0.0.1:{_free_port()}/corridor"
    with pytest.raises(StoreUnavailable) as caught:
        PostgresStore(url)
    assert "cannot reach the PostgreSQL store" in caught.value.message
    assert "secret" not in caught.value.message and "***" in caught.value.message


# --- several API workers on one PostgreSQL store ----------------------------------------------------


def test_several_workers_serve_one_store_and_keep_one_chain(pg_url: str, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from corridor.api.process import free_port, start_server, stop_server
    from corridor.users.service import create_user
    from sharing_support import write_entities

    url = f"{pg_url}?schema=s_{uuid.uuid4().hex[:16]}"
    store = PostgresStore(url)
    _, key = create_user(store, Caller.operator(), "ana", "analyst", "RS-MUP", "SECRET")
    write_entities(store, [("Person", f"p{i}", {"name": f"Marko Marković {i}"}) for i in range(20)])
    resolution.resolve_all(store, Caller.operator(), "Person")
    store.close()
    port = free_port()
    proc = start_server(
        tmp_path / "node", port, env={"CORRIDOR_STORE": url}, args=["--workers", "3"]
    )
    headers = {"Authorization": f"ApiKey {key}", "X-Corridor-Purpose": "load test"}
    base = f"http://127.0.0.1:{port}"

    def calls(n: int) -> list[int]:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            out = []
            for i in range(30):
                r = (client.get("/search", params={"q": "Marković"}) if i % 3 == 0 else
                     client.get(f"/entities/p{(n + i) % 20}") if i % 3 == 1 else
                     client.post("/judgements", json={"left_id": f"p{n}", "right_id": f"p{8 + i % 12}",
                                                      "verdict": "unsure"}))  # fmt: skip
                out.append(r.status_code)
            return out

    try:
        with ThreadPoolExecutor(8) as pool:
            statuses = [s for found in pool.map(calls, range(8)) for s in found]
    finally:
        stop_server(proc)
    assert statuses.count(200) == len(statuses) == 240
    store = PostgresStore(url)
    try:
        result = verify_store(store)
        assert result.ok, str(result)
        assert result.entries >= 240  # every request logged, by whichever worker served it
        assert len(store.judgements()) == 80
    finally:
        store.close()


def test_several_workers_on_duckdb_are_refused(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from corridor.cli import app

    r = CliRunner().invoke(
        app, ["serve", "--workdir", str(tmp_path), "--store", str(tmp_path / "x.duckdb"),
              "--workers", "2"],
    )  # fmt: skip
    assert r.exit_code != 0
    assert "several workers need a PostgreSQL store" in str(r.exception or r.output)


# --- the demo on either store ------------------------------------------------------------------------


def test_the_demo_on_postgresql_prints_the_same_counts_as_on_duckdb(
    pg_url: str, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from corridor.api.process import free_port
    from corridor.cli import app

    tables = {}
    for name, store in (("duckdb", str(tmp_path / "duckdb" / "corridor.duckdb")),
                        ("postgres", f"{pg_url}?schema=demo_{uuid.uuid4().hex[:8]}")):  # fmt: skip
        port = free_port(span=3)  # the demo serves on it, its two nodes on the next two
        r = CliRunner().invoke(app, [
            "demo", "--no-serve", "--workdir", str(tmp_path / name), "--store", store,
            "--seed", "3", "--scale", "0.05", "--port", str(port),
        ])  # fmt: skip
        assert r.exit_code == 0, r.output
        lines = r.output.splitlines()
        start = next(i for i, line in enumerate(lines) if "Per agency" in line)
        end = next(i for i in range(start, len(lines)) if lines[i].lstrip().startswith("└"))
        table = "\n".join(lines[start : end + 1])
        assert "RS-MUP" in table and "GB-NCA" in table
        tables[name] = table
    assert tables["postgres"] == tables["duckdb"]
