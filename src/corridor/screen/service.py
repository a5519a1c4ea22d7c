"""Screening as a service: loading lists, matching queries (yente-compatible), screening the
node's own entities continuously, and remembering analysts' decisions on alerts.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from followthemoney import model

from corridor.access.scope import SYSTEM_SCOPE, ReadScope
from corridor.errors import InputError, NotFound, ValidationError
from corridor.model.classification import Classification
from corridor.screen.index import ID_PROPS, QUERY_SCHEMATA, Profile, ScreeningIndex, profile
from corridor.screen.matcher import ALGORITHM, FEATURE_DOCS, Config, Result, can_match, compare
from corridor.store.base import Store
from corridor.store.records import Alert, ListEntityRow, ListVersion

DEFAULT_THRESHOLD = 0.7
DEFAULT_LIMIT = 5
MAX_QUERIES = 100
#: Listed entities scored per query: the most (and rarest) name keys in common first. 30 keeps
#: recall (bench/screening.py: the right entity is among the first 10 for 97.6% of variants)
#: at a third less work than 50, with no loss of F1.
CANDIDATES = 30
#: The catalogue name that means every loaded dataset (yente's default collection).
ALL = "default"
DECISIONS = ("true_match", "false_positive")


# --- loading lists ---------------------------------------------------------------------------


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


def _content_hash(data: Mapping[str, Any]) -> str:
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
    store: Store, path: Path, dataset: str, fmt: str | None = None, mapping: Path | None = None
) -> LoadReport:
    """Load (or reload) a list as a named dataset: additions, changes and delistings.

    The whole file is read and checked before anything is written; delisted entities are kept,
    marked as no longer listed, so earlier alerts still show what they matched.
    """
    from corridor.screen.loaders import read_list

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
        digest = _content_hash(data)
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
    return LoadReport(name, version.version, len(loaded), added, changed, delisted, unchanged)


# --- the index, kept warm in the process -----------------------------------------------------


class _IndexCache:
    """One index per store, rebuilt when a list version changes (loads are rare, matches many).

    A load in this process invalidates at once; a load by another process (the CLI beside a
    running server) is seen within `RECHECK_S`, so a match costs no database round trip.
    """

    RECHECK_S = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[tuple[Any, ...], ScreeningIndex, float]] = {}

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()

    def fresh(self, store: Store) -> bool:
        """Whether `get` will answer at once, without reading the store."""
        with self._lock:
            cached = self._cache.get(id(store))
        return cached is not None and time.monotonic() - cached[2] < self.RECHECK_S

    def get(self, store: Store) -> ScreeningIndex:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(id(store))
        if cached is not None and now - cached[2] < self.RECHECK_S:
            return cached[1]
        versions = store.list_versions()
        stamp = tuple((v.name, v.version) for v in versions)
        if cached is not None and cached[0] == stamp:
            with self._lock:
                self._cache[id(store)] = (stamp, cached[1], now)
            return cached[1]
        index = ScreeningIndex()
        for row in store.list_entities():
            index.add(row.dataset, row.data)
        index.freeze()
        index.versions = {v.name: v for v in versions}  # the latest of each, as they sort
        with self._lock:
            self._cache[id(store)] = (stamp, index, now)
        return index


INDEXES = _IndexCache()


def datasets(store: Store) -> dict[str, ListVersion]:
    """The latest version of each loaded dataset."""
    return dict(INDEXES.get(store).versions)


def resolve_dataset(store: Store, dataset: str) -> list[str] | None:
    """Dataset names a request covers (None: all), or NotFound for an unknown one."""
    known = datasets(store)
    if dataset == ALL or dataset in ("all", "sanctions"):
        return None
    if dataset not in known:
        raise NotFound(f"no dataset {dataset!r} (loaded: {', '.join(sorted(known)) or 'none'})")
    return [dataset]


# --- matching (yente-compatible) -------------------------------------------------------------


def query_profile(schema: str, properties: Mapping[str, Any], where: str) -> Profile:
    """A query's profile; unknown schemata or properties are refused naming the field."""
    if schema not in QUERY_SCHEMATA and model.get(schema) is None:
        raise ValidationError(f"unknown schema {schema!r}", f"{where}.schema")
    ftm_schema = model.get(schema)
    props: dict[str, list[str]] = {}
    for prop, value in properties.items():
        if ftm_schema is not None and ftm_schema.get(prop) is None:
            raise ValidationError(
                f"{schema} has no property {prop!r}", f"{where}.properties.{prop}"
            )
        values = value if isinstance(value, list) else [value]
        props[prop] = [str(v) for v in values if v is not None and not isinstance(v, dict | list)]
    return profile(schema, props)


