"""Networks: what the caller's network holds, its communities and roles, whom to take out
first, who bridges communities, which phones replaced which, what changed between two days,
how two entities are connected, exports for other tools, and timelines (each built from what
the caller may read)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from corridor.api.deps import Reader, StoreDep
from corridor.api.schemas.network import (
    Brokers,
    Changes,
    Communities,
    Expansion,
    NetworkPath,
    NetworkSummary,
    Ranking,
    Roles,
    Successions,
    Timeline,
)
from corridor.network import export, service

router = APIRouter(tags=["networks"])

AsOf = Annotated[
    date | None, Query(description="Only what the agencies knew by the end of this day.")
]


def _day(as_of: date | None) -> str | None:
    return as_of.isoformat() if as_of else None


@router.get("/network", response_model=NetworkSummary)
def network(store: StoreDep, caller: Reader, as_of: AsOf = None) -> dict[str, Any]:
    """Nodes and links by kind, people, and how many communities they form."""
    return service.build(store, caller, as_of)


@router.get("/network/communities", response_model=Communities)
def communities(store: StoreDep, caller: Reader, as_of: AsOf = None) -> dict[str, Any]:
    """Every person record the caller may see, with its community (Leiden)."""
    rows = service.communities(store, caller, as_of)
    return {"as_of": _day(as_of),
            "communities": [{"entity_id": r, "community": c} for r, c in rows]}  # fmt: skip


@router.get("/network/rank", response_model=Ranking)
def rank(
    store: StoreDep,
    caller: Reader,
    as_of: AsOf = None,
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> dict[str, Any]:
    """Canonical people, the most disruptive to take out first, each with its reasons."""
    rows = service.rank(store, caller, as_of, limit)
    return {"as_of": _day(as_of), "results": [r.to_dict() for r in rows]}


@router.get("/network/path", response_model=NetworkPath)
def path(
    store: StoreDep,
    caller: Reader,
    a: Annotated[str, Query(min_length=1, max_length=200)],
    b: Annotated[str, Query(min_length=1, max_length=200)],
    within: Annotated[
        str | None, Query(max_length=20, description="30d, 12h, 2w: a time-respecting path.")
    ] = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """How A is connected to B: the strongest chain, or one whose links follow in time."""
    window = service.parse_window(within) if within is not None else None
    return service.path(store, caller, a, b, as_of, window)


@router.get("/network/expand/{entity_id}", response_model=Expansion)
def expand(
    entity_id: str,
    store: StoreDep,
    caller: Reader,
    hops: Annotated[int, Query(ge=1, le=service.MAX_HOPS)] = 1,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """Everything within `hops` links of an entity, and the links among them."""
    return service.expand(store, caller, entity_id, hops, as_of)


@router.get("/network/roles", response_model=Roles)
def roles(store: StoreDep, caller: Reader, as_of: AsOf = None) -> dict[str, Any]:
    """Every canonical person's role, from behaviour and from roles the records state
    (graded), with the evidence for each."""
    rows = service.roles(store, caller, as_of)
    return {"as_of": _day(as_of), "results": [r.to_dict() for r in rows]}


@router.get("/network/brokers", response_model=Brokers)
def brokers(store: StoreDep, caller: Reader, as_of: AsOf = None) -> dict[str, Any]:
    """People bridging communities, the strongest first, with the communities they bridge."""
    rows = service.brokers(store, caller, as_of)
    return {"as_of": _day(as_of), "results": [b.to_dict() for b in rows]}


@router.get("/network/burners", response_model=Successions)
def burners(store: StoreDep, caller: Reader, as_of: AsOf = None) -> dict[str, Any]:
    """Phones that took over another's contacts (burner churn), with what each rests on."""
    found = service.burners(store, caller, as_of)
    return {"as_of": _day(as_of), "results": [s.to_dict() for s in found]}


@router.get("/network/changes", response_model=Changes)
def changes(
    store: StoreDep,
    caller: Reader,
    start: Annotated[date, Query(alias="from", description="The first day.")],
    end: Annotated[date, Query(alias="to", description="The last day.")],
    as_of: AsOf = None,
) -> dict[str, Any]:
    """Who joined or left, links that appeared or ended, and who moved community between two
    days."""
    return service.changes(store, caller, start, end, as_of)


@router.get(
    "/network/export",
    response_class=Response,
    responses={200: {"content": {t: {"schema": {"type": "string", "format": "binary"}}
                                 for t in sorted(set(export.MEDIA_TYPES.values()))},
                     "description": "The file (i2: a ZIP of entities.csv, links.csv and "
                     "import-spec.txt)."}},
)  # fmt: skip
def export_network(
    store: StoreDep,
    caller: Reader,
    format: Annotated[str, Query(max_length=20, description="graphml, gexf, cytoscape, i2, ftm")],
    as_of: AsOf = None,
) -> Response:
    """The caller's network as GraphML, GEXF, Cytoscape.js JSON, i2 import files or FtM."""
    fmt = export.check_format(format)
    files = service.export_network(store, caller, fmt, as_of)
    content = export.zipped(files) if fmt == "i2" else next(iter(files.values()))
    name = export.FILE_NAMES[fmt]
    return Response(content, media_type=export.MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.get("/timeline/{entity_id}", response_model=Timeline)
def timeline(
    entity_id: str,
    store: StoreDep,
    caller: Reader,
    network: Annotated[bool, Query(description="Everyone in the entity's community.")] = False,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """The dated events of an entity (or its community): calls, payments, trips, reports,
    links first seen, sightings and crossings."""
    return service.timeline(store, caller, entity_id, as_of, community=network)
