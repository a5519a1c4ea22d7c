"""Vehicle targeting: which vehicles to pull over for a scan at a crossing point, and why.

Two steps. **Who is coming**: the vehicles the ANPR cameras upstream read in the hours before
the time asked for, heading for the crossing point (nearer it at their last read than at the
one before, or read by a camera watching traffic that heads its way), whose arrival, at the
speed they were making, falls near that time. **How likely each carries something**: a naive
Bayes score over indicators an officer can check, each with the evidence behind it:

- `watchlist`: the plate is on a watchlist (a Vehicle entity with topics);
- `records`: the plate is in an agency's intelligence records (a Vehicle entity, not only a
  watchlist entry);
- `convoy`: it travelled in convoy with a watchlisted or recorded vehicle;
- `shuttle`: it makes night runs toward the border and back far more often than traffic does
  (`sensors.shuttles`, significant after a Bonferroni correction over the plates tested);
- `clone`: its plate was read in two places too far apart for one vehicle (`sensors.journeys`);
- `scan_hit`: an earlier scan of it found something;
- `odd_hour`: the camera that last read it sees less than half its even share of traffic in
  that hour of the day.

Each indicator's likelihood ratio starts from a prior (`PRIOR_LR`, domain judgement: a
watchlist entry means more than a night drive) and is learnt from the scanner results the
caller may see: every scan is a labelled example (found something, or clear), and the ratio is
the Beta-smoothed rate of the indicator among finds over its rate among clears. Scanner results
fed back through ingest therefore change the ranking at the next request. The score is the
posterior probability of a find; the reasons are the indicators present, strongest first.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from corridor.errors import NotFound, ValidationError
from corridor.model.observations import ObservationKind
from corridor.model.scope import ReadScope
from corridor.normalise.plates import normalise_plate
from corridor.sensors.convoys import find_convoys
from corridor.sensors.engines import SensorEngine, StoreEngine
from corridor.sensors.journeys import find_clones
from corridor.sensors.places import CrossingPointSeen, crossing_points, haversine_km
from corridor.sensors.shuttles import find_shuttles
from corridor.sensors.watch import recorded_vehicles
from corridor.store.base import Store

#: How far back upstream reads are read (seconds): six hours at motorway speed is the length of
#: a country's watched corridor; a vehicle read earlier has stopped or turned off since.
HORIZON_S = 6 * 3600
#: How far from the time asked for an arrival may fall (seconds): queues at the border, a stop
#: for fuel, and the speed between two cameras being only an estimate.
WINDOW_S = 2 * 3600
#: A vehicle last read this near the crossing point (km) is at it already.
NEAR_KM = 10.0
#: The speed assumed where one read gives no speed (km/h): a laden van or lorry on a motorway.
ASSUMED_KMH = 80.0
#: A closing speed below this (km/h) says nothing about when it arrives (a queue, a stop).
MIN_CLOSING_KMH = 15.0
#: How far back patterns (convoys, shuttles, clones, scans) are read (days).
HISTORY_DAYS = 365
#: The family-wise error rate a shuttle's score is tested at, over every plate tested.
SHUTTLE_ALPHA = 0.05
#: Compass directions cameras record for the traffic they read, in degrees from north.
COMPASS = {"N": 0.0, "NE": 45.0, "E": 90.0, "SE": 135.0, "S": 180.0, "SW": 225.0, "W": 270.0,
           "NW": 315.0}  # fmt: skip
#: Each indicator's likelihood ratio (find over clear) before the scans say otherwise.
PRIOR_LR = {"watchlist": 20.0, "records": 5.0, "convoy": 5.0, "shuttle": 5.0, "clone": 10.0,
            "scan_hit": 10.0, "odd_hour": 2.0}  # fmt: skip
#: How many scans the prior is worth, for finds and for clears alike.
PRIOR_SCANS = 10.0
#: Indicators scans teach: `odd_hour` is a property of the approach, which a scan lacks.
LEARNT = ("watchlist", "records", "convoy", "shuttle", "clone", "scan_hit")

_LAST_READS = """
SELECT * FROM (
    SELECT id, plate, sensor_id, lat, lon, direction, observed_at, classification,
           ROW_NUMBER() OVER (PARTITION BY plate ORDER BY observed_at DESC, id DESC) AS k
    FROM obs WHERE plate IS NOT NULL AND plate <> ''
) ranked WHERE k <= 2
"""

_HOURS = """
SELECT sensor_id, hour, COUNT(*) AS n FROM (
    SELECT sensor_id, CAST(FLOOR(EXTRACT(EPOCH FROM observed_at) / 3600) AS BIGINT) % 24 AS hour
    FROM obs WHERE sensor_id IN ({marks})
) hours GROUP BY sensor_id, hour
"""  # hours of the day in UTC, whatever the database session's time zone

_SCANS = """
SELECT id, plate, result, observed_at, place, classification FROM obs
WHERE plate IS NOT NULL AND plate <> ''
"""


@dataclass(frozen=True, slots=True)
class TargetingParams:
    horizon_s: int = HORIZON_S
    window_s: int = WINDOW_S
    history_days: int = HISTORY_DAYS

    def __post_init__(self) -> None:
        if not 0 < self.horizon_s <= 48 * 3600:
            raise ValidationError("the horizon must be 1 second to 48 hours", "horizon")
        if not 0 < self.window_s <= 24 * 3600:
            raise ValidationError("the window must be 1 second to 24 hours", "window")
        if not 1 <= self.history_days <= 3650:
            raise ValidationError("the history must be 1 to 3,650 days", "history_days")


@dataclass(frozen=True, slots=True)
class Reason:
    """One indicator present, its learnt likelihood ratio and what shows it."""

    code: str
    ratio: float
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "ratio": round(self.ratio, 2), "evidence": self.evidence}


@dataclass(slots=True)
class Target:
    """A vehicle expected at the crossing point, with its score and why."""

    plate: str
    score: float
    eta: datetime
    last_read: str  # the id of the read it was last seen in
    last_camera: str
    km_away: float
    classification: int
    reasons: list[Reason] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"plate": self.plate, "score": round(self.score, 4), "eta": self.eta.isoformat(),
                "last_read": self.last_read, "last_camera": self.last_camera,
                "km_away": round(self.km_away, 1),
                "reasons": [r.to_dict() for r in self.reasons]}  # fmt: skip


@dataclass(slots=True)
class TargetList:
    crossing: str
    at: datetime
    targets: list[Target]
    scans_learnt: int  # scans the ratios were learnt from
    finds_learnt: int  # of which found something
    ratios: dict[str, float]  # each indicator's learnt likelihood ratio


def _bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(x, y)) % 360


def _arrival(
    last: dict[str, Any], before: dict[str, Any] | None, point: CrossingPointSeen
) -> tuple[datetime, float] | None:
    """When a vehicle read at `last` (and `before` it) reaches the point, and how far it was."""
    km = haversine_km(float(last["lat"]), float(last["lon"]), point.lat, point.lon)
    at: datetime = last["observed_at"]
    if km <= NEAR_KM:
        return at, km
    if before is not None and before["sensor_id"] != last["sensor_id"]:
        km_before = haversine_km(float(before["lat"]), float(before["lon"]), point.lat, point.lon)
        hours = (at - before["observed_at"]).total_seconds() / 3600
        if hours <= 0:
            return None
        closing = (km_before - km) / hours
        if closing < MIN_CLOSING_KMH:
            return None  # moving away, or stopped
        return at + timedelta(hours=km / closing), km
    heading = COMPASS.get(str(last.get("direction") or "").strip().upper())
    if heading is None:
        return None
    toward = _bearing(float(last["lat"]), float(last["lon"]), point.lat, point.lon)
    if abs((toward - heading + 180) % 360 - 180) >= 90:
        return None  # the camera reads traffic heading away from the point
    return at + timedelta(hours=km / ASSUMED_KMH), km


@dataclass(slots=True)
class _Evidence:
    """What the history says of each plate: indicator → evidence text."""

    of: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, plate: str, code: str, text: str) -> None:
        self.of.setdefault(plate, {}).setdefault(code, text)

    def codes(self, plate: str) -> dict[str, str]:
        return self.of.get(plate, {})


def _history(
    store: Store,
    scope: ReadScope,
    since: datetime,
    until: datetime,
    engine: SensorEngine,
    vehicles: dict[str, tuple[str, bool, str]],
) -> tuple[_Evidence, list[dict[str, Any]]]:
    """Plate-level indicators from the history, and the scans in it (oldest first)."""
    ev = _Evidence()
    for plate, (entity, listed, _) in vehicles.items():
        if listed:
            ev.add(plate, "watchlist", f"on a watchlist ({entity})")
        else:
            ev.add(plate, "records", f"in intelligence records ({entity})")
    interest = {p for p, codes in ev.of.items() if codes}
    for convoy in find_convoys(store, scope, start=since, end=until, engine=engine):
        flagged = [p for p in convoy.plates if p in interest]
        for plate in convoy.plates:
            others = [p for p in flagged if p != plate]
            if others:
                day = convoy.first_seen.date().isoformat()
                ev.add(plate, "convoy", f"convoy with {', '.join(others)} on {day}")
    shuttles = find_shuttles(store, scope, start=since, end=until, engine=engine)
    if shuttles:
        floor = -math.log10(SHUTTLE_ALPHA / len(shuttles))
        for s in shuttles:
            if s.score >= floor:
                ev.add(s.plate, "shuttle", f"{len(s.runs)} night runs toward the border")
    for clone in find_clones(store, scope, start=since, end=until, engine=engine):
        ev.add(clone.plate, "clone", f"read in two places at once {len(clone.pairs)} times")
    scans = sorted(store.analyse_observations(ObservationKind.SCAN, _SCANS, [], scope, since,
                                              until),
                   key=lambda r: (r["observed_at"], r["id"]))  # fmt: skip
    return ev, scans


def _ratios(
    scans: list[dict[str, Any]], ev: _Evidence, base: dict[str, float]
) -> tuple[dict[str, tuple[float, float]], int, int]:
    """Each indicator's (rate among finds, rate among clears), learnt from the scans."""
    finds = clears = 0
    with_find: Counter[str] = Counter()
    with_clear: Counter[str] = Counter()
    hit_before: set[str] = set()
    for scan in scans:
        plate = normalise_plate(str(scan["plate"]))
        codes = set(ev.codes(plate)) - {"scan_hit"}
        if plate in hit_before:
            codes.add("scan_hit")  # what earlier scans found, not this one
        found = str(scan["result"]) != "clear"
        if found:
            finds += 1
            with_find.update(codes)
            hit_before.add(plate)
        else:
            clears += 1
            with_clear.update(codes)
    rates = {}
    for code, lr in PRIOR_LR.items():
        q = base.get(code, 0.0)
        q_clear = min(0.5, max(q, 1e-3))
        q_find = min(0.95, lr * q_clear)
        if code in LEARNT:
            p_find = (with_find[code] + PRIOR_SCANS * q_find) / (finds + PRIOR_SCANS)
            p_clear = (with_clear[code] + PRIOR_SCANS * q_clear) / (clears + PRIOR_SCANS)
        else:
            p_find, p_clear = q_find, q_clear
        rates[code] = (p_find, p_clear)
    return rates, finds + clears, finds


