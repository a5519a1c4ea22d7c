"""What arrives in a package, checked row by row: a partner's bad row refuses the whole package
with the row named, and what passes is typed for the store."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from followthemoney import model

from corridor.errors import PackageRefused, ValidationError
from corridor.model.classification import Classification
from corridor.model.observations import SPECS, ObservationKind
from corridor.model.provenance import parse_agency
from corridor.model.text import refusal, unsafe_char
from corridor.share.package import Header
from corridor.share.policy import parsed_grade
from corridor.store.tables import OBSERVATIONS

#: Columns the receiving store makes itself: they never travel.
LOCAL_COLUMNS = ("ingest_id", "first_seen", "kind")
#: Statement columns that must be present and non-empty in a received statement.
_REQUIRED = ("id", "entity_id", "schema", "prop", "prop_type", "value", "dataset", "agency",
             "grading", "classification")  # fmt: skip


def portable(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row as it travels: without the columns the receiving store makes."""
    return {k: v for k, v in row.items() if k not in LOCAL_COLUMNS}


def made_portable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`portable`, in place, for rows that are already copies (what the policy released)."""
    for row in rows:
        for column in LOCAL_COLUMNS:
            row.pop(column, None)
    return rows


def rfi_row(rfi: Mapping[str, Any], direction: str, partner: str) -> dict[str, Any]:
    return {
        "id": str(rfi["id"]), "direction": direction, "partner": partner,
        "subject_kind": str(rfi["subject_kind"]), "subject": str(rfi["subject"]),
        "question": str(rfi.get("question") or ""), "purpose": str(rfi["purpose"]),
        "requested_by": str(rfi["requested_by"]),
        "created_at": datetime.fromisoformat(str(rfi["created_at"])),
        "due_at": datetime.fromisoformat(str(rfi["due_at"])), "status": "open",
    }  # fmt: skip


def incoming_rfi(rfi: Mapping[str, Any], header: Header) -> dict[str, Any]:
    try:
        return rfi_row(rfi, "in", header.sender)
    except (KeyError, ValueError) as exc:
        raise PackageRefused("malformed", f"request for information: {exc}") from None


#: The size in bits of each integer column type of the store.
_INT_BITS = {"SMALLINT": 16, "INTEGER": 32, "BIGINT": 64}
_CLASSIFICATIONS = frozenset(int(c) for c in Classification)


def _classification(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in _CLASSIFICATIONS:
        raise ValueError(f"classification {value!r} is not one of {sorted(_CLASSIFICATIONS)}")
    return value


def _owned_by_sender(row: Mapping[str, Any], header: Header) -> None:
    """A partner sends its own agency's records, or a third agency's it has consent to pass on
    (the originator stays named); never records claiming to be the recipient's own."""
    agency = row.get("agency")
    if agency != header.sender:
        if parse_agency(agency) != agency:
            raise ValueError(f"agency {agency!r} is not an agency code")
        if agency == header.recipient:
            raise ValueError(f"agency {agency!r} is the recipient's own")


#: A statement's text columns (the value's and its provenance's), and those that may hold
#: line breaks; every one is checked as the ingest checks it (`corridor.model.text`).
_TEXT = ("id", "entity_id", "schema", "prop", "prop_type", "value", "original_value", "lang",
         "dataset", "agency", "source_ref", "grading_scheme", "grading", "action_code",
         "sanitisation_code", "handling_instructions", "person_category")  # fmt: skip
_FREE_TEXT = frozenset({"value", "original_value", "handling_instructions"})


def _checked_text(column: str, value: str) -> str:
    char = unsafe_char(value, line_breaks=column in _FREE_TEXT)
    if char is not None:
        raise ValueError(f"{column}: {refusal(char)}")
    return value


def received_statement(row: Any, n: int, header: Header) -> dict[str, Any]:
    """A received statement, checked: a partner's bad row refuses the package, naming it."""
    if not isinstance(row, dict):
        raise PackageRefused("malformed", f"statement {n} is not an object")
    for key in _REQUIRED:
        if row.get(key) in (None, ""):
            raise PackageRefused("malformed", f"statement {n}: field {key!r} is missing")
    try:
        for key in _TEXT:
            value = row.get(key)
            if key in _REQUIRED and not isinstance(value, str):
                raise ValueError(f"{key} is not text")
            if value is not None:
                if not isinstance(value, str):
                    raise ValueError(f"{key} is not text")
                _checked_text(key, value)
        _owned_by_sender(row, header)
        schema = model.get(row["schema"])
        if schema is None:
            raise ValueError(f"unknown schema {row['schema']!r}")
        prop = schema.get(row["prop"])
        if prop is None:
            raise ValueError(f"{row['schema']} has no property {row['prop']!r}")
        parsed_grade(str(row["grading"]), row.get("grading_scheme"))
        out = {**row, "classification": _classification(row["classification"])}
        if row.get("collected_at"):
            out["collected_at"] = datetime.fromisoformat(str(row["collected_at"]))
        if row.get("review_by"):
            out["review_by"] = date.fromisoformat(str(row["review_by"])[:10])
    except (ValidationError, ValueError, TypeError) as exc:
        raise PackageRefused("malformed", f"statement {n} from {header.sender}: {exc}") from None
    return out


