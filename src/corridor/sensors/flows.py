"""Flows between crossing points, the route graph with its volumes, and displacement.

**Crossing points** are those the caller's detections and scans name (`places.crossing_points`,
with their sector). An observation is **at** a crossing point when it names it (`place`), or
else when it lies within `AT_POINT_KM` of one (the nearest), except an ANPR read: a camera
stands on a road, and a motorway passing a crossing point is not the crossing, so a read is at
a point only when its site is the point.

**Volumes**: the activity of `hotspots.activity_rows` (sightings of people, detections, scans
that found something) at each point and sector: events and people.

**Flows**: a plate or a phone seen at one crossing point and next seen at another, within
`within_days`, is a **movement** from the first to the second. Every kind of observation counts
(ANPR reads, sightings, scans of any result, detections), ordered in time; consecutive
observations of the key at one point are one visit, and a movement runs from the visit's last
observation to the next visit's first. A movement's people are the most any observation of
either visit reports with the key (sightings, detections): an indication, not a head count.
Movements are summed into the route graph's edges (`from_point`, `to_point`, movements,
people, first departure, last arrival), and by sector. Limits: one movement per key, so a
vehicle seen by its plate and its driver's phone moves twice unless the same two observations
show both (then it is one); a key not seen at a crossing point in between is not followed
there; a plate is not a vehicle (a cloned plate moves "twice"), and a phone is not its owner.

**Displacement**: activity moving to neighbouring points after enforcement at one. Enforcement
at a point is a week whose enforcement events there (detections and scans that found something)
are significantly more than the point's own rate over the range gives a week (the exact test of
`hotspots.burst_p`, Benjamini–Hochberg with Tarone's screen over every point-week); consecutive
such weeks are one episode. The point's neighbours are the other crossing points within
`NEIGHBOUR_KM`. Before the episode (`window_weeks` weeks) and after it (as many), the
neighbours' share of the activity at the point and its neighbours is compared: a one-sided
two-proportion score test (Miettinen–Nurminen) of a larger share after, q-values by
Benjamini–Hochberg over the episodes tested. An episode is **displacement** when its q-value is
at most the false discovery rate and the neighbours' own activity rose (per day): a rise
everywhere keeps the share, and a fall at the point alone is deterrence, not displacement.
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

from corridor.errors import ValidationError
from corridor.model.classification import Classification
from corridor.model.observations import ObservationKind
from corridor.model.scope import ReadScope
from corridor.sensors.hotspots import (
    FDR,
    MAX_PERIODS,
    ActivityRow,
    activity_rows,
    burst_p,
    day_range,
    discrete_fdr,
    period_of,
)
from corridor.sensors.places import (
    EARTH_KM,
    CrossingPointSeen,
    crossing_points,
    haversine_km,
    nearest_point,
)
from corridor.store.base import Store

#: How far from a crossing point an observation is still at it (km): the point's own ground
#: (its approach road and queue, the green border a few km either side), and less than half
#: the distance between neighbouring road crossings on a land border (typically 10–30 km), so
#: that an observation is not nearer another point than this one.
AT_POINT_KM = 5.0
#: The longest gap (days) between a key's visits to two points that is still one movement: a
#: month covers a group's wait in a camp or safe house between two borders; longer, and the
#: second visit is more likely another journey.
WITHIN_DAYS = 30
#: Crossing points this close (km) are neighbours: a night's walk or a short drive along the
#: border, where a group turned back at one point tries next.
NEIGHBOUR_KM = 50.0
#: Weeks compared before and after enforcement: about a month, long enough for a network to
#: reroute, short enough that the season does not change the mix.
WINDOW_WEEKS = 4

_KM_PER_DEGREE = EARTH_KM * math.pi / 180

#: People each kind's observation reports with a key (ANPR reads and scans: none).
_PEOPLE = {
    ObservationKind.ANPR: "0",
    ObservationKind.SIGHTING: "people_count",
    ObservationKind.SCAN: "0",
    ObservationKind.DETECTION: "COALESCE(people_count, 1)",
}

_KEYED = """
SELECT id, observed_at, lat, lon, place, plate, phone, {people} AS people, classification
FROM obs
WHERE ((plate IS NOT NULL AND plate <> '') OR (phone IS NOT NULL AND phone <> ''))
  AND ({near})
