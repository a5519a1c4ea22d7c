"""Two in-process nodes wired to each other, and records with chosen provenance."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from followthemoney import model

from corridor.access.caller import Caller
from corridor.errors import CorridorError, PackageRefused
from corridor.model.agreement import parse_agreement
from corridor.model.provenance import build_provenance
from corridor.model.statements import entity_statements
from corridor.node.identity import NodeIdentity
from corridor.share.agreements import save_agreement
from corridor.share.service import SharingService
from corridor.store.base import Store
from corridor.store.records import IngestInfo
from stores import new_store

PURPOSE = "prevention and detection of organised immigration crime"

AGREEMENT = {
    "purposes": [PURPOSE],
    "ceiling": "OFFICIAL-SENSITIVE",
    "schemata": {"Person": "*", "Vehicle": "*", "Ownership": "*"},
    "observations": ["anpr"],
}


def write_entity(
    store: Store, schema: str, entity_id: str, props: Mapping[str, Any], **prov: Any
) -> list[dict[str, Any]]:
    """Write one entity with the given provenance (defaults: RS-MUP, 2AP, OFFICIAL)."""
    return write_entities(store, [(schema, entity_id, props)], **prov)


def write_entities(
    store: Store, entities: list[tuple[str, str, Mapping[str, Any]]], **prov: Any
) -> list[dict[str, Any]]:
    """Write entities, all with the same provenance, in one transaction."""
    fields = {"agency": "RS-MUP", "grading": "2AP", "classification": "OFFICIAL", **prov}
    rows: list[dict[str, Any]] = []
    for schema, entity_id, props in entities:
        proxy = model.make_entity(schema)
        proxy.id = entity_id
        for prop, values in props.items():
            for v in values if isinstance(values, list) else [values]:
                proxy.add(prop, v)
        rows.extend(entity_statements(proxy, build_provenance(fields)))
    info = IngestInfo(f"test-{entities[0][1]}-{len(rows)}", "test", "test", "0",
                      datetime.now(UTC), fields["agency"], "test")  # fmt: skip
    with store.writer(info) as w:
        w.add_statements(rows)
    return rows


class Direct:
    """A transport that hands the package straight to the other node's service."""

    def __init__(self) -> None:
        self.nodes: dict[str, SharingService] = {}
        self.log: list[tuple[str, int]] = []

    def __call__(self, address: str, blob: bytes) -> tuple[int, dict[str, Any]]:
        node = self.nodes[address]
        try:
            body = node.receive(blob)
            status = 200
        except PackageRefused as exc:
            status, body = exc.status_code, exc.to_dict()
        except CorridorError as exc:
            status, body = exc.status_code, exc.to_dict()
        self.log.append((address, status))
        return status, body


def node_pair(
    tmp_path: Path, agreement: Mapping[str, Any] | None = None
) -> tuple[SharingService, SharingService, Direct]:
    """An RS-MUP node and a GB-NCA node that pin each other, RS sharing to GB under
    `agreement` and GB to RS under the same terms."""
    transport = Direct()
    services = []
    for agency, name in (("RS-MUP", "rs"), ("GB-NCA", "uk")):
        store = new_store()
        svc = SharingService(store, NodeIdentity.generate(agency), tmp_path / name, transport)
        transport.nodes[f"http://{name}"] = svc
        services.append(svc)
    rs, uk = services
    for me, other, addr in ((rs, uk, "http://uk"), (uk, rs, "http://rs")):
        me.add_partner(other.identity.public.card(), addr, Caller.operator())
        terms = {**(agreement or AGREEMENT), "partner": other.agency}
        save_agreement(me.store, Caller.operator(), parse_agreement(terms), datetime.now(UTC))
    return rs, uk, transport
