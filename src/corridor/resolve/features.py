"""Linkage features: what a record looks like to the model, after normalisation.

Splink compares code points, so a Cyrillic and a Latin spelling of one name would score zero;
everything is latinised and keyed here first (`corridor.normalise`). The same feature builder
serves records from the store (FtM entities) and rows of any table (`corridor link`), so both
paths are scored by one model definition.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from followthemoney import model
from followthemoney.proxy import EntityProxy
from followthemoney.types import registry
from normality import ascii_text
from rapidfuzz.distance import DamerauLevenshtein

from corridor.normalise.dates import PartialDate, parse_partial_date
from corridor.normalise.names import NameRoles
from corridor.normalise.orgs import org_name
from corridor.normalise.phones import normalise_phone
from corridor.normalise.plates import normalise_plate
from corridor.normalise.spelling import name_key, name_tokens
from corridor.resolve.names import NameFeatures, fielded_features, name_features

#: Feature columns and their Arrow types (lists are `list<string>`).
PERSON_COLUMNS: dict[str, str] = {
    "record_id": "string",
    "source": "string",
    "schema": "string",
    "name": "string",
    "sorted_name": "string",
    "keys_sorted": "string",
    "name_keys": "list",
    "family_key": "string",
    "given_key": "string",
    "given_keys": "list",
    "family_name": "string",
    "given_name": "string",
    "dob": "string",
    "dob_year": "int",
    "dob_md": "string",
    "dob_dm": "string",
    "gender": "string",
    "nationality": "list",
    "phones": "list",
    "ids": "list",
    "id_number": "string",
    "plates": "list",
    "postcode": "string",
    "address": "string",
    "city": "string",
    "street_number": "string",
    "birth_place": "string",
    "occupation": "string",
    "email": "string",
    # Organisations (`org_features`): a person's or a vehicle's row leaves these empty, and a
    # company's leaves the person's name and birth columns empty, so each kind gets its own
    # comparisons and blocks (`linkage.spec_for` keeps those whose columns carry data).
    "org_core": "string",
    "org_core_keys": "string",
    "org_keys": "list",
    "org_lead": "string",
    "org_tail": "string",
    "org_forms": "list",
    "org_kinds": "list",
    "org_ids": "list",
    "founded": "string",
    "founded_year": "int",
}

_GENDER = {"m": "m", "male": "m", "man": "m", "f": "f", "female": "f", "woman": "f"}
_ID_CLEAN = re.compile(r"[^A-Z0-9]")


def _id_key(value: str) -> str | None:
    return _ID_CLEAN.sub("", value.upper()) or None


_NOT_WORD = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=100_000)
def text_key(value: str | None) -> str | None:
    """Free text (addresses, places) as lower-case ASCII words; ICU only when not ASCII."""
    if not value:
        return None
    text = value.lower() if value.isascii() else (ascii_text(value) or "").lower()
    return " ".join(w for w in _NOT_WORD.split(text) if w) or None


def _list(values: Iterable[str | None]) -> list[str] | None:
    out = sorted({v for v in values if v})
    return out or None


def best_date(values: Iterable[str]) -> PartialDate | None:
    """The first full date written, else the first partial one (a year, a year and month)."""
    first = None
    for raw in values:
        date = parse_partial_date(raw)
        if date is None:
            continue
        if date.month is not None and date.day is not None:
            return date
        first = first or date
    return first


def _each(values: Sequence[str], normalise: Callable[[str], str | None]) -> list[str] | None:
    """The distinct normalised values, sorted; None for none (most records have no phone)."""
    return _list(normalise(v) for v in values) if values else None


@dataclass
class PersonInput:
    """What one record says about a person (or organisation, or vehicle), before normalising."""

    record_id: str
    source: str
    schema: str = "Person"
    names: Sequence[str] = ()
    given: Sequence[str] = ()
    family: Sequence[str] = ()
    dates_of_birth: Sequence[str] = ()
    genders: Sequence[str] = ()
    nationalities: Sequence[str] = ()
    phones: Sequence[str] = ()
    ids: Sequence[str] = ()
    plates: Sequence[str] = ()
    postcode: str | None = None
    address: str | None = None
    city: str | None = None
    street_number: str | None = None
    birth_place: str | None = None
    occupation: str | None = None
    email: str | None = None


def person_features(item: PersonInput, roles: NameRoles | None = None) -> dict[str, Any]:
    """The feature row of one record (every key of `PERSON_COLUMNS`, `None` where unknown).

    `roles` (learned from the records being resolved) help tell family from given names.
    An organisation's record gets an organisation's features (`org_features`).
    """
    if is_org(item.schema):
        return org_features(item)
    ids = id_keys(item.ids)
    return {
        "record_id": item.record_id,
        "source": item.source,
        "schema": item.schema,
        **name_columns(item.names, item.given, item.family, roles),
        **date_columns(item.dates_of_birth),
        "gender": gender_of(item.genders),
        "nationality": countries(item.nationalities),
        "phones": phone_keys(item.phones),
        "ids": ids,
        "id_number": ids[0] if ids else None,
        "plates": _each(item.plates, normalise_plate),
        "postcode": postcode_key(item.postcode),
        "address": text_key(item.address),
        "city": text_key(item.city),
        "street_number": text_key(item.street_number),
        "birth_place": text_key(item.birth_place),
        "occupation": text_key(item.occupation),
        "email": email_key(item.email),
    }


# Each part of a person's features depends on one field alone, so a table (`corridor link`)
# computes each part once per distinct value of its field: registers repeat names, dates and
# places thousands of times.


def name_columns(
    names: Sequence[str],
    given: Sequence[str],
    family: Sequence[str],
    roles: NameRoles | None = None,
) -> dict[str, Any]:
    """The name's feature columns, from whole names and fielded given and family names."""
    names = [n for n in names if n and n.strip()]
    family_key: str | None = None
    given_keys: set[str] = set()
    keys: set[str] = set()
    primary: NameFeatures | None = None
    if given or family:
        # Fielded names (a table's given and family columns) need no parsing.
        primary = fielded_features(" ".join(given), " ".join(family))
        family_key = primary.family_key
        given_keys.update(primary.given_keys)
        keys.update(primary.keys)
    parsed = [name_features(n, roles) for n in names]
    for p in parsed:
        keys.update(p.keys)
    if primary is None and parsed:
        primary = parsed[0]
        family_key = primary.family_key
        given_keys.update(primary.given_keys)
    if not names and primary is not None:
        names = [" ".join([*given, *family])]
    return {
        "name": names[0] if names else None,
        "sorted_name": primary.sorted_name if primary and primary.sorted_name else None,
        "keys_sorted": primary.sorted_keys if primary and primary.sorted_keys else None,
        "name_keys": sorted(keys) or None,
        "family_key": family_key,
        "given_key": min(given_keys) if given_keys else None,
        "given_keys": sorted(given_keys) or None,
        "family_name": primary.family if primary else None,
        "given_name": primary.given if primary else None,
    }


