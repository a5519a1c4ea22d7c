"""The networks' vehicles: vans and cars for their drivers, a lorry for a network with a UK cell,
the organiser's own car, the drives they make with nobody aboard, and the false plates some of
them wear now and then (`plan_clones`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from corridor.scenario.builder import Builder, place_country
from corridor.scenario.geography import Camera, Geography, haversine_km
from corridor.scenario.plates import make_plate
from corridor.scenario.records import END, START, BackgroundVehicle, Drive, Network, Vehicle, World

_VANS = (
    "Ford Transit",
    "Mercedes-Benz Sprinter",
    "Volkswagen Crafter",
    "Renault Master",
    "Fiat Ducato",
    "Opel Vivaro",
)
_CARS = (
    "Škoda Octavia",
    "Volkswagen Passat",
    "Audi A4",
    "Volkswagen Golf",
    "Opel Astra",
    "BMW 320d",
    "Peugeot 308",
    "Renault Mégane",
)
_LORRIES = ("Volvo FH", "Scania R450", "DAF XF", "MAN TGX", "Mercedes-Benz Actros", "Iveco S-Way")
_COLOURS = ("white", "white", "white", "silver", "grey", "black", "blue", "red", "dark green")


def equip(builder: Builder, net: Network, rng: random.Random) -> None:
    """A van or car for each driver, a lorry for a UK cell, and the organiser's own car."""
    drivers = net.with_role("driver")
    for pid in drivers:
        driver = builder.people[pid]
        country = place_country(builder.geo, driver.residence)
        if country not in ("RS", "MK", "BA", "BG", "AL", "HR"):
            country = "RS"
        kind = "van" if rng.random() < 0.6 else "car"
        model = rng.choice(_VANS if kind == "van" else _CARS)
        owner = pid if rng.random() < 0.6 else rng.choice([m for m, _ in net.members])
        v = Vehicle(
            builder.ids.next("tv", 4),
            make_plate(country, rng),
            country,
            kind,
            model,
            rng.choice(_COLOURS),
            owner,
            [pid],
            net.id,
            True,
        )
        builder.vehicles[v.id] = v
        net.vehicles.append(v.id)
    if net.uk_cell:
        # A lorry for the Channel leg, plated where its driver lives.
        driver = builder.add_person(rng, rng.choice(("BG", "TR", "GB")), "member", "sofia")
        driver.residence = {"BG": "sofia", "TR": "istanbul", "GB": "dover"}[driver.nationality]
        driver.network_id, driver.role = net.id, "driver"
        builder.give_phones(driver, rng, burner=rng.random() < 0.5)
        builder.give_account(driver, rng)
        net.members.append((driver.id, "driver"))
        country = driver.nationality
        v = Vehicle(
            builder.ids.next("tv", 4),
            make_plate(country, rng),
            country,
            "lorry",
            rng.choice(_LORRIES),
            rng.choice(_COLOURS),
            driver.id,
            [driver.id],
            net.id,
            True,
        )
        builder.vehicles[v.id] = v
        net.vehicles.append(v.id)
    organiser = builder.people[net.with_role("organiser")[0]]
    country = place_country(builder.geo, organiser.residence)
    if country in ("RS", "MK", "BA", "BG", "AL", "HR", "GB"):
        # The organiser's own car: not used to move people, but it scouts ahead sometimes.
        v = Vehicle(
            builder.ids.next("tv", 4),
            make_plate(country, rng),
            country,
            "car",
            rng.choice(("Audi Q7", "BMW X5", "Mercedes-Benz E 220", "Volkswagen Touareg")),
            "black",
            organiser.id,
            [organiser.id],
            net.id,
            False,
        )
        builder.vehicles[v.id] = v
        net.vehicles.append(v.id)


def vehicle_for(
    builder: Builder, net: Network, rng: random.Random, kinds: tuple[str, ...]
) -> Vehicle:
    """One of the network's smuggling vehicles of these kinds (its first vehicle if none)."""
    options = [
        builder.vehicles[v]
        for v in net.vehicles
        if builder.vehicles[v].kind in kinds and builder.vehicles[v].smuggling
    ]
    return rng.choice(options) if options else builder.vehicles[net.vehicles[0]]


def shuttle_drives(builder: Builder) -> None:
    """Drives with nobody aboard: deliveries, scouting, going home; most of a van's life."""
    rng = builder.rng("shuttles")
    weeks = (END - START).days // 7
    for net in builder.networks:
        for vid in net.vehicles:
            v = builder.vehicles[vid]
            roads = (
                ["M20", "M2", "M40"]
                if v.country == "GB" or v.kind == "lorry"
                else {
                    "south-hu": ["A1"],
                    "bulgaria-hu": ["A4", "A1"],
                    "south-hr": ["A1", "A3"],
                    "drina-ba": ["A1", "A4"],
                    "coastal": ["A1"],
                }[net.corridor]
            )
            # Small worlds get fewer empty drives, so ANPR volume stays proportional to scale.
            rate = (0.5 if net.corridor != "coastal" else 0.1) * min(1.0, builder.scale)
            for week in range(weeks):
                if rng.random() >= rate:
                    continue
                road = builder.geo.roads[rng.choice(roads)]
                a, b = sorted(rng.uniform(0, road.km[-1]) for _ in range(2))
                if b - a < 30:
                    continue
                if rng.random() < 0.5:
                    a, b = b, a
                day = START + timedelta(days=week * 7 + rng.randint(0, 6))
                start = day + timedelta(minutes=rng.randint(6 * 60, 22 * 60))
                builder.drives.append(
                    Drive(
                        builder.ids.next("run", 5),
                        vid,
                        v.drivers[0],
                        road.id,
                        a,
                        b,
                        start,
                        rng.uniform(80, 125),
                    )
                )


