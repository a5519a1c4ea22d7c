"""Typed sensor observations: ANPR reads, sightings, scanner results and border detections.

Observations are high-volume events kept in columnar tables, not FtM entities. Each kind declares
its fields once here; readers, the store's table definitions and the API all derive from this.
Every table also has the common columns (`COMMON_COLUMNS`) and the provenance columns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from followthemoney.types import registry

from corridor.errors import ValidationError
from corridor.model.text import arrow_unsafe_index, refusal, unsafe_char
from corridor.model.timeparse import parse_datetime
from corridor.normalise.phones import normalise_phone
from corridor.normalise.plates import normalise_plate


class ObservationKind(StrEnum):
    ANPR = "anpr"
    SIGHTING = "sighting"
    SCAN = "scan"
    DETECTION = "detection"


#: Every character Python's `str.strip()` removes: the Arrow path trims exactly these too.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

#: Arrow types of the SQL column types observations use.
ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "DOUBLE": pa.float64(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "SMALLINT": pa.int16(),
    "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
    "DATE": pa.date32(),
    "BOOLEAN": pa.bool_(),
}


class Converter:
    """A field's conversion: `__call__` on one value is the rule; `arrow` is a fast path.

    `arrow` takes trimmed strings (nulls for blanks) and returns the whole column converted, or
    raises; on any exception the caller falls back to `__call__`, value by value. A fast path
    may accept less than the rule, never more, and must agree with it (tested property).
    The default fast path converts each distinct value once (plates and countries repeat).
    """

    def __call__(self, value: Any) -> Any:  # pragma: no cover - every converter overrides
        raise NotImplementedError

    def arrow(self, values: pa.Array, target: pa.DataType) -> pa.Array:
        encoded = values.dictionary_encode()
        distinct = [self(v) for v in encoded.dictionary.to_pylist()]
        return pa.array(distinct, target).take(encoded.indices)


_DECIMAL = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_INTEGER = r"^[+-]?[0-9]+$"


def _require_pattern(values: pa.Array, pattern: str) -> None:
    """Refuse the fast path unless every non-null value has the plain form the rule reads."""
    if not pc.all(pc.match_substring_regex(values, pattern)).as_py():
        raise ValueError("not every value has the plain form")


def _shown(value: Any) -> str:
    """A value as an error message quotes it: at most 40 characters of it."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**40 else "a long number"
    return text if len(text) <= 40 else f"{text[:37]}..."


class _Float(Converter):
    def __init__(self, lo: float | None = None, hi: float | None = None) -> None:
        self.lo, self.hi = lo, hi

    def __call__(self, value: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):  # overflow: a JSON integer of 400 digits
            raise ValueError(f"not a number: {_shown(value)}") from None
        lo, hi = self.lo, self.hi
        if not math.isfinite(number):  # NaN and Infinity: JSON answers cannot carry them
            raise ValueError(f"not a finite number: {_shown(value)}")
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            raise ValueError(f"{value!r} is outside {lo}..{hi}")
        return number

    def arrow(self, values: pa.Array, target: pa.DataType) -> pa.Array:
        _require_pattern(values, _DECIMAL)
        numbers = values.cast(pa.float64())
        if pc.any(pc.invert(pc.is_finite(numbers))).as_py():
            raise ValueError("not finite")
        bounds = pc.min_max(numbers).as_py()
        if bounds["min"] is not None:
            if self.lo is not None and bounds["min"] < self.lo:
                raise ValueError("below range")
            if self.hi is not None and bounds["max"] > self.hi:
                raise ValueError("above range")
        return numbers.cast(target)


class _Int(Converter):
    def __init__(self, lo: int | None = None) -> None:
        self.lo = lo

    def __call__(self, value: Any) -> int:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise ValueError(f"not a whole number: {_shown(value)}") from None
        if self.lo is not None and number < self.lo:
            raise ValueError(f"{_shown(value)} is below {self.lo}")
        if number > 2**31 - 1:
            raise ValueError(f"{_shown(value)} is too large")
        return number

    def arrow(self, values: pa.Array, target: pa.DataType) -> pa.Array:
        _require_pattern(values, _INTEGER)  # Arrow would also read "0x1f"; the rule does not
        numbers = values.cast(pa.int64())
        bounds = pc.min_max(numbers).as_py()
        if bounds["min"] is not None and (
            (self.lo is not None and bounds["min"] < self.lo) or bounds["max"] > 2**31 - 1
        ):
            raise ValueError("out of range")
        return numbers.cast(target)


