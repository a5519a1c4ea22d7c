"""OFAC SDN list in the legacy three-file CSV layout (sdn.csv, add.csv, alt.csv).

Header-less, comma-separated, `-0-` for an empty value, a trailing EOF byte (0x1A). Columns:
- sdn.csv: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT,
  Vess_flag, Vess_owner, Remarks
- add.csv: ent_num, add_num, Address, City/State/Province/Postal Code, Country, Add_remarks
- alt.csv: ent_num, alt_num, alt_type, alt_name, alt_remarks

Mapping:
- id `ofac-<ent_num>`. SDN_Type `individual` → Person, `vessel` → Vessel, `aircraft` →
  Airplane, empty → Organization (OFAC's "entity": never a person; whether it is a company
  OFAC does not say, and a Company query still matches an Organization).
- `name` = SDN_Name as written (`NORIEGA, Manuel Antonio`); for people the part before the
  first comma is `lastName`, the rest `firstName`. Title → `position`.
- alt.csv by alt_type: `aka` and `nka` → `alias`, `fka` → `previousName`, any type containing
  `weak` → `weakAlias`. OFAC puts its weak a.k.a.s in Remarks (`a.k.a. 'ABU-'`): those →
  `weakAlias`.
- Remarks (`DOB 12 Mar 1965; POB Baghdad, Iraq; nationality Iraq; Passport 12345 (Iraq)`): see
  `parse_remarks`; the full text is kept in `notes` too.
- add.csv → `address` (the parts joined) and `country`.
- Sanction: authority "US OFAC", program and programId = the program codes (`SDGT`, `IFSR`),
  authorityId = ent_num.

The small side files are indexed by ent_num; sdn.csv is streamed. A side row whose ent_num is
not in sdn.csv is an error (raised once sdn.csv has been read).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from corridor.errors import InputError
from corridor.plugins import ListLoader
from corridor.screen.listed import (
    EntityBuilder,
    ListedEntity,
    birth_dates,
    clean_text,
    join_parts,
    make_sanction,
    text_dates,
)
from corridor.screen.loaders.sniff import HINTED, NAMED, first_rows, table_like

AUTHORITY = "US OFAC"
DETAILS_URL = "https://sanctionssearch.ofac.treas.gov/Details.aspx?id={}"
_SDN_WIDTH, _ADD_WIDTH, _ALT_WIDTH = 12, 6, 5
_TYPES = {"individual": "Person", "vessel": "Vessel", "aircraft": "Airplane", "": "Organization"}
_TAIL_NUMBER = re.compile(r"^[A-Z0-9]{1,3}-?[A-Z0-9]{2,6}$")


# --- Remarks --------------------------------------------------------------------------------


@dataclass
class Remarks:
    """What an SDN Remarks field says, as (FtM property, value) pairs."""

    values: list[tuple[str, str]] = field(default_factory=list)
    weak_aliases: list[str] = field(default_factory=list)


def _ident(value: str) -> list[str]:
    """`1732174 (Bahrain) issued 20 Aug 2007` → `1732174`."""
    text = re.split(r"\s+\(|\s+issued\b|\s+expires\b", value, maxsplit=1)[0]
    return [text.strip(" .,:")] if text.strip(" .,:") else []


def _imo(value: str) -> list[str]:
    digits = re.sub(r"\D", "", value)
    return [f"IMO{digits}"] if digits else []


def _plain(value: str) -> list[str]:
    return [value] if value else []


_ID_LABELS = (
    r"National ID No\.|Cedula No\.|D\.N\.I\.|C\.U\.R\.P\.|CURP #?|Identification Number|"
    r"Personal ID Card|Electoral Registry No\.|Driver's License No\.|SSN|Residency Number|"
    r"Birth Certificate Number|Credencial electoral|Identity Number|NIE|Kenyan ID No\.|"
    r"Public Security and Immigration No\.|Citizen's Card Number|Refugee ID Card|"
    r"Social Security Number|Personal Identification Number|Travel Document Number|"
    r"Cartilla de Servicio Militar Nacional|Matricula Consular"
)
_TAX_LABELS = (
    r"NIT #|R\.F\.C\.|RFC|Tax ID No\.|RUC #|V\.A\.T\. Number|VAT Number|Italian Fiscal Code"
)
_REG_LABELS = (
    r"Registration Number|Registration ID|Registration No\.|Company Number|"
    r"Commercial Registry Number|Commercial Registration Number|C\.R\. No\.|"
    r"Business Registration Number|Business Registration Document #|Folio Mercantil No\.|"
    r"Matricula Mercantil No|Trade License No\.|Government Gazette Number|"
    r"Chamber of Commerce Number|Legal Entity Number|UK Company Number|Enterprise Number|"
    r"Business Number|Certificate of Incorporation Number|Public Registration Number|"
    r"Economic Register Number \(CBLS\)"
)
_PHONE_LABELS = r"Telephone(?: No\.| Number)?|Phone(?: Number| No\.)?|Fax(?: No\.| Number)?"

#: (pattern of one remark, property, how to read the value); the first match wins.
_RULES: tuple[tuple[re.Pattern[str], str, Callable[[str], list[str]]], ...] = tuple(
    (re.compile(rf"^(?:{pattern})[:\s]\s*(.+)$", re.S), prop, reader)
    for pattern, prop, reader in (
        (r"DOB", "birthDate", birth_dates),
        (r"POB", "birthPlace", _plain),
        (r"nationality|citizen", "nationality", _plain),
        (r"Gender", "gender", _plain),
        (r"Passport(?: No\.| Number)?", "passportNumber", _ident),
        (
            r"(?:Vessel Registration Identification|Identification Number|Company Number)"
            r"(?=\s+IMO\b)",
            "imoNumber",
            _imo,
        ),
        (r"MMSI", "mmsi", _ident),
        (_ID_LABELS, "idNumber", _ident),
        (_TAX_LABELS, "taxNumber", _ident),
        (_REG_LABELS, "registrationNumber", _ident),
        (r"D-U-N-S Number", "dunsCode", _ident),
        (r"SWIFT/BIC", "swiftBic", _ident),
        (r"Website", "website", _plain),
        (r"Email Address|Email", "email", _plain),
        (_PHONE_LABELS, "phone", _plain),
        (r"Organization Established Date", "incorporationDate", text_dates),
        (r"Organization Type", "sector", _plain),
        (r"Aircraft Manufacturer's Serial Number \(MSN\)", "serialNumber", _plain),
        (r"Aircraft Construction Number \(also called L/N or S/N or F/N\)", "serialNumber", _plain),
        (r"Aircraft Model", "model", _plain),
        (r"Aircraft Manufacture Date|Vessel Year of Build", "buildDate", text_dates),
        (r"Aircraft Tail Number", "registrationNumber", _ident),
    )
)
_QUOTED_ALIAS = re.compile(r"\b[afn]\.k\.a\.,?\s*'([^']*)'", re.I)
_ALT = re.compile(r"^alt\.\s+", re.I)


def parse_remarks(text: str | None) -> Remarks:
    """Read the common facts of an SDN Remarks field. Never raises: what it cannot read stays
    in the remarks (which the loader keeps as a note)."""
    result = Remarks()
    body = clean_text(text)
    for match in _QUOTED_ALIAS.finditer(body):
        alias = clean_text(match.group(1))
        if alias and alias not in result.weak_aliases:
            result.weak_aliases.append(alias)
    body = _QUOTED_ALIAS.sub("", body)
    for part in body.split(";"):
        remark = _ALT.sub("", part.strip().rstrip("."))
        if not remark:
            continue
        for pattern, prop, reader in _RULES:
            found = pattern.match(remark)
            if found is None:
                continue
            for value in reader(found.group(1).strip()):
                if (prop, value) not in result.values:
                    result.values.append((prop, value))
            break
    return result


# --- files ----------------------------------------------------------------------------------


def _decoded(f: BinaryIO) -> Iterator[str]:
    """Lines as text: UTF-8, else Windows-1252 (older OFAC files), line by line."""
    for raw in f:
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            yield raw.decode("cp1252", errors="replace")


def _cell(value: str) -> str:
    text = clean_text(value)
    return "" if text == "-0-" else text


def _rows(path: Path, width: int) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of a header-less OFAC file, checking every row's width and ent_num."""
    with path.open("rb") as f:
        reader = csv.reader(_decoded(f))
        line = 1
        try:
            for row in reader:
                start, line = line, reader.line_num + 1
                if not row or all(not c.strip() or c.strip() == "\x1a" for c in row):
                    continue
                if len(row) != width:
                    raise InputError(
                        f"expected {width} fields, found {len(row)}", file=path.name, line=start
                    )
                cells = [_cell(c) for c in row]
                if not cells[0].isdigit():
                    raise InputError(
                        f"ent_num {cells[0]!r} is not a number",
                        file=path.name,
                        line=start,
                        field="ent_num",
                    )
                yield start, cells
        except csv.Error as exc:
            raise InputError(f"unreadable CSV: {exc}", file=path.name, line=line) from None


