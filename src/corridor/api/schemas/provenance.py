"""Provenance: what each field says about a value, once for statements, observations and
shared rows."""

from __future__ import annotations

from pydantic import BaseModel, Field

from corridor.api.schemas import Day, Timestamp

AGENCY = (
    "The agency that holds the value and answers for it: country code and agency "
    "(`RS-MUP`, `GB-NCA`)."
)
SOURCE_REF = "The originator's reference for the record the value came from (a row, a report)."
COLLECTED_AT = "When the originator collected the value, where known."
GRADING = (
    "The intelligence grade, in its scheme: 3x5x2 `2BP` (source evaluation 1 reliable, "
    "2 untested, 3 not reliable; intelligence assessment A known directly to the source … "
    "E suspected to be false; handling P lawful sharing permitted, C permitted with "
    "conditions), 5x5x5 `B24`, or Europol `B2-H1` (SIENA handling code H0–H3)."
)
GRADING_SCHEME = (
    "The scheme of `grading`: `3x5x2`, `5x5x5` or `europol` (grades are never converted "
    "from one scheme to another)."
)
ACTION_CODE = (
    "Condition on action under a conditional handling code (3x5x2 `C`, Europol `H3`): A1 no "
    "direct action (ask the originator), A2 covert action only, A3 overt action as the "
    "originator specifies."
)
SANITISATION_CODE = (
    "Condition on sanitisation under a conditional handling code: S1 may be sanitised for "
    "wider dissemination without consulting the originator, S2 not without consulting them."
)
HANDLING_INSTRUCTIONS = "The originator's handling instructions, in their words."
CLASSIFICATION = (
    "UK Government Security Classification: `OFFICIAL`, `OFFICIAL-SENSITIVE`, `SECRET` or "
    "`TOP SECRET`. A reader sees the value only when cleared to it."
)
PERSON_CATEGORY = (
    "The category of the person the value is about, kept distinct as data-protection law "
    "requires: suspect, convicted, victim, witness, contact or other."
)
REVIEW_BY = "The day by which the originator must review whether the value is still needed."
SCHEMA = "The FollowTheMoney schema (`Person`, `Vehicle`, `Company`, …)."


class Provenance(BaseModel):
    """Who holds a value, where it came from, and how it is graded, handled and classified."""

    agency: str = Field(description=AGENCY)
    source_ref: str | None = Field(description=SOURCE_REF)
    collected_at: Timestamp | None = Field(description=COLLECTED_AT)
    grading: str = Field(description=GRADING)
    grading_scheme: str = Field(description=GRADING_SCHEME)
    action_code: str | None = Field(description=ACTION_CODE)
    sanitisation_code: str | None = Field(description=SANITISATION_CODE)
    handling_instructions: str | None = Field(description=HANDLING_INSTRUCTIONS)
    classification: str = Field(description=CLASSIFICATION)
    person_category: str | None = Field(description=PERSON_CATEGORY)
    review_by: Day | None = Field(description=REVIEW_BY)
