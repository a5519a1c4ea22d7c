"""Convoys: vehicles read by the same ANPR cameras, one shortly after the other, camera after
camera on one journey.

Smugglers run a scout car minutes ahead of the van carrying people, or two vans together. Any
two vehicles may pass one camera within minutes of each other by chance; passing three or more
of them together, in the same order, on one trip, is travelling together, unless the road is
so busy that strangers keep such company too (`_significant` asks the traffic itself). The
test is SQL over the reads a user may see (`Store.analyse_observations`): a plate read far
less often than one a camera could mistake it for counts as that one (`MISREADS`); reads are
joined with the reads of the same camera nearby in time, slot by slot; trips are cut where a
pair's co-passes are hours apart, and kept where they span enough cameras with one vehicle
keeping about the same lead over the other. Pairs that share a vehicle and overlap in time
are one convoy (three vehicles together are three pairs).
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
#: The most false discoveries a rule may bring, as a share of what it finds, estimated from
#: decoy pairs (`_significant`).
MAX_FALSE = 0.1

_PAIRS = """
WITH v0 AS (
    SELECT id, plate, sensor_id, observed_at, classification,
           agency || '|' || grading_scheme || '|' || grading AS graded,
           TRANSLATE(plate, ?, ?) AS skeleton, EXTRACT(EPOCH FROM observed_at) AS t
    FROM obs WHERE plate IS NOT NULL AND plate <> '' {only}
), counts AS (
    SELECT skeleton, plate, COUNT(*) AS n FROM v0 GROUP BY skeleton, plate
), top AS (  -- each skeleton's plate read most
    SELECT skeleton, plate AS top_plate, n AS top_n FROM (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY skeleton ORDER BY n DESC, plate) AS r
        FROM counts
    ) ranked WHERE r = 1
), v AS (  -- a plate read far less often than one a camera could mistake it for is that one
    SELECT v0.*, CASE WHEN counts.n * ? <= top.top_n THEN top.top_plate ELSE v0.plate END
                 AS vehicle
    FROM v0 JOIN counts ON counts.skeleton = v0.skeleton AND counts.plate = v0.plate
            JOIN top ON top.skeleton = v0.skeleton
), w AS (  -- reads in slots twice the window: a pair within it is in one or the next slot
    SELECT *, CAST(FLOOR(t / ?) AS BIGINT) AS slot FROM v
), p AS (
    SELECT a.vehicle AS a_vehicle, b.vehicle AS b_vehicle, a.sensor_id AS camera,
           a.id AS a_id, b.id AS b_id, a.observed_at AS a_at, b.observed_at AS b_at,
           a.t AS a_t, b.t - a.t AS lead,
           CASE WHEN ABS(b.t - a.t) <= ? THEN 0 ELSE 1 END AS decoy,
           GREATEST(a.classification, b.classification) AS classification,
           a.graded AS a_graded, b.graded AS b_graded
    FROM w a CROSS JOIN (VALUES (-1), (0), (1)) AS near(d)
    JOIN w b ON b.sensor_id = a.sensor_id AND b.slot = a.slot + near.d
    WHERE a.vehicle < b.vehicle AND b.t BETWEEN a.t - ? AND a.t + ?
), often AS (  -- pairs seen together at enough cameras at all: most pairs never are
    SELECT a_vehicle, b_vehicle, decoy FROM p GROUP BY a_vehicle, b_vehicle, decoy
    HAVING COUNT(DISTINCT camera) >= ?
), s AS (
    SELECT p.*, CASE WHEN a_t - LAG(a_t) OVER (PARTITION BY p.a_vehicle, p.b_vehicle, p.decoy
                                               ORDER BY a_t, camera)
                     > ? THEN 1 ELSE 0 END AS new_trip
    FROM p JOIN often ON often.a_vehicle = p.a_vehicle AND often.b_vehicle = p.b_vehicle
                     AND often.decoy = p.decoy
), e AS (
    SELECT *, SUM(new_trip) OVER (PARTITION BY a_vehicle, b_vehicle, decoy
                                  ORDER BY a_t, camera ROWS UNBOUNDED PRECEDING) AS trip
    FROM s
), trips AS (
    SELECT a_vehicle, b_vehicle, decoy, trip, COUNT(DISTINCT camera) AS cameras,
           COUNT(*) AS passes,
           MAX(lead) - MIN(lead) AS drift, MAX(classification) AS classification,
           STRING_AGG(DISTINCT a_graded, ';') AS a_gradings,
           STRING_AGG(DISTINCT b_graded, ';') AS b_gradings,
           SUM(CASE WHEN lead > 0 THEN 1 ELSE 0 END) AS a_leads,
           SUM(CASE WHEN lead < 0 THEN 1 ELSE 0 END) AS b_leads,
           MIN(a_at) AS a_first, MAX(a_at) AS a_last, MIN(b_at) AS b_first, MAX(b_at) AS b_last,
           STRING_AGG(a_id, ';' ORDER BY a_t, a_id) AS a_reads,
           STRING_AGG(b_id, ';' ORDER BY a_t, b_id) AS b_reads
    FROM e
    GROUP BY a_vehicle, b_vehicle, decoy, trip
    HAVING COUNT(DISTINCT camera) >= ? AND MAX(lead) - MIN(lead) <= ?
)
SELECT trips.*, a_vehicle AS a_plate, b_vehicle AS b_plate FROM trips
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
    decoy: bool = False


