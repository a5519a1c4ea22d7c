"""Convoys: vehicles read by the same ANPR cameras, one shortly after the other, camera after
camera on one journey.

Smugglers run a scout car minutes ahead of the van carrying people, or two vans together. Any
two vehicles may pass one camera within minutes of each other by chance; passing three or more
of them together, in the same order, on one trip, is travelling together, unless the road is
so busy that strangers keep such company too (the traffic itself says how busy: see below).
The test is SQL over the reads a user may see (`Store.analyse_observations`): a plate read far
less often than one a camera could mistake it for counts as that one (`MISREADS`); reads are
joined with the reads of the same camera nearby in time, slot by slot; trips are cut where a
pair's co-passes are hours apart, and kept where they span enough cameras with one vehicle
keeping about the same lead over the other, in the same order. Pairs that share a vehicle and
overlap in time are one convoy (three vehicles together are three pairs).

How often strangers keep one another's company depends on the road: on a quiet border road at
night, three cameras together are a convoy; on a busy one, any car has company. Pairs a window
to two windows apart at each camera (decoys: too far apart for a convoy's scout, as close for
chance) pass the same tests as often as strangers within the window do. A rule (k cameras on
one trip; `MIN_CAMERAS_AGAIN` cameras on each of two trips) is kept where its decoys are at
most `MAX_FALSE` of what it finds (a target-decoy estimate of the false discoveries), k raised
from `MIN_CAMERAS` until they are.

Ten million reads make some 50 million co-passes over 35 million pairs of vehicles, nearly all
strangers met once. So the query counts pairs on integers (plates and cameras numbered, a pair
and its decoy flag one BIGINT), first keeps only pairs with co-passes enough at two cameras for
a rule to keep (a trip at k cameras has k co-passes), and joins the reads' identifiers and
gradings back only for the trips the rules keep.
"""

from __future__ import annotations

from collections.abc import Iterable
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
from corridor.sensors.engines import SensorEngine, StoreEngine
from corridor.store.base import Store

#: Two reads at one camera this close (seconds) are a co-pass: a scout car keeps a few minutes
#: ahead of what it guards, and a camera's clock may be a little off.
WINDOW_S = 600
#: A pair's co-passes further apart than this (seconds) belong to different trips.
TRIP_GAP_S = 2 * 3600
#: The fewest distinct cameras a pair must pass together on one trip: two can be chance on a
#: busy road, three in the same order rarely are.
MIN_CAMERAS = 3
#: The fewest cameras on each of two or more trips the same two vehicles made together: a
#: camera may miss a vehicle (or misread it past recognition), and travelling together again
#: and again is as unlikely by chance as passing three cameras together once.
MIN_CAMERAS_AGAIN = 2
#: How much the lead of one vehicle over the other may change over a trip (seconds): a convoy
#: keeps its distance (a scout three minutes ahead stays about three minutes ahead), where two
#: strangers on one road drift apart with their speeds, a minute or more within a few cameras.
MAX_DRIFT_S = 90
#: The share of a trip's co-passes in which the same vehicle leads: a convoy keeps its order,
#: two strangers on one road overtake each other.
MIN_SAME_ORDER = 0.8
#: A plate read this many times less often than another a camera could mistake it for (one
#: character apart, `plate_skeleton`) is taken for a misread of it: cameras read most plates
#: right, and a misread is seldom repeated.
MISREADS = 10
#: Vehicles are numbered below this (2**30) where a pair of them is made one integer.
_PAIR_BASE = 1 << 30
#: The most false discoveries a rule may bring, as a share of what it finds, estimated from
#: decoy pairs (see the module's docstring).
MAX_FALSE = 0.1

