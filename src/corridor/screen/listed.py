"""A listed entity as every list loader yields it, and the small toolkit the loaders share.

Each loader turns one published format into `ListedEntity` values: a FollowTheMoney entity the
matcher can compare (a Person, Organization, Company, LegalEntity, Vessel, Airplane, Vehicle, or
a UserAccount standing for a listed phone number), the FtM `Sanction` that records the listing's
provenance, and where in the source it was found. One entity listed several times (two
programmes, two annexes) is yielded once per listing with the same entity id; consumers merge by
id, so no listing is lost.

Official lists are refused only where they break the format's own promise (a missing identifier,
a date field that is not a date); free-text values FtM cannot type (a demonym where a country
code belongs, a phone number without a country) are kept as notes rather than dropped, so the
analyst still sees everything the list says.
"""

from __future__ import annotations

import calendar
import csv
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from followthemoney import model
from followthemoney.proxy import EntityProxy
from followthemoney.schema import Schema

from corridor.errors import InputError, ValidationError
from corridor.model.provenance import Provenance

if TYPE_CHECKING:
    from _csv import Reader

#: Schemata a listed entity may have: anything the matcher can compare with a query.
SCREENABLE = ("LegalEntity", "Vehicle", "UserAccount")

#: Property types whose values are free text (kept as given, never refused).
_TEXT_TYPES = {"string", "text", "name", "identifier", "address"}


@dataclass(frozen=True)
class ListedEntity:
    """One listing: the entity to match, its Sanction (provenance), where it sits in the file.

    `provenance` is set for national watchlists only: their entries carry the owning agency's
    grading and classification, which must follow any match; public lists have none.
    """

    entity: EntityProxy
    sanction: EntityProxy | None
    where: int | str | None
    provenance: Provenance | None = None


def is_screenable(schema: Schema) -> bool:
    """Whether entities of this schema are matched (people, organisations, vehicles, phones)."""
    return any(schema.is_a(name) for name in SCREENABLE)


class EntityBuilder:
    """Builds one FtM entity from a list record without losing what the source says.

    `add` keeps a value FtM cannot type (or a property the schema lacks) as a note naming what
    it was. Fields whose format the source promises (dates) are checked by the loaders before
    they get here, so that the error can name the source's own field.
    """

    def __init__(self, schema: str, entity_id: str) -> None:
        self.proxy = model.make_entity(schema)
        self.proxy.id = entity_id
        self._notes: list[str] = []

    @property
    def schema(self) -> Schema:
        return self.proxy.schema

    def has_prop(self, prop: str) -> bool:
        return prop in self.proxy.schema.properties

    def add(
        self, prop: str, value: str | None, label: str | None = None, *, note: bool = True
    ) -> bool:
        """Add a value; what FtM cannot take becomes a note (unless `note` is false). True
        when it went in as `prop`."""
        text = clean_text(value)
        if not text:
            return False
        schema_prop = self.proxy.schema.get(prop)
        if schema_prop is not None:
            if schema_prop.type.name in _TEXT_TYPES:
                return self.proxy.unsafe_add(schema_prop, text, cleaned=True) is not None
            if self.proxy.unsafe_add(schema_prop, text) is not None:
                return True
            if schema_prop.type.name == "phone" and self._add_bare_phone(text):
                return True
        if note:
            self.note(f"{label or prop}: {text}")
        return False

    def _add_bare_phone(self, text: str) -> bool:
        """Lists often write international numbers without the `+` (`9647821757598`,
        `(357)(22660766)`); accept one if it is valid once the `+` is put back."""
        digits = re.sub(r"\D", "", text)
        if digits.startswith("00"):  # the international call prefix written out
            digits = digits[2:]
        if not 8 <= len(digits) <= 15 or digits.startswith("0"):
            return False
        prop = self.proxy.schema.get("phone")
        return prop is not None and self.proxy.unsafe_add(prop, "+" + digits) is not None

    def add_all(self, prop: str, values: Iterable[str | None], label: str | None = None) -> None:
        for value in values:
            self.add(prop, value, label)

    def note(self, text: str) -> None:
        if text not in self._notes:
            self._notes.append(text)

    def build(self) -> EntityProxy:
        for text in self._notes:
            self.add("notes", text)
        self._notes = []
        return self.proxy


