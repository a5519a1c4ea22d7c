"""The audit log: a hash chain written through the API and the command line, whose export
betrays any edited, deleted, swapped or inserted line, naming where; buffered reads; concurrent
appends; the purpose header; and records past their review-by date, by clearance and agency."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import SENSOR_DEFAULTS, Api, write_csv
from corridor.access.authz import Authz
from corridor.access.caller import Caller
from corridor.access.roles import Role
from corridor.api.app import create_app
from corridor.audit import (
    GENESIS,
    AuditEntry,
    AuditLog,
    Event,
    audit,
    chain_hash,
    entry_json,
    export,
    flush,
    verify_lines,
    verify_store,
)
from corridor.audit.chain import canonical_json
from corridor.audit.verify import seal_json
from corridor.cli import app as cli_app
from corridor.ingest.service import ingest_path
from corridor.model.classification import Classification
from corridor.screen.lists import load_list
from corridor.store.base import Store
from corridor.store.records import AuditHead
from corridor.users.service import create_user
from stores import workdir_store

ANALYST = Caller(Authz("ana", Role.ANALYST, "RS-MUP", Classification.SECRET))


def through_the_api(store: Store) -> list[AuditEntry]:
    """The entries of what API users did (not the test's own set-up at the console)."""
    flush(store)
    return [e for e in store.audit_entries() if json.loads(e.detail).get("via") == "api"]


def exported(store: Store) -> list[str]:
    import io

    buf = io.StringIO()
    export(store, buf)
    return buf.getvalue().splitlines()


# --- the chain, in memory ----------------------------------------------------------------------


class ListStore:
    """Just what `AuditLog` needs of a store, in memory (fast enough for Hypothesis)."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def append_audit(self, chain: Callable[[AuditHead], Sequence[AuditEntry]]) -> None:
        self.entries.extend(chain(self.audit_head()))

    def audit_head(self) -> tuple[int, str] | None:
        return (self.entries[-1].seq, self.entries[-1].hash) if self.entries else None

    def on_close(self, hook: Callable[[], None]) -> None:
        pass


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
events = st.sampled_from(list(Event))
details = st.dictionaries(
    st.text(max_size=6), st.one_of(st.integers(), text, st.lists(st.integers(), max_size=3))
)
entry_specs = st.tuples(
    st.sampled_from(["ana", "bob", "Ђорђе"]), events, text, st.none() | text, details
)


def build_export(specs: list[tuple[str, Event, str, str | None, dict[str, Any]]]) -> list[str]:
    fake = ListStore()
    log = AuditLog(fake)  # type: ignore[arg-type]
    for user, event, target, purpose, detail in specs:
        log.record(replace(ANALYST.authz, user=user), event, target, purpose, detail)
    log.flush()
    lines = [canonical_json(entry_json(e)) for e in fake.entries]
    head = fake.entries[-1].hash if fake.entries else GENESIS
    return [*lines, canonical_json(seal_json(len(lines), head))]


def edit_line(line: str, field: str, data: st.DataObject) -> str:
    obj = json.loads(line)
    if "seal" in obj:
        if field == "entries":
            obj["seal"]["entries"] += data.draw(st.integers(-3, 3).filter(bool))
        else:
            h = obj["seal"]["head"]
            obj["seal"]["head"] = ("1" if h[0] != "1" else "2") + h[1:]
        return json.dumps(obj)
    if field == "seq":
        obj["seq"] = data.draw(st.sampled_from([obj["seq"] + 1, obj["seq"] - 1, "7", None]))
    elif field == "at":
        at = datetime.fromisoformat(obj["at"])
        shift = data.draw(st.integers(-(10**9), 10**9).filter(bool))
        obj["at"] = (at + timedelta(microseconds=shift)).isoformat()
    elif field in ("prev_hash", "hash"):
        h = obj[field]
        obj[field] = ("f" if h[-1] != "f" else "e").join([h[:-1], ""])
    elif field == "detail":
        obj["detail"] = {**obj["detail"], "added": data.draw(st.integers())}
    elif field == "extra":
        obj["note"] = "added"
    else:
        old = obj[field]
        obj[field] = data.draw(st.one_of(st.none(), text).filter(lambda v: v != old))
    return json.dumps(obj, ensure_ascii=False)


ENTRY_FIELDS = ["seq", "at", "user_name", "role", "agency", "event", "target", "purpose",
                "detail", "prev_hash", "hash", "extra"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(specs=st.lists(entry_specs, min_size=1, max_size=12), data=st.data())
def test_any_tampering_with_an_export_is_found_where_it_happened(
    specs: list[Any], data: st.DataObject
) -> None:
    lines = build_export(specs)
    n = len(specs)
    good = verify_lines(lines)
    assert good.ok and good.entries == n and str(good).startswith(f"{n} entries verified")

    how = data.draw(st.sampled_from(["edit", "delete", "swap", "insert"]))
    if how == "edit":
        i = data.draw(st.integers(1, n + 1))
        fields = ["entries", "head"] if i == n + 1 else ENTRY_FIELDS
        field = data.draw(st.sampled_from(fields))
        tampered = list(lines)
        tampered[i - 1] = edit_line(lines[i - 1], field, data)
        expected = {i}
    elif how == "delete":
        i = data.draw(st.sampled_from(sorted({1, (n + 1) // 2, n, n + 1})))  # first … seal
        tampered = lines[: i - 1] + lines[i:]
        expected = {i}
    elif how == "swap":
        i = data.draw(st.integers(1, n))
        tampered = list(lines)
        tampered[i - 1], tampered[i] = tampered[i], tampered[i - 1]
        expected = {i}
    else:
        p = data.draw(st.integers(1, n + 2))
        kind = data.draw(st.sampled_from(["copy", "seal", "garbage", "forged", "random"]))
        if kind == "copy":
            new = lines[data.draw(st.integers(0, n - 1))]
        elif kind == "seal":
            new = lines[-1]
        elif kind == "garbage":
            new = data.draw(st.sampled_from(["", "{}", "[1]", "not json", '{"seal": 3}']))
        else:
            # A well-formed entry with a valid hash, chained onto the entry before it (forged)
            # or onto nothing in particular (random).
            seq = min(p, n + 1) if kind == "forged" else data.draw(st.integers(1, n + 2))
            prev = json.loads(lines[seq - 2])["hash"] if kind == "forged" and seq > 1 else GENESIS
            if kind == "random":
                prev = data.draw(st.sampled_from([GENESIS, "ab" * 32]))
            body = {"seq": seq, "at": "2030-01-01T00:00:00.000000+00:00", "user_name": "mallory",
                    "role": "analyst", "agency": "RS-MUP", "event": "read", "target": "x",
                    "purpose": None, "detail": {}}  # fmt: skip
            new = canonical_json({**body, "prev_hash": prev, "hash": chain_hash(prev, body)})
        tampered = [*lines[: p - 1], new, *lines[p - 1 :]]
        # Two identical lines side by side: either may be called the inserted one.
        expected = {p, p + 1} if p < len(tampered) and tampered[p] == new else {p}
    if tampered == lines:
        return
    result = verify_lines(tampered)
    assert not result.ok, (how, tampered)
    assert result.bad is not None and result.bad.line in expected, (how, str(result), expected)
    if how == "delete" and i <= n:
        assert result.bad.seq == i and f"entry {i}" in str(result)


def test_the_reasons_read_plainly() -> None:
    lines = build_export([("ana", Event.READ, f"t{i}", None, {}) for i in range(40)])
    edited = list(lines)
    edited[16] = edited[16].replace('"target":"t16"', '"target":"t99"')
    assert str(verify_lines(edited)) == (
        "entry 17 (line 17): hash does not match its content — edited"
    )
    assert str(verify_lines(lines[:4] + lines[5:])) == "missing entry 5 (line 5 holds entry 6)"
    assert "out of order" in str(verify_lines([*lines[:2], lines[3], lines[2], *lines[4:]]))
    assert str(verify_lines(lines[:-2] + lines[-1:])).startswith(
        "truncated: seal says 40 entries, found 39"
    )
    assert str(verify_lines(lines[:-1])).startswith("truncated: no seal line")
    empty = build_export([])
    assert verify_lines(empty).ok and not verify_lines([]).ok


# --- the store -----------------------------------------------------------------------------


def test_reads_are_buffered_and_written_within_a_second(store: Store) -> None:
    audit(store, ANALYST.stating("case 7"), Event.READ, "entities/x")
    assert store.audit_entries() == []  # not yet: buffered
    deadline = time.monotonic() + 5
    while not store.audit_entries() and time.monotonic() < deadline:
        time.sleep(0.05)
    [entry] = store.audit_entries()
    assert (entry.seq, entry.user_name, entry.purpose, entry.prev_hash) == (
        1, "ana", "case 7", GENESIS)  # fmt: skip


def test_other_events_are_written_at_once_after_the_reads_before_them(
    store: Store,
) -> None:
    audit(store, ANALYST, Event.READ, "entities/x")
    audit(store, ANALYST, Event.JUDGE, "judgements/a/b", detail={"verdict": "negative"})
    got = [(e.seq, e.event, e.target) for e in store.audit_entries()]
    assert got == [(1, "read", "entities/x"), (2, "judge", "judgements/a/b")]
    assert verify_store(store).ok


def test_buffered_reads_are_written_when_the_store_closes(tmp_path: Path) -> None:
    s = workdir_store(tmp_path)
    for i in range(3):
        audit(s, ANALYST, Event.READ, f"entities/{i}")
    s.close()
    s = workdir_store(tmp_path)
    try:
        assert [e.target for e in s.audit_entries()] == ["entities/0", "entities/1", "entities/2"]
        audit(s, ANALYST, Event.WRITE, "ingest/x.csv")  # the chain goes on from the stored head
        result = verify_store(s)
        assert result.ok and result.entries == 4
    finally:
        s.close()


def test_a_store_dropped_unclosed_is_freed_once_its_reads_are_written(tmp_path: Path) -> None:
    import gc
    import weakref

    s = workdir_store(tmp_path)
    audit(s, ANALYST, Event.READ, "entities/0")
    dropped = weakref.ref(s)
    del s
    deadline = time.monotonic() + 5
    while dropped() is not None and time.monotonic() < deadline:
        time.sleep(0.05)
        gc.collect()
    assert dropped() is None  # the audit log does not keep it alive
    s = workdir_store(tmp_path)
    try:
        assert [e.target for e in s.audit_entries()] == ["entities/0"]
    finally:
        s.close()


def test_a_program_that_exits_without_closing_its_store_loses_no_read(tmp_path: Path) -> None:
    """Reads wait up to a second to be written; a program that ends before then, its store
    never closed, still writes them, and ends cleanly (its writer thread is not stopped in the
    middle of a write)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from stores import workdir_store\n"
        "from corridor.access.caller import Caller\n"
        "from corridor.audit import Event, audit\n"
        "import time\n"
        "s = workdir_store(Path(sys.argv[1]))\n"
        "n, until = 0, time.monotonic() + float(sys.argv[3])\n"
        "while n < 3 or time.monotonic() < until:\n"
        "    audit(s, Caller.operator(), Event.READ, f'entities/{n}')\n"
        "    n += 1\n"
        "    time.sleep(0.001)\n"
        "print(n)\n"
    )
    tests = str(Path(__file__).parent)
    # Three reads at once (the writer thread still waiting), then reads for a second and a
    # half (it writes while they go on, and may be writing as the program ends).
    for workdir, seconds in ((tmp_path / "quick", "0"), (tmp_path / "busy", "1.5")):
        done = subprocess.run([sys.executable, "-c", script, str(workdir), tests, seconds],
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        assert "could not be written" not in done.stderr
        n = int(done.stdout.strip())
        s = workdir_store(workdir)
        try:
            assert [e.target for e in s.audit_entries()] == [f"entities/{i}" for i in range(n)]
            assert verify_store(s).ok
        finally:
            s.close()


def test_concurrent_appends_keep_one_valid_chain(store: Store) -> None:
    threads, each = 8, 150

    def work(n: int) -> None:
        who = Caller(replace(ANALYST.authz, user=f"user{n}"))
        for i in range(each):
            event = Event.WRITE if i % 10 == 0 else Event.READ
            audit(store, who, event, f"entities/{n}-{i}", detail={"i": i})

    # An ingest holding the store's write lock does not stop the log, nor deadlock it.
    with store.writer(_info()):
        pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join(timeout=60)
    flush(store)
    entries = store.audit_entries()
    assert [e.seq for e in entries] == list(range(1, threads * each + 1))
    result = verify_store(store)
    assert result.ok and result.entries == threads * each
    lines = exported(store)
    assert verify_lines(lines).ok and json.loads(lines[-1])["seal"]["entries"] == threads * each


def _info() -> Any:
    from corridor.store.records import IngestInfo

    return IngestInfo("i1", "x.csv", "anpr", "0" * 64, datetime.now(UTC))


def test_an_edited_stored_entry_is_found(tmp_path: Path) -> None:
    s = workdir_store(tmp_path)
    try:
        for i in range(5):
            audit(s, ANALYST, Event.WRITE, f"ingest/{i}")
        with s._session(write=True) as session:  # what someone with the database could do
            session.execute("UPDATE audit_log SET purpose = 'hidden' WHERE seq = 3")
        result = verify_store(s)
        assert not result.ok and result.bad is not None and result.bad.seq == 3
        assert "edited" in str(result)
        # A detail that is no longer JSON is found the same way (verifying never crashes).
        with s._session(write=True) as session:
            session.execute("UPDATE audit_log SET purpose = NULL, detail = '{no' WHERE seq = 2")
        result = verify_store(s)
        assert result.bad is not None and result.bad.seq == 2 and "edited" in str(result)
    finally:
        s.close()


# --- the API -----------------------------------------------------------------------------------


@pytest.fixture
def loaded(api: Api, people_files: tuple[Path, Path], anpr_file: Path) -> Api:
    csv_path, mapping = people_files
    ingest_path(api.store, Caller.operator(), csv_path, mapping=mapping)
    ingest_path(
        api.store,
        Caller.operator(),
        anpr_file,
        defaults={**SENSOR_DEFAULTS, "review_by": "2026-01-01"},
    )
    return api


def test_a_read_with_a_purpose_is_logged_with_it(loaded: Api) -> None:
    headers = {**loaded.headers("analyst"), "X-Corridor-Purpose": "Op. Drina, case 2024/117"}
    assert loaded.client.get("/entities/rs-p-1", headers=headers).status_code == 200
    assert loaded.get("/search", params={"q": "jovanovic"}).status_code == 200
    flush(loaded.store)
    reads = loaded.store.audit_entries(event="read")
    assert [(e.user_name, e.target, e.purpose) for e in reads] == [
        ("analyst", "entities/rs-p-1", "Op. Drina, case 2024/117"),
        ("analyst", "search", None),
    ]
    assert reads[0].role == "analyst" and reads[0].agency == "RS-MUP"
    assert json.loads(reads[1].detail)["ids"] == ["rs-p-1"]
    too_long = {**loaded.headers("analyst"), "X-Corridor-Purpose": "x" * 501}
    assert loaded.client.get("/entities/rs-p-1", headers=too_long).status_code == 422


def test_reads_writes_judgements_and_decisions_through_the_api_form_one_chain(
    loaded: Api, tmp_path: Path, people_files: tuple[Path, Path]
) -> None:
    api = loaded
    purpose = {"X-Corridor-Purpose": "screening check"}
    assert api.get("/observations", params={"plate": "BG 001-AB"}).status_code == 200
    assert api.get("/entities").status_code == 200
    assert api.get("/entities/rs-p-1/observations").status_code == 200
    assert api.get("/alerts").status_code == 200
    csv_path, mapping = people_files
    files = {
        "file": ("people.csv", csv_path.read_bytes()),
        "mapping": ("m.yml", mapping.read_bytes()),
    }
    assert api.post("/ingest", files=files).status_code == 200
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps({"id": "l1", "schema": "Person", "properties": {
        "name": ["Miroslav Jovanović"], "birthDate": ["1980-05-03"]}}) + "\n")  # fmt: skip
    load_list(api.store, Caller.operator(), listed, "wl", fmt="ftm")
    body = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Miroslav Jovanovic"]}}}}
    r = api.client.post("/match/default", json=body, headers={**api.headers("analyst"), **purpose})
    assert r.status_code == 200
    got = [(e.event, e.target) for e in through_the_api(api.store)]
    assert got == [
        ("read", "observations"),
        ("read", "entities"),
        ("read", "entities/rs-p-1/observations"),
        ("read", "alerts"),
        ("write", "ingest/people.csv"),
        ("read", "match/default"),
    ]
    match = api.store.audit_entries(event="read")[-1]
    assert match.purpose == "screening check"
    assert json.loads(match.detail) == {"queries": 1, "matches": {"q": ["l1"]}, "via": "api"}
    # Only auditors read the log.
    assert api.get("/audit").status_code == 403
    page = api.get("/audit", user="auditor", params={"limit": 4}).json()
    assert [e["seq"] for e in page["entries"]] == [1, 2, 3, 4] and page["next"] == 4
    asked = {"after": 4, "event": "write", "user": "analyst"}
    rest = api.get("/audit", user="auditor", params=asked).json()
    assert [e["target"] for e in rest["entries"]] == ["ingest/people.csv"]
    verified = api.get("/audit/verify", user="auditor").json()
    assert verified["ok"] and verified["entries"] >= 8 and verified["bad"] is None
    assert api.get("/audit/verify").status_code == 403
    # The auditors' own reading of the log is in it too.
    assert api.store.audit_entries(user="auditor")[0].target == "audit"


