"""The companies: the networks' front firms (a haulier, a car hire, an exchange office, a travel
agency) and ordinary ones beside them, some named like them.

Each is registered once, in Serbia (matični broj, PIB) or in England (company number), with a
legal form, an address, a phone and a founding date; the agencies write them down in their own
ways (`agencies.py`). Ordinary firms named like a front firm (the same words in another town and
another legal form, or one word apart) are what must not be merged with it.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, timedelta

from corridor.scenario.builder import Builder
from corridor.scenario.phones import mobile_number

#: What each kind of firm calls itself (Serbian) and what an English one does.
_TRADES_RS = {
    "haulage": ("Prevoz", "Transport", "Trans", "Logistika", "Špedicija"),
    "car_hire": ("Rent a Car", "Auto Centar"),
    "exchange": ("Menjačnica",),
    "travel": ("Turist", "Putovanja", "Travel"),
}
_TRADES_GB = {
    "haulage": ("Haulage", "Logistics", "Freight", "Transport"),
    "car_hire": ("Car Hire", "Vehicle Rentals"),
    "exchange": ("Money Transfer", "Exchange"),
    "travel": ("Travel", "Tours"),
}
#: Words firms are named after (besides their owner's surname or their town).
_WORDS_RS = ("Sokol", "Orao", "Dunav", "Morava", "Sava", "Vihor", "Zvezda", "Balkan", "Euro",
             "Jugo", "Delta", "Omega", "Kosmos", "Munja", "Lasta", "Tisa", "Drina",
             "Avala")  # fmt: skip
_WORDS_GB = ("Channel", "Garden", "Medway", "Thames", "Weald", "Downs", "Crown", "Swift",
             "Eagle", "Harbour", "Gateway", "Albion")  # fmt: skip
#: A word one edit or one letter-pair away: a different firm, not a typo of the same.
_NEAR = {"Sokol": "Soko", "Orao": "Oraj", "Dunav": "Dunavac", "Morava": "Moravac",
         "Sava": "Sana", "Vihor": "Vihar", "Zvezda": "Zvezdara", "Balkan": "Balkana",
         "Euro": "Neuro", "Jugo": "Juga", "Delta": "Delfa", "Omega": "Omeda", "Kosmos": "Kosmo",
         "Munja": "Munje", "Lasta": "Lastva", "Tisa": "Tiza", "Drina": "Drena", "Avala": "Avalon",
         "Channel": "Chanel", "Garden": "Gardner", "Medway": "Midway", "Thames": "Thame",
         "Weald": "Wealden", "Downs": "Downes", "Crown": "Crowne", "Swift": "Swifts",
         "Eagle": "Eagles", "Harbour": "Harbor", "Gateway": "Getaway",
         "Albion": "Albino"}  # fmt: skip
_STREETS_RS = ("Bulevar oslobođenja", "Kralja Petra", "Cara Dušana", "Njegoševa",
               "Vojvode Mišića", "Kneza Miloša", "Nemanjina", "Karađorđeva", "Industrijska",
               "Partizanska")  # fmt: skip
_STREETS_GB = ("High Street", "Station Road", "London Road", "Dover Road", "Mill Lane",
               "Church Street", "Marsh Lane", "Ashford Road")  # fmt: skip
_RS_TOWNS = ("belgrade", "novi-sad", "subotica", "nis", "sid", "loznica", "vranje", "presevo",
             "pirot", "ruma")  # fmt: skip
_GB_TOWNS = ("dover", "folkestone", "ashford", "maidstone", "dartford", "london", "birmingham")


@dataclass
class Company:
    id: str
    name: str  # the name without its legal form, as registered (Serbian Latin, or English)
    form: str  # doo, ad, pr (Serbia); ltd, plc (England)
    country: str  # RS or GB
    town: str  # place key
    street: str
    registration: str  # matični broj (8 digits) or Companies House number (8 characters)
    tax_id: str | None  # PIB (9 digits), Serbian firms only
    founded: date
    phone: str
    email: str | None
    network_id: str | None  # the network it fronts for (None: an ordinary firm)


def _registration(country: str, rng: random.Random) -> str:
    if country == "RS":
        return f"{rng.randint(6_000_000, 21_999_999):08d}"
    return f"{rng.randint(1, 15_999_999):08d}"


def _domain(name: str, country: str) -> str:
    ascii_name = name.lower().translate(str.maketrans("čćšžđ", "ccszd"))
    tld = ".rs" if country == "RS" else ".co.uk"
    return "".join(ch for ch in ascii_name if ch.isalnum()) + tld


def _company(
    builder: Builder,
    rng: random.Random,
    name: str,
    form: str,
    country: str,
    town: str,
    network_id: str | None,
) -> Company:
    street = rng.choice(_STREETS_RS if country == "RS" else _STREETS_GB)
    return Company(
        id=builder.ids.next("co"),
        name=name,
        form=form,
        country=country,
        town=town,
        street=f"{street} {rng.randint(1, 180)}",
        registration=_registration(country, rng),
        tax_id=f"{rng.randint(100_000_000, 113_999_999)}" if country == "RS" else None,
        founded=date(2005, 1, 1) + timedelta(days=rng.randint(0, 6900)),
        phone=mobile_number(country, rng),
        email=f"{rng.choice(('office', 'info', 'kontakt' if country == 'RS' else 'admin'))}@"
        f"{_domain(name, country)}"
        if rng.random() < 0.6
        else None,
        network_id=network_id,
    )


def build_companies(builder: Builder) -> list[Company]:
    """Front firms for every network (a UK cell's in England too), and ordinary firms, some of
    them named like a front firm."""
    rng = builder.rng("companies")
    out: list[Company] = []
    used: set[str] = set()

    def name_for(country: str, trade: str, word: str | None = None) -> str:
        words = _WORDS_RS if country == "RS" else _WORDS_GB
        trades = _TRADES_RS if country == "RS" else _TRADES_GB
        for _ in range(50):
            base = word or rng.choice(words)
            name = f"{base} {rng.choice(trades[trade])}"
            if name not in used:
                used.add(name)
                return name
            word = None
        # Every word and trade taken (a scenario hundreds of times the demo's): firms number
        # themselves apart, as registries see ("Dunav Transport 2"). Smaller worlds never get
        # here, so their names do not change.
        for n in itertools.count(2):
            if (numbered := f"{name} {n}") not in used:
                used.add(numbered)
                return numbered
        raise AssertionError("unreachable")

    for net in builder.networks:
        organiser = builder.people[net.with_role("organiser")[0]]
        trades = ["haulage", rng.choice(("car_hire", "exchange", "travel"))]
        for trade in trades:
            latin = organiser.name.surname.latin
            word = latin[0] if latin and rng.random() < 0.3 else None
            form = "pr" if trade == "exchange" and rng.random() < 0.5 else "doo"
            name = name_for("RS", trade, word)
            out.append(_company(builder, rng, name, form, "RS", rng.choice(_RS_TOWNS), net.id))
        if net.uk_cell:
            name = name_for("GB", "haulage")
            out.append(_company(builder, rng, name, "ltd", "GB", rng.choice(_GB_TOWNS), net.id))
    fronts = list(out)
    for _ in range(max(3, round(8 * builder.scale**0.35))):
        country = "RS" if rng.random() < 0.7 else "GB"
        trade = rng.choice(tuple(_TRADES_RS))
        towns = _RS_TOWNS if country == "RS" else _GB_TOWNS
        form = rng.choice(("doo", "doo", "ad")) if country == "RS" else rng.choice(("ltd", "plc"))
        out.append(_company(builder, rng, name_for(country, trade), form, country,
                            rng.choice(towns), None))  # fmt: skip
    # Near misses: the same name in another town under a legal form of another kind, or a
    # name one word-spelling away.
    for front in rng.sample(fronts, k=min(len(fronts), max(2, round(3 * builder.scale**0.35)))):
        word, _, trade = front.name.partition(" ")
        towns = _RS_TOWNS if front.country == "RS" else _GB_TOWNS
        other_town = rng.choice([t for t in towns if t != front.town])
        if rng.random() < 0.5 or word not in _NEAR:
            form = {"doo": "ad", "pr": "ad", "ad": "doo", "ltd": "plc", "plc": "ltd"}[front.form]
            name = front.name
        else:
            form, name = front.form, f"{_NEAR[word]} {trade}"
        used.add(name)
        out.append(_company(builder, rng, name, form, front.country, other_town, None))
    return out
