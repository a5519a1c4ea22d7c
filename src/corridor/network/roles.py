"""Roles: what each person does in the network, from what they do and what records say.

Two kinds of evidence, each kept with the person's role so that an analyst sees why:

**Stated roles.** The agencies record roles as data: a membership's `role` ("driver",
"vozač", "јатак"), an associate's or unknown link's `relationship` or `role` ("driver for the
organiser", "vozač kod organizatora"); not an employment's (what someone does for a firm).
They are read through a small lexicon (`role_terms`: English, Serbian Latin and Cyrillic) and
treated as graded evidence, not truth: each statement counts `MAX_ITEM_WEIGHT` ×
its trust (`evidence.trust`: source reliability × information grade, and any attribution), so
a 1A statement counts 0.8 and a 3E one 0.03. A membership's role is its member's; an
associate's words may name the other party's role as well ("… for the organiser"), and since
a record may write the two people either way round, the party named in more such
relationships is the one worked for (an organiser has many associates, each of them one
organiser); where they are level, each gets the statement at half weight. Free text about one
person is read too: a report's item that mentions one person ("… organises the network's
movements", graded as the item is) and a person record's own notes. A text naming several roles
gives its first (most often the sentence's verb: "vrbuje migrante i naplaćuje prevoz") its
whole weight and the others half. Statements about one role combine by noisy-OR, across records
and agencies.

**Behaviour**: observable habits of the trade, each with the records that show it:

- **organiser**: the hub of their group: the strongest ties in their community (weighted
  degree, as a share of the community's strongest), paying several people (only in a
  community of at least three suspects);
- **money handler** (hawala bankers too): money in from people outside the organisation (a
  migrant's relatives), money passed on, accounts in more than one place, an account named in
  an intelligence report;
- **driver**: operates a vehicle (a vehicle's recorded operator, a trip's party with a vehicle);
- **recruiter**: in touch by phone with the people moved (victims, witnesses, others);
- **spotter**: calls at night (when borders are crossed) to people who drive;
- **safe-house keeper**: associated with drivers (associations, not calls: a whole crew calls
  its drivers; a community's hub does not count as a driver) without driving; a spotter does
  the same, so the tie counts half to each;
- **forger**: tied to identity documents (a document number shared between people's records).

Each gives a score per role in [0, 1] from hand-set weights (not fitted).

**Together.** A role's support is the noisy-OR of both, as independent sources:
1 − (1 − `BEHAVIOUR_TRUST` × behaviour)(1 − stated); a habit counts as an item from an untested
source would (`BEHAVIOUR_TRUST` = `evidence.UNGRADED_TRUST`), against each statement's grade.
The organiser of a community is its best supported organiser among those for whom organiser
is their best supported role (one per community, as far as behaviour goes: a community may
join two networks, so someone the records name organiser, at about a 2C grade or better, whose
best supported role it is, is one too); anyone else takes their best supported
other role, `unknown` below `FLOOR` (behaviour alone needs `THRESHOLD`, as a statement alone
needs about a 2C grade). The score is that support × (1 − the strongest rival's support), so
that conflicting evidence leaves less confidence. Victims and witnesses are always `unknown`
and no statement is read about them (kept apart by law, not members of the organisation).
A reader's roles rest only on what they may read: the statements come from the records their
scope lets through (`corridor.network.build`). Deterministic: ties go to the order of `ROLES`,
then by id.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from followthemoney import model as ftm

from corridor.network import analysis, role_terms
from corridor.network.evidence import MAX_ITEM_WEIGHT, UNGRADED_TRUST
from corridor.network.graph import NOTED, PERSON, Link, Network, Statement

#: The roles, as `role_terms` reads them from words.
ORGANISER = role_terms.ORGANISER
RECRUITER = role_terms.RECRUITER
DRIVER = role_terms.DRIVER
SAFE_HOUSE_KEEPER = role_terms.SAFE_HOUSE_KEEPER
FORGER = role_terms.FORGER
SPOTTER = role_terms.SPOTTER
MONEY_HANDLER = role_terms.MONEY_HANDLER
UNKNOWN = "unknown"
#: Every role, in the order ties between equal scores are broken.
ROLES = (ORGANISER, MONEY_HANDLER, DRIVER, RECRUITER, SPOTTER, SAFE_HOUSE_KEEPER, FORGER)
#: The two kinds of evidence a role is read from: what a person does, what records say.
BEHAVIOUR, STATED = "behaviour", "stated"
SOURCES = frozenset({BEHAVIOUR, STATED})
#: Below this score a person's role is `unknown`: one weak signal says nothing.
THRESHOLD = 0.4
#: What a habit seen counts for beside a record's word: an observed habit is indirect evidence
#: of a role (a safe-house keeper calls at night too), counted as an item from an untested
#: source is (`evidence.UNGRADED_TRUST`), against a statement's own grade.
BEHAVIOUR_TRUST = UNGRADED_TRUST
#: The least joint support that names a role: behaviour alone needs `THRESHOLD` as before; one
#: statement alone needs a grade of about 2C (trust 0.42) or better.
FLOOR = BEHAVIOUR_TRUST * THRESHOLD
#: Categories whose people are not members of the organisation, whatever their ties.
PROTECTED = {"victim", "witness"}
#: Those the organisation moves or who report it: a recruiter's contacts.
OUTSIDERS = {"victim", "witness", "other"}
#: Crossings are made at night: calls from 21:00 to 05:00 (UTC) count as night calls.
NIGHT = (21, 5)
#: Links through which a person uses a vehicle (besides events with a vehicle among them).
_DRIVING = {"operator", "driver"}
_HOLDING = {"Ownership", "holder", "owner"}


@dataclass(slots=True)
class Signal:
    """One observed habit: what it is, how much of it, and the records that show it."""

    name: str
    value: float
    record_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"signal": self.name, "value": round(float(self.value), 4),
                "record_ids": sorted(set(self.record_ids))[:50]}  # fmt: skip


@dataclass(slots=True)
class RoleGuess:
    """A person's inferred role, its score, every role's score, and the signals behind them."""

    entity_id: str
    record_ids: list[str]
    label: str
    role: str
    score: float
    scores: dict[str, float]
    signals: list[Signal]
    statements: list[StatedRole] = field(default_factory=list)
    #: Each role's support from behaviour alone and from statements alone (`scores` joins them).
    behaviour: dict[str, float] = field(default_factory=dict)
    stated: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "record_ids": list(self.record_ids),
            "label": self.label,
            "role": self.role,
            "score": round(self.score, 4),
            "scores": {r: round(s, 4) for r, s in self.scores.items()},
            "evidence": [s.to_dict() for s in self.signals],
            "statements": [s.to_dict() for s in self.statements],
            "behaviour": {r: round(s, 4) for r, s in self.behaviour.items()},
            "stated": {r: round(s, 4) for r, s in self.stated.items()},
        }


def _is_event(kind: str) -> bool:
    schema = ftm.get(kind)
    return schema is not None and schema.is_a("Event")


def _night(at: datetime) -> bool:
    start, end = NIGHT
    return at.hour >= start or at.hour < end


def _ids(links: list[Link]) -> list[str]:
    return [e.record_id for k in links for e in k.evidence]


@dataclass(slots=True)
class _Behaviour:
    """What one person's links show, gathered once."""

    vehicles: dict[str, list[Link]] = field(default_factory=lambda: defaultdict(list))
    accounts: dict[str, list[Link]] = field(default_factory=lambda: defaultdict(list))
    paid: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # payee → ids
    paid_by: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    calls: dict[str, list[tuple[datetime | None, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    associates: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    documents: list[Link] = field(default_factory=list)


def _behaviour(network: Network) -> dict[str, _Behaviour]:
    nodes = network.nodes
    out: dict[str, _Behaviour] = defaultdict(_Behaviour)
    for link in network.links:
        for me, other in ((link.a, link.b), (link.b, link.a)):
            if nodes[me].kind != PERSON:
                continue
            b = out[me]
            kind_other = nodes[other].kind
            if kind_other == "Vehicle" and (link.kind in _DRIVING or _is_event(link.kind)):
                b.vehicles[other].append(link)
            elif kind_other == "BankAccount" and link.kind in _HOLDING:
                b.accounts[other].append(link)
            elif kind_other != PERSON:
                continue
            elif link.kind == "Payment":
                for e in link.evidence:
                    (b.paid if e.origin == me else b.paid_by)[other].append(e.record_id)
            elif link.kind == "Call":
                b.calls[other].extend((e.at if e.dated else None, e.record_id)
                                      for e in link.evidence)  # fmt: skip
            elif link.kind == "shared document":
                b.documents.append(link)
            elif link.kind in ("Associate", "UnknownLink") or _is_event(link.kind):
                b.associates[other].extend(_ids([link]))
    return out


def behaviour_scores(
    network: Network, people: Network, groups: dict[str, int]
) -> dict[str, tuple[dict[str, float], list[Signal]]]:
    """Every person's score per role from what they are seen doing, with the signals."""
    central = analysis.centralities(people)
    behaviour = _behaviour(network)
    nodes = network.nodes
    reported = {k.a if nodes[k.a].kind == "BankAccount" else k.b for k in network.links
                if k.kind == "co-mention"
                and "BankAccount" in (nodes[k.a].kind, nodes[k.b].kind)}  # fmt: skip
    members = analysis.targets(people)
    strongest: dict[int, float] = defaultdict(float)
    for node_id, c in central.items():
        if not PROTECTED & set(nodes[node_id].categories):
            strongest[groups[node_id]] = max(strongest[groups[node_id]], c.strength)
    # Those who drive, as others' ties to drivers read them: the hub of a community may own or
    # run the fleet without being one of its drivers.
    hubs = {n for n, c in central.items() if c.strength > 0
            and c.strength >= strongest[groups[n]]}  # fmt: skip
    drivers = {p for p, b in behaviour.items() if b.vehicles and p not in hubs}

    scored: dict[str, tuple[dict[str, float], list[Signal]]] = {}
    for node_id in sorted(people.nodes):
        node = nodes[node_id]
        b = behaviour.get(node_id, _Behaviour())
        signals: list[Signal] = []
        scores = dict.fromkeys(ROLES, 0.0)
        if PROTECTED & set(node.categories):
            scored[node_id] = (scores, signals)
            continue
        top = strongest[groups[node_id]]
        hub = central[node_id].strength / top if top > 0 else 0.0
        # A community with fewer than three suspects (a banker and the relatives paying him)
        # is no organisation to organise.
        size = sum(1 for n in members if groups[n] == groups[node_id])
        if size >= 3:
            signals.append(Signal("share of the community's strongest ties", hub))
        payees = sorted(b.paid)
        if payees:
            signals.append(
                Signal("people paid", len(payees), [r for p in payees for r in b.paid[p]])
            )
        scores[ORGANISER] = (0.6 * hub + 0.4 * min(1.0, len(payees) / 3)) if size >= 3 else 0.0

        outsiders = [p for p in b.paid_by if not set(nodes[p].categories) & {"suspect"}]
        if outsiders:
            signals.append(Signal("paid by people outside the organisation", len(outsiders),
                                  [r for p in outsiders for r in b.paid_by[p]]))  # fmt: skip
        passes_on = bool(b.paid_by) and bool(b.paid)
        if passes_on:
            signals.append(
                Signal("passes money on", 1.0, [r for p in b.paid_by for r in b.paid_by[p]])
            )
        places = {nodes[a].label[:2].upper() for a in b.accounts if nodes[a].label[:2].isalpha()}
        if b.accounts:
            signals.append(
                Signal(
                    "accounts held",
                    len(b.accounts),
                    _ids([k for ks in b.accounts.values() for k in ks]),
                )
            )
        mine_reported = sorted(set(b.accounts) & reported)
        if mine_reported:
            signals.append(Signal("account named in a report", len(mine_reported), mine_reported))
        scores[MONEY_HANDLER] = min(1.0, 0.5 * min(1.0, len(outsiders) / 2)
                                    + 0.3 * passes_on + 0.3 * (len(places) >= 2)
                                    + 0.3 * bool(mine_reported))  # fmt: skip

        if b.vehicles:
            signals.append(Signal("vehicles operated", len(b.vehicles),
                                  _ids([k for ks in b.vehicles.values() for k in ks])))  # fmt: skip
        scores[DRIVER] = 0.8 * min(1.0, len(b.vehicles)) + 0.2 * min(1.0, len(b.vehicles) / 2)

        moved = [p for p in b.calls if set(nodes[p].categories) & OUTSIDERS
                 and "suspect" not in nodes[p].categories]  # fmt: skip
        if moved:
            signals.append(Signal("calls with people moved", len(moved),
                                  [r for p in moved for _, r in b.calls[p]]))  # fmt: skip
        scores[RECRUITER] = min(1.0, 0.35 * len(moved))

        dated = [(t, r, p) for p, cs in b.calls.items() for t, r in cs if t is not None]
        night = [(t, r, p) for t, r, p in dated if _night(t)]
        night_to_drivers = [r for _, r, p in night if p in drivers]
        if dated:
            signals.append(Signal("share of calls at night", len(night) / len(dated),
                                  [r for _, r, _ in night]))  # fmt: skip
        if night_to_drivers:
            signals.append(
                Signal("night calls to drivers", len(night_to_drivers), night_to_drivers)
            )
        share = len(night) / len(dated) if len(dated) >= 3 else 0.0
        scores[SPOTTER] = min(1.0, max(0.0, (share - 0.33) / 0.3)) * min(
            1.0, len(night_to_drivers) / 2
        )

        # Associations, not calls: everyone in a crew calls its drivers now and then.
        partners = set(b.associates)
        with_drivers = sorted(partners & drivers)
        if with_drivers:
            signals.append(Signal("associated with drivers", len(with_drivers),
                                  [r for p in with_drivers for r in b.associates[p]]))  # fmt: skip
        if not b.vehicles and partners:
            # Working with drivers without driving is what a safe-house keeper and a spotter
            # both do: the tie does not say which, so each role gets half of it.
            support = 0.6 * len(with_drivers) / len(partners) + 0.2 * min(
                1.0, len(with_drivers) / 2
            )
            scores[SAFE_HOUSE_KEEPER] = support / 2
            scores[SPOTTER] = max(scores[SPOTTER], support / 2)

        if b.documents:
            signals.append(Signal("shares identity documents", len(b.documents), _ids(b.documents)))
        scores[FORGER] = min(1.0, 0.5 * len(b.documents))
        scored[node_id] = (scores, signals)

    return scored


# --- stated roles -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatedRole:
    """One record saying in words that a person holds a role, and how much that counts."""

    role: str
    weight: float
    record_id: str
    agency: str
    grading: str | None
    text: str
    #: How the role was read: "member" (a membership's role), "party" (one party of an
    #: associate named by the words), "counterpart" (the other party: "… for the organiser"),
    #: "either party" (the words do not say which of the two, so each gets half), "reported"
    #: (a report's item about the person), "noted" (the person record's own notes).
    reading: str

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "weight": round(self.weight, 4), "record_id": self.record_id,
                "agency": self.agency, "grading": self.grading, "text": self.text,
                "reading": self.reading}  # fmt: skip


def _is(schema_name: str, parent: str) -> bool:
    schema = ftm.get(schema_name)
    return schema is not None and schema.is_a(parent)


#: The relationships whose words state a role in the organisation; an employment's or a
#: directorship's ("transport manager", "head of sales") say what someone does for a firm.
STATING = ("Membership", "Associate", "UnknownLink")
#: A later role named in one free text counts this share of the first.
LATER_ROLE_SHARE = 0.5


def stated_roles(network: Network) -> dict[str, list[StatedRole]]:
    """Person node → the roles records state for them (`corridor.network.role_terms`).

    A membership's role is its member's. An associate's relationship may name the other
    party's role too ("driver for the organiser"); the records do not always keep who is
    which (an associate may be written either way round), so the party named in more such
    relationships is taken as the one they are "for" (an organiser has many associates, each of
    them one organiser); where the two are level, each gets the statement at half weight."""
    nodes = network.nodes
    persons = {n for n, node in nodes.items() if node.kind == PERSON}
    read = [(s, role_terms.read(s.value)) for s in network.statements
            if s.prop in NOTED or any(_is(s.schema, k) for k in STATING)]  # fmt: skip
    named: dict[str, set[str]] = defaultdict(set)  # person → relationships naming a counterpart
    for s, r in read:
        if r.counterpart and not _is(s.schema, "Membership"):
            named[s.source].add(s.evidence.record_id)
            named[s.target].add(s.evidence.record_id)
    out: dict[str, list[StatedRole]] = defaultdict(list)

    def add(node: str, roles: tuple[str, ...], share: float, how: str, s: Statement) -> None:
        if node not in persons:
            return
        e = s.evidence
        for role in roles:
            weight = MAX_ITEM_WEIGHT * e.trust * share
            out[node].append(StatedRole(role, weight, e.record_id, e.agency, e.grading,
                                        s.value, how))  # fmt: skip

    for s, r in read:
        if not (r.roles or r.counterpart):
            continue
        if s.prop in NOTED:
            how = "noted" if s.source == s.target else "reported"
            for i, role in enumerate(r.roles):
                add(s.source, (role,), 1.0 if i == 0 else LATER_ROLE_SHARE, how, s)
            continue
        if _is(s.schema, "Membership"):
            add(s.source, r.roles, 1.0, "member", s)
            continue
        a, b = s.source, s.target
        if r.counterpart and len(named[a]) != len(named[b]):
            subject, other = (a, b) if len(named[a]) < len(named[b]) else (b, a)
            add(subject, r.roles, 1.0, "party", s)
            add(other, r.counterpart, 1.0, "counterpart", s)
        else:
            for node in (a, b):
                add(node, r.roles + r.counterpart, 0.5, "either party", s)
    return {n: sorted(v, key=lambda x: (x.record_id, x.role, x.reading)) for n, v in out.items()}


def _noisy_or(weights: list[float]) -> float:
    miss = 1.0
    for w in weights:
        miss *= 1.0 - w
    return 1.0 - miss


# --- both together ------------------------------------------------------------------------------


def infer_roles(
    network: Network,
    people: Network | None = None,
    groups: dict[str, int] | None = None,
    sources: frozenset[str] = SOURCES,
) -> dict[str, RoleGuess]:
    """Every person node's role (node id → guess), from the network (all nodes), its people's
    network and their communities (each computed here when not given).

    Each role's support joins the two kinds of evidence as independent sources, by noisy-OR:
    1 − (1 − `BEHAVIOUR_TRUST` × behaviour)(1 − stated), where `stated` is itself the noisy-OR
    of the statements' weights (`MAX_ITEM_WEIGHT` × their trust). The organiser of a community
    is its best supported organiser among those for whom organiser is the best supported role;
    anyone else's role is their best supported other role. Its score is that support times
    (1 − the strongest rival's, organiser included): two sources that disagree leave less
    confidence than one that stands alone. `sources` may leave one kind out (to see what each
    contributes)."""
    people = people if people is not None else network.people()
    groups = groups if groups is not None else analysis.communities(people)
    nodes = network.nodes
    seen = behaviour_scores(network, people, groups)
    if BEHAVIOUR not in sources:
        seen = {n: (dict.fromkeys(ROLES, 0.0), []) for n in seen}
    stated = stated_roles(network) if STATED in sources else {}
    support: dict[str, dict[str, float]] = {}
    said: dict[str, dict[str, float]] = {}
    for node_id, (shown, _) in seen.items():
        mine = [] if PROTECTED & set(nodes[node_id].categories) else stated.get(node_id, [])
        said[node_id] = {r: _noisy_or([s.weight for s in mine if s.role == r]) for r in ROLES}
        support[node_id] = {
            r: 1.0 - (1.0 - BEHAVIOUR_TRUST * shown[r]) * (1.0 - said[node_id][r]) for r in ROLES
        }

    # One organiser per community: the best supported in it (of those with enough support).
    best: dict[int, tuple[float, str]] = {}
    for node_id, scores in support.items():
        key = (-scores[ORGANISER], node_id)
        g = groups[node_id]
        leads = scores[ORGANISER] >= max(scores.values())
        if (
            leads
            and scores[ORGANISER] >= FLOOR
            and (g not in best or key < (-best[g][0], best[g][1]))
        ):
            best[g] = (scores[ORGANISER], node_id)
    organisers = {node_id for _, node_id in best.values()}
    # Records that name someone an organiser (at about a 2C grade or better) are heard even
    # where their community has a better supported one: communities may join two networks,
    # and each has its organiser. The one-per-community rule guards against behaviour
    # finding a hub in every dense group, which such a statement does not rest on.
    organisers |= {node_id for node_id, scores in support.items()
                   if said[node_id][ORGANISER] >= FLOOR
                   and scores[ORGANISER] >= max(scores.values())}  # fmt: skip

    out = {}
    for node_id, scores in support.items():
        node = nodes[node_id]
        if node_id in organisers:
            role = ORGANISER
        else:
            _, _, role = max((s, -ROLES.index(r), r) for r, s in scores.items() if r != ORGANISER)
        top = scores[role]
        rival = max(s for r, s in scores.items() if r != role)
        if role != ORGANISER and top < FLOOR:
            role = UNKNOWN
        out[node_id] = RoleGuess(
            node_id, list(node.record_ids), node.label, role, top * (1.0 - rival), scores,
            seen[node_id][1], [] if PROTECTED & set(node.categories) else stated.get(node_id, []),
            seen[node_id][0], said[node_id],
        )  # fmt: skip
    return out