_PAIRS = """
WITH v0 AS (
    SELECT plate, sensor_id, EXTRACT(EPOCH FROM observed_at) AS t
    FROM obs WHERE plate IS NOT NULL AND plate <> '' {only}
), counts AS (  -- every plate, numbered (pairs are counted on integers), with its skeleton
    SELECT skeleton, plate, n, ROW_NUMBER() OVER (ORDER BY skeleton, plate) AS num
    FROM (SELECT TRANSLATE(plate, ?, ?) AS skeleton, plate, n
          FROM (SELECT plate, COUNT(*) AS n FROM v0 GROUP BY plate) AS read) AS plates
), top AS (  -- each skeleton's plate read most
    SELECT skeleton, num AS top_num, n AS top_n FROM (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY skeleton ORDER BY n DESC, plate) AS r
        FROM counts
    ) ranked WHERE r = 1
), vehicles AS (  -- a plate read far less often than one a camera could mistake it for is that one
    SELECT counts.plate, counts.num,
           CASE WHEN counts.n * ? <= top.top_n THEN top.top_num ELSE counts.num END AS vehicle
    FROM counts JOIN top ON top.skeleton = counts.skeleton
), cams AS (
    SELECT sensor_id, ROW_NUMBER() OVER (ORDER BY sensor_id) AS cam
    FROM (SELECT DISTINCT sensor_id FROM v0) AS seen
), w AS (  -- reads in slots twice the window: a pair within it is in one or the next slot
    SELECT vehicles.vehicle, cams.cam, v0.t, CAST(FLOOR(v0.t / ?) AS BIGINT) AS slot
    FROM v0 JOIN vehicles ON vehicles.plate = v0.plate
            JOIN cams ON cams.sensor_id = v0.sensor_id
), near AS (
    SELECT d FROM (VALUES (-1), (0), (1)) AS n(d)
), often AS (  -- pairs whose co-passes could make a trip worth keeping: most never could
    SELECT {pair} AS pair
    FROM {co_passes} WHERE {near_in_time}
    GROUP BY 1
    -- Two cameras at least, and as many co-passes as a kept trip has cameras at least.
    HAVING MIN(a.cam) < MAX(a.cam) AND COUNT(*) >= ?
), p AS (  -- their co-passes
    SELECT {pair} AS pair, a.vehicle AS a_vehicle, b.vehicle AS b_vehicle, {decoy} AS decoy,
           a.cam AS camera, a.t AS a_t, b.t AS b_t, b.t - a.t AS lead
    FROM {co_passes} JOIN often ON often.pair = {pair} WHERE {near_in_time}
), s AS (
    SELECT p.*, CASE WHEN a_t - LAG(a_t) OVER (PARTITION BY pair ORDER BY a_t, camera)
                     > ? THEN 1 ELSE 0 END AS new_trip
    FROM p
), e AS (
    SELECT *, SUM(new_trip) OVER (PARTITION BY pair ORDER BY a_t, camera
                                  ROWS UNBOUNDED PRECEDING) AS trip
    FROM s
), trip AS (  -- trips at enough cameras, one vehicle keeping about the same lead
    SELECT pair, trip, MIN(a_vehicle) AS a_vehicle, MIN(b_vehicle) AS b_vehicle,
           MIN(decoy) AS decoy, COUNT(DISTINCT camera) AS cameras,
           COUNT(*) AS passes, MAX(lead) - MIN(lead) AS drift,
           SUM(CASE WHEN lead > 0 THEN 1 ELSE 0 END) AS a_leads,
           SUM(CASE WHEN lead < 0 THEN 1 ELSE 0 END) AS b_leads
    FROM e GROUP BY pair, trip
    HAVING COUNT(DISTINCT camera) >= ? AND MAX(lead) - MIN(lead) <= ?
), ordered AS (  -- and keeping its order (a co-pass in the same second goes either way)
    SELECT trip.*, SUM(CASE WHEN cameras >= ? THEN 1 ELSE 0 END)
                       OVER (PARTITION BY pair) AS again
    FROM trip
    WHERE GREATEST(a_leads, b_leads) + passes - a_leads - b_leads >= ? * passes
), kept AS (  -- the trips a rule could keep: at `min_cameras`, or one of two at fewer
    SELECT pair, trip, a_vehicle, b_vehicle, decoy, cameras, passes, drift, a_leads, b_leads,
           CASE WHEN cameras >= ? AND again >= 2 THEN 1 ELSE 0 END AS repeated
    FROM ordered WHERE cameras >= ? OR (cameras >= ? AND again >= 2)
), tally AS (  -- trips at each count of cameras, of pairs and of decoys
    SELECT cameras, SUM(1 - decoy) AS found, SUM(decoy) AS decoys
    FROM kept WHERE cameras >= ? GROUP BY cameras
), above AS (  -- trips at that many cameras or more
    SELECT cameras,
           SUM(found) OVER (ORDER BY cameras DESC ROWS UNBOUNDED PRECEDING) AS found,
           SUM(decoys) OVER (ORDER BY cameras DESC ROWS UNBOUNDED PRECEDING) AS decoys
    FROM tally
), rule AS (  -- the fewest cameras whose decoys are few enough; and whether two trips are
    SELECT (SELECT MIN(cameras) FROM above WHERE decoys <= ? * found) AS k,
           (SELECT CASE WHEN SUM(decoy) <= ? * SUM(1 - decoy) THEN 1 ELSE 0 END
            FROM kept WHERE repeated = 1) AS again_kept
), chosen AS (  -- the pairs' trips the rules keep (decoys have said what they had to)
    SELECT kept.* FROM kept CROSS JOIN rule
    WHERE kept.decoy = 0
      AND (kept.cameras >= rule.k OR (kept.repeated = 1 AND rule.again_kept = 1))
), wide AS (  -- the reads themselves, for the kept trips only
    SELECT obs.id, vehicles.vehicle, cams.cam, EXTRACT(EPOCH FROM obs.observed_at) AS t,
           obs.observed_at, obs.classification,
           obs.agency || '|' || obs.grading_scheme || '|' || obs.grading AS graded
    FROM obs JOIN vehicles ON vehicles.plate = obs.plate
             JOIN cams ON cams.sensor_id = obs.sensor_id
), r AS (
    SELECT e.pair, e.trip, e.a_t, ra.id AS a_id, rb.id AS b_id,
           ra.observed_at AS a_at, rb.observed_at AS b_at,
           GREATEST(ra.classification, rb.classification) AS classification,
           ra.graded AS a_graded, rb.graded AS b_graded
    FROM e JOIN chosen ON chosen.pair = e.pair AND chosen.trip = e.trip
    JOIN wide ra ON ra.vehicle = e.a_vehicle AND ra.cam = e.camera AND ra.t = e.a_t
    JOIN wide rb ON rb.vehicle = e.b_vehicle AND rb.cam = e.camera AND rb.t = e.b_t
), trips AS (
    SELECT chosen.*, r.classification, r.a_gradings, r.b_gradings, r.a_first, r.a_last,
           r.b_first, r.b_last, r.a_reads, r.b_reads
    FROM chosen JOIN (
        SELECT pair, trip, MAX(classification) AS classification,
               STRING_AGG(DISTINCT a_graded, ';') AS a_gradings,
               STRING_AGG(DISTINCT b_graded, ';') AS b_gradings,
               MIN(a_at) AS a_first, MAX(a_at) AS a_last, MIN(b_at) AS b_first,
               MAX(b_at) AS b_last,
               STRING_AGG(a_id, ';' ORDER BY a_t, a_id) AS a_reads,
               STRING_AGG(b_id, ';' ORDER BY a_t, b_id) AS b_reads
        FROM r GROUP BY pair, trip
    ) AS r ON r.pair = chosen.pair AND r.trip = chosen.trip
)
SELECT trips.*, pa.plate AS a_plate, pb.plate AS b_plate FROM trips
JOIN counts pa ON pa.num = trips.a_vehicle JOIN counts pb ON pb.num = trips.b_vehicle
"""


