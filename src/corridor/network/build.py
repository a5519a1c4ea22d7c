"""Build the network one reader may see, from the store.

Everything is read through the reader's scope (`corridor.access`): statements above their
clearance never enter, so a link whose evidence they may not read does not exist for them, and
nothing computed from the network (weights, communities, centralities, ranks) can depend on it.
Records are grouped into canonical entities as the reader knows them (`corridor.resolve`:
clusters joined only by links that hold on what they see).

Where links come from (whatever of it the store holds):

- FollowTheMoney's relationship schemata, from their edge properties: Associate, Family,
  Membership, Employment, Ownership, Directorship, Representation, UnknownLink, ….
- Payments between payer and beneficiary, or between the holders of their accounts (the
  account's Ownership) where the party itself is not named; the account itself where no holder
  is known.
- Calls between the phones' users: the caller or receiver named, else the people whose records
  carry the number.
- Events with several participants (a Trip's driver, organiser and vehicle, …): all of them.
- References between entities (a vehicle's operator, its owner).
- Co-mention: people and things one intelligence report mentions (FtM Documentation).
- Shared identifiers: one phone number, e-mail, address or document number on records of
  different entities.
- Burner churn (inferred, marked so): a number that took over another's contacts
  (`corridor.network.burners`) has its calls attributed to the old number's users where its
  own are unknown, and the two numbers' users, where both are known and differ, are linked.

`as_of` keeps only statements the agencies knew by the end of that day (collected by then).
Resolution is taken as it stands, limited to the records known by then.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from followthemoney import model as ftm

from corridor.errors import ValidationError
from corridor.model.scope import ReadScope
from corridor.model.timeparse import parse_datetime
from corridor.network import burners
from corridor.network.burners import CallEnd, Succession
from corridor.network.evidence import Evidence, trust
from corridor.network.graph import CO_TRAVEL, NOTED, PERSON, Link, Network, Node, Statement
from corridor.normalise.phones import normalise_phone
from corridor.normalise.plates import normalise_plate, plate_skeleton
from corridor.resolve.records import RESOLVABLE
from corridor.resolve.seen import sees_everything
from corridor.resolve.service import reader_clusters
from corridor.sensors.convoys import Convoy, find_convoys
from corridor.store.base import Store

#: Entities that are nodes: who acts and what they use (everything else is evidence of a tie).
NODE_SCHEMATA = ("LegalEntity", "Vehicle", "BankAccount", "CryptoWallet", "RealEstate")
#: Properties whose value, written on two entities' records, ties them (and the tie's name).
SHARED_KEYS = {
    "phone": "shared phone",
    "email": "shared e-mail",
    "address": "shared address",
    "passportNumber": "shared document",
    "idNumber": "shared document",
}
#: An address ties two entities only when it names a dwelling, which takes a number (a street
#: number, a flat, a postcode): a town alone ("Istanbul", "Beograd") ties nobody to anybody.
_DWELLING = re.compile(r"\d")
#: A value shared by more entities than this says nothing about any two of them (a hotel's
#: address, a switchboard's number): it makes no links.
MAX_SHARED = 25
#: Schemata read in a way of their own below (not as generic edges or events).
_SPECIAL = ("Payment", "Call", "Documentation", "Note")
#: The link between the two users of one burner succession (inferred).
SUCCESSION = "burner succession"
#: A relationship record's properties that state in words what a party does (a membership's
#: role, an associate's relationship): kept as statements for roles to read.
STATED = ("role", "relationship")

Row = dict[str, Any]
#: Who is behind an instrument: (node, the rows that say so, their trust, and where inferred
#: through a burner succession, the classification of the calls it rests on; else None).
Party = tuple[str, list[Row], float, int | None]


@dataclass(slots=True)
class _Record:
    id: str
    schema: str
    rows: list[Row]

    def values(self, prop: str) -> list[Row]:
        return [r for r in self.rows if r["prop"] == prop]


def end_of(day: date) -> datetime:
    """The first instant after `day` (UTC): what `--as-of DAY` keeps is known before it."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def _known(row: Row) -> datetime | None:
    value = row.get("collected_at") or row.get("first_seen")
    return parse_datetime(value) if isinstance(value, datetime | date) else None


