"""Shuttle runs: vehicles that drive toward a border crossing at night, again and again, and
come straight back.

A van moving people runs laden to the border at night and returns empty the same night or the
next day. A **run** is a journey (`corridor.sensors.journeys`: a vehicle's reads cut where hours
apart or where it turned back) that heads for a crossing point (it ends nearer the point than it
starts, by at least half the distance it covered: `HEADING`), starts or is halfway through
between 20:00 and 06:00 local time, and is followed within a day by a journey back toward where
it began. The crossing points are those the caller's detections and scans
name (`corridor.sensors.places.crossing_points`), so any agency's points serve, and none the
caller may not see a record of.

Any vehicle makes such a journey now and then. How often the traffic does is its own base rate:
the share of all journeys (that move between two places) that are runs. A plate's **score** is
how surprising its runs are at that rate: `-log10` of the binomial probability of at least its
runs in its journeys (a score of 3: one vehicle in a thousand driving like the traffic does as
many). It is SQL over the reads a user may see (`Store.analyse_observations`) but for the tail
probability, which is arithmetic on one row per plate.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from corridor.errors import ValidationError
from corridor.model.classification import Classification
from corridor.model.observations import ObservationKind
from corridor.model.scope import ReadScope
from corridor.sensors.engines import SensorEngine, StoreEngine
from corridor.sensors.journeys import JOURNEY_GAP_S, MAX_JOURNEY_GAP_S, km_sql, vehicle_reads_sql
from corridor.sensors.places import CrossingPointSeen, crossing_points
from corridor.store.base import Store

#: The local time zone of the roads watched: the partnership's cameras are in Serbia (UTC+1,
#: UTC+2 in summer). Reads are stored in UTC; night is a matter of local time.
TIME_ZONE = "Europe/Belgrade"
#: Night, in local hours: from 20:00 to 06:00 (dark for most of the year in the Balkans, and the
#: hours when the roads are emptiest and border patrols see least).
NIGHT_FROM_H = 20
NIGHT_TO_H = 6
#: How straight a journey must head for a crossing point to be going toward it: its distance
#: to the point must shrink by at least this share of the distance it covered (start to end, on
#: the great circle). 0.5 is cos 60°: heading within about 60° of the point, halfway between
#: straight at it (1) and passing it broadside (0).
HEADING = 0.5
#: The longest wait between a run and the journey back (seconds): "the same night or the next
#: day" for a driver who drops the people, rests and drives home.
RETURN_S = 24 * 3600
#: Years the time zone's offsets are worked out for: the reads of any real feed fall in them
#: (outside, the zone's standard offset is used).
_YEARS = range(1990, 2101)
#: Seconds in a mean Gregorian year: a read's year from its epoch, at worst a day out at New
#: Year, when no zone changes its clocks.
_YEAR_S = 31_556_952


@dataclass(frozen=True, slots=True)
class ShuttleParams:
    gap_s: int = JOURNEY_GAP_S
    return_s: int = RETURN_S
    heading: float = HEADING
    time_zone: str = TIME_ZONE
    night_from_h: int = NIGHT_FROM_H
    night_to_h: int = NIGHT_TO_H

    def __post_init__(self) -> None:
        if not 60 <= self.gap_s <= MAX_JOURNEY_GAP_S:
            raise ValidationError(
                f"the journey gap must be 60 to {MAX_JOURNEY_GAP_S:,} seconds", "gap"
            )
        if not 0 < self.return_s <= 7 * 86400:
            raise ValidationError("the return wait must be 1 to 604,800 seconds", "return")
        if not 0 < self.heading <= 1:
            raise ValidationError("the heading share must be above 0 and at most 1", "heading")
        if not (0 <= self.night_from_h < 24 and 0 <= self.night_to_h < 24):
            raise ValidationError("night hours must be 0 to 23", "night")
        if self.night_from_h == self.night_to_h:
            raise ValidationError("night must start and end at different hours", "night")
        _zone(self.time_zone)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"unknown time zone {name!r}", "tz") from exc


@functools.lru_cache(maxsize=8)
def _offsets(name: str) -> tuple[int, tuple[tuple[int, int, int, int, int, int], ...]]:
    """The zone's offset from UTC (seconds) in each year: (year, first change, second change,
    offset before, between and after them), and its standard offset for other years. Up to two
    changes a year (summer time, either hemisphere); a zone that keeps one offset has none."""
    zone = _zone(name)

    def offset(at: datetime) -> int:
        delta = at.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    rows = []
    for year in _YEARS:
        day = datetime(year, 1, 1, tzinfo=UTC)
        changes: list[tuple[int, int]] = []  # (epoch of the change, offset from then)
        current = offset(day)
        first = current
        while day.year == year:
            after = day + timedelta(days=1)
            if offset(after) != current:  # find the quarter hour it changed in
                at = day
                while offset(at) == current:
                    at += timedelta(minutes=15)
                current = offset(at)
                changes.append((int(at.timestamp()), current))
            day = after
        end = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
        (t1, o1), (t2, o2) = [*changes[:2], (end, current), (end, current)][:2]
        rows.append((year, t1, t2, first, o1, o2))
    return offset(datetime(2001, 1, 1, tzinfo=UTC)), tuple(rows)


def _night_sql(local: str, params: ShuttleParams) -> str:
    """SQL true where the local epoch `local` is in the night's hours."""
    sod = f"({local} - 86400 * FLOOR(({local}) / 86400))"
    lo, hi = params.night_from_h * 3600, params.night_to_h * 3600
    if lo > hi:
        return f"({sod} >= {lo} OR {sod} < {hi})"
    return f"({sod} >= {lo} AND {sod} < {hi})"


