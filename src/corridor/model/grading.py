"""Intelligence grading schemes and handling conditions (see docs/formats.md).

The scheme is stored with every grade: a 5x5x5 `B24` and a 3x5x2 `2BP` are different statements
about reliability and handling, and Corridor never maps between them silently. No maintained
library encodes these policing codes, so they are written here, as data plus one parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from corridor.errors import ValidationError


class GradingScheme(StrEnum):
    """The grading schemes Corridor accepts."""

    UK_3X5X2 = "3x5x2"
    LEGACY_5X5X5 = "5x5x5"
    EUROPOL = "europol"


DEFAULT_SCHEME = GradingScheme.UK_3X5X2

#: Each scheme's three parts: (part name, {code: meaning}).
SCHEMES: dict[GradingScheme, tuple[tuple[str, dict[str, str]], ...]] = {
    GradingScheme.UK_3X5X2: (
        ("source evaluation", {"1": "reliable", "2": "untested", "3": "not reliable"}),
        (
            "intelligence assessment",
            {
                "A": "known directly to the source",
                "B": "known indirectly to the source but corroborated",
                "C": "known indirectly to the source",
                "D": "not known",
                "E": "suspected to be false",
            },
        ),
        (
            "handling",
            {"P": "lawful sharing permitted", "C": "lawful sharing permitted with conditions"},
        ),
    ),
    GradingScheme.LEGACY_5X5X5: (
        (
            "source evaluation",
            {
                "A": "always reliable",
                "B": "mostly reliable",
                "C": "sometimes reliable",
                "D": "unreliable",
                "E": "untested source",
            },
        ),
        (
            "intelligence evaluation",
            {
                "1": "known to be true without reservation",
                "2": "known personally to the source but not to the officer",
                "3": "not personally known to the source but corroborated",
                "4": "cannot be judged",
                "5": "suspected to be false",
            },
        ),
        (
            "handling",
            {
                "1": "may be disseminated to other law enforcement and prosecuting agencies",
                "2": "may be disseminated to UK non-prosecuting parties",
                "3": "may be disseminated to non-EU law enforcement agencies",
                "4": "originating agency only",
                "5": "no further dissemination: refer to the originator",
            },
        ),
    ),
    GradingScheme.EUROPOL: (
        (
            "source reliability",
            {
                "A": "no doubt of authenticity, trustworthiness and competence",
                "B": "source has in most instances proved reliable",
                "C": "source has in most instances proved unreliable",
                "X": "reliability cannot be assessed",
            },
        ),
        (
            "information accuracy",
            {
                "1": "no doubt about its accuracy",
                "2": "known personally to the source but not to the official passing it on",
                "3": "not known personally to the source but corroborated",
                "4": "cannot be assessed",
            },
        ),
        (
            "SIENA handling",
            {
                "H0": "use only for preventing and combating crime",
                "H1": "not to be used in judicial proceedings without the provider's permission",
                "H2": "not to be disseminated without the provider's permission",
                "H3": "other restrictions (see instructions)",
            },
        ),
    ),
}

_PATTERNS = {
    GradingScheme.UK_3X5X2: re.compile(r"^([123])\s*[-/ ]?\s*([A-E])\s*[-/ ]?\s*([PC])$"),
    GradingScheme.LEGACY_5X5X5: re.compile(r"^([A-E])\s*[-/ ]?\s*([1-5])\s*[-/ ]?\s*([1-5])$"),
    GradingScheme.EUROPOL: re.compile(r"^([ABCX])\s*[-/ ]?\s*([1-4])\s*[-/ ]?\s*(H[0-3])$"),
}

ACTION_CODES = {
    "A1": "may be combined with other intelligence but no direct action; ask the originator",
    "A2": "covert action may be taken; protect the source; not usable alone as evidence",
    "A3": "overt action permitted as the originator specifies",
}
SANITISATION_CODES = {
    "S1": "originator allows sanitisation for wider dissemination without consultation",
    "S2": "no sanitisation for wider dissemination without consulting the originator",
}


def parse_scheme(value: str | GradingScheme | None) -> GradingScheme:
    """Parse a scheme name, defaulting to 3x5x2."""
    if value is None or value == "":
        return DEFAULT_SCHEME
    text = str(value).strip().lower().replace("×", "x")
    for scheme in GradingScheme:
        if text == scheme.value:
            return scheme
    allowed = ", ".join(s.value for s in GradingScheme)
    raise ValidationError(
        f"unknown grading scheme {value!r} (expected {allowed})", "grading_scheme"
    )


@dataclass(frozen=True, slots=True)
class Grade:
    """A grade in one scheme: source, intelligence and handling parts."""

    scheme: GradingScheme
    source: str
    intelligence: str
    handling: str

    @classmethod
    def parse(cls, text: str, scheme: str | GradingScheme | None = None) -> Grade:
        """Parse `2BC`, `B24` or `B2-H1` in the given scheme, refusing anything else."""
        sch = parse_scheme(scheme)
        raw = str(text).strip().upper()
        match = _PATTERNS[sch].match(raw)
        if match is None:
            example = {"3x5x2": "2BP", "5x5x5": "B24", "europol": "B2-H1"}[sch.value]
            raise ValidationError(
                f"invalid {sch.value} grade {text!r} (expected e.g. {example!r})", "grading"
            )
        return cls(sch, match.group(1), match.group(2), match.group(3))

    def __str__(self) -> str:
        if self.scheme is GradingScheme.EUROPOL:
            return f"{self.source}{self.intelligence}-{self.handling}"
        return f"{self.source}{self.intelligence}{self.handling}"

    def describe(self) -> dict[str, str]:
        """Each part's meaning, for display next to the code."""
        parts = (self.source, self.intelligence, self.handling)
        return {
            name: f"{code}: {codes[code]}"
            for (name, codes), code in zip(SCHEMES[self.scheme], parts, strict=True)
        }

    @property
    def conditional(self) -> bool:
        """Whether this grade's handling requires stated conditions."""
        return (self.scheme is GradingScheme.UK_3X5X2 and self.handling == "C") or (
            self.scheme is GradingScheme.EUROPOL and self.handling == "H3"
        )


