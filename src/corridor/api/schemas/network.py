"""Networks (`/network…`): what the network holds, communities, the disruption ranking,
neighbourhoods and paths, each link with the evidence behind it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class NetworkSummary(BaseModel):
    nodes: int
    links: int
    nodes_by_kind: dict[str, int]
    links_by_kind: dict[str, int]
    evidence_items: int = Field(description="Records behind the links (each counted once).")
    reference: str | None = Field(
        description="The time link weights decay from: the as-of day's end, else the latest "
        "evidence."
    )
    people: int
    people_links: int = Field(
        description="Links between people, other nodes (groups, vehicles, accounts) folded in."
    )
    communities: int
    as_of: str | None


class NetworkEvidence(BaseModel):
    record_id: str = Field(description="The record that asserts the tie (a call, an Associate…).")
    statement_ids: list[str]
    agency: str
    grading: str | None
    grading_scheme: str | None
    classification: str
    at: str | None = Field(description="When the tie was seen: the event's time, else collected.")
    dated: bool = Field(description="Whether `at` is the event's own time.")
    trust: float = Field(description="What its grade (and any attribution) is trusted, 0–1.")
    origin: str | None = Field(
        None, description="Who the tie went out from: a payment's payer, a call's caller."
    )
    inferred: bool = Field(
        False,
        description="Inferred, not recorded: a call attributed through a burner succession.",
    )


class NetworkLink(BaseModel):
    a: str
    b: str
    kind: str = Field(description="Associate, Call, Payment, co-mention, shared phone, …")
    via: str | None = Field(description="The report, key or node the two share, if any.")
    weight: float = Field(description="0–1, from how many items, how graded and how recent.")
    first_seen: str | None
    last_seen: str | None
    classification: str
    inferred: bool = Field(False, description="All its evidence inferred (burner churn).")
    evidence: list[NetworkEvidence]


class NetworkNode(BaseModel):
    id: str = Field(description="The canonical entity: the least of its record ids.")
    kind: str
    schema_: str = Field(alias="schema")
    label: str
    record_ids: list[str]
    categories: list[str] = Field(description="Categories of person its records were given.")

    model_config = ConfigDict(populate_by_name=True)


class ReachedNode(NetworkNode):
    hops: int


class CommunityRow(BaseModel):
    entity_id: str
    community: int


class Communities(BaseModel):
    as_of: str | None
    communities: list[CommunityRow]


class RankReasons(BaseModel):
    reach: float = Field(description="Share lost with the pairs it was one end of.")
    bridging: float = Field(description="Share lost as paths between others lengthen or break.")
    degree: int
    betweenness: float
    pagerank: float
    community: int
    disruption: float = Field(
        0.0, description="Share of the suspects' connectivity lost if taken out."
    )
    role: str = Field("unknown", description="The inferred role (see /network/roles).")
    role_support: float = Field(0.0, description="The role's joint support, 0–1.")
    why: list[str] = Field(default_factory=list, description="The reasons, in words.")


class RankRow(BaseModel):
    entity_id: str
    score: float = Field(
        description="Priority: the disruption (the share of people it is above) times the weight "
        "of the inferred role (an organiser or money handler before a replaceable driver)."
    )
    record_ids: list[str]
    label: str
    categories: list[str]
    reasons: RankReasons


class Ranking(BaseModel):
    as_of: str | None
    results: list[RankRow]


class PathStep(BaseModel):
    from_: str = Field(alias="from")
    to: str
    at: str
    kind: str
    record_id: str

    model_config = ConfigDict(populate_by_name=True)


class NetworkPath(BaseModel):
    from_: str = Field(alias="from")
    to: str
    within: float | None = Field(description="The window in days (a time-respecting path).")
    found: bool
    nodes: list[NetworkNode]
    links: list[NetworkLink]
    steps: list[PathStep] = Field(description="Time-respecting: each link, in time order.")

    model_config = ConfigDict(populate_by_name=True)


class Expansion(BaseModel):
    id: str
    hops: int
    truncated: bool
    nodes: list[ReachedNode]
    links: list[NetworkLink]


class RoleSignal(BaseModel):
    signal: str = Field(description="An observed habit: vehicles operated, people paid, …")
    value: float
    record_ids: list[str] = Field(description="Records that show it (at most 50).")


class RoleStatement(BaseModel):
    role: str
    weight: float = Field(description="0.8 × the statement's trust (its grading), or half.")
    record_id: str
    agency: str
    grading: str | None
    text: str = Field(description="The words as the record has them.")
    reading: str = Field(description="member, party, counterpart or either party.")


class RoleRow(BaseModel):
    entity_id: str
    record_ids: list[str]
    label: str
    role: str = Field(
        description="organiser, recruiter, driver, safe-house keeper, forger, spotter, "
        "money handler or unknown: from behaviour and the roles records state, each "
        "statement weighed by its grading."
    )
    score: float = Field(description="The role's score, 0–1.")
    scores: dict[str, float] = Field(description="Every role's score.")
    evidence: list[RoleSignal]
    statements: list[RoleStatement] = Field(
        default_factory=list, description="What records state of the role, with their weight."
    )
    behaviour: dict[str, float] = Field(
        default_factory=dict, description="Each role's support from behaviour alone."
    )
    stated: dict[str, float] = Field(
        default_factory=dict, description="Each role's support from statements alone."
    )


class Roles(BaseModel):
    as_of: str | None
    results: list[RoleRow]


class TimelineEvent(BaseModel):
    at: str
    kind: str = Field(
        description="call, payment, trip (or another event), report, link first seen, "
        "sighting, crossing."
    )
    entity: str = Field(description="Whose event it is (a canonical entity).")
    other: str | None = Field(description="The other party, or the vehicle seen.")
    record_id: str = Field(description="The record or observation it comes from.")
    detail: str
    classification: str


class Timeline(BaseModel):
    id: str
    community: bool
    members: list[str]
    as_of: str | None
    truncated: bool
    events: list[TimelineEvent]


class BrokerCommunity(BaseModel):
    community: int
    share: float = Field(description="The share of the person's link weight into it.")


class BrokerRow(BaseModel):
    entity_id: str
    score: float = Field(description="Participation coefficient × betweenness (share of top).")
    label: str
    record_ids: list[str]
    community: int = Field(description="The person's own community.")
    communities: list[BrokerCommunity] = Field(description="Every community they are tied to.")
    participation: float = Field(description="1 − Σ (share into each community)², 0–1.")
    betweenness: float = Field(description="As a share of the network's highest.")
    evidence: list[str] = Field(description="Records of their ties into other communities.")


class Brokers(BaseModel):
    as_of: str | None
    results: list[BrokerRow]


class SuccessionRow(BaseModel):
    old_phone: str
    new_phone: str
    score: float = Field(description="Overlap of contacts × how soon the new one started, 0–1.")
    shared_contacts: list[str] = Field(description="People (or numbers) both called.")
    gap_days: float = Field(
        description="Days from the old number's last call to the new one's first."
    )
    old_last_call: str
    new_first_call: str
    old_users: list[str] = Field(description="Known users of the old number.")
    new_users: list[str] = Field(description="Known users of the new number.")
    record_ids: list[str] = Field(description="The calls with the shared contacts.")
    classification: str


class Successions(BaseModel):
    as_of: str | None
    results: list[SuccessionRow]


class ChangeRow(BaseModel):
    change: str = Field(description="joined, left, link appeared, link ended or moved.")
    entity_id: str
    other_id: str | None = Field(description="The other end of a link.")
    kind: str | None = Field(description="The link's kind.")
    at: str | None = Field(description="First seen (joined, appeared), last seen (left, ended).")
    detail: str
    record_ids: list[str]
    from_community: int | None
    to_community: int | None


class Changes(BaseModel):
    from_: str = Field(alias="from")
    to: str
    as_of: str | None
    counts: dict[str, int]
    changes: list[ChangeRow]

    model_config = ConfigDict(populate_by_name=True)
