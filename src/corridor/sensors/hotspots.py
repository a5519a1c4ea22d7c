"""Hotspots: where and when people crossing the border were seen, by H3 cell and period, and
which cell-periods saw far more than their cell usually does.

Activity is what the sensors saw of people on the move: sightings of one person or more,
border detections, and scans that found something (`result` other than `clear`). Each counts
as one event where it was made; sightings and detections also count their people
(`people_count`; a scan's `quantity` is in the unit of what it found, so it counts no people).
A scan without coordinates is placed at its crossing point, where the records made there put
it (`places.crossing_points`). The rows are read by SQL over the observations the caller may
see (`Store.analyse_observations`), summed by place and day; cells and periods are made of
them here.

A cell-period is a **hotspot** when its events are significantly more than the cell's own rate
over the whole range would give it: under that rate, the cell's `n` events fall in a period in
proportion to its days, so the count in one period is binomial (`n`, days / all days), the
exact conditional form of a Poisson test of the period's rate against the cell's rate in the
other periods. Every cell-period of every active cell is a test (the quiet ones too), and the
Benjamini–Hochberg procedure keeps the expected share of false hotspots among those reported at
`fdr`, after Tarone's screen has set aside the tests that could never pass (a cell seen once or
twice: `discrete_fdr`). A cell as busy in every period as in any one is no hotspot: a hotspot is
a burst, where and when activity rose above its usual.

Where activity gathers is the other question. A cell-period is **concentrated** when it holds
significantly more of the events around it (`AROUND_KM`: its H3 rings, `around_rings`) that
period than its share of that ground: were the events spread evenly over the ground around,
the cell's count would be binomial (events around, 1 / cells around). The test compares a
cell with its own surroundings only, so it needs no study area to be drawn; the same
procedure controls its false discoveries, over every cell of every neighbourhood with activity.
A crossing point busy week after week is concentrated week after week, and no hotspot.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import Any

import h3  # type: ignore[import-untyped]

from corridor.errors import ValidationError
from corridor.model.classification import Classification
from corridor.model.observations import ObservationKind
from corridor.model.scope import ReadScope
from corridor.sensors.places import CrossingPointSeen, crossing_points
from corridor.store.base import Store

#: The default H3 resolution: 7, hexagons of about 5 km² (edges of about 1.4 km): a stretch of
#: a border sector a patrol covers, fine enough to tell two crossing points ten km apart, coarse
#: enough that the sightings and detections of one crossing (spread over a km or two) share a
#: cell or its neighbours.
RESOLUTION = 7
#: The periods activity is counted by.
PERIODS = ("week", "month")
#: The false discovery rate the hotspots are reported at: of the cell-periods called hotspots,
#: at most this share are expected to be quiet ones that chance made busy (Benjamini–Hochberg).
FDR = 0.05
#: How far around a cell its activity is compared with (km): past a crossing point's own
#: ground (its approach and the green border a few km either side), so that a point's
#: activity is set against the country around it, not shared with it.
AROUND_KM = 5.0
#: The most H3 rings a neighbourhood takes (217 cells): at fine resolutions `AROUND_KM` would
#: take thousands of cells; the neighbourhood is then narrower than `AROUND_KM`.
MAX_RINGS = 8
#: The most periods one analysis spans (a century of weeks): a longer range is a mistake in the
#: request or the data, and is refused.
MAX_PERIODS = 5300

_SECONDS_PER_DAY = 86400
_EPOCH = date(1970, 1, 1)

#: One query per kind, summed by place and day in SQL, so that a year of sightings comes back
#: as a few thousand rows.
_ACTIVITY = """
SELECT lat, lon, place, day, COUNT(*) AS events, SUM(people) AS people,
       MAX(classification) AS classification, STRING_AGG(id, ';' ORDER BY id) AS ids
