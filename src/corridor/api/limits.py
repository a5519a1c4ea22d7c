"""What a request may send: a body larger than its route allows is refused (413) before any of
it is parsed, whether or not it declared its length; a path or query string holding a control
character is refused (422) before any route sees it."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from corridor.errors import CorridorError, ValidationError

#: A request body, unless its route allows more (JSON bodies are small: a `/match` with the most
#: queries and values it may hold is well under this).
DEFAULT_BODY_BYTES = 2 * 1024 * 1024


class TooLarge(CorridorError):
    """The request body is larger than the route accepts."""

    status_code = 413


class BodyLimit:
    """ASGI middleware: the body of a request to `path` may hold at most `limits[path]` bytes
    (`default` for any other path)."""

    def __init__(self, app: ASGIApp, default: int, limits: Mapping[str, int]) -> None:
        self.app = app
        self.default = default
        self.limits = dict(limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        too_large = TooLarge(f"the request body is larger than {limit:,} bytes")
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await _refuse(send, too_large)
                return
        seen = 0
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # a body sent without its length, or longer than it said
                    # Answered here, as a 413: the framework would turn an error raised while
                    # it parses a form or a JSON body into a 400 of its own. What the app
                    # answers instead, once it finds the body cut short, is not sent.
                    if not refused:
                        refused = True
                        await _refuse(send, too_large)
                    return {"type": "http.disconnect"}
            return message

        async def unless_refused(message: Message) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, counted, unless_refused)
        except Exception:
            if not refused:  # an error of the app's own: not ours to hide
                raise


#: Control characters (C0, DEL and C1, the last as UTF-8 encodes them) in a URL's bytes.
_CONTROL = re.compile(rb"[\x00-\x1f\x7f]|\xc2[\x80-\x9f]")


class PlainURL:
    """ASGI middleware: a request whose path or query string holds a control character (NUL,
    ESC, …, percent-encoded or not) is refused with 422. No id, name or code holds one (ingest
    refuses them: `corridor.model.text`), so it can only be a probe; and some stores cannot
    even look one up (PostgreSQL refuses a NUL in any text)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
            for part, raw in (("path", path), ("query", scope.get("query_string", b""))):
                if _CONTROL.search(unquote_to_bytes(raw)):
                    error = ValidationError(f"the request's {part} holds a control character", part)
                    await _refuse(send, error)
                    return
        await self.app(scope, receive, send)


async def _refuse(send: Send, error: CorridorError) -> None:
    body = json.dumps(error.to_dict()).encode()
    await send({"type": "http.response.start", "status": error.status_code,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
