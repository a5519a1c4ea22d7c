"""Checkpoints anchor the audit log: a log cut short or emptied is still a valid chain, but no
longer extends the signed head kept in the store or elsewhere, and verifying says so; a
checkpoint altered, signed by another node or not a checkpoint at all is refused; verifying
never raises on what it reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from corridor.access.caller import Caller
from corridor.api.app import create_app
from corridor.audit import Event, audit, flush, service, verify_store
from corridor.audit import checkpoint as checkpoints
from corridor.audit.chain import canonical_json
from corridor.cli import app as cli_app
from corridor.node.identity import NodeIdentity
from corridor.store.base import Store
from corridor.users.service import create_user
from stores import new_store, workdir_store

OPERATOR = Caller.operator("audit check")
NODE = NodeIdentity.generate("RS-MUP")
OTHER = NodeIdentity.generate("GB-NCA")


def write(store: Store, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        audit(store, OPERATOR, Event.WRITE, f"ingest/{i}")


def cut(store: Store, after: int) -> None:
    """What someone with the database could do: drop the log's tail (or all of it)."""
    flush(store)
    with store._session(write=True) as s:  # type: ignore[attr-defined]
        s.execute("DELETE FROM audit_log WHERE seq > ?", [after])


@pytest.fixture
def store() -> Iterator[Store]:
    s = new_store()
    yield s
    s.close()


def test_a_log_cut_below_a_checkpoint_fails(store: Store) -> None:
    write(store, 5)
    made = service.checkpoint(store, OPERATOR, NODE)
    assert made.entries == 6  # the checkpoint's own entry is the last it covers
    result = verify_store(store, NODE.public)
    assert result.ok and result.checkpoints == 1, str(result)
    assert str(result).endswith("; 1 checkpoint held")
    cut(store, 3)
    result = verify_store(store, NODE.public)
    assert not result.ok and result.bad is not None
    assert result.entries == 3 and result.bad.seq == 4
    assert str(result) == (
        f"truncated: stored checkpoint 1 of {made.at:%Y-%m-%d %H:%M:%S} UTC says the log held "
        "6 entries, it holds 3 — cut after entry 3"
    )
    # The chain alone cannot tell: it is what was left.
    with store._session(write=True) as s:  # type: ignore[attr-defined]
        s.execute("DELETE FROM audit_checkpoints")
    assert verify_store(store, NODE.public).ok
    # A checkpoint kept elsewhere still can.
    kept = checkpoints.Known("checkpoint kept.json", made)
    result = verify_store(store, NODE.public, [kept])
    assert not result.ok and "checkpoint kept.json says the log held 6" in str(result)


def test_an_emptied_log_fails(store: Store) -> None:
    write(store, 3)
    service.checkpoint(store, OPERATOR, NODE)
    cut(store, 0)
    result = verify_store(store, NODE.public)
    assert not result.ok and result.entries == 0
    assert "it holds 0 — emptied" in str(result)


def test_a_log_cut_and_grown_again_fails(store: Store) -> None:
    write(store, 4)
    service.checkpoint(store, OPERATOR, NODE)
    cut(store, 2)
    write(store, 6, start=100)  # longer than before: only the head tells
    result = verify_store(store, NODE.public)
    assert not result.ok and result.bad is not None and result.bad.seq == 5
    assert "entry 5 is not the one checkpointed" in str(result)


def test_an_altered_checkpoint_is_refused(store: Store) -> None:
    write(store, 4)
    made = service.checkpoint(store, OPERATOR, NODE)
    cut(store, 2)
    with store._session(write=True) as s:  # type: ignore[attr-defined]
        s.execute("DELETE FROM audit_checkpoints")
    # Lowered to fit the cut log, its signature no longer verifies.
    lowered = {**made.to_json(), "entries": 2}
    lowered["head"] = store.audit_head()[1]  # type: ignore[index]
    found = checkpoints.parse_text(json.dumps(lowered))
    result = verify_store(store, NODE.public, [checkpoints.Known("checkpoint a.json", found)])
    assert not result.ok and result.bad is not None and result.bad.line == 0
    assert str(result) == (
        "checkpoint a.json: the signature does not verify — the checkpoint was altered"
    )
    # Stored ones are checked the same way.
    store.add_audit_checkpoint(2, datetime.now(UTC), canonical_json(lowered))
    assert "does not verify" in str(verify_store(store, NODE.public))


