"""What arrives in a package, checked row by row: a partner's bad row refuses the whole package
with the row named, and what passes is typed for the store."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from corridor.errors import PackageRefused, ValidationError
from corridor.model.observations import ObservationKind
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


def received_statement(row: Any, n: int, sender: str) -> dict[str, Any]:
    """A received statement, checked: a partner's bad row refuses the package, naming it."""
    if not isinstance(row, dict):
        raise PackageRefused("malformed", f"statement {n} is not an object")
    for key in _REQUIRED:
        if row.get(key) in (None, ""):
            raise PackageRefused("malformed", f"statement {n}: field {key!r} is missing")
    try:
        parsed_grade(str(row["grading"]), row.get("grading_scheme"))
        out = {**row, "classification": int(row["classification"])}
        if row.get("collected_at"):
            out["collected_at"] = datetime.fromisoformat(str(row["collected_at"]))
        if row.get("review_by"):
            out["review_by"] = date.fromisoformat(str(row["review_by"])[:10])
    except (ValidationError, ValueError, TypeError) as exc:
        raise PackageRefused("malformed", f"statement {n} from {sender}: {exc}") from None
    return out


def _date(value: str) -> date:
    return date.fromisoformat(value[:10])


_TEMPORAL: dict[str, Callable[[str], Any]] = {
    "TIMESTAMPTZ": datetime.fromisoformat,
    "DATE": _date,
}


def received_observations(
    data: Mapping[str, Any], sender: str
) -> dict[ObservationKind, dict[str, list[Any]]]:
    out: dict[ObservationKind, dict[str, list[Any]]] = {}
    for name, rows in data.items():
        try:
            kind = ObservationKind(name)
        except ValueError:
            raise PackageRefused("malformed", f"unknown observation kind {name!r}") from None
        columns = [(c.name, c.type) for c in OBSERVATIONS[kind].columns
                   if c.name not in ("id", *LOCAL_COLUMNS)]  # fmt: skip
        cols: dict[str, list[Any]] = {c: [] for c, _ in columns}
        for n, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                raise PackageRefused("malformed", f"{name} observation {n} is not an object")
            for col, typ in columns:
                value = row.get(col)
                if value is not None and typ in _TEMPORAL:
                    try:
                        value = _TEMPORAL[typ](str(value))
                    except ValueError:
                        raise PackageRefused(
                            "malformed", f"{name} observation {n} from {sender}: bad {col}"
                        ) from None
                cols[col].append(value)
        out[kind] = cols
    return out