def date_columns(dates: Sequence[str]) -> dict[str, Any]:
    """Date of birth columns: the full date, its year (alone when partial), month-day and
    day-month (for transpositions)."""
    dob = dob_year = dob_md = dob_dm = None
    born = best_date(dates)
    if born is not None:
        dob_year = born.year
        if born.month is not None and born.day is not None:
            dob = f"{born.year:04d}-{born.month:02d}-{born.day:02d}"
            dob_md = f"{born.month:02d}{born.day:02d}"
            dob_dm = f"{born.day:02d}{born.month:02d}"
    return {"dob": dob, "dob_year": dob_year, "dob_md": dob_md, "dob_dm": dob_dm}


def gender_of(values: Sequence[str]) -> str | None:
    return next(
        (_GENDER[g.strip().lower()] for g in values if g and g.strip().lower() in _GENDER), None
    )


def countries(values: Sequence[str]) -> list[str] | None:
    return _list((registry.country.clean(n) or "").lower() or None for n in values)


def id_keys(values: Sequence[str]) -> list[str] | None:
    return _each(values, _id_key)


def phone_keys(values: Sequence[str]) -> list[str] | None:
    return _each(values, normalise_phone)


def postcode_key(value: str | None) -> str | None:
    return _ID_CLEAN.sub("", (value or "").upper()) or None


