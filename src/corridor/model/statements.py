"""Statements with provenance: FollowTheMoney statements plus Corridor's grading and handling.

An entity is never stored as a blob: each property value is one FtM `Statement` with one
`Provenance`. The Corridor statement id hashes the FtM statement key together with the provenance,
so the same value from the same source is stored once (ingest is idempotent) while the same value
from two sources is two statements (nothing is overwritten, everything stays attributable).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from followthemoney import model
from followthemoney.dataset import Dataset
from followthemoney.exc import InvalidData
from followthemoney.proxy import EntityProxy
from followthemoney.statement import Statement, StatementEntity
from followthemoney.statement.util import BASE_ID

from corridor.model.classification import Classification, highest
from corridor.model.provenance import FIELDS, Provenance
from corridor.model.text import check_text

#: The FtM dataset Corridor's assembled entities belong to.
CORRIDOR_DATASET = Dataset.make({"name": "corridor", "title": "Corridor"})

#: Columns of the statements table, in order (see corridor.store.tables).
STATEMENT_COLUMNS: tuple[str, ...] = (
    "id",
    "entity_id",
    "schema",
    "prop",
    "prop_type",
    "value",
    "original_value",
    "lang",
    "dataset",
    "agency",
    "source_ref",
    "collected_at",
    "grading_scheme",
    "grading",
    "action_code",
    "sanitisation_code",
    "handling_instructions",
    "classification",
    "person_category",
    "review_by",
)


@lru_cache(maxsize=4096)
def _provenance_key(prov: Provenance) -> str:
    return "\x1f".join(str(v) if v is not None else "" for v in prov.columns().values())


def entity_statements(proxy: EntityProxy, prov: Provenance) -> Iterator[dict[str, Any]]:
    """Statement rows (column → value) for every property value of an FtM entity.

    A row's id hashes FtM's statement key with the provenance that asserts it. Every reader's
    values pass here: an id or a value holding a control character or a lone surrogate is
    refused (`corridor.model.text`), naming the field, before anything is written.
    """
    if proxy.id is None:
        return
    check_text(proxy.id, "id")
    dataset = prov.agency
    prov_columns = prov.columns()
    prov_key = _provenance_key(prov)
    schema = proxy.schema.name
    for prop, value in proxy.itervalues():
        check_text(value, prop.name, line_breaks=True)
        ftm_key = Statement.make_key(dataset, proxy.id, prop.name, value, False)
        row = {
            "id": hashlib.sha1(f"{ftm_key}\x1f{prov_key}".encode()).hexdigest(),
            "entity_id": proxy.id,
            "schema": schema,
            "prop": prop.name,
            "prop_type": prop.type.name,
            "value": value,
            "original_value": None,
            "lang": None,
            "dataset": dataset,
        }
        row.update(prov_columns)
        yield row


@dataclass(frozen=True, slots=True)
class StoredStatement:
    """A statement as read back from the store, with its provenance fields."""

    row: dict[str, Any]

    @property
    def prop(self) -> str:
        return str(self.row["prop"])

    @property
    def value(self) -> str:
        return str(self.row["value"])

    def provenance(self) -> dict[str, Any]:
        """JSON-ready provenance of this statement."""
        out: dict[str, Any] = {}
        for key in FIELDS:
            value = self.row.get(key)
            if key == "classification" and value is not None:
                value = Classification(int(value)).label
            elif isinstance(value, datetime | date):
                value = value.isoformat()
            out[key] = value
        return out

    def to_dict(self) -> dict[str, Any]:
        first_seen = self.row.get("first_seen")
        return {
            "id": self.row["id"],
            "entity_id": self.row["entity_id"],
            "prop": self.prop,
            "value": self.value,
            "dataset": self.row.get("dataset"),
            "first_seen": first_seen.isoformat()
            if isinstance(first_seen, datetime)
            else first_seen,
            "provenance": self.provenance(),
            "received": self.received(),
        }

    def received(self) -> dict[str, Any] | None:
        """For a value a partner shared: the package it came in and when (see /shares/received),
        beside the originator's own grading and handling in `provenance`."""
        ingest_id = self.row.get("ingest_id")
        if not isinstance(ingest_id, str) or not ingest_id.startswith("pkg-"):
            return None
        first_seen = self.row.get("first_seen")
        at = first_seen.isoformat() if isinstance(first_seen, datetime) else first_seen
        return {"package_id": ingest_id[4:], "received_at": at}

    def to_ftm(self, canonical_id: str) -> Statement:
        return Statement(
            entity_id=str(self.row["entity_id"]),
            canonical_id=canonical_id,
            prop=self.prop,
            schema=str(self.row["schema"]),
            value=self.value,
            dataset=str(self.row["dataset"]),
            origin=self.row.get("source_ref"),
        )


@dataclass(slots=True)
class EntityRecord:
    """An entity assembled from its statements, each still carrying its provenance."""

    entity: StatementEntity
    statements: list[StoredStatement]

    @property
    def id(self) -> str:
        return str(self.entity.id)

    @property
    def classification(self) -> Classification:
        """The highest classification of its statements."""
        return highest(int(s.row["classification"]) for s in self.statements)

    @classmethod
    def assemble(cls, entity_id: str, rows: Iterable[dict[str, Any]]) -> EntityRecord:
        stored = [StoredStatement(r) for r in rows]
        ftm = [s.to_ftm(entity_id) for s in stored]
        base = Statement(
            entity_id=entity_id,
            prop=BASE_ID,
            schema=_common_schema({s.schema for s in ftm}),
            value=entity_id,
            dataset=CORRIDOR_DATASET.name,
        )
        entity = StatementEntity.from_statements(CORRIDOR_DATASET, [base, *ftm])
        return cls(entity, stored)

    def to_ftm_dict(self) -> dict[str, Any]:
        """The plain FollowTheMoney entity (id, schema, properties, datasets)."""
        data = self.entity.to_dict()
        data["datasets"] = sorted({str(s.row["dataset"]) for s in self.statements})
        return data

    def to_dict(self) -> dict[str, Any]:
        """The FtM entity plus each value's provenance, under `statements` (FtM ignores it)."""
        data = self.to_ftm_dict()
        data["caption"] = self.entity.caption
        data["statements"] = [s.to_dict() for s in self.statements]
        return data


def _common_schema(names: set[str]) -> str:
    """The most specific schema all statements agree on (FtM's own rule), for assembly."""
    schemata = [model.get(n) for n in sorted(names)]
    result = schemata[0]
    if result is None:
        raise InvalidData(f"unknown schema {sorted(names)[0]!r}")
    for other in schemata[1:]:
        if other is None:
            continue
        try:
            result = model.common_schema(result, other)
        except InvalidData:
            # Two sources disagree on the type (e.g. Person vs Company): keep the first
            # (alphabetically, so assembly is deterministic); the statements keep their own.
            continue
    return result.name