class _Enum(Converter):
    def __init__(self, *allowed: str) -> None:
        self.allowed = allowed

    def __call__(self, value: Any) -> str:
        text = str(value).strip().lower()
        if text not in self.allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(self.allowed)}")
        return text


class _Country2(Converter):
    @lru_cache(maxsize=1024)  # noqa: B019 - one instance per process, a few hundred codes
    def __call__(self, value: Any) -> str:
        code = registry.country.clean(str(value).strip())
        if code is None:
            raise ValueError(f"not a country code: {value!r}")
        return code.upper()


class _Country3(Converter):
    def __call__(self, value: Any) -> str:
        text = str(value).strip().upper()
        if len(text) != 3 or registry.country.clean(text) is None:
            raise ValueError(f"not an ISO 3166-1 alpha-3 code: {value!r}")
        return text


class _Time(Converter):
    def __call__(self, value: Any) -> datetime:
        return parse_datetime(value)

    def arrow(self, values: pa.Array, target: pa.DataType) -> pa.Array:
        # Arrow parses a strict subset of ISO 8601 (what feeds send); the rest falls back.
        return values.cast(target)


class _Plate(Converter):
    def __call__(self, value: Any) -> str:
        key = normalise_plate(str(value))
        if not key:
            raise ValueError(f"not a plate: {value!r}")
        return key


class _Phone(Converter):
    def __call__(self, value: Any) -> str:
        e164 = normalise_phone(str(value))
        if e164 is None:
            raise ValueError(f"not a valid international phone number: {value!r}")
        return e164


class _Text(Converter):
    def __call__(self, value: Any) -> str:
        return str(value).strip()

    def arrow(self, values: pa.Array, target: pa.DataType) -> pa.Array:
        return values  # already trimmed, blanks already null


_float, _int, _enum = _Float, _Int, _Enum
_country2, _country3, _time = _Country2(), _Country3(), _Time()
_plate, _phone, _text = _Plate(), _Phone(), _Text()


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


class RowError(Exception):
    """A bad value at a row of a batch (0-based), to be located in its file by the reader."""

    def __init__(self, index: int, error: ValidationError) -> None:
        super().__init__(error.message)
        self.index = index
        self.error = error


class _ColumnError(Exception):
    def __init__(self, error: tuple[int, int, ValidationError]) -> None:
        super().__init__(error[2].message)
        self.error = error


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and value.isspace())


def _first_unsafe(values: Sequence[Any]) -> tuple[int, str] | None:
    """The first text value holding a character no stored text may (`model.text`)."""
    for index, value in enumerate(values):
        if value.__class__ is str:
            char = unsafe_char(value)
            if char is not None:
                return index, char
    return None


def _unsafe_error(source: str, char: str) -> ValidationError:
    return ValidationError(f"invalid {source}: {refusal(char)}", source)


