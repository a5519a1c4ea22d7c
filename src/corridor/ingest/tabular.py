"""CSV and XLSX with a mapping: FollowTheMoney's mapping `entities` plus a `provenance` block.

FtM's own `QueryMapping.map` logs and drops values a property cannot take; an intelligence
system must not silently lose a date of birth, so rows are mapped here with FtM's entity and
property mappings but every discarded value becomes an error naming the line and column.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from followthemoney import model
from followthemoney.entity import ValueEntity
from followthemoney.exc import InvalidMapping
from followthemoney.mapping.entity import EntityMapping
from followthemoney.mapping.query import QueryMapping
from followthemoney.proxy import EntityProxy
from followthemoney.types import registry

from corridor.errors import InputError, ValidationError
from corridor.ingest.base import BATCH, IngestContext, Location, named, undecodable_line
from corridor.ingest.progress import open_text
from corridor.model.provenance import FIELDS as PROVENANCE_FIELDS
from corridor.model.provenance import Provenance
from corridor.model.text import refusal, unsafe_char
from corridor.plugins import IngestReader

_MAPPING_KEYS = {"entities", "provenance", "csv", "sheet", "format"}


class Mapping_:
    """A parsed mapping file: FtM query mapping, provenance literals and per-row columns."""

    def __init__(self, path: Path, data: Any) -> None:
        name = path.name
        if not isinstance(data, dict):
            raise InputError("a mapping must be a YAML object", file=name)
        shape = _shape_error(data)
        if shape is not None:
            raise InputError(shape, file=name)
        unknown = sorted((k for k in data if k not in _MAPPING_KEYS), key=str)
        if unknown:
            raise InputError(f"unknown mapping key {unknown[0]!r}", file=name, field=unknown[0])
        prov = data.get("provenance") or {}
        if not isinstance(prov, dict):
            raise InputError("provenance must be an object", file=name, field="provenance")
        self.literals: dict[str, Any] = {}
        self.columns: dict[str, str] = {}
        for key, value in prov.items():
            if key not in PROVENANCE_FIELDS:
                raise InputError(f"unknown provenance field {key!r}", file=name, field=key)
            if isinstance(value, dict):
                column = value.get("column")
                if not isinstance(column, str) or set(value) != {"column"}:
                    raise InputError(
                        "a per-row provenance field is written {column: NAME}", file=name, field=key
                    )
                self.columns[key] = column
            else:
                self.literals[key] = value.isoformat() if isinstance(value, date) else value
        csv_opts = data.get("csv") or {}
        if not isinstance(csv_opts, dict):
            raise InputError("csv options must be an object", file=name, field="csv")
        self.delimiter = csv_opts.get("delimiter", ",")
        if (
            not isinstance(self.delimiter, str)
            or len(self.delimiter) != 1
            or (self.delimiter in '"\r\n')
        ):
            raise InputError(
                "the delimiter must be one character (not a quote or a line break)",
                file=name,
                field="csv.delimiter",
            )
        self.encoding = str(csv_opts.get("encoding", "utf-8-sig"))
        try:  # a text encoding Python knows (not, say, base64)
            b"x".decode(self.encoding)
        except UnicodeDecodeError:
            pass  # known: only the probe is not text in it
        except (LookupError, ValueError):
            raise InputError(
                f"unknown encoding {self.encoding!r}", file=name, field="csv.encoding"
            ) from None
        self.sheet = data.get("sheet")
        if self.sheet is not None and not isinstance(self.sheet, str):
            raise InputError("sheet must be a sheet's name", file=name, field="sheet")
        entities = data.get("entities") or {}
        if not isinstance(entities, dict) or not all(
            isinstance(e, dict) for e in entities.values()
        ):
            raise InputError(
                "entities must be an object of entity mappings", file=name, field="entities"
            )
        key_prefix = self.literals.get("agency")
        try:
            self.query: QueryMapping = model.make_mapping(
                {"csv_url": "-", "entities": entities},
                key_prefix=str(key_prefix) if key_prefix else None,
            )
        except InvalidMapping as exc:
            raise InputError(f"invalid mapping: {exc}", file=name, field="entities") from None
        except (AttributeError, TypeError, ValueError) as exc:  # FtM assumes a well-formed one
            raise InputError(
                f"invalid mapping: {type(exc).__name__}: {exc}", file=name, field="entities"
            ) from None

    @classmethod
    def load(cls, path: Path) -> Mapping_:
        try:
            with path.open(encoding="utf-8") as f:
                data = yaml.safe_load(f)
        except FileNotFoundError:
            raise InputError("mapping file not found", file=path.name) from None
        except UnicodeDecodeError as exc:
            line = undecodable_line(path, encoding="utf-8")
            raise InputError(f"not UTF-8 text: {exc.reason}", file=path.name, line=line) from None
        except RecursionError:
            raise InputError("invalid YAML: nested too deeply", file=path.name) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise InputError(f"invalid YAML: {exc}", file=path.name, line=line) from None
        return cls(path, data)

    @property
    def refs(self) -> set[str]:
        return set(self.query.refs) | set(self.columns.values())


#: A mapping file nests a few levels and names a few dozen columns: a bound on both keeps a
#: YAML file whose aliases repeat (or contain) themselves from being walked without end.
MAPPING_DEPTH = 16
MAPPING_NODES = 10_000


def _shape_error(data: Any) -> str | None:
    """What is wrong with a mapping document's size, counting an alias each time it is used."""
    stack = [(data, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAPPING_NODES:
            return f"the mapping is too large (more than {MAPPING_NODES:,} values)"
        children = (
            list(value.values()) if isinstance(value, dict) else value if isinstance(value, list)
            else []
        )  # fmt: skip
        if children and depth >= MAPPING_DEPTH:
            return f"the mapping is nested too deeply (more than {MAPPING_DEPTH} levels)"
        stack.extend((child, depth + 1) for child in children)
    return None


def _map_entity(
    em: EntityMapping, record: dict[str, str], done: dict[str, EntityProxy]
) -> EntityProxy | None:
    """One entity of one row, refusing values FtM would drop (see the module docstring)."""
    proxy = ValueEntity(em.schema, {}, cleaned=True)
    # Countries first: phone and address parsing use them (as FtM's own mapper does).
    ordered = sorted(em.properties, key=lambda pm: pm.prop.type != registry.country)
    for pm in ordered:
        discarded = [v for v in pm.map(proxy, record, done) if v and v.strip()]
        if discarded:
            field = ", ".join(pm.refs) or pm.prop.name
            raise ValidationError(
                f"{discarded[0]!r} is not a valid {pm.prop.type.name} "
                f"for {em.schema.name}.{pm.prop.name}",
                field,
            )
    proxy.id = em.compute_key(record)
    if proxy.id is None:
        # No id: FtM skips the entity. That is right for a link whose party is unknown (only
        # literals and references filled), but a row's own data must not vanish silently.
        if any(record.get(ref) for pm in em.properties for ref in pm.refs):
            keys = em.id_column or ", ".join(em.keys)
            raise ValidationError(f"no id for {em.name!r}: key column is empty", keys)
        return None
    for pm in em.properties:
        if pm.required and not proxy.has(pm.prop):
            return None
    return proxy


map_entity = _map_entity  # public: screening's watchlist loader maps rows the same way


def _rows_csv(ctx: IngestContext, mapping: Mapping_) -> Iterator[tuple[Location, dict[str, str]]]:
    with open_text(
        ctx.path, f"rows {ctx.name}", encoding=mapping.encoding, show=ctx.show_progress
    ) as f:
        reader = csv.reader(f, delimiter=mapping.delimiter)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ctx.fail("the file is empty (no header row)", 1) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ctx.fail(f"unreadable CSV: {exc}", 1) from None
        _check_header(ctx, mapping, header)
        width = len(header)
        try:
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != width:
                    raise ctx.fail(f"expected {width} fields, found {len(row)}", reader.line_num)
                yield reader.line_num, _present(header, row)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ctx.fail(f"unreadable CSV: {exc}", reader.line_num) from None


def _present(header: list[str], cells: list[str]) -> dict[str, str]:
    """A row's non-blank cells: a blank cell is a missing value (as in FtM's own CSV reader),
    never an empty string, so an unknown party does not become an entity with id ''."""
    return {h: v for h, v in zip(header, cells, strict=False) if v and not v.isspace()}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


#: What an XLSX (a zip archive) may unpack to, checked in its directory before any of it is
#: read: a workbook of a few hundred kilobytes can hold a cell of hundreds of megabytes, which
#: the XLSX reader would hold in memory several times over. (A feed larger than this is a CSV.)
XLSX_MAX_MEMBERS = 10_000
XLSX_MAX_MEMBER_BYTES = 256 * 1024**2
XLSX_MAX_TOTAL_BYTES = 512 * 1024**2
#: How much a member larger than `XLSX_RATIO_FROM` may inflate (real sheets: 5-30 times).
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM = 1024**2


def _check_archive(ctx: IngestContext) -> None:
    """Refuse an XLSX whose members would unpack to more than the bounds above (sizes as its
    directory declares them: the zip reader never inflates a member past its declared size)."""
    try:
        with zipfile.ZipFile(ctx.path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ctx.fail(f"unreadable XLSX: {exc}") from None
    if len(members) > XLSX_MAX_MEMBERS:
        raise ctx.fail(f"the workbook holds {len(members):,} files, more than {XLSX_MAX_MEMBERS:,}")
    total = 0
    for member in members:
        size, packed = member.file_size, max(member.compress_size, 1)
        total += size
        if size > XLSX_MAX_MEMBER_BYTES:
            raise ctx.fail(
                f"the workbook's {member.filename} unpacks to {size:,} bytes, more than "
                f"{XLSX_MAX_MEMBER_BYTES:,}"
            )
        if size > XLSX_RATIO_FROM and size > packed * XLSX_MAX_RATIO:
            raise ctx.fail(
                f"the workbook's {member.filename} unpacks to {size // packed:,} times its size "
                f"({size:,} bytes), more than {XLSX_MAX_RATIO} times"
            )
    if total > XLSX_MAX_TOTAL_BYTES:
        limit = XLSX_MAX_TOTAL_BYTES
        raise ctx.fail(f"the workbook unpacks to {total:,} bytes, more than {limit:,}")


def _rows_xlsx(ctx: IngestContext, mapping: Mapping_) -> Iterator[tuple[Location, dict[str, str]]]:
    from openpyxl import load_workbook  # here: ~100 ms to import, and only XLSX ingest needs it

    _check_archive(ctx)
    try:
        book = load_workbook(ctx.path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a bad file
        raise ctx.fail(f"unreadable XLSX: {exc}") from None
    try:
        if mapping.sheet is not None:
            if mapping.sheet not in book.sheetnames:
                raise ctx.fail(f"no sheet named {mapping.sheet!r}", None, "sheet")
            sheet = book[mapping.sheet]
        else:
            sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise ctx.fail("the sheet is empty (no header row)", 1)
        header = [_cell(h) for h in first]
        _check_header(ctx, mapping, header)
        for n, values in enumerate(rows, start=2):
            cells = [_cell(v) for v in values]
            if not any(cells):
                continue
            yield n, _present(header, cells)
    finally:
        book.close()


def _check_header(ctx: IngestContext, mapping: Mapping_, header: list[str]) -> None:
    missing = sorted(mapping.refs - set(header))
    if missing:
        raise ctx.fail(
            f"the mapping uses column {missing[0]!r}, which the file lacks", 1, missing[0]
        )


def read_tabular(ctx: IngestContext) -> None:
    if ctx.mapping is None:
        raise ctx.fail("tabular files need a mapping", field="mapping")
    mapping = Mapping_.load(ctx.mapping)
    suffix = ctx.path.suffix.lower()
    rows = _rows_xlsx(ctx, mapping) if suffix in (".xlsx", ".xlsm") else _rows_csv(ctx, mapping)
    batch: list[dict[str, Any]] = []
    for where, record in rows:
        try:
            for column, value in record.items():
                char = unsafe_char(value, line_breaks=True)
                if char is not None:
                    raise ValidationError(refusal(char), column)
            per_row = {key: record.get(col) for key, col in mapping.columns.items()}
            prov: Provenance = ctx.provenance(per_row, mapping.literals, where=where)
            done: dict[str, EntityProxy] = {}
            for em in mapping.query.entities:
                proxy = _map_entity(em, record, done)
                if proxy is not None:
                    done[em.name] = proxy
                    batch.extend(ctx.statements(proxy, prov, where))
        except ValidationError as exc:
            raise ctx.error(exc, where) from None
        ctx.writer.count_read()
        if len(batch) >= BATCH:
            ctx.add_statements(batch)
            batch = []
    ctx.add_statements(batch)


READER = IngestReader(
    "CSV or XLSX with a mapping file (FtM mapping entities and provenance)",
    sniff=named(".xlsx", ".xlsm"),
    read=read_tabular,
    needs_mapping=True,
)
