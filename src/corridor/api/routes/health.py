from __future__ import annotations

from fastapi import APIRouter

from corridor import __version__
from corridor.api.schemas.health import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health() -> dict[str, str]:
    """Liveness: no authentication, no data."""
    return {"status": "ok", "version": __version__}
