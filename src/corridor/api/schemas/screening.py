"""Screening: yente's response shapes for `/match`, `/search/{dataset}`, `/entities/{id}` (a
listed entity), `/catalog` and `/algorithms` (after yente's `yente/data/common.py`, field for
field, so that yente clients read them unchanged), and the alerts continuous screening raises.

Corridor adds to yente's shapes, never takes away: `explanations` beside each result's
`features`, and `listed` on a listed entity fetched by id.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from corridor.api.schemas import Timestamp
from corridor.api.schemas.provenance import SCHEMA


class EntityResponse(BaseModel):
    """A listed entity, as yente returns it."""

    id: str
    caption: str = Field(description="The entity's display name.")
    schema_: str = Field(alias="schema", description=SCHEMA)
    properties: dict[str, list[Any]] = Field(
        description="FtM properties: property name to its values. In match results, "
        "`sanctions` holds the listing's Sanction entities (objects with `id`, `schema` and "
        "`properties`), as yente nests them."
    )
    datasets: list[str] = Field(description="The lists that carry the entity.")
    referents: list[str] = Field(description="Other ids the entity is known by.")
    target: bool = Field(description="Always true: every listed entity is a screening target.")
    first_seen: Timestamp | None = Field(description="When the entity was first listed.")
    last_seen: Timestamp | None = Field(description="When a load last saw it listed.")
    last_change: Timestamp | None = Field(description="When its listing last changed.")


class ListedEntity(EntityResponse):
    """A listed entity fetched by id."""

    listed: bool = Field(description="False once a later load of the list no longer has it.")


class FeatureExplanation(BaseModel):
    """Why one feature scored what it did."""

    score: float = Field(
        description="The feature's contribution: the name score, or the adjustment (negative "
        "for a conflict) the feature made to it."
    )
    detail: str | None = Field(description="What was found, in words.")
    query: str | None = Field(description="The query's value that was compared, if any.")
    candidate: str | None = Field(description="The listed value it was compared with, if any.")


class ScoredEntityResponse(EntityResponse):
    """A match result: the listed entity, its score and why."""

    score: float = Field(description="0 to 1; at or above the threshold is a match.")
    features: dict[str, float] = Field(description="Each feature's score (yente's `features`).")
    explanations: dict[str, FeatureExplanation] = Field(
        description="For each feature in `features`, the values compared and what was found."
    )
    match: bool = Field(description="Whether `score` reached the request's threshold.")
    token: str | None = Field(description="Always null (kept for yente clients).")


class TotalSpec(BaseModel):
    value: int
    relation: str = Field(description="`eq`: `value` is exact.")


#: Bounds on one query: matching costs grow with the text it is given, and one request must
#: not hold the node (a name is never this long; no real query carries this many values).
MAX_VALUE_CHARS = 1000
MAX_VALUES = 50
MAX_PROPERTIES = 60
_Value = Annotated[str, Field(max_length=MAX_VALUE_CHARS)]
_Values = Annotated[list[_Value | int | float], Field(max_length=MAX_VALUES)]


class EntityExample(BaseModel):
    """An entity to match: a query in a `/match` request, and echoed in its answer."""

    model_config = ConfigDict(populate_by_name=True)

    id: str | None = Field(default=None, max_length=200)
    schema_: str = Field(alias="schema", min_length=1, max_length=64, description=SCHEMA)
    properties: dict[Annotated[str, Field(max_length=64)], _Value | _Values] = Field(
        default_factory=dict,
        max_length=MAX_PROPERTIES,
        description=f"FtM property name to a value or a list of values (at most {MAX_VALUES} "
        f"values of {MAX_VALUE_CHARS} characters, {MAX_PROPERTIES} properties).",
    )


class EntityMatches(BaseModel):
    """The answer to one query of a `/match` request."""

    status: int = Field(description="200 for an answered query.")
    results: list[ScoredEntityResponse] = Field(description="Best first, at most `limit`.")
    total: TotalSpec
    query: EntityExample


class FeatureDoc(BaseModel):
    description: str
    coefficient: float = Field(description="The feature's weight (a request may override it).")
    url: str | None


class EntityMatchResponse(BaseModel):
    """yente's answer to `/match`: one `EntityMatches` per named query."""

    responses: dict[str, EntityMatches] = Field(description="By the request's query names.")
    matcher: dict[str, FeatureDoc] = Field(description="The features scored, with their weights.")
    limit: int


class SearchFacetItem(BaseModel):
    name: str
    label: str
    count: int


class SearchFacet(BaseModel):
    label: str
    values: list[SearchFacetItem]


class SearchResponse(BaseModel):
    """yente's answer to `/search/{dataset}`."""

    results: list[EntityResponse]
    total: TotalSpec
    limit: int
    offset: int
    facets: dict[str, SearchFacet] = Field(description="Always empty: no facets are counted.")


class DatasetModel(BaseModel):
    """A loaded list."""

    name: str
    title: str
    summary: str | None = Field(description="How many entries the caller may see, and from what.")
    url: str | None
    load: bool
    entities_url: str | None
    version: str = Field(description="The list's load number (each load of new content adds one).")
    index_version: str | None
    index_current: bool
    children: list[str]


class DataCatalogModel(BaseModel):
    """The loaded lists, counting only entries the caller may see."""

    datasets: list[DatasetModel]
    current: list[str]
    outdated: list[str]
    index_stale: bool


class ConfigField(BaseModel):
    """One setting of an algorithm, as yente documents them."""

    type: str
    default: float
    description: str | None = None


class Algorithm(BaseModel):
    name: str
    description: str | None
    features: dict[str, FeatureDoc]
    config: dict[str, ConfigField] = Field(
        default_factory=dict, description="The algorithm's weights a request may override."
    )


class AlgorithmResponse(BaseModel):
    algorithms: list[Algorithm]
    default: str
    best: str


class ScreeningAlert(BaseModel):
    """A screening hit on one of the node's own entities."""

    id: str
    entity_id: str = Field(description="The node's entity that was screened.")
    dataset: str = Field(description="The list it matched in.")
    list_entity_id: str = Field(description="The listed entity it matched.")
    score: float = Field(description="The match score, 0 to 1.")
    explanation: dict[str, dict[str, Any]] = Field(
        description="Per feature, as in a match result's `explanations`: `score`, `detail`, "
        "and the `query` and `candidate` values compared."
    )
    evidence: str = Field(
        description="A hash of the values the alert was raised on; a decision holds until "
        "either side's values change."
    )
    status: str = Field(description="`open`, `true_match` or `false_positive`.")
    raised_at: Timestamp
    decided_by: str | None
    decided_at: Timestamp | None
    note: str | None = Field(description="The analyst's note with the decision.")


class Alerts(BaseModel):
    alerts: list[ScreeningAlert]
    total: int