@dataclass(frozen=True, slots=True)
class ConvoyParams:
    window_s: int = WINDOW_S
    trip_gap_s: int = TRIP_GAP_S
    min_cameras: int = MIN_CAMERAS
    min_cameras_again: int = MIN_CAMERAS_AGAIN
    max_drift_s: int = MAX_DRIFT_S
    min_same_order: float = MIN_SAME_ORDER
    max_false: float = MAX_FALSE

    def __post_init__(self) -> None:
        if not 0 < self.window_s <= 3600:
            raise ValidationError("the window must be 1 to 3,600 seconds", "window")
        if self.trip_gap_s <= self.window_s:
            raise ValidationError("the trip gap must be longer than the window", "trip_gap")
        if min(self.min_cameras, self.min_cameras_again) < 2:
            raise ValidationError("a convoy passes at least 2 cameras together", "min_cameras")
        if not 0 <= self.max_drift_s <= self.window_s:
            raise ValidationError("the drift must be 0 to the window's seconds", "max_drift")
        if not 0 <= self.max_false <= 1:
            raise ValidationError("the false share must be 0 to 1", "max_false")
        if not 0.5 <= self.min_same_order <= 1:
            raise ValidationError("the same-order share must be 0.5 to 1", "min_same_order")


@dataclass(slots=True)
class ConvoyMember:
    """One vehicle of a convoy: its reads while it travelled with the others."""

    plate: str
    first_seen: datetime
    last_seen: datetime
    read_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"plate": self.plate, "first_seen": self.first_seen.isoformat(),
                "last_seen": self.last_seen.isoformat(), "reads": len(self.read_ids),
                "read_ids": list(self.read_ids)}  # fmt: skip


