"""What the world is drawn with: the records drawn so far, sequential ids, one seeded generator per
concern, and the helpers every part of the drawing shares (a person, their phones, an account).

Each part of the world is drawn by a function of its own module taking the `Builder`; `world.py`
calls them in a fixed order, so a seed and scale always give the same world.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from corridor.scenario.banking import CURRENCY, make_iban
from corridor.scenario.geography import Geography
from corridor.scenario.names import PersonName, random_name
from corridor.scenario.nationalities import frontex_mix_2024, iso3_to_iso2
from corridor.scenario.phones import mobile_number
from corridor.scenario.records import (
    END,
    START,
    Account,
    BackgroundVehicle,
    Call,
    Crossing,
    Drive,
    Group,
    Network,
    Payment,
    Person,
    PhoneLine,
    Relation,
    Vehicle,
)

#: Countries whose mobile numbers the world can draw.
PHONE_REGIONS = frozenset(
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


class Ids:
    """Sequential ids per prefix, so ids say nothing about the random draws behind them."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def next(self, prefix: str, width: int = 4) -> str:
        n = self.counts.get(prefix, 0) + 1
        self.counts[prefix] = n
        return f"{prefix}-{n:0{width}d}"


def _rand_date(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))


def weighted(rng: random.Random, items: Sequence[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


def place_country(geo: Geography, place: str) -> str:
    """The country a place is in (Serbia for a place the geography does not know)."""
    p = geo.places.get(place)
    return p.country if p else "RS"


class Builder:
    """Draws the world step by step from one seeded random generator per concern."""

    def __init__(self, geo: Geography, seed: int, scale: float) -> None:
        self.geo = geo
        self.seed = seed
        self.scale = scale
        self.ids = Ids()
        self.people: dict[str, Person] = {}
        self.networks: list[Network] = []
        self.vehicles: dict[str, Vehicle] = {}
        self.accounts: dict[str, Account] = {}
        self.groups: list[Group] = []
        self.crossings: list[Crossing] = []
        self.drives: list[Drive] = []
        self.payments: list[Payment] = []
        self.calls: list[Call] = []
        self.relations: list[Relation] = []
        self.background: list[BackgroundVehicle] = []
        self.mix = frontex_mix_2024()
        self.iso2 = iso3_to_iso2()

    def rng(self, purpose: str) -> random.Random:
        """A generator for one concern, so changing one part never reshuffles another."""
        return random.Random(f"{self.seed}:{self.scale}:{purpose}")

    def network(self, network_id: str) -> Network:
        return next(n for n in self.networks if n.id == network_id)

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
        home = place_country(self.geo, person.residence)
        region = home if home in PHONE_REGIONS else person.nationality
        if region not in PHONE_REGIONS:
            region = "RS"
        day = START.date() - timedelta(days=rng.randint(30, 400))
        end = END.date()
        if not burner:
            person.phones.append(PhoneLine(mobile_number(region, rng), person.id, day, end))
            if (
                person.nationality != region
                and person.nationality in PHONE_REGIONS
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
        country = country or place_country(self.geo, person.residence)
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
