"""The networks' vehicles: vans and cars for their drivers, a lorry for a network with a UK cell,
the organiser's own car, and the drives they make with nobody aboard.
"""

from __future__ import annotations

import random
from datetime import timedelta

from corridor.scenario.builder import Builder, place_country
from corridor.scenario.plates import make_plate
from corridor.scenario.records import END, START, Drive, Network, Vehicle

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
