"""The FastAPI app factory. One store per app, opened by the caller or from a work directory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from corridor import __version__
from corridor.api import errors
from corridor.api.routes import (
    audit,
    entities,
    health,
    ingest,
    observations,
    resolve,
    screening,
    search,
    stats,
)
from corridor.store.base import Store
from corridor.store.duckdb import DuckDBStore


def create_app(store: Store | None = None, workdir: Path | None = None) -> FastAPI:
    """Build the app around a store, or around the DuckDB store in `workdir`."""
    if store is None:
        if workdir is None:
            raise ValueError("create_app needs a store or a workdir")
        store = DuckDBStore.open(workdir)
    owned = workdir is not None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            app.state.store.close()

    app = FastAPI(
        title="Corridor",
        version=__version__,
        description=(
            "Intelligence fusion and direct sharing against organised immigration crime. "
            "Authenticate with `Authorization: ApiKey KEY`."
        ),
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.workdir = workdir
    errors.install(app)
    for module in (
        health, entities, resolve, screening, search, observations, ingest, stats, audit,
    ):  # fmt: skip
        app.include_router(module.router)
    return app
