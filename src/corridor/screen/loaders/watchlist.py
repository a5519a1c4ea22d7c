"""National watchlists: a CSV with a corridor mapping file (docs/formats.md, `tabular`).

The mapping is the one `corridor ingest` reads (FtM mapping `entities` plus a `provenance`
block) and rows are mapped by the same code, so a watchlist is refused for the same bad values
(a date that does not parse, an invalid country) with the same errors naming line and column.

Mapping:
- every mapped entity of a screenable schema is yielded, with the id the mapping gives it
  (`id_column`, or FtM's key hash prefixed by the agency), so versions diff cleanly;
- a listed phone with no person (a Person or LegalEntity row with phones and no name, or a
  mapped UserAccount) becomes a `UserAccount` whose `name` is the number, so the matcher can
  screen phones; a vehicle of interest is a `Vehicle` with its `registrationNumber` as given;
- the row's provenance (agency, grading, classification, person category, …; `source_ref`
  defaulting to `FILE:LINE`) is built and checked as for ingest and travels with the listing,
  since a match on a graded, classified national entry must carry its handling;
- Sanction: authority = the owning agency, program = the entity's `program` (or the file
  name), listingDate = `collected_at`, recordId = `source_ref`, summary = grade and
  classification.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from followthemoney import model
from followthemoney.proxy import EntityProxy

from corridor.errors import InputError, ValidationError
from corridor.ingest.tabular import Mapping_, map_entity
from corridor.model.provenance import Provenance, build_provenance, merge_fields
from corridor.plugins import ListLoader
from corridor.screen.listed import EntityBuilder, ListedEntity, is_screenable, make_sanction
from corridor.screen.loaders.sniff import BESIDE, mapping_for, table_like


def read_watchlist(path: Path, mapping_path: Path) -> Iterator[ListedEntity]:
    mapping = Mapping_.load(mapping_path)
    name = path.name
    with path.open(encoding=mapping.encoding, newline="") as f:
        reader = csv.reader(f, delimiter=mapping.delimiter)
        line = 1
        try:
            try:
                header = [h.strip() for h in next(reader)]
            except StopIteration:
                raise InputError("the file is empty (no header row)", file=name, line=1) from None
            missing = sorted(mapping.refs - set(header))
            if missing:
                raise InputError(
                    f"the mapping uses column {missing[0]!r}, which the file lacks",
                    file=name,
                    line=1,
                    field=missing[0],
                )
            for row in reader:
                start, line = line + 1, reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != len(header):
                    raise InputError(
                        f"expected {len(header)} fields, found {len(row)}", file=name, line=start
                    )
                record = {h: v for h, v in zip(header, row, strict=True) if v and not v.isspace()}
                try:
                    yield from _listings(name, start, mapping, record)
                except ValidationError as exc:
                    message = exc.detail if isinstance(exc, InputError) else exc.message
                    raise InputError(message, file=name, line=start, field=exc.field) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(f"unreadable CSV: {exc}", file=name, line=line + 1) from None


def _listings(
    file: str, line: int, mapping: Mapping_, record: dict[str, str]
) -> list[ListedEntity]:
    per_row = {key: record.get(col) for key, col in mapping.columns.items()}
    prov = build_provenance(
        merge_fields(per_row, mapping.literals, {"source_ref": f"{file}:{line}"})
    )
    done: dict[str, EntityProxy] = {}
    for em in mapping.query.entities:
        proxy = map_entity(em, record, done)
        if proxy is not None:
            done[em.name] = proxy
    listings = []
    for proxy in done.values():
        entity = _as_listed(proxy)
        if entity is not None:
            listings.append(ListedEntity(entity, _sanction(entity, prov, file), line, prov))
    return listings


def _as_listed(proxy: EntityProxy) -> EntityProxy | None:
    """The entity to screen: as mapped, or a phone-only entry as a UserAccount."""
    schema = proxy.schema
    phones = proxy.get("phone", quiet=True)
    if schema.is_a("UserAccount") or (
        schema.is_a("LegalEntity") and phones and not proxy.has("name")
    ):
        b = EntityBuilder("UserAccount", proxy.id or "")
        for prop, values in proxy.properties.items():
            target = "country" if prop == "nationality" else prop
            for value in values:
                # add() keeps what a UserAccount cannot hold as a note naming the property.
                b.add(target, value, prop)
        if not b.proxy.has("name"):
            b.add_all("name", phones)
        return b.build()
    if not is_screenable(schema):
        return None
    plain = model.make_entity(schema)  # a plain proxy, as every other loader yields
    plain.id = proxy.id
    for prop, values in proxy.properties.items():
        plain.add(prop, values, cleaned=True)
    return plain


def _sanction(entity: EntityProxy, prov: Provenance, file: str) -> EntityProxy:
    programs = entity.get("program", quiet=True) or [Path(file).stem]
    listed = prov.collected_at.date().isoformat() if prov.collected_at else None
    return make_sanction(
        entity,
        f"{entity.id}-sanction",
        authority=prov.agency,
        program=programs,
        listingDate=listed,
        startDate=listed,
        recordId=prov.source_ref,
        summary=f"{prov.agency} watchlist entry, graded {prov.grade}, {prov.classification.label}",
    )


def sniff(path: Path, head: str) -> float:
    """A CSV with a mapping file beside it."""
    return BESIDE if table_like(path, head) and mapping_for(path) is not None else 0.0


def read(path: Path, mapping: Path | None) -> Iterator[ListedEntity]:
    """The watchlist's listings, mapped by the given mapping or the one beside the CSV (its
    absence is refused at once)."""
    mapping = mapping or mapping_for(path)
    if mapping is None:
        raise InputError(
            "a watchlist needs a mapping file (--mapping)", file=path.name, field="mapping"
        )
    return read_watchlist(path, mapping)


LOADER = ListLoader(
    "a national watchlist CSV with a corridor mapping file",
    sniff=sniff,
    read=read,
    takes_mapping=True,
)
