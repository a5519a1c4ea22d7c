"""The FCDO UK Sanctions List (the only official UK list since 28 January 2026), CSV and XML.

Layout implemented (from the FCDO's format guidance "UK Sanctions List: change to the list's
format", Feb 2022 — names in parts 1–6 with a Name type of Primary name, Primary name
variation or Alias, and an Alias strength — and the element names read by OpenSanctions'
`gb_fcdo_sanctions` crawler and other public parsers of the published files):

CSV (`UK-Sanctions-List.csv`): an optional first line `Report Date: …`, then a header, then one
row per name of a designation (the designation's other fields repeated or spread over its
rows). Columns: `Last Updated`, `Unique ID`, `OFSI Group ID`, `UN Reference Number`,
`Name 6` (surname, or an entity's or ship's whole name), `Name 1`…`Name 5` (given names),
`Name type`, `Alias strength`, `Title`, `Name non-latin script`, `Non-latin script type`,
`Non-latin script language`, `Regime Name`, `Designation Type` (also published as
`Individual, Entity, Ship`: Individual, Entity or Ship), `Designation source` (UK or UN),
`Sanctions Imposed` (`|`-separated), `Other Information`, `UK Statement of Reasons`,
`Address Line 1`…`Address Line 6`, `Address Postal Code`, `Address Country`, `Phone number`,
`Website`, `Email address`, `Date Designated`, `D.O.B`, `Nationality(/ies)`,
`National Identifier number`, `National Identifier additional information`, `Passport number`,
`Passport additional information`, `Position`, `Gender`, `Town of birth`, `Country of birth`,
`Type of entity`, `Subsidiaries`, `Parent company`, `Business registration number (s)`,
`IMO number`, `Current owner/operator (s)`, `Previous owner/operator (s)`,
`Current believed flag of ship`, `Previous flags`, `Type of ship`, `Tonnage of ship`,
`Length of ship`, `Year Built`, `Hull identification number (HIN)`. Header names are matched
without regard to case or spacing; other columns are ignored. Dates are dd/mm/yyyy (`00` for an
unknown day or month); a cell may hold several values numbered `(1) … (2) …`.

XML (`UK-Sanctions-List.xml`): `Designations > Designation` with `LastUpdated`,
`DateDesignated`, `UniqueID`, `OFSIGroupID`, `UNReferenceNumber`, `Names/Name` (`Name1`…`Name6`,
`NameType`, `AliasStrength`), `NonLatinNames/NonLatinName/NameNonLatinScript`, `RegimeName`,
`IndividualEntityShip`, `DesignationSource`, `SanctionsImposed`, `OtherInformation`,
`UKStatementofReasons`, `Addresses/Address` (`AddressLine1`…`AddressLine6`,
`AddressPostalCode`, `AddressCountry`), `PhoneNumbers/PhoneNumber`,
`EmailAddresses/EmailAddress`, `Websites/Website`, `IndividualDetails/Individual` (`DOBs/DOB`,
`Nationalities/Nationality`, `Positions/Position`, `Genders/Gender`, `Titles/Title`,
`BirthDetails/Location` with `TownOfBirth`/`CountryOfBirth`, `PassportDetails/Passport/
PassportNumber`, `NationalIdentifierDetails/NationalIdentifier/NationalIdentifierNumber`),
`EntityDetails/Entity` (`TypeOfEntity`, `BusinessRegistrationNumber`, `ParentCompany`,
`Subsidiary`) and `ShipDetails/Ship` (`IMONumber`, `CurrentOwnerOperator`,
`CurrentBelievedFlagOfShip`, `PreviousFlag`, `TypeOfShip`, `TonnageOfShip`, `LengthOfShip`,
`YearBuilt`, `HullIdentificationNumber`). Leaf elements are found wherever they sit inside a
designation, so a change of wrapper element does not lose them.

Mapping: id `gb-<Unique ID>`; Individual → Person (`firstName` = Name 1, `middleName` =
Names 2–5, `lastName` = Name 6), Entity → Organization, Ship → Vessel. The first Primary name
is `name`; variations and aliases are `alias`, aliases of low or weak strength `weakAlias`;
non-Latin names are aliases. Sanction: authority "UK FCDO", program = Regime Name (e.g. "Global
Irregular Migration and Trafficking in Persons"), provisions = Sanctions Imposed, listingDate =
Date Designated, reason = UK Statement of Reasons, unscId = UN Reference Number.

The CSV is streamed designation by designation; a designation's rows must be together (the
list is published sorted), and one whose rows come back later is refused.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.errors import InputError, ValidationError
from corridor.plugins import ListLoader
from corridor.screen.listed import (
    EntityBuilder,
    ListedEntity,
    clean_text,
    csv_rows,
    join_parts,
    local_name,
    make_sanction,
    placed,
    split_numbered,
    text_dates,
    xml_items,
)
from corridor.screen.loaders.sniff import MARKED, header_cells, table_like, xml_like

if TYPE_CHECKING:
    from _csv import Reader

AUTHORITY = "UK FCDO"
SOURCE_URL = "https://www.gov.uk/government/publications/the-uk-sanctions-list"
_KINDS = {"individual": "Person", "entity": "Organization", "ship": "Vessel"}
_ID = re.compile(r"^[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")

#: Canonical key → CSV header (as published) and XML leaf element.
_FIELDS: dict[str, tuple[tuple[str, ...], str]] = {
    "last_updated": (("Last Updated",), "LastUpdated"),
    "unique_id": (("Unique ID",), "UniqueID"),
    "group_id": (("OFSI Group ID",), "OFSIGroupID"),
    "un_reference": (("UN Reference Number",), "UNReferenceNumber"),
    "title": (("Title",), "Title"),
    "non_latin": (("Name non-latin script",), "NameNonLatinScript"),
    "regime": (("Regime Name", "Regime"), "RegimeName"),
    "kind": (("Designation Type", "Individual, Entity, Ship"), "IndividualEntityShip"),
    "source": (("Designation source",), "DesignationSource"),
    "measures": (("Sanctions Imposed",), "SanctionsImposed"),
    "other": (("Other Information",), "OtherInformation"),
    "reasons": (("UK Statement of Reasons",), "UKStatementofReasons"),
    "phone": (("Phone number",), "PhoneNumber"),
    "website": (("Website",), "Website"),
    "email": (("Email address",), "EmailAddress"),
    "designated": (("Date Designated",), "DateDesignated"),
    "dob": (("D.O.B", "DOB", "Date of birth"), "DOB"),
    "nationality": (("Nationality(/ies)", "Nationality"), "Nationality"),
    "national_id": (("National Identifier number",), "NationalIdentifierNumber"),
    "passport": (("Passport number",), "PassportNumber"),
    "position": (("Position",), "Position"),
    "gender": (("Gender",), "Gender"),
    "entity_type": (("Type of entity",), "TypeOfEntity"),
    "subsidiary": (("Subsidiaries",), "Subsidiary"),
    "parent": (("Parent company",), "ParentCompany"),
    "registration": (("Business registration number (s)",), "BusinessRegistrationNumber"),
    "imo": (("IMO number",), "IMONumber"),
    "owner": (("Current owner/operator (s)",), "CurrentOwnerOperator"),
    "previous_owner": (("Previous owner/operator (s)",), "PreviousOwnerOperator"),
    "flag": (("Current believed flag of ship",), "CurrentBelievedFlagOfShip"),
    "previous_flag": (("Previous flags",), "PreviousFlag"),
    "ship_type": (("Type of ship",), "TypeOfShip"),
    "tonnage": (("Tonnage of ship",), "TonnageOfShip"),
    "length": (("Length of ship",), "LengthOfShip"),
    "built": (("Year Built",), "YearBuilt"),
    "hin": (("Hull identification number (HIN)",), "HullIdentificationNumber"),
}
_NAME_PARTS = ("Name1", "Name2", "Name3", "Name4", "Name5", "Name6")
_ADDRESS_PARTS = (*(f"AddressLine{i}" for i in range(1, 7)), "AddressPostalCode")
#: Grouped CSV columns (several cells make one value) by their XML element names.
_CSV_GROUPS = {
    **{f"Name{i}": f"Name {i}" for i in range(1, 7)},
    "NameType": "Name type",
    "AliasStrength": "Alias strength",
    **{f"AddressLine{i}": f"Address Line {i}" for i in range(1, 7)},
    "AddressPostalCode": "Address Postal Code",
    "AddressCountry": "Address Country",
    "TownOfBirth": "Town of birth",
    "CountryOfBirth": "Country of birth",
}
_REQUIRED = ("unique_id", "regime", "kind")
#: Fields kept as notes: the matcher cannot use them, the analyst may.
_NOTED = {
    "parent": "Parent company",
    "subsidiary": "Subsidiary",
    "owner": "Current owner/operator",
    "previous_owner": "Previous owner/operator",
    "previous_flag": "Previous flag",
    "length": "Length of ship",
}


@dataclass
class _Name:
    kind: str
    strength: str
    parts: list[str]

    @property
    def full(self) -> str:
        return join_parts(*self.parts[:5], self.parts[5], sep=" ")


@dataclass
class _Designation:
    """One designation gathered from its CSV rows or its XML element."""

    where: int | str
    labels: dict[str, str]
    values: dict[str, list[str]] = field(default_factory=dict)
    names: list[_Name] = field(default_factory=list)
    addresses: list[tuple[str, str]] = field(default_factory=list)
    births: list[tuple[str, str]] = field(default_factory=list)

    def add(self, key: str, value: str | None) -> None:
        text = clean_text(value)
        if text and text not in self.values.setdefault(key, []):
            self.values[key].append(text)

    def get(self, key: str) -> list[str]:
        return self.values.get(key, [])

    def first(self, key: str) -> str:
        return next(iter(self.get(key)), "")


# --- CSV ------------------------------------------------------------------------------------


def _norm(header: str) -> str:
    return re.sub(r"\s+", " ", header).strip().lower()


_CSV_KEYS = {_norm(h): key for key, (headers, _) in _FIELDS.items() for h in headers}
_CSV_GROUP_KEYS = {_norm(h): tag for tag, h in _CSV_GROUPS.items()}


def read_uk_csv(path: Path) -> Iterator[ListedEntity]:
    name = path.name
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header, line = _csv_header(reader, name)
        columns = _csv_columns(name, line, header)
        group: list[tuple[int, list[str]]] = []
        done: set[str] = set()
        uid_index = columns["unique_id"]
        uid_label = header[uid_index].strip()
        for start, row in csv_rows(reader, name, len(header), line):
            uid = clean_text(row[uid_index])
            if not uid:
                raise InputError("missing Unique ID", file=name, line=start, field=uid_label)
            if group and clean_text(group[0][1][uid_index]) != uid:
                yield _from_rows(name, header, columns, group, done)
                group = []
            if uid in done:
                raise InputError(
                    f"the rows of {uid} are not together", file=name, line=start, field=uid_label
                )
            group.append((start, row))
        if group:
            yield _from_rows(name, header, columns, group, done)


def _csv_header(reader: Reader, file: str) -> tuple[list[str], int]:
    """The header row (the one with a `Unique ID` column, within the first five lines) and
    its line: a `Report Date: …` line may come first."""
    line = 0
    try:
        for row in reader:
            line = reader.line_num
            if any(_norm(c) == "unique id" for c in row):
                return row, line
            if line >= 5:
                break
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InputError(f"unreadable CSV: {exc}", file=file, line=line + 1) from None
    raise InputError("no header row (with a 'Unique ID' column)", file=file, line=1)


def _csv_columns(file: str, line: int, header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, h in enumerate(header):
        key = _CSV_KEYS.get(_norm(h)) or _CSV_GROUP_KEYS.get(_norm(h))
        if key is not None and key not in columns:
            columns[key] = i
    for key in (*_REQUIRED, "Name6"):
        if key not in columns:
            wanted = _FIELDS[key][0][0] if key in _FIELDS else _CSV_GROUPS[key]
            raise InputError(f"missing column {wanted!r}", file=file, line=line, field=wanted)
    return columns


def _from_rows(
    file: str,
    header: list[str],
    columns: dict[str, int],
    rows: list[tuple[int, list[str]]],
    done: set[str],
) -> ListedEntity:
    labels = {key: header[i].strip() for key, i in columns.items()}
    d = _Designation(rows[0][0], labels)
    for _, row in rows:

        def cell(key: str, row: list[str] = row) -> str:
            return clean_text(row[columns[key]]) if key in columns else ""

        for key in columns:
            if key in _FIELDS:
                d.add(key, cell(key))
        parts = [cell(tag) for tag in _NAME_PARTS]
        if any(parts):
            d.names.append(_Name(cell("NameType"), cell("AliasStrength"), parts))
        address = join_parts(*(cell(tag) for tag in _ADDRESS_PARTS), cell("AddressCountry"))
        if address and (address, cell("AddressCountry")) not in d.addresses:
            d.addresses.append((address, cell("AddressCountry")))
        birth = (cell("TownOfBirth"), cell("CountryOfBirth"))
        if any(birth) and birth not in d.births:
            d.births.append(birth)
    done.add(d.first("unique_id"))
    try:
        return _build(d)
    except ValidationError as exc:
        line = _line_of(rows, columns, exc.field, labels) or rows[0][0]
        raise placed(exc, file, line=line) from None


def _line_of(
    rows: list[tuple[int, list[str]]],
    columns: dict[str, int],
    label: str | None,
    labels: dict[str, str],
) -> int | None:
    """The line of the designation's row holding the bad value (the first row otherwise)."""
    key = next((k for k, v in labels.items() if v == label), None)
    if key is None:
        return None
    for line, row in rows:
        if clean_text(row[columns[key]]):
            return line
    return None


