"""The ranking of whom to take out first: the structural loss (`analysis.disruption`) times
what the person's role costs the organisation (`corridor.network.roles`).

Apart from `analysis` because it reads the roles, which read `analysis`'s communities and
centralities.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from corridor.network import roles
from corridor.network.analysis import (
    MAX_REMOVALS,
    Centrality,
    Disruption,
    centralities,
    communities,
    disruption,
)
from corridor.network.graph import Network

#: How much taking out someone of each role costs the organisation, beside the connectivity
#: lost: the organiser and whoever handles the money hold what a network cannot buy again
#: soon (the contacts, the trust of the relatives who pay, the money itself); a forger's skill
#: and a recruiter's reach on the route are scarcer than a safe house, a lookout or a driver,
#: whom any network replaces within days. An explicit judgement, not fitted to any data, and
#: one place to change it. Someone of unknown role counts as the middle of the scale.
ROLE_WEIGHT: dict[str, float] = {
    "organiser": 1.0, "money handler": 0.9, "forger": 0.6, "recruiter": 0.5,
    "safe-house keeper": 0.4, "spotter": 0.3, "driver": 0.25, "unknown": 0.4,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Ranked:
    node_id: str
    record_ids: list[str]
    label: str
    disruption: Disruption
    centrality: Centrality
    community: int
    #: The inferred role (`corridor.network.roles`) and its joint support.
    role: str = "unknown"
    role_support: float = 0.0
    #: What the ranking orders by: the structural impact (the share of the network's people
    #: whose disruption score is below this one's) times the role's weight (`ROLE_WEIGHT`,
    #: moved towards the unknown's weight as the role's support falls). 0 for victims and
    #: witnesses: no one to take out.
    priority: float = 0.0
    reasons: tuple[str, ...] = ()


def priority(structural: float, role: str, support: float, protected: bool) -> float:
    """The ranking's order: structure × how costly the role is to lose, weighed by how sure
    the role is (an unsure organiser counts between an organiser and an unknown)."""
    if protected:
        return 0.0
    unknown = ROLE_WEIGHT["unknown"]
    weight = unknown + (ROLE_WEIGHT.get(role, unknown) - unknown) * min(1.0, max(0.0, support))
    return structural * weight


def _percentile(ordered: list[float], score: float) -> float:
    """The share of the others `score` is above (0 for none, 1 for all), 0 when it is 0.

    Why a rank and not a share of the greatest score: disruption is heavy-tailed (one hawala
    banker bridging two networks can hold ten times anyone else's score), and a share of the
    greatest would flatten every other difference to nothing beside the role's weight."""
    if score <= 0 or len(ordered) < 2:
        return 0.0
    return bisect.bisect_left(ordered, score) / (len(ordered) - 1)


def rank(network: Network, max_removals: int = MAX_REMOVALS) -> list[Ranked]:
    """Every node, the first to take out first (by `priority`, then disruption, then id), with
    its reasons: the structural loss and the role the records and behaviour point to.

    A people's network (`Network.people`) carries the network it came from, whose vehicles and
    accounts the roles read; a network without one gives its roles from what it holds."""
    loss = disruption(network, max_removals)
    central = centralities(network)
    groups = communities(network)
    guessed = roles.infer_roles(network.whole or network, network, groups)
    scores = sorted(d.score for d in loss.values())
    rows = []
    for n in network.nodes.values():
        d = loss[n.id]
        g = guessed.get(n.id)
        role = g.role if g is not None else roles.UNKNOWN
        support = g.scores.get(role, 0.0) if g is not None else 0.0
        protected = bool(roles.PROTECTED & set(n.categories))
        structural = _percentile(scores, d.score)
        p = priority(structural, role, support, protected)
        reasons = (
            f"disruption {d.score:.4f} (above {structural:.0%} of the others): reach "
            f"{d.reach:.4f}, bridging {d.bridging:.4f}",
            f"role {role} (support {support:.2f}, weight {ROLE_WEIGHT.get(role, 0.4):.2f})",
            *(["victim or witness: not a target"] if protected else []),
        )
        rows.append(Ranked(n.id, list(n.record_ids), n.label, d, central[n.id], groups[n.id],
                           role, support, p, reasons))  # fmt: skip
    rows.sort(key=lambda r: (-r.priority, -r.disruption.score, r.node_id))
    return rows
