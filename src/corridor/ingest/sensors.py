"""Readers for sensor feeds: ANPR reads and border detections (CSV), drone and camera sightings
(GeoJSON) and vehicle scanner results (JSON). All stream into the columnar observation tables.

Each reader yields batches: the locations of the records (lines, or JSON item labels) and their
raw values by field name. `_emit` converts a batch column by column, attaches provenance and
hands the columns to the store; a bad value is reported at its own line and field.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pacsv

from corridor.errors import ValidationError
from corridor.ingest.base import IngestContext, Location, named, parse_json, undecodable_line
from corridor.ingest.progress import open_binary
from corridor.model.observations import SPECS, ColumnParser, ObservationKind, RowError
from corridor.model.provenance import FIELDS as PROVENANCE_FIELDS
from corridor.model.provenance import Provenance
from corridor.plugins import IngestReader
from corridor.store.tables import PROVENANCE_COLUMN_NAMES

#: Rows per batch: large enough to amortise conversion, small enough to bound memory.
OBSERVATION_BATCH = 50_000


@dataclass(slots=True)
class Batch:
    """Records `start`..`start + n` of a file: raw strings (CSV, as Arrow) or raw JSON values."""

    start: int
    n: int
    table: pa.Table | None = None
    values: dict[str, list[Any]] | None = None

    def column(self, name: str) -> list[Any] | None:
        if self.table is not None:
            return self.table.column(name).to_pylist() if name in self.table.column_names else None
        return (self.values or {}).get(name)

    def names(self) -> set[str]:
        return set(self.table.column_names if self.table is not None else self.values or {})


Locate = Callable[[int], Location]


def _provenance_per_row(
    ctx: IngestContext, batch: Batch, locate: Locate, layer: Mapping[str, Any] | None
) -> list[Provenance]:
    """Rows that carry provenance fields of their own (rare: most feeds set it per file)."""
    columns = {
        name: batch.column(name) or [] for name in PROVENANCE_FIELDS if name in batch.names()
    }
    out = []
    for i in range(batch.n):
        own = {name: col[i] for name, col in columns.items() if col[i] not in (None, "")}
        try:
            out.append(ctx.provenance(own, layer))
        except ValidationError as exc:
            raise ctx.error(exc, locate(batch.start + i)) from None
    return out


def _emit(
    ctx: IngestContext,
    kind: ObservationKind,
    batches: Iterable[Batch],
    locate: Locate,
    layer: Mapping[str, Any] | None = None,
) -> None:
    """Validate batches of one kind and write them; the first bad value stops the file.

    `locate` turns a record's index into its line (or JSON item) for error messages. A record's
    `source_ref` defaults to `FILE#N`, its position among the file's records.
    """
    parser = ColumnParser(SPECS[kind])
    file_prov: Provenance | None = None
    for batch in batches:
        n = batch.n
        if not n:
            continue
        try:
            typed: dict[str, Any] = (
                dict(parser.parse_arrow(batch.table))
                if batch.table is not None
                else dict(parser.parse(batch.values or {}, n))
            )
        except RowError as exc:
            raise ctx.error(exc.error, locate(batch.start + exc.index)) from None
        if batch.names() & set(PROVENANCE_FIELDS):
            provs = _provenance_per_row(ctx, batch, locate, layer)
            distinct = list(dict.fromkeys(provs))
            position = {p: i for i, p in enumerate(distinct)}
            indices = pa.array([position[p] for p in provs], pa.int32())
        else:
            if file_prov is None:
                try:
                    file_prov = ctx.provenance(layer)
                except ValidationError as exc:
                    raise ctx.error(exc, locate(batch.start)) from None
            distinct = [file_prov]
            indices = pa.array([0] * n, pa.int32())
        # Provenance is one of a few distinct values: expand it with a vectorised take.
        fields = [p.columns() for p in distinct]
        for name in PROVENANCE_COLUMN_NAMES:
            typed[name] = pa.array([f[name] for f in fields]).take(indices)
        refs = pa.array([f["source_ref"] for f in fields], pa.string()).take(indices)
        positions = pc.cast(pa.array(range(batch.start + 1, batch.start + n + 1)), pa.string())
        typed["source_ref"] = pc.coalesce(
            refs, pc.binary_join_element_wise(f"{ctx.name}#", positions, "")
        )
        ctx.writer.count_read(n)
        ctx.writer.add_observations(kind, typed)


def _check_header(ctx: IngestContext, kind: ObservationKind, header: list[str]) -> None:
    known = {f.source for f in SPECS[kind].fields} | set(PROVENANCE_FIELDS)
    missing = [fl.source for fl in SPECS[kind].fields if fl.required and fl.source not in header]
    if missing:
        raise ctx.fail(f"missing required column {missing[0]!r}", 1, missing[0])
    unknown = [h for h in header if h not in known]
    if unknown:
        raise ctx.fail(f"unknown column {unknown[0]!r}", 1, unknown[0])
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise ctx.fail(f"column {dup!r} appears twice", 1, dup)


def _scan_csv(ctx: IngestContext, stop_at: int | None = None) -> Location:
    """Read the file with Python's csv module, record by record, to find a line exactly.

    Returns the line of record `stop_at` (0-based), or raises the first structural error.
    Used only when something is wrong, so the fast reader never needs to track lines.
    """
    with ctx.path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
            index = 0
            for row in reader:
                if not row:
                    continue
                if len(row) != len(header):
                    raise ctx.fail(
                        f"expected {len(header)} fields, found {len(row)}", reader.line_num
                    )
                if index == stop_at:
                    return reader.line_num
                index += 1
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ctx.fail(f"unreadable CSV: {exc}", reader.line_num) from None
    return None


def _csv_batches(ctx: IngestContext, kind: ObservationKind) -> Iterator[Batch]:
    """Arrow's multi-threaded CSV reader, every column read as text; checks come after."""
    with ctx.path.open(encoding="utf-8-sig", newline="") as f:
        try:
            header = [h.strip() for h in next(csv.reader(f))]
        except StopIteration:
            raise ctx.fail("the file is empty (no header row)", 1) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ctx.fail(f"unreadable CSV: {exc}", 1) from None
    _check_header(ctx, kind, header)
    options = (
        pacsv.ReadOptions(block_size=2 << 20, column_names=header, skip_rows=1),
        pacsv.ParseOptions(newlines_in_values=True),
        pacsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
        ),
    )
    start = 0
    with open_binary(ctx.path, f"{kind.value} {ctx.name}", show=ctx.show_progress) as stream:
        try:
            reader = pacsv.open_csv(
                stream,
                read_options=options[0],
                parse_options=options[1],
                convert_options=options[2],
            )
            for record_batch in reader:
                table = pa.Table.from_batches([record_batch])
                yield Batch(start, table.num_rows, table=table)
                start += table.num_rows
        except pa.ArrowInvalid as exc:
            _scan_csv(ctx)  # raises the precise error (line and field count) if it can
            raise ctx.fail(f"unreadable CSV: {exc}") from None


