"""API keys revoked, renewed and expiring: a key stops working at once, on every process serving
the store; each change is logged, and so is each use of a key that no longer works; a store
made before keys could expire keeps opening, its users' keys working."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from conftest import Api
from corridor.access.caller import Caller
from corridor.api.process import free_port, start_server, stop_server
from corridor.audit import flush
from corridor.cli import app as cli_app
from corridor.errors import Conflict, NotFound, Unauthenticated, ValidationError
from corridor.model.lifetime import parse_expiry
from corridor.settings import Settings
from corridor.store.base import Store
from corridor.store.duckdb import DuckDBStore
from corridor.store.postgres.store import PostgresStore
from corridor.store.records import AuditEntry
from corridor.users import service as users
from stores import BACKEND, workdir_store

OPERATOR = Caller.operator("key management")
PURPOSE = "case 7"


def entries(store: Store, **kw: Any) -> list[AuditEntry]:
    flush(store)
    return store.audit_entries(**kw)


def admin_actions(store: Store, name: str) -> list[dict[str, Any]]:
    return [
        json.loads(e.detail) for e in entries(store, event="admin") if e.target == f"users/{name}"
    ]


def later(monkeypatch: pytest.MonkeyPatch, delta: timedelta) -> None:
    """The users service's clock moved on by `delta`."""

    class Later(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return datetime.now(tz) + delta

    monkeypatch.setattr(users, "datetime", Later)


# --- lifetimes ---------------------------------------------------------------------------------


def test_lifetimes_read_as_operators_write_them(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_expiry("90d") == timedelta(days=90)
    assert parse_expiry(" 12H ") == timedelta(hours=12)
    assert parse_expiry("2w") == timedelta(weeks=2)
    assert parse_expiry("never") is None
    for bad in ("", "0d", "90", "3m", "-1d", "1.5d", "forever", "9999999d"):
        with pytest.raises(ValidationError, match="not a key lifetime"):
            parse_expiry(bad)
    assert Settings().key_expires_in == "90d"
    monkeypatch.setenv("CORRIDOR_KEY_EXPIRES_IN", "soon")
    with pytest.raises(ValueError, match="not a key lifetime"):
        Settings()


def test_a_new_key_expires_after_the_default_lifetime_unless_told(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = datetime.now(UTC)
    user, _ = users.create_user(store, OPERATOR, "ana", "analyst", "RS-MUP")
    assert user.expires_at is not None
    assert before + timedelta(days=90) <= user.expires_at <= datetime.now(UTC) + timedelta(days=90)
    monkeypatch.setenv("CORRIDOR_KEY_EXPIRES_IN", "never")
    assert users.create_user(store, OPERATOR, "bob", "analyst", "RS-MUP")[0].expires_at is None
    user, _ = users.create_user(store, OPERATOR, "cy", "analyst", "RS-MUP",
                                expires_in=timedelta(hours=12))  # fmt: skip
    assert user.expires_at is not None and user.expires_at - user.created_at == timedelta(hours=12)
    assert store.user("cy") == user
    # Each addition logs the expiry it set.
    assert admin_actions(store, "cy")[0]["expires_at"] == user.expires_at.isoformat(
        timespec="seconds"
    )
    assert admin_actions(store, "bob")[0]["expires_at"] is None


# --- in one process ----------------------------------------------------------------------------


def _get(api: Api, key: str) -> httpx.Response:
    headers = {"Authorization": f"ApiKey {key}", "X-Corridor-Purpose": PURPOSE}
    return api.client.get("/stats/counts", headers=headers)  # type: ignore[no-any-return]


def test_a_revoked_key_is_refused_at_once_and_its_use_logged(api: Api) -> None:
    key = api.keys["analyst"]
    assert _get(api, key).status_code == 200
    assert _get(api, key).status_code == 200  # remembered, where the store allows it
    revoked = users.revoke_key(api.store, OPERATOR, "analyst")
    assert revoked.revoked_at is not None and revoked.active
    r = _get(api, key)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "ApiKey"
    assert r.json()["message"] == (
        f"this API key was revoked on {revoked.revoked_at.isoformat(timespec='seconds')}: ask "
        "an administrator for a new one"
    )
    assert admin_actions(api.store, "analyst")[-1] == {"action": "revoke-key", "via": "cli"}
    refused = entries(api.store, event="refuse")[-1]
    assert (refused.user_name, refused.target, refused.purpose) == (
        "analyst", "GET /stats/counts", PURPOSE)  # fmt: skip
    assert "revoked" in json.loads(refused.detail)["reason"]
    with pytest.raises(Conflict, match="revoked already"):
        users.revoke_key(api.store, OPERATOR, "analyst")
    with pytest.raises(NotFound):
        users.revoke_key(api.store, OPERATOR, "nobody")
    # A new key works again; the revoked one never does.
    _, renewed = users.rotate_key(api.store, OPERATOR, "analyst")
    assert _get(api, renewed).status_code == 200
    assert _get(api, key).json()["message"] == "invalid API key"


def test_a_rotated_key_replaces_the_old_one_at_once(api: Api) -> None:
    old = api.keys["analyst"]
    assert _get(api, old).status_code == 200
    user, new = users.rotate_key(api.store, OPERATOR, "analyst", timedelta(weeks=2))
    assert new != old and new.startswith(users.KEY_PREFIX)
    r = _get(api, old)
    assert (r.status_code, r.json()["message"]) == (401, "invalid API key")
    assert _get(api, new).status_code == 200
    assert user.expires_at is not None
    assert admin_actions(api.store, "analyst")[-1] == {
        "action": "rotate-key",
        "expires_at": user.expires_at.isoformat(timespec="seconds"),
        "via": "cli",
    }
    users.deactivate_user(api.store, OPERATOR, "analyst")
    with pytest.raises(Conflict, match="deactivated"):
        users.rotate_key(api.store, OPERATOR, "analyst")
    with pytest.raises(NotFound):
        users.rotate_key(api.store, OPERATOR, "nobody")
    r = _get(api, new)
    assert (r.status_code, r.json()["message"]) == (
        401, "user 'analyst' is deactivated: their key no longer works")  # fmt: skip


def test_an_expired_key_is_refused_with_a_clear_message(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, key = users.create_user(api.store, OPERATOR, "eve", "analyst", "RS-MUP",
                                  expires_in=timedelta(hours=1))  # fmt: skip
    assert _get(api, key).status_code == 200  # and remembered, where the store allows it
    later(monkeypatch, timedelta(minutes=59))
    assert _get(api, key).status_code == 200
    later(monkeypatch, timedelta(hours=1))
    r = _get(api, key)
    assert user.expires_at is not None
    assert (r.status_code, r.json()["message"]) == (
        401,
        f"this API key expired on {user.expires_at.isoformat(timespec='seconds')}: ask an "
        "administrator for a new one",
    )
    refused = entries(api.store, event="refuse")[-1]
    assert (refused.user_name, refused.purpose) == ("eve", PURPOSE)
    assert "expired" in json.loads(refused.detail)["reason"]
    # Renewed, it works again (from now, for the default lifetime).
    _, renewed = users.rotate_key(api.store, OPERATOR, "eve")
    assert _get(api, renewed).status_code == 200


def test_a_remembered_key_costs_no_query_and_a_change_is_seen_at_once(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB: this process makes every change, so a key is looked up once until the users
    change. PostgreSQL: others may change them, so each request asks the store (one point
    query on the key's unique index)."""
    lookups: list[str] = []
    real = api.store.user_by_key_hash

    def counted(digest: str) -> Any:
        lookups.append(digest)
        return real(digest)

    monkeypatch.setattr(api.store, "user_by_key_hash", counted)
    key = api.keys["analyst"]
    for _ in range(5):
        assert _get(api, key).status_code == 200
    assert len(lookups) == (1 if BACKEND == "duckdb" else 5)
    users.create_user(api.store, OPERATOR, "zed", "analyst", "RS-MUP")  # any change to users
    assert _get(api, key).status_code == 200
    assert len(lookups) == (2 if BACKEND == "duckdb" else 6)
    with pytest.raises(Unauthenticated):
        users.authenticate(api.store, "")


# --- on a real served node, several processes --------------------------------------------------

runner = CliRunner()


def cli(*args: str) -> Any:
    env = {"CORRIDOR_PURPOSE": "key management", "COLUMNS": "200"}
    return runner.invoke(cli_app, list(args), env=env)


@pytest.fixture
def served(pg_url: str, tmp_path: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    """A node on PostgreSQL served by two worker processes, and its users' keys."""
    url = f"{pg_url}?schema=k_{uuid.uuid4().hex[:16]}"
    store = PostgresStore(url)
    keys = {}
    for name in ("ana", "bob"):
        _, keys[name] = users.create_user(store, OPERATOR, name, "analyst", "RS-MUP", "SECRET")
    store.close()
    port = free_port()
    proc = start_server(
        tmp_path / "node", port, env={"CORRIDOR_STORE": url}, args=["--workers", "2"]
    )
    try:
        yield f"http://127.0.0.1:{port}", url, keys
    finally:
        stop_server(proc)


def statuses(base: str, key: str, n: int = 12) -> list[tuple[int, str]]:
    """`n` requests, each on a connection of its own (so that both workers answer some)."""
    out = []
    for _ in range(n):
        r = httpx.get(
            f"{base}/stats/counts",
            headers={"Authorization": f"ApiKey {key}", "X-Corridor-Purpose": PURPOSE},
        )
        out.append((r.status_code, r.json().get("message", "")))
    return out


def test_on_a_served_node_revoking_and_rotating_take_effect_at_once(
    served: tuple[str, str, dict[str, str]],
) -> None:
    base, url, keys = served
    assert {s for s, _ in statuses(base, keys["ana"])} == {200}
    assert {s for s, _ in statuses(base, keys["bob"])} == {200}

    r = cli("users", "revoke", "ana", "--store", url)
    assert r.exit_code == 0 and "revoked" in r.output, r.output
    found = statuses(base, keys["ana"])
    assert {s for s, _ in found} == {401}
    assert all(m.startswith("this API key was revoked on") for _, m in found)

    r = cli("users", "rotate-key", "bob", "--expires-in", "2w", "--store", url)
    assert r.exit_code == 0, r.output
    new = r.stdout.strip().splitlines()[-1]
    assert new.startswith(users.KEY_PREFIX)
    assert statuses(base, keys["bob"]) == [(401, "invalid API key")] * 12
    assert {s for s, _ in statuses(base, new)} == {200}

    # Expired (as if time had passed): refused the same way, at once.
    store = PostgresStore(url)
    try:
        with store._session(write=True) as s:  # type: ignore[attr-defined]
            s.execute("UPDATE users SET expires_at = ? WHERE name = 'bob'",
                      [datetime.now(UTC) - timedelta(seconds=1)])  # fmt: skip
        found = statuses(base, new)
        assert {s for s, _ in found} == {401}
        assert all(m.startswith("this API key expired on") for _, m in found)

        # Each change logged, and each use of a key that no longer works under its holder.
        actions = [
            (e.target, json.loads(e.detail)["action"], e.purpose)
            for e in entries(store, event="admin")
            if e.target.startswith("users/")
        ]
        assert actions[-2:] == [("users/ana", "revoke-key", "key management"),
                                ("users/bob", "rotate-key", "key management")]  # fmt: skip
        refused = [(e.user_name, json.loads(e.detail)["reason"].split(" on ")[0])
                   for e in entries(store, event="refuse")]  # fmt: skip
        assert refused == [("ana", "this API key was revoked")] * 12 + [
            ("bob", "this API key expired")] * 12  # fmt: skip
    finally:
        store.close()


# --- the command line --------------------------------------------------------------------------


def test_the_key_commands(tmp_path: Path) -> None:
    w = ["--workdir", str(tmp_path)]
    r = cli("users", "add", "ana", "--role", "analyst", "--agency", "RS-MUP",
            "--expires-in", "2w", *w)  # fmt: skip
    assert r.exit_code == 0 and "expires 20" in r.output
    first = r.stdout.strip().splitlines()[-1]
    never = cli("users", "add", "bob", "--role", "analyst", "--agency", "RS-MUP",
                "--expires-in", "never", *w)  # fmt: skip
    assert never.exit_code == 0 and "never expires" in never.output
    bad = cli("users", "add", "cy", "--role", "analyst", "--agency", "RS-MUP",
              "--expires-in", "3 months", *w)  # fmt: skip
    assert bad.exit_code == 2 and "not a key lifetime" in bad.output

    rotated = cli("users", "rotate-key", "ana", *w)
    # Rich wraps to the terminal's width: the words, not the lines, are what is shown.
    assert rotated.exit_code == 0 and "the old one is void" in " ".join(rotated.output.split())
    second = rotated.stdout.strip().splitlines()[-1]
    assert second.startswith(users.KEY_PREFIX) and second != first
    assert cli("users", "revoke", "bob", *w).exit_code == 0
    again = cli("users", "revoke", "bob", *w)
    assert again.exit_code == 1 and isinstance(again.exception, Conflict)
    missing = cli("users", "rotate-key", "nobody", *w)
    assert isinstance(missing.exception, NotFound)

    listed = runner.invoke(cli_app, ["users", "list", *w], env={"COLUMNS": "200"}).output
    rows = {line.split()[1]: line for line in listed.splitlines() if "RS-MUP" in line}
    assert "active" in rows["ana"] and "revoked" in rows["bob"] and "never" in rows["bob"]
    assert second not in listed

    store = workdir_store(tmp_path)
    try:
        assert users.authenticate(store, second).user == "ana"
        for key in (first,):
            with pytest.raises(Unauthenticated):
                users.authenticate(store, key)
        assert [a["action"] for a in admin_actions(store, "ana")] == ["add", "rotate-key"]
        assert [a["action"] for a in admin_actions(store, "bob")] == ["add", "revoke-key"]
        assert {e.purpose for e in entries(store, event="admin")} == {"key management"}
    finally:
        store.close()


# --- a store made before keys could expire -----------------------------------------------------


def test_a_store_made_before_keys_expired_opens_and_its_keys_work(tmp_path: Path) -> None:
    store = workdir_store(tmp_path)
    _, key = users.create_user(store, OPERATOR, "ana", "analyst", "RS-MUP")
    with store._session(write=True) as s:  # type: ignore[attr-defined]
        for column in ("expires_at", "revoked_at"):  # as it was made then
            s.execute(f"ALTER TABLE users DROP COLUMN {column}")
    store.close()
    if BACKEND == "duckdb":  # opened read-only, it is not changed, and still lists its users
        old = DuckDBStore(tmp_path / "corridor.duckdb", read_only=True)
        try:
            assert [(u.name, u.expires_at) for u in old.users()] == [("ana", None)]
        finally:
            old.close()
    store = workdir_store(tmp_path)
    try:
        assert users.authenticate(store, key).user == "ana"  # a key made then never expires
        assert store.user("ana").expires_at is None  # type: ignore[union-attr]
        users.revoke_key(store, OPERATOR, "ana")
        with pytest.raises(Unauthenticated, match="revoked"):
            users.authenticate(store, key)
    finally:
        store.close()
    store = workdir_store(tmp_path)  # opened again: nothing left to add
    try:
        assert store.user("ana").revoked_at is not None  # type: ignore[union-attr]
    finally:
        store.close()