# --- XML ------------------------------------------------------------------------------------

_XML_KEYS = {tag: key for key, (_, tag) in _FIELDS.items()}


def read_uk_xml(path: Path) -> Iterator[ListedEntity]:
    items = xml_items(path, "Designations", "the UK Sanctions List", ("Designation",), 1)
    for count, elem in enumerate(items, start=1):
        uid = next((clean_text(e.text) for e in elem.iter() if local_name(e.tag) == "UniqueID"), "")
        label = f"Designation {count}" + (f" ({uid})" if uid else "")
        try:
            listed = _build(_from_element(elem, label))
        except ValidationError as exc:
            raise placed(exc, path.name, item=label) from None
        yield listed


def _from_element(elem: ET.Element, label: str) -> _Designation:
    labels = {key: tag for key, (_, tag) in _FIELDS.items()}
    d = _Designation(label, labels)
    for child in elem.iter():
        tag = local_name(child.tag)
        if tag == "Name" and len(child):
            texts = {local_name(c.tag): clean_text(c.text) for c in child}
            parts = [texts.get(t, "") for t in _NAME_PARTS]
            if any(parts):
                d.names.append(
                    _Name(texts.get("NameType", ""), texts.get("AliasStrength", ""), parts)
                )
        elif tag == "Address" and len(child):
            texts = {local_name(c.tag): clean_text(c.text) for c in child}
            country = texts.get("AddressCountry", "")
            address = join_parts(*(texts.get(t) for t in _ADDRESS_PARTS), country)
            if address:
                d.addresses.append((address, country))
        elif tag == "Location" and len(child):
            texts = {local_name(c.tag): clean_text(c.text) for c in child}
            birth = (texts.get("TownOfBirth", ""), texts.get("CountryOfBirth", ""))
            if any(birth):
                d.births.append(birth)
        elif tag in _XML_KEYS and not len(child):
            d.add(_XML_KEYS[tag], child.text)
    return d


