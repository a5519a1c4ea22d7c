"""Date and time parsing shared by every reader: ISO 8601, UTC when no offset is given."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from corridor.errors import ValidationError


def parse_datetime(value: str | datetime | date, field: str = "time") -> datetime:
    """Parse an ISO 8601 date or date-time; naive values are UTC; refuse anything else."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"invalid date-time {value!r} (expected ISO 8601, e.g. 2024-05-03T10:00:00Z)", field
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: str | date, field: str = "date") -> date:
    """Parse an ISO 8601 date (a date-time's date part is accepted)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return (
            date.fromisoformat(text[:10])
            if len(text) > 10 and text[10] in "T "
            else date.fromisoformat(text)
        )
    except ValueError:
        raise ValidationError(
            f"invalid date {value!r} (expected ISO 8601, e.g. 2027-05-03)", field
        ) from None


@dataclass(frozen=True, slots=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None


_PARTIAL = (
    re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?(?:[T ].*)?$"),
    re.compile(r"^(?P<d>\d{1,2})[./-](?P<m>\d{1,2})[./-](?P<y>\d{4})\.?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
)


def parse_partial_date(text: str) -> PartialDate | None:
    """A possibly partial date (year, year-month or full), day first when written with dots or
    slashes (European and British records); None when it is no date at all."""
    value = str(text).strip()
    for pattern in _PARTIAL:
        match = pattern.match(value)
        if match is None:
            continue
        year = int(match.group("y"))
        month = int(match.group("m")) if match.group("m") else None
        day = int(match.group("d")) if match.groupdict().get("d") else None
        try:
            date(year, month or 1, day or 1)
        except ValueError:
            return None
        return PartialDate(year, month, day)
    return None