def test_judgements_decisions_and_resolution_are_logged(api: Api, tmp_path: Path) -> None:
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps({"id": "l1", "schema": "Person", "properties": {
        "name": ["Miroslav Jovanović"], "birthDate": ["1980-05-03"]}}) + "\n")  # fmt: skip
    load_list(api.store, Caller.operator(), listed, "wl", fmt="ftm")
    mapping = tmp_path / "m.yml"
    mapping.write_text("""
provenance: {agency: RS-MUP, grading: 2BP, classification: OFFICIAL}
entities:
  person:
    schema: Person
    id_column: id
    properties: {name: {column: name}, birthDate: {column: dob}}
""")
    rows = [["a1", "Мирослав Јовановић", "1980-05-03"], ["a2", "Miroslav Jovanovic", "1980-05-03"],
            ["a3", "Ana Kovač", "1990-01-01"]]  # fmt: skip
    ingest_path(
        api.store,
        Caller.operator(),
        write_csv(tmp_path / "p.csv", ["id", "name", "dob"], rows),
        mapping=mapping,
    )
    assert api.post("/resolve", user="supervisor", json={"kind": "Person"}).status_code == 200
    body = {"left_id": "a1", "right_id": "a3", "verdict": "negative", "note": "different"}
    assert api.post("/judgements", json=body).status_code == 200
    alert = api.get("/alerts").json()["alerts"][0]
    decision = {"decision": "false_positive", "note": "born elsewhere"}
    assert api.post(f"/alerts/{alert['id']}/decision", json=decision).status_code == 200
    got = [(e.user_name, e.event, e.target) for e in through_the_api(api.store)]
    assert got == [
        ("supervisor", "write", "resolve/Person"),
        ("analyst", "judge", "judgements/a1/a3"),
        ("analyst", "read", "alerts"),
        ("analyst", "decide", f"alerts/{alert['id']}"),
    ]
    decided = api.store.audit_entries(event="decide")[0]
    assert json.loads(decided.detail)["decision"] == "false_positive"
    assert verify_store(api.store).ok