FROM (
    SELECT id, lat, lon, place, classification, {people} AS people,
           CAST(FLOOR(EXTRACT(EPOCH FROM observed_at) / 86400) AS BIGINT) AS day
    FROM obs WHERE {where}
) seen
GROUP BY lat, lon, place, day
"""

#: What counts as activity of each kind (a condition on its rows), and the people each brings.
ACTIVITY_KINDS: dict[ObservationKind, tuple[str, str]] = {
    ObservationKind.SIGHTING: ("people_count > 0", "people_count"),
    ObservationKind.DETECTION: ("TRUE", "COALESCE(people_count, 1)"),
    ObservationKind.SCAN: ("result <> 'clear'", "0"),
}


@dataclass(frozen=True, slots=True)
class ActivityRow:
    """Events of one kind at one place on one day (UTC)."""

    kind: ObservationKind
    lat: float | None
    lon: float | None
    place: str
    day: int  # days since 1970-01-01
    events: int
    people: int
    classification: int
    ids: tuple[str, ...]


def activity_rows(
    store: Store, scope: ReadScope, start: datetime | None = None, end: datetime | None = None
) -> list[ActivityRow]:
    """The activity the scope allows between `start` and `end`, by kind, place and day."""
    out = []
    for kind, (where, people) in ACTIVITY_KINDS.items():
        sql = _ACTIVITY.format(where=where, people=people)
        for r in store.analyse_observations(kind, sql, [], scope, start, end):
            out.append(
                ActivityRow(
                    kind,
                    None if r["lat"] is None else float(r["lat"]),
                    None if r["lon"] is None else float(r["lon"]),
                    str(r["place"] or ""),
                    int(r["day"]),
                    int(r["events"]),
                    int(r["people"] or 0),
                    int(r["classification"]),
                    tuple(r["ids"].split(";")) if r["ids"] else (),
                )
            )
    return out


@dataclass(slots=True)
class CellPeriod:
    """The activity of one H3 cell in one period, and whether it is a hotspot."""

    cell: str
    period: date  # its first day
    period_end: date  # the day after its last
    events: int = 0
    people: int = 0
    sightings: int = 0
    detections: int = 0
    scans: int = 0
    expected: float = 0.0  # events the cell's own rate gives a period this long
    p_value: float = 1.0
    q_value: float = 1.0  # Benjamini–Hochberg adjusted
    hotspot: bool = False
    around: int = 0  # events in the cell's neighbourhood (its own included) in the period
    p_concentrated: float = 1.0
    q_concentrated: float = 1.0
    concentrated: bool = False
    classification: int = int(Classification.OFFICIAL)
    observation_ids: list[str] = field(default_factory=list)

    @property
    def centre(self) -> tuple[float, float]:
        lat, lon = h3.cell_to_latlng(self.cell)
        return float(lat), float(lon)

    def to_dict(self) -> dict[str, Any]:
        lat, lon = self.centre
        return {"cell": self.cell, "period": self.period.isoformat(),
                "period_end": self.period_end.isoformat(), "lat": round(lat, 6),
                "lon": round(lon, 6), "events": self.events, "people": self.people,
                "sightings": self.sightings, "detections": self.detections, "scans": self.scans,
                "expected": round(self.expected, 4), "p_value": self.p_value,
                "q_value": self.q_value, "hotspot": self.hotspot, "around": self.around,
                "p_concentrated": self.p_concentrated, "q_concentrated": self.q_concentrated,
                "concentrated": self.concentrated,
                "classification": Classification(self.classification).label,
                "observation_ids": list(self.observation_ids)}  # fmt: skip

    def to_feature(self) -> dict[str, Any]:
        """A GeoJSON Feature: the cell's hexagon, its activity as properties."""
        ring = [[round(float(lon), 7), round(float(lat), 7)]
                for lat, lon in h3.cell_to_boundary(self.cell)]  # fmt: skip
        ring.append(ring[0])
        return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": self.to_dict()}  # fmt: skip


@dataclass(slots=True)
class Hotspots:
    """Activity by cell and period over a range of whole days, the hotspots marked."""

    resolution: int
    period: str
    start: date | None  # the first day analysed (None: no activity)
    end: date | None  # the day after the last
    fdr: float
    cells: list[CellPeriod]  # every cell-period with activity, by period then cell
    unplaced: int = 0  # events with no coordinates and no known crossing point

    @property
    def hotspots(self) -> list[CellPeriod]:
        return [c for c in self.cells if c.hotspot]

    @property
    def concentrated(self) -> list[CellPeriod]:
        return [c for c in self.cells if c.concentrated]

    def to_dict(self) -> dict[str, Any]:
        return {"resolution": self.resolution, "period": self.period,
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None, "fdr": self.fdr,
                "events": sum(c.events for c in self.cells),
                "people": sum(c.people for c in self.cells), "unplaced": self.unplaced,
                "hotspots": len(self.hotspots), "concentrated": len(self.concentrated),
                "rings": around_rings(self.resolution),
                "cells": [c.to_dict() for c in self.cells]}  # fmt: skip

    def to_geojson(self) -> dict[str, Any]:
        return {"type": "FeatureCollection",
                "properties": {k: v for k, v in self.to_dict().items() if k != "cells"},
                "features": [c.to_feature() for c in self.cells]}  # fmt: skip


