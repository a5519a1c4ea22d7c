"""Answers of `/routes/crossings`: crossing events as JSON, or as a GeoJSON FeatureCollection."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from corridor.api.schemas import Timestamp
from corridor.api.schemas.provenance import CLASSIFICATION


class GradingModel(BaseModel):
    agency: str
    grading_scheme: str = Field(description="3x5x2, 5x5x5 or europol.")
    grading: str = Field(description="The grade the agency gave the record.")


class LinkedDetectionModel(BaseModel):
    """A border detection made at the event's place around its time."""

    id: str = Field(description="The detection (`/observations` id).")
    detected_at: Timestamp
    place: str = Field(description="The crossing point it names.")
    country: str = Field(description="The country whose officers made it (ISO 3166-1).")
    direction: str = Field(description="entry into or exit from `country`; empty if unrecorded.")
    people: int
    nationality: str
    plate: str
    phone: str


class KeyMatchModel(BaseModel):
    kind: str = Field(description="vehicle (a plate) or phone.")
    key: str = Field(description="The plate or number on a sighting or linked detection.")
    entity_ids: list[str] = Field(description="The entities holding it.")


class CrossingModel(BaseModel):
    """A group crossing a border (or trying to), as sightings show it."""

    crossing_id: str = Field(description="Numbered by first sighting, within this answer.")
    at: Timestamp = Field(description="The middle sighting's time.")
    first_seen: Timestamp
    last_seen: Timestamp
    lat: float = Field(description="The mean position of its sightings.")
    lon: float
    crossing_point: str = Field(description="The nearest crossing point within reach, or empty.")
    sector: str = Field(description="The border section detections at that point name most.")
    people: int = Field(
        description="The largest count of any of its sightings or linked detections (each "
        "count misses people: hidden under trees, or gone before officers came)."
    )
    sensors: int = Field(description="How many sensors saw it.")
    corroborated: bool = Field(description="Seen by two sensors or more, or a detection backs it.")
    heading_deg: float | None = Field(description="The circular mean of its sightings' headings.")
    heading_agreement: float | None = Field(
        description="Their mean resultant length: 1 all alike, near 0 pointing every way."
    )
    from_country: str = Field(description="Where it came from (ISO 3166-1), empty if unknown.")
    to_country: str = Field(description="Where it went (ISO 3166-1), empty if unknown.")
    direction_basis: str = Field(description="headings, detections, or empty: what says so.")
    classification: str = Field(description=CLASSIFICATION)
    gradings: list[GradingModel] = Field(description="Of its sightings and linked detections.")
    sighting_ids: list[str] = Field(description="Its sightings (`/observations` ids).")
    detections: list[LinkedDetectionModel]
    entity_ids: list[str] = Field(description="Vehicles and phones its plates and numbers name.")
    matches: list[KeyMatchModel]


class Crossings(BaseModel):
    crossings: list[CrossingModel]
    total: int


class PointGeometry(BaseModel):
    type: Literal["Point"]
    coordinates: list[float] = Field(description="[longitude, latitude] (RFC 7946).")


class CrossingFeature(BaseModel):
    type: Literal["Feature"]
    geometry: PointGeometry
    properties: CrossingModel


class CrossingCollection(BaseModel):
    """`?format=geojson`: the same events as a GeoJSON FeatureCollection, served as
    `application/geo+json`."""

    type: Literal["FeatureCollection"]
    features: list[CrossingFeature]