@dataclass(slots=True)
class Convoy:
    """Vehicles that passed cameras together on one journey, with the reads that show it."""

    convoy_id: str
    members: list[ConvoyMember]
    cameras: int  # the most distinct cameras any two of them passed together
    classification: int  # the highest classification among the reads that show it
    #: (agency, grading scheme, grade) of the reads that show it.
    gradings: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def first_seen(self) -> datetime:
        return min(m.first_seen for m in self.members)

    @property
    def last_seen(self) -> datetime:
        return max(m.last_seen for m in self.members)

    @property
    def plates(self) -> list[str]:
        return [m.plate for m in self.members]

    def to_dict(self) -> dict[str, Any]:
        return {"convoy_id": self.convoy_id, "first_seen": self.first_seen.isoformat(),
                "last_seen": self.last_seen.isoformat(), "cameras": self.cameras,
                "classification": Classification(self.classification).label,
                "members": [m.to_dict() for m in self.members]}  # fmt: skip


@dataclass(slots=True)
class _Trip:
    plates: tuple[str, str]
    cameras: int
    classification: int
    gradings: set[tuple[str, str, str]]  # (agency, scheme, grade) of the reads that show it
    first: datetime
    last: datetime
    reads: dict[str, tuple[datetime, datetime, list[str]]]


def _trips(rows: list[dict[str, Any]]) -> list[_Trip]:
    out = []
    for r in rows:
        reads = {
            r["a_plate"]: (r["a_first"], r["a_last"], _ids(r["a_reads"])),
            r["b_plate"]: (r["b_first"], r["b_last"], _ids(r["b_reads"])),
        }
        first = min(r["a_first"], r["b_first"])
        last = max(r["a_last"], r["b_last"])
        gradings = {_graded(g) for g in f"{r['a_gradings']};{r['b_gradings']}".split(";") if g}
        out.append(_Trip((r["a_plate"], r["b_plate"]), int(r["cameras"]),
                         int(r["classification"]), gradings, first, last, reads))  # fmt: skip
    return out


def _graded(text: str) -> tuple[str, str, str]:
    agency, scheme, grade = [*text.split("|"), "", ""][:3]
    return agency, scheme, grade


def _ids(joined: str | None) -> list[str]:
    return list(dict.fromkeys(joined.split(";"))) if joined else []


def plates_like_sql(skeletons: list[str]) -> tuple[str, list[object]]:
    """A condition (`AND ...`) on the reads of `obs` keeping those whose plate has one of
    `skeletons`, and its parameters. The skeleton is worked out for each distinct plate, not
    each read (ten million reads hold some 700,000 plates)."""
    # A join, not `WHERE TRANSLATE(...) IN (...)`: DuckDB pushes such a filter below the
    # DISTINCT, back onto every read.
    marks = ", ".join(["(?)"] * len(skeletons))
    sql = (f"AND plate IN (SELECT seen.plate FROM (SELECT DISTINCT plate FROM obs) AS seen "
           f"JOIN (VALUES {marks}) AS wanted(skeleton) "
           f"ON wanted.skeleton = TRANSLATE(seen.plate, ?, ?))")  # fmt: skip
    return sql, [*skeletons, SKELETON_FROM, SKELETON_TO]