"""


@dataclass(frozen=True, slots=True)
class Movement:
    """A key (plate or phone) seen at one crossing point, then next at another."""

    keys: tuple[str, ...]  # "plate:BG123AB", "phone:+381…": those seen on both observations
    from_point: str
    to_point: str
    departed: datetime  # its last observation at the first point
    arrived: datetime  # its first observation at the second
    people: int
    classification: int
    observation_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"keys": list(self.keys), "from_point": self.from_point, "to_point": self.to_point,
                "departed": self.departed.isoformat(), "arrived": self.arrived.isoformat(),
                "people": self.people,
                "classification": Classification(self.classification).label,
                "observation_ids": list(self.observation_ids)}  # fmt: skip


@dataclass(slots=True)
class Edge:
    """Movements from one crossing point (or sector) to another."""

    source: str
    target: str
    movements: int
    people: int
    first: datetime
    last: datetime
    keys: list[str]
    classification: int

    def to_dict(self, names: tuple[str, str] = ("from_point", "to_point")) -> dict[str, Any]:
        return {names[0]: self.source, names[1]: self.target, "movements": self.movements,
                "people": self.people, "first": self.first.isoformat(),
                "last": self.last.isoformat(), "keys": list(self.keys),
                "classification": Classification(self.classification).label}  # fmt: skip


@dataclass(slots=True)
class Volume:
    """Activity at a crossing point (or in a sector), and the movements in and out of it."""

    name: str
    sector: str
    lat: float | None
    lon: float | None
    events: int = 0
    people: int = 0
    movements_in: int = 0
    movements_out: int = 0
    classification: int = int(Classification.OFFICIAL)
    points: list[str] = field(default_factory=list)  # a sector's points

    def to_point_dict(self) -> dict[str, Any]:
        return {"point": self.name, "sector": self.sector, "lat": self.lat, "lon": self.lon,
                "events": self.events, "people": self.people,
                "movements_in": self.movements_in, "movements_out": self.movements_out,
                "classification": Classification(self.classification).label}  # fmt: skip

    def to_sector_dict(self) -> dict[str, Any]:
        return {"sector": self.name, "points": list(self.points), "events": self.events,
                "people": self.people, "movements_in": self.movements_in,
                "movements_out": self.movements_out,
                "classification": Classification(self.classification).label}  # fmt: skip


@dataclass(slots=True)
class Flows:
    """The route graph: crossing points and sectors with their volumes, and the movements
    between them."""

    within_days: int
    points: list[Volume]
    sectors: list[Volume]
    edges: list[Edge]
    sector_edges: list[Edge]
    movements: list[Movement]
    elsewhere: int = 0  # activity events at no crossing point

    @property
    def keys(self) -> list[str]:
        return sorted({k for m in self.movements for k in m.keys})

    def to_dict(self) -> dict[str, Any]:
        return {"within_days": self.within_days,
                "points": [p.to_point_dict() for p in self.points],
                "sectors": [s.to_sector_dict() for s in self.sectors],
                "edges": [e.to_dict() for e in self.edges],
                "sector_edges": [e.to_dict(("from_sector", "to_sector"))
                                 for e in self.sector_edges],
                "movements": [m.to_dict() for m in self.movements],
                "elsewhere": self.elsewhere}  # fmt: skip


def check_params(within_days: int = WITHIN_DAYS, at_point_km: float = AT_POINT_KM) -> None:
    if not 1 <= within_days <= 366:
        raise ValidationError("the window must be 1 to 366 days", "within")
    if not 0 < at_point_km <= 50:
        raise ValidationError("the distance to a crossing point must be 0 to 50 km", "at_point_km")


class PointFinder:
    """Which crossing point an observation is at: the one it names, else the nearest within
    `within_km` (each place looked up once)."""

    def __init__(self, points: Iterable[CrossingPointSeen], within_km: float) -> None:
        self.points = sorted(points, key=lambda p: p.id)
        self.by_id = {p.id: p for p in self.points}
        self.within_km = within_km
        self._near: dict[tuple[float, float], CrossingPointSeen | None] = {}

    def __call__(
        self, place: str, lat: float | None, lon: float | None, near: bool = True
    ) -> str | None:
        if place in self.by_id:
            return place
        if not near or lat is None or lon is None:
            return None
        if (lat, lon) not in self._near:
            self._near[(lat, lon)] = nearest_point(self.points, lat, lon, self.within_km)
        found = self._near[(lat, lon)]
        return found.id if found is not None else None

    def near_sql(self, near: bool = True) -> tuple[str, list[object]]:
        """A SQL condition true of every observation that may be at a point (its place, or,
        where `near`, a box around each point), and its parameters: the rest is never read."""
        ids = [p.id for p in self.points]
        clauses = [f"place IN ({', '.join('?' * len(ids))})"]
        params: list[object] = list(ids)
        if not near:
            return clauses[0], params
        dlat = self.within_km / _KM_PER_DEGREE
        for p in self.points:
            dlon = dlat / max(math.cos(math.radians(p.lat)), 0.01)
            clauses.append("(lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?)")
            params.extend([p.lat - dlat, p.lat + dlat, p.lon - dlon, p.lon + dlon])
        return " OR ".join(clauses), params


@dataclass(frozen=True, slots=True)
class Keyed:
    """One observation of a key at a crossing point."""

    key: str
    at: datetime
    point: str
    people: int
    classification: int
    id: str


def keyed_observations(
    store: Store,
    scope: ReadScope,
    finder: PointFinder,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Keyed]:
    """Every observation of a plate or a phone at a crossing point, of every kind, within
    the scope and the period."""
    if not finder.points:
        return []
    out = []
    for kind, people in _PEOPLE.items():
        by_place_only = kind is ObservationKind.ANPR  # a road camera is at its site only
        near, params = finder.near_sql(not by_place_only)
        sql = _KEYED.format(people=people, near=near)
        for r in store.analyse_observations(kind, sql, params, scope, start, end):
            point = finder(str(r["place"] or ""), r["lat"], r["lon"], not by_place_only)
            if point is None:
                continue
            at = r["observed_at"]
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
            for name in ("plate", "phone"):
                if r[name]:
                    out.append(Keyed(f"{name}:{r[name]}", at, point, int(r["people"] or 0),
                                     int(r["classification"]), str(r["id"])))  # fmt: skip
    return out


def movements_of(observations: Iterable[Keyed], within_days: int) -> list[Movement]:
    """Movements between crossing points: per key, in time order, consecutive observations at
    one point are a visit; a visit followed within `within_days` by a visit to another point
    is a movement. Two keys moving on the same two observations (a detection naming a plate
    and a phone, then another naming both) are one movement. The result does not depend on
    the order of the input."""
    by_key: dict[str, list[Keyed]] = defaultdict(list)
    for o in observations:
        by_key[o.key].append(o)
    within = timedelta(days=within_days)
    found: dict[tuple[str, str], Movement] = {}
    for key in sorted(by_key):
        seen = sorted(by_key[key], key=lambda o: (o.at, o.point, o.id))
        visits: list[list[Keyed]] = []
        for o in seen:
            if visits and visits[-1][-1].point == o.point:
                visits[-1].append(o)
            else:
                visits.append([o])
        for here, there in pairwise(visits):
            left, came = here[-1], there[0]
            if came.at - left.at > within:
                continue
            both = here + there
            ids = tuple(sorted({o.id for o in both}))
            people = max(o.people for o in both)
            level = max(o.classification for o in both)
            keys: tuple[str, ...] = (key,)
            pair = (left.id, came.id)
            if pair in found:  # another key on the same two observations: the same movement
                had = found[pair]
                ids = tuple(sorted({*ids, *had.observation_ids}))
                keys, people = (*had.keys, key), max(people, had.people)
                level = max(level, had.classification)
            found[pair] = Movement(keys, left.point, came.point, left.at, came.at, people, level,
                                   ids)  # fmt: skip
    return sorted(found.values(), key=lambda m: (m.departed, m.from_point, m.to_point, m.keys))


def edges_of(movements: Iterable[Movement], group: dict[str, str] | None = None) -> list[Edge]:
    """Movements summed by their two points (or by what `group` maps points to: sectors)."""
    edges: dict[tuple[str, str], Edge] = {}
    for m in movements:
        source = group.get(m.from_point, "") if group is not None else m.from_point
        target = group.get(m.to_point, "") if group is not None else m.to_point
        e = edges.get((source, target))
        if e is None:
            edges[(source, target)] = Edge(source, target, 1, m.people, m.departed, m.arrived,
                                            list(m.keys), m.classification)  # fmt: skip
            continue
        e.movements += 1
        e.people += m.people
        e.first = min(e.first, m.departed)
        e.last = max(e.last, m.arrived)
        e.keys.extend(m.keys)
        e.classification = max(e.classification, m.classification)
    for e in edges.values():
        e.keys = sorted(set(e.keys))
    return sorted(edges.values(), key=lambda e: (-e.movements, e.source, e.target))


def point_volumes(
    rows: Iterable[ActivityRow], finder: PointFinder
) -> tuple[dict[str, Volume], int]:
    """Activity at each crossing point, and the events at none."""
    volumes = {p.id: Volume(p.id, p.sector, p.lat, p.lon) for p in finder.points}
    elsewhere = 0
    for r in rows:
        point = finder(r.place, r.lat, r.lon)
        if point is None:
            elsewhere += r.events
            continue
        v = volumes[point]
        v.events += r.events
        v.people += r.people
        v.classification = max(v.classification, r.classification)
    return volumes, elsewhere


def find_flows(
    store: Store,
    scope: ReadScope,
    start: datetime | None = None,
    end: datetime | None = None,
    within_days: int = WITHIN_DAYS,
    at_point_km: float = AT_POINT_KM,
) -> Flows:
    """The route graph among the observations the scope allows (see the module's docstring)."""
    check_params(within_days, at_point_km)
    finder = PointFinder(crossing_points(store, scope), at_point_km)
    moves = movements_of(keyed_observations(store, scope, finder, start, end), within_days)
    volumes, elsewhere = point_volumes(activity_rows(store, scope, start, end), finder)
    return flows_from(finder, moves, volumes, elsewhere, within_days)


def flows_from(
    finder: PointFinder,
    moves: list[Movement],
    volumes: dict[str, Volume],
    elsewhere: int,
    within_days: int,
) -> Flows:
    """The route graph made of movements and point volumes (the pure step after the SQL)."""
    for m in moves:
        volumes[m.from_point].movements_out += 1
        volumes[m.to_point].movements_in += 1
    sector_of = {p.id: p.sector for p in finder.points}
    sectors: dict[str, Volume] = {}
    for v in volumes.values():
        s = sectors.setdefault(v.sector, Volume(v.sector, v.sector, None, None))
        s.points.append(v.name)
        s.events += v.events
        s.people += v.people
        s.movements_in += v.movements_in
        s.movements_out += v.movements_out
        s.classification = max(s.classification, v.classification)
    points = sorted(volumes.values(), key=lambda v: (-v.events, v.name))
    return Flows(within_days, points, sorted(sectors.values(), key=lambda v: (-v.events, v.name)),
                 edges_of(moves), edges_of(moves, sector_of), moves, elsewhere)  # fmt: skip


# --- Displacement ------------------------------------------------------------------------------


@dataclass(slots=True)
class Episode:
    """Enforcement at one crossing point over consecutive weeks, and whether the activity
    moved to its neighbours after it."""

    point: str
    sector: str
    first_week: date
    last_week: date  # its Monday
    enforcement: int  # enforcement events over its weeks
    expected: float  # what the point's own rate gives those weeks
    enforcement_q: float  # the largest q-value among its weeks
    neighbours: list[str]
    before: tuple[int, int]  # (events at the point, at its neighbours) in the weeks before
    after: tuple[int, int]  # the same in the weeks after
    before_days: float
    after_days: float
    p_value: float | None = None  # None: not testable (no neighbour, or no activity)
    q_value: float | None = None
    displaced: bool = False
    classification: int = int(Classification.OFFICIAL)

    @property
    def share_before(self) -> float | None:
        total = sum(self.before)
        return self.before[1] / total if total else None

    @property
    def share_after(self) -> float | None:
        total = sum(self.after)
        return self.after[1] / total if total else None

    @property
    def shift(self) -> float | None:
        if self.share_before is None or self.share_after is None:
            return None
        return self.share_after - self.share_before

    def to_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 6)

        return {"point": self.point, "sector": self.sector,
                "first_week": self.first_week.isoformat(),
                "last_week": self.last_week.isoformat(), "enforcement": self.enforcement,
                "expected": round(self.expected, 4), "enforcement_q": self.enforcement_q,
                "neighbours": list(self.neighbours),
                "before": {"point": self.before[0], "neighbours": self.before[1],
                           "days": round(self.before_days, 4)},
                "after": {"point": self.after[0], "neighbours": self.after[1],
                          "days": round(self.after_days, 4)},
                "share_before": r(self.share_before), "share_after": r(self.share_after),
                "shift": r(self.shift), "p_value": self.p_value, "q_value": self.q_value,
                "displaced": self.displaced,
                "classification": Classification(self.classification).label}  # fmt: skip


