"""Exports of a reader's network into the files their other tools read.

- GraphML (yEd, Gephi, networkx) and GEXF (Gephi): written by networkx's own writers, one edge
  per link (a pair may have several, one per kind), keyed `kind|via`.
- Cytoscape.js JSON: `{"elements": {"nodes": [{"data": …}], "edges": [{"data": …}]}}`.
- i2 Analyst's Notebook: an entities CSV, a links CSV, and an import specification saying what
  each column is and how to map it in the Import Wizard (`I2_FILES`).
- FollowTheMoney JSON lines (Aleph): each node as an entity of its schema, each link as an
  `Associate` or `Family` (between people, where that is what it is) or an `UnknownLink`
  (`subject`, `object`, its kind as `role`), with first and last seen as start and end dates.

Every node carries its label, schema, kind, records, community, disruption score and inferred
role where computed (people); every link its kind, weight, first and last seen, how many
evidence items and records it rests on, the highest classification among them, and whether it
is inferred (no record states it). Nothing is written that the network, built for the reader,
does not hold.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from followthemoney import model as ftm

from corridor.errors import ValidationError
from corridor.network.graph import PERSON, Link, Network

if TYPE_CHECKING:
    import networkx as nx

FORMATS = ("graphml", "gexf", "cytoscape", "i2", "ftm")
MEDIA_TYPES = {
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "cytoscape": "application/json",
    "i2": "application/zip",
    "ftm": "application/x-ndjson",
}
#: The file name of each single-file export (the API's download name).
FILE_NAMES = {
    "graphml": "network.graphml",
    "gexf": "network.gexf",
    "cytoscape": "network.cyjs",
    "ftm": "network.ftm.jsonl",
    "i2": "network-i2.zip",
}
#: The three files of an i2 export: in the folder given, or beside the name given
#: (`F.entities.csv`, `F.links.csv`, `F.import-spec.txt`).
I2_FILES = ("entities.csv", "links.csv", "import-spec.txt")
ENTITY_COLUMNS = ["entity_id", "entity_type", "label", "schema", "record_ids", "categories",
                  "community", "role", "role_score", "disruption_score"]  # fmt: skip
LINK_COLUMNS = ["link_id", "from_id", "to_id", "link_type", "via", "weight", "first_seen",
                "last_seen", "evidence_count", "record_ids", "classification",
                "inferred"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class NodeFacts:
    """What the analyses found about one node (people only; None where not computed)."""

    community: int | None = None
    role: str | None = None
    role_score: float | None = None
    disruption: float | None = None


def check_format(fmt: str) -> str:
    found = fmt.strip().lower()
    if found not in FORMATS:
        raise ValidationError(f"{fmt!r} is not an export format: one of {', '.join(FORMATS)}",
                              "format")  # fmt: skip
    return found


def link_id(link: Link) -> str:
    """A link's stable id: its ends, kind and what they share, hashed."""
    key = "\x1f".join((link.a, link.b, link.kind, link.via or ""))
    return "link-" + hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]


def _when(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def node_attributes(network: Network, facts: dict[str, NodeFacts]) -> dict[str, dict[str, Any]]:
    """Every node's attributes, None left out (GraphML and GEXF cannot hold it)."""
    out = {}
    for node_id, n in sorted(network.nodes.items()):
        f = facts.get(node_id, NodeFacts())
        values: dict[str, Any] = {
            "label": n.label,
            "schema": n.schema,
            "kind": n.kind,
            "record_ids": ";".join(n.record_ids),
            "categories": ";".join(n.categories),
            "community": f.community,
            "role": f.role,
            "role_score": None if f.role_score is None else round(f.role_score, 6),
            "disruption_score": None if f.disruption is None else round(f.disruption, 6),
        }
        out[node_id] = {k: v for k, v in values.items() if v is not None}
    return out


def link_attributes(link: Link) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": link.kind,
        "via": link.via,
        "weight": round(link.weight, 6),
        "first_seen": _when(link.first_seen),
        "last_seen": _when(link.last_seen),
        "evidence_count": len(link.evidence),
        "record_ids": ";".join(sorted({e.record_id for e in link.evidence})),
        "classification": link.classification.label,
        # Nothing recorded says so: inferred (a burner succession's users). Shown, so that
        # nobody charts it as a fact.
        "inferred": link.inferred,
    }
    return {k: v for k, v in values.items() if v is not None}


