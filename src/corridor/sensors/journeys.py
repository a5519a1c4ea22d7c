"""Journeys and cloned plates: a vehicle's ANPR reads in time order, and reads of one plate too
far apart for the time between them.

A plate's reads, in time order, are cut into **journeys** where they are hours apart or where
the vehicle turned back (the camera reads the opposite carriageway); each step has the
great-circle distance from the previous read's camera, the time it took and the speed that
implies. Two consecutive reads of one plate whose implied speed is beyond what a road vehicle
does are an **impossible journey**: two vehicles wear that plate (a clone), unless a camera
misread a look-alike. The test is SQL over the reads a user may see
(`Store.analyse_observations`), the misread handling that of convoys (`MISREADS`): a plate read
far less often than one a camera could mistake it for counts as that one. Each read is compared
only with the plate's previous read (`LAG`), so the work grows with the reads, not their pairs.

The reads-to-journeys part (`vehicle_reads_sql`) is shared with the shuttle runs
(`corridor.sensors.shuttles`): one definition of a journey for every analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from corridor.errors import ValidationError
from corridor.model.classification import Classification
from corridor.model.observations import ObservationKind
from corridor.model.scope import ReadScope
from corridor.normalise.plates import (
    SKELETON_FROM,
    SKELETON_TO,
    normalise_plate,
    plate_skeleton,
)
from corridor.sensors.convoys import MISREADS, plates_like_sql
from corridor.sensors.engines import SensorEngine, StoreEngine
from corridor.sensors.places import EARTH_KM, haversine_km
from corridor.store.base import Store

#: Reads of one vehicle further apart than this (seconds) belong to different journeys: on a
#: watched road a vehicle passes a camera every quarter to half hour, and a camera may miss it;
#: hours without a read are a stop or a drive elsewhere (the same as a convoy's trip gap).
JOURNEY_GAP_S = 2 * 3600
#: The longest gap a caller may ask for (seconds): longer, and a week's driving is one journey.
MAX_JOURNEY_GAP_S = 7 * 86400
#: The fastest a road vehicle is taken to go between two cameras (km/h). Few production cars
#: reach 250 km/h and none keeps it up on public roads between two cameras; a bound this high
#: flags only what no driver does. The distance is the great circle, never longer than the road,
#: so the speed it implies is never above the real one: no allowance is needed for bends.
MAX_KMH = 250.0
#: How far the clocks of two cameras may disagree (seconds), added to the time between two reads
#: before their speed is judged: ANPR cameras keep time by the network, but one that lost its
#: time source drifts by minutes.
CLOCK_SLACK_S = 300
#: What an impossible pair counts for when a read of it may be a misread: a read the camera was
#: less sure of than of the median read (each make of camera has its own scale of confidence;
#: the median of its reads is where "unsure" starts on it) that was taken for a misread, or of a
#: plate with a look-alike among the vehicles read (the same `plate_skeleton`, another plate
#: read too often to be a misread of it). As a plate read `MISREADS` times less often than its
#: look-alike is taken for a misread of it, so such a pair counts for `1 / MISREADS` of one.
DOUBTFUL_PAIR = 1.0 / MISREADS
#: The score from which a plate is reported as cloned: one impossible pair no misread explains
#: is enough (one vehicle cannot be in two places); doubtful pairs must repeat (a misread is
#: seldom repeated).
MIN_CLONE_SCORE = 1.0


def km_sql(lat1: str, lon1: str, lat2: str, lon2: str) -> str:
    """The great-circle distance (km) between two points, as SQL that DuckDB, PostgreSQL and
    Spark all run (the haversine formula; `LEAST` keeps rounding from passing 1 to `ASIN`)."""
    return (
        f"2 * {EARTH_KM} * ASIN(LEAST(1.0, SQRT("
        f"POWER(SIN(RADIANS({lat2} - {lat1}) / 2), 2) + COS(RADIANS({lat1})) * "
        f"COS(RADIANS({lat2})) * POWER(SIN(RADIANS({lon2} - {lon1}) / 2), 2))))"
    )


#: Each read with the vehicle it is taken for and, from the vehicle's previous read, what a
#: journey step needs; `new_journey` is 1 where a journey begins, `journey` numbers them.
_VEHICLE_READS = """
v0 AS (
    SELECT id, plate, sensor_id, observed_at, lat, lon, confidence, classification,
           UPPER(SUBSTR(COALESCE(direction, ''), 1, 1)) AS heading,
           EXTRACT(EPOCH FROM observed_at) AS t
    FROM obs
    WHERE plate IS NOT NULL AND plate <> '' AND lat IS NOT NULL AND lon IS NOT NULL {only}
), counts AS (  -- each plate read, with its skeleton (worked out once a plate, not a read)
    SELECT TRANSLATE(plate, ?, ?) AS skeleton, plate, n
    FROM (SELECT plate, COUNT(*) AS n FROM v0 GROUP BY plate) AS read
), ranked AS (
    SELECT counts.*, ROW_NUMBER() OVER (PARTITION BY skeleton ORDER BY n DESC, plate) AS r,
           MAX(n) OVER (PARTITION BY skeleton) AS top_n
    FROM counts
), top AS (  -- each skeleton's plate read most, and how many vehicles (not misreads) share it
    SELECT skeleton, MAX(CASE WHEN r = 1 THEN plate END) AS top_plate, MAX(top_n) AS top_n,
           SUM(CASE WHEN n * ? > top_n THEN 1 ELSE 0 END) AS lookalikes
    FROM ranked GROUP BY skeleton
), v1 AS (  -- a plate read far less often than one a camera could mistake it for is that one
    SELECT v0.*, counts.skeleton, top.lookalikes,
           CASE WHEN counts.n * ? <= top.top_n THEN top.top_plate ELSE v0.plate END AS vehicle
    FROM v0 JOIN counts ON counts.plate = v0.plate
            JOIN top ON top.skeleton = counts.skeleton
), v AS (
    SELECT v1.*{doubt} FROM v1
), s AS (  -- one pass over each vehicle's reads in time order gives all of the previous read
    SELECT v.*,{steps}
           LAG(id) OVER (PARTITION BY vehicle ORDER BY t, id) AS prev_id,
           LAG(t) OVER (PARTITION BY vehicle ORDER BY t, id) AS prev_t,
           LAG(lat) OVER (PARTITION BY vehicle ORDER BY t, id) AS prev_lat,
           LAG(lon) OVER (PARTITION BY vehicle ORDER BY t, id) AS prev_lon,
           LAG(heading) OVER (PARTITION BY vehicle ORDER BY t, id) AS prev_heading
    FROM v
), j0 AS (  -- a journey begins after hours without a read, or where the vehicle turned back
    SELECT s.*,
           CASE WHEN prev_t IS NULL OR t - prev_t > ?
                  OR (prev_heading || heading) IN ('NS', 'SN', 'EW', 'WE')
                THEN 1 ELSE 0 END AS new_journey
    FROM s
), j AS (
    SELECT j0.*, SUM(new_journey) OVER (PARTITION BY vehicle ORDER BY t, id
                                        ROWS UNBOUNDED PRECEDING) AS journey,
           COALESCE(LEAD(new_journey) OVER (PARTITION BY vehicle ORDER BY t, id), 1)
           AS last_read  -- 1 on a journey's last read (the same pass as `journey`)
    FROM j0
)"""

#: What a step between two reads needs beyond its place and time, for `steps=True`: whether a
#: read is unsure (it was, or may be, a misread of a look-alike), and the previous read's.
_DOUBT = """,
           CASE WHEN (plate <> vehicle OR lookalikes > 1) AND (confidence IS NULL
                      OR confidence < (SELECT PERCENTILE_CONT(0.5) WITHIN GROUP
                                       (ORDER BY confidence) FROM v0))
                THEN 1 ELSE 0 END AS doubt"""
_STEPS = """
           LAG(sensor_id) OVER (PARTITION BY vehicle ORDER BY t, id) AS prev_camera,
           LAG(observed_at) OVER (PARTITION BY vehicle ORDER BY t, id) AS prev_at,
           LAG(doubt) OVER (PARTITION BY vehicle ORDER BY t, id) AS prev_doubt,
           LAG(classification) OVER (PARTITION BY vehicle ORDER BY t, id)
           AS prev_classification,"""


def vehicle_reads_sql(
    gap_s: int, skeletons: list[str] | None = None, steps: bool = False
) -> tuple[str, list[object]]:
    """The CTEs (`v0` … `j`, without the leading `WITH`) that give each read its vehicle, its
    previous read and its journey, and their parameters; only reads whose plate has one of
    `skeletons` where given; with `steps`, each read's doubt and the previous read's camera,
    time, doubt and classification too (in the same pass: sorting ten million reads by
    vehicle and time is most of what these analyses cost)."""
    only, among = plates_like_sql(skeletons) if skeletons is not None else ("", [])
    return _VEHICLE_READS.format(
        only=only, doubt=_DOUBT if steps else "", steps=_STEPS if steps else ""
    ), [
        *among, SKELETON_FROM, SKELETON_TO, MISREADS, MISREADS, gap_s,
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class JourneyParams:
    gap_s: int = JOURNEY_GAP_S
    max_kmh: float = MAX_KMH
    clock_slack_s: int = CLOCK_SLACK_S

    def __post_init__(self) -> None:
        if not 60 <= self.gap_s <= MAX_JOURNEY_GAP_S:
            raise ValidationError(
                f"the journey gap must be 60 to {MAX_JOURNEY_GAP_S:,} seconds", "gap"
            )
        if not 50 <= self.max_kmh <= 2000:
            raise ValidationError("the speed bound must be 50 to 2,000 km/h", "max_kmh")
        if not 0 <= self.clock_slack_s <= 3600:
            raise ValidationError("the clock slack must be 0 to 3,600 seconds", "clock_slack")


def _float(value: Any) -> float:
    return float(value)  # PostgreSQL answers NUMERIC for epochs: Decimal


def _speed(km: float, seconds: float) -> float | None:
    """km/h, or None where no time passed between two places (a speed without meaning)."""
    if seconds > 0:
        return km * 3600 / seconds
    return 0.0 if km == 0 else None


# --- Journeys ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Step:
    """One read of a journey, with how far and how fast the vehicle came from the previous."""

    read_id: str
    plate_read: str  # as the camera read it (a misread is shown as read)
    camera: str
    at: datetime
    lat: float
    lon: float
    classification: int
    km: float | None = None  # great circle from the previous read's camera; None on the first
    seconds: float | None = None
    kmh: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"read_id": self.read_id, "plate_read": self.plate_read, "camera": self.camera,
                "at": self.at.isoformat(), "lat": self.lat, "lon": self.lon,
                "km": None if self.km is None else round(self.km, 3),
                "seconds": self.seconds,
                "kmh": None if self.kmh is None else round(self.kmh, 1),
                "classification": Classification(self.classification).label}  # fmt: skip


@dataclass(slots=True)
class Journey:
    """Consecutive reads of one vehicle with no long gap and no turning back."""

    journey_id: str
    steps: list[Step] = field(default_factory=list)

    @property
    def first_seen(self) -> datetime:
        return self.steps[0].at

    @property
    def last_seen(self) -> datetime:
        return self.steps[-1].at

    @property
    def km(self) -> float:
        return sum(s.km or 0.0 for s in self.steps)

    @property
    def classification(self) -> int:
        return max(s.classification for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {"journey_id": self.journey_id, "first_seen": self.first_seen.isoformat(),
                "last_seen": self.last_seen.isoformat(), "km": round(self.km, 3),
                "reads": len(self.steps),
                "classification": Classification(self.classification).label,
                "steps": [s.to_dict() for s in self.steps]}  # fmt: skip


@dataclass(slots=True)
class Journeys:
    """A plate's journeys: `vehicle` is the plate its reads are taken for (itself, unless it is
    read so rarely beside a look-alike that it is taken for a misread of that one)."""

    plate: str
    vehicle: str
    journeys: list[Journey]

    @property
    def reads(self) -> int:
        return sum(len(j.steps) for j in self.journeys)

    @property
    def classification(self) -> int:
        return max((j.classification for j in self.journeys), default=int(Classification.OFFICIAL))

    def to_dict(self) -> dict[str, Any]:
        return {"plate": self.plate, "vehicle": self.vehicle, "reads": self.reads,
                "journeys": [j.to_dict() for j in self.journeys]}  # fmt: skip


def _plate_key(plate: str) -> str:
    key = normalise_plate(plate)
    if not key:
        raise ValidationError(f"not a plate: {plate!r}", "plate")
    return key


def journey_query(plate: str, params: JourneyParams) -> tuple[str, list[object]]:
    """The reads of every vehicle a camera could mistake `plate` for (its skeleton's), each with
    its vehicle, its step from the vehicle's previous read and its journey, in time order."""
    reads, values = vehicle_reads_sql(params.gap_s, [plate_skeleton(_plate_key(plate))])
    sql = f"""WITH {reads}
SELECT vehicle, journey, new_journey, id, plate, sensor_id, observed_at, lat, lon, t, prev_t,
       prev_lat, prev_lon, classification
FROM j ORDER BY vehicle, t, id"""
    return sql, values


def find_journeys(
    store: Store,
    scope: ReadScope,
    plate: str,
    params: JourneyParams | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    engine: SensorEngine | None = None,
) -> Journeys:
    """A plate's journeys among the ANPR reads the scope allows, first first."""
    params = params or JourneyParams()
    sql, values = journey_query(plate, params)
    rows = (engine or StoreEngine()).run(store, ObservationKind.ANPR, sql, values, scope, start,
                                         end)  # fmt: skip
    return journeys_from_rows(rows, plate)


def journeys_from_rows(rows: list[dict[str, Any]], plate: str) -> Journeys:
    """The journeys of `plate` (or of the vehicle its reads are taken for) in the query's rows."""
    key = _plate_key(plate)
    vehicles = {str(r["vehicle"]) for r in rows}
    taken_for = {str(r["vehicle"]) for r in rows if r["plate"] == key}
    vehicle = key if key in vehicles or not taken_for else min(taken_for)
    journeys: list[Journey] = []
    for r in rows:
        if r["vehicle"] != vehicle:
            continue
        step = Step(str(r["id"]), str(r["plate"]), str(r["sensor_id"]), r["observed_at"],
                    float(r["lat"]), float(r["lon"]), int(r["classification"]))  # fmt: skip
        if int(r["new_journey"]) or not journeys:
            journeys.append(Journey(f"journey-{len(journeys) + 1:04d}"))
        else:
            step.km = haversine_km(float(r["prev_lat"]), float(r["prev_lon"]), step.lat, step.lon)
            step.seconds = _float(r["t"]) - _float(r["prev_t"])
            step.kmh = _speed(step.km, step.seconds)
        journeys[-1].steps.append(step)
    return Journeys(key, vehicle, journeys)


# --- Cloned plates -----------------------------------------------------------------------------


_CLONES = """WITH {reads}, d AS (
    SELECT s.*, {km} AS km, t - prev_t AS seconds FROM s
)
SELECT vehicle, prev_id AS first_read, id AS second_read, prev_camera AS first_camera,
       sensor_id AS second_camera, prev_at AS first_at, observed_at AS second_at, km, seconds,
       prev_doubt, doubt, GREATEST(prev_classification, classification) AS classification
FROM d
WHERE prev_id IS NOT NULL AND km * 3600 > ? * (seconds + ?)
"""


@dataclass(slots=True)
class ImpossiblePair:
    """Two consecutive reads of one plate too far apart for the time between them."""

    first_read: str
    second_read: str
    first_camera: str
    second_camera: str
    first_at: datetime
    second_at: datetime
    km: float
    seconds: float
    doubtful: bool  # a read of it may be a misread of a look-alike
    classification: int

    @property
    def hours(self) -> float:
        return self.seconds / 3600

    @property
    def kmh(self) -> float | None:
        return _speed(self.km, self.seconds)

    @property
    def weight(self) -> float:
        return DOUBTFUL_PAIR if self.doubtful else 1.0

    def to_dict(self) -> dict[str, Any]:
        kmh = self.kmh
        return {"first_read": self.first_read, "second_read": self.second_read,
                "first_camera": self.first_camera, "second_camera": self.second_camera,
                "first_at": self.first_at.isoformat(), "second_at": self.second_at.isoformat(),
                "km": round(self.km, 3), "hours": round(self.hours, 4),
                "kmh": None if kmh is None else round(kmh, 1), "doubtful": self.doubtful,
                "classification": Classification(self.classification).label}  # fmt: skip


@dataclass(slots=True)
class Clone:
    """A plate two vehicles seem to wear, with the impossible journeys that show it."""

    plate: str
    pairs: list[ImpossiblePair]

    @property
    def score(self) -> float:
        """Impossible pairs, a doubtful one counting `DOUBTFUL_PAIR`."""
        return sum(p.weight for p in self.pairs)

    @property
    def classification(self) -> int:
        return max(p.classification for p in self.pairs)

    @property
    def first_seen(self) -> datetime:
        return min(p.first_at for p in self.pairs)

    @property
    def last_seen(self) -> datetime:
        return max(p.second_at for p in self.pairs)

    def to_dict(self) -> dict[str, Any]:
        return {"plate": self.plate, "score": round(self.score, 3),
                "first_seen": self.first_seen.isoformat(), "last_seen": self.last_seen.isoformat(),
                "classification": Classification(self.classification).label,
                "pairs": [p.to_dict() for p in self.pairs]}  # fmt: skip


def clone_query(params: JourneyParams) -> tuple[str, list[object]]:
    """The impossible steps over a table `obs` of ANPR reads, and their parameters."""
    reads, values = vehicle_reads_sql(params.gap_s, steps=True)
    sql = _CLONES.format(reads=reads, km=km_sql("prev_lat", "prev_lon", "lat", "lon"))
    return sql, [*values, params.max_kmh, params.clock_slack_s]


def find_clones(
    store: Store,
    scope: ReadScope,
    params: JourneyParams | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    engine: SensorEngine | None = None,
) -> list[Clone]:
    """Every plate the ANPR reads the scope allows show in two places at once, highest score
    first."""
    params = params or JourneyParams()
    sql, values = clone_query(params)
    rows = (engine or StoreEngine()).run(store, ObservationKind.ANPR, sql, values, scope, start,
                                         end)  # fmt: skip
    return clones_from_rows(rows)


def clones_from_rows(rows: list[dict[str, Any]]) -> list[Clone]:
    """The plates whose impossible pairs score `MIN_CLONE_SCORE` or more."""
    pairs: dict[str, list[ImpossiblePair]] = {}
    for r in rows:
        pair = ImpossiblePair(
            str(r["first_read"]), str(r["second_read"]), str(r["first_camera"]),
            str(r["second_camera"]), r["first_at"], r["second_at"], _float(r["km"]),
            _float(r["seconds"]), bool(int(r["doubt"]) or int(r["prev_doubt"])),
            int(r["classification"]),
        )  # fmt: skip
        pairs.setdefault(str(r["vehicle"]), []).append(pair)
    found = []
    for plate, seen in pairs.items():
        seen.sort(key=lambda p: (p.first_at, p.first_read, p.second_read))
        clone = Clone(plate, seen)
        if clone.score >= MIN_CLONE_SCORE - 1e-9:
            found.append(clone)
    found.sort(key=lambda c: (-c.score, c.plate))
    return found