@dataclass(frozen=True, slots=True)
class HandlingConditions:
    """Conditions attached to a conditional handling code (3x5x2 `C`, Europol `H3`)."""

    action_code: str | None = None
    sanitisation_code: str | None = None
    instructions: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.action_code or self.sanitisation_code or self.instructions)


def check_conditions(
    grade: Grade,
    action_code: str | None = None,
    sanitisation_code: str | None = None,
    instructions: str | None = None,
) -> HandlingConditions:
    """Validate handling conditions against the grade they qualify."""
    action = (action_code or "").strip().upper() or None
    sanit = (sanitisation_code or "").strip().upper() or None
    text = (instructions or "").strip() or None
    if action is not None and action not in ACTION_CODES:
        raise ValidationError(
            f"invalid action code {action_code!r} (expected A1, A2 or A3)", "action_code"
        )
    if sanit is not None and sanit not in SANITISATION_CODES:
        raise ValidationError(
            f"invalid sanitisation code {sanitisation_code!r} (expected S1 or S2)",
            "sanitisation_code",
        )
    conditions = HandlingConditions(action, sanit, text)
    if grade.scheme is GradingScheme.UK_3X5X2:
        if grade.handling == "C" and conditions.empty:
            raise ValidationError(
                f"grade {grade} has handling code C: give an action code, a sanitisation code "
                "or handling instructions",
                "grading",
            )
        if grade.handling == "P" and not conditions.empty:
            raise ValidationError(
                f"grade {grade} has handling code P: conditions are only allowed with code C",
                "grading",
            )
    else:
        if action or sanit:
            raise ValidationError(
                "action and sanitisation codes belong to 3x5x2 handling code C, "
                f"not to {grade.scheme.value}",
                "action_code" if action else "sanitisation_code",
            )
        if grade.conditional and not text:
            raise ValidationError(
                f"grade {grade} has SIENA handling code H3: give handling instructions", "grading"
            )
    return conditions