_SHUTTLES = """WITH {reads}, trips AS (
    SELECT vehicle, journey, MIN(t) AS t0, MAX(t) AS t1,
           MIN(observed_at) AS first_at, MAX(observed_at) AS last_at,
           MAX(CASE WHEN new_journey = 1 THEN lat END) AS lat0,
           MAX(CASE WHEN new_journey = 1 THEN lon END) AS lon0,
           MAX(CASE WHEN last_read = 1 THEN lat END) AS lat1,
           MAX(CASE WHEN last_read = 1 THEN lon END) AS lon1,
           MAX(classification) AS classification
    FROM j GROUP BY vehicle, journey
), legs AS (  -- each journey with the vehicle's next one
    SELECT trips.*,
           LEAD(t0) OVER (PARTITION BY vehicle ORDER BY journey) AS next_t0,
           LEAD(first_at) OVER (PARTITION BY vehicle ORDER BY journey) AS next_at,
           LEAD(lat1) OVER (PARTITION BY vehicle ORDER BY journey) AS next_lat1,
           LEAD(lon1) OVER (PARTITION BY vehicle ORDER BY journey) AS next_lon1,
           LEAD(classification) OVER (PARTITION BY vehicle ORDER BY journey) AS next_class,
           MAX(classification) OVER (PARTITION BY vehicle) AS vehicle_class
    FROM trips
), moving AS (  -- journeys between two places: the ones with a direction to judge
    SELECT * FROM legs WHERE lat0 <> lat1 OR lon0 <> lon1
), pairs AS (  -- where journeys start and end: few distinct pairs of cameras
    SELECT DISTINCT lat0, lon0, lat1, lon1 FROM moving
), dist AS (
    SELECT pairs.*, p.point, {km_start} AS d0, {km_end} AS d1, {km_pair} AS d01
    FROM pairs CROSS JOIN (VALUES {points}) AS p(point, plat, plon)
), toward AS (  -- the crossing point each start and end heads for, nearest the end
    SELECT lat0, lon0, lat1, lon1, point, d0, d1 FROM (
        SELECT dist.*, ROW_NUMBER() OVER (PARTITION BY lat0, lon0, lat1, lon1
                                          ORDER BY d1, point) AS r
        FROM dist WHERE d0 - d1 >= ? * d01
    ) ranked WHERE r = 1
), tzo AS (
    SELECT * FROM (VALUES {zone}) AS z(y, c1, c2, o0, o1, o2)
), judged AS (
    SELECT m.*, h.d0 AS km0, h.d1 AS km1, h.point,
           m.t0 + COALESCE(CASE WHEN m.t0 < tzo.c1 THEN tzo.o0 WHEN m.t0 < tzo.c2
                                THEN tzo.o1 ELSE tzo.o2 END, {standard}) AS local0
    FROM moving m LEFT JOIN toward h ON h.lat0 = m.lat0 AND h.lon0 = m.lon0
                                    AND h.lat1 = m.lat1 AND h.lon1 = m.lon1
                  LEFT JOIN tzo ON tzo.y = 1970 + CAST(FLOOR(m.t0 / {year_s}) AS INTEGER)
), scored AS (  -- a run: toward a crossing point, at night, and back within the return wait
    SELECT judged.*,
           CASE WHEN point IS NOT NULL AND ({night_start} OR {night_middle})
                 AND next_t0 - t1 <= ? AND {km_back} < {km_there}
                THEN 1 ELSE 0 END AS run
    FROM judged
), totals AS (
    SELECT scored.*, COUNT(*) OVER (PARTITION BY vehicle) AS journeys,
           SUM(run) OVER (PARTITION BY vehicle) AS runs,
           COUNT(*) OVER () AS all_journeys, SUM(run) OVER () AS all_runs
    FROM scored
)
SELECT vehicle, first_at, last_at, next_at, point, km0, km1,
       GREATEST(classification, next_class) AS classification, vehicle_class, journeys, runs,
       all_journeys, all_runs
FROM totals WHERE run = 1
"""


def _number(value: float) -> str:
    """A float as an SQL literal (`repr` keeps every digit; never an exponent for these)."""
    return f"{value:.6f}"


