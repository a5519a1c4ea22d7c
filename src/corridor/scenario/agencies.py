"""How the two agencies record the same world: partially, overlapping and each in its own way.

GB-NCA writes names in English transliteration without diacritics (sometimes `SURNAME, Given`),
dates `dd/mm/yyyy`, and keeps CSV. RS-MUP writes Serbian names in Cyrillic (or Latin with
diacritics), foreign names in Serbian transcription or the original Arabic script, dates
`dd.mm.yyyy.`, and keeps persons in XLSX. Both make typos, leave fields empty and know only part
of each network. Every record gets an id (`gb-nca-p-000123`) that the mapping uses as the entity
id, and the identity of the true entity behind it goes to `truth/identities.csv`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from corridor.scenario.banking import bank_name, format_iban
from corridor.scenario.companies import Company
from corridor.scenario.handling import GB_NCA, HEADER, RS_MUP, SourceRefs, draw_handling
from corridor.scenario.names import (
    BG_CYR_TO_LAT,
    MK_CYR_TO_LAT,
    SR_CYR_TO_LAT,
    PersonName,
    english_part,
    gb_ascii,
    script_of,
    serbian_part,
    sr_latin_to_cyrillic,
    sr_transcribe,
    transliterate,
    typo,
)
from corridor.scenario.nationalities import iso3_to_iso2
from corridor.scenario.phones import international, national, region_of
from corridor.scenario.plates import with_cyrillic_lookalikes, written_variant
from corridor.scenario.records import END, START, Person, World

AGENCY_FOLDER = {GB_NCA: "uk", RS_MUP: "rs"}
AGENCY_PREFIX = {GB_NCA: "gb-nca", RS_MUP: "rs-mup"}

_BALKANS = {"RS", "MK", "BA", "BG", "AL", "ME", "HR", "XK"}

_DEMONYM = {
    "RS": "Serbian", "MK": "Macedonian", "BA": "Bosnian", "AL": "Albanian", "BG": "Bulgarian",
    "TR": "Turkish", "SY": "Syrian", "IQ": "Iraqi", "AF": "Afghan", "PK": "Pakistani",
    "MA": "Moroccan", "EG": "Egyptian", "IR": "Iranian", "GB": "British", "ME": "Montenegrin",
    "XK": "Kosovan", "LB": "Lebanese", "JO": "Jordanian", "PS": "Palestinian", "DZ": "Algerian",
    "TN": "Tunisian", "GR": "Greek", "HR": "Croatian", "HU": "Hungarian", "AT": "Austrian",
    "DE": "German", "FR": "French",
}  # fmt: skip
_SERBIAN_COUNTRY = {
    "RS": "Srbija", "BA": "Bosna i Hercegovina", "AL": "Albanija", "BG": "Bugarska",
    "TR": "Turska", "SY": "Sirija", "IQ": "Irak", "AF": "Avganistan", "PK": "Pakistan",
    "MA": "Maroko", "EG": "Egipat", "IR": "Iran", "GB": "Velika Britanija", "ME": "Crna Gora",
    "XK": "Kosovo", "LB": "Liban", "JO": "Jordan", "PS": "Palestina", "DZ": "Alžir",
    "TN": "Tunis", "GR": "Grčka", "HR": "Hrvatska", "HU": "Mađarska", "AT": "Austrija",
    "DE": "Nemačka", "FR": "Francuska",
}  # fmt: skip
_SERBIAN_ROLE = {
    "organiser": "organizator", "recruiter": "vrbovanje", "driver": "vozač",
    "safe_house_keeper": "jatak", "money_handler": "finansije", "hawala_banker": "havala",
    "document_forger": "falsifikovanje isprava", "spotter": "izviđač",
}  # fmt: skip
_ENGLISH_ROLE = {
    "organiser": "organiser", "recruiter": "recruiter", "driver": "driver",
    "safe_house_keeper": "safe house", "money_handler": "money handler",
    "hawala_banker": "hawaladar", "document_forger": "forger", "spotter": "spotter",
}  # fmt: skip
_GB_OPERATIONS = (
    "KESTREL", "HARRIER", "MERLIN", "OSPREY", "BUZZARD", "GOSHAWK", "HOBBY", "LAPWING",
    "CURLEW", "PLOVER", "SISKIN", "WAXWING", "REDSTART", "WHIMBREL", "DOTTEREL", "FIELDFARE",
    "KITTIWAKE", "SHEARWATER", "STONECHAT", "TURNSTONE", "WHEATEAR", "BRAMBLING", "GODWIT",
)  # fmt: skip
_PLACE_SR_CYR = {
    "belgrade": "Београд", "presevo": "Прешево", "subotica": "Суботица", "nis": "Ниш",
    "kanjiza": "Кањижа", "sid": "Шид", "pirot": "Пирот", "dimitrovgrad": "Димитровград",
    "loznica": "Лозница", "vranje": "Врање", "ruma": "Рума",
}  # fmt: skip


#: The person file's columns as GB-NCA names them (in file order), and as RS-MUP does.
_PERSON_COLUMNS_SR = {
    "name": "ime_prezime", "alias": "nadimak", "dob": "datum_rodjenja",
    "birth_year": "godina_rodjenja", "gender": "pol", "nationality": "drzavljanstvo",
    "phones": "telefon", "address": "prebivaliste", "notes": "napomena",
}  # fmt: skip


@dataclass
class Table:
    """One agency file: its rows, its columns and the FtM mapping that reads it."""

    name: str
    columns: list[str]
    rows: list[dict[str, str]]
    mapping: dict[str, Any]
    fmt: str = "csv"  # csv or xlsx
    sheet: str | None = None


@dataclass
class AgencyView:
    """Everything one agency holds about the world, and what each record really is."""

    agency: str
    tables: list[Table] = field(default_factory=list)
    identities: list[tuple[str, str, str]] = field(default_factory=list)  # record, schema, true
    person_records: dict[str, list[str]] = field(default_factory=dict)
    record_names: dict[str, str] = field(default_factory=dict)
    record_phones: dict[str, list[str]] = field(default_factory=dict)
    vehicle_records: dict[str, list[str]] = field(default_factory=dict)
    record_plates: dict[str, str] = field(default_factory=dict)
    account_records: dict[str, str] = field(default_factory=dict)
    org_records: dict[str, str] = field(default_factory=dict)
    org_names: dict[str, str] = field(default_factory=dict)
    plates_written: list[tuple[str, str]] = field(default_factory=list)  # (as written, true id)

    @property
    def folder(self) -> str:
        return AGENCY_FOLDER[self.agency]

    @property
    def prefix(self) -> str:
        return AGENCY_PREFIX[self.agency]

    def primary(self, true_id: str) -> str | None:
        recs = self.person_records.get(true_id)
        return recs[0] if recs else None


def _prov_mapping(agency: str, category: bool = False) -> dict[str, Any]:
    prov: dict[str, Any] = {"agency": agency}
    for name in HEADER:
        prov[name] = {"column": name}
    if category:
        prov["person_category"] = {"column": "person_category"}
    return prov


def _iso3(iso2: str) -> str:
    return {v: k for k, v in iso3_to_iso2().items()}.get(iso2, iso2)


def written_name(agency: str, name: PersonName, rng: random.Random) -> str:
    """A person's name as `agency` writes it, in one script per record, sometimes mistyped."""
    if agency == GB_NCA:
        given = english_part(name.given, name.culture, rng)
        surname = english_part(name.surname, name.culture, rng)
        roll = rng.random()
        if roll < 0.5:
            text = f"{given} {surname}"
        elif roll < 0.75:
            text = f"{surname.upper()}, {given}"
        elif roll < 0.85:
            text = f"{surname} {given}"
        else:
            text = f"{given} {surname}".upper()
    elif name.culture in ("ar", "af", "ur") and rng.random() < 0.2:
        text = f"{name.given.native} {name.surname.native}"
    else:
        cyrillic_share = {"sr": 0.7, "mk": 0.8, "bg": 0.8, "bs": 0.3}.get(name.culture, 0.5)
        script = "Cyrl" if rng.random() < cyrillic_share else "Latn"
        given = serbian_part(name.given, name.culture, script, rng)
        surname = serbian_part(name.surname, name.culture, script, rng)
        text = f"{surname} {given}" if rng.random() < 0.4 else f"{given} {surname}"
    if rng.random() < 0.05:
        text = typo(text, rng)
    return text