def entity_response(data: Mapping[str, Any], include_sanctions: bool = True) -> dict[str, Any]:
    """A listed entity as yente returns it (with its sanctions nested under `properties`)."""
    props = {k: list(v) for k, v in (data.get("properties") or {}).items()}
    if include_sanctions and data.get("sanctions"):
        props["sanctions"] = list(data["sanctions"])
    caption = (
        props.get("name") or props.get("registrationNumber") or props.get("phone") or [data["id"]]
    )[0]
    return {
        "id": data["id"],
        "caption": caption if isinstance(caption, str) else str(data["id"]),
        "schema": data["schema"],
        "properties": props,
        "datasets": list(data.get("datasets") or []),
        "referents": list(data.get("referents") or []),
        "target": True,
        "first_seen": data.get("first_seen"),
        "last_seen": data.get("last_seen"),
        "last_change": data.get("last_change"),
    }


def score_candidates(
    index: ScreeningIndex,
    query: Profile,
    names: list[str] | None,
    config: Config,
    scope: ReadScope,
    candidate_limit: int = CANDIDATES,
) -> list[tuple[int, Result]]:
    """Score the index's candidates for a query, best first (ties by id: deterministic).
    Watchlist entries above the reader's clearance are never candidates."""
    scored = []
    for i in index.candidates(query, names, limit=candidate_limit):
        listed = index.entities[i]
        if not scope.allows(listed.classification, listed.agency):
            continue
        if not can_match(query.schema, listed.profile.schema):
            continue
        scored.append((i, compare(query, listed.profile, config)))
    scored.sort(key=lambda t: (-t[1].score, str(index.entities[t[0]].entity["id"])))
    return scored


def match(
    store: Store,
    dataset: str,
    body: Mapping[str, Any],
    scope: ReadScope,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = DEFAULT_LIMIT,
    algorithm: str = ALGORITHM,
    cutoff: float = 0.0,
) -> dict[str, Any]:
    """Answer a yente `/match` request body."""
    if algorithm not in (ALGORITHM, "best", "default"):
        raise ValidationError(
            f"unknown algorithm {algorithm!r} (available: {ALGORITHM})", "algorithm"
        )
    queries = body.get("queries")
    if not isinstance(queries, dict) or not queries:
        raise ValidationError("queries must be an object of named queries", "queries")
    if len(queries) > MAX_QUERIES:
        raise ValidationError(f"at most {MAX_QUERIES} queries per request", "queries")
    weights = body.get("weights") or {}
    if not isinstance(weights, dict) or not all(
        isinstance(v, int | float) for v in weights.values()
    ):
        raise ValidationError("weights must map feature names to numbers", "weights")
    config = Config().with_weights(weights)
    names = resolve_dataset(store, dataset)
    index = INDEXES.get(store)
    responses = {}
    for label, query in queries.items():
        where = f"queries.{label}"
        if not isinstance(query, dict):
            raise ValidationError("a query must be an object", where)
        schema = query.get("schema")
        properties = query.get("properties")
        if not isinstance(schema, str):
            raise ValidationError("schema is required", f"{where}.schema")
        if not isinstance(properties, dict):
            raise ValidationError("properties must be an object", f"{where}.properties")
        prof = query_profile(schema, properties, where)
        results: list[dict[str, Any]] = []
        for i, result in score_candidates(index, prof, names, config, scope):
            if result.score < cutoff or len(results) >= limit:
                continue
            data = entity_response(index.entities[i].entity)
            data.update({
                "score": round(result.score, 4),
                "features": result.features,
                "explanations": {k: f.to_dict() for k, f in result.explanations.items()},
                "match": result.score >= threshold,
                "token": None,
            })  # fmt: skip
            results.append(data)
        responses[label] = {
            "status": 200,
            "results": results,
            "total": {"value": len(results), "relation": "eq"},
            "query": {"id": query.get("id"), "schema": schema, "properties": properties},
        }
    return {"responses": responses, "matcher": matcher_docs(), "limit": limit}


def matcher_docs() -> dict[str, Any]:
    weights = Config().weights
    return {name: {"description": doc, "coefficient": weights.get(name, 1.0), "url": None}
            for name, doc in FEATURE_DOCS.items()}  # fmt: skip