def check_params(resolution: int, period: str, fdr: float = FDR) -> None:
    if not 0 <= resolution <= 15:
        raise ValidationError("the H3 resolution must be 0 to 15", "resolution")
    if period not in PERIODS:
        raise ValidationError(f"the period must be one of {', '.join(PERIODS)}", "period")
    if not 0 < fdr < 1:
        raise ValidationError("the false discovery rate must be between 0 and 1", "fdr")


def day_of(moment: datetime) -> float:
    """Days (fractional) since 1970-01-01 UTC."""
    return moment.timestamp() / _SECONDS_PER_DAY


def day_range(
    start: datetime | None, end: datetime | None, days: Iterable[int], period: str
) -> tuple[float, float]:
    """The range analysed (days since 1970): the one asked for; where a bound is not given,
    the whole period holding the first (or last) activity. Days long before anything was seen
    are not evidence of quiet; and a range cut at the first observation would give its first
    period only the days from it, so that any one event that day would look like a burst.
    A range asked for is the one the caller says was watched."""
    seen = list(days)
    first = day_of(start) if start is not None else _day(period_of(min(seen), period))
    last = day_of(end) if end is not None else _day(next_period(period_of(max(seen), period),
                                                                period))  # fmt: skip
    return first, last


def _day(d: date) -> float:
    return float((d - _EPOCH).days)


def to_date(day: int) -> date:
    return _EPOCH + timedelta(days=day)


def period_of(day: int, period: str) -> date:
    """The first day of the period (a week from Monday, a calendar month) holding `day`."""
    d = to_date(day)
    if period == "week":
        return d - timedelta(days=d.weekday())
    return d.replace(day=1)


def next_period(first: date, period: str) -> date:
    if period == "week":
        return first + timedelta(days=7)
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def periods_between(first_day: float, end_day: float, period: str) -> list[tuple[date, float]]:
    """Each period overlapping [first_day, end_day) (days since 1970) and the days of it that
    lie within: the first and last periods may be cut short by the range."""
    out: list[tuple[date, float]] = []
    current = period_of(math.floor(first_day), period)
    while True:
        lo = float((current - _EPOCH).days)
        if lo >= end_day:
            return out
        following = next_period(current, period)
        hi = float((following - _EPOCH).days)
        out.append((current, min(hi, end_day) - max(lo, first_day)))
        if len(out) > MAX_PERIODS:
            raise ValidationError(
                f"the observations span more than {MAX_PERIODS} {period}s: ask for a shorter "
                "range", "start")  # fmt: skip
        current = following


@lru_cache(maxsize=65536)
def burst_p(count: int, total: int, share: float) -> float:
    """The chance that `count` or more of a place's `total` events fall in a period holding
    `share` of the range's days, were its rate the same all along (exact binomial)."""
    if count <= 0 or share >= 1:
        return 1.0
    if share <= 0:
        return 0.0 if count > 0 else 1.0
    # statsmodels (with pandas and scipy) takes about a second to import: imported where used,
    # so that a command or a node that never tests a burst starts without it.
    from statsmodels.stats.proportion import binom_test  # type: ignore[import-untyped]

    return float(min(1.0, binom_test(count, total, share, alternative="larger")))


def locate(
    rows: Iterable[ActivityRow], points: dict[str, CrossingPointSeen]
) -> list[tuple[ActivityRow, float, float]]:
    """Rows with their coordinates: their own, or their crossing point's (scans without)."""
    out = []
    for r in rows:
        if r.lat is not None and r.lon is not None:
            out.append((r, r.lat, r.lon))
        elif r.place in points:
            p = points[r.place]
            out.append((r, p.lat, p.lon))
    return out