class _Recorder:
    """Writes one agency's view; `rng` decides its habits, `know` what it knows."""

    def __init__(self, world: World, agency: str, know: dict[str, set[str]]) -> None:
        self.world = world
        self.agency = agency
        self.gb = agency == GB_NCA
        self.know = know
        self.rng = random.Random(f"{world.seed}:{world.scale}:agency:{agency}")
        self.view = AgencyView(agency)
        self.refs = SourceRefs(agency)

    # Helpers ----------------------------------------------------------------------------------

    def ids(self, kind: str, n: int) -> list[str]:
        """n record ids of a kind in random order, so ids carry no hint of the truth."""
        numbers = list(range(1, n + 1))
        self.rng.shuffle(numbers)
        return [f"{self.view.prefix}-{kind}-{k:06d}" for k in numbers]

    def handling(
        self, when: datetime | date, register: str = "INT", sensitive: bool = False
    ) -> dict[str, str]:
        ref = self.refs.next(when, register)
        return draw_handling(self.agency, self.rng, when, ref, sensitive=sensitive).row()

    def date_text(self, day: date) -> str:
        return day.strftime("%d/%m/%Y") if self.gb else day.strftime("%d.%m.%Y.")

    def date_format(self) -> str:
        return "%d/%m/%Y" if self.gb else "%d.%m.%Y."

    def collected(self, lo: datetime, hi: datetime) -> datetime:
        lo, hi = max(lo, START), min(max(hi, lo + timedelta(hours=1)), END)
        seconds = int((hi - lo).total_seconds())
        when = lo + timedelta(seconds=self.rng.randint(0, max(seconds, 1)))
        return when.replace(microsecond=0)

    def written_name(self, name: PersonName) -> str:
        return written_name(self.agency, name, self.rng)

    def alias(self, person: Person) -> str:
        nick = person.nickname
        if not nick or self.rng.random() < 0.4:
            return ""
        script = script_of(nick)
        if self.gb and script == "Cyrl":
            table = {"mk": MK_CYR_TO_LAT, "bg": BG_CYR_TO_LAT}.get(
                person.name.culture, SR_CYR_TO_LAT
            )
            return gb_ascii(transliterate(nick, table))
        if not self.gb and script == "Latn" and self.rng.random() < 0.5:
            culture = person.name.culture
            return sr_latin_to_cyrillic(sr_transcribe(nick, culture) if culture != "bs" else nick)
        return nick

    def phone_text(self, e164: str) -> str:
        """A number as written: E.164, grouped, or national when it is the agency's own."""
        roll = self.rng.random()
        home = "GB" if self.gb else "RS"
        if region_of(e164) == home and roll < 0.4:
            text = national(e164)
            return text.replace(" ", "/", 1) if not self.gb and self.rng.random() < 0.6 else text
        if roll < 0.7:
            return international(e164)
        return e164

    def nationality_text(self, iso2: str) -> str:
        if self.gb:
            return _DEMONYM.get(iso2, _iso3(iso2)) if self.rng.random() < 0.7 else _iso3(iso2)
        if iso2 in _SERBIAN_COUNTRY and self.rng.random() < 0.4:
            return _SERBIAN_COUNTRY[iso2]
        return _iso3(iso2)

    def place_text(self, key: str) -> str:
        place = self.world.geo.places.get(key)
        if place is None:
            return ""
        if self.gb:
            country = {"GB": "UK", "RS": "Serbia"}.get(place.country, place.country)
            return f"{gb_ascii(place.name)}, {country}"
        if key in _PLACE_SR_CYR and self.rng.random() < 0.5:
            return _PLACE_SR_CYR[key]
        return place.name

    # Persons ----------------------------------------------------------------------------------

    def persons(self) -> None:
        world, rng, view = self.world, self.rng, self.view
        known: list[tuple[str, int]] = []
        for pid in world.people:
            if self.agency in self.know.get(pid, set()):
                known.append((pid, 0))
                if rng.random() < 0.08:
                    known.append((pid, 1))  # a second record of the same person
        ids = self.ids("p", len(known))
        rows = []
        for (pid, dup), rid in zip(known, ids, strict=True):
            person = world.people[pid]
            view.person_records.setdefault(pid, []).append(rid)
            view.identities.append((rid, "Person", pid))
            rows.append(self.person_row(person, rid, dup))
        rows.sort(key=lambda r: r["record_id"])
        # A record listed first is the one other files point at; keep the lowest id first.
        for recs in view.person_records.values():
            recs.sort()
        col = {en: en if self.gb else sr for en, sr in _PERSON_COLUMNS_SR.items()}
        columns = ["record_id", *col.values(), "person_category", *HEADER]
        props = {
            "name": {"column": col["name"]},
            "alias": {"column": col["alias"]},
            "birthDate": {"column": col["dob"], "format": self.date_format()},
            "gender": {"column": col["gender"]},
            "nationality": {"column": col["nationality"]},
            "phone": {"column": col["phones"], "split": ";", "format": "GB" if self.gb else "RS"},
            "address": {"column": col["address"]},
            "notes": {"column": col["notes"]},
        }
        mapping_extra: dict[str, Any] = {} if self.gb else {"sheet": "Lica"}
        mapping = {
            **mapping_extra,
            "provenance": _prov_mapping(self.agency, category=True),
            "entities": {
                "person": {"schema": "Person", "id_column": "record_id", "properties": props},
                # A birth year alone cannot go through the date format above: the same record
                # gets it from its own column, without a format.
                "person_birth_year": {
                    "schema": "Person",
                    "id_column": "record_id",
                    "properties": {"birthDate": {"column": col["birth_year"]}},
                },
            },
        }
        view.tables.append(
            Table(
                "persons",
                columns,
                rows,
                mapping,
                "csv" if self.gb else "xlsx",
                None if self.gb else "Lica",
            )
        )

    def person_row(self, person: Person, rid: str, dup: int) -> dict[str, str]:
        rng, view = self.rng, self.view
        name = self.written_name(person.name)
        view.record_names[rid] = name
        phones = self.known_phones(person)
        view.record_phones[rid] = phones
        dob = year = ""
        roll = rng.random()
        if roll < 0.82 - 0.2 * dup:
            dob = self.date_text(person.birth_date)
        elif roll < 0.9:
            year = str(person.birth_date.year)
        nationality = self.nationality_text(person.nationality) if rng.random() < 0.92 else ""
        if person.kind == "member":
            category = "contact" if person.role == "spotter" and rng.random() < 0.5 else "suspect"
            seen = self.collected(START, END - timedelta(days=30))
        elif person.kind == "migrant":
            category = "victim" if person.victim else rng.choice(("witness", "other"))
            group = next(g for g in self.world.groups if g.id == person.group_id)
            seen = self.collected(group.start + timedelta(days=5), group.start + timedelta(days=60))
        else:
            category = "contact"
            seen = self.collected(START, END - timedelta(days=30))
        if person.kind == "member" and person.role is not None:
            label = (_ENGLISH_ROLE if self.gb else _SERBIAN_ROLE)[person.role]
            notes = (
                f"Believed {label} for an OIC network on the Balkan route"
                if self.gb
                else f"Operativna saznanja: {label}"
            )
        elif person.victim:
            notes = (
                "Possible victim of trafficking; NRM referral considered"
                if self.gb
                else "Moguća žrtva trgovine ljudima"
            )
        else:
            notes = ""
        gender = ""
        if rng.random() < 0.8:
            if self.gb:
                gender = person.gender if rng.random() < 0.7 else person.gender[0].upper()
            else:
                gender = "M" if person.gender == "male" else "F"
        row = {
            "record_id": rid,
            "name": name,
            "alias": self.alias(person),
            "dob": dob,
            "birth_year": year,
            "gender": gender,
            "nationality": nationality,
            "phones": ";".join(self.phone_text(p) for p in phones),
            "address": self.place_text(person.residence) if rng.random() < 0.6 else "",
            "notes": notes,
            "person_category": category,
        }
        if not self.gb:
            row = {_PERSON_COLUMNS_SR.get(k, k): v for k, v in row.items()}
        sensitive = person.victim or person.kind != "member"
        row.update(self.handling(seen, sensitive=sensitive))
        return row

    def known_phones(self, person: Person) -> list[str]:
        home = {"GB"} if self.gb else {"RS", "MK", "BA"}
        known = []
        for line in person.phones:
            p = 0.6 if region_of(line.number) in home else 0.3
            if self.rng.random() < p:
                known.append(line.number)
        return known[-4:]

    # Organisations and memberships -----------------------------------------------------------

    def memberships(self) -> None:
        world, rng, view = self.world, self.rng, self.view
        nets = [n for n in world.networks if any(view.primary(pid) for pid, _ in n.members)]
        org_ids = self.ids("o", len(nets))
        for net, oid in zip(nets, org_ids, strict=True):
            view.org_records[net.id] = oid
            view.identities.append((oid, "Organization", net.id))
            organiser = world.people[net.with_role("organiser")[0]]
            if self.gb:
                name = (
                    f"Operation {_GB_OPERATIONS[int(net.id.split('-')[1]) % len(_GB_OPERATIONS)]}"
                )
            else:
                place = world.geo.places[world.people[net.with_role("driver")[0]].residence]
                nick = organiser.nickname
                label = f"„{nick}“" if nick else place.name
                name = f"OKG {label}"
                if rng.random() < 0.5:
                    name = sr_latin_to_cyrillic(name)
            view.org_names[net.id] = name
        pairs = [
            (pid, net.id, role)
            for net in nets
            for pid, role in net.members
            if view.primary(pid) and rng.random() < 0.8
        ]
        mids = self.ids("m", len(pairs))
        rows = []
        for (pid, nid, role), mid in zip(pairs, mids, strict=True):
            shown = role if rng.random() < 0.9 else rng.choice(("driver", "organiser", "spotter"))
            label = (_ENGLISH_ROLE if self.gb else _SERBIAN_ROLE)[shown]
            view.identities.append((mid, "Membership", f"mem-{pid}-{nid}"))
            row = {
                "membership_id": mid,
                "org_id": view.org_records[nid],
                "org_name": view.org_names[nid],
                "member_id": view.primary(pid) or "",
                "role": label,
            }
            row.update(self.handling(self.collected(START, END), "INT"))
            rows.append(row)
        rows.sort(key=lambda r: r["membership_id"])
        mapping = {
            "provenance": _prov_mapping(self.agency),
            "entities": {
                "organisation": {
                    "schema": "Organization",
                    "id_column": "org_id",
                    "properties": {
                        "name": {"column": "org_name"},
                        "topics": {"literal": "crime.traffick.human"},
                    },
                },
                "member": {"schema": "Person", "id_column": "member_id"},
                "membership": {
                    "schema": "Membership",
                    "id_column": "membership_id",
                    "properties": {
                        "member": {"entity": "member"},
                        "organization": {"entity": "organisation"},
                        "role": {"column": "role"},
                    },
                },
            },
        }
        columns = ["membership_id", "org_id", "org_name", "member_id", "role", *HEADER]
        view.tables.append(Table("memberships", columns, rows, mapping))

    # Vehicles --------------------------------------------------------------------------------

    def vehicles(self) -> None:
        world, rng, view = self.world, self.rng, self.view
        known: list[tuple[str, int]] = []
        for vid, v in world.vehicles.items():
            if self.gb:
                p = 0.7 if v.country == "GB" or v.kind == "lorry" else 0.35
            else:
                p = 0.7 if v.country in _BALKANS else 0.3
            if rng.random() < p:
                known.append((vid, 0))
                if rng.random() < 0.06:
                    known.append((vid, 1))
        ids = self.ids("v", len(known))
        kids = self.ids("k", len(known))
        rows = []
        for (vid, _dup), rid, kid in zip(known, ids, kids, strict=True):
            v = world.vehicles[vid]
            view.vehicle_records.setdefault(vid, []).append(rid)
            view.identities.append((rid, "Vehicle", vid))
            plate = written_variant(v.plate, rng)
            if not self.gb and rng.random() < 0.12:
                plate = with_cyrillic_lookalikes(plate)
            view.record_plates[rid] = plate
            view.plates_written.append((plate, vid))
            owner = view.primary(v.owner) if v.owner and rng.random() < 0.85 else None
            driver = view.primary(v.drivers[0]) if v.drivers and rng.random() < 0.7 else None
            if owner:
                view.identities.append((kid, "Ownership", f"own-{vid}"))
            kind = (
                {"van": "van", "car": "car", "lorry": "lorry"}[v.kind]
                if self.gb
                else {"van": "kombi", "car": "putničko vozilo", "lorry": "teretno vozilo"}[v.kind]
            )
            row = {
                "record_id": rid,
                "plate": plate,
                "country": v.country
                if rng.random() < 0.6
                else (_DEMONYM.get(v.country, v.country) if self.gb else _iso3(v.country)),
                "model": v.make_model if rng.random() < 0.85 else "",
                "type": kind,
                "colour": v.colour if self.gb else _colour_sr(v.colour),
                "owner_id": owner or "",
                "keeper_id": kid if owner else "",
                "operator_id": driver or "",
            }
            row.update(self.handling(self.collected(START, END), "INT"))
            rows.append(row)
        rows.sort(key=lambda r: r["record_id"])
        mapping = {
            "provenance": _prov_mapping(self.agency),
            "entities": {
                "owner": {"schema": "Person", "id_column": "owner_id"},
                "operator": {"schema": "Person", "id_column": "operator_id"},
                "vehicle": {
                    "schema": "Vehicle",
                    "id_column": "record_id",
                    "properties": {
                        "registrationNumber": {"column": "plate"},
                        "country": {"column": "country"},
                        "model": {"column": "model"},
                        "type": {"column": "type"},
                        "description": {"column": "colour"},
                        "operator": {"entity": "operator"},
                    },
                },
                # Vehicle.owner is deprecated in FtM: the registered keeper is an Ownership.
                "keeper": {
                    "schema": "Ownership",
                    "id_column": "keeper_id",
                    "properties": {
                        "owner": {"entity": "owner"},
                        "asset": {"entity": "vehicle"},
                        "role": {"literal": "registered keeper"},
                    },
                },
            },
        }
        columns = [
            "record_id",
            "plate",
            "country",
            "model",
            "type",
            "colour",
            "owner_id",
            "keeper_id",
            "operator_id",
            *HEADER,
        ]
        view.tables.append(Table("vehicles", columns, rows, mapping))

    # Accounts and payments --------------------------------------------------------------------

    def accounts(self) -> None:
        world, rng, view = self.world, self.rng, self.view
        known = []
        for aid, acc in world.accounts.items():
            home = acc.iban[:2]
            if self.gb:
                p = 0.75 if home == "GB" else 0.25
            else:
                p = 0.75 if home == "RS" else (0.3 if home in _BALKANS else 0.15)
            if rng.random() < p:
                known.append(aid)
        ids = self.ids("a", len(known))
        hids = self.ids("h", len(known))
        rows = []
        for aid, rid, hid in zip(known, ids, hids, strict=True):
            acc = world.accounts[aid]
            view.account_records[aid] = rid
            view.identities.append((rid, "BankAccount", aid))
            holder = view.primary(acc.holder) or ""
            if holder:
                view.identities.append((hid, "Ownership", f"own-{aid}"))
            row = {
                "record_id": rid,
                "iban": acc.iban if rng.random() < 0.6 else format_iban(acc.iban),
                "bank": bank_name(acc.iban),
                "country": acc.iban[:2],
                "currency": acc.currency,
                "opened": acc.opened.isoformat() if rng.random() < 0.5 else "",
                "holder_id": holder,
                "holding_id": hid if holder else "",
            }
            row.update(self.handling(self.collected(START, END), "FIN"))
            rows.append(row)
        rows.sort(key=lambda r: r["record_id"])
        mapping = {
            "provenance": _prov_mapping(self.agency),
            "entities": {
                "account": {
                    "schema": "BankAccount",
                    "id_column": "record_id",
                    "properties": {
                        "iban": {"column": "iban"},
                        "bankName": {"column": "bank"},
                        "country": {"column": "country"},
                        "currency": {"column": "currency"},
                        "openingDate": {"column": "opened"},
                    },
                },
                "holder": {"schema": "Person", "id_column": "holder_id"},
                "holding": {
                    "schema": "Ownership",
                    "id_column": "holding_id",
                    "properties": {
                        "owner": {"entity": "holder"},
                        "asset": {"entity": "account"},
                        "role": {"literal": "account holder"},
                    },
                },
            },
        }
        columns = [
            "record_id",
            "iban",
            "bank",
            "country",
            "currency",
            "opened",
            "holder_id",
            "holding_id",
            *HEADER,
        ]
        view.tables.append(Table("accounts", columns, rows, mapping))

    def payments(self) -> None:
        world, rng, view = self.world, self.rng, self.view
        known = []
        for pay in world.payments:
            if pay.method != "bank_transfer":
                continue
            accs = [a for a in (pay.payer_account, pay.payee_account) if a]
            if any(a in view.account_records for a in accs) and rng.random() < 0.85:
                known.append(pay)
        ids = self.ids("pay", len(known))
        rows = []
        for pay, rid in zip(known, ids, strict=True):
            view.identities.append((rid, "Payment", pay.id))
            row = {
                "record_id": rid,
                "date": pay.on.isoformat() if self.gb else self.date_text(pay.on),
                "amount": f"{pay.amount:.2f}",
                "currency": pay.currency,
                "payer_id": view.primary(pay.payer) or "",
                "payer_account_id": view.account_records.get(pay.payer_account or "", ""),
                "payee_id": view.primary(pay.payee) or "",
                "payee_account_id": view.account_records.get(pay.payee_account or "", ""),
                "reference": pay.purpose,
            }
            when = datetime.combine(pay.on, datetime.min.time()) + timedelta(
                days=rng.randint(3, 60)
            )
            row.update(self.handling(min(when, END), "FIN"))
            rows.append(row)
        rows.sort(key=lambda r: r["record_id"])
        date_prop: dict[str, str] = {"column": "date"}
        if not self.gb:
            date_prop["format"] = self.date_format()
        mapping = {
            "provenance": _prov_mapping(self.agency),
            "entities": {
                "payer": {"schema": "Person", "id_column": "payer_id"},
                "payee": {"schema": "Person", "id_column": "payee_id"},
                "payer_account": {"schema": "BankAccount", "id_column": "payer_account_id"},
                "payee_account": {"schema": "BankAccount", "id_column": "payee_account_id"},
                "payment": {
                    "schema": "Payment",
                    "id_column": "record_id",
                    "properties": {
                        "date": date_prop,
                        "amount": {"column": "amount"},
                        "currency": {"column": "currency"},
                        "payer": {"entity": "payer"},
                        "payerAccount": {"entity": "payer_account"},
                        "beneficiary": {"entity": "payee"},
                        "beneficiaryAccount": {"entity": "payee_account"},
                        "purpose": {"column": "reference"},
                    },
                },
            },
        }
        columns = [
            "record_id",
            "date",
            "amount",
            "currency",
            "payer_id",
            "payer_account_id",
            "payee_id",
            "payee_account_id",
            "reference",
            *HEADER,
        ]
        view.tables.append(Table("payments", columns, rows, mapping))

    # Calls from seized phones -----------------------------------------------------------------

    def calls(self) -> None:
        world, rng, view = self.world, self.rng, self.view
        seized: list[tuple[str, date, date]] = []
        for net in world.networks:
            candidates = [
                pid for pid, role in net.members if view.primary(pid) and world.people[pid].phones
            ]
            prefer = (
                ("hawala_banker", "driver")
                if self.gb
                else ("driver", "spotter", "safe_house_keeper")
            )
            candidates.sort(key=lambda pid: (world.people[pid].role not in prefer, pid))
            for pid in candidates[: rng.randint(1, 2)]:
                line = rng.choice(world.people[pid].phones)
                seized.append((line.number, line.active_from, line.active_to))
        numbers = {n for n, _, _ in seized}
        extract_refs = {n: self.refs.next(END - timedelta(days=20), "EXT") for n in sorted(numbers)}
        chosen = [
            c for c in world.calls if c.caller_number in numbers or c.receiver_number in numbers
        ]
        ids = self.ids("c", len(chosen))
        rows = []
        for call, rid in zip(chosen, ids, strict=True):
            view.identities.append((rid, "Call", call.id))
            caller = self.attributed(call.caller, call.caller_number)
            receiver = self.attributed(call.receiver, call.receiver_number)
            device = call.caller_number if call.caller_number in numbers else call.receiver_number
            row = {
                "record_id": rid,
                "start": call.at.strftime("%Y-%m-%dT%H:%M:%S"),
                "duration": str(call.duration_s),
                "caller_number": call.caller_number,
                "receiver_number": call.receiver_number,
                "caller_id": caller,
                "receiver_id": receiver,
                "extraction": extract_refs[device],
            }
            handling = self.handling(END - timedelta(days=rng.randint(1, 20)), "EXT")
            handling["source_ref"] = f"{extract_refs[device]}#{rid}"
            row.update(handling)
            rows.append(row)
        rows.sort(key=lambda r: r["record_id"])
        mapping = {
            "provenance": _prov_mapping(self.agency),
            "entities": {
                "caller": {"schema": "Person", "id_column": "caller_id"},
                "receiver": {"schema": "Person", "id_column": "receiver_id"},
                "call": {
                    "schema": "Call",
                    "id_column": "record_id",
                    "properties": {
                        "startDate": {"column": "start"},
                        "duration": {"column": "duration"},
                        "callerNumber": {"column": "caller_number"},
                        "receiverNumber": {"column": "receiver_number"},
                        "caller": {"entity": "caller"},
                        "receiver": {"entity": "receiver"},
                        "description": {"column": "extraction"},
                    },
                },
            },
        }
        columns = [
            "record_id",
            "start",
            "duration",
            "caller_number",
            "receiver_number",
            "caller_id",
            "receiver_id",
            "extraction",
            *HEADER,
        ]
        view.tables.append(Table("calls", columns, rows, mapping))

    def attributed(self, person: str, number: str) -> str:
        """The agency's record of a number's holder, when one of its records lists the number."""
        for rid in self.view.person_records.get(person, []):
            if number in self.view.record_phones.get(rid, []):
                return rid
        return ""

    # Companies ---------------------------------------------------------------------------------

    def companies(self) -> None:
        """The firms the agency has come across, written its way: the legal form spelt out or
        abbreviated (dotted or not, translated by GB-NCA), RS-MUP's often in Cyrillic."""
        world, view = self.world, self.view
        # A generator of its own, drawn last: the agency's other files stay as they were.
        rng = random.Random(f"{world.seed}:{world.scale}:agency:{self.agency}:companies")
        known: list[tuple[Company, int]] = []
        uk_cells = {n.id for n in world.networks if n.uk_cell}
        for co in world.companies:
            home = (co.country == "GB") == self.gb
            if co.network_id:
                p = 0.85 if home else (0.6 if co.network_id in uk_cells else 0.35)
            else:
                p = 0.7 if home else 0.25
            if rng.random() < p:
                known.append((co, 0))
                if rng.random() < 0.06:
                    known.append((co, 1))
        numbers = list(range(1, len(known) + 1))
        rng.shuffle(numbers)
        rows = []
        for (co, _dup), n in zip(known, numbers, strict=True):
            rid = f"{view.prefix}-co-{n:06d}"
            view.identities.append((rid, "Company", co.id))
            cyrillic = not self.gb and co.country == "RS" and rng.random() < 0.5
            place = world.geo.places[co.town]
            town = place.name
            if self.gb:
                town = gb_ascii(town)
            elif cyrillic:
                town = _PLACE_SR_CYR.get(co.town) or sr_latin_to_cyrillic(town)
            registration = tax_id = ""
            if rng.random() < ((0.85 if co.country == "RS" else 0.4) if not self.gb else
                               (0.9 if co.country == "GB" else 0.45)):  # fmt: skip
                registration = co.registration
                if rng.random() < 0.2:
                    registration = f"{registration[:4]} {registration[4:]}"
            if co.tax_id and rng.random() < (0.2 if self.gb else 0.6):
                tax_id = co.tax_id
            street = co.street if not cyrillic else sr_latin_to_cyrillic(co.street)
            if self.gb:
                street = gb_ascii(street)
            row = {
                "record_id": rid,
                "name": _company_name(co, self.gb, cyrillic, town, rng),
                "registration": registration,
                "tax_id": tax_id,
                "founded": self.date_text(co.founded) if rng.random() < 0.4 else "",
                "address": f"{street}, {town}" if rng.random() < 0.6 else "",
                "country": _country_text(co.country, self.gb, rng) if rng.random() < 0.7 else "",
                "phone": self.phone_text(co.phone) if rng.random() < 0.5 else "",
                "email": co.email if co.email and rng.random() < 0.5 else "",
            }
            if not self.gb:
                row = {_COMPANY_COLUMNS_SR.get(k, k): v for k, v in row.items()}
            when = START + timedelta(seconds=rng.randint(0, int((END - START).total_seconds())))
            row.update(draw_handling(self.agency, rng, when, self.refs.next(when, "INT")).row())
            rows.append(row)
        rows.sort(key=lambda r: r["record_id"])
        col = {en: en if self.gb else sr for en, sr in _COMPANY_COLUMNS_SR.items()}
        founded: dict[str, str] = {"column": col["founded"], "format": self.date_format()}
        mapping = {
            "provenance": _prov_mapping(self.agency),
            "entities": {
                "company": {
                    "schema": "Company",
                    "id_column": "record_id",
                    "properties": {
                        "name": {"column": col["name"]},
                        "registrationNumber": {"column": col["registration"]},
                        "taxNumber": {"column": col["tax_id"]},
                        "incorporationDate": founded,
                        "address": {"column": col["address"]},
                        "country": {"column": col["country"]},
                        "phone": {"column": col["phone"], "format": "GB" if self.gb else "RS"},
                        "email": {"column": col["email"]},
                    },
                },
            },
        }
        columns = ["record_id", *col.values(), *HEADER]
        view.tables.append(Table("companies", columns, rows, mapping))

    # Associates and family --------------------------------------------------------------------

    def links(self) -> None:
        world, rng, view = self.world, self.rng, self.view
        for kind, table in (("Associate", "associates"), ("Family", "family")):
            known = [
                r
                for r in world.relations
                if r.kind == kind and view.primary(r.a) and view.primary(r.b) and rng.random() < 0.6
            ]
            ids = self.ids("as" if kind == "Associate" else "f", len(known))
            rows = []
            for rel, rid in zip(known, ids, strict=True):
                view.identities.append((rid, kind, rel.id))
                a, b = view.primary(rel.a) or "", view.primary(rel.b) or ""
                if rng.random() < 0.3 and kind == "Associate":
                    a, b = b, a
                relationship = _relationship(rel.relationship, self.gb)
                row = {"record_id": rid, "person_a": a, "person_b": b, "relationship": relationship}
                row.update(self.handling(self.collected(START, END), "INT"))
                rows.append(row)
            rows.sort(key=lambda r: r["record_id"])
            other = "associate" if kind == "Associate" else "relative"
            mapping = {
                "provenance": _prov_mapping(self.agency),
                "entities": {
                    "a": {"schema": "Person", "id_column": "person_a"},
                    "b": {"schema": "Person", "id_column": "person_b"},
                    "link": {
                        "schema": kind,
                        "id_column": "record_id",
                        "properties": {
                            "person": {"entity": "a"},
                            other: {"entity": "b"},
                            "relationship": {"column": "relationship"},
                        },
                    },
                },
            }
            columns = ["record_id", "person_a", "person_b", "relationship", *HEADER]
            view.tables.append(Table(table, columns, rows, mapping))

    def build(self) -> AgencyView:
        self.persons()
        self.memberships()
        self.vehicles()
        self.accounts()
        self.payments()
        self.calls()
        self.links()
        self.companies()
        self.view.identities.sort()
        return self.view


