"""Readers for sensor feeds: ANPR reads and border detections (CSV), drone and camera sightings
(GeoJSON) and vehicle scanner results (JSON). All stream into the columnar observation tables."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from corridor.errors import ValidationError
from corridor.ingest.base import BATCH, IngestContext, Location, provenance_fields
from corridor.ingest.progress import open_text
from corridor.model.observations import SPECS, ObservationKind, RowParser, observation_id
from corridor.model.provenance import FIELDS as PROVENANCE_FIELDS


def _emit(
    ctx: IngestContext,
    kind: ObservationKind,
    records: Iterable[tuple[Location, Mapping[str, Any]]],
    layer: Mapping[str, Any] | None = None,
) -> None:
    """Validate records (location, raw) of one kind and write them in batches.

    Provenance is the file's unless a record carries provenance fields of its own; the file's is
    built once, since parsing a grade per ANPR read would dominate the cost of ingest.
    """
    parser = RowParser(SPECS[kind])
    batch: list[dict[str, Any]] = []
    file_prov = None
    for where, raw in records:
        try:
            row = parser.parse(raw)
            own = provenance_fields(raw)
            if own:
                prov = ctx.provenance(own, layer)
            else:
                if file_prov is None:
                    file_prov = ctx.provenance(layer)
                prov = file_prov
        except ValidationError as exc:
            raise ctx.error(exc, where) from None
        row.update(prov.columns())
        if row["source_ref"] is None:
            row["source_ref"] = f"{ctx.name}:{where}"
        row["id"] = observation_id(kind, prov.agency, row)
        batch.append(row)
        if len(batch) >= BATCH:
            ctx.writer.count_read(len(batch))
            ctx.writer.add_observations(kind, batch)
            batch = []
    ctx.writer.count_read(len(batch))
    ctx.writer.add_observations(kind, batch)


def _csv_records(
    ctx: IngestContext, kind: ObservationKind
) -> Iterator[tuple[Location, dict[str, str]]]:
    known = {f.source for f in SPECS[kind].fields} | set(PROVENANCE_FIELDS)
    with open_text(ctx.path, f"{kind.value} {ctx.name}", show=ctx.show_progress) as f:
        reader = csv.reader(f)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ctx.fail("the file is empty (no header row)", 1) from None
        except csv.Error as exc:
            raise ctx.fail(f"unreadable CSV: {exc}", 1) from None
        required = [fl.source for fl in SPECS[kind].fields if fl.required]
        missing = [name for name in required if name not in header]
        if missing:
            raise ctx.fail(f"missing required column {missing[0]!r}", 1, missing[0])
        unknown = [h for h in header if h not in known]
        if unknown:
            raise ctx.fail(f"unknown column {unknown[0]!r}", 1, unknown[0])
        width = len(header)
        try:
            for row in reader:
                if not row:
                    continue
                if len(row) != width:
                    raise ctx.fail(f"expected {width} fields, found {len(row)}", reader.line_num)
                yield reader.line_num, dict(zip(header, row, strict=True))
        except csv.Error as exc:
            raise ctx.fail(f"unreadable CSV: {exc}", reader.line_num) from None


def read_anpr(ctx: IngestContext) -> None:
    _emit(ctx, ObservationKind.ANPR, _csv_records(ctx, ObservationKind.ANPR))


def read_detections(ctx: IngestContext) -> None:
    _emit(ctx, ObservationKind.DETECTION, _csv_records(ctx, ObservationKind.DETECTION))


def load_json(ctx: IngestContext) -> Any:
    try:
        with ctx.path.open(encoding="utf-8-sig") as f:
            return json.load(f)
    except json.JSONDecodeError as exc:
        raise ctx.fail(f"invalid JSON: {exc.msg}", exc.lineno) from None
    except UnicodeDecodeError as exc:
        raise ctx.fail(f"not UTF-8 text: {exc.reason}") from None


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


def read_sightings(ctx: IngestContext) -> None:
    data = load_json(ctx)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ctx.fail("expected a GeoJSON FeatureCollection", None, "type")
    features, layer = _items(ctx, data, "features")

    def records() -> Iterator[tuple[Location, dict[str, Any]]]:
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
            yield where, {**props, "lon": coords[0], "lat": coords[1]}

    _emit(ctx, ObservationKind.SIGHTING, records(), layer)


def read_scans(ctx: IngestContext) -> None:
    scans, layer = _items(ctx, load_json(ctx), "scans")

    def records() -> Iterator[tuple[Location, dict[str, Any]]]:
        for n, scan in enumerate(scans, start=1):
            if not isinstance(scan, dict):
                raise ctx.fail("scan must be an object", f"scan {n}")
            yield f"scan {n}", scan

    _emit(ctx, ObservationKind.SCAN, records(), layer)


__all__ = ["load_json", "read_anpr", "read_detections", "read_scans", "read_sightings"]
