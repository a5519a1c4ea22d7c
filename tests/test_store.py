"""The DuckDB store: provenance round trips, transactions, scope filtering, FtM export."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from followthemoney import model

from conftest import SENSOR_DEFAULTS
from corridor.access.caller import Caller
from corridor.audit import Event, audit, verify_store
from corridor.ingest.service import ingest_path
from corridor.model.classification import Classification
from corridor.model.observations import ObservationKind
from corridor.model.provenance import build_provenance
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.model.statements import entity_statements
from corridor.store.base import Store
from corridor.store.duckdb.sql import DIALECT
from corridor.store.records import IngestInfo, Judgement, ObservationQuery
from corridor.store.sql import queries as sql
from stores import workdir_store


def info() -> IngestInfo:
    return IngestInfo(uuid.uuid4().hex, "test", "ftm", "0" * 64, datetime.now(UTC))


def person(entity_id: str, name: str, **props: str):  # type: ignore[no-untyped-def]
    proxy = model.make_entity("Person")
    proxy.id = entity_id
    proxy.add("name", name)
    for key, value in props.items():
        proxy.add(key, value)
    return proxy


def test_provenance_survives_the_store_and_ftm_export(tmp_path: Path) -> None:
    prov = build_provenance(
        {"agency": "GB-NCA", "grading": "B24", "grading_scheme": "5x5x5", "classification": "SECRET",
         "person_category": "witness", "review_by": "2026-12-31", "collected_at": "2024-01-02T03:04:05Z",
         "source_ref": "NCA-REF-9"}
    )  # fmt: skip
    store = workdir_store(tmp_path)
    with store.writer(info()) as w:
        w.add_statements(
            list(entity_statements(person("w1", "Ana Kovač", birthDate="1990-04-01"), prov))
        )
    store.close()
    reopened = workdir_store(tmp_path)  # from disk, not from memory
    record = reopened.get_entity("w1", SYSTEM_SCOPE)
    assert record is not None
    assert {s.prop: s.provenance() for s in record.statements}["name"] == prov.to_fields()
    exported = record.to_ftm_dict()
    assert model.get_proxy(exported).to_dict()["properties"] == {
        "name": ["Ana Kovač"],
        "birthDate": ["1990-04-01"],
    }
    assert exported["datasets"] == ["GB-NCA"] and exported["origin"] == ["NCA-REF-9"]
    reopened.close()


def test_a_store_made_before_a_column_was_added_gains_it_when_opened(tmp_path: Path) -> None:
    """Judgements gained the judge's clearance: a store made without the column takes it
    (empty for the judgements it has) when opened, and keeps both old and new judgements."""
    store = workdir_store(tmp_path)
    old = ("CREATE TABLE judgements (id VARCHAR NOT NULL, left_id VARCHAR NOT NULL, "
           "right_id VARCHAR NOT NULL, verdict VARCHAR NOT NULL, user_name VARCHAR NOT NULL, "
           "judged_at TIMESTAMPTZ NOT NULL, note VARCHAR)")  # fmt: skip
    store._execute([("DROP TABLE judgements", []), (old, []),  # type: ignore[attr-defined]
                    ("INSERT INTO judgements VALUES ('j0', 'a', 'b', 'negative', 'ana', ?, 'old')",
                     [datetime.now(UTC)])])  # fmt: skip
    store.close()
    reopened = workdir_store(tmp_path)
    try:
        now = datetime.now(UTC)
        reopened.add_judgement(Judgement("j1", "a", "b", "positive", "bo", now, "new", 30))
        found = [(j.id, j.note, j.classification) for j in reopened.judgements(["a"])]
        assert found == [("j0", "old", None), ("j1", "new", 30)]
    finally:
        reopened.close()


def test_same_value_from_two_sources_is_two_statements(store: Store) -> None:
    a = build_provenance({**SENSOR_DEFAULTS, "source_ref": "A"})
    b = build_provenance({**SENSOR_DEFAULTS, "agency": "GB-NCA", "source_ref": "B"})
    with store.writer(info()) as w:
        w.add_statements(list(entity_statements(person("p", "Ivan Ivić"), a)))
        w.add_statements(list(entity_statements(person("p", "Ivan Ivić"), b)))
        w.add_statements(list(entity_statements(person("p", "Ivan Ivić"), a)))  # duplicate: dropped
    record = store.get_entity("p", SYSTEM_SCOPE)
    assert record is not None and len(record.statements) == 2
    assert record.entity.get("name") == ["Ivan Ivić"]
    assert sorted(s.row["agency"] for s in record.statements) == ["GB-NCA", "RS-MUP"]


def test_a_failure_inside_a_write_rolls_everything_back(store: Store) -> None:
    prov = build_provenance(SENSOR_DEFAULTS)
    with pytest.raises(RuntimeError), store.writer(info()) as w:
        w.add_statements(
            list(entity_statements(person("p", "Ivan Ivić"), prov)) * 30_000
        )  # flushes
        raise RuntimeError("disk on fire")
    assert store.get_entity("p", SYSTEM_SCOPE) is None
    assert store.counts(SYSTEM_SCOPE) == [] and store.ingests() == []


def test_audit_entries_written_in_a_writer_commit_or_roll_back_with_it(store: Store) -> None:
    """An ingest's audit entries go in its own transaction: after entries others wrote while
    it ran, gone with it when it rolls back, and the chain verifies either way."""
    operator = Caller.operator()
    with store.writer(info()) as w:
        audit(store, operator, Event.ADMIN, "while-it-runs")  # another entry, committed now
        audit(store, operator, Event.WRITE, "in-1", within=w)
        audit(store, operator, Event.WRITE, "in-2", within=w)
    with pytest.raises(RuntimeError), store.writer(info()) as w:
        audit(store, operator, Event.WRITE, "rolled-back", within=w)
        raise RuntimeError("disk on fire")
    audit(store, operator, Event.ADMIN, "after")
    assert [e.target for e in store.audit_entries()] == ["while-it-runs", "in-1", "in-2", "after"]
    assert verify_store(store).ok


def test_scope_hides_statements_above_clearance(store: Store) -> None:
    low = build_provenance({**SENSOR_DEFAULTS, "classification": "OFFICIAL"})
    high = build_provenance({**SENSOR_DEFAULTS, "classification": "SECRET"})
    with store.writer(info()) as w:
        w.add_statements(list(entity_statements(person("p", "Marko Marković"), low)))
        w.add_statements(list(entity_statements(person("p", "Marko Markovic", alias="Kum"), high)))
    official = ReadScope(Classification.OFFICIAL)
    record = store.get_entity("p", official)
    assert record is not None and record.entity.get("alias") == []
    assert store.search("kum", official) == [] and len(store.search("kum", SYSTEM_SCOPE)) == 1
    assert [c.statements for c in store.counts(official)] == [1]
    assert store.get_entity("p", ReadScope(Classification.OFFICIAL, frozenset())) is None


def test_observation_queries(store: Store, anpr_file: Path) -> None:
    ingest_path(store, Caller.operator(), anpr_file, defaults=SENSOR_DEFAULTS)
    q = ObservationQuery(kinds=(ObservationKind.ANPR,), start=datetime(2024, 5, 3, tzinfo=UTC),
                         end=datetime(2024, 5, 4, tzinfo=UTC))  # fmt: skip
    rows = store.observations(q, SYSTEM_SCOPE)
    assert rows and all(r["observed_at"].date().isoformat() == "2024-05-03" for r in rows)
    assert [r["observed_at"] for r in rows] == sorted(r["observed_at"] for r in rows)
    page = store.observations(ObservationQuery(limit=10, offset=5), SYSTEM_SCOPE)
    full = store.observations(ObservationQuery(), SYSTEM_SCOPE)
    assert [r["id"] for r in page] == [r["id"] for r in full[5:15]]
    assert store.observations(ObservationQuery(sensor_id="CAM3"), SYSTEM_SCOPE)
    assert (
        store.observations(
            ObservationQuery(), ReadScope(Classification.OFFICIAL, frozenset({"GB-NCA"}))
        )
        == []
    )


def test_sql_builders_apply_the_scope_everywhere() -> None:
    scope = ReadScope(Classification.OFFICIAL_SENSITIVE, frozenset({"RS-MUP"}))
    queries = [sql.entity_statements("x", scope), sql.entity_ids(scope, ["Person"]),
               sql.statements_for(DIALECT, ["x"], scope), sql.search([("a", "b")], scope, None, 5),
               sql.observations(ObservationKind.SCAN, ObservationQuery(), scope),
               sql.review_due("RS-MUP", date(2030, 1, 1), scope),
               *(q for _, q in sql.counts(scope))]  # fmt: skip
    for text, params in queries:
        assert "classification <= ?" in text and "agency IN (?)" in text
        assert 20 in params and "RS-MUP" in params


def test_a_store_held_by_another_process_is_a_clear_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    from corridor.errors import StoreBusy
    from corridor.store.duckdb import DuckDBStore  # DuckDB's one-writer-process lock

    DuckDBStore.open(tmp_path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, duckdb; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); sys.stdin.read()",
         str(tmp_path / "corridor.duckdb")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with pytest.raises(StoreBusy, match="another process"):
            DuckDBStore.open(tmp_path)
    finally:
        holder.kill()
        holder.wait()


_HOURS_IN_BELGRADE = """
import sys
sys.path.insert(0, sys.argv[1])
from conftest import ANPR_HEADER, SENSOR_DEFAULTS, write_csv
from pathlib import Path
from corridor.access.caller import Caller
from corridor.ingest.service import ingest_path
from corridor.model.observations import ObservationKind
from corridor.model.scope import SYSTEM_SCOPE
from stores import new_store
row = ["r1", "BG 123-AB", "RS", "2024-05-01T02:30:00Z", "CAM1", "A1", "43.3", "21.9", "1", "N",
       "0.9"]
path = write_csv(Path(sys.argv[2]) / "anpr.csv", ANPR_HEADER, [row])
store = new_store()
ingest_path(store, Caller.operator(), path, kind="anpr", defaults=SENSOR_DEFAULTS,
            show_progress=False)
sql = "SELECT EXTRACT(hour FROM observed_at) AS h, CAST(observed_at AS DATE) AS d FROM obs"
for _ in range(2):  # the first read and a later one (each read may be a session of its own)
    [found] = store.analyse_observations(ObservationKind.ANPR, sql, [], SYSTEM_SCOPE)
    print(int(found["h"]), found["d"])
store.close()
"""


def test_times_are_read_in_utc_whatever_the_machines_time_zone(tmp_path: Path) -> None:
    """An hour or a day taken from a stored time is the same on a machine in Belgrade (UTC+2
    in May) as in UTC, on either store, as in Spark: the night a shuttle runs does not move."""
    tests = Path(__file__).resolve().parent
    done = subprocess.run(
        [sys.executable, "-c", _HOURS_IN_BELGRADE, str(tests), str(tmp_path)],
        env={**os.environ, "TZ": "Europe/Belgrade"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["2 2024-05-01", "2 2024-05-01"]