def _date(value: str) -> date:
    return date.fromisoformat(value[:10])


_TEMPORAL: dict[str, Callable[[str], Any]] = {
    "TIMESTAMPTZ": datetime.fromisoformat,
    "DATE": _date,
}


#: Ranges of the numeric columns that have one.
_RANGES = {"lat": (-90.0, 90.0), "lon": (-180.0, 180.0)}
#: Provenance columns every received observation must carry.
_OBSERVATION_REQUIRED = ("agency", "grading", "classification")


def _observation_value(col: str, typ: str, value: Any) -> Any:
    """One column of a received observation, typed and checked (ValueError when wrong)."""
    typ = typ.split()[0]  # "SMALLINT NOT NULL" is a SMALLINT
    if typ in _TEMPORAL:
        return _TEMPORAL[typ](str(value))
    if typ == "BOOLEAN":
        if not isinstance(value, bool):
            raise ValueError(f"{col} is not true or false")
        return value
    if typ in _INT_BITS:
        top = 2 ** (_INT_BITS[typ] - 1)
        if isinstance(value, bool) or not isinstance(value, int) or not -top <= value < top:
            raise ValueError(f"{col} is not an integer in range")
        return value
    if typ == "DOUBLE":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{col} is not a number")
        low, high = _RANGES.get(col, (-math.inf, math.inf))
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(f"{col} {value!r} is out of range")
        return value
    if not isinstance(value, str):
        raise ValueError(f"{col} is not text")
    return _checked_text(col, value)


def received_observations(data: Any, header: Header) -> dict[ObservationKind, dict[str, list[Any]]]:
    """Received observations by kind, as columns, every row checked: its kind's required
    fields, types and ranges, a known classification and grade, and an agency that may send it."""
    if not isinstance(data, dict):
        raise PackageRefused("malformed", "observations are not an object of kinds")
    out: dict[ObservationKind, dict[str, list[Any]]] = {}
    for name, rows in data.items():
        try:
            kind = ObservationKind(name)
        except ValueError:
            raise PackageRefused("malformed", f"unknown observation kind {name!r}") from None
        if not isinstance(rows, list):
            raise PackageRefused("malformed", f"{name} observations are not a list")
        columns = [(c.name, c.type) for c in OBSERVATIONS[kind].columns
                   if c.name not in ("id", *LOCAL_COLUMNS)]  # fmt: skip
        required = {f.column for f in SPECS[kind].fields if f.required} | set(_OBSERVATION_REQUIRED)
        cols: dict[str, list[Any]] = {c: [] for c, _ in columns}
        for n, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                raise PackageRefused("malformed", f"{name} observation {n} is not an object")
            try:
                _owned_by_sender(row, header)
                _classification(row.get("classification"))
                parsed_grade(str(row.get("grading")), row.get("grading_scheme"))
                typed: dict[str, Any] = {}
                for col, typ in columns:
                    value = row.get(col)
                    if value is None or value == "":
                        if col in required:
                            raise ValueError(f"{col} is missing")
                        typed[col] = None
                    else:
                        typed[col] = _observation_value(col, typ, value)
            except (ValidationError, ValueError, TypeError) as exc:
                raise PackageRefused(
                    "malformed", f"{name} observation {n} from {header.sender}: {exc}"
                ) from None
            for col, value in typed.items():
                cols[col].append(value)
        out[kind] = cols
    return out


@dataclass(frozen=True, slots=True)
class ReceivedContent:
    """A package's content, every row checked and typed, before anything is spooled or
    written: what is malformed is refused at the door, never left to fail an import."""

    statements: list[dict[str, Any]]
    observations: dict[ObservationKind, dict[str, list[Any]]]
    retract: list[str]
    manifest: dict[str, Any]
    rfi: dict[str, Any] | None


def received_content(content: Mapping[str, Any], header: Header) -> ReceivedContent:
    statements = content.get("statements") or []
    if not isinstance(statements, list):
        raise PackageRefused("malformed", "statements are not a list")
    retract = content.get("retract") or []
    if not isinstance(retract, list) or not all(isinstance(i, str) for i in retract):
        raise PackageRefused("malformed", "retract is not a list of statement ids")
    manifest = content.get("manifest") or {}
    if not isinstance(manifest, dict):
        raise PackageRefused("malformed", "the manifest is not an object")
    manifest = dict(manifest)
    for key in ("reason", "rfi"):
        if content.get(key) is not None:
            manifest[key] = content[key]
    rfi = content.get("rfi")
    return ReceivedContent(
        [received_statement(row, n, header) for n, row in enumerate(statements, 1)],
        received_observations(content.get("observations") or {}, header),
        retract,
        manifest,
        incoming_rfi(rfi, header) if header.kind == "rfi" and isinstance(rfi, dict) else None,
    )