def check_displacement(window_weeks: int, neighbour_km: float, fdr: float) -> None:
    if not 1 <= window_weeks <= 26:
        raise ValidationError("the window must be 1 to 26 weeks", "window_weeks")
    if not 0 < neighbour_km <= 500:
        raise ValidationError("neighbours must be 0 to 500 km apart", "neighbour_km")
    if not 0 < fdr < 1:
        raise ValidationError("the false discovery rate must be between 0 and 1", "fdr")


def find_displacement(
    store: Store,
    scope: ReadScope,
    start: datetime | None = None,
    end: datetime | None = None,
    window_weeks: int = WINDOW_WEEKS,
    neighbour_km: float = NEIGHBOUR_KM,
    fdr: float = FDR,
    at_point_km: float = AT_POINT_KM,
) -> list[Episode]:
    """Enforcement episodes among the observations the scope allows, each with its test of
    displacement to the neighbouring points (see the module's docstring)."""
    check_displacement(window_weeks, neighbour_km, fdr)
    check_params(WITHIN_DAYS, at_point_km)
    finder = PointFinder(crossing_points(store, scope), at_point_km)
    return displacement_from_rows(activity_rows(store, scope, start, end), finder, start, end,
                                  window_weeks, neighbour_km, fdr)  # fmt: skip


