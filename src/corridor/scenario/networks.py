"""The smuggling networks: who fills each role on each corridor, their phones, accounts and
vehicles, the family among them, and who works with whom.
"""

from __future__ import annotations

import random

from corridor.scenario.builder import Builder
from corridor.scenario.names import PersonName, avoided, nickname
from corridor.scenario.records import Network, Relation
from corridor.scenario.routes import CORRIDORS
from corridor.scenario.vehicles import equip

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


def build_networks(builder: Builder) -> None:
    """The networks, one per corridor in turn, and their members, phones, accounts and vehicles."""
    rng = builder.rng("networks")
    n_networks = max(2, round(5 * builder.scale**0.35))
    corridors = list(CORRIDORS)
    for i in range(n_networks):
        corridor = corridors[i % len(corridors)]
        nid = builder.ids.next("net", 2)
        uk_cell = corridor in ("south-hu", "south-hr", "drina-ba") or rng.random() < 0.3
        net = Network(nid, f"{_LABELS[corridor]} ({nid})", corridor, uk_cell)
        builder.networks.append(net)
        extra = int(builder.scale**0.3)
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
            i > 0 and rng.random() < 0.35 and builder.networks[i - 1].with_role("hawala_banker")
        )
        for role in roles:
            if role == "hawala_banker" and shared_banker:
                # One hawala banker settling for two networks: a bridge between them.
                net.members.append((builder.networks[i - 1].with_role("hawala_banker")[0], role))
                continue
            nat, home = rng.choice(_MEMBER_ORIGINS[corridor][role])
            gender = (
                "female"
                if role in ("safe_house_keeper", "recruiter", "money_handler")
                and rng.random() < 0.25
                else "male"
            )
            person = builder.add_person(rng, nat, "member", home, gender=gender)
            person.network_id, person.role = nid, role
            if rng.random() < 0.55:
                person.nickname = nickname(person.name, rng, female=gender == "female")
            burner = role in ("organiser", "driver", "spotter", "recruiter") and (
                rng.random() < 0.6
            )
            builder.give_phones(person, rng, burner)
            if role in ("organiser", "money_handler", "hawala_banker"):
                builder.give_account(person, rng)
                if rng.random() < 0.6:
                    builder.give_account(person, rng, rng.choice(("AT", "DE", "TR", "GB", "RS")))
            elif role in ("driver", "safe_house_keeper", "document_forger") and (
                rng.random() < 0.7
            ):
                builder.give_account(person, rng)
            net.members.append((person.id, role))
        _family_ties(builder, net, rng)
        equip(builder, net, rng)


def _family_ties(builder: Builder, net: Network, rng: random.Random) -> None:
    """Brothers and cousins work together: some members share a surname and are family."""
    members = [builder.people[pid] for pid, role in net.members if role != "hawala_banker"]
    for _ in range(rng.randint(0, 2)):
        a, b = rng.sample(members, 2)
        shared = PersonName(b.name.culture, b.name.given, a.name.surname)
        if a.name.culture != b.name.culture or a.id == b.id or avoided(shared):
            continue
        b.name = shared
        rel = rng.choice(("brother", "cousin", "brother-in-law"))
        builder.relations.append(Relation(builder.ids.next("rel", 5), "Family", a.id, b.id, rel))


def associate(builder: Builder) -> None:
    """Who works with whom: the organiser with everyone, drivers with safe-house keepers."""
    rng = builder.rng("associations")
    for net in builder.networks:
        organiser = net.with_role("organiser")[0]
        for pid, role in net.members:
            if pid != organiser:
                builder.relations.append(
                    Relation(
                        builder.ids.next("rel", 5),
                        "Associate",
                        organiser,
                        pid,
                        role,  # what the associate does for the organiser
                    )
                )
        for d in net.with_role("driver"):
            for s in net.with_role("safe_house_keeper") + net.with_role("spotter"):
                if rng.random() < 0.5:
                    builder.relations.append(
                        Relation(builder.ids.next("rel", 5), "Associate", d, s, "co-offender")
                    )