def test_review_due_lists_the_callers_agency_within_clearance(loaded: Api) -> None:
    def due(user: str, before: str) -> set[tuple[str, str]]:
        r = loaded.get("/review/due", user=user, params={"before": before})
        assert r.status_code == 200, r.text
        return {(i["kind"], i["id"]) for i in r.json()["results"]}

    # The people are due by 2027-12-31, the ANPR reads by 2026-01-01.
    secret = due("analyst", "2028-01-01")
    assert {i for k, i in secret if k == "entity"} == {"rs-p-1", "rs-p-2", "rs-p-3"}
    assert sum(k == "observation" for k, _ in secret) == 50
    assert {i for k, i in due("analyst_low", "2028-01-01") if k == "entity"} == {"rs-p-3"}
    only_reads = due("analyst", "2027-01-01")
    assert only_reads and all(k == "observation" for k, _ in only_reads)
    assert due("analyst", "2025-12-31") == set()
    assert due("sharing", "2030-01-01") == set()  # GB-NCA owns none of them
    assert loaded.get("/review/due", user="auditor").status_code == 403
    item = next(
        i for i in loaded.get("/review/due", params={"before": "2028-01-01"}).json()["results"]
        if i["id"] == "rs-p-2"
    )  # fmt: skip
    assert (item["what"], item["agency"], item["grading"], item["review_by"]) == (
        "Person", "RS-MUP", "2BC", "2027-12-31")  # fmt: skip
    assert item["count"] >= 3


