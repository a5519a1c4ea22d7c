"""Records to resolve, read from the store: one feature row per source entity."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa
from followthemoney import model

from corridor.model.scope import SYSTEM_SCOPE
from corridor.resolve.features import PERSON_COLUMNS, PersonInput, entity_input, person_features
from corridor.store.base import Store

#: What Corridor resolves, and the FtM schemata each covers.
RESOLVABLE: dict[str, tuple[str, ...]] = {
    "Person": ("Person",),
    "Organization": ("Organization", "Company", "PublicBody", "LegalEntity"),
    "Vehicle": ("Vehicle",),
    "BankAccount": ("BankAccount",),
}

_ARROW = {"string": pa.string(), "int": pa.int32(), "list": pa.list_(pa.string())}
FEATURE_SCHEMA = pa.schema([(name, _ARROW[kind]) for name, kind in PERSON_COLUMNS.items()])


def feature_table(rows: Iterable[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=FEATURE_SCHEMA)


def schemata(kind: str) -> list[str]:
    names = RESOLVABLE[kind]
    return sorted({s.name for s in model.schemata.values() if any(s.name == n for n in names)})


def store_inputs(store: Store, kind: str) -> list[PersonInput]:
    """Every stored entity of a kind, as linkage input (the system scope: resolution sees all;
    what a user may see of the result is filtered when it is read)."""
    out = []
    for record in store.iter_entities(SYSTEM_SCOPE, schemata(kind)):
        agencies = sorted({str(s.row["agency"]) for s in record.statements})
        out.append(entity_input(record.entity, ",".join(agencies)))
    return out


def store_features(store: Store, kind: str) -> pa.Table:
    return feature_table(person_features(i) for i in store_inputs(store, kind))