def email_key(value: str | None) -> str | None:
    return (value or "").strip().lower() or None


@lru_cache(maxsize=64)
def is_org(schema: str) -> bool:
    """Organisations, companies, public bodies, and legal entities not known to be people."""
    s = model.get(schema)
    return s is not None and (s.is_a("Organization") or s.name == "LegalEntity")


#: Words that join a firm's name and say nothing about which firm ("Bank of Armenia" and
#: "Bank of America" share no more than "bank").
_ORG_STOPWORDS = frozenset(("of", "the", "and", "for", "i", "u", "za", "na", "d", "e"))


@dataclass(frozen=True, slots=True)
class OrgNameFeatures:
    core: str | None  # the name without legal form or seat, latinised ("sokol trans")
    keys: tuple[str, ...]  # its words' phonetic keys, in order
    forms: tuple[str, ...]  # legal forms, latinised ("doo", "ltd")
    kinds: tuple[str, ...]  # their generic kinds ("llc"), or the forms where rigour has none


@lru_cache(maxsize=100_000)
def org_name_features(name: str) -> OrgNameFeatures:
    """An organisation's name for linkage: legal forms split off in any language and script
    (`corridor.normalise.orgs`), then the core latinised and keyed word by word like a
    person's name, so "Транспорт д.о.о." and "TRANSPORT DOO" have one core.

    Serbian registered names put the seat after the legal form ("Sokol Trans d.o.o. Beograd");
    words after a form that is not the first word are the seat, not the name."""
    parsed = org_name(name)
    words = parsed.compare.split(" ")
    forms = set(parsed.forms)
    core = parsed.core
    cut = max((i for i, w in enumerate(words) if w in forms), default=0)
    if 0 < cut < len(words) - 1:
        core = org_name(" ".join(words[:cut])).core
    tokens = name_tokens(core)
    latin_forms = tuple(sorted({" ".join(name_tokens(f)) for f in parsed.forms} - {""}))
    return OrgNameFeatures(
        core=" ".join(tokens) or None,
        keys=tuple(k for k in (name_key(t) for t in tokens if t not in _ORG_STOPWORDS) if k),
        forms=latin_forms,
        kinds=parsed.kinds or latin_forms,
    )


def org_features(item: PersonInput) -> dict[str, Any]:
    """The feature row of an organisation's record (the keys of `PERSON_COLUMNS`).

    Its identifiers (registration, tax, LEI numbers) go to `org_ids`, compared as a set: two
    registers' numbers of one firm differ in kind, not by a typo, so no edit distance."""
    names = [n for n in item.names if n and n.strip()]
    parsed = [org_name_features(n) for n in names]
    primary = parsed[0] if parsed else None
    keys = {k for p in parsed for k in p.keys}
    founded = founded_year = None
    date = best_date(item.dates_of_birth)
    if date is not None:
        founded_year = date.year
        if date.month is not None and date.day is not None:
            founded = f"{date.year:04d}-{date.month:02d}-{date.day:02d}"
    core_keys = " ".join(sorted(set(primary.keys))) if primary and primary.keys else None
    row: dict[str, Any] = dict.fromkeys(PERSON_COLUMNS)
    address = " ".join(name_tokens(item.address)) if item.address else None
    row.update(
        {
            "record_id": item.record_id,
            "source": item.source,
            "schema": item.schema,
            "name": names[0] if names else None,
            "nationality": _list(
                (registry.country.clean(n) or "").lower() or None for n in item.nationalities
            ),
            "phones": _list(normalise_phone(p) for p in item.phones),
            "address": address or None,
            "email": (item.email or "").strip().lower() or None,
            "org_core": primary.core if primary else None,
            "org_core_keys": core_keys,
            "org_keys": sorted(keys) or None,
            "org_lead": primary.keys[0] if primary and primary.keys else None,
            "org_tail": primary.keys[-1] if primary and len(primary.keys) > 1 else None,
            "org_forms": _list(f for p in parsed for f in p.forms),
            "org_kinds": _list(k for p in parsed for k in p.kinds),
            "org_ids": _list(_ID_CLEAN.sub("", i.upper()) or None for i in item.ids),
            "founded": founded,
            "founded_year": founded_year,
        }
    )
    return row