def shuttle_query(
    points: list[CrossingPointSeen], params: ShuttleParams
) -> tuple[str, list[object]] | None:
    """The runs query over a table `obs` of ANPR reads, and its parameters (None where there
    is no crossing point to drive toward). The points and the zone's offsets are written into
    the SQL as numbers; the crossing points' names as parameters."""
    if not points:
        return None
    reads, values = vehicle_reads_sql(params.gap_s)
    standard, zone = _offsets(params.time_zone)
    sql = _SHUTTLES.format(
        reads=reads,
        km_start=km_sql("lat0", "lon0", "p.plat", "p.plon"),
        km_end=km_sql("lat1", "lon1", "p.plat", "p.plon"),
        km_pair=km_sql("lat0", "lon0", "lat1", "lon1"),
        points=", ".join(f"(?, {_number(p.lat)}, {_number(p.lon)})" for p in points),
        zone=", ".join(f"({', '.join(str(v) for v in row)})" for row in zone),
        standard=standard,
        year_s=_YEAR_S,
        night_start=_night_sql("local0", params),
        night_middle=_night_sql("(local0 + (t1 - t0) / 2)", params),
        km_back=km_sql("next_lat1", "next_lon1", "lat0", "lon0"),
        km_there=km_sql("lat1", "lon1", "lat0", "lon0"),
    )
    return sql, [*values, *(p.id for p in points), params.heading, params.return_s]


@dataclass(slots=True)
class Run:
    """A night journey toward a crossing point with a journey back soon after."""

    first_seen: datetime
    last_seen: datetime
    returned_at: datetime  # the first read of the journey back
    toward: str  # the crossing point it headed for (the one nearest its end, if several)
    km_from: float  # from that point, where it started (great circle)
    km_to: float  # from that point, where it ended
    classification: int

    def to_dict(self) -> dict[str, Any]:
        return {"first_seen": self.first_seen.isoformat(), "last_seen": self.last_seen.isoformat(),
                "returned_at": self.returned_at.isoformat(), "toward": self.toward,
                "km_from": round(self.km_from, 1), "km_to": round(self.km_to, 1),
                "classification": Classification(self.classification).label}  # fmt: skip


@dataclass(slots=True)
class Shuttle:
    """A plate with its runs and how unusual they are for the traffic."""

    plate: str
    journeys: int  # its journeys between two places
    score: float  # -log10 P(at least its runs | its journeys, the traffic's rate)
    classification: int  # the highest among its reads the answer rests on
    runs: list[Run] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"plate": self.plate, "runs": len(self.runs), "journeys": self.journeys,
                "score": round(self.score, 3),
                "classification": Classification(self.classification).label,
                "run_list": [r.to_dict() for r in self.runs]}  # fmt: skip


def binomial_tail_log10(k: int, n: int, p: float) -> float:
    """log10 P(X >= k) for X ~ Binomial(n, p), summed in logs so that tiny tails keep their
    digits. (SciPy has it, but reaches Corridor only through statsmodels, unpinned.)"""
    if k <= 0:
        return 0.0
    if k > n or p <= 0:
        return -math.inf
    if p >= 1:
        return 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p
             + (n - i) * log_q for i in range(k, n + 1)]  # fmt: skip
    top = max(terms)
    return (top + math.log(sum(math.exp(t - top) for t in terms))) / math.log(10)


def find_shuttles(
    store: Store,
    scope: ReadScope,
    params: ShuttleParams | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    engine: SensorEngine | None = None,
) -> list[Shuttle]:
    """Every plate with a run among the ANPR reads the scope allows, highest score first. The
    crossing points are learnt from all the detections and scans the scope allows (a point does
    not move with the period asked for)."""
    params = params or ShuttleParams()
    query = shuttle_query(crossing_points(store, scope), params)
    if query is None:
        return []
    sql, values = query
    rows = (engine or StoreEngine()).run(store, ObservationKind.ANPR, sql, values, scope, start,
                                         end)  # fmt: skip
    return shuttles_from_rows(rows)


def shuttles_from_rows(rows: list[dict[str, Any]]) -> list[Shuttle]:
    """The plates of the query's runs, each scored against the traffic's rate of runs."""
    by_plate: dict[str, Shuttle] = {}
    for r in rows:
        plate = str(r["vehicle"])
        shuttle = by_plate.get(plate)
        if shuttle is None:
            rate = int(r["all_runs"]) / int(r["all_journeys"])
            score = -binomial_tail_log10(int(r["runs"]), int(r["journeys"]), rate)
            shuttle = by_plate[plate] = Shuttle(plate, int(r["journeys"]), max(0.0, score),
                                                int(r["vehicle_class"]))  # fmt: skip
        run = Run(r["first_at"], r["last_at"], r["next_at"], str(r["point"]), float(r["km0"]),
                  float(r["km1"]), int(r["classification"]))  # fmt: skip
        shuttle.runs.append(run)
    for shuttle in by_plate.values():
        shuttle.runs.sort(key=lambda run: run.first_seen)
    return sorted(by_plate.values(), key=lambda s: (-s.score, -len(s.runs), s.plate))