def test_a_checkpoint_of_another_node_is_refused(store: Store) -> None:
    write(store, 3)
    flush(store)
    seq, head = store.audit_head()  # type: ignore[misc]
    theirs = checkpoints.sign(OTHER, seq, head, datetime.now(UTC))
    result = verify_store(store, NODE.public, [checkpoints.Known("checkpoint gb.json", theirs)])
    assert not result.ok
    assert "signed by GB-NCA key" in str(result) and "not by this node (RS-MUP" in str(result)
    # Nor does a checkpoint stand without the node's key to check it against.
    mine = checkpoints.Known("checkpoint rs.json", checkpoints.sign(NODE, seq, head, theirs.at))  # type: ignore[arg-type]
    assert verify_store(store, NODE.public, [mine]).ok
    result = verify_store(store, None, [mine])
    assert not result.ok and "this node's key is not known" in str(result)


# --- verifying never raises --------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=8,
)  # fmt: skip
FIELDS = ["format", "agency", "key", "entries", "head", "at", "signature"]


@pytest.fixture(scope="module")
def good() -> tuple[list[str], dict[str, Any]]:
    """A verified chain's hashes and a checkpoint of its head."""
    s = new_store()
    try:
        write(s, 3)
        flush(s)
        entries = s.audit_entries()
        made = checkpoints.sign(NODE, 3, entries[-1].hash, datetime.now(UTC))
        return ["0" * 64, *(e.hash for e in entries)], made.to_json()
    finally:
        s.close()


def _check(hashes: list[str], text: str) -> Any:
    found = checkpoints.parse_text(text)
    return checkpoints.problem(checkpoints.Known("checkpoint x", found), NODE.public, hashes)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=st.sampled_from(FIELDS), value=json_values)
def test_any_field_replaced_is_refused_without_raising(
    good: tuple[list[str], dict[str, Any]], field: str, value: Any
) -> None:
    hashes, data = good
    assert _check(hashes, json.dumps(data)) is None
    if value == data[field]:
        return
    changed = {**data, field: value}
    found = _check(hashes, json.dumps(changed))
    assert found is not None and isinstance(found[0], str)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    garbage=st.one_of(
        st.text(max_size=60),
        json_values.map(json.dumps),
        st.lists(json_values.map(json.dumps), max_size=4).map("\n".join),
        json_values.map(lambda v: json.dumps({"seal": v})),
    )
)
def test_garbage_is_never_a_checkpoint(
    good: tuple[list[str], dict[str, Any]], garbage: str
) -> None:
    hashes, _ = good
    found = _check(hashes, garbage)
    assert found is not None and isinstance(found[0], str)


def test_unreadable_files_and_stored_garbage_are_reported(store: Store, tmp_path: Path) -> None:
    write(store, 2)
    store.add_audit_checkpoint(1, datetime.now(UTC), "{not json")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = verify_store(store, NODE.public, checkpoints.files([binary]))
    assert not result.ok and str(result) == "stored checkpoint 1: not a checkpoint (not JSON)"
    with store._session(write=True) as s:  # type: ignore[attr-defined]
        s.execute("DELETE FROM audit_checkpoints")
    result = verify_store(store, NODE.public, checkpoints.files([binary, tmp_path / "none"]))
    assert (
        str(result)
        == "checkpoint binary.json: not a checkpoint (cannot be read (UnicodeDecodeError))"
    )


# --- the command line and the API --------------------------------------------------------------

runner = CliRunner()


def cli(*args: str) -> Any:
    return runner.invoke(cli_app, list(args), env={"COLUMNS": "200"})