def target_list(
    store: Store,
    scope: ReadScope,
    crossing: str,
    at: datetime,
    top: int | None = None,
    params: TargetingParams | None = None,
    engine: SensorEngine | None = None,
) -> TargetList:
    """The vehicles expected at `crossing` around `at`, most likely to carry something first."""
    params = params or TargetingParams()
    engine = engine or StoreEngine()
    points = {p.id: p for p in crossing_points(store, scope)}
    point = points.get(crossing)
    if point is None:
        raise NotFound(f"no crossing point {crossing!r} in the records you may see")
    upstream = engine.run(store, ObservationKind.ANPR, _LAST_READS, [], scope,
                          at - timedelta(seconds=params.horizon_s), at)  # fmt: skip
    by_plate: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(upstream, key=lambda r: (str(r["plate"]), int(r["k"]))):
        by_plate.setdefault(str(r["plate"]), []).append(r)
    coming: dict[str, tuple[datetime, float, dict[str, Any]]] = {}
    for plate, reads in by_plate.items():
        arrival = _arrival(reads[0], reads[1] if len(reads) > 1 else None, point)
        if arrival and abs((arrival[0] - at).total_seconds()) <= params.window_s:
            coming[plate] = (arrival[0], arrival[1], reads[0])
    since = at - timedelta(days=params.history_days)
    vehicles = recorded_vehicles(store, scope)
    ev, scans = _history(store, scope, since, at, engine, vehicles)
    hits = {normalise_plate(str(s["plate"])) for s in scans if str(s["result"]) != "clear"}
    for s in scans:
        plate = normalise_plate(str(s["plate"]))
        if str(s["result"]) != "clear" and plate in coming:
            day = s["observed_at"].date().isoformat()
            ev.add(plate, "scan_hit", f"scan at {s['place']} on {day}: {s['result']}")
    _odd_hours(store, scope, since, at, coming, ev)
    population = set(coming) | {normalise_plate(str(s["plate"])) for s in scans}
    base = {code: sum(1 for p in population if code in ev.codes(p)) / max(1, len(population))
            for code in PRIOR_LR}  # fmt: skip
    base["scan_hit"] = len(hits & population) / max(1, len(population))
    rates, learnt, finds = _ratios(scans, ev, base)
    prior = math.log((finds + 1) / (learnt - finds + 1))
    targets = []
    for plate, (eta, km, read) in coming.items():
        present = ev.codes(plate)
        logit = prior
        reasons = []
        for code, (p_find, p_clear) in rates.items():
            if code in present:
                logit += math.log(p_find / p_clear)
                reasons.append(Reason(code, p_find / p_clear, present[code]))
            else:
                logit += math.log((1 - p_find) / (1 - p_clear))
        reasons.sort(key=lambda r: (-r.ratio, r.code))
        score = 1 / (1 + math.exp(-logit))
        targets.append(Target(plate, score, eta, str(read["id"]), str(read["sensor_id"]), km,
                              int(read["classification"]), reasons))  # fmt: skip
    targets.sort(key=lambda t: (-t.score, t.eta, t.plate))
    ratios = {code: p_find / p_clear for code, (p_find, p_clear) in rates.items()}
    return TargetList(crossing, at, targets[:top] if top else targets, learnt, finds, ratios)