class ColumnParser:
    """Converts a batch of raw records of one kind, column by column, into typed columns.

    An ANPR feed has a million rows: converting whole columns with each field's converter in a
    comprehension costs a fraction of a per-row, per-field loop. The per-row loop still exists,
    but only to find, on failure, the first bad row and field and to say what is wrong.
    """

    def __init__(self, spec: KindSpec) -> None:
        self.spec = spec
        self._fields = tuple(
            (f.source, f.column, f.convert, f.required, f.default) for f in spec.fields
        )
        self._plate_source = next(
            (f.source for f in spec.fields if f.source in _PLATE_SOURCES), None
        )
        self._types = tuple(f.sql_type for f in spec.fields)
        self.sources = frozenset(f.source for f in spec.fields)
        self.required = tuple(f.source for f in spec.fields if f.required)

    def parse(self, columns: Mapping[str, Sequence[Any]], n: int) -> dict[str, list[Any]]:
        """Typed columns by column name, or a `RowError` for the first bad row (then field)."""
        out: dict[str, list[Any]] = {}
        errors: list[tuple[int, int, ValidationError]] = []
        for order, (source, column, convert, required, default) in enumerate(self._fields):
            values = columns.get(source)
            if values is None:
                if required:
                    errors.append((0, order, ValidationError(f"{source} is required", source)))
                out[column] = [default] * n
                continue
            unsafe = _first_unsafe(values)
            if unsafe is not None:
                errors.append((unsafe[0], order, _unsafe_error(source, unsafe[1])))
                continue
            try:
                converted = [
                    default
                    if v is None or v == "" or (v.__class__ is str and v.isspace())
                    else convert(v)
                    for v in values
                ]
                if required and None in converted:
                    raise ValueError("blank required value")
            except Exception:  # located and explained, one row at a time, below
                errors.append(self._first_error(order, values))
                continue
            out[column] = converted
        if errors:
            index, _, error = min(errors, key=lambda e: (e[0], e[1]))
            raise RowError(index, error)
        if self._plate_source is not None:
            raw = columns.get(self._plate_source) or [None] * n
            out["plate_raw"] = [str(v).strip() if v else None for v in raw]
        return out

    def parse_arrow(self, table: pa.Table) -> dict[str, pa.Array]:
        """The same conversion over Arrow string columns (a CSV feed), vectorised per column.

        Each field tries its converter's Arrow fast path; a column the fast path refuses is
        converted value by value by the rule itself, which also finds the first bad value.
        """
        n = table.num_rows
        out: dict[str, pa.Array] = {}
        errors: list[tuple[int, int, ValidationError]] = []
        for order, (source, column, convert, required, default) in enumerate(self._fields):
            target = ARROW_TYPES[self._types[order]]
            if source not in table.column_names:
                if required:
                    errors.append((0, order, ValidationError(f"{source} is required", source)))
                out[column] = pa.array([default] * n, target)
                continue
            raw = table.column(source).combine_chunks().cast(pa.string())
            unsafe = arrow_unsafe_index(raw)
            if unsafe is not None:
                char = unsafe_char(raw[unsafe].as_py()) or "\x00"
                errors.append((unsafe, order, _unsafe_error(source, char)))
                continue
            trimmed = pc.utf8_trim(raw, WHITESPACE)
            blank = pc.fill_null(pc.equal(trimmed, ""), True)
            try:
                if required and pc.any(blank).as_py():
                    raise ValueError("blank required value")
                converted = convert.arrow(pc.if_else(blank, None, trimmed), target)
                if default is not None:
                    converted = converted.fill_null(default)
                out[column] = converted
            except Exception:  # the rule decides, value by value
                values = raw.to_pylist()
                try:
                    out[column] = pa.array(self._python_column(order, values), target)
                except _ColumnError as exc:
                    errors.append(exc.error)
        if errors:
            index, _, error = min(errors, key=lambda e: (e[0], e[1]))
            raise RowError(index, error)
        if self._plate_source is not None and self._plate_source in table.column_names:
            raw = table.column(self._plate_source).combine_chunks().cast(pa.string())
            trimmed = pc.utf8_trim(raw, WHITESPACE)
            out["plate_raw"] = pc.if_else(pc.fill_null(pc.equal(trimmed, ""), True), None, trimmed)
        return out

    def _python_column(self, order: int, values: Sequence[Any]) -> list[Any]:
        _, _, convert, required, default = self._fields[order]
        out = []
        for value in values:
            if _blank(value):
                out.append(default)
                continue
            try:
                out.append(convert(value))
            except (ValueError, TypeError, ValidationError):
                raise _ColumnError(self._first_error(order, values)) from None
        if required and None in out:
            raise _ColumnError(self._first_error(order, values))
        return out

    def _first_error(self, order: int, values: Sequence[Any]) -> tuple[int, int, ValidationError]:
        source, _, convert, required, _ = self._fields[order]
        for index, value in enumerate(values):
            if _blank(value):
                if required:
                    return index, order, ValidationError(f"{source} is required", source)
                continue
            try:
                convert(value)
            except (ValueError, TypeError, ValidationError) as exc:
                message = exc.message if isinstance(exc, ValidationError) else str(exc)
                return index, order, ValidationError(f"invalid {source}: {message}", source)
        raise AssertionError(f"column {source} failed as a whole but in no row")  # pragma: no cover


def parse_kind(value: str) -> ObservationKind:
    text = value.strip().lower().rstrip("s")
    for kind in ObservationKind:
        if kind.value == text:
            return kind
    raise ValidationError(f"unknown observation kind {value!r}", "kind")


__all__ = [
    "COMMON_COLUMNS",
    "SPECS",
    "ColumnParser",
    "Field",
    "KindSpec",
    "ObservationKind",
    "RowError",
    "parse_kind",
]
