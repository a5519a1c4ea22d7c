"""Serving the API over HTTP with uvicorn: what `corridor serve` (and `corridor demo`) run."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from corridor.api.app import create_app

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve_app(workdir: Path, host: str, port: int, store: str | None = None) -> None:
    """Serve the node in `workdir` on `host`:`port` until interrupted. Its store is `store` (a
    location, see `corridor.store.location`), by default the one in `workdir`."""
    if host not in LOOPBACK:
        print(
            f"warning: listening on {host}, beyond this machine's loopback interface; "
            "put TLS and a firewall in front of it",
            file=sys.stderr,
        )
    app = create_app(workdir=workdir, location=store)
    print(
        f"Corridor serving on http://{host}:{port} "
        f"(API docs at http://{host}:{port}/docs); Ctrl-C to stop",
        flush=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
