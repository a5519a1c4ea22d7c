"""Typed sensor observations: ANPR reads, sightings, scanner results and border detections.

Observations are high-volume events kept in columnar tables, not FtM entities. Each kind declares
its fields once here; readers, the store's table definitions and the API all derive from this.
Every table also has the common columns (`COMMON_COLUMNS`) and the provenance columns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from followthemoney.types import registry

from corridor.errors import ValidationError
from corridor.model.timeparse import parse_datetime
from corridor.normalise.phones import normalise_phone
from corridor.normalise.plates import normalise_plate


class ObservationKind(StrEnum):
    ANPR = "anpr"
    SIGHTING = "sighting"
    SCAN = "scan"
    DETECTION = "detection"


Converter = Callable[[Any], Any]


def _required_text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _float(lo: float | None = None, hi: float | None = None) -> Converter:
    def convert(value: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"not a number: {value!r}") from None
        if number != number or (lo is not None and number < lo) or (hi is not None and number > hi):
            raise ValueError(f"{value!r} is outside {lo}..{hi}")
        return number

    return convert


def _int(lo: int | None = None) -> Converter:
    def convert(value: Any) -> int:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise ValueError(f"not a whole number: {value!r}") from None
        if lo is not None and number < lo:
            raise ValueError(f"{value!r} is below {lo}")
        return number

    return convert


def _enum(*allowed: str) -> Converter:
    def convert(value: Any) -> str:
        text = str(value).strip().lower()
        if text not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return text

    return convert


def _country2(value: Any) -> str:
    code = registry.country.clean(str(value).strip())
    if code is None:
        raise ValueError(f"not a country code: {value!r}")
    return code.upper()


def _country3(value: Any) -> str:
    text = str(value).strip().upper()
    if len(text) != 3 or registry.country.clean(text) is None:
        raise ValueError(f"not an ISO 3166-1 alpha-3 code: {value!r}")
    return text


def _time(value: Any) -> datetime:
    return parse_datetime(value)


def _plate(value: Any) -> str:
    key = normalise_plate(str(value))
    if not key:
        raise ValueError(f"not a plate: {value!r}")
    return key


def _phone(value: Any) -> str:
    e164 = normalise_phone(str(value))
    if e164 is None:
        raise ValueError(f"not a valid international phone number: {value!r}")
    return e164


def _text(value: Any) -> str:
    return str(value).strip()


@dataclass(frozen=True, slots=True)
class Field:
    """One input field: its name in files, the column it fills, its type and conversion."""

    source: str
    column: str
    sql_type: str
    convert: Converter = _text
    required: bool = False
    default: Any = None


# Common columns every observation table has, after `id` and before the kind's own columns.
COMMON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "VARCHAR"),
    ("source_id", "VARCHAR"),
    ("observed_at", "TIMESTAMPTZ"),
    ("lat", "DOUBLE"),
    ("lon", "DOUBLE"),
    ("sensor_id", "VARCHAR"),
    ("place", "VARCHAR"),
    ("plate", "VARCHAR"),
    ("plate_raw", "VARCHAR"),
    ("phone", "VARCHAR"),
)

_LAT = _float(-90, 90)
_LON = _float(-180, 180)


@dataclass(frozen=True, slots=True)
class KindSpec:
    """How one observation kind is read and stored."""

    kind: ObservationKind
    table: str
    fields: tuple[Field, ...]

    @property
    def extra_columns(self) -> tuple[tuple[str, str], ...]:
        common = {name for name, _ in COMMON_COLUMNS}
        seen: dict[str, str] = {}
        for f in self.fields:
            if f.column not in common:
                seen.setdefault(f.column, f.sql_type)
        return tuple(seen.items())


SPECS: dict[ObservationKind, KindSpec] = {
    ObservationKind.ANPR: KindSpec(
        ObservationKind.ANPR,
        "obs_anpr",
        (
            Field("read_id", "source_id", "VARCHAR"),
            Field("vrm", "plate", "VARCHAR", _plate, required=True),
            Field("country", "plate_country", "VARCHAR", _country2),
            Field("read_at", "observed_at", "TIMESTAMPTZ", _time, required=True),
            Field("camera_id", "sensor_id", "VARCHAR", required=True),
            Field("site_id", "place", "VARCHAR"),
            Field("lat", "lat", "DOUBLE", _LAT, required=True),
            Field("lon", "lon", "DOUBLE", _LON, required=True),
            Field("lane", "lane", "INTEGER", _int(0)),
            Field("direction", "direction", "VARCHAR"),
            Field("confidence", "confidence", "DOUBLE", _float(0, 1)),
            Field("plate_image", "plate_image", "VARCHAR"),
            Field("overview_image", "overview_image", "VARCHAR"),
        ),
    ),
    ObservationKind.SIGHTING: KindSpec(
        ObservationKind.SIGHTING,
        "obs_sighting",
        (
            Field("sighting_id", "source_id", "VARCHAR"),
            Field("observed_at", "observed_at", "TIMESTAMPTZ", _time, required=True),
            Field("sensor_id", "sensor_id", "VARCHAR", required=True),
            Field(
                "sensor_type",
                "sensor_type",
                "VARCHAR",
                _enum("drone", "camera", "thermal", "other"),
            ),
            Field("lat", "lat", "DOUBLE", _LAT, required=True),
            Field("lon", "lon", "DOUBLE", _LON, required=True),
            Field("people_count", "people_count", "INTEGER", _int(0), required=True),
            Field("heading_deg", "heading_deg", "DOUBLE", _float(0, 360)),
            Field("composition", "composition", "VARCHAR"),
            Field("confidence", "confidence", "DOUBLE", _float(0, 1)),
            Field("image_ref", "image_ref", "VARCHAR"),
            Field("place", "place", "VARCHAR"),
            Field("plate", "plate", "VARCHAR", _plate),
            Field("phone", "phone", "VARCHAR", _phone),
        ),
    ),
    ObservationKind.SCAN: KindSpec(
        ObservationKind.SCAN,
        "obs_scan",
        (
            Field("scan_id", "source_id", "VARCHAR", required=True),
            Field("plate", "plate", "VARCHAR", _plate, required=True),
            Field("country", "plate_country", "VARCHAR", _country2),
            Field("crossing_point", "place", "VARCHAR", required=True),
            Field("scanned_at", "observed_at", "TIMESTAMPTZ", _time, required=True),
            Field("scanner_id", "sensor_id", "VARCHAR"),
            Field(
                "method",
                "method",
                "VARCHAR",
                _enum("xray", "gamma", "dog", "co2", "heartbeat", "manual"),
            ),
            Field(
                "result",
                "result",
                "VARCHAR",
                _enum("clear", "people", "drugs", "weapons", "cash", "other"),
                required=True,
            ),
            Field("quantity", "quantity", "DOUBLE", _float(0)),
            Field("concealment", "concealment", "VARCHAR"),
            Field("lat", "lat", "DOUBLE", _LAT),
            Field("lon", "lon", "DOUBLE", _LON),
        ),
    ),
    ObservationKind.DETECTION: KindSpec(
        ObservationKind.DETECTION,
        "obs_detection",
        (
            Field("detection_id", "source_id", "VARCHAR"),
            Field("detected_at", "observed_at", "TIMESTAMPTZ", _time, required=True),
            Field("lat", "lat", "DOUBLE", _LAT, required=True),
            Field("lon", "lon", "DOUBLE", _LON, required=True),
            Field("border_section", "border_section", "VARCHAR"),
            Field("crossing_point", "place", "VARCHAR"),
            Field("country", "country", "VARCHAR", _country2),
            Field("direction", "direction", "VARCHAR", _enum("entry", "exit")),
            Field("people_count", "people_count", "INTEGER", _int(1), default=1),
            Field("nationality", "nationality", "VARCHAR", _country3),
            Field(
                "method",
                "method",
                "VARCHAR",
                _enum("patrol", "camera", "drone", "checkpoint", "thermal", "other"),
            ),
            Field("plate", "plate", "VARCHAR", _plate),
            Field("phone", "phone", "VARCHAR", _phone),
        ),
    ),
}

#: Where a plate key came from, so the raw form is kept next to the key.
_PLATE_SOURCES = {"vrm", "plate"}


class RowParser:
    """Converts one raw record of a kind into typed column values, naming the bad field.

    Built once per file; `parse` runs per row on the hot path, so it does no lookups it can avoid.
    """

    def __init__(self, spec: KindSpec) -> None:
        self.spec = spec
        self._fields = spec.fields
        self._plate_source = next(
            (f.source for f in spec.fields if f.source in _PLATE_SOURCES), None
        )

    def parse(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self._fields:
            value = raw.get(f.source)
            if value is None or (isinstance(value, str) and not value.strip()):
                if f.required:
                    raise ValidationError(f"{f.source} is required", f.source)
                out[f.column] = f.default
                continue
            try:
                out[f.column] = f.convert(value)
            except (ValueError, ValidationError) as exc:
                message = exc.message if isinstance(exc, ValidationError) else str(exc)
                raise ValidationError(f"invalid {f.source}: {message}", f.source) from None
        if self._plate_source is not None:
            raw_plate = raw.get(self._plate_source)
            out["plate_raw"] = str(raw_plate).strip() if raw_plate else None
        return out


def observation_id(kind: ObservationKind, agency: str, values: Mapping[str, Any]) -> str:
    """A stable id: the source's own id when given, else a hash of the observation's content.

    Re-ingesting the same reading yields the same id, which is what makes ingest idempotent.
    """
    source_id = values.get("source_id")
    if source_id:
        key = f"{kind.value}|{agency}|{source_id}"
    else:
        parts = [
            str(values.get(name)) for name, _ in COMMON_COLUMNS if name not in ("id", "source_id")
        ]
        key = f"{kind.value}|{agency}|" + "|".join(parts)
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def parse_kind(value: str) -> ObservationKind:
    text = value.strip().lower().rstrip("s")
    for kind in ObservationKind:
        if kind.value == text:
            return kind
    raise ValidationError(f"unknown observation kind {value!r}", "kind")


__all__ = [
    "COMMON_COLUMNS",
    "SPECS",
    "Field",
    "KindSpec",
    "ObservationKind",
    "RowParser",
    "observation_id",
    "parse_kind",
]
