"""How each agency grades, handles and classifies what it records (the provenance columns).

The mix is what a partnership really meets: mostly UK 3x5x2 grades, handling-code C with its
conditions, some Serbian legacy records still graded 5x5x5, some items that came in over SIENA
with Europol codes, a few SECRET records among OFFICIAL and OFFICIAL-SENSITIVE ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

GB_NCA = "GB-NCA"
RS_MUP = "RS-MUP"

_GRADES_3X5X2: tuple[tuple[str, int], ...] = (
    ("1AP", 8), ("1BP", 8), ("2BP", 18), ("2BC", 14), ("2AP", 6), ("2CC", 10), ("1BC", 6),
    ("3CC", 5), ("3DP", 2), ("2DC", 2), ("1AC", 3), ("2CP", 8), ("3BP", 3),
)  # fmt: skip
_GRADES_5X5X5 = ("B24", "A13", "C34", "B22", "B35", "A21", "C25")
_GRADES_EUROPOL = ("B2-H1", "A1-H0", "C3-H2", "B2-H3", "B2-H0", "X3-H2")

_INSTRUCTIONS = {
    GB_NCA: (
        "Do not disclose outside the investigation team.",
        "Refer to originator before any arrest.",
        "Not for disclosure to the subject's country of nationality.",
    ),
    RS_MUP: (
        "Samo za potrebe istrage; ne koristiti u sudskom postupku bez saglasnosti.",
        "Pre postupanja konsultovati SBPOK.",
        "Use only for the joint investigation; consult RS-MUP before action.",
    ),
}

HEADER = (
    "grading",
    "grading_scheme",
    "action_code",
    "sanitisation_code",
    "handling_instructions",
    "classification",
    "review_by",
    "source_ref",
    "collected_at",
)


@dataclass(frozen=True)
class Handling:
    """The provenance columns of one record, as the owning agency fills them in."""

    grading: str
    grading_scheme: str
    action_code: str
    sanitisation_code: str
    handling_instructions: str
    classification: str
    review_by: str
    source_ref: str
    collected_at: str

    def row(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in HEADER}


def _grade(agency: str, rng: random.Random) -> tuple[str, str]:
    roll = rng.random()
    if agency == RS_MUP and roll < 0.12:
        return rng.choice(_GRADES_5X5X5), "5x5x5"
    if roll > (0.94 if agency == RS_MUP else 0.97):
        return rng.choice(_GRADES_EUROPOL), "europol"
    grades = [g for g, _ in _GRADES_3X5X2]
    return rng.choices(grades, weights=[w for _, w in _GRADES_3X5X2])[0], "3x5x2"


def _conditions(agency: str, grade: str, scheme: str, rng: random.Random) -> tuple[str, str, str]:
    """Action code, sanitisation code and instructions, only where the handling code asks."""
    if scheme == "europol":
        return "", "", rng.choice(_INSTRUCTIONS[agency]) if grade.endswith("H3") else ""
    if scheme != "3x5x2" or not grade.endswith("C"):
        return "", "", ""
    roll = rng.random()
    action = rng.choice(("A1", "A1", "A2", "A3"))
    sanitisation = rng.choice(("S1", "S2", "S2"))
    if roll < 0.45:
        return action, sanitisation, ""
    if roll < 0.7:
        return action, "", ""
    if roll < 0.85:
        return "", sanitisation, ""
    return action, sanitisation, rng.choice(_INSTRUCTIONS[agency])


def draw_handling(
    agency: str,
    rng: random.Random,
    collected: datetime | date,
    source_ref: str,
    *,
    sensitive: bool = False,
) -> Handling:
    """Grade, conditions, classification and review date for one record of `agency`."""
    grade, scheme = _grade(agency, rng)
    action, sanitisation, instructions = _conditions(agency, grade, scheme, rng)
    roll = rng.random()
    if roll < 0.05:
        classification = "SECRET"
    elif sensitive or roll < 0.5:
        classification = "OFFICIAL-SENSITIVE"
    else:
        classification = "OFFICIAL"
    day = collected.date() if isinstance(collected, datetime) else collected
    review = day + timedelta(days=365 * rng.randint(2, 6))
    stamp = (
        collected.strftime("%Y-%m-%dT%H:%M:%SZ")
        if isinstance(collected, datetime)
        else (collected.isoformat())
    )
    return Handling(
        grade,
        scheme,
        action,
        sanitisation,
        instructions,
        classification,
        review.isoformat(),
        source_ref,
        stamp,
    )


class SourceRefs:
    """Case and register numbers as each agency writes them (NCA-INT-2024-004512, KU-123/24)."""

    def __init__(self, agency: str) -> None:
        self.agency = agency
        self.n = 0

    def next(self, when: datetime | date, register: str = "INT") -> str:
        self.n += 1
        if self.agency == RS_MUP:
            prefix = {"INT": "KU", "EXT": "VT", "FIN": "USPN"}.get(register, register)
            return f"{prefix}-{self.n}/{when.year % 100:02d}"
        return f"NCA-{register}-{when.year}-{self.n:06d}"
