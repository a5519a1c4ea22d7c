"""Request dependencies: the store, and the caller's `Authz` from `Authorization: ApiKey KEY`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request

from corridor.access.authz import Authz
from corridor.access.roles import Action
from corridor.access.users import authenticate
from corridor.errors import Unauthenticated, ValidationError
from corridor.store.base import Store


# The dependencies are `async` so FastAPI runs them on the event loop instead of handing each
# to a worker thread: they do no blocking work beyond the key check, which is cached.
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


def allowed(action: Action) -> Callable[[Request], Awaitable[Authz]]:
    """A dependency that authenticates the caller and checks one action (one flat dependency:
    FastAPI's cost grows with each nested one, and this runs on every request)."""

    async def check(request: Request) -> Authz:
        authz = authenticate(request.app.state.store, _api_key(request))
        authz.require(action)
        return authz

    return check


Reader = Annotated[Authz, Depends(allowed(Action.READ))]
Ingester = Annotated[Authz, Depends(allowed(Action.INGEST))]
StatsReader = Annotated[Authz, Depends(allowed(Action.STATS))]
Judge = Annotated[Authz, Depends(allowed(Action.JUDGE))]
Resolver = Annotated[Authz, Depends(allowed(Action.RESOLVE))]
Screener = Annotated[Authz, Depends(allowed(Action.SCREEN))]
Requester = Annotated[Authz, Depends(allowed(Action.REQUEST))]
Sharer = Annotated[Authz, Depends(allowed(Action.SHARE))]
Answerer = Annotated[Authz, Depends(allowed(Action.ANSWER))]
Auditor = Annotated[Authz, Depends(allowed(Action.AUDIT))]


#: The header in which a caller states why they consult or change data (recorded in the audit
#: log with every event of the request).
PURPOSE_HEADER = "X-Corridor-Purpose"
PURPOSE_MAX = 500


def purpose_of(request: Request) -> str | None:
    """The stated purpose of a request, if any (for routes that already take the `Request`)."""
    return _purpose(request.headers.get(PURPOSE_HEADER))


def _purpose(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > PURPOSE_MAX:
        raise ValidationError(f"the purpose is longer than {PURPOSE_MAX} characters", "purpose")
    return value.strip()


async def get_purpose(
    x_corridor_purpose: Annotated[
        str | None, Header(description="Why the caller consults or changes the data (audited).")
    ] = None,
) -> str | None:
    return _purpose(x_corridor_purpose)


Purpose = Annotated[str | None, Depends(get_purpose)]
