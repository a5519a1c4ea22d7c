"""Crossing points as the agencies' own records name them.

Border detections and scanner results carry the crossing point they were made at (`place`) and
where (`lat`, `lon`); each point's location is the mean of those, its sector the border section
detections name most, its countries those detections and scans record. Learning the points from
the data, rather than from a fixed list, keeps the analyses right for any agency's crossing
points, renamed or new, and never names a point the caller may not see a record of.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from corridor.model.observations import ObservationKind
from corridor.model.scope import ReadScope
from corridor.store.base import Store

_POINTS = """
SELECT place, AVG(lat) AS lat, AVG(lon) AS lon, COUNT(*) AS n,
       MIN(observed_at) AS first_seen, MAX(observed_at) AS last_seen
FROM obs WHERE place IS NOT NULL AND place <> '' AND lat IS NOT NULL AND lon IS NOT NULL
GROUP BY place
"""

_SECTORS = """
SELECT place, border_section, COUNT(*) AS n FROM obs
WHERE place IS NOT NULL AND place <> '' AND border_section IS NOT NULL AND border_section <> ''
GROUP BY place, border_section
"""

#: Mean Earth radius (km), for great-circle distances.
EARTH_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class CrossingPointSeen:
    """A crossing point and where the records made at it put it."""

    id: str
    lat: float
    lon: float
    records: int  # detections and scans made at it
    sector: str  # the border section detections there name most ("" when none do)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points (km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def crossing_points(
    store: Store, scope: ReadScope, start: datetime | None = None, end: datetime | None = None
) -> list[CrossingPointSeen]:
    """Every crossing point named by a detection or scan the scope allows, by id."""
    sums: dict[str, list[float]] = {}  # id → [lat·n, lon·n, n]
    for kind in (ObservationKind.DETECTION, ObservationKind.SCAN):
        for r in store.analyse_observations(kind, _POINTS, [], scope, start, end):
            n = float(r["n"])
            acc = sums.setdefault(str(r["place"]), [0.0, 0.0, 0.0])
            acc[0] += float(r["lat"]) * n
            acc[1] += float(r["lon"]) * n
            acc[2] += n
    best: dict[str, tuple[int, str]] = {}
    for r in store.analyse_observations(ObservationKind.DETECTION, _SECTORS, [], scope, start,
                                        end):  # fmt: skip
        place, n, sector = str(r["place"]), int(r["n"]), str(r["border_section"])
        if place not in best or (n, sector) > best[place]:
            best[place] = (n, sector)
    return [
        CrossingPointSeen(p, lat_n / n, lon_n / n, int(n), best.get(p, (0, ""))[1])
        for p, (lat_n, lon_n, n) in sorted(sums.items())
    ]


def nearest_point(
    points: list[CrossingPointSeen], lat: float, lon: float, within_km: float
) -> CrossingPointSeen | None:
    """The crossing point nearest to (lat, lon), if one is within `within_km`."""
    found = min(points, key=lambda p: haversine_km(lat, lon, p.lat, p.lon), default=None)
    if found is None or haversine_km(lat, lon, found.lat, found.lon) > within_km:
        return None
    return found