def displacement_from_rows(
    rows: list[ActivityRow],
    finder: PointFinder,
    start: datetime | None,
    end: datetime | None,
    window_weeks: int = WINDOW_WEEKS,
    neighbour_km: float = NEIGHBOUR_KM,
    fdr: float = FDR,
) -> list[Episode]:
    """Episodes and their tests made of activity rows (the pure step after the SQL)."""
    check_displacement(window_weeks, neighbour_km, fdr)
    daily: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))  # point → day → n
    enforced: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    level: dict[str, int] = defaultdict(lambda: int(Classification.OFFICIAL))
    for r in rows:
        point = finder(r.place, r.lat, r.lon)
        if point is None:
            continue
        daily[point][r.day] += r.events
        level[point] = max(level[point], r.classification)
        if r.kind in (ObservationKind.DETECTION, ObservationKind.SCAN):
            enforced[point][period_of(r.day, "week")] += r.events
    if not daily:
        return []
    first, last = day_range(start, end, (d for days in daily.values() for d in days), "week")
    if last - first > 7 * MAX_PERIODS:
        raise ValidationError(f"the range spans more than {MAX_PERIODS} weeks: ask for a "
                              "shorter one", "start")  # fmt: skip
    episodes = _episodes(enforced, finder, first, last, fdr)
    for e in episodes:
        _compare(e, daily, level, finder, first, last, window_weeks, neighbour_km)
    tested = [e for e in episodes if e.p_value is not None]
    if tested:
        from statsmodels.stats.multitest import fdrcorrection  # type: ignore[import-untyped]

        hits, q = fdrcorrection([e.p_value for e in tested], alpha=fdr, method="indep")
        for e, hit, value in zip(tested, hits, q, strict=True):
            e.q_value = float(value)
            rose = e.after[1] / e.after_days > e.before[1] / e.before_days
            e.displaced = bool(hit) and rose
    return sorted(episodes, key=lambda e: (e.first_week, e.point))