def incompatible(left: Mapping[str, Any] | None, right: Mapping[str, Any] | None) -> bool:
    """Two feature rows that cannot be one entity: firms whose legal forms are of different
    kinds (a d.o.o. is never an a.d.; one firm has one form at a time)."""
    if left is None or right is None:
        return False
    a, b = left.get("org_kinds") or (), right.get("org_kinds") or ()
    return bool(a) and bool(b) and not set(a) & set(b)


#: Two full birth dates this many digit edits apart or more (a swap of two digits counts one),
#: also with the day and month of one read the other way round, are two people: one or two
#: typos stay within it.
BIRTHS_APART = 3


def births_apart(left: Mapping[str, Any] | None, right: Mapping[str, Any] | None) -> bool:
    """Two feature rows whose full dates of birth no couple of slips explains (1993-06-14,
    1972-06-15): a chain of likely links must not make them one person. Partial dates (a year
    alone) and missing ones never conflict."""
    a, b = (left or {}).get("dob"), (right or {}).get("dob")
    if not a or not b or a == b:
        return False
    x, y = a.replace("-", ""), b.replace("-", "")
    swapped = y[:4] + y[6:] + y[4:6]  # the day and month written the other way round
    return min(DamerauLevenshtein.distance(x, y), DamerauLevenshtein.distance(x, swapped)) >= (
        BIRTHS_APART
    )


def cannot_link(
    kind: str,
    features: Mapping[str, Mapping[str, Any] | None],
    links: Iterable[tuple[str, str, float]],
    threshold: float,
) -> Callable[[str, str], bool] | None:
    """What keeps two records out of one cluster however a chain of links joins them (for
    `clusters.cluster`), given their feature rows and the links (left, right, probability):
    firms of incompatible legal forms, always; people whose full dates of birth are too far
    apart (`births_apart`), unless the two are themselves linked at the threshold or above
    (then the model has weighed the dates against the rest: a false date on a forged passport
    is one person's). None for kinds with no such rule. The stored clusters and each reader's
    (`resolve.seen`) are formed by the same rule."""
    if kind == "Organization":
        return lambda a, b: incompatible(features.get(a), features.get(b))
    if kind != "Person":
        return None
    direct = {(min(a, b), max(a, b)) for a, b, p in links if p >= threshold}
    return lambda a, b: (births_apart(features.get(a), features.get(b))
                         and (min(a, b), max(a, b)) not in direct)  # fmt: skip


#: FtM properties read for each feature (identifiers of every kind count as ids).
_ID_PROPS = ("idNumber", "passportNumber", "taxNumber", "registrationNumber", "innCode",
             "vatCode", "ogrnCode", "leiCode", "imoNumber", "iban", "accountNumber")  # fmt: skip


def entity_input(entity: EntityProxy, source: str) -> PersonInput:
    """A record's features from an FtM entity (Person, Organization, Company, Vehicle, …)."""

    def get(prop: str) -> list[str]:
        return list(entity.get(prop, quiet=True))

    is_vehicle = entity.schema.is_a("Vehicle")
    ids = [] if is_vehicle else [v for p in _ID_PROPS for v in get(p)]
    return PersonInput(
        record_id=str(entity.id),
        source=source,
        schema=entity.schema.name,
        names=[*get("name"), *get("alias"), *get("previousName")],
        given=get("firstName"),
        family=get("lastName"),
        dates_of_birth=[*get("birthDate"), *get("incorporationDate")],
        genders=get("gender"),
        nationalities=[
            *get("nationality"),
            *get("citizenship"),
            *get("country"),
            *get("jurisdiction"),
        ],
        phones=list(entity.get_type_values(registry.phone)),
        ids=ids,
        plates=get("registrationNumber") if is_vehicle else [],
        address=next(iter(get("address")), None),
        birth_place=next(iter(get("birthPlace")), None),
        email=next(iter(get("email")), None),
    )
