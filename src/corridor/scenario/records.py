"""What the ground-truth world holds: people and their phones and accounts, vehicles, networks,
groups and their crossings, drives on watched roads, payments, calls, relations and ordinary
traffic.

Every agency record and sensor observation is derived from these records (see `world.py` for how
they are drawn and `truth.py` for how they are written out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from corridor.scenario.geography import Geography
from corridor.scenario.names import PersonName

if TYPE_CHECKING:
    from corridor.scenario.companies import Company

#: The scenario's fixed time frame: the Frontex figures it draws on run to April 2025.
START = datetime(2024, 1, 1)
END = datetime(2025, 4, 30, 23, 59)

#: The roles a network member may hold.
ROLES = (
    "organiser",
    "recruiter",
    "driver",
    "safe_house_keeper",
    "money_handler",
    "hawala_banker",
    "document_forger",
    "spotter",
)


@dataclass
class PhoneLine:
    """One SIM in one person's hands for a period (burners change every few weeks)."""

    number: str
    holder: str
    active_from: date
    active_to: date


@dataclass
class Account:
    id: str
    iban: str
    holder: str
    currency: str
    opened: date


@dataclass
class Vehicle:
    id: str
    plate: str
    country: str
    kind: str  # car, van, lorry
    make_model: str
    colour: str
    owner: str | None
    drivers: list[str]
    network_id: str | None
    smuggling: bool


@dataclass
class Person:
    id: str
    name: PersonName
    gender: str
    birth_date: date
    nationality: str  # ISO 3166-1 alpha-2
    kind: str  # member, migrant, relative
    residence: str  # place key
    nickname: str | None = None
    network_id: str | None = None
    role: str | None = None
    group_id: str | None = None
    victim: bool = False
    phones: list[PhoneLine] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)

    def phone_at(self, when: datetime) -> str | None:
        """The number this person used at a moment (the newest SIM then active)."""
        day = when.date()
        active = [p for p in self.phones if p.active_from <= day <= p.active_to]
        return active[-1].number if active else None


@dataclass
class Network:
    id: str
    label: str
    corridor: str
    uk_cell: bool
    members: list[tuple[str, str]] = field(default_factory=list)  # (person id, role)
    vehicles: list[str] = field(default_factory=list)

    def with_role(self, role: str) -> list[str]:
        return [pid for pid, r in self.members if r == role]


@dataclass
class Group:
    id: str
    network_id: str
    size: int
    nationalities: dict[str, int]  # ISO 3166-1 alpha-3 -> people
    victims: int
    start: datetime
    named: list[str] = field(default_factory=list)
    destination: str = ""


@dataclass
class Crossing:
    id: str
    group_id: str
    network_id: str
    point: str
    at: datetime
    people: int
    mode: str  # foot, vehicle, lorry, boat
    vehicle_id: str | None = None
    driver_id: str | None = None
    failed_attempts: list[datetime] = field(default_factory=list)


@dataclass
class Drive:
    """A vehicle driven along a watched road between two km marks."""

    id: str
    vehicle_id: str
    driver_id: str | None
    road: str
    from_km: float
    to_km: float
    start: datetime
    speed_kmh: float
    group_id: str | None = None
    convoy_id: str | None = None
    laden: bool = False


@dataclass
class Payment:
    id: str
    payer: str
    payee: str
    payer_account: str | None
    payee_account: str | None
    amount: float
    currency: str
    on: date
    method: str  # bank_transfer, cash_deposit, cash, hawala
    purpose: str
    network_id: str | None
    structured: bool = False


@dataclass
class Call:
    id: str
    caller: str
    receiver: str
    caller_number: str
    receiver_number: str
    at: datetime
    duration_s: int


@dataclass
class Relation:
    id: str
    kind: str  # Associate, Family
    a: str
    b: str
    relationship: str


@dataclass
class BackgroundVehicle:
    """Ordinary traffic: a plate the cameras see that belongs to nobody in the networks."""

    id: str
    plate: str
    country: str
    kind: str
    home: str  # GB or RS: which agency's cameras it mostly drives past


@dataclass
class World:
    seed: int
    scale: float
    geo: Geography
    people: dict[str, Person]
    networks: list[Network]
    vehicles: dict[str, Vehicle]
    accounts: dict[str, Account]
    groups: list[Group]
    crossings: list[Crossing]
    drives: list[Drive]
    payments: list[Payment]
    calls: list[Call]
    relations: list[Relation]
    background: list[BackgroundVehicle]
    companies: list[Company] = field(default_factory=list)

    def phones(self) -> list[PhoneLine]:
        return [line for p in self.people.values() for line in p.phones]
