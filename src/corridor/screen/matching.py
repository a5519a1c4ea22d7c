"""Matching queries against the loaded lists (yente-compatible `/match` and `/search`), over an
index kept warm in the process, and batch screening of a table of names.
"""

from __future__ import annotations

import gc
import json
import logging
import threading
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from followthemoney import model

from corridor.access.caller import Caller
from corridor.audit import Event, audit
from corridor.errors import NotFound, ValidationError
from corridor.model.classification import Classification
from corridor.model.scope import ReadScope
from corridor.plugins import ALGORITHMS, Algorithm
from corridor.screen.index import QUERY_SCHEMATA, Profile, ScreeningIndex, profile
from corridor.screen.matcher import Config, Result, can_match
from corridor.store.base import Store
from corridor.store.records import ListVersion

DEFAULT_THRESHOLD = 0.7
log = logging.getLogger(__name__)

DEFAULT_LIMIT = 5
MAX_QUERIES = 100
#: Listed entities scored per query: the most (and rarest) name keys in common first. 20 keeps
#: the right entity among them for 98 % of variants (bench/screening.py, seed 2026: recall 0.958
#: against 0.962 at 30, precision 0.916 against 0.910, F1 0.937 against 0.935) at two thirds of
#: the work; the candidates ranked 21st to 30th are mostly other people sharing a common name.
CANDIDATES = 20
#: The catalogue name that means every loaded dataset (yente's default collection).
ALL = "default"


# --- the index, kept warm in the process -----------------------------------------------------


class _IndexCache:
    """One index per store, rebuilt when a list version changes (loads are rare, matches many).

    A load in this process invalidates at once; a load by another process (the CLI beside a
    running server) is seen within `RECHECK_S`, so a match costs no database round trip.
    """

    RECHECK_S = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._building = threading.Lock()  # one build at a time: the others wait and share it
        # Held weakly by the store itself: a store's id may be reused by a later one, which
        # must never be answered from the index of the one before.
        self._cache: weakref.WeakKeyDictionary[
            Store, tuple[tuple[Any, ...], ScreeningIndex, float]
        ] = weakref.WeakKeyDictionary()
        self._generation = 0  # bumped by each invalidation

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()
            self._generation += 1

    def fresh(self, store: Store) -> bool:
        """Whether `get` will answer at once, without reading the store."""
        with self._lock:
            cached = self._cache.get(store)
        return cached is not None and time.monotonic() - cached[2] < self.RECHECK_S

    def get(self, store: Store) -> ScreeningIndex:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(store)
        if cached is not None and now - cached[2] < self.RECHECK_S:
            return cached[1]
        with self._building:
            return self._get(store)

    def _get(self, store: Store) -> ScreeningIndex:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(store)
            generation = self._generation
        if cached is not None and now - cached[2] < self.RECHECK_S:
            return cached[1]  # built while this caller waited
        versions = store.list_versions()
        stamp = tuple((v.name, v.version) for v in versions)
        if cached is not None and cached[0] == stamp:
            self._keep(store, generation, (stamp, cached[1], now))
            return cached[1]
        index = ScreeningIndex()
        for row in store.list_entities():
            index.add(row.dataset, row.data)
        index.freeze()
        index.versions = {v.name: v for v in versions}  # the latest of each, as they sort
        self._keep(store, generation, (stamp, index, now))
        return index

    def _keep(
        self, store: Store, generation: int, entry: tuple[tuple[Any, ...], ScreeningIndex, float]
    ) -> None:
        """Cache what was built, unless a load invalidated the cache meanwhile (what was read
        may predate it: the next call builds again)."""
        with self._lock:
            if self._generation == generation:
                self._cache[store] = entry


INDEXES = _IndexCache()


