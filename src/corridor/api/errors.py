"""Exceptions to HTTP responses, in one place. Corridor's own errors carry their status."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from corridor.audit import Event, audit
from corridor.errors import CorridorError, Forbidden
from corridor.users.service import RefusedKey

log = logging.getLogger(__name__)


def install(app: FastAPI) -> None:
    @app.exception_handler(CorridorError)
    async def corridor_error(request: Request, exc: CorridorError) -> JSONResponse:
        caller = getattr(request.state, "caller", None)
        if isinstance(exc, Forbidden | RefusedKey) and caller is not None:
            # A refusal is logged under the caller's name, whichever check refused them (a
            # key revoked, expired or of a deactivated user too: its holder is known).
            target = f"{request.method} {request.url.path}"
            store = request.app.state.store
            try:
                await run_in_threadpool(audit, store, caller, Event.REFUSE, target,
                                        {"reason": exc.message})  # fmt: skip
            except Exception:  # the refusal stands; the log's failure is the operator's to see
                log.exception("audit log: the refusal of %s could not be written", target)
        headers = {"WWW-Authenticate": "ApiKey"} if exc.status_code == 401 else None
        return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or None
        message = (
            f"{field}: {first.get('msg')}" if field else str(first.get("msg", "invalid request"))
        )
        body = {
            "error": "ValidationError",
            "message": message,
            "field": field,
            "detail": [
                {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
                for e in errors
            ],
        }
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": "HTTPError", "message": str(exc.detail)}, status_code=exc.status_code
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"error": "InternalError", "message": "internal error"}, status_code=500
        )
