"""What the CLI and the API ask of the sensor analyses: each answer read in the caller's scope
and audited with what it showed."""

from __future__ import annotations

from datetime import datetime

from corridor.access.caller import Caller
from corridor.audit import Event, audit
from corridor.errors import ValidationError
from corridor.model.classification import Classification
from corridor.sensors.convoys import Convoy, ConvoyParams, find_convoys
from corridor.sensors.engines import sensor_engine
from corridor.sensors.journeys import Clone, JourneyParams, Journeys, find_clones, find_journeys
from corridor.sensors.shuttles import Shuttle, ShuttleParams, find_shuttles
from corridor.sensors.targeting import TargetingParams, TargetList, target_list
from corridor.sensors.watch import VehicleAlert, vehicle_alerts
from corridor.store.base import Store

#: The most plates an audit entry names (a year of reads can hold thousands of convoys).
AUDITED_PLATES = 500


def convoys(
    store: Store,
    caller: Caller,
    start: datetime | None = None,
    end: datetime | None = None,
    params: ConvoyParams | None = None,
    engine: str = "duckdb",
) -> list[Convoy]:
    """The convoys among the ANPR reads the caller may see, between `start` and `end`."""
    period = checked_period(start, end)
    with sensor_engine(engine) as runner:
        found = find_convoys(store, caller.scope, params, start, end, engine=runner)
    plates = [p for c in found for p in c.plates]
    _audit_plates(store, caller, "anpr/convoys", {**period, "convoys": len(found)}, plates,
                  [c.classification for c in found])  # fmt: skip
    return found


def _audit_plates(
    store: Store,
    caller: Caller,
    target: str,
    detail: dict[str, object],
    plates: list[str],
    levels: list[int],
) -> None:
    """Log a read of an analysis over reads: what was asked, and the plates it showed (the
    first `AUDITED_PLATES`), at the highest classification among what showed them."""
    shown = sorted(set(plates))
    level = max(levels, default=int(Classification.OFFICIAL))
    audit(store, caller, Event.READ, target,
          {**detail, "plates": shown[:AUDITED_PLATES], "plates_total": len(shown)},
          Classification(level))  # fmt: skip


def checked_period(start: datetime | None, end: datetime | None) -> dict[str, str | None]:
    """The period asked for, checked, as an audit entry records it."""
    if start is not None and end is not None and end <= start:
        raise ValidationError("the end must be after the start", "end")
    return {"start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None}  # fmt: skip


def journeys(
    store: Store,
    caller: Caller,
    plate: str,
    start: datetime | None = None,
    end: datetime | None = None,
    params: JourneyParams | None = None,
    engine: str = "duckdb",
) -> Journeys:
    """A plate's journeys among the ANPR reads the caller may see, between `start` and `end`."""
    period = checked_period(start, end)
    with sensor_engine(engine) as runner:
        found = find_journeys(store, caller.scope, plate, params, start, end, runner)
    audit(store, caller, Event.READ, f"anpr/journeys/{found.plate}",
          {**period, "plate": found.plate, "vehicle": found.vehicle,
           "journeys": len(found.journeys), "reads": found.reads},
          Classification(found.classification))  # fmt: skip
    return found


def clones(
    store: Store,
    caller: Caller,
    start: datetime | None = None,
    end: datetime | None = None,
    params: JourneyParams | None = None,
    limit: int | None = None,
    engine: str = "duckdb",
) -> tuple[list[Clone], int]:
    """The cloned plates among the ANPR reads the caller may see (the `limit` highest scored,
    where given), and how many there are."""
    period = checked_period(start, end)
    with sensor_engine(engine) as runner:
        found = find_clones(store, caller.scope, params, start, end, runner)
    shown = found if limit is None else found[:limit]
    _audit_plates(store, caller, "anpr/clones", {**period, "clones": len(found)},
                  [c.plate for c in shown], [c.classification for c in shown])  # fmt: skip
    return shown, len(found)


def shuttles(
    store: Store,
    caller: Caller,
    start: datetime | None = None,
    end: datetime | None = None,
    params: ShuttleParams | None = None,
    limit: int | None = None,
    engine: str = "duckdb",
) -> tuple[list[Shuttle], int]:
    """The plates with shuttle runs among the ANPR reads the caller may see, highest score
    first (the `limit` first, where given), and how many there are."""
    period = checked_period(start, end)
    with sensor_engine(engine) as runner:
        found = find_shuttles(store, caller.scope, params, start, end, runner)
    shown = found if limit is None else found[:limit]
    _audit_plates(store, caller, "anpr/shuttles", {**period, "shuttles": len(found)},
                  [s.plate for s in shown], [s.classification for s in shown])  # fmt: skip
    return shown, len(found)


def targeting(
    store: Store,
    caller: Caller,
    crossing: str,
    at: datetime,
    top: int = 20,
    params: TargetingParams | None = None,
    engine: str = "duckdb",
) -> tuple[TargetList, int]:
    """The `top` vehicles to scan at `crossing` around `at`, from what the caller may see, and
    how many were expected there. The log records each plate listed and why it was picked."""
    with sensor_engine(engine) as runner:
        found = target_list(store, caller.scope, crossing, at, None, params, runner)
    expected = len(found.targets)
    found.targets = found.targets[:top]
    level = max((t.classification for t in found.targets), default=int(Classification.OFFICIAL))
    audit(store, caller, Event.READ, "targeting",
          {"crossing": crossing, "at": at.isoformat(), "expected": expected,
           "listed": [{"plate": t.plate, "score": round(t.score, 4),
                       "reasons": [r.code for r in t.reasons]} for t in found.targets],
           "scans_learnt": found.scans_learnt}, Classification(level))  # fmt: skip
    return found, expected


def alerts(
    store: Store,
    caller: Caller,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[VehicleAlert]:
    """The reads of watchlisted vehicles the caller may see, between `start` and `end`."""
    period = checked_period(start, end)
    found = vehicle_alerts(store, caller.scope, start, end)
    _audit_plates(store, caller, "anpr/alerts", {**period, "alerts": len(found)},
                  [a.plate for a in found], [a.classification for a in found])  # fmt: skip
    return found