def _week_days(monday: date, first: float, last: float) -> float:
    """The days of a week (from `monday`) within [first, last) (days since 1970)."""
    lo = float((monday - date(1970, 1, 1)).days)
    return max(0.0, min(lo + 7, last) - max(lo, first))


def _episodes(
    enforced: dict[str, dict[date, int]], finder: PointFinder, first: float, last: float,
    fdr: float,
) -> list[Episode]:  # fmt: skip
    """Weeks of enforcement well above each point's own rate, runs of them joined."""
    weeks: list[date] = []
    monday = period_of(math.floor(first), "week")
    while float((monday - date(1970, 1, 1)).days) < last:
        weeks.append(monday)
        monday += timedelta(days=7)
    days = {w: _week_days(w, first, last) for w in weeks}
    all_days = sum(days.values())
    tests: list[tuple[str, date, int, float]] = []  # point, week, events, expected
    pvalues, least = [], []
    for point in sorted(enforced):
        total = sum(enforced[point].values())
        for w in weeks:
            share = round(days[w] / all_days, 12) if all_days else 1.0
            n = enforced[point].get(w, 0)
            tests.append((point, w, n, total * share))
            pvalues.append(burst_p(n, total, share))
            least.append(burst_p(total, total, share))
    rejected, q = discrete_fdr(pvalues, least, fdr)
    episodes: list[Episode] = []
    for (point, w, n, expected), hit, value in zip(tests, rejected, q, strict=True):
        if not hit:
            continue
        last_ep = episodes[-1] if episodes else None
        if last_ep and last_ep.point == point and last_ep.last_week + timedelta(days=7) == w:
            last_ep.last_week = w
            last_ep.enforcement += n
            last_ep.expected += expected
            last_ep.enforcement_q = max(last_ep.enforcement_q, value)
            continue
        p = finder.by_id.get(point)
        episodes.append(Episode(point, p.sector if p else "", w, w, n, expected, value, [],
                                (0, 0), (0, 0), 0.0, 0.0))  # fmt: skip
    return episodes