#: The company file's columns as RS-MUP names them.
_COMPANY_COLUMNS_SR = {
    "name": "naziv", "registration": "maticni_broj", "tax_id": "pib", "founded": "datum_osnivanja",
    "address": "sediste", "country": "drzava", "phone": "telefon", "email": "email",
}  # fmt: skip
#: Each legal form as each agency may write it: (Latin, Cyrillic) for RS-MUP, English for GB-NCA.
_FORMS_SR = {
    "doo": (("d.o.o.", "DOO", "doo", "društvo sa ograničenom odgovornošću"),
            ("д.о.о.", "ДОО", "доо", "друштво са ограниченом одговорношћу")),
    "ad": (("a.d.", "AD", "akcionarsko društvo"), ("а.д.", "АД", "акционарско друштво")),
    "pr": (("PR", "preduzetnik"), ("ПР", "предузетник")),
    "ltd": (("Ltd", "Limited"), ("Ltd", "Limited")),
    "plc": (("PLC", "plc"), ("PLC", "plc")),
}  # fmt: skip
_FORMS_GB = {
    "doo": ("DOO", "d.o.o.", "LLC", "Limited Liability Company"),
    "ad": ("AD", "a.d.", "JSC", "Joint Stock Company"),
    "pr": ("PR", "Sole Trader"),
    "ltd": ("Ltd", "Limited", "LTD", "Ltd."),
    "plc": ("PLC", "plc", "Public Limited Company"),
}  # fmt: skip


