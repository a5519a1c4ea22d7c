"""The calls: recruiters and organisers before a group sets out, migrants with their recruiter,
the organiser with a driver before a laden drive, spotters before a crossing, and everyday chatter
inside each network. Calls are made between the numbers each side held at the time.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from corridor.scenario.builder import Builder
from corridor.scenario.records import END, START, Call


def build_calls(builder: Builder) -> None:
    """Every call of the scenario period, in time order, numbered in that order."""
    rng = builder.rng("calls")
    for group in builder.groups:
        net = builder.network(group.network_id)
        organiser = net.with_role("organiser")[0]
        for rec in net.with_role("recruiter"):
            for _ in range(rng.randint(1, 3)):
                at = group.start - timedelta(hours=rng.randint(1, 96))
                _call(builder, rec, organiser, at, rng)
        for pid in group.named:
            if net.with_role("recruiter") and rng.random() < 0.6:
                at = group.start - timedelta(hours=rng.randint(1, 200))
                _call(builder, pid, net.with_role("recruiter")[0], at, rng)
    for drive in builder.drives:
        if not drive.laden or drive.driver_id is None:
            continue
        net = next(
            n for n in builder.networks if n.id == builder.vehicles[drive.vehicle_id].network_id
        )
        organiser = net.with_role("organiser")[0]
        for _ in range(rng.randint(1, 3)):
            _call(
                builder,
                organiser,
                drive.driver_id,
                drive.start - timedelta(minutes=rng.randint(10, 360)),
                rng,
            )
    for cr in builder.crossings:
        net = builder.network(cr.network_id)
        spotters = net.with_role("spotter")
        if spotters and rng.random() < 0.7:
            target = cr.driver_id or net.with_role("organiser")[0]
            for _ in range(rng.randint(1, 2)):
                _call(
                    builder,
                    rng.choice(spotters),
                    target,
                    cr.at - timedelta(minutes=rng.randint(5, 120)),
                    rng,
                )
    # Everyday chatter inside each network.
    weeks = (END - START).days // 7
    for net in builder.networks:
        members = [pid for pid, _ in net.members]
        for week in range(weeks):
            for _ in range(rng.randint(1, 6)):
                a, b = rng.sample(members, 2)
                at = START + timedelta(days=week * 7, minutes=rng.randint(0, 7 * 24 * 60))
                _call(builder, a, b, at, rng)
    builder.calls.sort(key=lambda c: (c.at, c.caller_number, c.receiver_number))
    for i, call in enumerate(builder.calls, 1):
        call.id = f"tc-{i:06d}"


def _call(builder: Builder, a: str, b: str, at: datetime, rng: random.Random) -> None:
    if a == b or at < START or at > END:
        return
    na, nb = builder.people[a].phone_at(at), builder.people[b].phone_at(at)
    if na is None or nb is None:
        return
    builder.calls.append(
        Call("", a, b, na, nb, at.replace(microsecond=0), int(rng.expovariate(1 / 90)) + 5)
    )
