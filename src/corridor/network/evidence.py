"""What a link rests on: evidence items with their grading, and how much each one counts.

An evidence item is one record that asserts a tie (an Associate, a Call, a Payment, a report
that mentions two people, a phone number written on two people's records), with the ids of the
statements behind it and their provenance. A link's weight combines its items: each counts by
its grade and its age, and several items corroborate each other (a noisy-OR, so that a hundred
calls do not outweigh everything else, but a second source still adds).

Grades are read in their own scheme: the table below says, scheme by scheme, how far a link
resting on an item of that grade is to be trusted. It is an explicit weighting for analysis,
not a conversion between schemes (none is made anywhere), and it is one place to change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from corridor.model.classification import Classification, highest
from corridor.model.grading import GradingScheme

#: How much a source of each evaluation is trusted, by scheme (the first part of a grade).
SOURCE_TRUST: dict[str, dict[str, float]] = {
    GradingScheme.UK_3X5X2.value: {"1": 1.0, "2": 0.7, "3": 0.4},
    GradingScheme.LEGACY_5X5X5.value: {"A": 1.0, "B": 0.85, "C": 0.6, "D": 0.4, "E": 0.7},
    GradingScheme.EUROPOL.value: {"A": 1.0, "B": 0.85, "C": 0.4, "X": 0.7},
}
#: How much the intelligence itself is trusted, by scheme (the second part of a grade).
INTELLIGENCE_TRUST: dict[str, dict[str, float]] = {
    GradingScheme.UK_3X5X2.value: {"A": 1.0, "B": 0.85, "C": 0.6, "D": 0.4, "E": 0.1},
    GradingScheme.LEGACY_5X5X5.value: {"1": 1.0, "2": 0.85, "3": 0.85, "4": 0.4, "5": 0.1},
    GradingScheme.EUROPOL.value: {"1": 1.0, "2": 0.85, "3": 0.85, "4": 0.4},
}
#: The most one item can count for: even a `1A` item leaves room for a second to add.
MAX_ITEM_WEIGHT = 0.8
#: What an item with an unreadable or missing grade counts for (as an untested source).
UNGRADED_TRUST = 0.5
#: An item loses half its weight over this many days (before the reference time).
HALF_LIFE_DAYS = 365.0


def trust(grading: str | None, scheme: str | None) -> float:
    """How far an item of this grade is trusted, in (0, 1]: source times intelligence."""
    if not grading:
        return UNGRADED_TRUST
    text = grading.strip().upper()
    scheme = (scheme or GradingScheme.UK_3X5X2.value).lower()
    sources, intel = SOURCE_TRUST.get(scheme), INTELLIGENCE_TRUST.get(scheme)
    if sources is None or intel is None or len(text) < 2:
        return UNGRADED_TRUST
    return sources.get(text[0], UNGRADED_TRUST) * intel.get(text[1], UNGRADED_TRUST)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One record behind a link, as the reader sees it.

    `at` is when the tie was observed: the event's own time (a call's start, a payment's date)
    where the record has one, else when the agency collected it. `known` is when the agency
    came to know it (collected), which `--as-of` compares against. `dated` says whether `at`
    is an event time, which is what time-respecting paths run on."""

    record_id: str
    statement_ids: tuple[str, ...]
    agency: str
    grading: str | None
    grading_scheme: str | None
    classification: int
    at: datetime | None
    known: datetime | None
    dated: bool
    #: The trust of any attribution the item needed (a phone number's user, an account's
    #: holder), multiplied in: a call attributed through a 2C phone record counts less.
    attribution: float = 1.0
    #: The node the tie went out from where it has a direction: a payment's payer, a call's
    #: caller (links themselves are undirected; roles read who pays and who calls whom).
    origin: str | None = None
    #: Whether the tie is inferred rather than recorded (a call attributed to a phone's user
    #: through a burner succession, `corridor.network.burners`).
    inferred: bool = False

    @property
    def trust(self) -> float:
        return trust(self.grading, self.grading_scheme) * self.attribution

    def weight(self, reference: datetime | None) -> float:
        """The item's weight: its trust, halved for every `HALF_LIFE_DAYS` before `reference`."""
        base = MAX_ITEM_WEIGHT * self.trust
        if reference is None or self.at is None:
            return base
        days = max(0.0, (reference - self.at).total_seconds() / 86400)
        return base * math.pow(0.5, days / HALF_LIFE_DAYS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "statement_ids": list(self.statement_ids),
            "agency": self.agency,
            "grading": self.grading,
            "grading_scheme": self.grading_scheme,
            "classification": Classification(self.classification).label,
            "at": self.at.isoformat() if self.at else None,
            "dated": self.dated,
            "trust": round(self.trust, 4),
            "origin": self.origin,
            "inferred": self.inferred,
        }


def combined_weight(items: list[Evidence], reference: datetime | None) -> float:
    """Corroboration by noisy-OR: 1 − Π(1 − wᵢ). Grows with every item, never past 1."""
    miss = 1.0
    for item in items:
        miss *= 1.0 - item.weight(reference)
    return 1.0 - miss


def top_classification(items: list[Evidence]) -> Classification:
    return highest(e.classification for e in items)
