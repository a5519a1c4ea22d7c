"""Answers of the route analyses over activity (`/routes/hotspots`, `/routes/flows`,
`/routes/displacement`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from corridor.api.schemas import Day, Timestamp
from corridor.api.schemas.provenance import CLASSIFICATION


class CellPeriodModel(BaseModel):
    """The activity of one H3 cell in one period."""

    cell: str = Field(description="The H3 cell (hexadecimal index).")
    period: Day = Field(description="The period's first day (a Monday, or the 1st).")
    period_end: Day = Field(description="The day after the period's last.")
    lat: float = Field(description="The cell's centre.")
    lon: float
    events: int = Field(description="Sightings of people, detections and scans that found "
                        "something, made in the cell in the period.")  # fmt: skip
    people: int = Field(description="The people the sightings and detections counted.")
    sightings: int
    detections: int
    scans: int
    expected: float = Field(description="The events the cell's own rate gives the period.")
    p_value: float = Field(description="Exact test of more events than the cell's own rate.")
    q_value: float = Field(description="Benjamini–Hochberg adjusted (1: could never pass).")
    hotspot: bool = Field(description="A burst: q-value at most the false discovery rate.")
    around: int = Field(description="Events in the cell's neighbourhood (itself included).")
    p_concentrated: float = Field(description="Exact test of more events than an even spread "
                                  "of those around would give the cell.")  # fmt: skip
    q_concentrated: float = Field(description="Benjamini–Hochberg adjusted.")
    concentrated: bool = Field(description="More here than around: q at most the rate.")
    classification: str = Field(description=CLASSIFICATION)
    observation_ids: list[str] = Field(description="The events (`/observations` ids).")


class Hotspots(BaseModel):
    resolution: int = Field(description="The H3 resolution of the cells.")
    period: str = Field(description="week or month.")
    start: Day | None = Field(description="The first day analysed (null: no activity).")
    end: Day | None = Field(description="The day after the last.")
    fdr: float = Field(description="The false discovery rate of the hotspots.")
    events: int
    people: int
    unplaced: int = Field(description="Events with no coordinates and no known crossing point.")
    hotspots: int = Field(description="Cell-periods with a burst.")
    concentrated: int = Field(description="Cell-periods with more than the ground around.")
    rings: int = Field(description="The H3 rings of a cell's neighbourhood.")
    cells: list[CellPeriodModel] = Field(description="Every cell-period with activity.")


class PointVolumeModel(BaseModel):
    point: str = Field(description="The crossing point, as the records name it.")
    sector: str = Field(description="The border section its detections name most.")
    lat: float | None
    lon: float | None
    events: int = Field(description="Activity at the point (sightings, detections, scan hits).")
    people: int
    movements_in: int
    movements_out: int
    classification: str = Field(description=CLASSIFICATION)


class SectorVolumeModel(BaseModel):
    sector: str
    points: list[str]
    events: int
    people: int
    movements_in: int
    movements_out: int
    classification: str = Field(description=CLASSIFICATION)


class EdgeModel(BaseModel):
    """Movements from one crossing point to another."""

    from_point: str
    to_point: str
    movements: int
    people: int = Field(description="The most people seen with each key, summed.")
    first: Timestamp = Field(description="The first departure.")
    last: Timestamp = Field(description="The last arrival.")
    keys: list[str] = Field(description="The plates and phones that moved (`plate:…`).")
    classification: str = Field(description=CLASSIFICATION)


class SectorEdgeModel(BaseModel):
    from_sector: str
    to_sector: str
    movements: int
    people: int
    first: Timestamp
    last: Timestamp
    keys: list[str]
    classification: str = Field(description=CLASSIFICATION)


class MovementModel(BaseModel):
    """A plate or phone seen at one crossing point, then next at another."""

    keys: list[str] = Field(description="The plates and phones seen on both observations.")
    from_point: str
    to_point: str
    departed: Timestamp = Field(description="Its last observation at the first point.")
    arrived: Timestamp = Field(description="Its first observation at the second.")
    people: int
    classification: str = Field(description=CLASSIFICATION)
    observation_ids: list[str]


class Flows(BaseModel):
    within_days: int = Field(description="The longest gap between two visits of a movement.")
    points: list[PointVolumeModel]
    sectors: list[SectorVolumeModel]
    edges: list[EdgeModel]
    sector_edges: list[SectorEdgeModel]
    movements: list[MovementModel]
    elsewhere: int = Field(description="Activity events at no crossing point.")


class WindowModel(BaseModel):
    point: int = Field(description="Activity events at the point.")
    neighbours: int = Field(description="Activity events at its neighbours.")
    days: float


class EpisodeModel(BaseModel):
    """Enforcement at a crossing point, and whether activity moved to its neighbours."""

    point: str
    sector: str
    first_week: Day
    last_week: Day
    enforcement: int = Field(description="Detections and scan hits over its weeks.")
    expected: float = Field(description="What the point's own rate gives those weeks.")
    enforcement_q: float
    neighbours: list[str]
    before: WindowModel
    after: WindowModel
    share_before: float | None
    share_after: float | None
    shift: float | None = Field(description="The neighbours' share after less before.")
    p_value: float | None = Field(description="null: nothing to compare.")
    q_value: float | None
    displaced: bool
    classification: str = Field(description=CLASSIFICATION)


class Displacement(BaseModel):
    window_weeks: int
    neighbour_km: float
    episodes: list[EpisodeModel]
    displaced: int