def to_networkx(network: Network, facts: dict[str, NodeFacts]) -> nx.MultiGraph:
    # networkx is imported where a file is written: every command and the served node import
    # this module, and only an export needs it (a tenth of a second at each start).
    import networkx as nx

    g = nx.MultiGraph()
    for node_id, attrs in node_attributes(network, facts).items():
        g.add_node(node_id, **attrs)
    for link in network.links:
        g.add_edge(link.a, link.b, key=f"{link.kind}|{link.via or ''}", id=link_id(link),
                   **link_attributes(link))  # fmt: skip
    return g


def graphml(network: Network, facts: dict[str, NodeFacts]) -> bytes:
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_graphml(to_networkx(network, facts), buffer, encoding="utf-8")
    return buffer.getvalue()


def gexf(network: Network, facts: dict[str, NodeFacts]) -> bytes:
    """GEXF 1.2; its `lastmodifieddate` is the network's reference day (networkx would write
    today's, and the same network must give the same file)."""
    from networkx.readwrite.gexf import GEXFWriter

    g = to_networkx(network, facts)  # each edge's `id` becomes GEXF's own edge id
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.add_graph(g)
    meta = writer.xml.find("meta")
    if meta is not None:
        day = network.reference.date().isoformat() if network.reference else "1970-01-01"
        meta.set("lastmodifieddate", day)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def cytoscape(network: Network, facts: dict[str, NodeFacts]) -> bytes:
    nodes = [{"data": {"id": node_id, **attrs}}
             for node_id, attrs in node_attributes(network, facts).items()]  # fmt: skip
    edges = [{"data": {"id": link_id(k), "source": k.a, "target": k.b, **link_attributes(k)}}
             for k in network.links]  # fmt: skip
    doc = {"format_version": "1.0", "generated_by": "corridor",
           "data": {"reference": _when(network.reference)},
           "elements": {"nodes": nodes, "edges": edges}}  # fmt: skip
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")  # i2 reads UTF-8 with its byte-order mark


_I2_SPEC = """Corridor network export for i2 Analyst's Notebook: import specification.

Files: entities.csv (one row per entity) and links.csv (one row per link), UTF-8 with a
byte-order mark, comma-separated, first row the column names, CRLF line ends. Import
entities.csv first ("Entities" import), then links.csv ("Links" import), each with the
Import Wizard, mapping columns as below.

entities.csv
  entity_id         Identity of the entity (key; the links refer to it)
  entity_type       Entity type: Person, Organization, Vehicle, BankAccount, ...
                    (map each value to an i2 entity type: Person, Organisation, Vehicle, Account)
  label             Label
  schema            Attribute (text): FollowTheMoney schema of its records
  record_ids        Attribute (text): Corridor record ids, ';'-separated
  categories        Attribute (text): person categories (suspect, victim, witness, contact, ...)
  community         Attribute (number): community (Leiden), people only
  role              Attribute (text): role inferred from behaviour and stated roles, people only
  role_score        Attribute (number): the role's score, 0-1
  disruption_score  Attribute (number): share of the suspects' connectivity lost if removed

links.csv
  link_id           Identity of the link
  from_id           End 1: entity_id of one end
  to_id             End 2: entity_id of the other end
  link_type         Link type: Associate, Call, Payment, co-mention, shared phone, ...
  via               Attribute (text): the report, number or node the two share, if any
  weight            Attribute (number): 0-1, from count, grading and recency of evidence
  first_seen        Date-time (ISO 8601): first evidence
  last_seen         Attribute (date-time, ISO 8601): latest evidence
  evidence_count    Attribute (number): evidence items behind the link
  record_ids        Attribute (text): records the link rests on, ';'-separated
  classification    Attribute (text): highest classification of that evidence; mark the
                    chart at this level or above
  inferred          Attribute (flag): True where no record states the link and Corridor
                    inferred it (the users of a burner succession); False otherwise
"""


