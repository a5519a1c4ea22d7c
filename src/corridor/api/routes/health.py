from __future__ import annotations

from fastapi import APIRouter

from corridor import __version__

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: no authentication, no data."""
    return {"status": "ok", "version": __version__}
