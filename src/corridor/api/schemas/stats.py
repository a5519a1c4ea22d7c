"""Counts the caller is cleared to see (`/stats/counts`) and Frontex detections."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AgencyCounts(BaseModel):
    agency: str
    entities: int
    statements: int
    observations: dict[str, int] = Field(description="By kind of observation.")


class Counts(BaseModel):
    agencies: list[AgencyCounts]


class NationalityDetections(BaseModel):
    iso3: str
    name: str
    detections: int


class MonthDetections(BaseModel):
    month: str
    detections: int


class FrontexDetections(BaseModel):
    """Frontex detections of illegal border crossings: detections, not people."""

    route: str
    year: int | None
    total: int
    by_nationality: list[NationalityDetections]
    by_month: list[MonthDetections]


class ForecastMonth(BaseModel):
    month: str = Field(description="YYYY-MM.")
    forecast: float = Field(description="The median forecast of the month's detections.")
    lower: float = Field(description="The prediction interval's lower bound.")
    upper: float = Field(description="The prediction interval's upper bound.")


class FrontexForecast(BaseModel):
    """The next months of Frontex detections on a route (detections, not people)."""

    route: str
    nationality: str | None
    model: str
    level: float = Field(description="The prediction interval's coverage, e.g. 0.8.")
    last_observed: str = Field(description="The last month of data the forecast starts after.")
    months: list[ForecastMonth]