def make_sanction(
    entity: EntityProxy, sanction_id: str, **props: str | Iterable[str] | None
) -> EntityProxy:
    """The FtM Sanction recording one listing of `entity` (authority, program, dates, reason)."""
    sanction = EntityBuilder("Sanction", sanction_id)
    sanction.proxy.add("entity", entity.id)
    for prop, values in props.items():
        if values is None:
            continue
        sanction.add_all(prop, [values] if isinstance(values, str) else values)
    return sanction.build()


# --- reading files --------------------------------------------------------------------------


def placed(
    exc: ValidationError, file: str, *, line: int | None = None, item: str | None = None
) -> InputError:
    """A record's error placed in its file: the line (or XML item) and the field it names."""
    message = exc.detail if isinstance(exc, InputError) else exc.message
    return InputError(message, file=file, line=line, item=item, field=exc.field)


def csv_rows(reader: Reader, file: str, width: int, line: int) -> Iterator[tuple[int, list[str]]]:
    """The rows after line `line` of a CSV list, each with the line it starts on: blank rows
    are skipped, any other must be `width` cells wide; an unreadable file is refused at the
    line where reading broke."""
    try:
        for row in reader:
            start, line = line + 1, reader.line_num
            if not row or not any(c.strip() for c in row):
                continue
            if len(row) != width:
                raise InputError(
                    f"expected {width} fields, found {len(row)}", file=file, line=start
                )
            yield start, row
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InputError(f"unreadable CSV: {exc}", file=file, line=line + 1) from None


