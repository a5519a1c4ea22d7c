"""`corridor serve` and `corridor demo`: the API over HTTP, and the whole product shown on the
Western Balkans scenario and then served."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridor.commands.common import Scale, StoreUrl, Workdir, out, workdir_path
from corridor.settings import Settings


def serve(
    workdir: Workdir = None,
    store: StoreUrl = None,
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    workers: Annotated[
        int,
        typer.Option(min=1, help="Worker processes (more than one needs a PostgreSQL store)."),
    ] = 1,
) -> None:
    """Serve the API (OpenAPI docs at /docs)."""
    # Local: importing the API (FastAPI, every route) would slow each command's start ~0.25 s.
    from corridor.server import serve_app

    settings = Settings()
    serve_app(
        workdir_path(workdir),
        host or settings.host,
        port or settings.port,
        store=store,
        workers=workers,
    )


def demo(
    workdir: Workdir = None,
    store: StoreUrl = None,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the API when done.")
    ] = True,
    seed: int = 7,
    scale: Scale = 1.0,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Build the Western Balkans scenario, ingest it, show what Corridor does, and serve it."""
    # Local: the demo and the API it serves would slow each command's start ~0.25 s.
    from corridor.demo import run_demo
    from corridor.server import serve_app

    path = workdir if workdir is not None else Path(".corridor-demo")
    ports = (port + 1, port + 2)
    run_demo(
        path,
        seed=seed,
        scale=scale,
        console=out,
        node_ports=ports,
        keep_nodes=serve,
        store=store,
    )
    if serve:
        out.print(
            f"The RS-MUP node serves on http://127.0.0.1:{port + 1} and the GB-NCA node on "
            f"http://127.0.0.1:{port + 2} (their keys in {path}/nodes/*/node-keys.json)"
        )
        serve_app(path, host, port, store=store)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(demo)