# --- Cloned plates -------------------------------------------------------------------------------

#: The share of networks with a vehicle that sometimes drives on a plate copied from an ordinary
#: vehicle of the same kind (about one per network, at any scale).
CLONE_SHARE = 0.8
#: Days a clone is driven on, within its period of six weeks.
CLONE_DAYS = (2, 4)
#: How far apart (km, great circle) the clone's road and the real vehicle's must be on a day
#: both drive: far enough that no driver could be at both within the time between the reads.
CLONE_APART_KM = 150.0
#: The roads each corridor's vans use in Serbia (as `shuttle_drives`).
_CORRIDOR_ROADS = {
    "south-hu": ("A1",),
    "bulgaria-hu": ("A4", "A1"),
    "south-hr": ("A1", "A3"),
    "drina-ba": ("A1", "A4"),
    "coastal": ("A1",),
}


@dataclass(frozen=True)
class CloneDrive:
    """A drive on a cloned plate: by the network's vehicle, or by the plate's real owner the
    same day elsewhere (both read as the same plate)."""

    run_id: str
    vehicle_id: str
    road: str
    from_km: float
    to_km: float
    start: datetime
    speed_kmh: float


@dataclass(frozen=True)
class Clone:
    """A background vehicle's plate copied onto a network vehicle of the same kind."""

    plate: str
    country: str
    kind: str
    original_id: str  # the background vehicle the plate belongs to
    clone_id: str  # the network vehicle that wears it now and then
    drives: tuple[CloneDrive, ...]

    @property
    def first(self) -> datetime:
        return min(d.start for d in self.drives)

    @property
    def last(self) -> datetime:
        return max(d.start for d in self.drives)


def _segment(geo: Geography, road: str, km: float, rng: random.Random) -> tuple[float, float]:
    """A stretch of the road from about `km` long (km marks, in the direction driven)."""
    length = geo.roads[road].km[-1]
    a = rng.uniform(0, max(0.0, length - km))
    b = min(length, a + km)
    return (a, b) if rng.random() < 0.5 else (b, a)


def _cameras(geo: Geography, road: str, a: float, b: float) -> list[Camera]:
    lo, hi = sorted((a, b))
    return [c for c in geo.cameras_on(road, b > a) if lo <= c.km <= hi]


def plan_clones(world: World) -> list[Clone]:
    """Clones on Serbian roads, from their own generator: the rest of the world is untouched.

    For about one network in `CLONE_SHARE`, one of its vans or cars (not a lorry) sometimes
    drives at night on the plate of an ordinary Serbian-registered vehicle of the same kind; on
    each such day the plate's real owner drives too, at about the same time, on a stretch at
    least `CLONE_APART_KM` away: the same plate read by two cameras too far apart for the time
    between them."""
    rng = random.Random(f"{world.seed}:{world.scale}:clones")
    geo = world.geo
    roads = sorted(r for r, road in geo.roads.items() if road.country == "RS")
    pool = [b for b in world.background if b.home == "RS"]
    used: set[str] = set()
    clones: list[Clone] = []
    span = (END - START).days - 45
    n = 0
    for net in world.networks:
        if rng.random() >= CLONE_SHARE:
            continue
        own = [
            v
            for v in (world.vehicles[vid] for vid in net.vehicles)
            if v.smuggling and v.kind in ("van", "car") and v.country != "GB"
        ]
        if not own:
            continue
        vehicle = rng.choice(own)
        like: list[BackgroundVehicle] = [
            b for b in pool if b.kind == vehicle.kind and b.id not in used
        ]
        same = [b for b in like if b.country == vehicle.country] or like
        if not same:
            continue
        original = rng.choice(same)
        used.add(original.id)
        first_day = START + timedelta(days=rng.randint(0, span))
        days = sorted(rng.sample(range(42), rng.randint(*CLONE_DAYS)))
        drives: list[CloneDrive] = []
        for d in days:
            road = rng.choice(_CORRIDOR_ROADS.get(net.corridor, ("A1",)))
            a, b = _segment(geo, road, rng.uniform(60, 200), rng)
            start = first_day + timedelta(days=d, minutes=rng.randint(18 * 60, 24 * 60))
            n += 1
            drives.append(CloneDrive(f"cln-{n:04d}", vehicle.id, road, a, b, start,
                                     rng.uniform(85, 120)))  # fmt: skip
            cams = _cameras(geo, road, a, b)
            for _ in range(50):  # the real owner, the same evening, far away
                other = rng.choice(roads)
                a2, b2 = _segment(geo, other, rng.uniform(40, 120), rng)
                theirs = _cameras(geo, other, a2, b2)
                apart = min(
                    (haversine_km(c.lat, c.lon, o.lat, o.lon) for c in cams for o in theirs),
                    default=0.0,
                )
                if len(theirs) >= 2 and apart >= CLONE_APART_KM:
                    n += 1
                    when = start + timedelta(minutes=rng.randint(-60, 60))
                    drives.append(CloneDrive(f"cln-{n:04d}", original.id, other, a2, b2, when,
                                             rng.uniform(88, 135)))  # fmt: skip
                    break
        clones.append(Clone(original.plate, original.country, original.kind, original.id,
                            vehicle.id, tuple(drives)))  # fmt: skip
    return clones
