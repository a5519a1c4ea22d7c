"""Entity resolution (`/entities/{id}/matches`, `/entities/{id}/canonical`, `/judgements`,
`/resolve`): candidate pairs with their explanations, judgements, merged entities."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from corridor.api.schemas import Timestamp
from corridor.api.schemas.entities import Entity


class FieldComparison(BaseModel):
    """How one field of the two records compared, and what that weighed."""

    field: str = Field(description="The comparison (`name`, `dob`, `phone`, …).")
    description: str
    level: str = Field(description="The level of agreement reached (`exact`, `else`, …).")
    agrees: bool = Field(description="Whether this level counts for the match (weight > 0).")
    weight: float = Field(description="Its match weight, in bits (log2 of m/u).")
    left: Any = Field(description="The first record's value(s) compared, as the caller sees them.")
    right: Any = Field(description="The second record's value(s) compared.")


class PairExplanation(BaseModel):
    """Why two records score what they do, field by field, under the current model."""

    probability: float = Field(description="The probability that they are the same, 0 to 1.")
    match_weight: float = Field(description="The prior weight plus every field's, in bits.")
    prior_weight: float = Field(description="The weight before any field is compared.")
    fields: list[FieldComparison]


class Candidate(BaseModel):
    id: str = Field(description="The other record.")
    probability: float = Field(description="The probability of a match, as last resolved.")
    match_weight: float
    same_cluster: bool = Field(description="Whether the two are now in one cluster.")
    explanation: PairExplanation


class Matches(BaseModel):
    id: str
    cluster_id: str | None = Field(
        description="The entity's cluster, named by its least member the caller may see."
    )
    matches: list[Candidate] = Field(
        description="Best first; records the caller may not see are left out."
    )


class CanonicalEntity(Entity):
    """The merged entity of a cluster; every statement keeps its source record (`entity_id`)."""

    members: list[str] = Field(description="The cluster's records the caller may see.")
    cluster_id: str


class Judgement(BaseModel):
    """An analyst's judgement on a pair: it overrides the model, now and in every re-run."""

    id: str
    left_id: str
    right_id: str
    verdict: str = Field(description="`positive` (the same), `negative` (not) or `unsure`.")
    user_name: str
    at: Timestamp
    note: str | None = Field(
        description="Why; shown only to readers cleared to `classification` (else null)."
    )
    classification: str | None = Field(
        description="The judge's clearance when judging: the note's classification (null: "
        "recorded before it was kept; the note is then shown only to TOP SECRET readers)."
    )


class JudgementMade(Judgement):
    clusters: dict[str, str] = Field(description="Each record's cluster after the judgement.")


class Judgements(BaseModel):
    id: str
    judgements: list[Judgement] = Field(description="Oldest first.")


class ResolutionRun(BaseModel):
    run_id: str
    kind: str
    engine: str
    records: int
    pairs: int = Field(description="Pairs kept (probability above 0.05).")
    clusters: int
    multi_record_clusters: int = Field(description="Clusters of more than one record.")
    seconds: float
