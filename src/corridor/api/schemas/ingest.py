"""What an ingest did (`/ingest`)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class IngestSummary(BaseModel):
    file: str
    kind: str = Field(description="How the file was read (`tabular`, `ftm`, `anpr`, …).")
    rows_read: int
    statements_added: int = Field(description="New statements (a value already held is not).")
    observations_added: int
    seconds: float
    linked: dict[str, int] = Field(description="Pairs found by incremental resolution, by kind.")
    alerts: int = Field(description="Screening alerts raised on the ingested entities.")
    conflicts: int = Field(
        description="Readings stored beside a reading held under the same source id (a read or "
        "scan id) with other content: both are kept; check the source."
    )
    conflict_examples: list[str] = Field(
        description="The first conflicting source ids, as `kind:id`."
    )
    follow_up_pending: bool = Field(
        description="Linking or screening the ingested records failed this time; the node "
        "retries it with the next ingest or start (the file itself is stored)."
    )
