"""A real `corridor serve` process on 127.0.0.1: the transport, the key header, the bind address."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from corridor.access.users import create_user
from corridor.store.duckdb import DuckDBStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    store = DuckDBStore.open(tmp_path)
    _, key = create_user(store, "ana", "analyst", "RS-MUP", "SECRET")
    store.close()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "corridor", "serve", "--workdir", str(tmp_path), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield base, key
    finally:
        proc.terminate()
        proc.wait(timeout=20)


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
