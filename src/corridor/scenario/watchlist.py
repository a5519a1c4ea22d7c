"""GB-NCA's national watchlist: the scenario's designated smugglers, their vehicles and phones.

Entries are written as the UK lists people (English transliteration, ISO dates, aliases) and
are mapped as tabular FtM entities with the `crime.traffick.human` topic, so screening can be
scored against the ground truth: every entry is a real network member or network vehicle.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from corridor.scenario.agencies import Table
from corridor.scenario.handling import GB_NCA
from corridor.scenario.names import english_part, gb_ascii
from corridor.scenario.records import END, START, World

_PERSON_ROLES = {"organiser": 1.0, "hawala_banker": 1.0, "money_handler": 0.8,
                 "recruiter": 0.5, "document_forger": 0.5, "driver": 0.15}  # fmt: skip
LISTED_BY = "UK national OIC watchlist"
_PERSON_COLUMNS = ["entry_id", "name", "aliases", "birth_date", "nationality", "phones",
                   "reason", "listed_on", "review_by"]  # fmt: skip
_VEHICLE_COLUMNS = ["entry_id", "plate", "country", "model", "reason", "listed_on",
                    "review_by"]  # fmt: skip


@dataclass
class Watchlist:
    tables: list[Table] = field(default_factory=list)
    entries: list[tuple[str, str, str]] = field(default_factory=list)  # entry, kind, true id
    plates_written: list[tuple[str, str]] = field(default_factory=list)


def _provenance(kind: str) -> dict[str, Any]:
    return {
        "agency": GB_NCA,
        "grading": "2BP",
        "classification": "OFFICIAL-SENSITIVE",
        "person_category": "suspect" if kind == "person" else None,
        "source_ref": {"column": "entry_id"},
        "collected_at": {"column": "listed_on"},
        "review_by": {"column": "review_by"},
    }


def build_watchlist(world: World) -> Watchlist:
    """Pick the designated people and vehicles and write them the way the list does."""
    rng = random.Random(f"{world.seed}:{world.scale}:watchlist")
    wl = Watchlist()
    chosen: list[tuple[str, str]] = []
    seen: set[str] = set()
    for net in world.networks:
        for pid, role in net.members:
            if pid not in seen and rng.random() < _PERSON_ROLES.get(role, 0.0):
                seen.add(pid)
                chosen.append(("person", pid))
        for vid in net.vehicles:
            if world.vehicles[vid].smuggling and rng.random() < 0.6:
                chosen.append(("vehicle", vid))
    numbers = list(range(1, len(chosen) + 1))
    rng.shuffle(numbers)
    person_rows: list[dict[str, str]] = []
    vehicle_rows: list[dict[str, str]] = []
    span = (END - START).days
    for (kind, true_id), n in zip(chosen, numbers, strict=True):
        entry = f"gb-nca-wl-{n:05d}"
        wl.entries.append((entry, kind, true_id))
        listed = START.date() + timedelta(days=rng.randint(60, span))
        review = listed + timedelta(days=3 * 365)
        if kind == "person":
            p = world.people[true_id]
            given = english_part(p.name.given, p.name.culture, rng)
            surname = english_part(p.name.surname, p.name.culture, rng)
            aliases = []
            if p.nickname:
                aliases.append(gb_ascii(p.nickname) if p.nickname.isascii() else p.nickname)
            alt = english_part(p.name.given, p.name.culture, rng)
            if alt != given:
                aliases.append(f"{alt} {surname}")
            born = p.birth_date.isoformat() if rng.random() < 0.85 else str(p.birth_date.year)
            phones = [line.number for line in p.phones if rng.random() < 0.5][-3:]
            person_rows.append({
                "entry_id": entry,
                "name": f"{surname.upper()}, {given}",
                "aliases": ";".join(aliases),
                "birth_date": born,
                "nationality": p.nationality,
                "phones": ";".join(phones),
                "reason": "Facilitation of illegal entry; organised immigration crime",
                "listed_on": listed.isoformat(),
                "review_by": review.isoformat(),
            })  # fmt: skip
        else:
            v = world.vehicles[true_id]
            plate = v.plate.replace(" ", "").replace("-", "") if rng.random() < 0.5 else v.plate
            wl.plates_written.append((plate, true_id))
            vehicle_rows.append({
                "entry_id": entry,
                "plate": plate,
                "country": v.country,
                "model": v.make_model,
                "reason": "Vehicle of interest: suspected use to move migrants",
                "listed_on": listed.isoformat(),
                "review_by": review.isoformat(),
            })  # fmt: skip
    person_rows.sort(key=lambda r: r["entry_id"])
    vehicle_rows.sort(key=lambda r: r["entry_id"])
    wl.entries.sort()
    person_mapping = {
        "provenance": {k: v for k, v in _provenance("person").items() if v is not None},
        "entities": {
            "person": {
                "schema": "Person",
                "id_column": "entry_id",
                "properties": {
                    "name": {"column": "name"},
                    "alias": {"column": "aliases", "split": ";"},
                    "birthDate": {"column": "birth_date"},
                    "nationality": {"column": "nationality"},
                    "phone": {"column": "phones", "split": ";"},
                    "notes": {"column": "reason"},
                    "topics": {"literal": "crime.traffick.human"},
                    "program": {"literal": LISTED_BY},
                },
            }
        },
    }
    vehicle_mapping = {
        "provenance": {k: v for k, v in _provenance("vehicle").items() if v is not None},
        "entities": {
            "vehicle": {
                "schema": "Vehicle",
                "id_column": "entry_id",
                "properties": {
                    "registrationNumber": {"column": "plate"},
                    "country": {"column": "country"},
                    "model": {"column": "model"},
                    "notes": {"column": "reason"},
                    "topics": {"literal": "crime.traffick.human"},
                    "program": {"literal": LISTED_BY},
                },
            }
        },
    }
    wl.tables.append(Table("watchlist_persons", _PERSON_COLUMNS, person_rows, person_mapping))
    wl.tables.append(Table("watchlist_vehicles", _VEHICLE_COLUMNS, vehicle_rows, vehicle_mapping))
    return wl