def warm(store: Store) -> None:
    """Build the store's index now, and have rigour analyse its names (a served node does, in
    the background, as it starts: the first `/match` then waits for neither)."""
    try:
        INDEXES.get(store).analyse_names()
    except Exception:  # the first match builds it instead, and reports what fails
        log.warning("screening index: could not be built ahead of use", exc_info=True)
        return
    # The index is millions of objects every request reads and none changes: out of the
    # collector's generations (`gc.freeze`), no full collection walks them again. They are
    # still freed by reference counting when a list load replaces the index.
    gc.collect()
    gc.freeze()


def datasets(store: Store) -> dict[str, ListVersion]:
    """The latest version of each loaded dataset."""
    return dict(INDEXES.get(store).versions)


def resolve_dataset(store: Store, dataset: str, scope: ReadScope) -> list[str] | None:
    """Dataset names a request covers (None: all), or NotFound for one the reader may not know
    of: unknown, or none of its entries within their scope. Both get the same answer, naming
    only the datasets the reader may see."""
    if dataset == ALL or dataset in ("all", "sanctions"):
        return None
    index = INDEXES.get(store)
    if dataset not in index.versions or not index.visible(dataset, scope):
        seen = sorted(name for name in index.versions if index.visible(name, scope))
        raise NotFound(f"no dataset {dataset!r} (loaded: {', '.join(seen) or 'none'})")
    return [dataset]


def consulted(index: ScreeningIndex, dataset: str, hits: Iterable[int]) -> int:
    """What a match or search consulted, for the audit log: the highest classification among
    its hits, and at least the lowest of the dataset it named (its name discloses that)."""
    named = index.floor(dataset) if dataset in index.versions else int(Classification.OFFICIAL)
    return max([named, *(index.entities[i].classification for i in hits)])


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


def default_algorithm() -> Algorithm:
    """The algorithm used when a request names none (and by continuous screening)."""
    return ALGORITHMS.get(ALGORITHMS.default)


def score_candidates(
    index: ScreeningIndex,
    query: Profile,
    names: list[str] | None,
    config: Config,
    scope: ReadScope,
    candidate_limit: int = CANDIDATES,
    algorithm: Algorithm | None = None,
) -> list[tuple[int, Result]]:
    """Score the index's candidates for a query with an algorithm (the default one unless
    given), best first (ties by id: deterministic). Watchlist entries above the reader's
    clearance are never candidates."""
    compare = (algorithm or default_algorithm()).compare
    query.holders = index.holders
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
    caller: Caller,
    dataset: str,
    body: Mapping[str, Any],
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = DEFAULT_LIMIT,
    algorithm: str = ALGORITHMS.default,
    cutoff: float = 0.0,
) -> dict[str, Any]:
    """Answer a yente `/match` request body (logged with the ids of the matches found)."""
    scope = caller.scope
    name = ALGORITHMS.default if algorithm in ("best", "default") else algorithm
    if name not in ALGORITHMS:
        raise ValidationError(
            f"unknown algorithm {algorithm!r} (available: {', '.join(ALGORITHMS.names)})",
            "algorithm",
        )
    algo = ALGORITHMS.get(name)
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
    config = algo.config.with_weights(weights)
    names = resolve_dataset(store, dataset, scope)
    index = INDEXES.get(store)
    responses = {}
    matched: dict[str, list[str]] = {}
    shown: list[int] = []
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
        for i, result in score_candidates(index, prof, names, config, scope, algorithm=algo):
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
            shown.append(i)
        responses[label] = {
            "status": 200,
            "results": results,
            "total": {"value": len(results), "relation": "eq"},
            "query": {"id": query.get("id"), "schema": schema, "properties": properties},
        }
        matched[label] = [str(r["id"]) for r in results if r["match"]]
    # A read is chained now and written in a batch within a second: cheap enough for the
    # event loop, where the API runs matching.
    audit(store, caller, Event.READ, f"match/{dataset}",
          {"queries": len(queries), "matches": matched},
          consulted(index, dataset, shown))  # fmt: skip
    return {"responses": responses, "matcher": matcher_docs(algo), "limit": limit}


