"""The OpenAPI document describes every answer: each route's 200 response has a named shape
(not a bare object), the key routes name their main fields, the yente-compatible routes have
yente's, and the fields whose meaning is not obvious say what they mean."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from fastapi.routing import APIRoute

import corridor.api.routes


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from corridor.api.app import create_app
    from stores import new_store

    store = new_store()
    try:
        with TestClient(create_app(store)) as client:
            r = client.get("/openapi.json")
            assert r.status_code == 200
            data: dict[str, Any] = r.json()
            return data
    finally:
        store.close()


def routes() -> list[APIRoute]:
    """Every route declared in `corridor.api.routes`."""
    found = []
    for info in pkgutil.iter_modules(corridor.api.routes.__path__):
        module = importlib.import_module(f"corridor.api.routes.{info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            found.extend(r for r in router.routes if isinstance(r, APIRoute))
    return found


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def named(doc: dict[str, Any], schema: dict[str, Any]) -> bool:
    """A shape with named fields: a model (`$ref`), an object with properties, an array of
    such, or a choice between such."""
    if "$ref" in schema or schema.get("properties"):
        return True
    if schema.get("type") == "array":
        return named(doc, schema.get("items") or {})
    choices = schema.get("oneOf") or schema.get("anyOf")
    return bool(choices) and all(named(doc, s) for s in choices)


def answer(doc: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return doc["paths"][path][method.lower()]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]


def fields(doc: dict[str, Any], schema: dict[str, Any], *path: str) -> dict[str, Any]:
    """The properties of the model at `path` (field names; `[]` steps into an array's items or
    a map's values) below `schema`."""
    schema = resolve(doc, schema)
    for step in path:
        if step == "[]":
            inner = schema.get("items") or schema.get("additionalProperties") or {}
            schema = resolve(doc, inner)
        else:
            schema = resolve(doc, schema["properties"][step])
            if schema.get("anyOf"):  # `X | None`
                schema = resolve(doc, next(s for s in schema["anyOf"] if s != {"type": "null"}))
    props: dict[str, Any] = schema["properties"]
    return props


def test_every_route_documents_a_named_answer(doc: dict[str, Any]) -> None:
    declared = routes()
    assert len(declared) >= 30
    for route in declared:
        for method in route.methods:
            assert route.path in doc["paths"], route.path
            content = doc["paths"][route.path][method.lower()]["responses"]["200"]["content"]
            if len(content) > 1:  # a file in one of several formats (network exports)
                for media_type, body in content.items():
                    assert body.get("schema", {}).get("format") == "binary", (
                        route.path,
                        media_type,
                    )
                continue
            schema = answer(doc, method, route.path)
            assert named(doc, schema), f"{method} {route.path}: {schema}"


def test_the_yente_routes_have_yentes_fields(doc: dict[str, Any]) -> None:
    # yente/data/common.py: EntityResponse, ScoredEntityResponse, EntityMatches,
    # EntityMatchResponse, SearchResponse, DataCatalogModel, DatasetModel, AlgorithmResponse.
    entity = {"id", "caption", "schema", "properties", "datasets", "referents", "target",
              "first_seen", "last_seen", "last_change"}  # fmt: skip
    match = answer(doc, "POST", "/match/{dataset}")
    assert set(fields(doc, match)) >= {"responses", "matcher", "limit"}
    assert set(fields(doc, match, "responses", "[]")) >= {"status", "results", "total", "query"}
    scored = fields(doc, match, "responses", "[]", "results", "[]")
    assert set(scored) >= entity | {"score", "features", "match", "explanations"}
    assert set(fields(doc, match, "responses", "[]", "query")) == {"id", "schema", "properties"}
    assert set(fields(doc, match, "matcher", "[]")) == {"description", "coefficient", "url"}
    search = answer(doc, "GET", "/search/{dataset}")
    assert set(fields(doc, search)) == {"results", "total", "limit", "offset", "facets"}
    assert set(fields(doc, search, "results", "[]")) == entity
    catalog = answer(doc, "GET", "/catalog")
    assert set(fields(doc, catalog)) == {"datasets", "current", "outdated", "index_stale"}
    assert set(fields(doc, catalog, "datasets", "[]")) == {
        "name", "title", "summary", "url", "load", "entities_url", "version", "index_version",
        "index_current", "children",
    }  # fmt: skip
    algorithms = answer(doc, "GET", "/algorithms")
    assert set(fields(doc, algorithms)) == {"algorithms", "default", "best"}
    assert set(fields(doc, algorithms, "algorithms", "[]")) == {"name", "description", "features",
                                                                 "config"}  # fmt: skip
    # An id is one of the node's entities, or else a listed one in yente's shape.
    one = answer(doc, "GET", "/entities/{entity_id}")
    record, listed = (resolve(doc, s)["properties"] for s in one["oneOf"])
    assert set(listed) == entity | {"listed"}
    assert {"id", "schema", "properties", "statements"} <= set(record)


def test_the_key_routes_name_their_main_fields(doc: dict[str, Any]) -> None:
    entity = answer(doc, "GET", "/entities")
    assert set(fields(doc, entity)) == {"results", "limit", "offset"}
    statement = fields(doc, entity, "results", "[]", "statements", "[]")
    assert {"id", "prop", "value", "provenance", "received"} <= set(statement)
    assert set(fields(doc, entity, "results", "[]", "statements", "[]", "provenance")) == {
        "agency", "source_ref", "collected_at", "grading", "grading_scheme", "action_code",
        "sanitisation_code", "handling_instructions", "classification", "person_category",
        "review_by",
    }  # fmt: skip
    audit = answer(doc, "GET", "/audit")
    assert set(fields(doc, audit, "entries", "[]")) == {
        "seq", "at", "user_name", "role", "agency", "event", "target", "purpose", "detail",
        "prev_hash", "hash",
    }  # fmt: skip
    assert "next" in fields(doc, audit)
    matches = answer(doc, "GET", "/entities/{entity_id}/matches")
    assert {"probability", "match_weight", "prior_weight", "fields"} <= set(
        fields(doc, matches, "matches", "[]", "explanation")
    )
    alerts = answer(doc, "GET", "/alerts")
    assert {"score", "explanation", "evidence", "status"} <= set(
        fields(doc, alerts, "alerts", "[]")
    )
    inbox = answer(doc, "POST", "/inbox")
    assert set(fields(doc, inbox)) == {"receipt", "signature"}
    assert {"package_id", "sender", "recipient", "sequence", "sha256", "counts"} <= set(
        fields(doc, inbox, "receipt")
    )
    shares = answer(doc, "GET", "/shares")
    assert {"package_id", "partner", "status", "manifest", "withheld", "receipt"} <= set(
        fields(doc, shares, "[]")
    )
    rfis = answer(doc, "GET", "/rfis")
    assert {"status", "elapsed_hours", "overdue", "answer"} <= set(fields(doc, rfis, "[]"))
    # Observations: one shape per kind, told apart by `kind`.
    kinds = resolve(doc, answer(doc, "GET", "/observations"))["properties"]["results"]["items"]
    by_kind = {resolve(doc, s)["properties"]["kind"]["const"]: resolve(doc, s)["properties"]
               for s in kinds["oneOf"]}  # fmt: skip
    assert set(by_kind) == {"anpr", "sighting", "scan", "detection"}
    assert {"observed_at", "plate", "plate_country", "confidence", "grading"} <= set(
        by_kind["anpr"]
    )
    assert {"people_count", "heading_deg"} <= set(by_kind["sighting"])
    # Networks: brokers, burner successions and changes over time, each with its evidence.
    brokers = answer(doc, "GET", "/network/brokers")
    assert {"entity_id", "score", "communities", "record_ids", "evidence"} <= set(
        fields(doc, brokers, "results", "[]")
    )
    assert set(fields(doc, brokers, "results", "[]", "communities", "[]")) == {"community",
                                                                              "share"}  # fmt: skip
    burners = answer(doc, "GET", "/network/burners")
    assert {"old_phone", "new_phone", "score", "shared_contacts", "gap_days", "old_users",
            "new_users", "record_ids"} <= set(fields(doc, burners, "results", "[]"))  # fmt: skip
    changes = answer(doc, "GET", "/network/changes")
    assert {"from", "to", "counts", "changes"} <= set(fields(doc, changes))
    assert {"change", "entity_id", "other_id", "at", "from_community", "to_community",
            "record_ids"} <= set(fields(doc, changes, "changes", "[]"))  # fmt: skip
    assert "inferred" in fields(doc, answer(doc, "GET", "/network/expand/{entity_id}"), "links",
                                "[]")  # fmt: skip


def test_fields_whose_meaning_is_not_obvious_say_it(doc: dict[str, Any]) -> None:
    components = doc["components"]["schemas"]
    explained = {
        "Provenance": ["grading", "grading_scheme", "action_code", "sanitisation_code",
                       "classification", "person_category", "review_by"],
        "ScoredEntityResponse": ["score", "features", "explanations", "match"],
        "FeatureExplanation": ["score", "query", "candidate"],
        "PairExplanation": ["probability", "match_weight", "prior_weight"],
        "FieldComparison": ["level", "weight"],
        "AuditEntry": ["seq", "event", "target", "purpose", "prev_hash", "hash"],
        "SignedReceipt": ["signature"],
        "Receipt": ["sequence", "sha256", "counts"],
        "Package": ["status", "manifest", "withheld", "receipt"],
        "StatementRow": ["grading", "classification"],
        "Agreement": ["ceiling", "schemata", "conditional_handling"],
        "AnprObservation": ["plate", "plate_raw", "confidence", "grading", "classification"],
        "BrokerRow": ["score", "participation", "betweenness", "communities", "evidence"],
        "SuccessionRow": ["score", "shared_contacts", "gap_days", "record_ids"],
        "ChangeRow": ["change", "at"],
    }  # fmt: skip
    for model, names in explained.items():
        props = components[model]["properties"]
        for name in names:
            assert props[name].get("description"), f"{model}.{name}"
