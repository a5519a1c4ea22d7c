"""Serving the API over HTTP with uvicorn: what `corridor serve` (and `corridor demo`) run.

One process serves a DuckDB store (DuckDB lets one process open its file). A PostgreSQL store
can be served by several worker processes at once (`--workers N`), each with its own pool of
connections: uvicorn starts them and each builds its app from the environment.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from corridor.api.app import create_app
from corridor.errors import ValidationError
from corridor.settings import Settings
from corridor.store.location import is_postgres, resolve

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def app_from_environment() -> FastAPI:
    """The app a worker process serves: the work directory and store its parent set in the
    environment (`CORRIDOR_HOME`, `CORRIDOR_STORE`)."""
    settings = Settings()
    return create_app(workdir=settings.home, location=settings.store)


def serve_app(
    workdir: Path, host: str, port: int, store: str | None = None, workers: int = 1
) -> None:
    """Serve the node in `workdir` on `host`:`port` until interrupted. Its store is `store` (a
    location, see `corridor.store.location`), by default the one in `workdir`."""
    if workers < 1:
        raise ValidationError("--workers must be at least 1", "workers")
    location = store if store is not None else Settings().store
    if workers > 1 and not is_postgres(resolve(location, workdir)):
        raise ValidationError(
            "several workers need a PostgreSQL store (--store postgresql://…): DuckDB lets one "
            "process open its file",
            "workers",
        )
    if host not in LOOPBACK:
        print(
            f"warning: listening on {host}, beyond this machine's loopback interface; "
            "put TLS and a firewall in front of it",
            file=sys.stderr,
        )
    print(
        f"Corridor serving on http://{host}:{port} "
        f"(API docs at http://{host}:{port}/docs"
        + (f"; {workers} worker processes" if workers > 1 else "")
        + "); Ctrl-C to stop",
        flush=True,
    )
    if workers == 1:
        app = create_app(workdir=workdir, location=location)
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    # The workers are new processes: they find the node where this one was told it is.
    os.environ["CORRIDOR_HOME"] = str(workdir.resolve())
    os.environ["CORRIDOR_STORE"] = str(location)
    uvicorn.run(
        "corridor.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )
