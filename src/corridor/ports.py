"""Free loopback ports for the servers Corridor starts itself (the demo's nodes, a local
PostgreSQL cluster, the tests' servers)."""

from __future__ import annotations

import random
import socket
from pathlib import Path

#: Where Linux hands out ports for outgoing connections (`ip_local_port_range`).
_EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 10_000


def _below_ephemeral() -> range | None:
    """Ports below the range the kernel gives outgoing connections, if there is room."""
    try:
        low = int(_EPHEMERAL.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return range(_LOWEST, low) if low - _LOWEST >= 1_000 else None


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port(span: int = 1) -> int:
    """A port nothing listens on now, on 127.0.0.1; with `span`, the first of that many in a
    row (`corridor demo --port P` serves on P and its nodes on P+1 and P+2).

    A port the kernel picks (bind to 0) comes from the range it also gives outgoing
    connections, so between choosing it and a server binding it, a client connecting anywhere
    can take it ("address already in use"). A free port below that range is chosen instead
    when the system says where the range starts; elsewhere the kernel picks."""
    ports = _below_ephemeral()
    if ports is not None:
        for _ in range(200):
            port = random.SystemRandom().choice(ports[: len(ports) - span + 1])
            if all(_bindable(p) for p in range(port, port + span)):
                return port
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if all(_bindable(p) for p in range(port + 1, port + span)):
            return port
    raise OSError(f"no {span} free ports in a row on 127.0.0.1")
