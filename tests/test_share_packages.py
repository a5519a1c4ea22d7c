"""Packages between two nodes: refusals (each with its reason, nothing imported), file
transfer for an air gap, and recovery of an import killed half-way."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from corridor.access.caller import Caller
from corridor.cli import app
from corridor.errors import PackageRefused
from corridor.node.identity import NodeIdentity
from corridor.share.package import open_package, read_header, seal
from corridor.share.service import SharingService
from sharing_support import PURPOSE, node_pair, write_entities, write_entity
from stores import workdir_store

SYSTEM = Caller.operator()

#: `corridor` killed (as a power cut would) inside the import transaction, just after the
#: package was recorded as received and before the commit.
KILLED_IN_IMPORT = """
import os, signal, sys
from corridor.store.sql.store import SQLWriter
record_received = SQLWriter.record_received
def record_then_die(self, row):
    record_received(self, row)
    os.kill(os.getpid(), signal.SIGKILL)
SQLWriter.record_received = record_then_die
sys.argv[0] = "corridor"
from corridor.cli import main
main()
"""


def statements(svc: SharingService) -> int:
    return sum(c.statements for c in svc.store.counts(SYSTEM.scope))


def people(svc: SharingService, n: int) -> list[str]:
    ids = [f"rs-p-{i}" for i in range(n)]
    write_entities(
        svc.store, [("Person", e, {"name": f"Marko Marković {i}"}) for i, e in enumerate(ids)]
    )
    return ids


def built(tmp_path: Path) -> tuple[SharingService, SharingService, bytes]:
    rs, uk, _ = node_pair(tmp_path)
    sent = rs.share(SYSTEM, "GB-NCA", people(rs, 3), PURPOSE, deliver=False)
    return rs, uk, sent.blob


def refused(uk: SharingService, blob: bytes, reason: str) -> str:
    before = statements(uk)
    with pytest.raises(PackageRefused) as info:
        uk.receive(blob)
    assert info.value.reason == reason, info.value.message
    assert statements(uk) == before  # nothing of a refused package is imported
    assert uk.received() == [] or all(p["sha256"] for p in uk.received())
    return info.value.message


def test_a_good_package_imports_once(tmp_path: Path) -> None:
    _, uk, blob = built(tmp_path)
    receipt = uk.receive(blob)
    assert receipt["receipt"]["counts"]["statements"] == 3
    assert statements(uk) == 3


def test_a_tampered_package_is_refused(tmp_path: Path) -> None:
    _, uk, blob = built(tmp_path)
    tampered = bytearray(blob)
    tampered[-20] ^= 0x01  # one bit of the ciphertext
    message = refused(uk, bytes(tampered), "tampered")
    assert "altered" in message
    header_edit = blob.replace(b'"sequence":1', b'"sequence":9')  # the header is signed too
    refused(uk, header_edit, "tampered")


def test_a_replayed_package_is_refused(tmp_path: Path) -> None:
    _, uk, blob = built(tmp_path)
    uk.receive(blob)
    message = refused(uk, blob, "replayed")
    assert "already received" in message
    assert statements(uk) == 3 and len(uk.received()) == 1


def test_an_expired_package_is_refused(tmp_path: Path) -> None:
    _rs, uk, blob = built(tmp_path)
    later = datetime.now(UTC) + timedelta(days=8)
    uk.clock = lambda: later
    assert "expired" in refused(uk, blob, "expired")


def test_a_wrongly_signed_package_is_refused(tmp_path: Path) -> None:
    rs, uk, _ = built(tmp_path)
    impostor = NodeIdentity.generate("RS-MUP")  # claims to be RS-MUP, with its own key
    keys = uk.identity.public
    _, blob = seal(impostor, keys, "intelligence", 7, {"statements": []})
    assert "pinned key" in refused(uk, blob, "wrong_key")
    # Forging the key id of the pinned key does not help: the signature still fails.
    header, _, _, _ = read_header(blob)
    forged = blob.replace(header.key_id.encode(), rs.identity.public.fingerprint.encode())
    refused(uk, forged, "tampered")


def test_a_wrongly_addressed_package_is_refused(tmp_path: Path) -> None:
    rs, uk, _ = built(tmp_path)
    other = NodeIdentity.generate("MK-MVR")
    rs.add_partner(other.public.card(), None, SYSTEM)
    _, blob = seal(rs.identity, other.public, "intelligence", 1, {"statements": []})
    assert "not to this node (GB-NCA)" in refused(uk, blob, "wrong_recipient")


def test_a_package_from_a_stranger_or_garbage_is_refused(tmp_path: Path) -> None:
    _, uk, _ = built(tmp_path)
    stranger = NodeIdentity.generate("AL-ASP")
    _, blob = seal(stranger, uk.identity.public, "intelligence", 1, {})
    refused(uk, blob, "unknown_sender")
    refused(uk, b"PK\x03\x04 not a package", "malformed")
    refused(uk, blob[:40], "malformed")


def test_only_the_recipient_can_decrypt(tmp_path: Path) -> None:
    _rs, uk, blob = built(tmp_path)
    thief = NodeIdentity(
        uk.identity.agency, uk.identity.signing, NodeIdentity.generate("GB-NCA").encryption
    )
    with pytest.raises(PackageRefused) as info:
        open_package(blob, thief, uk.partner_keys)
    assert info.value.reason == "undecryptable"


def test_a_receipt_must_be_signed_by_the_partner(tmp_path: Path) -> None:
    rs, uk, blob = built(tmp_path)
    sent = rs.sent()[0]
    body = uk.receive(blob)
    body["receipt"]["counts"]["statements"] = 999  # a receipt altered on the way back
    from corridor.share.service import Sent

    pkg = Sent(sent["package_id"], "GB-NCA", 1, "intelligence", {}, {}, blob)
    with pytest.raises(PackageRefused) as info:
        rs.check_receipt(pkg, body)
    assert info.value.reason == "bad_receipt"


def _cli_node(workdir: Path, agency: str) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["node", "init", "--agency", agency, "--workdir", str(workdir)])
    assert r.exit_code == 0, r.output
    assert (os.stat(workdir / "node.json").st_mode & 0o777) == 0o600


def test_air_gapped_transfer_by_file_through_the_cli(tmp_path: Path) -> None:
    rs_dir, uk_dir = tmp_path / "rs", tmp_path / "uk"
    _cli_node(rs_dir, "RS-MUP")
    _cli_node(uk_dir, "GB-NCA")
    runner = CliRunner()
    for me, other in ((rs_dir, uk_dir), (uk_dir, rs_dir)):
        card = tmp_path / f"{other.name}.key.json"
        r = runner.invoke(app, ["node", "export-key", "--out", str(card), "--workdir", str(other)])
        assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["partner", "add", str(card), "--workdir", str(me)])
        assert r.exit_code == 0, r.output
    agreement = tmp_path / "to-uk.yml"
    agreement.write_text(
        f"partner: GB-NCA\npurposes: [{PURPOSE}]\nceiling: OFFICIAL-SENSITIVE\n"
        "schemata:\n  Person: [name, birthDate]\n", encoding="utf-8",
    )  # fmt: skip
    r = runner.invoke(app, ["agreement", "set", str(agreement), "--workdir", str(rs_dir)])
    assert r.exit_code == 0 and "version 1" in r.output, r.output
    store = workdir_store(rs_dir)
    write_entity(store, "Person", "rs-p-1", {"name": "Marko Marković", "phone": "+381641234567"})
    store.close()
    package = tmp_path / "to-uk.pkg"
    r = runner.invoke(app, ["share", "send", "GB-NCA", "-e", "rs-p-1", "--purpose", PURPOSE,
                            "--out", str(package), "--workdir", str(rs_dir)])  # fmt: skip
    assert r.exit_code == 0, r.output
    receipt = tmp_path / "receipt.json"
    r = runner.invoke(app, ["share", "import", str(package), "--receipt", str(receipt),
                            "--workdir", str(uk_dir)])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert '"statements": 1' in receipt.read_text()  # the name; the phone is not in the terms
    again = runner.invoke(app, ["share", "import", str(package), "--workdir", str(uk_dir)])
    assert again.exit_code != 0  # replayed
    store = workdir_store(uk_dir)
    rows = store.statement_rows(["rs-p-1"], SYSTEM.scope)
    received = [(e.event, e.user_name, e.purpose) for e in store.audit_entries(event="receive")]
    store.close()
    assert [(r["prop"], r["agency"]) for r in rows] == [("name", "RS-MUP")]
    # Each side's log holds its acts: the agreement set and the package sent, the package
    # received (under the sender's name, for the purpose it was sent for).
    assert received == [("receive", "node:RS-MUP", PURPOSE)]
    store = workdir_store(rs_dir)
    sent = [(e.event, e.target.split("/")[0], e.purpose) for e in store.audit_entries()
            if e.event in ("admin", "share")]  # fmt: skip
    store.close()
    assert sent == [
        ("admin", "partners", None), ("admin", "agreements", None), ("share", "package", PURPOSE)
    ]  # fmt: skip


def test_a_node_killed_mid_import_reimports_cleanly_on_restart(tmp_path: Path) -> None:
    rs, _, _ = node_pair(tmp_path)
    uk_dir = tmp_path / "uk-node"
    uk_identity = NodeIdentity.generate("GB-NCA")
    uk_identity.save(uk_dir)
    store = workdir_store(uk_dir)
    uk = SharingService(store, uk_identity)
    uk.add_partner(rs.identity.public.card(), None, SYSTEM)
    store.close()
    rs.add_partner(uk_identity.public.card(), None, SYSTEM)  # re-pin: a new GB-NCA node
    ids = people(rs, 2000)
    sent = rs.share(SYSTEM, "GB-NCA", ids, PURPOSE, deliver=False)
    package = tmp_path / "big.pkg"
    package.write_bytes(sent.blob)
    cmd = [
        sys.executable,
        "-m",
        "corridor",
        "share",
        "import",
        str(package),
        "--workdir",
        str(uk_dir),
    ]
    crashed = subprocess.run([sys.executable, "-c", KILLED_IN_IMPORT, *cmd[3:]],
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    assert crashed.returncode == -9, crashed.stderr  # killed inside the import transaction
    assert list((uk_dir / "spool" / "inbox").glob("*.pkg"))  # the package was kept
    store = workdir_store(uk_dir)
    assert sum(c.statements for c in store.counts(SYSTEM.scope)) == 0  # nothing half-written
    store.close()
    # On restart, any command first re-imports what the crash interrupted.
    listed = subprocess.run([sys.executable, "-m", "corridor", "share", "list", "--workdir",
                             str(uk_dir)], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert "Recovered package" in listed.stderr
    assert not list((uk_dir / "spool" / "inbox").glob("*.pkg"))
    store = workdir_store(uk_dir)
    try:
        assert sum(c.statements for c in store.counts(SYSTEM.scope)) == 2000  # nothing lost
        rows = store.received_rows()
        assert len(rows) == 1 and rows[0]["package_id"] == sent.package_id
    finally:
        store.close()
    # Delivering the same package again is a replay: refused, nothing duplicated.
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and "replayed" in again.stderr
    store = workdir_store(uk_dir)
    try:
        assert sum(c.statements for c in store.counts(SYSTEM.scope)) == 2000
    finally:
        store.close()


def test_a_vehicle_goes_with_its_sensor_reads_and_nothing_else(tmp_path: Path) -> None:
    from conftest import ANPR_HEADER, SENSOR_DEFAULTS, anpr_rows, write_csv
    from corridor.ingest.service import ingest_file
    from corridor.store.records import ObservationQuery

    rs, uk, _ = node_pair(tmp_path)
    reads = write_csv(tmp_path / "anpr.csv", ANPR_HEADER, anpr_rows(60))
    ingest_file(
        rs.store,
        Caller.operator(),
        reads,
        kind="anpr",
        defaults=SENSOR_DEFAULTS,
        show_progress=False,
    )
    write_entity(rs.store, "Vehicle", "rs-v-1", {"registrationNumber": "BG 007-AB"})
    sent = rs.share(SYSTEM, "GB-NCA", ["rs-v-1"], PURPOSE)
    assert sent.status == "delivered"
    mine = rs.store.observations(ObservationQuery(plates=("BG007AB",)), SYSTEM.scope)
    theirs = uk.store.observations(ObservationQuery(limit=10_000), SYSTEM.scope)
    assert mine and sorted(r["id"] for r in theirs) == sorted(r["id"] for r in mine)
    assert {r["plate"] for r in theirs} == {"BG007AB"}
    assert sent.manifest["observations"] == {"anpr": len(mine)}


def test_the_same_package_delivered_twice_at_once_imports_once(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    _, uk, blob = built(tmp_path)

    def deliver(_: int) -> str:
        try:
            uk.receive(blob)
            return "imported"
        except PackageRefused as exc:
            return exc.reason

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(deliver, range(4)))
    assert outcomes == ["imported", "replayed", "replayed", "replayed"]
    assert statements(uk) == 3 and len(uk.received()) == 1


_BUILT: dict[str, tuple[SharingService, SharingService, bytes]] = {}


def _one_pair() -> tuple[SharingService, SharingService, bytes]:
    if "pair" not in _BUILT:
        import tempfile

        _BUILT["pair"] = built(Path(tempfile.mkdtemp()))
    return _BUILT["pair"]


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(0, 7)),
        st.tuples(st.just("cut"), st.integers(0, 10**6), st.just(0)),
        st.tuples(st.just("noise"), st.integers(0, 2000), st.integers(0, 2**32)),
    )
)
def test_any_damaged_or_foreign_input_is_refused_cleanly(change: tuple[str, int, int]) -> None:
    """Whatever arrives at the inbox, the answer is a `PackageRefused` with a reason (an HTTP
    4xx), never another error, and nothing is imported."""
    import random

    _, uk, blob = _one_pair()
    how, where, what = change
    if how == "flip":
        data = bytearray(blob)
        data[where % len(data)] ^= 1 << what
        damaged = bytes(data)
    elif how == "cut":
        damaged = blob[: where % len(blob)]
    else:
        damaged = random.Random(what).randbytes(where)
    with pytest.raises(PackageRefused) as info:
        uk.receive(damaged)
    assert info.value.reason in {"malformed", "wrong_recipient", "unknown_sender", "wrong_key",
                                 "tampered", "expired", "undecryptable"}  # fmt: skip
    assert statements(uk) == 0


def test_requests_show_elapsed_time_and_are_flagged_overdue_on_both_sides(tmp_path: Path) -> None:
    rs, uk, _ = node_pair(tmp_path)
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    for svc in (rs, uk):
        svc.clock = lambda: start
    asked = uk.ask(SYSTEM, "RS-MUP", "phone", "+381 64 123 4567", "whose?", PURPOSE, due_days=2)
    assert asked["status"] == "open" and not asked["overdue"]
    later = start + timedelta(days=3, hours=6)
    for svc in (rs, uk):
        svc.clock = lambda: later
    mine, theirs = uk.rfi(asked["id"], "out"), rs.rfi(asked["id"], "in")
    for row in (mine, theirs):
        assert row["overdue"] is True and row["elapsed_hours"] == 78.0
    # Declining closes it: no longer overdue, elapsed time stops at the answer.
    rs.decline(SYSTEM, asked["id"], "not held")
    much_later = later + timedelta(days=10)
    for svc in (rs, uk):
        svc.clock = lambda: much_later
    for row in (uk.rfi(asked["id"], "out"), rs.rfi(asked["id"], "in")):
        assert row["status"] == "declined" and not row["overdue"]
        assert row["elapsed_hours"] == 78.0 and row["reason"] == "not held"


def test_the_inbox_refuses_an_oversized_body_whatever_its_length_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from corridor.api.app import create_app
    from corridor.api.routes import sharing as routes

    _, uk, blob = built(tmp_path)
    monkeypatch.setattr(routes, "MAX_PACKAGE_BYTES", len(blob) - 1)
    with TestClient(create_app(uk.store, sharing_service=uk)) as client:
        r = client.post("/inbox", content=blob)
        assert r.status_code == 413 and "larger than" in r.json()["message"]

        def chunks() -> Iterator[bytes]:  # no content-length: sent chunked
            yield blob[:100]
            yield blob[100:]

        r = client.post("/inbox", content=chunks())
        assert r.status_code == 413 and "larger than" in r.json()["message"]
    assert statements(uk) == 0
    monkeypatch.setattr(routes, "MAX_PACKAGE_BYTES", len(blob))
    with TestClient(create_app(uk.store, sharing_service=uk)) as client:
        r = client.post("/inbox", content=blob)
        assert r.status_code == 200 and r.json()["receipt"]["counts"]["statements"] == 3
    assert statements(uk) == 3


def test_a_recall_retracts_at_the_partner_only_what_it_received(tmp_path: Path) -> None:
    rs, uk, _ = node_pair(tmp_path)
    write_entity(rs.store, "Person", "rs-p-1", {"name": "Marko Marković", "phone": "+381641234567"})
    write_entity(rs.store, "Person", "rs-p-1", {"nationality": "rs"}, classification="SECRET")
    sent = rs.share(SYSTEM, "GB-NCA", ["rs-p-1"], PURPOSE)
    assert sent.manifest["statements"] == 2  # the SECRET statement stayed
    assert statements(uk) == 2
    recalled = rs.recall(SYSTEM, "rs-p-1", "wrong person")
    assert recalled["deleted"] == 3
    [package] = recalled["partners"]
    # The partner is told of the two statements it holds, not of the one it never saw, and the
    # retraction goes under the purpose they were shared for.
    assert package["status"] == "delivered" and package["manifest"]["retract"] == 2
    assert package["manifest"]["purpose"] == PURPOSE
    assert statements(uk) == 0


def test_content_that_would_inflate_past_the_bound_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import corridor.share.package as package

    _, uk, blob = built(tmp_path)
    monkeypatch.setattr(package, "MAX_CONTENT_BYTES", 100)
    assert "larger than 100 bytes" in refused(uk, blob, "malformed")


def test_an_unconfirmed_receipt_leaves_the_package_to_retry_and_the_rest_still_go(
    tmp_path: Path,
) -> None:
    rs, uk, transport = node_pair(tmp_path)
    ids = people(rs, 2)
    real = transport.__call__

    def forged(address: str, blob: bytes) -> tuple[int, dict[str, Any]]:
        status, body = real(address, blob)
        if status == 200:
            body["receipt"]["counts"]["statements"] += 1  # no longer what GB-NCA signed
        return status, body

    rs.transport = forged
    first = rs.share(SYSTEM, "GB-NCA", ids[:1], PURPOSE)
    second = rs.share(SYSTEM, "GB-NCA", ids[1:], PURPOSE)
    for sent in (first, second):
        assert sent.status == "failed" and "does not verify" in (sent.error or "")
    rs.transport = transport
    # Retrying needs the outbox: these nodes keep none, so hand the packages back directly.
    # GB-NCA already holds them, so it answers "replayed": delivered, and nothing doubled.
    assert [rs.deliver(s).status for s in (first, second)] == ["delivered", "delivered"]
    assert len(uk.received()) == 2 and statements(uk) == 2
