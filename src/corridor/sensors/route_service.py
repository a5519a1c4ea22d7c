"""What the CLI and the API ask of the route analyses (where and when groups cross): each answer
read in the caller's scope and audited with what it showed."""

from __future__ import annotations

from datetime import datetime

from corridor.access.caller import Caller
from corridor.audit import Event, audit
from corridor.model.classification import Classification
from corridor.model.timeparse import parse_datetime
from corridor.sensors import flows as flow_rules
from corridor.sensors import hotspots as hotspot_rules
from corridor.sensors.crossings import CrossingEvent, CrossingParams, find_crossings
from corridor.sensors.service import checked_period
from corridor.store.base import Store

#: The most ids of one kind an audit entry names (a year of sightings can hold thousands of
#: crossings).
AUDITED_IDS = 500


def crossings(
    store: Store,
    caller: Caller,
    start: datetime | None = None,
    end: datetime | None = None,
    params: CrossingParams | None = None,
) -> list[CrossingEvent]:
    """The crossing events among the sightings the caller may see, between `start` and `end`,
    with the detections and entities they may see linked."""
    start, end = _utc(start), _utc(end)
    period = checked_period(start, end)
    found = find_crossings(store, caller.scope, params, start, end)
    entities = sorted({e for c in found for e in c.entity_ids})
    keys = sorted({m.key for c in found for m in c.matches})
    level = max((c.classification for c in found), default=int(Classification.OFFICIAL))
    audit(store, caller, Event.READ, "routes/crossings",
          {**period, "crossings": len(found),
           "points": sorted({c.crossing_point for c in found if c.crossing_point}),
           "entity_ids": entities[:AUDITED_IDS], "entity_ids_total": len(entities),
           "keys": keys[:AUDITED_IDS], "keys_total": len(keys)},
          Classification(level))  # fmt: skip
    return found


def _utc(moment: datetime | None) -> datetime | None:
    """A time as the analyses take it: one without an offset is UTC."""
    return None if moment is None else parse_datetime(moment)


def hotspots(
    store: Store,
    caller: Caller,
    start: datetime | None = None,
    end: datetime | None = None,
    period: str = "week",
    resolution: int = hotspot_rules.RESOLUTION,
    fdr: float = hotspot_rules.FDR,
) -> hotspot_rules.Hotspots:
    """Activity by H3 cell and period among the observations the caller may see, the
    hotspots marked (`sensors.hotspots`)."""
    start, end = _utc(start), _utc(end)
    asked = checked_period(start, end)
    found = hotspot_rules.find_hotspots(store, caller.scope, start, end, period, resolution, fdr)
    ids = sorted({i for c in found.cells for i in c.observation_ids})
    hot = [f"{c.cell}/{c.period.isoformat()}" for c in found.hotspots]
    dense = [f"{c.cell}/{c.period.isoformat()}" for c in found.concentrated]
    level = max((c.classification for c in found.cells), default=int(Classification.OFFICIAL))
    audit(store, caller, Event.READ, "routes/hotspots",
          {**asked, "period": period, "resolution": resolution, "fdr": fdr,
           "cell_periods": len(found.cells), "hotspots": hot[:AUDITED_IDS],
           "hotspots_total": len(hot), "concentrated": dense[:AUDITED_IDS],
           "concentrated_total": len(dense), "observation_ids": ids[:AUDITED_IDS],
           "observation_ids_total": len(ids)},
          Classification(level))  # fmt: skip
    return found


def flows(
    store: Store,
    caller: Caller,
    start: datetime | None = None,
    end: datetime | None = None,
    within_days: int = flow_rules.WITHIN_DAYS,
) -> flow_rules.Flows:
    """The route graph among the observations the caller may see: crossing points and sectors
    with their volumes, and the plates and phones that moved between them
    (`sensors.flows`)."""
    start, end = _utc(start), _utc(end)
    asked = checked_period(start, end)
    found = flow_rules.find_flows(store, caller.scope, start, end, within_days)
    keys = found.keys
    levels = [e.classification for e in found.edges] + [p.classification for p in found.points]
    audit(store, caller, Event.READ, "routes/flows",
          {**asked, "within_days": within_days, "points": len(found.points),
           "edges": len(found.edges), "movements": len(found.movements),
           "keys": keys[:AUDITED_IDS], "keys_total": len(keys)},
          Classification(max(levels, default=int(Classification.OFFICIAL))))  # fmt: skip
    return found


def displacement(
    store: Store,
    caller: Caller,
    start: datetime | None = None,
    end: datetime | None = None,
    window_weeks: int = flow_rules.WINDOW_WEEKS,
    neighbour_km: float = flow_rules.NEIGHBOUR_KM,
) -> list[flow_rules.Episode]:
    """Enforcement episodes at crossing points among the observations the caller may see, each
    tested for activity moving to the neighbouring points after it (`sensors.flows`)."""
    start, end = _utc(start), _utc(end)
    asked = checked_period(start, end)
    found = flow_rules.find_displacement(store, caller.scope, start, end, window_weeks,
                                         neighbour_km)  # fmt: skip
    level = max((e.classification for e in found), default=int(Classification.OFFICIAL))
    audit(store, caller, Event.READ, "routes/displacement",
          {**asked, "window_weeks": window_weeks, "neighbour_km": neighbour_km,
           "episodes": [f"{e.point}/{e.first_week.isoformat()}" for e in found][:AUDITED_IDS],
           "episodes_total": len(found),
           "displaced": sum(1 for e in found if e.displaced)},
          Classification(level))  # fmt: skip
    return found