# --- the entity -----------------------------------------------------------------------------


def _uk_dates(d: _Designation, key: str) -> list[str]:
    """dd/mm/yyyy dates (00 for an unknown day or month), refused when unreadable."""
    values: list[str] = []
    for raw in d.get(key):
        for value in split_numbered(raw):
            dates = text_dates(value) if _UK_DATE.match(value) else []
            if not dates:
                raise ValidationError(
                    f"{value!r} is not a date (expected dd/mm/yyyy)", d.labels.get(key, key)
                )
            values.extend(dates)
    return values


def _build(d: _Designation) -> ListedEntity:
    for key in _REQUIRED:
        if not d.first(key):
            raise ValidationError(f"missing {d.labels.get(key, key)}", d.labels.get(key, key))
    uid = d.first("unique_id")
    if not _ID.match(uid):
        raise ValidationError(f"invalid Unique ID {uid!r}", d.labels["unique_id"])
    kind = d.first("kind")
    schema = _KINDS.get(kind.lower())
    if schema is None:
        raise ValidationError(
            f"unknown designation type {kind!r} (Individual, Entity or Ship)", d.labels["kind"]
        )
    if not d.names:
        raise ValidationError("no name", d.labels.get("Name6", "Name6"))
    b = EntityBuilder(schema, f"gb-{uid}")
    primary = next((n for n in d.names if n.kind.lower() == "primary name"), d.names[0])
    b.add("name", primary.full)
    if schema == "Person":
        b.add("firstName", primary.parts[0])
        b.add_all("middleName", primary.parts[1:5])
        b.add("lastName", primary.parts[5])
    for n in d.names:
        if n is primary:
            continue
        weak = n.kind.lower() == "alias" and any(w in n.strength.lower() for w in ("low", "weak"))
        b.add("weakAlias" if weak else "alias", n.full)
    b.add_all("alias", d.get("non_latin"))
    b.add_all("title", d.get("title"))
    b.add_all("birthDate", _uk_dates(d, "dob"))
    for raw in d.get("nationality"):
        b.add_all("nationality", split_numbered(raw), "Nationality")
    for raw in d.get("passport"):
        b.add_all("passportNumber", split_numbered(raw))
    for raw in d.get("national_id"):
        b.add_all("idNumber", split_numbered(raw))
    for raw in d.get("position"):
        b.add_all("position", split_numbered(raw))
    b.add_all("gender", d.get("gender"))
    for town, country in d.births:
        b.add("birthPlace", join_parts(town, country))
        b.add("birthCountry", country, "Country of birth")
    for address, country in d.addresses:
        b.add("address", address)
        b.add("country", country, "Country")
    b.add_all("phone", d.get("phone"))
    b.add_all("email", d.get("email"))
    b.add_all("website", d.get("website"))
    b.add_all("legalForm", d.get("entity_type"), "Type of entity")
    b.add_all("registrationNumber", d.get("registration"))
    b.add_all("imoNumber", (_imo(v) for v in d.get("imo")), "IMO number")
    b.add_all("flag", d.get("flag"), "Flag")
    b.add_all("type", d.get("ship_type"), "Type of ship")
    b.add_all("tonnage", d.get("tonnage"), "Tonnage")
    b.add_all("buildDate", (y for v in d.get("built") for y in text_dates(v)), "Year built")
    b.add_all("registrationNumber", d.get("hin"), "Hull identification number")
    for key, label in _NOTED.items():
        for value in d.get(key):
            b.note(f"{label}: {value}")
    b.add_all("notes", d.get("other"))
    b.add("topics", "sanction")
    entity = b.build()
    designated = _uk_dates(d, "designated")
    sanction = make_sanction(
        entity,
        f"gb-{uid}-sanction",
        authority=AUTHORITY,
        program=d.get("regime"),
        provisions=[p.strip() for v in d.get("measures") for p in v.split("|") if p.strip()],
        listingDate=designated,
        startDate=designated,
        modifiedAt=_uk_dates(d, "last_updated"),
        reason=d.get("reasons"),
        unscId=d.get("un_reference"),
        authorityId=uid,
        recordId=d.get("group_id"),
        summary=[f"Designation source: {s}" for s in d.get("source")],
        country="gb",
        sourceUrl=SOURCE_URL,
    )
    return ListedEntity(entity, sanction, d.where)


def _imo(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return f"IMO{digits}" if len(digits) == 7 else value


def sniff_csv(path: Path, head: str) -> float:
    """A CSV with the FCDO's `Unique ID` column."""
    return MARKED if table_like(path, head) and "Unique ID" in header_cells(head) else 0.0


def sniff_xml(path: Path, head: str) -> float:
    """XML of `Designations`."""
    marked = "<Designations" in head or "<Designation>" in head
    return MARKED if xml_like(path, head) and marked else 0.0


CSV_LOADER = ListLoader(
    "FCDO UK Sanctions List, CSV",
    sniff=sniff_csv,
    read=lambda path, mapping: read_uk_csv(path),
)
XML_LOADER = ListLoader(
    "FCDO UK Sanctions List, XML",
    sniff=sniff_xml,
    read=lambda path, mapping: read_uk_xml(path),
)