def find_hotspots(
    store: Store,
    scope: ReadScope,
    start: datetime | None = None,
    end: datetime | None = None,
    period: str = "week",
    resolution: int = RESOLUTION,
    fdr: float = FDR,
) -> Hotspots:
    """Activity by H3 cell and period among the observations the scope allows, the hotspots
    marked (see the module's docstring)."""
    check_params(resolution, period, fdr)
    rows = activity_rows(store, scope, start, end)
    points: dict[str, CrossingPointSeen] = {}
    if any(r.lat is None or r.lon is None for r in rows):
        points = {p.id: p for p in crossing_points(store, scope)}
    return hotspots_from_rows(rows, points, start, end, period, resolution, fdr)


def hotspots_from_rows(
    rows: list[ActivityRow],
    points: dict[str, CrossingPointSeen],
    start: datetime | None,
    end: datetime | None,
    period: str = "week",
    resolution: int = RESOLUTION,
    fdr: float = FDR,
) -> Hotspots:
    """The cells, periods and tests made of activity rows (the pure step after the SQL)."""
    check_params(resolution, period, fdr)
    placed = locate(rows, points)
    unplaced = sum(r.events for r in rows) - sum(r.events for r, _, _ in placed)
    if not placed:
        return Hotspots(resolution, period, None, None, fdr, [], unplaced)
    first, last = day_range(start, end, (r.day for r, _, _ in placed), period)
    spans = periods_between(first, last, period)
    days = {p: d for p, d in spans}
    all_days = sum(days.values())
    cells: dict[tuple[str, date], CellPeriod] = {}
    located: dict[tuple[float, float], str] = {}
    for r, lat, lon in placed:
        cell = located.get((lat, lon))
        if cell is None:
            cell = located[(lat, lon)] = str(h3.latlng_to_cell(lat, lon, resolution))
        p = period_of(r.day, period)
        cp = cells.get((cell, p))
        if cp is None:
            cp = cells[(cell, p)] = CellPeriod(cell, p, next_period(p, period))
        cp.events += r.events
        cp.people += r.people
        if r.kind is ObservationKind.SIGHTING:
            cp.sightings += r.events
        elif r.kind is ObservationKind.DETECTION:
            cp.detections += r.events
        else:
            cp.scans += r.events
        cp.classification = max(cp.classification, r.classification)
        cp.observation_ids.extend(r.ids)
    totals: dict[str, int] = {}
    for (cell, _), cp in cells.items():
        totals[cell] = totals.get(cell, 0) + cp.events
    _test(cells, totals, days, all_days, fdr)
    _test_around(cells, around_rings(resolution), fdr)
    out = sorted(cells.values(), key=lambda c: (c.period, -c.events, c.cell))
    for c in out:
        c.observation_ids.sort()
    return Hotspots(resolution, period, to_date(math.floor(first)), to_date(math.ceil(last)),
                    fdr, out, unplaced)  # fmt: skip


def around_rings(resolution: int) -> int:
    """The H3 rings that reach `AROUND_KM` from a cell at this resolution (1 to `MAX_RINGS`)."""
    spacing = math.sqrt(3) * float(h3.average_hexagon_edge_length(resolution, "km"))
    return max(1, min(MAX_RINGS, math.ceil(AROUND_KM / spacing)))


def _test_around(cells: dict[tuple[str, date], CellPeriod], rings: int, fdr: float) -> None:
    """p-values, q-values and the concentrated mark of every cell-period: its events against
    an even spread of the events of its neighbourhood. Every cell of a neighbourhood with
    activity is a test, the quiet ones (p = 1) counted without a list (`discrete_fdr`)."""
    disks: dict[str, list[str]] = {}

    def disk(cell: str) -> list[str]:
        if cell not in disks:
            disks[cell] = [str(c) for c in h3.grid_disk(cell, rings)]
        return disks[cell]

    by_period: dict[date, dict[str, int]] = {}
    for (cell, p), cp in cells.items():
        by_period.setdefault(p, {})[cell] = cp.events
    tested: list[CellPeriod] = []
    least: list[float] = []
    quiet: Counter[float] = Counter()
    for p, counts in by_period.items():
        around: Counter[str] = Counter()  # every cell's neighbourhood total (disks are symmetric)
        for cell, n in counts.items():
            for other in disk(cell):
                around[other] += n
        for cell, total in around.items():
            share = round(1 / len(disk(cell)), 12)
            floor = burst_p(total, total, share)
            here = cells.get((cell, p))
            if here is None:
                quiet[floor] += 1
                continue
            here.around = total
            here.p_concentrated = burst_p(here.events, total, share)
            tested.append(here)
            least.append(floor)
    rejected, q = discrete_fdr([c.p_concentrated for c in tested], least, fdr, quiet.items())
    for c, hit, value in zip(tested, rejected, q, strict=True):
        c.q_concentrated = value
        c.concentrated = hit


