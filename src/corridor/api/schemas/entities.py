"""Entities assembled from the statements the caller may see, each value with its provenance
(`/entities`, `/entities/{id}`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Discriminator, Field, Tag

from corridor.api.schemas import Timestamp
from corridor.api.schemas.provenance import SCHEMA, Provenance
from corridor.api.schemas.screening import ListedEntity


class Received(BaseModel):
    """Where a value a partner shared came from (beside the originator's own provenance)."""

    package_id: str = Field(description="The package it came in (see `GET /shares/received`).")
    received_at: Timestamp | None = Field(description="When this node received it.")


class Statement(BaseModel):
    """One property value of an entity, with its provenance."""

    id: str = Field(
        description="The statement's id: a hash of the value with its provenance, so that the "
        "same value from the same source is stored once and from two sources twice."
    )
    entity_id: str = Field(description="The entity (source record) the value belongs to.")
    prop: str = Field(description="The FollowTheMoney property (`name`, `birthDate`, …).")
    value: str
    dataset: str | None = Field(description="The dataset of the value (its agency's).")
    first_seen: Timestamp | None = Field(description="When this node first stored the value.")
    provenance: Provenance
    received: Received | None = Field(
        description="For a value a partner shared: the package it came in and when; `null` "
        "for the node's own."
    )


class Entity(BaseModel):
    """A FollowTheMoney entity assembled from the statements the caller may see: the plain
    FtM entity, plus every value's provenance under `statements` (FtM tools ignore it)."""

    id: str
    caption: str = Field(description="The entity's display name.")
    schema_: str = Field(alias="schema", description=SCHEMA)
    referents: list[str] = Field(description="Other ids the entity's statements were made under.")
    datasets: list[str] = Field(description="The datasets its statements come from.")
    origin: list[str] | None = Field(
        default=None, description="The statements' source references (present when any has one)."
    )
    first_seen: Timestamp | None = Field(
        default=None, description="Present when statements carry it."
    )
    last_seen: Timestamp | None = Field(
        default=None, description="Present when statements carry it."
    )
    last_change: Timestamp | None = Field(
        default=None, description="Present when statements carry it."
    )
    properties: dict[str, list[str]] = Field(
        description="FtM properties: property name to its values (those the caller may see)."
    )
    statements: list[Statement] = Field(description="Every value, with its provenance.")


class EntityPage(BaseModel):
    results: list[Entity]
    limit: int
    offset: int


def _record_or_listed(value: Any) -> str:
    """A node's record has `statements`; a listed entity (a yente client fetching a match
    result by id) has yente's shape."""
    if isinstance(value, dict):
        return "record" if "statements" in value else "listed"
    return "record" if isinstance(value, Entity) else "listed"


#: `GET /entities/{id}`: one of the node's entities, or else a listed one.
EntityOrListed = Annotated[
    Annotated[Entity, Tag("record")] | Annotated[ListedEntity, Tag("listed")],
    Discriminator(_record_or_listed),
]
