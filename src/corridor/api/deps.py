"""Request dependencies: the store, and the `Caller`: their `Authz` from `Authorization: ApiKey
KEY` and the purpose they state in `X-Corridor-Purpose` (the services audit with both)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from corridor.access.caller import Caller
from corridor.access.roles import Action
from corridor.errors import Unauthenticated, ValidationError
from corridor.model.text import check_text
from corridor.store.base import Store
from corridor.users.service import RefusedKey, authenticate, known_key


# The dependencies are `async` so FastAPI runs them on the event loop instead of handing each
# to a worker thread: they do no blocking work there (a key the store must be asked about is
# checked on a worker thread).
async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def _api_key(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() not in ("apikey", "bearer") or not value.strip():
        raise Unauthenticated("send the key as 'Authorization: ApiKey KEY'")
    return value.strip()


def allowed(action: Action) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency that authenticates the caller and checks one action (one flat dependency:
    FastAPI's cost grows with each nested one, and this runs on every request). The caller is
    kept on the request, so that a refusal is logged under their name (`api.errors`)."""

    async def check(request: Request) -> Caller:
        store, key = request.app.state.store, _api_key(request)
        authz = known_key(store, key) if key else None
        if authz is None:
            try:
                authz = (
                    await run_in_threadpool(authenticate, store, key)
                    if key
                    else authenticate(store, key)  # no key: refused without asking the store
                )
            except RefusedKey as exc:  # logged under the holder's name (`api.errors`)
                request.state.caller = Caller.api(exc.authz, _purpose_or_none(request))
                raise
        caller = Caller.api(authz, stated_purpose(request.headers.get(PURPOSE_HEADER)))
        request.state.caller = caller
        authz.require(action)
        return caller

    return check


Reader = Annotated[Caller, Depends(allowed(Action.READ))]
Ingester = Annotated[Caller, Depends(allowed(Action.INGEST))]
StatsReader = Annotated[Caller, Depends(allowed(Action.STATS))]
Judge = Annotated[Caller, Depends(allowed(Action.JUDGE))]
Resolver = Annotated[Caller, Depends(allowed(Action.RESOLVE))]
Screener = Annotated[Caller, Depends(allowed(Action.SCREEN))]
Requester = Annotated[Caller, Depends(allowed(Action.REQUEST))]
Sharer = Annotated[Caller, Depends(allowed(Action.SHARE))]
Answerer = Annotated[Caller, Depends(allowed(Action.ANSWER))]
Auditor = Annotated[Caller, Depends(allowed(Action.AUDIT))]


#: The header in which a caller states why they consult or change data (recorded in the audit
#: log with every event of the request; documented on every route by `api.app`).
PURPOSE_HEADER = "X-Corridor-Purpose"
PURPOSE_MAX = 500


def _purpose_or_none(request: Request) -> str | None:
    try:
        return stated_purpose(request.headers.get(PURPOSE_HEADER))
    except ValidationError:
        return None


def stated_purpose(value: str | None) -> str | None:
    """The purpose a caller stated in the header, as they wrote it (None when blank)."""
    if value is None or not value.strip():
        return None
    # HTTP hands header bytes over as Latin-1; clients send UTF-8 (a purpose in Serbian or
    # with a name in Cyrillic), so the bytes are read again as what they are.
    try:
        value = value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise ValidationError("the purpose is not UTF-8 text", "purpose") from None
    if len(value) > PURPOSE_MAX:
        raise ValidationError(f"the purpose is longer than {PURPOSE_MAX} characters", "purpose")
    return check_text(value.strip(), "purpose")  # it is logged: no control characters