def _event_time(record: _Record) -> datetime | None:
    """The record's own time (a call's start, a payment's date), if its schema has one."""
    schema = ftm.get(record.schema)
    if schema is None:
        return None
    for prop in schema.temporal_start_props:
        for row in record.values(prop.name):
            text = str(row["value"]).strip()
            text = text + "-01-01" if len(text) == 4 else text + "-01" if len(text) == 7 else text
            try:
                return parse_datetime(text, prop.name)
            except ValidationError:
                continue
    return None


def _is_node(schema_name: str) -> bool:
    schema = ftm.get(schema_name)
    return schema is not None and any(schema.is_a(n) for n in NODE_SCHEMATA)


def _is_vehicle(schema_name: str) -> bool:
    schema = ftm.get(schema_name)
    return schema is not None and schema.is_a("Vehicle")


def _kind(schema_name: str) -> str:
    schema = ftm.get(schema_name)
    if schema is None:
        return schema_name
    for kind, names in RESOLVABLE.items():
        if any(schema.is_a(n) for n in names):
            return kind
    return schema.name


def _label(record: _Record) -> str:
    for prop in ("name", "registrationNumber", "iban", "accountNumber", "publicKey"):
        values = sorted(str(r["value"]) for r in record.values(prop))
        if values:
            return values[0]
    return record.id


def _norm(prop: str, value: str) -> str:
    return " ".join(value.casefold().split()) if prop in ("address", "email") else value.strip()


def read_records(store: Store, scope: ReadScope, as_of: date | None = None) -> list[_Record]:
    """Every record the scope lets through, each with the statements known by `as_of`."""
    cutoff = end_of(as_of) if as_of is not None else None
    out = []
    for record in store.iter_entities(scope):
        rows = [s.row for s in record.statements]
        if cutoff is not None:
            rows = [r for r in rows if (k := _known(r)) is None or k < cutoff]
        if rows:
            out.append(_Record(record.id, record.entity.schema.name, rows))
    return out


def canonical_ids(
    store: Store, scope: ReadScope, records: Sequence[_Record], resolved: bool = True
) -> dict[str, str]:
    """Record id → canonical id (the least record id among its cluster's records present here),
    with clusters as the reader knows them. `resolved=False`: every record on its own."""
    ids = sorted(r.id for r in records)
    if not resolved:
        return {i: i for i in ids}
    present = set(ids)
    key: dict[str, str] = {}
    if sees_everything(scope):
        for kind in RESOLVABLE:
            for record_id, cluster_id in store.all_clusters(kind).items():
                if record_id in present:
                    key[record_id] = f"{kind}:{cluster_id}"
    else:
        resolvable = [r.id for r in records if _kind(r.schema) in RESOLVABLE]
        key.update(reader_clusters(store, sorted(resolvable), scope))
    groups: dict[str, list[str]] = defaultdict(list)
    for record_id in ids:
        groups[key.get(record_id, record_id)].append(record_id)
    return {r: min(members) for members in groups.values() for r in members}


