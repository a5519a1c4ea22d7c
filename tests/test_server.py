"""A real `corridor serve` process on 127.0.0.1: the transport, the key header, the bind address."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from corridor.access.caller import Caller
from corridor.api.process import free_port, start_server, stop_server
from corridor.store.duckdb import DuckDBStore
from corridor.users.service import create_user
from stores import workdir_store


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    store = workdir_store(tmp_path)
    _, key = create_user(store, Caller.operator(), "ana", "analyst", "RS-MUP", "SECRET")
    store.close()
    port = free_port()
    proc = start_server(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    try:
        yield base, key
    finally:
        stop_server(proc)


def test_real_server_authenticates_and_serves(server: tuple[str, str]) -> None:
    base, key = server
    assert httpx.get(f"{base}/entities").status_code == 401
    r = httpx.get(
        f"{base}/stats/frontex", params={"year": 2024}, headers={"Authorization": f"ApiKey {key}"}
    )
    assert r.status_code == 200 and r.json()["total"] == 21_525
    r = httpx.get(f"{base}/entities/missing", headers={"Authorization": f"ApiKey {key}"})
    assert r.status_code == 404


def test_server_listens_on_loopback_only(server: tuple[str, str]) -> None:
    base, _ = server
    port = int(base.rsplit(":", 1)[1])
    out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True)
    if out.returncode == 0 and out.stdout.strip():
        local = {line.split()[3] for line in out.stdout.strip().splitlines()}
        assert local == {f"127.0.0.1:{port}"}
    else:  # no `ss`: read the kernel's table directly
        hex_port = f"{port:04X}"
        rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
        listening = {r[1] for r in rows if r[1].endswith(f":{hex_port}") and r[3] == "0A"}
        assert listening == {f"0100007F:{hex_port}"}


def test_server_serves_the_store_it_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`corridor serve` opens the store `--store` (or `CORRIDOR_STORE`) names, here a DuckDB
    file outside the work directory; a store named in the starting process's environment is not
    passed on, so a server started for a work directory serves that directory's store."""
    elsewhere = tmp_path / "elsewhere.duckdb"
    store = DuckDBStore(elsewhere)
    _, key = create_user(store, Caller.operator(), "ana", "analyst", "RS-MUP", "SECRET")
    store.close()
    headers = {"Authorization": f"ApiKey {key}"}
    monkeypatch.setenv("CORRIDOR_STORE", str(elsewhere))
    for env, status in (({}, 401), ({"CORRIDOR_STORE": str(elsewhere)}, 200)):
        port = free_port()
        proc = start_server(tmp_path / "work", port, env=env)
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/stats/counts", headers=headers)
            assert r.status_code == status, (env, r.text)
        finally:
            stop_server(proc)
