"""Screening lists: loading (and reloading) a list as a named dataset, its versions, the catalogue
of what is loaded, and the lookup of one listed entity.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corridor.access.caller import Caller
from corridor.audit import Event, audit
from corridor.errors import InputError, NotFound, ValidationError
from corridor.model.classification import Classification
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.screen.loaders import read_list
from corridor.screen.matching import ALL, INDEXES, entity_response
from corridor.store.base import Store
from corridor.store.records import ListEntityRow, ListVersion


@dataclass(frozen=True, slots=True)
class LoadReport:
    dataset: str
    version: int
    entities: int
    added: int
    changed: int
    delisted: int
    unchanged: int

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


def content_hash(data: Mapping[str, Any]) -> str:
    """A listing's content hash: a reload tells changed entries by it, an alert's evidence
    includes it."""
    return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()


def list_digest(path: Path) -> str:
    """SHA-256 of a list's bytes (of every CSV, in name order, for a folder such as OFAC's):
    a load of the very same bytes is recognised and adds no version."""
    digest = hashlib.sha256()
    paths = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    for p in paths:
        with p.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def load_list(
    store: Store,
    caller: Caller,
    path: Path,
    dataset: str,
    fmt: str | None = None,
    mapping: Path | None = None,
) -> LoadReport:
    """Load (or reload) a list as a named dataset: additions, changes and delistings.

    The whole file is read and checked before anything is written; delisted entities are kept,
    marked as no longer listed, so earlier alerts still show what they matched.
    """
    name = dataset.strip().lower()
    if not name or not all(c.isalnum() or c in "_-" for c in name) or name == ALL:
        raise ValidationError(
            f"invalid dataset name {dataset!r} (letters, digits, _ and -)", "dataset"
        )
    if not path.exists():
        raise InputError("file not found", file=path.name)
    now = datetime.now(UTC)
    loaded: dict[str, dict[str, Any]] = {}
    for listed in read_list(path, fmt, mapping):
        data = listed.entity.to_dict()
        data.pop("datasets", None)
        data["datasets"] = [name]
        if listed.provenance is not None:
            # A watchlist entry's grading and handling follow every match on it; the row's
            # line is left out so that reordering a file does not read as a change.
            fields = listed.provenance.to_fields()
            fields.pop("source_ref", None)
            data["provenance"] = fields
        if listed.sanction is not None:
            sanction = listed.sanction.to_dict()
            data.setdefault("sanctions", []).append(sanction)
        entity_id = str(data["id"])
        if entity_id in loaded:  # a source listing one entity twice: merge, do not lose either
            merged = loaded[entity_id]
            for prop, values in data.get("properties", {}).items():
                existing = merged.setdefault("properties", {}).setdefault(prop, [])
                existing.extend(v for v in values if v not in existing)
            merged.setdefault("sanctions", []).extend(data.get("sanctions", []))
        else:
            loaded[entity_id] = data
    previous = {r.entity_id: r for r in store.list_entities(name, listed_only=False)}
    rows: list[ListEntityRow] = []
    added = changed = unchanged = delisted = 0
    for entity_id, data in sorted(loaded.items()):
        digest = content_hash(data)
        before = previous.get(entity_id)
        if before is None:
            added += 1
            rows.append(
                ListEntityRow(name, entity_id, data["schema"], data, digest, True, now, now, now)
            )
        else:
            same = before.content_hash == digest and before.listed
            changed += 0 if same else 1
            unchanged += 1 if same else 0
            last_change = before.last_change if same else now
            rows.append(ListEntityRow(name, entity_id, data["schema"], data, digest, True,
                                      before.first_seen, now, last_change))  # fmt: skip
    for entity_id, before in sorted(previous.items()):
        if entity_id not in loaded:
            if before.listed:
                delisted += 1
            last_change = now if before.listed else before.last_change
            rows.append(
                ListEntityRow(
                    name, entity_id, before.schema, before.data, before.content_hash, False,
                    before.first_seen, before.last_seen, last_change,
                )
            )  # fmt: skip
    versions = [v.version for v in store.list_versions() if v.name == name]
    version = ListVersion(name, max(versions, default=0) + 1, fmt or "auto", path.name,
                          list_digest(path), now, len(loaded), added, changed,
                          delisted)  # fmt: skip
    store.save_list(version, rows)
    INDEXES.invalidate()
    report = LoadReport(name, version.version, len(loaded), added, changed, delisted, unchanged)
    audit(store, caller, Event.WRITE, f"lists/{name}", {**report.to_dict(), "file": path.name})
    return report


def catalog(store: Store, scope: ReadScope = SYSTEM_SCOPE) -> dict[str, Any]:
    """The loaded lists, counting only the entries the reader may see: a list none of whose
    entries they may see is left out (its name and size would disclose it)."""
    index = INDEXES.get(store)
    visible: dict[str, int] = {}
    for listed in index.entities:
        if scope.allows(listed.classification, listed.agency):
            visible[listed.dataset] = visible.get(listed.dataset, 0) + 1
    out: list[dict[str, Any]] = []
    for name, v in sorted(index.versions.items()):
        if not index.visible(name, scope):  # the same rule as `/match/{dataset}`
            continue
        shown = visible.get(name, 0)
        out.append({
            "name": name, "title": name, "summary": f"{shown} entities from {v.source}",
            "url": None, "load": True, "entities_url": None, "version": str(v.version),
            "index_version": str(v.version), "index_current": True, "children": [],
        })  # fmt: skip
    return {
        "datasets": out,
        "current": [d["name"] for d in out],
        "outdated": [],
        "index_stale": False,
    }


def list_entity(store: Store, entity_id: str, scope: ReadScope) -> dict[str, Any]:
    """One listed entity as yente returns it (delisted ones too), if the reader may see it."""
    row = store.list_entity(entity_id)
    if row is None or not listing_visible(row.data, scope):
        raise NotFound(f"no entity {entity_id!r}")
    data = entity_response({**row.data, "first_seen": row.first_seen.isoformat(),
                            "last_seen": row.last_seen.isoformat(),
                            "last_change": row.last_change.isoformat()})  # fmt: skip
    data["listed"] = row.listed
    return data


def listing_visible(data: Mapping[str, Any], scope: ReadScope) -> bool:
    """Whether a reader may see a listing: a watchlist entry carries its grading and handling;
    an entry of a published list (no provenance) is OFFICIAL."""
    prov = data.get("provenance") or {}
    if not prov:
        return scope.allows(int(Classification.OFFICIAL), None)
    return scope.allows(int(Classification.parse(prov["classification"])), prov.get("agency"))