class _Builder:
    """Links collected from the records, then weighed."""

    def __init__(
        self, records: Sequence[_Record], canonical: dict[str, str], churn: bool = True
    ) -> None:
        self.churn = churn
        self.successions: list[Succession] = []
        #: Normalised number → users inferred through a succession (its own being unknown).
        self.inferred_users: dict[str, list[Party]] = {}
        self.mentions: dict[str, list[tuple[str, Evidence]]] = defaultdict(list)
        self.records = {r.id: r for r in records}
        self.node_records = [r for r in records if _is_node(r.schema)]
        self.node_of = {r.id: canonical[r.id] for r in self.node_records}
        self.links: dict[tuple[str, str, str, str | None], Link] = {}
        self.statements: list[Statement] = []
        self.nodes = self._nodes(canonical)

    def _nodes(self, canonical: dict[str, str]) -> dict[str, Node]:
        members: dict[str, list[_Record]] = defaultdict(list)
        for r in self.node_records:
            members[canonical[r.id]].append(r)
        nodes = {}
        for node_id, recs in sorted(members.items()):
            recs.sort(key=lambda r: r.id)
            first = next((r for r in recs if r.id == node_id), recs[0])
            schema = first.schema
            categories = sorted({str(c) for r in recs for row in r.rows
                                 if (c := row.get("person_category"))})  # fmt: skip
            plates = sorted({p for r in recs if _is_vehicle(r.schema)
                             for row in r.values("registrationNumber")
                             if (p := normalise_plate(str(row["value"])))})  # fmt: skip
            phones = sorted({e for r in recs for row in r.values("phone")
                             if (e := normalise_phone(str(row["value"])))})  # fmt: skip
            nodes[node_id] = Node(
                node_id, _kind(schema), schema, [r.id for r in recs], _label(first), categories,
                plates, phones,
            )  # fmt: skip
        return nodes

    # -- evidence and links ---------------------------------------------------------------------

    def evidence(
        self,
        record: _Record,
        rows: Sequence[Row],
        attribution: float = 1.0,
        origin: str | None = None,
        inferred: bool = False,
    ) -> Evidence:
        """One item: `record` asserting a tie through `rows` (its own and any attributing)."""
        used = list(rows) or record.rows
        weakest = min(used, key=lambda r: trust(r.get("grading"), r.get("grading_scheme")))
        known = [k for k in (_known(r) for r in used) if k is not None]
        at = _event_time(record)
        return Evidence(
            record_id=record.id,
            statement_ids=tuple(sorted({str(r["id"]) for r in used})),
            agency=str(weakest.get("agency")),
            grading=weakest.get("grading"),
            grading_scheme=weakest.get("grading_scheme"),
            classification=max(int(r["classification"]) for r in used),
            at=at or (max(known) if known else None),
            known=max(known) if known else None,
            dated=at is not None,
            attribution=attribution,
            origin=origin,
            inferred=inferred,
        )

    def link(
        self, a: str, b: str, kind: str, item: Evidence, scale: float = 1.0, via: str | None = None
    ) -> None:
        if a == b:
            return
        a, b = min(a, b), max(a, b)
        found = self.links.get((a, b, kind, via))
        if found is None:
            found = self.links[(a, b, kind, via)] = Link(a, b, kind, [], scale, via)
        if all(e.record_id != item.record_id for e in found.evidence):
            found.evidence.append(item)

    def node(self, row: Row) -> str | None:
        return self.node_of.get(str(row["value"]))

    # -- the kinds of tie -----------------------------------------------------------------------

    def build(self, convoys: Sequence[Convoy] = ()) -> list[Link]:
        holders = self._holders()
        users = self._phone_users()
        if self.churn:
            self._burners(users)
        for record in self.records.values():
            schema = ftm.get(record.schema)
            if schema is None:
                continue
            if record.schema == "Payment":
                self._payment(record, holders)
            elif record.schema == "Call":
                self._call(record, users)
            elif record.schema in _SPECIAL:
                continue
            elif schema.edge and schema.edge_source and schema.edge_target:
                self._edge(record, schema.edge_source, schema.edge_target)
            elif _is_node(record.schema):
                self._references(record)
            else:
                self._event(record)
        self._co_mentions()
        self._report_items()
        self._notes()
        self._shared_keys()
        self._co_travel(convoys)
        return [self.links[k] for k in sorted(self.links, key=_sort_key)]

    def _co_travel(self, convoys: Sequence[Convoy]) -> None:
        """Vehicles in one convoy (`corridor.sensors.convoys`), linked: the reads that show it
        are the evidence, graded as the weakest of them. A convoy's plate finds the vehicle
        whose record carries it, else the one vehicle whose plate a camera could read so (a
        record typed BG2O8BB, the cameras reading BG208BB: `plate_skeleton`); plates no
        vehicle record carries add nothing (a vehicle the agencies hold no record of is not
        a node)."""
        exact: dict[str, str] = {}
        alike: dict[str, set[str]] = defaultdict(set)
        for node in self.nodes.values():
            for plate in node.plates:
                exact.setdefault(plate, node.id)
                alike[plate_skeleton(plate)].add(node.id)

        def vehicle(plate: str) -> str | None:
            found = alike.get(plate_skeleton(plate), set())
            return exact.get(plate) or (next(iter(found)) if len(found) == 1 else None)

        for convoy in convoys:
            vehicles = sorted({v for p in convoy.plates if (v := vehicle(p))})
            if len(vehicles) < 2:
                continue
            reads = sorted({r for m in convoy.members for r in m.read_ids})
            agency, scheme, grade = min(convoy.gradings, key=lambda g: (trust(g[2], g[1]), g))
            item = Evidence(
                record_id=f"convoy:{reads[0]}", statement_ids=tuple(reads), agency=agency,
                grading=grade, grading_scheme=scheme, classification=convoy.classification,
                at=convoy.first_seen, known=convoy.last_seen, dated=True,
            )  # fmt: skip
            for i, a in enumerate(vehicles):
                for b in vehicles[i + 1 :]:
                    self.link(a, b, CO_TRAVEL, item)

    def _edge(self, record: _Record, source: str, target: str) -> None:
        for s in record.values(source):
            for t in record.values(target):
                a, b = self.node(s), self.node(t)
                if a and b:
                    self.link(a, b, record.schema, self.evidence(record, [s, t]))
                    for row in (r for r in record.rows if r["prop"] in STATED):
                        item = self.evidence(record, [s, t, row])
                        said = str(row["prop"]), str(row["value"])
                        self.statements.append(Statement(record.schema, *said, a, b, item))

    def _references(self, record: _Record) -> None:
        """A node's own references to other nodes (a vehicle's operator or owner)."""
        me = self.node_of[record.id]
        for row in record.rows:
            if row.get("prop_type") == "entity" and (other := self.node(row)):
                self.link(me, other, row["prop"], self.evidence(record, [row]))

    def _event(self, record: _Record) -> None:
        """Everyone and everything one event record involves, pairwise."""
        found = [(n, r) for r in record.rows
                 if r.get("prop_type") == "entity" and (n := self.node(r))]  # fmt: skip
        for i, (a, ra) in enumerate(found):
            for b, rb in found[i + 1 :]:
                self.link(a, b, record.schema, self.evidence(record, [ra, rb]))

    def _holders(self) -> dict[str, list[tuple[str, list[Row], float]]]:
        """Account (or other asset) node → its owners: (node, the Ownership rows, their trust)."""
        out: dict[str, list[tuple[str, list[Row], float]]] = defaultdict(list)
        for record in self.records.values():
            if record.schema != "Ownership":
                continue
            for o in record.values("owner"):
                for a in record.values("asset"):
                    owner, asset = self.node(o), self.node(a)
                    if owner and asset:
                        t = min(trust(r.get("grading"), r.get("grading_scheme")) for r in (o, a))
                        out[asset].append((owner, [o, a], t))
        return out

    def _phone_users(self) -> dict[str, list[tuple[str, list[Row], float]]]:
        """Number as written → the nodes whose records carry it."""
        out: dict[str, list[tuple[str, list[Row], float]]] = defaultdict(list)
        for record in self.node_records:
            for row in record.values("phone"):
                trusted = trust(row.get("grading"), row.get("grading_scheme"))
                out[str(row["value"])].append((self.node_of[record.id], [row], trusted))
        return out

    def _parties(
        self,
        record: _Record,
        named: str,
        via: str,
        attributed: dict[str, list[tuple[str, list[Row], float]]],
        by_node: bool,
    ) -> list[Party]:
        """A call's or payment's party: named, else attributed through its instrument (an
        account's holders, a number's users, else the users of the number it succeeded), else
        (an account) the instrument itself."""
        found: list[Party] = [(n, [r], 1.0, None) for r in record.values(named)
                              if (n := self.node(r))]  # fmt: skip
        if found:
            return found
        for row in record.values(via):
            key = self.node(row) if by_node else str(row["value"])
            if key is None:
                continue
            holders = attributed.get(key, [])
            found.extend((n, [row, *rows], t, None) for n, rows, t in holders)
            if not holders and not by_node:
                number = normalise_phone(key)
                inferred = self.inferred_users.get(number, []) if number else []
                found.extend((n, [row, *rows], t, level) for n, rows, t, level in inferred)
            if not holders and by_node:
                found.append((key, [row], 1.0, None))
        return found

    def _payment(self, record: _Record, holders: dict[str, Any]) -> None:
        payers = self._parties(record, "payer", "payerAccount", holders, by_node=True)
        payees = self._parties(record, "beneficiary", "beneficiaryAccount", holders, by_node=True)
        self._pairs(record, "Payment", payers, payees)

    def _call(self, record: _Record, users: dict[str, Any]) -> None:
        callers = self._parties(record, "caller", "callerNumber", users, by_node=False)
        receivers = self._parties(record, "receiver", "receiverNumber", users, by_node=False)
        self._pairs(record, "Call", callers, receivers)

    def _pairs(
        self,
        record: _Record,
        kind: str,
        left: list[Party],
        right: list[Party],
    ) -> None:
        for a, rows_a, ta, ia in left:
            for b, rows_b, tb, ib in right:
                inferred = ia is not None or ib is not None
                item = self.evidence(record, rows_a + rows_b, ta * tb, origin=a,
                                     inferred=inferred)  # fmt: skip
                if inferred:  # it rests on the succession's calls too
                    level = max(item.classification, ia or 0, ib or 0)
                    item = replace(item, classification=level)
                self.link(a, b, kind, item)

    def _burners(self, users: dict[str, list[tuple[str, list[Row], float]]]) -> None:
        """Find phone successions in the calls; a new number whose users are unknown takes the
        old number's (trust times the succession's score); known users of both are linked."""
        by_number: dict[str, list[Party]] = defaultdict(list)
        for raw, holders in users.items():
            if (number := normalise_phone(raw)) is not None:
                by_number[number].extend((n, rows, t, None) for n, rows, t in holders)
        ends: list[CallEnd] = []
        for record in self.records.values():
            at = _event_time(record) if record.schema == "Call" else None
            if at is None:
                continue
            level = max(int(r["classification"]) for r in record.rows)
            sides: list[tuple[str | None, str]] = []  # (number, contact key) of each side
            for named, via in (("caller", "callerNumber"), ("receiver", "receiverNumber")):
                nodes = [(n, [r], 1.0, None) for r in record.values(named) if (n := self.node(r))]
                numbers = [n for row in record.values(via)
                           if (n := normalise_phone(str(row["value"]))) is not None]  # fmt: skip
                for number in numbers:
                    row = next(r for r in record.values(via)
                               if normalise_phone(str(r["value"])) == number)  # fmt: skip
                    by_number[number].extend((p[0], [row, *p[1]], 1.0, None) for p in nodes)
                ends_here: list[str | None] = [*numbers] or [None]
                for number in ends_here:
                    who = {p[0] for p in nodes or by_number.get(number or "", [])}
                    key = next(iter(who)) if len(who) == 1 else f"phone:{number}"
                    if number is not None or len(who) == 1:
                        sides.append((number, key))
            for i, (number, _) in enumerate(sides):
                for j, (_, contact) in enumerate(sides):
                    if number is not None and i != j:
                        ends.append(CallEnd(at, record.id, number, contact, level))
        uses = burners.phone_uses(ends)
        known_users = {n: sorted({p[0] for p in parties}) for n, parties in by_number.items()}
        self.successions = burners.successions(uses, known_users)
        for s in self.successions:
            old = _first_per_node(by_number.get(s.old_phone, []))
            if not by_number.get(s.new_phone) and old:
                self.inferred_users[s.new_phone] = [(n, rows, t * s.score, s.classification)
                                                    for n, rows, t, _ in old]  # fmt: skip
            for a in s.old_users:
                for b in s.new_users:
                    for record_id in s.record_ids:
                        record = self.records[record_id]
                        item = self.evidence(record, [], s.score, inferred=True)
                        item = replace(item, classification=max(item.classification,
                                                                s.classification))  # fmt: skip
                        self.link(a, b, SUCCESSION, item, via=f"{s.old_phone}>{s.new_phone}")

    def _co_mentions(self) -> None:
        """Entities one report mentions, pairwise, each pair 1/(k − 1) of a tie."""
        mentioned: dict[str, dict[str, tuple[_Record, Row]]] = defaultdict(dict)
        for record in self.records.values():
            if record.schema != "Documentation":
                continue
            for doc in record.values("document"):
                for row in record.values("entity"):
                    node = self.node(row)
                    if node is not None:
                        mentioned[str(doc["value"])].setdefault(node, (record, row))
        for report, found in sorted(mentioned.items()):
            for node, (record, row) in sorted(found.items()):
                self.mentions[node].append((report, self.evidence(record, [row])))
            self._clique(found, "co-mention", report)

    def _report_items(self) -> None:
        """What a report's item says in words, kept as a statement about the one person it
        mentions (an item mentioning several people does not say which of them the words are
        about). An item is its Note and the Documentation links that share its source
        reference (`corridor.ingest.reports`); the statement rests on both, so that a reader
        who may not see either does not get it."""
        notes: dict[tuple[str, str], tuple[_Record, Row]] = {}
        mentioned: dict[tuple[str, str], dict[str, tuple[_Record, Row]]] = defaultdict(dict)
        for record in self.records.values():
            if record.schema == "Note":
                for row in record.values("description"):
                    if ref := row.get("source_ref"):
                        notes.setdefault((str(row.get("agency")), str(ref)), (record, row))
            elif record.schema == "Documentation":
                for row in record.values("entity"):
                    node = self.node(row)
                    ref = row.get("source_ref")
                    if ref and node is not None and self.nodes[node].kind == PERSON:
                        item = (str(row.get("agency")), str(ref))
                        mentioned[item].setdefault(node, (record, row))
        for item, people in sorted(mentioned.items()):
            if len(people) != 1 or item not in notes:
                continue
            (node, (doc, doc_row)), (note, note_row) = next(iter(people.items())), notes[item]
            evidence = self.evidence(note, [note_row, doc_row])
            documents = [str(r["value"]) for r in doc.values("document")] or [doc.id]
            self.statements.append(Statement(
                note.schema, "description", str(note_row["value"]), node, documents[0], evidence
            ))  # fmt: skip

    def _notes(self) -> None:
        """A person record's own notes about them ("believed driver for …")."""
        for record in self.node_records:
            node = self.node_of[record.id]
            if self.nodes[node].kind != PERSON:
                continue
            for row in (r for r in record.rows if r["prop"] in NOTED):
                evidence = self.evidence(record, [row])
                self.statements.append(Statement(
                    record.schema, str(row["prop"]), str(row["value"]), node, node, evidence
                ))  # fmt: skip

    def _shared_keys(self) -> None:
        holders: dict[tuple[str, str], dict[str, tuple[_Record, Row]]] = defaultdict(dict)
        for record in self.node_records:
            for row in record.rows:
                prop = str(row["prop"])
                if prop in SHARED_KEYS:
                    if prop == "address" and not _DWELLING.search(str(row["value"])):
                        continue
                    key = (SHARED_KEYS[prop], _norm(prop, str(row["value"])))
                    holders[key].setdefault(self.node_of[record.id], (record, row))
        for (kind, value), found in sorted(holders.items()):
            if len(found) <= MAX_SHARED:
                self._clique(found, kind, f"{kind.split()[-1]}:{value}")

    def _clique(self, found: dict[str, tuple[_Record, Row]], kind: str, via: str) -> None:
        nodes = sorted(found)
        if len(nodes) < 2:
            return
        scale = 1.0 / (len(nodes) - 1)
        for i, a in enumerate(nodes):
            for b in nodes[i + 1 :]:
                (ra, rowa), (rb, rowb) = found[a], found[b]
                for rec, row in ((ra, rowa), (rb, rowb)):
                    self.link(a, b, kind, self.evidence(rec, [row]), scale, via)