def local_name(tag: str) -> str:
    """An XML tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def xml_items(
    path: Path, root: str, what: str, tags: Collection[str], depth: int
) -> Iterator[ET.Element]:
    """The complete elements named in `tags` at `depth` below the root of an XML list (names
    compared without namespace), streamed: each is freed once the next is asked for, so a
    list of any size reads in little memory. The root must be `root` (`what` names the list
    when it is not); a malformed file is refused at its line."""
    stack: list[ET.Element] = []
    try:
        with path.open("rb") as f:
            for event, elem in ET.iterparse(f, events=("start", "end")):
                if event == "start":
                    if not stack and local_name(elem.tag) != root:
                        raise InputError(
                            f"not {what} (root element <{local_name(elem.tag)}>)", file=path.name
                        )
                    stack.append(elem)
                    continue
                stack.pop()
                if len(stack) == depth and local_name(elem.tag) in tags:
                    yield elem
                    elem.clear()
                    stack[-1].remove(elem)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise InputError(f"invalid XML: {exc.msg}", file=path.name, line=line) from None


# --- text -----------------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")


def clean_text(value: str | None) -> str:
    """Collapse runs of whitespace (lists wrap long fields over several lines)."""
    if value is None:
        return ""
    return _SPACE.sub(" ", str(value)).strip()


def split_values(value: str | None, separators: str = ";") -> list[str]:
    """Split a multi-valued cell; blank parts are dropped."""
    text = clean_text(value)
    if not text:
        return []
    pattern = "[" + re.escape(separators) + "]"
    return [part.strip() for part in re.split(pattern, text) if part.strip()]


_NUMBERED = re.compile(r"\(\d{1,2}\)")


def split_numbered(value: str | None) -> list[str]:
    """'(1) A (2) B' → ['A', 'B'], the way UK lists write several values in one cell."""
    text = clean_text(value)
    if not text:
        return []
    if not _NUMBERED.match(text):
        return [text]
    return [part.strip(" ,;") for part in _NUMBERED.split(text) if part.strip(" ,;")]


def join_parts(*parts: str | None, sep: str = ", ") -> str:
    return sep.join(p for p in (clean_text(p) for p in parts) if p)


# --- dates ----------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _n in range(1, 13):
    _MONTHS[calendar.month_name[_n].lower()] = _n
    _MONTHS[calendar.month_abbr[_n].lower()] = _n
_MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ymd", re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)", re.A)),
    ("dmy", re.compile(r"(?<!\d)(\d{1,2})[./\- ](\d{1,2})[./\- ](\d{4})(?!\d)", re.A)),
    ("dMy", re.compile(rf"(?<!\d)(\d{{1,2}})\s+({_MONTH_RE})\.?,?\s+(\d{{4}})(?!\d)", re.I | re.A)),
    ("My", re.compile(rf"\b({_MONTH_RE})\.?,?\s+(\d{{4}})(?!\d)", re.I | re.A)),
    ("y", re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)", re.A)),
)
_RANGE = re.compile(r"\bto\b|\bbetween\b|(?<!\d)\d{4}\s*[-–]\s*\d{4}(?!\d)", re.I)
_RANGE_WORD = re.compile(r"\bto\b|\bbetween\b", re.I)
_APPROX = re.compile(r"\bcirca\b|\bapprox|\babout\b|\bca\.", re.I)


def _prefix(year: int, month: int | None = None, day: int | None = None) -> str | None:
    """An ISO date prefix (1971, 1971-05, 1971-05-03) if the parts make a real date."""
    if not 1800 <= year <= 2999:  # older "years" are other calendars (Hijri 1402)
        return None
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        return None
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def text_dates(text: str | None) -> list[str]:
    """Every date written in free text, as ISO prefixes, in order (never raises).

    Reads ISO dates, day-first numeric dates (`7.2.1956`, `28.01 1966`, `00/00/1964` for a year
    whose day and month are unknown), `12 Mar 1965`, `March 1965` and bare years.
    """
    remaining = clean_text(text)
    found: list[tuple[int, str]] = []
    for kind, pattern in _DATE_PATTERNS:
        for match in pattern.finditer(remaining):
            groups = match.groups()
            if kind == "ymd":
                value = _prefix(int(groups[0]), int(groups[1]) or None, int(groups[2]) or None)
            elif kind == "dmy":
                day, month = int(groups[0]), int(groups[1])
                value = _prefix(int(groups[2]), month or None, (day or None) if month else None)
            elif kind == "dMy":
                value = _prefix(int(groups[2]), _MONTHS[groups[1].lower()], int(groups[0]))
            elif kind == "My":
                value = _prefix(int(groups[1]), _MONTHS[groups[0].lower()])
            else:
                value = _prefix(int(groups[0]))
            if value is not None:
                found.append((match.start(), value))
        # Blank out what matched so a later, looser pattern does not read it again.
        remaining = pattern.sub(lambda m: " " * len(m.group(0)), remaining)
    seen: list[str] = []
    for _, value in sorted(found):
        if value not in seen:
            seen.append(value)
    return seen


def years_between(start: int, end: int, limit: int = 10) -> list[str]:
    """The years of a range `start`–`end`; only the ends when it spans more than `limit`."""
    if end < start:
        start, end = end, start
    if end - start > limit:
        return [str(start), str(end)]
    return [str(y) for y in range(start, end + 1)]


def birth_dates(text: str | None) -> list[str]:
    """Dates of birth from text such as `circa 1951`, `1951 to 1953`, `01 Jan 1961 to 31 Dec
    1962`: approximate dates and ranges keep the years the source gives (a range, every year
    in it), since a year is all a matcher can rely on for them."""
    values = text_dates(text)
    body = clean_text(text)
    if len(values) == 2 and _RANGE.search(body):
        return years_between(int(values[0][:4]), int(values[1][:4]))
    if _APPROX.search(body) or _RANGE_WORD.search(body):
        return list(dict.fromkeys(v[:4] for v in values))
    return values
