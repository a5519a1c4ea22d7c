"""Ports for the servers Corridor starts: free, and out of the way of outgoing connections."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from corridor.ports import free_port

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless


def test_a_span_of_free_ports_is_free_and_below_the_outgoing_range() -> None:
    ephemeral = Path("/proc/sys/net/ipv4/ip_local_port_range")
    low = int(ephemeral.read_text().split()[0]) if ephemeral.exists() else None
    for _ in range(20):
        port = free_port(span=3)
        held = []
        try:
            for p in range(port, port + 3):
                s = socket.socket()
                held.append(s)
                s.bind(("127.0.0.1", p))  # raises if any of the three is taken
        finally:
            for s in held:
                s.close()
        if low is not None and low > 11_000:
            assert port + 2 < low


def test_a_port_in_use_is_never_offered() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", free_port()))
        s.listen()
        taken = s.getsockname()[1]
        assert all(free_port() != taken for _ in range(200))
