"""Answers of the sensor analyses (`/anpr/convoys`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from corridor.api.schemas import Timestamp
from corridor.api.schemas.provenance import CLASSIFICATION


class ConvoyMemberModel(BaseModel):
    plate: str = Field(description="The plate, normalised for matching.")
    first_seen: Timestamp = Field(description="Its first read while with the others.")
    last_seen: Timestamp = Field(description="Its last read while with the others.")
    reads: int = Field(description="How many of its reads show it with the others.")
    read_ids: list[str] = Field(description="Those reads (`/observations` ids).")


class ConvoyModel(BaseModel):
    """Vehicles that passed the same cameras together on one journey."""

    convoy_id: str = Field(description="Numbered by first seen, within this answer.")
    first_seen: Timestamp
    last_seen: Timestamp
    cameras: int = Field(description="The most cameras two of them passed together.")
    classification: str = Field(description=CLASSIFICATION)
    members: list[ConvoyMemberModel]


class Convoys(BaseModel):
    convoys: list[ConvoyModel]
    total: int
