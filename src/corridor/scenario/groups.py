"""The groups the networks move: how many, when they set out, the nationalities in them (from
the real Frontex mix), the few migrants agencies come to know and the relatives who pay.
"""

from __future__ import annotations

import random
from datetime import timedelta

from corridor.scenario.builder import PHONE_REGIONS, Builder, weighted
from corridor.scenario.journeys import journey
from corridor.scenario.names import CULTURE_OF, PersonName, avoided, random_name
from corridor.scenario.phones import mobile_number
from corridor.scenario.records import END, START, Group, Person, PhoneLine, Relation


def build_groups(builder: Builder) -> None:
    """The groups in order of setting out, each named in part and walked along its corridor."""
    rng = builder.rng("groups")
    n_groups = max(3, round(36 * builder.scale**0.7))
    weights = [len(n.members) for n in builder.networks]
    last_start = END - timedelta(days=60)
    span = int((last_start - START).total_seconds() // 3600)
    for _ in range(n_groups):
        net = rng.choices(builder.networks, weights=weights)[0]
        start = START + timedelta(hours=rng.randint(0, span))
        size = int(rng.triangular(5, 40, 12))
        group = Group(
            builder.ids.next("grp", 4), net.id, size, _composition(builder, rng, size), 0, start
        )
        builder.groups.append(group)
    builder.groups.sort(key=lambda g: (g.start, g.id))
    for group in builder.groups:
        _name_migrants(builder, group, rng)
        journey(builder, group, rng)


def _composition(builder: Builder, rng: random.Random, size: int) -> dict[str, int]:
    """Nationalities in a group: mostly one, drawn from the real 2024 Frontex mix."""
    dominant = weighted(rng, builder.mix)
    comp: dict[str, int] = {}
    for _ in range(size):
        nat = dominant if rng.random() < 0.7 else weighted(rng, builder.mix)
        comp[nat] = comp.get(nat, 0) + 1
    return dict(sorted(comp.items()))


def _name_migrants(builder: Builder, group: Group, rng: random.Random) -> None:
    """Name the few migrants agencies come to know: victims and those they interview."""
    nameable = [
        (iso3, n)
        for iso3, n in group.nationalities.items()
        if builder.iso2.get(iso3, "") in CULTURE_OF
    ]
    if not nameable:
        return
    victims = rng.choice((0, 0, 0, 0, 1, 1, 2, 3)) if group.size >= 6 else 0
    n_named = min(group.size, victims + rng.randint(1, 3))
    group.victims = victims
    for k in range(n_named):
        iso3 = weighted(rng, nameable)
        nat = builder.iso2[iso3]
        victim = k < victims
        gender = "female" if (victim and rng.random() < 0.6) or rng.random() < 0.1 else "male"
        born = (2007, 2009) if victim and rng.random() < 0.4 else (1980, 2006)
        p = builder.add_person(rng, nat, "migrant", "", gender=gender, born=born)
        p.residence = {"AF": "istanbul", "SY": "istanbul", "TR": "istanbul"}.get(
            nat, "thessaloniki"
        )
        p.group_id, p.victim = group.id, victim
        region = nat if nat in PHONE_REGIONS else "TR"
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
            _relative(builder, p, rng)


def _relative(builder: Builder, migrant: Person, rng: random.Random) -> None:
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
    rel = builder.add_person(rng, nat, "relative", home, gender="male", name=name)
    builder.give_phones(rel, rng, burner=False)
    builder.give_account(rel, rng, country)
    relationship = rng.choice(("brother", "cousin", "uncle"))
    builder.relations.append(
        Relation(builder.ids.next("rel", 5), "Family", migrant.id, rel.id, relationship)
    )