# --- the command line --------------------------------------------------------------------------

runner = CliRunner()


def cli(*args: str) -> Any:
    return runner.invoke(cli_app, list(args), catch_exceptions=False, env={"COLUMNS": "250"})


def test_cli_and_api_write_one_chain_and_verify_exits_by_result(
    tmp_path: Path, people_files: tuple[Path, Path]
) -> None:
    work = tmp_path / "node"
    w = ["--workdir", str(work)]
    csv_path, mapping = people_files
    assert cli("users", "add", "ana", "--role", "analyst", "--agency", "RS-MUP", *w).exit_code == 0
    assert (
        cli("ingest", str(csv_path), "--mapping", str(mapping), "--no-progress", *w).exit_code == 0
    )
    store = workdir_store(work)
    _, key = create_user(store, Caller.operator(), "bob", "analyst", "RS-MUP", "SECRET")
    with TestClient(create_app(store)) as client:
        headers = {"Authorization": f"ApiKey {key}", "X-Corridor-Purpose": "case 12"}
        assert client.get("/entities/rs-p-2", headers=headers).status_code == 200
    store.close()  # flushes the buffered read

    out = tmp_path / "audit.jsonl"
    r = cli("audit", "export", "--out", str(out), *w)
    assert r.exit_code == 0 and "5 entries exported" in r.output
    lines = out.read_text().splitlines()
    entries = [json.loads(line) for line in lines[:-1]]
    assert [(e["user_name"], e["event"], e["target"], e["purpose"]) for e in entries] == [
        ("system", "admin", "users/ana", None),
        ("system", "write", "ingest/people.csv", None),
        ("system", "admin", "users/bob", None),
        ("bob", "read", "entities/rs-p-2", "case 12"),
        ("system", "admin", "audit/export", None),  # the export holds its own entry
    ]
    assert [e["detail"]["via"] for e in entries] == ["cli", "cli", "cli", "api", "cli"]
    assert json.loads(lines[-1])["seal"] == {"entries": 5, "head": entries[-1]["hash"]}

    good = cli("audit", "verify", "--file", str(out))
    assert good.exit_code == 0
    assert good.output.strip() == f"5 entries verified, head {entries[-1]['hash']}"
    assert cli("audit", "verify", *w).exit_code == 0

    lines[1] = lines[1].replace("people.csv", "other.csv")
    out.write_text("\n".join(lines) + "\n")
    bad = cli("audit", "verify", "--file", str(out))
    assert bad.exit_code == 1
    assert "entry 2 (line 2): hash does not match its content — edited" in bad.output
    out.write_text("\n".join(lines[:1] + lines[2:]) + "\n")
    assert "missing entry 2" in cli("audit", "verify", "--file", str(out)).output
    out.write_text("\n".join(json.dumps(e) for e in entries) + "\n")  # no seal
    truncated = cli("audit", "verify", "--file", str(out))
    assert truncated.exit_code == 1 and "truncated" in truncated.output

    # Entries 2 to 7: the ingest … the export, the verification and this showing.
    shown = cli("audit", "show", "--last", "6", *w)
    assert shown.exit_code == 0 and "ingest/people.csv" in shown.output
    assert "audit/verify" in shown.output and "users/ana" not in shown.output

    due = cli("review", "due", "--agency", "rs-mup", "--before", "2028-01-01", "--json", *w)
    assert due.exit_code == 0
    assert {json.loads(line)["id"] for line in due.output.splitlines()} == {
        "rs-p-1", "rs-p-2", "rs-p-3"}  # fmt: skip