def _company_name(co: Company, gb: bool, cyrillic: bool, town: str, rng: random.Random) -> str:
    """A firm's name as one record writes it (its legal form sometimes left out)."""
    core = gb_ascii(co.name) if gb else co.name
    if cyrillic:
        core = sr_latin_to_cyrillic(core)
    forms = _FORMS_GB[co.form] if gb else _FORMS_SR[co.form][1 if cyrillic else 0]
    form = rng.choice(forms) if rng.random() < 0.9 else ""
    if form and len(form.split()) > 1 and not gb and rng.random() < 0.4:
        text = f"{form[0].upper()}{form[1:]} {core}"  # spelt out, it may come first
    else:
        text = f"{core} {form}".strip()
    if not gb and co.country == "RS" and rng.random() < 0.35:
        text = f"{text} {town}"
    if gb and rng.random() < 0.3:
        text = text.upper()
    if rng.random() < 0.05:
        text = typo(text, rng)
    return text


def _country_text(iso2: str, gb: bool, rng: random.Random) -> str:
    if gb:
        return rng.choice((iso2, {"RS": "Serbia", "GB": "United Kingdom"}[iso2]))
    return rng.choice((iso2, _SERBIAN_COUNTRY[iso2], _iso3(iso2)))


def _colour_sr(colour: str) -> str:
    return {
        "white": "bela",
        "silver": "srebrna",
        "grey": "siva",
        "black": "crna",
        "blue": "plava",
        "red": "crvena",
        "dark green": "tamnozelena",
    }.get(colour, colour)


