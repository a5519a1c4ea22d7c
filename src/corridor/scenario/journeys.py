"""Each group's journey along its network's corridor: border crossings at night (some after
failed attempts), laden drives on watched roads (sometimes behind a scout car) and the way back,
the exit from the Balkans, and for some the Channel by lorry or boat.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from corridor.scenario.builder import Builder
from corridor.scenario.records import Crossing, Drive, Group, Network, Vehicle
from corridor.scenario.routes import CORRIDORS, CROSSING_ON_ROAD, Step
from corridor.scenario.vehicles import vehicle_for


def _next_window(now: datetime, hour: int, hours: int, rng: random.Random) -> datetime:
    """A random moment in the next daily window starting at `hour`, never before `now`."""
    when = datetime(now.year, now.month, now.day, hour) + timedelta(
        minutes=rng.randint(0, hours * 60)
    )
    return when if when >= now else when + timedelta(days=1)


def _night(now: datetime, rng: random.Random) -> datetime:
    """The coming night (21:00–04:00): when borders are crossed."""
    return _next_window(now, 21, 7, rng)


def _evening(now: datetime, rng: random.Random) -> datetime:
    """The coming evening (17:00–01:00): when vans leave the safe houses."""
    return _next_window(now, 17, 8, rng)


def journey(builder: Builder, group: Group, rng: random.Random) -> None:
    """Walk the group along its network's corridor, recording crossings and drives."""
    net = builder.network(group.network_id)
    now = group.start
    last_place = ""
    for step in CORRIDORS[net.corridor]:
        if step.kind == "stay":
            now += timedelta(days=rng.randint(*step.days), hours=rng.randint(0, 12))
        elif step.kind == "cross":
            now = _night(now, rng)
            _crossing(builder, group, net, step.crossing, step.mode, now, rng)
            now += timedelta(hours=rng.randint(2, 10))
        elif step.kind == "drive":
            now = _evening(now, rng)
            now = _drive(builder, group, net, step, now, rng)
            last_place = step.to_place
        elif step.kind == "exit":
            point, mode = step.options[0] if rng.random() < 0.6 else step.options[1]
            now = _night(now, rng)
            van = vehicle_for(builder, net, rng, ("van",)) if mode == "vehicle" else None
            if van is not None and point in CROSSING_ON_ROAD and last_place:
                road_id, site = CROSSING_ON_ROAD[point]
                road = builder.geo.roads[road_id]
                km_a, km_b = road.km_of(last_place), road.km_of(site)
                builder.drives.append(
                    Drive(
                        builder.ids.next("run", 5),
                        van.id,
                        van.drivers[0],
                        road_id,
                        km_a,
                        km_b,
                        now - timedelta(minutes=40),
                        rng.uniform(70, 100),
                        group.id,
                        laden=True,
                    )
                )
            failed = (
                []
                if mode == "vehicle"
                else [
                    _night(now + timedelta(days=k * rng.randint(1, 3)), rng)
                    for k in range(rng.choice((0, 0, 1, 1, 2)))
                ]
            )
            if failed:
                now = _night(failed[-1] + timedelta(days=rng.randint(1, 3)), rng)
            _crossing(builder, group, net, point, mode, now, rng, failed, van)
            now += timedelta(hours=rng.randint(2, 10))
    _onward(builder, group, net, now, rng)


def _crossing(
    builder: Builder,
    group: Group,
    net: Network,
    point: str,
    mode: str,
    at: datetime,
    rng: random.Random,
    failed: list[datetime] | None = None,
    vehicle: Vehicle | None = None,
) -> Crossing:
    if vehicle is None and mode in ("vehicle", "lorry"):
        vehicle = vehicle_for(builder, net, rng, ("van",) if mode == "vehicle" else ("lorry",))
    people = group.size if mode != "vehicle" else min(group.size, rng.randint(6, 14))
    crossing = Crossing(
        builder.ids.next("x", 5),
        group.id,
        net.id,
        point,
        at,
        people,
        mode,
        vehicle.id if vehicle else None,
        vehicle.drivers[0] if vehicle else None,
        failed or [],
    )
    builder.crossings.append(crossing)
    return crossing