def discrete_fdr(
    pvalues: list[float],
    least: list[float],
    fdr: float,
    others: Iterable[tuple[float, int]] = (),
) -> tuple[list[bool], list[float]]:
    """Benjamini–Hochberg over discrete tests, with Tarone's screen (Gilbert 2005): a test whose
    smallest possible p-value (`least`: all of a place's events in the one period) could not
    pass is left out of the count of tests, so that cells seen once or twice do not dilute
    the others. The smallest K with at most K tests able to reach `fdr`/K picks the tests;
    BH runs over those. `others` are tests of p = 1 (quiet periods) given as (least p-value,
    how many): they count, but need no list of their own. Returns whether each test in
    `pvalues` is rejected and its q-value (1 when left out)."""
    groups: Counter[float] = Counter(least)
    for value, count in others:
        groups[value] += count
    m = sum(groups.values())
    if m == 0 or not pvalues:
        return [False] * len(pvalues), [1.0] * len(pvalues)
    values = sorted(groups)
    upto = list(accumulate(groups[v] for v in values))

    def able(k: int) -> int:  # tests whose least p-value reaches fdr / k
        at = bisect_right(values, fdr / k)
        return upto[at - 1] if at else 0

    lo, hi = 1, m  # able(k) - k falls as k grows, and able(m) <= m
    while lo < hi:
        mid = (lo + hi) // 2
        if able(mid) <= mid:
            hi = mid
        else:
            lo = mid + 1
    counted = able(lo)
    kept = [i for i, value in enumerate(least) if value <= fdr / lo]
    rejected, q = [False] * len(pvalues), [1.0] * len(pvalues)
    if kept:
        # The tests of p = 1 among those counted rank last: BH's q-values of the others are
        # theirs among themselves, scaled by how many were counted in all.
        from statsmodels.stats.multitest import fdrcorrection  # type: ignore[import-untyped]

        _, adjusted = fdrcorrection([pvalues[i] for i in kept], alpha=fdr, method="indep")
        for i, value in zip(kept, adjusted, strict=True):
            # A q-value is never below its p-value; the clamp keeps rounding from saying so.
            q[i] = min(1.0, max(pvalues[i], float(value) * counted / len(kept)))
            rejected[i] = q[i] <= fdr
    return rejected, q


def _test(
    cells: dict[tuple[str, date], CellPeriod],
    totals: dict[str, int],
    days: dict[date, float],
    all_days: float,
    fdr: float,
) -> None:
    """p-values, q-values and the hotspot mark of every cell-period. The quiet periods of an
    active cell are tests too (p = 1), counted as Tarone's screen allows (`discrete_fdr`)."""
    shares = {p: round(d / all_days, 12) if all_days > 0 else 1.0 for p, d in days.items()}
    for (cell, p), cp in cells.items():
        share = shares.get(p, 0.0)
        cp.expected = totals[cell] * share
        cp.p_value = burst_p(cp.events, totals[cell], share)
    tested = list(cells.values())
    least = [burst_p(totals[c.cell], totals[c.cell], shares.get(c.period, 0.0)) for c in tested]
    # The quiet periods, by (cell's events, period's share): what each could reach, how many.
    periods_by_share = Counter(shares.values())
    active: Counter[tuple[str, float]] = Counter(
        (c.cell, shares.get(c.period, 0.0)) for c in tested
    )
    quiet: Counter[float] = Counter()
    for cell, total in totals.items():
        for share, n in periods_by_share.items():
            if n > active[(cell, share)]:
                quiet[burst_p(total, total, share)] += n - active[(cell, share)]
    rejected, q = discrete_fdr([c.p_value for c in tested], least, fdr, quiet.items())
    for c, hit, value in zip(tested, rejected, q, strict=True):
        c.q_value = value
        c.hotspot = hit
