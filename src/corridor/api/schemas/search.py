"""Name search over the node's own entities (`/search`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from corridor.api.schemas.provenance import SCHEMA


class NameHit(BaseModel):
    id: str
    schema_: str = Field(alias="schema", description=SCHEMA)
    caption: str
    score: float = Field(description="How well the names matched, 0 to 1.")
    matched_names: list[str] = Field(description="The entity's names that matched the query.")
    properties: dict[str, list[str]] = Field(description="FtM properties the caller may see.")


class NameSearch(BaseModel):
    query: str
    total: int
    results: list[NameHit] = Field(description="Best first.")