def convoy_query(
    params: ConvoyParams, plates: Iterable[str] | None = None
) -> tuple[str, list[object]] | None:
    """The query over a table `obs` of ANPR reads for the pairs' trips the rules keep (one row a
    trip, with the reads that show it), and its parameters; only among `plates` where given
    (None where fewer than two are: no pair to find)."""
    only, among = "", list[object]()
    if plates is not None:
        skeletons = sorted({plate_skeleton(k) for p in plates if (k := normalise_plate(p))})
        if len(skeletons) < 2:
            return None
        only, among = plates_like_sql(skeletons)
    fewest = min(params.min_cameras, params.min_cameras_again)
    slot = 2 * params.window_s  # the decoys' band reaches two windows
    decoy = "CASE WHEN ABS(b.t - a.t) <= ? THEN 0 ELSE 1 END"
    # A pair of vehicles and whether they are a decoy pair, as one integer: hashing one column
    # is what makes counting some 35 million pairs (ten million reads) fit in seconds.
    pair = f"(CAST(a.vehicle AS BIGINT) * {_PAIR_BASE} + b.vehicle) * 2 + {decoy}"
    co_passes = "w a JOIN near ON TRUE JOIN w b ON b.cam = a.cam AND b.slot = a.slot + near.d"
    near_in_time = "a.vehicle < b.vehicle AND b.t BETWEEN a.t - ? AND a.t + ?"
    sql = _PAIRS.format(only=only, pair=pair, decoy=decoy, co_passes=co_passes,
                        near_in_time=near_in_time)  # fmt: skip
    # A kept trip has `min_cameras` cameras, or is one of two with `min_cameras_again`.
    least = min(params.min_cameras, 2 * params.min_cameras_again)
    return sql, [
        *among, SKELETON_FROM, SKELETON_TO, MISREADS, slot,
        params.window_s, slot, slot, least,  # often
        params.window_s, params.window_s, params.window_s, slot, slot,  # p
        params.trip_gap_s, fewest, params.max_drift_s, params.min_cameras_again,
        params.min_same_order, params.min_cameras_again, params.min_cameras,
        params.min_cameras_again, params.min_cameras, params.max_false, params.max_false,
    ]  # fmt: skip


def find_convoys(
    store: Store,
    scope: ReadScope,
    params: ConvoyParams | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    plates: Iterable[str] | None = None,
    engine: SensorEngine | None = None,
) -> list[Convoy]:
    """Every convoy among the ANPR reads the scope allows (first seen first); only among
    `plates` where given (the vehicles a network holds: the rest of the traffic is not read).
    The store's own database runs the query unless another `engine` is given."""
    params = params or ConvoyParams()
    query = convoy_query(params, plates)
    if query is None:
        return []
    sql, values = query
    engine = engine or StoreEngine()
    rows = engine.run(store, ObservationKind.ANPR, sql, values, scope, start, end)
    return convoys_from_rows(rows)


def convoys_from_rows(rows: list[dict[str, Any]]) -> list[Convoy]:
    """The convoys the query's pair-trips make: those sharing a vehicle at overlapping times
    joined into one."""
    trips = sorted(_trips(rows), key=lambda t: (t.first, t.plates))
    parent = list(range(len(trips)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Trips come in order of their start: a plate's trip overlaps an earlier one of the same
    # plate exactly when it starts before the latest end so far, and then it overlaps the trip
    # with that end, which is already joined to every earlier one it overlaps.
    latest: dict[str, int] = {}  # plate → its trip that ends last so far
    for i, trip in enumerate(trips):
        for plate in trip.plates:
            j = latest.get(plate)
            if j is not None and trips[j].last >= trip.first:
                parent[find(i)] = find(j)
            if j is None or trip.last > trips[j].last:
                latest[plate] = i
    groups: dict[int, list[_Trip]] = {}
    for i, trip in enumerate(trips):
        groups.setdefault(find(i), []).append(trip)
    convoys = []
    for members in groups.values():
        by_plate: dict[str, tuple[datetime, datetime, list[str]]] = {}
        for trip in members:
            for plate, (first, last, ids) in trip.reads.items():
                if plate in by_plate:
                    f, la, seen = by_plate[plate]
                    by_plate[plate] = (min(f, first), max(la, last), seen + ids)
                else:
                    by_plate[plate] = (first, last, list(ids))
        convoys.append(
            Convoy(
                "",
                [
                    ConvoyMember(p, f, la, sorted(set(ids)))
                    for p, (f, la, ids) in sorted(by_plate.items())
                ],
                max(t.cameras for t in members),
                max(t.classification for t in members),
                sorted({g for t in members for g in t.gradings}),
            )
        )
    convoys.sort(key=lambda c: (c.first_seen, c.plates))
    for n, convoy in enumerate(convoys, 1):
        convoy.convoy_id = f"convoy-{n:06d}"
    return convoys
