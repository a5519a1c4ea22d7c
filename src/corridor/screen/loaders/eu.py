"""EU sanctions regime annexes in OpenSanctions' extraction layout (CSV with a header).

Columns: `celex`, `recordId`, `programKey`, `annex`, `measure`, `startDate` (d.m.yyyy),
`reason`, `schema`, then FollowTheMoney property names (`name`, `alias`, `weakAlias`,
`previousName`, `country`, `nationality`, `birthDate`, `birthPlace`, `position`,
`passportNumber`, `gender`, `registrationNumber`, `idNumber`, `address`, `phone`, `email`, …).
One row per listing; several values in a cell are separated by `;`.

Mapping:
- `recordId` numbers the entries of one annex (person 1 in annex I.A and company 1 in annex I.B
  are different), so the id is `eu-<programKey>-<annex>-<recordId>`, e.g. `eu-EU-BLR-I.A-1`.
  Entries without a recordId (annexes listing bodies by name only) get
  `eu-<programKey>-<annex>-<name slug>`; both stay the same across versions of the annex.
- `schema` is the FtM schema; rows of a schema the matcher cannot compare (the annex's one
  `Asset`, a digital currency) are skipped.
- property columns go to the same property. A name written `Maxim GAMOLA (HAMOLA)` or
  `X (Y)` becomes the name `Maxim GAMOLA` and the alias `Maxim HAMOLA` / `Y`. Identifier cells
  lose their comments (`012830978 (valid until 27.12.2026)` → `012830978`).
- dates (`7.2.1956`, `1966`, `21.11.1964 / 1965`) become ISO dates or years; a date cell with
  no readable date is an error. Country cells take names or demonyms (`Belarusian`).
- Sanction: authority "Council of the European Union", program and programId = programKey,
  provisions = measure, summary = the annex, listingDate = startDate, reason, recordId,
  sourceUrl = the regulation on EUR-Lex (from `celex`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from followthemoney import model
from followthemoney.schema import Schema
from normality import slugify

from corridor.errors import InputError, ValidationError
from corridor.plugins import ListLoader
from corridor.screen.listed import (
    EntityBuilder,
    ListedEntity,
    birth_dates,
    clean_text,
    csv_rows,
    is_screenable,
    make_sanction,
    placed,
    split_values,
    text_dates,
)
from corridor.screen.loaders.sniff import MARKED, header_cells, table_like

AUTHORITY = "Council of the European Union"
EURLEX_URL = "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:{}"
META = ("celex", "recordId", "programKey", "annex", "measure", "startDate", "reason", "schema")
REQUIRED = ("recordId", "programKey", "annex", "schema", "name")
#: Every FtM property name: the other columns must be one of these.
_PROPERTIES = {p.name for s in model.schemata.values() for p in s.properties.values()}
#: Cells holding one value that may itself contain `;` or commas.
_SINGLE = {"notes", "birthPlace", "previousName", "summary", "description"}
#: Types whose cells sometimes list several values with commas or "and".
_LISTY = {"country", "phone", "email", "url"}
_ID_CHARS = re.compile(r"[^A-Za-z0-9.\-]+")
_PAREN = re.compile(r"^(?P<outer>[^()]+?)\s*\((?P<inner>[^()]+)\)$")


def read_eu(path: Path) -> Iterator[ListedEntity]:
    name = path.name
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise InputError("the file is empty (no header row)", file=name, line=1) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(f"unreadable CSV: {exc}", file=name, line=1) from None
        for column in REQUIRED:
            if column not in header:
                raise InputError(f"missing column {column!r}", file=name, line=1, field=column)
        for column in header:
            if column not in META and column not in _PROPERTIES:
                raise InputError(
                    f"unknown column {column!r} (not an FtM property)",
                    file=name,
                    line=1,
                    field=column,
                )
        for line, row in csv_rows(reader, name, len(header), 1):
            record = {h: clean_text(v) for h, v in zip(header, row, strict=True) if v.strip()}
            try:
                listed = _record(record, line)
            except ValidationError as exc:
                raise placed(exc, name, line=line) from None
            if listed is not None:
                yield listed


def entity_id(record: dict[str, str]) -> str:
    """`eu-<programKey>-<annex>-<recordId>` (or the name's slug when there is no recordId)."""
    program = record.get("programKey", "")
    annex = record.get("annex", "")
    key = record.get("recordId") or slugify(record.get("name", ""), sep="-") or ""
    if not program or not annex or not key:
        raise ValidationError(
            "no programKey, annex and recordId or name to identify it", "recordId"
        )
    raw = f"eu-{program}-{annex}-{key[:60]}"
    return _ID_CHARS.sub("-", raw).strip("-.")


def _schema(record: dict[str, str]) -> Schema:
    value = record.get("schema", "")
    schema = model.get(value) if value else None
    if schema is None:
        raise ValidationError(f"unknown schema {value!r}", "schema")
    return schema


def _record(record: dict[str, str], line: int) -> ListedEntity | None:
    schema = _schema(record)
    if not is_screenable(schema):
        return None
    name = record.get("name")
    if not name:
        raise ValidationError("missing name", "name")
    b = EntityBuilder(schema.name, entity_id(record))
    for column, value in record.items():
        if column in META:
            continue
        if column in ("name", "alias", "weakAlias"):
            for part in split_values(value):
                main, variants = _name_variants(part)
                b.add(column, main)
                b.add_all("alias" if column == "name" else column, variants)
            continue
        prop = schema.get(column)
        if prop is None:
            b.note(f"{column}: {value}")
            continue
        values = [value] if column in _SINGLE else split_values(value)
        for part in values:
            _add(b, column, prop.type.name, part)
    b.add("topics", "sanction")
    entity = b.build()
    start = record.get("startDate", "")
    dates = text_dates(start)
    if start and (len(dates) != 1 or len(dates[0]) != 10):  # the layout promises one day
        raise ValidationError(f"{start!r} is not a date (expected d.m.yyyy)", "startDate")
    annex = record.get("annex")
    sanction = make_sanction(
        entity,
        f"{entity.id}-sanction",
        authority=AUTHORITY,
        program=record.get("programKey"),
        programId=record.get("programKey"),
        provisions=record.get("measure"),
        summary=f"Annex {annex}" if annex else None,
        listingDate=dates[:1],
        startDate=dates[:1],
        reason=record.get("reason"),
        recordId=record.get("recordId"),
        country="eu",
        sourceUrl=EURLEX_URL.format(record["celex"]) if record.get("celex") else None,
    )
    return ListedEntity(entity, sanction, line)


def _add(b: EntityBuilder, column: str, type_name: str, value: str) -> None:
    if type_name == "date":
        dates = birth_dates(value) if column == "birthDate" else text_dates(value)
        if not dates:
            raise ValidationError(f"{value!r} is not a date", column)
        b.add_all(column, dates)
    elif type_name == "identifier":
        for part in re.split(r"\s+and\s+", value):
            # "012830978 (valid until 27.12.2026)", "Passport: MP3810311." → the number alone.
            number = re.sub(r"\s*\([^)]*\)", "", part).strip(" .")
            label, sep, rest = number.partition(":")
            if sep and rest.strip() and column != "passportNumber" and "passport" in label.lower():
                b.add("passportNumber", rest.strip(" ."))
            else:
                b.add(column, number)
    elif type_name in _LISTY and not b.add(column, value, note=False):
        # "Russian and Belarusian", "+375 266 01 31, +375 266 34 17": several in one.
        b.add_all(column, re.split(r",\s*|\s+and\s+", value))
    else:
        b.add(column, value)


def _name_variants(text: str) -> tuple[str, list[str]]:
    """`Maxim Aliaksandravich GAMOLA (HAMOLA)` → the name and `Maxim Aliaksandravich HAMOLA`;
    `Belinvestbank (Belarusian Bank for …)` → the name and the bracketed one."""
    match = _PAREN.match(text)
    if match is None:
        return text, []
    outer = match.group("outer").strip()
    variants = []
    for inner in split_values(match.group("inner"), ","):
        words = outer.split()
        if " " not in inner and len(words) > 1 and words[-1].isupper():
            variants.append(" ".join([*words[:-1], inner]))
        else:
            variants.append(inner)
    return outer, variants


def sniff(path: Path, head: str) -> float:
    """A CSV with OpenSanctions' EU columns `celex`, `recordId` and `programKey`."""
    if table_like(path, head) and {"celex", "recordId", "programKey"} <= header_cells(head):
        return MARKED
    return 0.0


LOADER = ListLoader(
    "EU regime annex in OpenSanctions' extraction layout (FtM property columns)",
    sniff=sniff,
    read=lambda path, mapping: read_eu(path),
)