def _trips(rows: list[dict[str, Any]], params: ConvoyParams) -> list[_Trip]:
    out = []
    for r in rows:
        passes = int(r["passes"])
        ordered = max(int(r["a_leads"]), int(r["b_leads"])) + (
            passes - int(r["a_leads"]) - int(r["b_leads"])  # read in the same second: either
        )
        if ordered < params.min_same_order * passes:
            continue
        reads = {
            r["a_plate"]: (r["a_first"], r["a_last"], _ids(r["a_reads"])),
            r["b_plate"]: (r["b_first"], r["b_last"], _ids(r["b_reads"])),
        }
        first = min(r["a_first"], r["b_first"])
        last = max(r["a_last"], r["b_last"])
        gradings = {_graded(g) for g in f"{r['a_gradings']};{r['b_gradings']}".split(";") if g}
        out.append(_Trip((r["a_plate"], r["b_plate"]), int(r["cameras"]),
                         int(r["classification"]), gradings, first, last, reads,
                         bool(r["decoy"])))  # fmt: skip
    return _significant(out, params)


def _significant(trips: list[_Trip], params: ConvoyParams) -> list[_Trip]:
    """The trips that are convoys, at the fewest cameras the traffic allows.

    How often strangers keep one another's company depends on the road: on a quiet border road
    at night, three cameras together are a convoy; on a busy one, any car has company. The
    traffic itself says how busy: pairs a window to two windows apart at each camera (decoys:
    too far apart for a convoy's scout, as close for chance) pass the same tests as often as
    strangers within the window do. A rule (k cameras on one trip; 2 cameras on each of two
    trips) is kept where its decoys are at most `max_false` of what it finds (a target-decoy
    estimate of the false discoveries), k raised until they are."""

    def again(group: list[_Trip]) -> list[_Trip]:
        # A pair seen together at fewer cameras, but on more than one trip.
        enough = [t for t in group if t.cameras >= params.min_cameras_again]
        trips_of: dict[tuple[str, str], int] = {}
        for t in enough:
            trips_of[t.plates] = trips_of.get(t.plates, 0) + 1
        return [t for t in enough if trips_of[t.plates] >= 2]

    target = [t for t in trips if not t.decoy]
    decoy = [t for t in trips if t.decoy]
    top = max((t.cameras for t in target), default=0)
    k = params.min_cameras
    while k <= top:
        found = sum(1 for t in target if t.cameras >= k)
        if sum(1 for t in decoy if t.cameras >= k) <= params.max_false * found:
            break
        k += 1
    repeated = again(target)
    keep_again = len(again(decoy)) <= params.max_false * len(repeated)
    chosen = {id(t) for t in repeated} if keep_again else set()
    return [t for t in target if t.cameras >= k or id(t) in chosen]


def _graded(text: str) -> tuple[str, str, str]:
    agency, scheme, grade = [*text.split("|"), "", ""][:3]
    return agency, scheme, grade


def _ids(joined: str | None) -> list[str]:
    return list(dict.fromkeys(joined.split(";"))) if joined else []


def convoy_query(
    params: ConvoyParams, plates: Iterable[str] | None = None
) -> tuple[str, list[object]] | None:
    """The pair-trips query over a table `obs` of ANPR reads, and its parameters; only among
    `plates` where given (None where fewer than two are: no pair to find)."""
    only, among = "", []
    if plates is not None:
        among = sorted({plate_skeleton(k) for p in plates if (k := normalise_plate(p))})
        if len(among) < 2:
            return None
        only = f"AND TRANSLATE(plate, ?, ?) IN ({', '.join('?' * len(among))})"
        among = [SKELETON_FROM, SKELETON_TO, *among]
    fewest = min(params.min_cameras, params.min_cameras_again)
    slot = 2 * params.window_s  # the decoys' band reaches two windows
    return _PAIRS.format(only=only), [
        SKELETON_FROM, SKELETON_TO, *among, MISREADS, slot, params.window_s, slot, slot,
        fewest, params.trip_gap_s, fewest, params.max_drift_s,
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
    return convoys_from_rows(rows, params)


def convoys_from_rows(rows: list[dict[str, Any]], params: ConvoyParams) -> list[Convoy]:
    """The convoys the query's pair-trips make: the significant ones (`_significant`), those
    sharing a vehicle at overlapping times joined into one."""
    trips = sorted(_trips(rows, params), key=lambda t: (t.first, t.plates))
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
