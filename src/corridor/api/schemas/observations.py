"""Sensor observations (`/observations`, `/entities/{id}/observations`): one model per kind,
derived like the store's tables from the kinds' field declarations, so that a field added to a
kind is documented (and served) with no change here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, create_model

from corridor.api.schemas import Day, Timestamp
from corridor.api.schemas.provenance import (
    ACTION_CODE,
    AGENCY,
    CLASSIFICATION,
    COLLECTED_AT,
    GRADING,
    GRADING_SCHEME,
    HANDLING_INSTRUCTIONS,
    PERSON_CATEGORY,
    REVIEW_BY,
    SANITISATION_CODE,
    SOURCE_REF,
)
from corridor.model.observations import SPECS, KindSpec
from corridor.store.tables import OBSERVATIONS

_TYPES: dict[str, Any] = {
    "VARCHAR": str,
    "DOUBLE": float,
    "INTEGER": int,
    "BIGINT": int,
    "SMALLINT": int,
    "TIMESTAMPTZ": Timestamp,
    "DATE": Day,
    "BOOLEAN": bool,
}

DESCRIPTIONS = {
    "id": "The observation's id in this node (stable across re-ingests of the same read).",
    "source_id": "The sensor system's own id for the read.",
    "observed_at": "When the sensor observed it.",
    "lat": "Latitude, WGS 84.",
    "lon": "Longitude, WGS 84.",
    "sensor_id": "The camera, scanner, drone or patrol that observed it.",
    "place": "The site or crossing point.",
    "plate": "The plate, normalised for matching (what `plate=` queries compare).",
    "plate_raw": "The plate as the sensor read it.",
    "phone": "A phone number in E.164 form.",
    "plate_country": "The plate's country (ISO 3166 alpha-2).",
    "confidence": "The sensor's confidence in the read, 0 to 1.",
    "people_count": "How many people were seen or detected.",
    "heading_deg": "Heading in degrees from north.",
    "result": "What the scan found: clear, people, drugs, weapons, cash or other.",
    "nationality": "The nationality stated or assessed (ISO 3166 alpha-3).",
    "country": "The country of the border section (ISO 3166 alpha-2).",
    "agency": AGENCY,
    "source_ref": SOURCE_REF,
    "collected_at": COLLECTED_AT,
    "grading_scheme": GRADING_SCHEME,
    "grading": GRADING,
    "action_code": ACTION_CODE,
    "sanitisation_code": SANITISATION_CODE,
    "handling_instructions": HANDLING_INSTRUCTIONS,
    "classification": CLASSIFICATION,
    "person_category": PERSON_CATEGORY,
    "review_by": REVIEW_BY,
    "ingest_id": "The ingest (or received package, `pkg-…`) that stored it.",
    "first_seen": "When this node first stored it.",
}


def _kind_model(spec: KindSpec) -> type[BaseModel]:
    """A kind's observation as the API writes it: `kind`, then its table's columns in order;
    a column that is null is left out of the answer."""
    fields: dict[str, Any] = {"kind": (Literal[spec.kind.value], ...)}
    for column in OBSERVATIONS[spec.kind].columns:
        name = column.name
        # Classifications are stored as levels and written as their labels.
        kind = str if name == "classification" else _TYPES[column.type]
        fields[name] = (kind | None, Field(default=None, description=DESCRIPTIONS.get(name)))
    title = spec.kind.value.title()
    return create_model(
        f"{title}Observation",
        __doc__=f"One {spec.kind.value} observation (fields that are empty are left out).",
        __module__=__name__,
        **fields,
    )


#: One model per kind of observation.
MODELS = {kind: _kind_model(spec) for kind, spec in SPECS.items()}

if TYPE_CHECKING:
    Observation = BaseModel
else:
    Observation = Annotated[Union[tuple(MODELS.values())], Field(discriminator="kind")]  # noqa: UP007


class Observations(BaseModel):
    total: int
    results: list[Observation]


class SubjectKeys(BaseModel):
    plates: list[str] = Field(description="The entity's plates, normalised.")
    phones: list[str] = Field(description="The entity's phone numbers, E.164.")


class EntityObservations(BaseModel):
    subject: SubjectKeys = Field(description="The keys the observations were found by.")
    total: int
    results: list[Observation]
