"""Answers of the sensor analyses (`/anpr/convoys`, `/anpr/journeys/{plate}`, `/anpr/clones`,
`/anpr/shuttles`)."""

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


class JourneyStepModel(BaseModel):
    read_id: str = Field(description="The read (`/observations` id).")
    plate_read: str = Field(description="The plate as the camera read it (a misread as read).")
    camera: str
    at: Timestamp
    lat: float
    lon: float
    km: float | None = Field(
        description="Great-circle km from the previous read's camera (none on a journey's first)."
    )
    seconds: float | None = Field(description="Seconds since the previous read.")
    kmh: float | None = Field(
        description="The speed that implies (none where no time passed between two places)."
    )
    classification: str = Field(description=CLASSIFICATION)


class JourneyModel(BaseModel):
    """Consecutive reads of one vehicle with no long gap and no turning back."""

    journey_id: str = Field(description="Numbered in time order, within this answer.")
    first_seen: Timestamp
    last_seen: Timestamp
    km: float = Field(description="The great-circle km between its reads, added up.")
    reads: int
    classification: str = Field(description=CLASSIFICATION)
    steps: list[JourneyStepModel]


class Journeys(BaseModel):
    plate: str = Field(description="The plate asked for, normalised.")
    vehicle: str = Field(
        description="The plate its reads are taken for: itself, unless read so rarely beside a "
        "look-alike that its reads are taken for misreads of that one."
    )
    reads: int
    journeys: list[JourneyModel]


class ImpossiblePairModel(BaseModel):
    """Two consecutive reads of one plate too far apart for the time between them."""

    first_read: str
    second_read: str
    first_camera: str
    second_camera: str
    first_at: Timestamp
    second_at: Timestamp
    km: float = Field(description="Great-circle km between the two cameras.")
    hours: float
    kmh: float | None = Field(description="The speed it implies (none where no time passed).")
    doubtful: bool = Field(
        description="A read of it may be a misread of a look-alike plate (it counts a tenth)."
    )
    classification: str = Field(description=CLASSIFICATION)


class CloneModel(BaseModel):
    """A plate two vehicles seem to wear."""

    plate: str
    score: float = Field(description="Its impossible pairs, a doubtful one counting a tenth.")
    first_seen: Timestamp
    last_seen: Timestamp
    classification: str = Field(description=CLASSIFICATION)
    pairs: list[ImpossiblePairModel]


class Clones(BaseModel):
    clones: list[CloneModel]
    total: int = Field(description="Cloned plates found, before the limit.")


class RunModel(BaseModel):
    """A night journey toward a crossing point, with a journey back within a day."""

    first_seen: Timestamp
    last_seen: Timestamp
    returned_at: Timestamp = Field(description="The first read of the journey back.")
    toward: str = Field(description="The crossing point it headed for.")
    km_from: float = Field(description="Great-circle km from that point where it started.")
    km_to: float = Field(description="Great-circle km from that point where it ended.")
    classification: str = Field(description=CLASSIFICATION)


class ShuttleModel(BaseModel):
    plate: str
    runs: int
    journeys: int = Field(description="Its journeys between two places.")
    score: float = Field(
        description="-log10 of the chance of at least as many runs in as many journeys at the "
        "traffic's own rate of runs."
    )
    classification: str = Field(description=CLASSIFICATION)
    run_list: list[RunModel]


class Shuttles(BaseModel):
    shuttles: list[ShuttleModel]
    total: int = Field(description="Plates with runs, before the limit.")


class VehicleAlertModel(BaseModel):
    """A camera read of a watchlisted plate."""

    read_id: str = Field(description="The read (`/observations` id).")
    source_id: str = Field(description="Its id in the agency's own feed.")
    plate: str = Field(description="The plate, normalised for matching.")
    at: Timestamp
    camera: str
    lat: float
    lon: float
    agency: str
    classification: str = Field(description=CLASSIFICATION)
    entity_id: str = Field(description="The watchlist entry (a Vehicle entity).")
    reason: str = Field(description="What the entry says of the vehicle.")


class VehicleAlerts(BaseModel):
    alerts: list[VehicleAlertModel]
    total: int
