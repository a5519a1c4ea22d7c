"""Dates of birth as records write them, kept at the precision they were given.

Records give a full date, a month or only a year, in the writer's convention: ISO and
FollowTheMoney prefixes (`1980-05-03`, `1980-05`, `1980`, `1980-05-03T00:00:00`), Serbian
`03.05.1980.` (with its closing dot), British `03/05/1980`, `1980/05/03` and 8-digit `19800503`.

Day first: every slashed or dotted date with the year last is read as day/month/year, because
the route's records are European and British; `03/05/1980` is 3 May, never 5 March. Two-digit
years are refused (`03.05.80`): the century cannot be known for a date of birth.

prefixdate (through FollowTheMoney) parses ISO prefixes only; the day-first forms with their
trailing dot and partial precision are matched here, and every candidate is validated with
`datetime.date`, so an impossible date (31.02.1980) is None, not a truncated guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_Y = r"(?P<y>[12]\d{3})"
_M = r"(?P<m>\d{1,2})"
_D = r"(?P<d>\d{1,2})"
_FORMATS = tuple(
    re.compile(p)
    for p in (
        # ISO 8601 / FollowTheMoney prefixes, a time of day allowed after a full date
        rf"{_Y}(?:-(?P<m>\d{{2}})(?:-(?P<d>\d{{2}})"
        r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)?)?",
        rf"{_D}\.\s?{_M}\.\s?{_Y}\.?",  # 03.05.1980. (Serbian), 03.05.1980, 3. 5. 1980.
        rf"{_D}/{_M}/{_Y}",  # 03/05/1980 (British)
        rf"{_D}-{_M}-{_Y}",  # 03-05-1980
        rf"{_M}[./]{_Y}\.?",  # 05.1980. / 05/1980: a month
        rf"{_Y}[/.]{_M}[/.]{_D}\.?",  # 1980/05/03, 1980.05.03.
        r"(?P<y>[12]\d{3})(?P<m>\d{2})(?P<d>\d{2})",  # 19800503
    )
)


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day (`month`/`day` None when unknown)."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def iso(self) -> str:
        """The ISO 8601 / FollowTheMoney prefix form: 1980, 1980-05 or 1980-05-03."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def precision(self) -> str:
        """The precision the date was given at: year, month or day."""
        return "year" if self.month is None else "month" if self.day is None else "day"


def _valid(year: int, month: int | None, day: int | None) -> bool:
    if month is None:
        return day is None
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def parse_partial_date(text: str) -> PartialDate | None:
    """Parse a written date at the precision given, or None if it is not a possible date.

    Never raises. Day/month order is day first (see the module docstring).
    """
    value = str(text).strip()
    if not value or len(value) > 40:
        return None
    for pattern in _FORMATS:
        match = pattern.fullmatch(value)
        if match is None:
            continue
        parts = match.groupdict()
        year = int(parts["y"])
        month = int(parts["m"]) if parts.get("m") else None
        day = int(parts["d"]) if parts.get("d") else None
        return PartialDate(year, month, day) if _valid(year, month, day) else None
    return None


def same_year(a: PartialDate, b: PartialDate) -> bool:
    """Both dates fall in the same year."""
    return a.year == b.year


def agree(a: PartialDate, b: PartialDate) -> bool:
    """The dates agree on every part both know (1980 agrees with 1980-05-03)."""
    return (
        a.year == b.year
        and (a.month is None or b.month is None or a.month == b.month)
        and (a.day is None or b.day is None or a.day == b.day)
    )


def month_day_transposed(a: PartialDate, b: PartialDate) -> bool:
    """Same year, with day and month swapped (03.05.1980 against 05/03/1980 read the US way).

    A clerk copying an American-style date, or a form filled in the wrong order, swaps them; a
    swap is evidence for the same person, weaker than equal dates.
    """
    return (
        a.year == b.year
        and a.day is not None
        and b.day is not None
        and a.day == b.month
        and a.month == b.day
        and a.day != a.month
    )


def years_apart(a: PartialDate, b: PartialDate) -> int:
    """Whole years between the two dates' years (0 for the same year)."""
    return abs(a.year - b.year)
