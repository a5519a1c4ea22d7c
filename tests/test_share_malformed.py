"""A pinned partner's malformed package, signed and in time, is refused at the door as
`malformed` (nothing spooled, nothing imported); and a spooled package that still cannot be
imported is set aside, so the node starts and serves instead of failing at every start."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from corridor.cli import app as cli_app
from corridor.errors import PackageRefused
from corridor.node.identity import NodeIdentity
from corridor.share.package import seal
from corridor.share.service import SPOOL_DIR, SharingService
from corridor.store.records import ObservationQuery
from sharing_support import node_pair
from stores import workdir_store
from test_share_packages import PURPOSE, SYSTEM, people, statements

OBSERVATION = {
    "source_id": "r1", "observed_at": "2024-05-01T10:00:00+00:00", "lat": 43.3, "lon": 21.9,
    "sensor_id": "CAM1", "place": "A1-NIS", "plate": "BG007AB", "plate_raw": "BG 007-AB",
    "agency": "RS-MUP", "grading_scheme": "3x5x2", "grading": "1AP", "classification": 10,
}  # fmt: skip


def good_content(rs: SharingService) -> dict[str, Any]:
    """What RS-MUP really sends for one person, plus one ANPR read of its own."""
    sent = rs.share(SYSTEM, "GB-NCA", people(rs, 1), PURPOSE, deliver=False)
    assert sent.manifest["statements"] == 1
    statement = rs.store.statement_rows(["rs-p-0"], SYSTEM.scope)[0]
    row = {k: v for k, v in statement.items() if k not in ("ingest_id", "first_seen", "kind")}
    for key, value in row.items():
        if hasattr(value, "isoformat"):
            row[key] = value.isoformat()
    return {"statements": [row], "observations": {"anpr": [dict(OBSERVATION)]},
            "manifest": {"purpose": PURPOSE}}  # fmt: skip


def _statement(c: dict[str, Any], **change: Any) -> None:
    c["statements"][0].update(change)


def _observation(c: dict[str, Any], **change: Any) -> None:
    c["observations"]["anpr"][0].update(change)


#: Each change to a good package, and what the refusal must name.
CHANGES = {
    "an observation without an agency": (lambda c: _observation(c, agency=None), "agency"),
    "retract not a list": (lambda c: c.update(retract="s1"), "retract"),
    "statements not a list": (lambda c: c.update(statements={"a": 1}), "statements"),
    "classification -100": (lambda c: _statement(c, classification=-100), "classification"),
    "an unknown schema": (lambda c: _statement(c, schema="Dragon"), "schema"),
    "an unknown property": (lambda c: _statement(c, prop="wingspan"), "property"),
    "the recipient's own agency": (lambda c: _statement(c, agency="GB-NCA"), "recipient"),
    "lat 999": (lambda c: _observation(c, lat=999), "lat"),
    "an observation's classification -100": (
        lambda c: _observation(c, classification=-100), "classification"),
    "a required field missing": (lambda c: _observation(c, sensor_id=None), "sensor_id"),
    "observations not an object": (lambda c: c.update(observations=[1]), "observations"),
    "a NUL in an entity id": (lambda c: _statement(c, entity_id="rs-p-0\x00"), "entity_id"),
}  # fmt: skip


def test_the_good_package_imports(tmp_path: Path) -> None:
    rs, uk, _ = node_pair(tmp_path)
    content = good_content(rs)
    _, blob = seal(rs.identity, uk.identity.public, "intelligence", 50, content)
    uk.receive(blob)
    assert statements(uk) == 1
    assert len(uk.store.observations(ObservationQuery(), SYSTEM.scope)) == 1


def assert_refused_before_spooling(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], named: str
) -> None:
    """RS-MUP's good package, changed by `edit`, is refused by GB-NCA as `malformed`, naming
    `named`, with nothing imported and nothing spooled."""
    rs, uk, _ = node_pair(tmp_path)
    content = copy.deepcopy(good_content(rs))
    edit(content)
    _, blob = seal(rs.identity, uk.identity.public, "intelligence", 50, content)
    with pytest.raises(PackageRefused) as info:
        uk.receive(blob)
    assert info.value.reason == "malformed" and named in info.value.message, info.value.message
    assert statements(uk) == 0 and uk.received() == []
    assert not list((tmp_path / "uk" / "inbox").glob("*"))  # nothing spooled


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_malformed_package_is_refused_before_it_is_spooled(tmp_path: Path, change: str) -> None:
    assert_refused_before_spooling(tmp_path, *CHANGES[change])


def test_a_sequence_past_what_the_store_holds_is_refused(tmp_path: Path) -> None:
    rs, uk, _ = node_pair(tmp_path)
    _, blob = seal(rs.identity, uk.identity.public, "intelligence", 2**63, {"statements": []})
    with pytest.raises(PackageRefused) as info:
        uk.receive(blob)
    assert info.value.reason == "malformed" and "sequence" in info.value.message


def test_a_spooled_package_that_cannot_be_imported_is_set_aside_and_the_node_serves(
    tmp_path: Path,
) -> None:
    """What an earlier version let into the spool (or a damaged file) no longer stops every
    start: recovery sets it aside with its reason, imports the rest, and the node serves."""
    rs, _, _ = node_pair(tmp_path)
    uk_dir = tmp_path / "uk-node"
    uk_identity = NodeIdentity.generate("GB-NCA")
    uk_identity.save(uk_dir)
    store = workdir_store(uk_dir)
    SharingService(store, uk_identity).add_partner(rs.identity.public.card(), None, SYSTEM)
    store.close()
    content = good_content(rs)
    bad = copy.deepcopy(content)
    _observation(bad, lat=999)
    inbox = uk_dir / SPOOL_DIR / "inbox"
    inbox.mkdir(parents=True)
    _, good_blob = seal(rs.identity, uk_identity.public, "intelligence", 60, content)
    _, bad_blob = seal(rs.identity, uk_identity.public, "intelligence", 61, bad)
    (inbox / "a-bad.pkg").write_bytes(bad_blob)
    (inbox / "b-garbage.pkg").write_bytes(b"not a package")
    (inbox / "c-good.pkg").write_bytes(good_blob)

    listed = CliRunner().invoke(cli_app, ["share", "list", "--workdir", str(uk_dir)])
    assert listed.exit_code == 0, listed.output
    assert not list(inbox.glob("*.pkg"))
    held = uk_dir / SPOOL_DIR / "quarantine"
    assert sorted(p.name for p in held.glob("*.pkg")) == ["a-bad.pkg", "b-garbage.pkg"]
    assert "lat" in (held / "a-bad.reason.txt").read_text()
    store = workdir_store(uk_dir)
    try:
        assert sum(c.statements for c in store.counts(SYSTEM.scope)) == 1  # the good one
    finally:
        store.close()
    # And a served node starts (recovery runs before it serves).
    from fastapi.testclient import TestClient

    from corridor.api.app import create_app

    (inbox / "d-bad.pkg").write_bytes(bad_blob)
    with TestClient(create_app(workdir=uk_dir)) as client:
        assert client.get("/health").status_code == 200
    assert (held / "d-bad.pkg").exists()
