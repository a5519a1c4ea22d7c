from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Query

from corridor.api.deps import StatsReader, StoreDep
from corridor.api.schemas.stats import Counts, FrontexDetections, FrontexForecast
from corridor.audit import Event, audit
from corridor.stats import forecast as frontex_forecast
from corridor.stats.frontex import Frontex, FrontexSummary

router = APIRouter(tags=["stats"])
_frontex: Frontex | None = None
_frontex_lock = threading.Lock()  # one DuckDB connection: one query at a time


def _frontex_summary(route: str, year: int | None) -> FrontexSummary:
    """The shipped file is read once per process, not once per request."""
    global _frontex
    with _frontex_lock:
        if _frontex is None:
            _frontex = Frontex()
        return _frontex.summary(route, year)


@router.get("/stats/counts", response_model=Counts)
def counts(store: StoreDep, caller: StatsReader) -> dict[str, Any]:
    """Per agency: entities, statements and observations the caller is cleared to see."""
    found = store.counts(caller.scope)
    audit(store, caller, Event.READ, "stats/counts", {"agencies": [c.agency for c in found]})
    return {
        "agencies": [
            {
                "agency": c.agency,
                "entities": c.entities,
                "statements": c.statements,
                "observations": c.observations,
            }
            for c in found
        ]
    }


@router.get("/stats/frontex", response_model=FrontexDetections)
def frontex(
    store: StoreDep,
    caller: StatsReader,
    route: str = "Western Balkan Route",
    year: Annotated[int | None, Query(ge=2009, le=2100)] = None,
) -> dict[str, Any]:
    """Real Frontex detections (detections, not people) by nationality and month."""
    summary = _frontex_summary(route, year)
    audit(store, caller, Event.READ, "stats/frontex", {"route": route, "year": summary.year})
    return {
        "route": summary.route,
        "year": summary.year,
        "total": summary.total,
        "by_nationality": [
            {"iso3": n.iso3, "name": n.name, "detections": n.detections}
            for n in summary.by_nationality
        ],
        "by_month": [{"month": m, "detections": d} for m, d in summary.by_month],
    }


@router.get("/routes/forecast", response_model=FrontexForecast)
def routes_forecast(
    store: StoreDep,
    caller: StatsReader,
    route: str = "Western Balkan Route",
    months: Annotated[int, Query(ge=1, le=frontex_forecast.MAX_MONTHS)] = 12,
    nationality: Annotated[str | None, Query(max_length=3)] = None,
) -> dict[str, Any]:
    """The next months of real Frontex detections on a route (of one nationality, or all),
    with a prediction interval; public statistics, like `/stats/frontex`."""
    f = frontex_forecast.forecast(route, months, nationality)
    audit(
        store,
        caller,
        Event.READ,
        "routes/forecast",
        {"route": f.route, "nationality": f.nationality, "months": months},
    )
    return {
        "route": f.route,
        "nationality": f.nationality,
        "model": f.model,
        "level": f.level,
        "last_observed": f.last_observed,
        "months": [
            {"month": m.month, "forecast": m.forecast, "lower": m.lower, "upper": m.upper}
            for m in f.months
        ],
    }