def _first_per_node(parties: list[Party]) -> list[Party]:
    seen: dict[str, Party] = {}
    for p in parties:
        seen.setdefault(p[0], p)
    return [seen[n] for n in sorted(seen)]


def _sort_key(key: tuple[str, str, str, str | None]) -> tuple[str, str, str, str]:
    return (key[0], key[1], key[2], key[3] or "")


def build_network(
    store: Store,
    scope: ReadScope,
    as_of: date | None = None,
    resolved: bool = True,
    churn: bool = True,
) -> Network:
    """The network the scope may see, as of a day (every link weighed); `churn=False` leaves
    burner successions out."""
    records = read_records(store, scope, as_of)
    canonical = canonical_ids(store, scope, [r for r in records if _is_node(r.schema)], resolved)
    builder = _Builder(records, canonical, churn)
    # Convoys of the network's vehicles the reader's reads show, up to the day asked for.
    plates = [p for n in builder.nodes.values() for p in n.plates]
    convoys = find_convoys(store, scope, end=end_of(as_of) if as_of else None, plates=plates)
    links = builder.build(convoys)
    times = [e.at for k in links for e in k.evidence if e.at is not None]
    reference = end_of(as_of) if as_of is not None else max(times, default=None)
    statements = sorted(builder.statements, key=lambda s: (s.evidence.record_id, s.prop, s.value,
                                                           s.source, s.target))  # fmt: skip
    network = Network(builder.nodes, links, reference, successions=builder.successions,
                      mentions=dict(builder.mentions), statements=statements)  # fmt: skip
    network.weigh()
    return network


def dated_contacts(network: Network) -> Iterable[tuple[datetime, str, str, Link]]:
    """Every dated evidence item as a contact (time, a, b, its link), in time order."""
    found = [(e.at, k.a, k.b, k) for k in network.links for e in k.evidence
             if e.dated and e.at is not None]  # fmt: skip
    found.sort(key=lambda c: (c[0], c[1], c[2], c[3].kind))
    return found
