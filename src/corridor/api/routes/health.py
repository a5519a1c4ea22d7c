from __future__ import annotations

from fastapi import APIRouter

from corridor import __version__
from corridor.api.schemas.health import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
async def health() -> dict[str, str]:
    """Liveness: no authentication, no data. Answered on the event loop itself (not in the
    thread pool, where it would queue behind requests waiting for the store), so it says
    whether the node can answer at all, however busy its threads are."""
    return {"status": "ok", "version": __version__}