def i2_files(network: Network, facts: dict[str, NodeFacts]) -> dict[str, bytes]:
    attrs = node_attributes(network, facts)
    entities = [
        [node_id, n.kind, *(attrs[node_id].get(c) for c in ENTITY_COLUMNS[2:])]
        for node_id, n in sorted(network.nodes.items())
    ]
    links = []
    for k in network.links:
        a = link_attributes(k)
        links.append([link_id(k), k.a, k.b, k.kind, *(a.get(c) for c in LINK_COLUMNS[4:])])
    return {
        "entities.csv": _csv(ENTITY_COLUMNS, entities),
        "links.csv": _csv(LINK_COLUMNS, links),
        "import-spec.txt": _I2_SPEC.encode("utf-8"),
    }


def zipped(files: dict[str, bytes]) -> bytes:
    """Files in one ZIP (the API's answer for i2), with fixed times: same in, same out."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()


def _ftm_relation(link: Link, network: Network) -> dict[str, Any]:
    both_people = all(network.nodes[n].kind == PERSON for n in (link.a, link.b))
    schema_name = (
        link.kind if both_people and link.kind in ("Associate", "Family") else "UnknownLink"
    )
    schema = ftm.get(schema_name)
    assert schema is not None and schema.edge_source and schema.edge_target
    first, last = link.first_seen, link.last_seen
    summary = (f"Corridor link: {link.kind}" + (f" via {link.via}" if link.via else "")
               + f"; weight {link.weight:.3f}; {len(link.evidence)} evidence item(s); "
               f"highest classification {link.classification.label}"
               + ("; inferred, not recorded" if link.inferred else ""))  # fmt: skip
    props: dict[str, list[str]] = {
        schema.edge_source: [link.a],
        schema.edge_target: [link.b],
        "summary": [summary],
        "recordId": sorted({e.record_id for e in link.evidence}),
    }
    if schema_name == "UnknownLink":
        props["role"] = [link.kind]
    if first is not None:
        props["startDate"] = [first.date().isoformat()]
    if last is not None:
        props["endDate"] = [last.date().isoformat()]
    return {"id": link_id(link), "schema": schema_name, "properties": props}


def _ftm_node(node_id: str, network: Network, facts: dict[str, NodeFacts]) -> dict[str, Any]:
    n = network.nodes[node_id]
    schema = ftm.get(n.schema) or ftm.get("LegalEntity")
    assert schema is not None
    f = facts.get(node_id, NodeFacts())
    notes = [f"Corridor records: {', '.join(n.record_ids)}"]
    if f.community is not None:
        notes.append(f"community {f.community}")
    if f.role is not None:
        notes.append(f"inferred role {f.role} ({f.role_score or 0:.3f})")
    if f.disruption is not None:
        notes.append(f"disruption score {f.disruption:.6f}")
    props: dict[str, list[str]] = {"name": [n.label], "notes": ["; ".join(notes)]}
    if n.plates and "registrationNumber" in schema.properties:
        props["registrationNumber"] = list(n.plates)
    if n.phones and "phone" in schema.properties:
        props["phone"] = list(n.phones)
    return {"id": node_id, "schema": schema.name, "properties": props}


def ftm_lines(network: Network, facts: dict[str, NodeFacts]) -> bytes:
    rows = [_ftm_node(n, network, facts) for n in sorted(network.nodes)]
    rows += [_ftm_relation(k, network) for k in network.links]
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n"
                   for r in rows).encode("utf-8")  # fmt: skip


WRITERS: dict[str, Callable[[Network, dict[str, NodeFacts]], bytes]] = {
    "graphml": graphml,
    "gexf": gexf,
    "cytoscape": cytoscape,
    "i2": lambda network, facts: zipped(i2_files(network, facts)),
    "ftm": ftm_lines,
}