def matcher_docs(algorithm: Algorithm | None = None) -> dict[str, Any]:
    """An algorithm's features as yente documents them, each with its weight (1 if none)."""
    algo = algorithm or default_algorithm()
    weights = algo.config.weights
    return {name: {"description": doc, "coefficient": weights.get(name, 1.0), "url": None}
            for name, doc in algo.features.items()}  # fmt: skip


def algorithm_docs(name: str, algorithm: Algorithm) -> dict[str, Any]:
    """What `GET /algorithms` says of one algorithm: its features and its configuration."""
    config = {
        key: {"type": "float", "default": value, "description": algorithm.config_docs.get(key)}
        for key, value in algorithm.config.weights.items()
    }
    return {
        "name": name,
        "description": algorithm.description,
        "features": matcher_docs(algorithm),
        "config": config,
    }


def algorithms() -> dict[str, Any]:
    """Every registered algorithm; the default is also the best."""
    default = ALGORITHMS.default
    return {
        "algorithms": [algorithm_docs(name, algo) for name, algo in ALGORITHMS.items()],
        "default": default,
        "best": default,
    }


def search(
    store: Store, caller: Caller, dataset: str, q: str, limit: int = 10, offset: int = 0
) -> dict[str, Any]:
    """Free-text name search in the lists (yente's `/search`)."""
    scope = caller.scope
    names = resolve_dataset(store, dataset, scope)
    index = INDEXES.get(store)
    prof = profile("LegalEntity", {"name": [q]})
    algo = default_algorithm()
    hits = score_candidates(
        index, prof, names, algo.config, scope, offset + limit + 50, algorithm=algo
    )
    page = hits[offset : offset + limit]
    ids = [index.entities[i].entity["id"] for i, _ in page]
    audit(store, caller, Event.READ, f"search/{dataset}", {"q": q, "offset": offset, "ids": ids},
          consulted(index, dataset, (i for i, _ in page)))  # fmt: skip
    return {
        "results": [
            entity_response(index.entities[i].entity, include_sanctions=False) for i, _ in page
        ],
        "total": {"value": len(hits), "relation": "eq"},
        "limit": limit,
        "offset": offset,
        "facets": {},
    }


def screen_rows(
    store: Store,
    caller: Caller,
    dataset: str,
    rows: Sequence[Mapping[str, str]],
    schema: str = "Person",
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    """Batch screening: each row is a query (its columns FtM property names, `id` its label);
    the hits at or above the threshold, best first per row."""
    scope = caller.scope
    names = resolve_dataset(store, dataset, scope)
    index = INDEXES.get(store)
    ftm_schema = model.get(schema)
    if ftm_schema is None:
        raise ValidationError(f"unknown schema {schema!r}", "schema")
    algo = default_algorithm()
    hits = []
    found: list[int] = []
    for n, row in enumerate(rows, start=1):
        props = {k: [v] for k, v in row.items() if v and ftm_schema.get(k) is not None}
        prof = query_profile(schema, props, f"row {n}")
        scored = score_candidates(index, prof, names, algo.config, scope, algorithm=algo)
        for i, result in scored[:limit]:
            if result.score < threshold:
                break
            listed = index.entities[i]
            found.append(i)
            hits.append({
                "row": n,
                "query_id": row.get("id") or str(n),
                "entity_id": listed.entity["id"],
                "dataset": listed.dataset,
                "caption": entity_response(listed.entity)["caption"],
                "score": round(result.score, 4),
                "features": json.dumps(result.features, sort_keys=True),
            })  # fmt: skip
    audit(store, caller, Event.READ, f"screen/{dataset}",
          {"rows": len(rows), "threshold": threshold,
           "hits": sorted({str(h["entity_id"]) for h in hits})},
          consulted(index, dataset, found))  # fmt: skip
    return hits
