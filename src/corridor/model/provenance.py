"""Provenance: who holds a value, where it came from, how it is graded, handled and classified.

Every statement and every observation carries one `Provenance`. It is built from raw fields (a
mapping's literals, a row's columns, command-line options) by `build_provenance`, which refuses
invalid grades, codes, classifications and dates with an error naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from corridor.errors import ValidationError
from corridor.model.classification import Classification
from corridor.model.grading import Grade, HandlingConditions, check_conditions
from corridor.model.text import check_text
from corridor.model.timeparse import parse_date, parse_datetime


class PersonCategory(StrEnum):
    """Categories of data subjects kept distinct (Directive 2016/680 art. 6; DPA 2018 s.38)."""

    SUSPECT = "suspect"
    CONVICTED = "convicted"
    VICTIM = "victim"
    WITNESS = "witness"
    CONTACT = "contact"
    OTHER = "other"

    @classmethod
    def parse(cls, value: str) -> PersonCategory:
        text = str(value).strip().lower()
        for member in cls:
            if text == member.value:
                return member
        allowed = ", ".join(m.value for m in cls)
        raise ValidationError(
            f"invalid person category {value!r} (expected {allowed})", "person_category"
        )


#: The raw field names a provenance is built from (columns, JSON keys, mapping keys, options).
FIELDS = (
    "agency",
    "source_ref",
    "collected_at",
    "grading",
    "grading_scheme",
    "action_code",
    "sanitisation_code",
    "handling_instructions",
    "classification",
    "person_category",
    "review_by",
)

_AGENCY = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{2,20})+$")


@dataclass(frozen=True, slots=True)
class Provenance:
    """The provenance of one value; immutable so it can be shared by many statements."""

    agency: str
    grade: Grade
    classification: Classification
    conditions: HandlingConditions = field(default_factory=HandlingConditions)
    source_ref: str | None = None
    collected_at: datetime | None = None
    person_category: PersonCategory | None = None
    review_by: date | None = None

    def with_source(self, source_ref: str) -> Provenance:
        return replace(self, source_ref=source_ref)

    def to_fields(self) -> dict[str, Any]:
        """The flat, JSON-ready form used in the store, the API and exports."""
        return {
            "agency": self.agency,
            "source_ref": self.source_ref,
            "collected_at": self.collected_at.isoformat() if self.collected_at else None,
            "grading": str(self.grade),
            "grading_scheme": self.grade.scheme.value,
            "action_code": self.conditions.action_code,
            "sanitisation_code": self.conditions.sanitisation_code,
            "handling_instructions": self.conditions.instructions,
            "classification": self.classification.label,
            "person_category": self.person_category.value if self.person_category else None,
            "review_by": self.review_by.isoformat() if self.review_by else None,
        }

    def columns(self) -> dict[str, Any]:
        """The typed column values stored beside each statement or observation."""
        return {
            "agency": self.agency,
            "source_ref": self.source_ref,
            "collected_at": self.collected_at,
            "grading_scheme": self.grade.scheme.value,
            "grading": str(self.grade),
            "action_code": self.conditions.action_code,
            "sanitisation_code": self.conditions.sanitisation_code,
            "handling_instructions": self.conditions.instructions,
            "classification": int(self.classification),
            "person_category": self.person_category.value if self.person_category else None,
            "review_by": self.review_by,
        }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def parse_agency(value: Any) -> str:
    text = (_text(value) or "").upper()
    if not text:
        raise ValidationError("an owning agency is required (e.g. GB-NCA)", "agency")
    if not _AGENCY.match(text):
        raise ValidationError(
            f"invalid agency code {value!r} (expected country code and agency, e.g. GB-NCA)",
            "agency",
        )
    return text


def _field(raw: Mapping[str, Any], name: str) -> str | None:
    """One raw field as text: a single value (never a list or an object), holding no control
    character (handling instructions may hold line breaks) and no lone surrogate."""
    value = raw.get(name)
    if isinstance(value, Mapping | list | tuple | set):
        raise ValidationError(f"{name} must be a single value", name)
    text = _text(value)
    if text is not None:
        check_text(text, name, line_breaks=name == "handling_instructions")
    return text


def build_provenance(raw: Mapping[str, Any]) -> Provenance:
    """Build and validate a provenance from raw fields; unknown keys are ignored."""
    key = tuple((name, _field(raw, name)) for name in FIELDS)
    return _build_cached(key)


@lru_cache(maxsize=4096)
def _build_cached(key: tuple[tuple[str, str | None], ...]) -> Provenance:
    raw = dict(key)
    agency = parse_agency(raw["agency"])
    if raw["grading"] is None:
        raise ValidationError("a grading is required (e.g. 2BP)", "grading")
    grade = Grade.parse(raw["grading"], raw["grading_scheme"])
    conditions = check_conditions(
        grade, raw["action_code"], raw["sanitisation_code"], raw["handling_instructions"]
    )
    if raw["classification"] is None:
        raise ValidationError("a classification is required (e.g. OFFICIAL)", "classification")
    classification = Classification.parse(raw["classification"])
    category = raw["person_category"]
    collected = raw["collected_at"]
    review = raw["review_by"]
    return Provenance(
        agency=agency,
        grade=grade,
        classification=classification,
        conditions=conditions,
        source_ref=raw["source_ref"],
        collected_at=parse_datetime(collected, "collected_at") if collected else None,
        person_category=PersonCategory.parse(category) if category else None,
        review_by=parse_date(review, "review_by") if review else None,
    )


def merge_fields(*layers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge raw provenance layers, earlier layers winning; empty values do not override."""
    merged: dict[str, Any] = {}
    for layer in reversed([layer for layer in layers if layer]):
        for name in FIELDS:
            value = layer.get(name)
            # Present unless empty (a list or an object is present: `build_provenance` refuses
            # it, without turning it into text first, which a deep one would not survive).
            if value is not None and (not isinstance(value, str) or value.strip()):
                merged[name] = value
    return merged


def now_utc() -> datetime:
    return datetime.now(UTC)


__all__ = [
    "FIELDS",
    "PersonCategory",
    "Provenance",
    "asdict",
    "build_provenance",
    "merge_fields",
    "parse_agency",
]
