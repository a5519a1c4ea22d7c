"""The ground-truth world: who the smugglers and migrants really are and what really happened.

Everything the agencies record and the sensors see is derived from this one world, so every
record and observation can be traced back to a true person, vehicle, phone, account, group or
crossing (see `truth.py`). Sizes follow `scale`: entity counts grow sub-linearly, so a benchmark
world stays plausible while its ANPR traffic grows linearly.

The world's records are in `records.py`; each part is drawn by its own module (`networks.py`,
`vehicles.py`, `groups.py` and `journeys.py`, `payments.py`, `calls.py`, `background.py`), in the
fixed order below, each from a generator of its own (see `builder.py`).
"""

from __future__ import annotations

import math

from corridor.scenario.background import build_background
from corridor.scenario.builder import Builder
from corridor.scenario.calls import build_calls
from corridor.scenario.companies import build_companies
from corridor.scenario.geography import Geography
from corridor.scenario.groups import build_groups
from corridor.scenario.networks import associate, build_networks
from corridor.scenario.payments import build_payments
from corridor.scenario.records import World
from corridor.scenario.vehicles import shuttle_drives


def build_world(geo: Geography, seed: int, scale: float) -> World:
    """Draw the whole ground-truth world for a seed and scale."""
    if scale <= 0 or math.isnan(scale):
        raise ValueError("scale must be a positive number")
    builder = Builder(geo, seed, scale)
    build_networks(builder)
    associate(builder)
    build_groups(builder)
    shuttle_drives(builder)
    build_payments(builder)
    build_calls(builder)
    build_background(builder)
    companies = build_companies(builder)  # last: its own generator and ids, nothing else moves
    builder.drives.sort(key=lambda d: (d.start, d.id))
    return World(
        builder.seed,
        builder.scale,
        builder.geo,
        builder.people,
        builder.networks,
        builder.vehicles,
        builder.accounts,
        builder.groups,
        builder.crossings,
        builder.drives,
        builder.payments,
        builder.calls,
        builder.relations,
        builder.background,
        companies,
    )