def _odd_hours(
    store: Store,
    scope: ReadScope,
    since: datetime,
    until: datetime,
    coming: dict[str, tuple[datetime, float, dict[str, Any]]],
    ev: _Evidence,
) -> None:
    """Flag vehicles last read in an hour their camera sees little traffic in."""
    cameras = sorted({str(read["sensor_id"]) for _, _, read in coming.values()})
    if not cameras:
        return
    sql = _HOURS.format(marks=", ".join("?" * len(cameras)))
    counts: dict[str, Counter[int]] = {}
    for r in store.analyse_observations(ObservationKind.ANPR, sql, cameras, scope, since,
                                        until):  # fmt: skip
        counts.setdefault(str(r["sensor_id"]), Counter())[int(r["hour"])] = int(r["n"])
    for plate, (_, _, read) in coming.items():
        seen = counts.get(str(read["sensor_id"]), Counter())
        total = sum(seen.values())
        hour = read["observed_at"].astimezone(UTC).hour
        if total >= 48 and seen[hour] < 0.5 * total / 24:
            ev.add(plate, "odd_hour", f"read at {hour:02d}:00 UTC, when its camera sees "
                   f"{seen[hour] / total:.1%} of its traffic")  # fmt: skip


def plates_in(targets: Iterable[Target]) -> list[str]:
    return [t.plate for t in targets]
