"""UN Security Council Consolidated List, official XML (`CONSOLIDATED_LIST`).

Layout: `CONSOLIDATED_LIST > INDIVIDUALS > INDIVIDUAL` and `> ENTITIES > ENTITY`, each with
`DATAID`, `REFERENCE_NUMBER` (e.g. `LYi.021`: regime, i/e, number), `FIRST_NAME` … `FOURTH_NAME`,
`UN_LIST_TYPE`, `LISTED_ON`, `COMMENTS1`, `NAME_ORIGINAL_SCRIPT`, `*_ALIAS`, `*_ADDRESS` and,
for individuals, `TITLE`, `DESIGNATION`, `NATIONALITY`, `GENDER`, `INDIVIDUAL_DATE_OF_BIRTH`,
`INDIVIDUAL_PLACE_OF_BIRTH`, `INDIVIDUAL_DOCUMENT`.

Mapping:
- id `un-<REFERENCE_NUMBER>` (the UN's permanent reference, also used by national lists that
  implement UN listings), so versions of the list diff cleanly.
- INDIVIDUAL → Person; ENTITY → Organization. `name` = the name parts joined in the UN's order;
  `firstName` = FIRST_NAME, `lastName` = the last further part, `middleName` the ones between
  (the UN does not mark the family name; this is its usual English order).
- aliases by `QUALITY`: `Good`/`a.k.a.` → `alias`, `Low` → `weakAlias` (the UN's "low quality"
  aliases, not to be matched on alone), `f.k.a.` → `previousName`; `NAME_ORIGINAL_SCRIPT` → alias.
- dates of birth: `DATE` (must be ISO), `YEAR`, a `BETWEEN` range (every year of it), or what a
  `NOTE` such as "Nov. 1973" says; `APPROXIMATELY` keeps the year only.
- documents: a type mentioning a passport → `passportNumber`, any other → `idNumber`.
- Sanction: authority "UN Security Council", program = the regime's name (`Libya` → "Libya
  sanctions (resolution 1970)"), programId `UN-LY`, unscId, listingDate, reason = COMMENTS1.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from corridor.errors import ValidationError
from corridor.plugins import ListLoader
from corridor.screen.listed import (
    EntityBuilder,
    ListedEntity,
    birth_dates,
    clean_text,
    join_parts,
    local_name,
    make_sanction,
    placed,
    split_values,
    xml_items,
    years_between,
)
from corridor.screen.loaders.sniff import MARKED, xml_like

AUTHORITY = "UN Security Council"
SOURCE_URL = "https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list"

#: UN_LIST_TYPE as written in the XML → the two-letter regime code of reference numbers.
LIST_TYPES = {
    "al-qaida": "QD",
    "taliban": "TA",
    "libya": "LY",
    "drc": "CD",
    "car": "CF",
    "dprk": "KP",
    "gb": "GB",
    "haiti": "HT",
    "iran": "IR",
    "iraq": "IQ",
    "somalia": "SO",
    "southsudan": "SS",
    "sudan": "SD",
    "yemen": "YE",
}
#: Regime code → readable program name (the Security Council committee's regime).
PROGRAMS = {
    "QD": "ISIL (Da'esh) and Al-Qaida sanctions (resolution 1267)",
    "TA": "Taliban sanctions (resolution 1988)",
    "LY": "Libya sanctions (resolution 1970)",
    "CD": "Democratic Republic of the Congo sanctions (resolution 1533)",
    "CF": "Central African Republic sanctions (resolution 2127)",
    "KP": "Democratic People's Republic of Korea sanctions (resolution 1718)",
    "GB": "Guinea-Bissau sanctions (resolution 2048)",
    "HT": "Haiti sanctions (resolution 2653)",
    "IR": "Iran non-proliferation list (resolution 2231)",
    "IQ": "Iraq sanctions (resolution 1518)",
    "SO": "Al-Shabaab sanctions (resolution 2713, formerly Somalia)",
    "SS": "South Sudan sanctions (resolution 2206)",
    "SD": "Sudan sanctions (resolution 1591)",
    "YE": "Yemen sanctions (resolution 2140)",
}

_ITEMS = {"INDIVIDUAL": "Person", "ENTITY": "Organization"}
_REFERENCE = re.compile(r"^[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*$")
_YEAR = re.compile(r"^\d{4}$")
_XS_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?$")


def read_un(path: Path) -> Iterator[ListedEntity]:
    """Stream the UN consolidated list: one element at a time, freed once read."""
    counts = dict.fromkeys(_ITEMS, 0)
    for elem in xml_items(path, "CONSOLIDATED_LIST", "a UN consolidated list", _ITEMS, 2):
        tag = local_name(elem.tag)
        counts[tag] += 1
        ref = clean_text(elem.findtext("REFERENCE_NUMBER"))
        label = f"{tag} {counts[tag]}" + (f" ({ref})" if ref else "")
        try:
            listed = _record(elem, tag, label)
        except ValidationError as exc:
            raise placed(exc, path.name, item=label) from None
        yield listed


def _texts(elem: ET.Element, path: str) -> list[str]:
    return [t for t in (clean_text(e.text) for e in elem.iterfind(path)) if t]


def _text(elem: ET.Element, path: str) -> str:
    return clean_text(elem.findtext(path))


def _record(elem: ET.Element, tag: str, label: str) -> ListedEntity:
    ref = _text(elem, "REFERENCE_NUMBER")
    if not ref:
        raise ValidationError("missing reference number", "REFERENCE_NUMBER")
    if not _REFERENCE.match(ref):
        raise ValidationError(f"invalid reference number {ref!r}", "REFERENCE_NUMBER")
    parts = [_text(elem, f) for f in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    parts = [p for p in parts if p]
    if not parts:
        raise ValidationError("missing name", "FIRST_NAME")
    b = EntityBuilder(_ITEMS[tag], f"un-{ref}")
    full = " ".join(parts)
    b.add("name", full)
    if tag == "INDIVIDUAL":
        b.add("firstName", parts[0])
        if len(parts) > 1:
            b.add("lastName", parts[-1])
            b.add_all("middleName", parts[1:-1])
    elif ";" in full:  # "COMPAGNIE AERIENNE DES GRANDS LACS (CAGL) ; GREAT LAKES …": two names
        b.add_all("alias", split_values(full))
    b.add("alias", _text(elem, "NAME_ORIGINAL_SCRIPT"))
    for alias in elem.iterfind(f"{tag}_ALIAS"):
        quality = _text(alias, "QUALITY").lower()
        prop = {"low": "weakAlias", "f.k.a.": "previousName"}.get(quality, "alias")
        b.add(prop, _text(alias, "ALIAS_NAME"))
        b.add_all("birthDate", birth_dates(_text(alias, "DATE_OF_BIRTH")))
        b.add(
            "birthPlace",
            join_parts(_text(alias, "CITY_OF_BIRTH"), _text(alias, "COUNTRY_OF_BIRTH")),
        )
    b.add_all("title", _texts(elem, "TITLE/VALUE"))
    b.add_all("position", _texts(elem, "DESIGNATION/VALUE"))
    b.add_all("nationality", _texts(elem, "NATIONALITY/VALUE"), "Nationality")
    b.add("gender", _text(elem, "GENDER"))
    for addr in elem.iterfind(f"{tag}_ADDRESS"):
        fields = ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")
        text = join_parts(*(_text(addr, f) for f in fields))
        note = _text(addr, "NOTE")
        b.add("address", f"{text} ({note})" if text and note else text or note)
        b.add("country", _text(addr, "COUNTRY"), "Country")
    for dob in elem.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        b.add_all("birthDate", _birth_dates(dob))
    for pob in elem.iterfind("INDIVIDUAL_PLACE_OF_BIRTH"):
        fields = ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY", "NOTE")
        b.add("birthPlace", join_parts(*(_text(pob, f) for f in fields)))
        b.add("birthCountry", _text(pob, "COUNTRY"), "Country of birth")
    for doc in elem.iterfind("INDIVIDUAL_DOCUMENT"):
        number = _text(doc, "NUMBER")
        kind = f"{_text(doc, 'TYPE_OF_DOCUMENT')} {_text(doc, 'TYPE_OF_DOCUMENT2')}".lower()
        passport = any(word in kind for word in ("passport", "pasaporte", "passeport"))
        b.add("passportNumber" if passport else "idNumber", number)
    comments = _text(elem, "COMMENTS1")
    b.add("notes", comments)
    b.add("topics", "sanction")
    entity = b.build()

    list_type = _text(elem, "UN_LIST_TYPE")
    code = LIST_TYPES.get(list_type.lower().replace(" ", ""), ref[:2].upper())
    listed_on = _iso_date(_text(elem, "LISTED_ON"), "LISTED_ON")
    updated = [_iso_date(v, "LAST_DAY_UPDATED") for v in _texts(elem, "LAST_DAY_UPDATED/VALUE")]
    sanction = make_sanction(
        entity,
        f"un-{ref}-sanction",
        authority=AUTHORITY,
        program=PROGRAMS.get(code, list_type or None),
        programId=f"UN-{code}",
        unscId=ref,
        authorityId=_text(elem, "DATAID") or None,
        listingDate=listed_on,
        startDate=listed_on,
        modifiedAt=[v for v in updated if v],
        reason=comments or None,
        sourceUrl=SOURCE_URL,
    )
    return ListedEntity(entity, sanction, label)


def _iso_date(value: str, field: str) -> str | None:
    """An xs:date (`2015-04-07`, or with a zone as `2015-04-07-04:00`) as its ISO date."""
    if not value:
        return None
    match = _XS_DATE.match(value)
    try:
        if match is None:
            raise ValueError(value)
        return date.fromisoformat(match.group(1)).isoformat()
    except ValueError:
        raise ValidationError(f"invalid date {value!r} (expected YYYY-MM-DD)", field) from None


def _birth_dates(dob: ET.Element) -> list[str]:
    """One INDIVIDUAL_DATE_OF_BIRTH: the date fields must be dates; a NOTE is read leniently."""
    kind = _text(dob, "TYPE_OF_DATE").upper()
    values: list[str] = []
    exact = _iso_date(_text(dob, "DATE"), "DATE")
    if exact:
        values.append(exact[:4] if kind == "APPROXIMATELY" else exact)
    years = {f: _text(dob, f) for f in ("YEAR", "FROM_YEAR", "TO_YEAR")}
    for field, value in years.items():
        if value and not _YEAR.match(value):
            raise ValidationError(f"invalid year {value!r}", field)
    if years["YEAR"]:
        values.append(years["YEAR"])
    if years["FROM_YEAR"] and years["TO_YEAR"]:
        values.extend(years_between(int(years["FROM_YEAR"]), int(years["TO_YEAR"])))
    elif years["FROM_YEAR"] or years["TO_YEAR"]:
        values.append(years["FROM_YEAR"] or years["TO_YEAR"])
    if not values:
        values.extend(birth_dates(_text(dob, "NOTE")))
    return values


def sniff(path: Path, head: str) -> float:
    """XML with the UN's `CONSOLIDATED_LIST` root."""
    return MARKED if xml_like(path, head) and "<CONSOLIDATED_LIST" in head else 0.0


LOADER = ListLoader(
    "UN Security Council Consolidated List (XML)",
    sniff=sniff,
    read=lambda path, mapping: read_un(path),
)
