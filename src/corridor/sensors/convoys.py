"""Convoys: vehicles read by the same ANPR cameras, one shortly after the other, camera after
camera on one journey.

Smugglers run a scout car minutes ahead of the van carrying people, or two vans together. Any
two vehicles may pass one camera within minutes of each other by chance; passing three or more
of them together, in the same order, on one trip, is travelling together. The test is SQL over
the reads a user may see (`Store.analyse_observations`), each vehicle known by its plate's
skeleton (so that a camera's misread of one character still counts: `plate_skeleton`): a
self-join of reads at one camera within the window (a range join the database plans), trips
cut where a pair's co-passes are hours apart, and the trips kept that span enough cameras
with one vehicle keeping about the same lead over the other. Pairs that share a vehicle and
overlap in time are one convoy (three vehicles together are three pairs).
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

_PAIRS = """
WITH v AS (
    SELECT id, plate, sensor_id, observed_at, classification,
           agency || '|' || grading_scheme || '|' || grading AS graded,
           TRANSLATE(plate, ?, ?) AS vehicle, EXTRACT(EPOCH FROM observed_at) AS t
    FROM obs WHERE plate IS NOT NULL AND plate <> '' {only}
), w AS (  -- reads in slots as long as the window: a co-pass is in the same or the next slot
    SELECT *, CAST(FLOOR(t / ?) AS BIGINT) AS slot FROM v
), named AS (  -- each vehicle's plate: the key most of its reads give
    SELECT vehicle, plate FROM (
        SELECT vehicle, plate, ROW_NUMBER() OVER (
            PARTITION BY vehicle ORDER BY COUNT(*) DESC, plate) AS n
        FROM v GROUP BY vehicle, plate
    ) ranked WHERE n = 1
), p AS (
    SELECT a.vehicle AS a_vehicle, b.vehicle AS b_vehicle, a.sensor_id AS camera,
           a.id AS a_id, b.id AS b_id, a.observed_at AS a_at, b.observed_at AS b_at,
           a.t AS a_t, b.t - a.t AS lead,
           GREATEST(a.classification, b.classification) AS classification,
           a.graded AS a_graded, b.graded AS b_graded
    FROM w a CROSS JOIN (VALUES (-1), (0), (1)) AS near(d)
    JOIN w b ON b.sensor_id = a.sensor_id AND b.slot = a.slot + near.d
    WHERE a.vehicle < b.vehicle AND b.t BETWEEN a.t - ? AND a.t + ?
), often AS (  -- pairs seen together at enough cameras at all: most pairs never are
    SELECT a_vehicle, b_vehicle FROM p GROUP BY a_vehicle, b_vehicle
    HAVING COUNT(DISTINCT camera) >= ?
), s AS (
    SELECT p.*, CASE WHEN a_t - LAG(a_t) OVER (PARTITION BY p.a_vehicle, p.b_vehicle
                                               ORDER BY a_t, camera)
                     > ? THEN 1 ELSE 0 END AS new_trip
    FROM p JOIN often ON often.a_vehicle = p.a_vehicle AND often.b_vehicle = p.b_vehicle
), e AS (
    SELECT *, SUM(new_trip) OVER (PARTITION BY a_vehicle, b_vehicle ORDER BY a_t, camera
                                  ROWS UNBOUNDED PRECEDING) AS trip
    FROM s
), trips AS (
    SELECT a_vehicle, b_vehicle, trip, COUNT(DISTINCT camera) AS cameras, COUNT(*) AS passes,
           MAX(lead) - MIN(lead) AS drift, MAX(classification) AS classification,
           STRING_AGG(DISTINCT a_graded, ';') AS a_gradings,
           STRING_AGG(DISTINCT b_graded, ';') AS b_gradings,
           SUM(CASE WHEN lead > 0 THEN 1 ELSE 0 END) AS a_leads,
           SUM(CASE WHEN lead < 0 THEN 1 ELSE 0 END) AS b_leads,
           MIN(a_at) AS a_first, MAX(a_at) AS a_last, MIN(b_at) AS b_first, MAX(b_at) AS b_last,
           STRING_AGG(a_id, ';' ORDER BY a_t, a_id) AS a_reads,
           STRING_AGG(b_id, ';' ORDER BY a_t, b_id) AS b_reads
    FROM e
    GROUP BY a_vehicle, b_vehicle, trip
    HAVING COUNT(DISTINCT camera) >= ? AND MAX(lead) - MIN(lead) <= ?
)
SELECT trips.*, na.plate AS a_plate, nb.plate AS b_plate
FROM trips JOIN named na ON na.vehicle = a_vehicle JOIN named nb ON nb.vehicle = b_vehicle
"""


@dataclass(frozen=True, slots=True)
class ConvoyParams:
    window_s: int = WINDOW_S
    trip_gap_s: int = TRIP_GAP_S
    min_cameras: int = MIN_CAMERAS
    min_cameras_again: int = MIN_CAMERAS_AGAIN
    max_drift_s: int = MAX_DRIFT_S
    min_same_order: float = MIN_SAME_ORDER

    def __post_init__(self) -> None:
        if not 0 < self.window_s <= 3600:
            raise ValidationError("the window must be 1 to 3,600 seconds", "window")
        if self.trip_gap_s <= self.window_s:
            raise ValidationError("the trip gap must be longer than the window", "trip_gap")
        if min(self.min_cameras, self.min_cameras_again) < 2:
            raise ValidationError("a convoy passes at least 2 cameras together", "min_cameras")
        if not 0 <= self.max_drift_s <= self.window_s:
            raise ValidationError("the drift must be 0 to the window's seconds", "max_drift")
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
                         int(r["classification"]), gradings, first, last, reads))  # fmt: skip
    # A pair seen together on fewer cameras counts where it is seen so again on another trip.
    trips_of: dict[tuple[str, str], int] = {}
    for trip in out:
        trips_of[trip.plates] = trips_of.get(trip.plates, 0) + 1
    return [t for t in out if t.cameras >= params.min_cameras or trips_of[t.plates] >= 2]


def _graded(text: str) -> tuple[str, str, str]:
    agency, scheme, grade = [*text.split("|"), "", ""][:3]
    return agency, scheme, grade


def _ids(joined: str | None) -> list[str]:
    return list(dict.fromkeys(joined.split(";"))) if joined else []


def find_convoys(
    store: Store,
    scope: ReadScope,
    params: ConvoyParams | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    plates: Iterable[str] | None = None,
) -> list[Convoy]:
    """Every convoy among the ANPR reads the scope allows (first seen first); only among
    `plates` where given (the vehicles a network holds: the rest of the traffic is not read)."""
    params = params or ConvoyParams()
    only, among = "", []
    if plates is not None:
        among = sorted({plate_skeleton(k) for p in plates if (k := normalise_plate(p))})
        if len(among) < 2:
            return []
        marks = ", ".join("?" * len(among))
        only = f"AND TRANSLATE(plate, ?, ?) IN ({marks})"
        among = [SKELETON_FROM, SKELETON_TO, *among]
    rows = store.analyse_observations(
        ObservationKind.ANPR,
        _PAIRS.format(only=only),
        [
            SKELETON_FROM,
            SKELETON_TO,
            *among,
            params.window_s,
            params.window_s,
            params.window_s,
            min(params.min_cameras, params.min_cameras_again),
            params.trip_gap_s,
            min(params.min_cameras, params.min_cameras_again),
            params.max_drift_s,
        ],
        scope,
        start,
        end,
    )
    trips = sorted(_trips(rows, params), key=lambda t: (t.first, t.plates))
    # Trips sharing a vehicle at overlapping times are one convoy (union-find over trips).
    parent = list(range(len(trips)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    active: dict[str, list[int]] = {}
    for i, trip in enumerate(trips):
        for plate in trip.plates:
            for j in active.get(plate, []):
                if trips[j].last >= trip.first:
                    parent[find(i)] = find(j)
            active.setdefault(plate, []).append(i)
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