def _csv_locate(ctx: IngestContext) -> Locate:
    return lambda index: _scan_csv(ctx, index)


def _dict_batches(records: Iterable[Mapping[str, Any]]) -> Iterator[Batch]:
    items: list[Mapping[str, Any]] = []
    start = 0

    def batch() -> Batch:
        names = {key for item in items for key in item}
        return Batch(
            start, len(items), values={name: [item.get(name) for item in items] for name in names}
        )

    for item in records:
        items.append(item)
        if len(items) >= OBSERVATION_BATCH:
            yield batch()
            start += len(items)
            items = []
    if items:
        yield batch()


def read_anpr(ctx: IngestContext) -> None:
    kind = ObservationKind.ANPR
    _emit(ctx, kind, _csv_batches(ctx, kind), _csv_locate(ctx))


def read_detections(ctx: IngestContext) -> None:
    kind = ObservationKind.DETECTION
    _emit(ctx, kind, _csv_batches(ctx, kind), _csv_locate(ctx))


def load_json(ctx: IngestContext) -> Any:
    try:
        with ctx.path.open(encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError as exc:
        raise ctx.fail(f"not UTF-8 text: {exc.reason}", undecodable_line(ctx.path)) from None
    return parse_json(ctx, text)


def _items(ctx: IngestContext, data: Any, key: str) -> tuple[list[Any], dict[str, Any] | None]:
    """Items and file-level provenance, from `{"provenance", key: [...]}` or a bare list."""
    if isinstance(data, list):
        return data, None
    if isinstance(data, dict) and isinstance(data.get(key), list):
        prov = data.get("provenance")
        if prov is not None and not isinstance(prov, dict):
            raise ctx.fail("provenance must be an object", None, "provenance")
        return data[key], prov
    raise ctx.fail(f"expected a list or an object with a {key!r} list", None, key)


def _check_keys(
    ctx: IngestContext, kind: ObservationKind, item: Mapping[str, Any], where: str
) -> None:
    known = {f.source for f in SPECS[kind].fields} | set(PROVENANCE_FIELDS)
    unknown = sorted(k for k in item if k not in known)
    if unknown:
        raise ctx.fail(f"unknown field {unknown[0]!r}", where, unknown[0])
    for key, value in item.items():
        if isinstance(value, dict | list):  # every field is one value; a file may nest deep
            raise ctx.fail(f"{key} must be a single value, not a list or an object", where, key)


def read_sightings(ctx: IngestContext) -> None:
    data = load_json(ctx)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ctx.fail("expected a GeoJSON FeatureCollection", None, "type")
    features, layer = _items(ctx, data, "features")

    def records() -> Iterator[dict[str, Any]]:
        for n, feature in enumerate(features, start=1):
            where = f"feature {n}"
            if not isinstance(feature, dict):
                raise ctx.fail("feature must be an object", where)
            geometry = feature.get("geometry")
            coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if not (
                isinstance(geometry, dict)
                and geometry.get("type") == "Point"
                and isinstance(coords, list)
                and len(coords) >= 2
            ):
                raise ctx.fail("geometry must be a Point [lon, lat]", where, "geometry")
            props = feature.get("properties") or {}
            if not isinstance(props, dict):
                raise ctx.fail("properties must be an object", where, "properties")
            record = {**props, "lon": coords[0], "lat": coords[1]}
            _check_keys(ctx, ObservationKind.SIGHTING, record, where)
            yield record

    _emit(
        ctx, ObservationKind.SIGHTING, _dict_batches(records()), lambda i: f"feature {i + 1}", layer
    )


def read_scans(ctx: IngestContext) -> None:
    scans, layer = _items(ctx, load_json(ctx), "scans")

    def records() -> Iterator[dict[str, Any]]:
        for n, scan in enumerate(scans, start=1):
            where = f"scan {n}"
            if not isinstance(scan, dict):
                raise ctx.fail("scan must be an object", where)
            _check_keys(ctx, ObservationKind.SCAN, scan, where)
            yield scan

    _emit(ctx, ObservationKind.SCAN, _dict_batches(records()), lambda i: f"scan {i + 1}", layer)


__all__ = ["load_json", "read_anpr", "read_detections", "read_scans", "read_sightings"]


ANPR = IngestReader("ANPR reads (CSV)", sniff=named(".csv", containing="anpr"), read=read_anpr)
DETECTIONS = IngestReader(
    "border detections (CSV)", sniff=named(".csv", containing="detection"), read=read_detections
)
SIGHTINGS = IngestReader(
    "drone and camera sightings (GeoJSON)", sniff=named(".geojson"), read=read_sightings
)
SCANS = IngestReader(
    "vehicle scanner results (JSON)", sniff=named(".json", containing="scan"), read=read_scans
)