def algorithms() -> dict[str, Any]:
    return {
        "algorithms": [{
            "name": ALGORITHM,
            "description": "Names aligned part by part across scripts and romanisations, "
                           "adjusted by dates of birth, identifiers, nationality and gender.",
            "features": matcher_docs(),
        }],
        "default": ALGORITHM,
        "best": ALGORITHM,
    }  # fmt: skip


def search(
    store: Store, dataset: str, q: str, scope: ReadScope, limit: int = 10, offset: int = 0
) -> dict[str, Any]:
    """Free-text name search in the lists (yente's `/search`)."""
    names = resolve_dataset(store, dataset)
    index = INDEXES.get(store)
    prof = profile("LegalEntity", {"name": [q]})
    hits = score_candidates(
        index, prof, names, Config(), scope, candidate_limit=offset + limit + 50
    )
    page = hits[offset : offset + limit]
    return {
        "results": [
            entity_response(index.entities[i].entity, include_sanctions=False) for i, _ in page
        ],
        "total": {"value": len(hits), "relation": "eq"},
        "limit": limit,
        "offset": offset,
        "facets": {},
    }


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
        shown = visible.get(name, 0)
        if v.entities and not shown:
            continue
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
    row = store.list_entity(entity_id)
    if row is None or not _visible(row.data, scope):
        raise NotFound(f"no entity {entity_id!r}")
    data = entity_response({**row.data, "first_seen": row.first_seen.isoformat(),
                            "last_seen": row.last_seen.isoformat(),
                            "last_change": row.last_change.isoformat()})  # fmt: skip
    data["listed"] = row.listed
    return data


def _visible(data: Mapping[str, Any], scope: ReadScope) -> bool:
    prov = data.get("provenance") or {}
    if not prov:
        return scope.allows(int(Classification.OFFICIAL), None)
    return scope.allows(int(Classification.parse(prov["classification"])), prov.get("agency"))


# --- continuous screening of the node's own entities -------------------------------------------

SCREENED = ("Person", "LegalEntity", "Organization", "Company", "Vehicle")
#: Every property the matcher reads (`corridor.screen.index.profile`): an alert's evidence is
#: these values, so new data in any of them is a reason to look again.
EVIDENCE = ("name", "alias", "previousName", "weakAlias", "firstName", "secondName",
            "middleName", "fatherName", "lastName", "birthDate", "incorporationDate",
            "buildDate", "nationality", "citizenship", "country", "jurisdiction", "phone",
            "gender", *ID_PROPS)  # fmt: skip


def _matched(entity_props: Mapping[str, Any]) -> dict[str, list[str]]:
    """The values of an entity that matching reads, in a stable order."""
    return {k: sorted(str(v) for v in values) for k, values in entity_props.items()
            if k in EVIDENCE and values}  # fmt: skip


def _evidence(entity_props: Mapping[str, Any], listing_hash: str) -> str:
    """What an alert was raised on: the entity's matched data and the listing's content hash. A
    decision holds while this is the same; new evidence on either side raises the alert again."""
    payload = json.dumps([_matched(entity_props), listing_hash], sort_keys=True)
    return hashlib.sha1(payload.encode()).hexdigest()


def screen_entities(
    store: Store, entity_ids: Iterable[str] | None = None, threshold: float = DEFAULT_THRESHOLD
) -> list[Alert]:
    """Screen the node's entities (all, or those given) against every loaded list; raise an
    alert for each new hit, unless the same evidence was already raised or decided, or an
    alert on the same pair still waits for a decision (one open alert per pair, not one per
    change of evidence).

    A node record with the very id of a listed entry is that listing itself (a watchlist is
    also ingested as intelligence): it is never an alert against itself.
    """
    if not datasets(store):
        return []
    index = INDEXES.get(store)
    if entity_ids is None:
        schemata = [s.name for s in model.schemata.values() if any(s.is_a(n) for n in SCREENED)]
        records = list(store.iter_entities(SYSTEM_SCOPE, schemata))
    else:
        records = [
            r for r in (store.get_entity(i, SYSTEM_SCOPE) for i in sorted(set(entity_ids))) if r
        ]
    now = datetime.now(UTC)
    new: list[Alert] = []
    for record in records:
        schema = record.entity.schema
        if not any(schema.is_a(n) for n in SCREENED) and not record.entity.get("phone", quiet=True):
            continue
        props = record.entity.properties
        prof = profile(schema.name, props)
        existing: set[tuple[str, str]] | None = None  # read only when there is a hit
        pending: set[str] = set()
        for i, result in score_candidates(index, prof, None, Config(), SYSTEM_SCOPE):
            if result.score < threshold:
                break
            listed = index.entities[i]
            list_id = str(listed.entity["id"])
            if list_id == record.id:
                continue  # the listing itself, ingested as a record
            if existing is None:
                earlier = store.alerts(record.id)
                existing = {(a.list_entity_id, a.evidence) for a in earlier}
                pending = {a.list_entity_id for a in earlier if a.status == "open"}
            # The listing as indexed is the stored row's data: its hash is the row's content
            # hash, with no read of the store per hit.
            evidence = _evidence(props, _content_hash(listed.entity))
            if (list_id, evidence) in existing or list_id in pending:
                continue  # raised (and perhaps decided) on this evidence, or awaiting a decision
            existing.add((list_id, evidence))
            pending.add(list_id)
            explanation = {k: f.to_dict() for k, f in result.explanations.items()}
            new.append(
                Alert(
                    uuid.uuid4().hex, record.id, listed.dataset, list_id,
                    round(result.score, 4), explanation, evidence, "open", now,
                )
            )  # fmt: skip
    store.add_alerts(new)
    return new


