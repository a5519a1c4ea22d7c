"""Ordinary traffic: the plates cameras see that belong to nobody in the networks, mostly local,
some foreign, many of the foreign ones lorries.
"""

from __future__ import annotations

from corridor.scenario.builder import Builder, weighted
from corridor.scenario.plates import make_plate
from corridor.scenario.records import BackgroundVehicle


def build_background(builder: Builder) -> None:
    """The ordinary vehicles cameras see; the pool grows a little slower than the traffic."""
    rng = builder.rng("background")
    n_rs = int(2500 * builder.scale**0.8) + 150
    n_gb = int(900 * builder.scale**0.8) + 60
    rs_mix = (
        ("RS", 70),
        ("BG", 5),
        ("MK", 5),
        ("TR", 5),
        ("HU", 3),
        ("BA", 4),
        ("DE", 3),
        ("GR", 3),
        ("HR", 2),
    )
    gb_mix = (
        ("GB", 80),
        ("BG", 4),
        ("TR", 3),
        ("DE", 4),
        ("HU", 3),
        ("GR", 2),
        ("RS", 1),
        ("HR", 1),
        ("AL", 2),
    )
    for home, n, mix in (("RS", n_rs, rs_mix), ("GB", n_gb, gb_mix)):
        for _ in range(n):
            country = weighted(rng, mix)
            kind = (
                "lorry"
                if country != home and rng.random() < 0.6
                else rng.choice(("car", "car", "car", "van"))
            )
            builder.background.append(
                BackgroundVehicle(
                    builder.ids.next("bgv", 6), make_plate(country, rng), country, kind, home
                )
            )