def test_an_export_seal_signed_by_the_node_catches_a_rewritten_log(tmp_path: Path) -> None:
    """Someone who can write the store can recompute every hash; they cannot sign the seal
    without the node's private key, so `verify --key` catches a rewritten export."""
    from corridor.node.identity import NodeIdentity

    identity = NodeIdentity.generate("RS-MUP")
    identity.save(tmp_path)
    store = workdir_store(tmp_path)
    for i in range(3):
        audit(store, Caller.operator("case 1"), Event.WRITE, f"entities/x{i}")
    store.close()
    card = tmp_path / "rs.key.json"
    card.write_text(json.dumps(identity.public.card()))
    export = tmp_path / "audit.jsonl"
    runner = CliRunner()
    r = runner.invoke(
        cli_app, ["audit", "export", "--out", str(export), "--workdir", str(tmp_path)]
    )
    assert r.exit_code == 0 and "signed by RS-MUP" in r.output, r.output
    args = ["audit", "verify", "--file", str(export), "--key", str(card)]
    assert runner.invoke(cli_app, args).exit_code == 0
    # Rewrite the log wholesale: change a purpose, recompute every hash and the seal's head.
    lines = export.read_text().splitlines()
    entries = [json.loads(line) for line in lines[:-1]]
    entries[1]["purpose"] = "case 2"
    prev = entries[0]["hash"]
    for entry in entries[1:]:
        entry["prev_hash"] = prev
        body = {k: v for k, v in entry.items() if k not in ("prev_hash", "hash")}
        entry["hash"] = prev = chain_hash(prev, body)
    seal = json.loads(lines[-1])
    seal["seal"]["head"] = prev
    rewritten = tmp_path / "rewritten.jsonl"
    rewritten.write_text(
        "\n".join([*(canonical_json(e) for e in entries), canonical_json(seal)]) + "\n"
    )
    plain = runner.invoke(cli_app, ["audit", "verify", "--file", str(rewritten)])
    assert plain.exit_code == 0  # the chain alone cannot tell: it was recomputed
    checked = runner.invoke(
        cli_app, ["audit", "verify", "--file", str(rewritten), "--key", str(card)]
    )
    assert checked.exit_code == 1 and "signature does not verify" in checked.output
    # An unsigned seal cannot be checked against a key either.
    unsigned = tmp_path / "unsigned.jsonl"
    unsigned.write_text(
        "\n".join(
            [*lines[:-1], canonical_json(seal_json(len(lines) - 1, json.loads(lines[-2])["hash"]))]
        )
        + "\n"
    )
    r = runner.invoke(cli_app, ["audit", "verify", "--file", str(unsigned), "--key", str(card)])
    assert r.exit_code == 1 and "not signed" in r.output