def decide(store: Store, alert_id: str, decision: str, user: str, note: str | None = None) -> Alert:
    """An analyst's decision on an alert (remembered for this evidence)."""
    if decision not in DECISIONS:
        raise ValidationError(f"decision must be one of {', '.join(DECISIONS)}", "decision")
    alert = store.alert(alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id!r}")
    store.decide_alert(alert_id, decision, user, datetime.now(UTC), note)
    decided = store.alert(alert_id)
    assert decided is not None
    return decided


def visible_alerts(store: Store, scope: ReadScope, status: str | None = None) -> list[Alert]:
    """Alerts the reader may see: both the node's record and the listed entry within their
    clearance (an alert on either above it is hidden)."""
    return [a for a in store.alerts(status=status) if alert_visible(store, a, scope)]


def alert_visible(store: Store, alert: Alert, scope: ReadScope) -> bool:
    """Whether a reader may see an alert: the listed entry within their clearance, and every
    value of the record the alert was raised on too. An alert raised partly on a value above
    the reader's clearance would disclose it (its explanation quotes it; its existence implies
    it). The record as the reader sees it either is that evidence exactly, or holds every
    matched value the record has; otherwise the alert is hidden."""
    listed = store.list_entity(alert.list_entity_id)
    if listed is not None and not _visible(listed.data, scope):
        return False
    seen = store.get_entity(alert.entity_id, scope)
    if seen is None:
        return False
    if scope.agencies is None and scope.max_classification >= SYSTEM_SCOPE.max_classification:
        return True
    listing_hash = listed.content_hash if listed is not None else _content_hash({})
    if _evidence(seen.entity.properties, listing_hash) == alert.evidence:
        return True
    full = store.get_entity(alert.entity_id, SYSTEM_SCOPE)
    return full is None or _matched(seen.entity.properties) == _matched(full.entity.properties)


def screen_rows(
    store: Store,
    dataset: str,
    rows: Sequence[Mapping[str, str]],
    scope: ReadScope,
    schema: str = "Person",
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    """Batch screening: each row is a query (its columns FtM property names, `id` its label);
    the hits at or above the threshold, best first per row."""
    names = resolve_dataset(store, dataset)
    index = INDEXES.get(store)
    ftm_schema = model.get(schema)
    if ftm_schema is None:
        raise ValidationError(f"unknown schema {schema!r}", "schema")
    hits = []
    for n, row in enumerate(rows, start=1):
        props = {k: [v] for k, v in row.items() if v and ftm_schema.get(k) is not None}
        prof = query_profile(schema, props, f"row {n}")
        for i, result in score_candidates(index, prof, names, Config(), scope)[:limit]:
            if result.score < threshold:
                break
            listed = index.entities[i]
            hits.append({
                "row": n,
                "query_id": row.get("id") or str(n),
                "entity_id": listed.entity["id"],
                "dataset": listed.dataset,
                "caption": entity_response(listed.entity)["caption"],
                "score": round(result.score, 4),
                "features": json.dumps(result.features, sort_keys=True),
            })  # fmt: skip
    return hits


__all__ = ["ALGORITHM", "Alert", "algorithms", "catalog", "decide", "load_list", "match", "search"]