def test_the_commands_checkpoint_and_verify_against_kept_checkpoints(tmp_path: Path) -> None:
    work = tmp_path / "node"
    w = ["--workdir", str(work)]
    no_identity = cli("audit", "checkpoint", *w)
    assert no_identity.exit_code != 0 and "no identity" in str(no_identity.exception)
    NODE.save(work)
    store = workdir_store(work)
    write(store, 4)
    store.close()
    kept = tmp_path / "offsite" / "cp.json"
    r = cli("audit", "checkpoint", "--out", str(kept), *w)
    assert r.exit_code == 0, r.output
    made = checkpoints.read_file(kept)
    assert isinstance(made, checkpoints.Checkpoint) and made.entries == 5
    assert f"Checkpoint: {made}, written to {kept}" in r.output
    again = cli("audit", "checkpoint", "--out", str(kept), *w)
    assert again.exit_code == 2 and "never replaced" in again.output
    printed = cli("audit", "checkpoint", *w)  # to stdout, to keep however the operator likes
    assert printed.exit_code == 0
    assert checkpoints.parse_text(printed.stdout).entries == 6  # type: ignore[union-attr]
    export = tmp_path / "audit.jsonl"
    assert cli("audit", "export", "--out", str(export), *w).exit_code == 0  # kept, and signed
    ok = cli("audit", "verify", "--checkpoint", str(kept), "--checkpoint", str(export), *w)
    assert ok.exit_code == 0 and "; 5 checkpoints held" in ok.output, ok.output

    # The store emptied, its checkpoints with it: the ones kept elsewhere catch it.
    store = workdir_store(work)
    with store._session(write=True) as s:  # type: ignore[attr-defined]
        s.execute("DELETE FROM audit_log")
        s.execute("DELETE FROM audit_checkpoints")
    store.close()
    assert cli("audit", "verify", *w).exit_code == 0  # nothing left to disagree with
    bad = cli("audit", "verify", "--checkpoint", str(kept), *w)
    assert bad.exit_code == 1
    assert "truncated: checkpoint cp.json says the log held 5 entries" in bad.output
    bad = cli("audit", "verify", "--checkpoint", str(export), *w)
    assert bad.exit_code == 1 and "checkpoint audit.jsonl says the log held" in bad.output
    # Another node's key card is refused as the key the checkpoints are checked against.
    card = tmp_path / "gb.key.json"
    card.write_text(json.dumps(OTHER.public.card()))
    other = cli("audit", "verify", "--checkpoint", str(kept), "--key", str(card), *w)
    assert other.exit_code == 1 and "not by this node (GB-NCA" in other.output
    missing = cli("audit", "verify", "--checkpoint", str(tmp_path / "nope.json"), *w)
    assert missing.exit_code == 2 and "no file" in missing.output


def test_the_api_checkpoints_and_verifies(tmp_path: Path) -> None:
    from corridor.share.service import SharingService

    store = new_store()
    try:
        _, key = create_user(store, Caller.operator(), "aud", "auditor", "RS-MUP", "SECRET")
        with TestClient(create_app(store)) as client:
            headers = {"Authorization": f"ApiKey {key}"}
            r = client.post("/audit/checkpoint", headers=headers)
            assert r.status_code == 404 and "no identity" in r.json()["message"]
            client.app.state.sharing = SharingService(store, NODE)  # type: ignore[attr-defined]
            r = client.post("/audit/checkpoint", headers=headers)
            assert r.status_code == 200
            made = checkpoints.from_json(r.json())
            assert isinstance(made, checkpoints.Checkpoint)
            assert checkpoints.problem(
                checkpoints.Known("x", made), NODE.public,
                ["0" * 64, *(e.hash for e in store.audit_entries())],
            ) is None  # fmt: skip
            r = client.get("/audit/verify", headers=headers)
            assert r.json()["ok"] and r.json()["checkpoints"] == 1
            cut(store, 1)
            r = client.get("/audit/verify", headers=headers)
            body = r.json()
            assert r.status_code == 200 and not body["ok"]
            assert body["bad"]["seq"] == 2 and "truncated: stored checkpoint 1" in body["message"]
    finally:
        store.close()