@dataclass
class _Side:
    """One side file indexed by ent_num: its rows and their lines."""

    path: Path
    rows: dict[str, list[tuple[int, list[str]]]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, width: int) -> _Side:
        side = cls(path)
        for line, cells in _rows(path, width):
            side.rows.setdefault(cells[0], []).append((line, cells))
        return side

    def take(self, ent_num: str) -> list[list[str]]:
        return [cells for _, cells in self.rows.pop(ent_num, [])]

    def check_empty(self) -> None:
        if self.rows:
            line, cells = min(r for rows in self.rows.values() for r in rows)
            raise InputError(
                f"ent_num {cells[0]} is not in sdn.csv",
                file=self.path.name,
                line=line,
                field="ent_num",
            )


def ofac_files(path: Path) -> tuple[Path, Path, Path]:
    """sdn.csv, add.csv and alt.csv, from the folder or the path of sdn.csv."""
    folder = path if path.is_dir() else path.parent
    sdn = path if path.is_file() else folder / "sdn.csv"
    files = (sdn, folder / "add.csv", folder / "alt.csv")
    for file in files:
        if not file.is_file():
            raise InputError(
                "missing: the OFAC list needs sdn.csv, add.csv and alt.csv", file=file.name
            )
    return files


def read_ofac(path: Path) -> Iterator[ListedEntity]:
    sdn, add_path, alt_path = ofac_files(path)
    addresses = _Side.load(add_path, _ADD_WIDTH)
    aliases = _Side.load(alt_path, _ALT_WIDTH)
    seen: set[str] = set()
    for line, cells in _rows(sdn, _SDN_WIDTH):
        ent_num = cells[0]
        if ent_num in seen:
            raise InputError(
                f"ent_num {ent_num} listed twice", file=sdn.name, line=line, field="ent_num"
            )
        seen.add(ent_num)
        yield _entry(sdn.name, line, cells, addresses.take(ent_num), aliases.take(ent_num))
    addresses.check_empty()
    aliases.check_empty()


