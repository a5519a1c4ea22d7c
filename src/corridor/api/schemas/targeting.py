"""Answers of vehicle targeting (`/targeting`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from corridor.api.schemas import Timestamp


class ReasonModel(BaseModel):
    code: str = Field(description="watchlist, records, convoy, shuttle, clone, scan_hit or "
                      "odd_hour.")  # fmt: skip
    ratio: float = Field(description="Its likelihood ratio (find over clear), learnt from the "
                         "scans you may see.")  # fmt: skip
    evidence: str = Field(description="What shows it.")


class TargetModel(BaseModel):
    plate: str = Field(description="The plate, normalised for matching.")
    score: float = Field(description="The probability a scan finds something, 0 to 1.")
    eta: Timestamp = Field(description="When it should reach the crossing point.")
    last_read: str = Field(description="The read it was last seen in (`/observations` id).")
    last_camera: str
    km_away: float = Field(description="How far from the crossing point it was then.")
    reasons: list[ReasonModel] = Field(description="Why it was picked, strongest first.")


class TargetListModel(BaseModel):
    crossing: str
    at: Timestamp
    expected: int = Field(description="Vehicles expected there, before `top` is applied.")
    targets: list[TargetModel]
    scans_learnt: int = Field(description="The scans the ratios were learnt from.")
    finds_learnt: int = Field(description="Of those, the ones that found something.")
    ratios: dict[str, float] = Field(description="Each indicator's learnt likelihood ratio.")