def _relationship(rel: str, gb: bool) -> str:
    """A relationship as the agency words it (the truth stores a role or a kinship term)."""
    if rel in _ENGLISH_ROLE:
        return f"{_ENGLISH_ROLE[rel]} for the organiser" if gb else (
            f"{_SERBIAN_ROLE[rel]} kod organizatora")  # fmt: skip
    if gb:
        return rel
    return {"brother": "brat", "cousin": "rođak", "uncle": "ujak", "brother-in-law": "šurak",
            "co-offender": "saizvršilac"}.get(rel, rel)  # fmt: skip


def decide_knowledge(world: World) -> dict[str, set[str]]:
    """Which agency holds a record of each true person: overlapping, never complete."""
    rng = random.Random(f"{world.seed}:{world.scale}:knowledge")
    know: dict[str, set[str]] = {}
    via_serbia = {
        g.id
        for g in world.groups
        if next(n for n in world.networks if n.id == g.network_id).corridor != "coastal"
    }
    to_uk = {g.id for g in world.groups if g.destination in ("london", "birmingham", "kent-coast")}
    for pid, person in world.people.items():
        agencies: set[str] = set()
        roll = rng.random()
        if person.kind == "member":
            home = world.geo.places[person.residence].country
            # Cumulative shares: known to both, to GB-NCA only, to RS-MUP only; else neither.
            if home == "GB":
                split = (0.4, 0.85, 0.9)
            elif home in _BALKANS:
                split = (0.42, 0.5, 0.85)
            else:
                split = (0.35, 0.55, 0.8)
            if roll < split[0]:
                agencies = {GB_NCA, RS_MUP}
            elif roll < split[1]:
                agencies = {GB_NCA}
            elif roll < split[2]:
                agencies = {RS_MUP}
        elif person.kind == "migrant":
            bonus = 0.2 if person.victim else 0.0
            if person.group_id in via_serbia and rng.random() < 0.55 + bonus:
                agencies.add(RS_MUP)
            if person.group_id in to_uk and rng.random() < 0.7 + bonus:
                agencies.add(GB_NCA)
        else:
            home = world.geo.places[person.residence].country
            if rng.random() < (0.6 if home == "GB" else 0.15):
                agencies.add(GB_NCA)
            if rng.random() < 0.05:
                agencies.add(RS_MUP)
        know[pid] = agencies
    return know


def record_agencies(world: World) -> dict[str, AgencyView]:
    """Both agencies' records of the world."""
    know = decide_knowledge(world)
    return {agency: _Recorder(world, agency, know).build() for agency in (GB_NCA, RS_MUP)}