def _programs(text: str) -> list[str]:
    """`SDGT] [IFSR` (the outer brackets stripped by the CSV) → SDGT, IFSR."""
    return [p.strip(" []") for p in re.split(r"\]\s*\[", text) if p.strip(" []")]


def _entry(
    file: str, line: int, cells: list[str], adds: Iterable[list[str]], alts: Iterable[list[str]]
) -> ListedEntity:
    ent_num, name, kind, program, title = cells[:5]
    call_sign, vess_type, tonnage, grt, flag, owner, remarks = cells[5:]
    if not name:
        raise InputError("missing name", file=file, line=line, field="SDN_Name")
    if kind.lower() not in _TYPES:
        raise InputError(f"unknown SDN_Type {kind!r}", file=file, line=line, field="SDN_Type")
    b = EntityBuilder(_TYPES[kind.lower()], f"ofac-{ent_num}")
    b.add("name", name)
    if b.schema.name == "Person" and "," in name:
        last, first = name.split(",", 1)
        b.add("lastName", last)
        b.add("firstName", first)
    if b.schema.name == "Airplane" and _TAIL_NUMBER.match(name):
        b.add("registrationNumber", name)
    b.add("position", title)
    b.add("callSign", call_sign, "Call sign")
    b.add("type", vess_type, "Vessel type")
    b.add("tonnage", tonnage, "Tonnage")
    b.add("grossRegisteredTonnage", grt, "GRT")
    b.add("flag", flag, "Flag")
    if owner:
        b.note(f"Owner: {owner}")
    for alt in alts:
        alt_type = alt[2].lower()
        weak, former = "weak" in alt_type, alt_type == "fka"
        b.add("weakAlias" if weak else "previousName" if former else "alias", alt[3])
    for add in adds:
        b.add("address", join_parts(add[2], add[3], add[4], add[5]))
        b.add("country", add[4], "Country")
    parsed = parse_remarks(remarks)
    b.add_all("weakAlias", parsed.weak_aliases)
    for prop, value in parsed.values:
        # An Organization has no imoNumber: an IMO company number is its registration number.
        b.add("registrationNumber" if prop == "imoNumber" and not b.has_prop(prop) else prop, value)
    b.add("notes", remarks)
    b.add("topics", "sanction")
    entity = b.build()
    programs = _programs(program)
    sanction = make_sanction(
        entity,
        f"ofac-{ent_num}-sanction",
        authority=AUTHORITY,
        program=programs,
        programId=programs,
        authorityId=ent_num,
        country="us",
        sourceUrl=DETAILS_URL.format(ent_num),
    )
    return ListedEntity(entity, sanction, line)


def sniff(path: Path, head: str) -> float:
    """The folder holding sdn.csv, or sdn.csv itself; else a header-less CSV whose first cell
    is a number and whose empty values are `-0-` (OFAC's own mark, under another name)."""
    if (path.is_dir() and (path / "sdn.csv").is_file()) or path.name.lower() == "sdn.csv":
        return NAMED
    if not table_like(path, head):
        return 0.0
    rows = first_rows(head)
    return HINTED if rows and rows[0] and rows[0][0].strip().isdigit() and "-0-" in head else 0.0


LOADER = ListLoader(
    "OFAC SDN legacy CSV: a folder with sdn.csv, add.csv, alt.csv (or sdn.csv)",
    sniff=sniff,
    read=lambda path, mapping: read_ofac(path),
)