def _compare(
    e: Episode,
    daily: dict[str, dict[int, int]],
    level: dict[str, int],
    finder: PointFinder,
    first: float,
    last: float,
    window_weeks: int,
    neighbour_km: float,
) -> None:
    """The activity at the point and its neighbours before and after the episode, and the
    test of a larger share at the neighbours after."""
    here = finder.by_id.get(e.point)
    if here is not None:
        e.neighbours = [
            p.id
            for p in finder.points
            if p.id != e.point and haversine_km(here.lat, here.lon, p.lat, p.lon) <= neighbour_km
        ]
    lo = float((e.first_week - date(1970, 1, 1)).days)
    hi = float((e.last_week - date(1970, 1, 1)).days) + 7
    before = (max(first, lo - 7 * window_weeks), lo)
    after = (hi, min(last, hi + 7 * window_weeks))
    e.before_days = max(0.0, before[1] - before[0])
    e.after_days = max(0.0, after[1] - after[0])

    def events(points: list[str], span: tuple[float, float]) -> int:
        return sum(n for p in points for d, n in daily.get(p, {}).items()
                   if span[0] <= d < span[1])  # fmt: skip

    e.before = (events([e.point], before), events(e.neighbours, before))
    e.after = (events([e.point], after), events(e.neighbours, after))
    e.classification = max([level[p] for p in [e.point, *e.neighbours] if p in level],
                           default=int(Classification.OFFICIAL))  # fmt: skip
    if not e.neighbours or not e.before_days or not e.after_days:
        return
    if not sum(e.before) or not sum(e.after):
        return
    e.p_value = share_rise_p(e.after[1], sum(e.after), e.before[1], sum(e.before))


def share_rise_p(after: int, after_total: int, before: int, before_total: int) -> float:
    """One-sided p-value of a larger share after than before (score test, Miettinen–Nurminen);
    1 where the two shares are both 0 or both 1 (nothing to compare)."""
    # statsmodels (with pandas and scipy) takes about a second to import: imported where used,
    # so that a command or a node that never tests a proportion starts without it.
    from statsmodels.stats.proportion import test_proportions_2indep  # type: ignore[import-untyped]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = test_proportions_2indep(after, after_total, before, before_total,
                                         method="score", alternative="larger")  # fmt: skip
    p = float(result.pvalue)
    return 1.0 if math.isnan(p) else min(1.0, max(0.0, p))