def _drive(
    builder: Builder, group: Group, net: Network, step: Step, start: datetime, rng: random.Random
) -> datetime:
    """A laden drive on a watched road, sometimes with a scout car ahead, then the drive back."""
    road = builder.geo.roads[step.road]
    a, b = road.km_of(step.place), road.km_of(step.to_place)
    van = vehicle_for(builder, net, rng, ("van", "car"))
    speed = rng.uniform(85, 120)
    convoy: str | None = None
    if rng.random() < 0.35 and len(net.vehicles) > 1:
        scouts = [v for v in net.vehicles if v != van.id and builder.vehicles[v].kind == "car"]
        if scouts:
            convoy = builder.ids.next("cv", 4)
            scout = builder.vehicles[rng.choice(scouts)]
            lead = timedelta(minutes=rng.uniform(2, 6))
            builder.drives.append(
                Drive(
                    builder.ids.next("run", 5),
                    scout.id,
                    scout.drivers[0],
                    step.road,
                    a,
                    b,
                    start - lead,
                    speed,
                    group.id,
                    convoy,
                )
            )
    builder.drives.append(
        Drive(
            builder.ids.next("run", 5),
            van.id,
            van.drivers[0],
            step.road,
            a,
            b,
            start,
            speed,
            group.id,
            convoy,
            laden=True,
        )
    )
    hours = abs(b - a) / speed
    arrive = start + timedelta(hours=hours)
    back = arrive + timedelta(hours=rng.uniform(1, 5))
    builder.drives.append(
        Drive(
            builder.ids.next("run", 5),
            van.id,
            van.drivers[0],
            step.road,
            b,
            a,
            back,
            rng.uniform(95, 125),
        )
    )
    return arrive + timedelta(hours=rng.uniform(0.5, 3))


def _onward(
    builder: Builder, group: Group, net: Network, now: datetime, rng: random.Random
) -> None:
    """Beyond the Balkans: on to Austria, Germany or France, and some to the UK."""
    now += timedelta(days=rng.randint(4, 20))
    to_uk = rng.random() < (0.5 if net.uk_cell else 0.15)
    if not to_uk:
        group.destination = rng.choice(("vienna", "munich", "paris"))
        return
    has_lorry = any(builder.vehicles[v].kind == "lorry" for v in net.vehicles)
    if has_lorry and rng.random() < 0.45:
        now = _evening(now, rng)
        cr = _crossing(builder, group, net, "FR-GB-DOVER", "lorry", now, rng)
        lorry = builder.vehicles[cr.vehicle_id or ""]
        road = rng.choice(("M20", "M2"))
        length = builder.geo.roads[road].km[-1]
        speed = rng.uniform(75, 90)
        start = now + timedelta(minutes=rng.randint(20, 90))
        builder.drives.append(
            Drive(
                builder.ids.next("run", 5),
                lorry.id,
                lorry.drivers[0],
                road,
                0.0,
                length,
                start,
                speed,
                group.id,
                laden=True,
            )
        )
        group.destination = "london"
        if rng.random() < 0.5:
            m40 = builder.geo.roads["M40"].km[-1]
            later = start + timedelta(hours=length / speed + rng.uniform(0.5, 2))
            builder.drives.append(
                Drive(
                    builder.ids.next("run", 5),
                    lorry.id,
                    lorry.drivers[0],
                    "M40",
                    0.0,
                    m40,
                    later,
                    speed,
                    group.id,
                    laden=True,
                )
            )
            group.destination = "birmingham"
    else:
        now = _night(now, rng)
        _crossing(builder, group, net, "FR-GB-KENT-COAST", "boat", now, rng)
        group.destination = "kent-coast"
