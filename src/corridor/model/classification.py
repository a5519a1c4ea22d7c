"""UK Government Security Classifications: levels, the SENSITIVE caveat, and their order.

OFFICIAL-SENSITIVE is OFFICIAL with a handling caveat, not a level of its own; it still ranks
above plain OFFICIAL for clearance checks, so that a user cleared only for OFFICIAL never sees it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from corridor.errors import ValidationError


class Classification(IntEnum):
    """Markings in clearance order (a user cleared to N sees everything at or below N)."""

    OFFICIAL = 10
    OFFICIAL_SENSITIVE = 20
    SECRET = 30
    TOP_SECRET = 40

    @property
    def label(self) -> str:
        return self.name.replace("OFFICIAL_", "OFFICIAL-").replace("_", " ")

    @property
    def level(self) -> str:
        """The classification level without caveats (OFFICIAL, SECRET, TOP SECRET)."""
        return "OFFICIAL" if self <= Classification.OFFICIAL_SENSITIVE else self.label

    @property
    def caveat(self) -> str | None:
        return "SENSITIVE" if self is Classification.OFFICIAL_SENSITIVE else None

    def __str__(self) -> str:
        return self.label

    @classmethod
    def parse(cls, value: str | int | Classification) -> Classification:
        """Parse `OFFICIAL-SENSITIVE`, `official sensitive`, `SECRET`, …; refuse anything else."""
        if isinstance(value, Classification):
            return value
        if isinstance(value, int):
            try:
                return cls(value)
            except ValueError:
                pass
        text = str(value).strip().upper().replace("-", " ").replace("_", " ")
        text = " ".join(text.split())
        for member in cls:
            if text == member.label.replace("-", " "):
                return member
        allowed = ", ".join(m.label for m in cls)
        raise ValidationError(
            f"invalid classification {value!r} (expected {allowed})", "classification"
        )


def highest(levels: Iterable[int | None]) -> Classification:
    """The highest of some markings (OFFICIAL for none): what a read or write of the records
    bearing them touched, as the audit log records it."""
    found = [int(v) for v in levels if v is not None]
    return Classification(max(found)) if found else Classification.OFFICIAL
