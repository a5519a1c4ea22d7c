"""The FastAPI app factory. One store per app, opened by the caller or from a work directory
(or the location it is given)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from corridor import __version__
from corridor.api import errors
from corridor.api.deps import PURPOSE_HEADER, PURPOSE_MAX
from corridor.api.limits import DEFAULT_BODY_BYTES, BodyLimit, PlainURL
from corridor.api.routes import (
    audit,
    crossings,
    entities,
    health,
    hotspots,
    ingest,
    network,
    observations,
    resolve,
    screening,
    search,
    sensors,
    sharing,
    stats,
    targeting,
)
from corridor.ingest.follow_up import resume_follow_ups
from corridor.node.identity import NodeIdentity
from corridor.resources import SCRATCH_DIR, use_scratch
from corridor.screen import matching
from corridor.settings import Settings
from corridor.share.service import SPOOL_DIR, SharingService
from corridor.store.base import Store
from corridor.store.location import open_store

log = logging.getLogger(__name__)


async def _retry_forever(sharing: SharingService, every: float) -> None:
    """Deliver again, now and then, what a partner could not take (it was down, or the
    network was): a served node does not wait for an operator to notice."""
    while True:
        await asyncio.sleep(every)
        try:
            for sent in await run_in_threadpool(sharing.retry):
                log.info("package %s to %s: %s", sent.package_id, sent.partner, sent.status)
        except Exception:  # keep retrying; the next round may succeed
            log.exception("retrying deliveries failed")


def _start_up(store: Store) -> None:
    matching.warm(store)
    try:
        resume_follow_ups(store)
    except Exception:  # the next ingest tries again
        log.exception("could not resume the follow-up work of earlier ingests")


def create_app(
    store: Store | None = None,
    workdir: Path | None = None,
    sharing_service: SharingService | None = None,
    location: str | None = None,
) -> FastAPI:
    """Build the app around a store, or around the store of `workdir` (with the node's
    identity, partners and spool folder there, when it has been initialised): the one at
    `location` (a PostgreSQL URL or a DuckDB file) when given, else the work directory's."""
    if store is None:
        if workdir is None:
            raise ValueError("create_app needs a store or a workdir")
        store = open_store(location if location is not None else Settings().store, workdir)
    owned = workdir is not None
    if workdir is not None:
        use_scratch(workdir / SCRATCH_DIR)
    if sharing_service is None and workdir is not None:
        identity = NodeIdentity.load_optional(workdir)
        if identity is not None:
            sharing_service = SharingService(store, identity, workdir / SPOOL_DIR)

    retry_seconds = Settings().retry_seconds

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        retrying = None
        # The screening index is built, and the work ingests killed after their commit left
        # is resumed, in the background while the node starts serving.
        warming = threading.Thread(
            target=_start_up, args=(app.state.store,), name="corridor-start", daemon=True
        )
        warming.start()
        if app.state.sharing is not None:
            # Packages a crash left half-imported are imported before anything else is served.
            app.state.sharing.recover()
            if owned and retry_seconds > 0:
                retrying = asyncio.create_task(_retry_forever(app.state.sharing, retry_seconds))
        yield
        if retrying is not None:
            retrying.cancel()
        # Whoever closes the store next must find it idle.
        await run_in_threadpool(warming.join)
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
    # Bodies are bounded before anything parses them: packages and uploads may be large.
    app.add_middleware(
        BodyLimit,
        default=DEFAULT_BODY_BYTES,
        limits={"/inbox": sharing.MAX_PACKAGE_BYTES, "/ingest": ingest.MAX_UPLOAD_BYTES},
    )
    app.add_middleware(PlainURL)
    app.state.store = store
    app.state.workdir = workdir
    app.state.sharing = sharing_service
    errors.install(app)
    # Requests are matched against the routes in this order: screening first, the busiest by
    # far (programs calling `/match` for every record), so that its requests do not test every
    # other route first (measured: ~5 % of a `/match` request's CPU). No paths overlap.
    for module in (
        screening, health, entities, resolve, network, search, observations, sensors, ingest,
        stats, sharing, audit, crossings, hotspots, targeting,
    ):  # fmt: skip
        app.include_router(module.router)
    _document_purpose(app)
    return app


def _document_purpose(app: FastAPI) -> None:
    """Name the purpose header on every operation of the OpenAPI document (the dependency
    that reads it, `api.deps.allowed`, reads the raw header: one dependency per request)."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = plain()
            header = {
                "name": PURPOSE_HEADER,
                "in": "header",
                "required": False,
                "description": "Why the caller consults or changes the data (audited).",
                "schema": {"type": "string", "maxLength": PURPOSE_MAX},
            }
            for path, operations in schema.get("paths", {}).items():
                if path == "/health":
                    continue
                for operation in operations.values():
                    operation.setdefault("parameters", []).append(header)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
