"""Every route, as every caller, with random path parameters, query strings, bodies, uploads and
partner packages: never a 500, and never a value or a count above the caller's clearance.

The routes are the app's own (walked as the access matrix walks them), so a new route is fuzzed
without being listed here. A request is either the route's valid example from the access matrix
with some of its values changed (at any depth of a body, a file or a package), or one made from
the route's OpenAPI description alone (parameter names, body schemas, bounds, enum values); the
values are mostly of the right type, often odd (control characters, lone surrogates, numbers
past 64 bits, long and nested text) and often ones the world holds (its ids, dataset, partner),
so that requests reach past validation into the services and readers.

The world is the access matrix's, with its users per role and per clearance: a person, a
vehicle, ANPR reads and a watchlist entry at each of OFFICIAL, OFFICIAL-SENSITIVE, SECRET and
TOP SECRET, each level's person named apart (the surname is the level's marker), resolved,
screened, with a sharing partner and requests to answer; plus a bulk of TOP SECRET records and
reads, so that a count that took in anything hidden would stand out.

Hypothesis runs derandomised and without an example database (the same examples on every run):
a dozen or so a route, more for the routes that take files and packages.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from followthemoney import model
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from conftest import ANPR_HEADER, write_csv
from corridor.access.caller import Caller
from corridor.access.roles import Role
from corridor.api.app import create_app
from corridor.ingest.service import ingest_path
from corridor.model.classification import Classification
from corridor.model.provenance import build_provenance
from corridor.model.scope import ReadScope
from corridor.model.statements import entity_statements
from corridor.plugins import INGEST_READERS
from corridor.share.package import KINDS, seal
from corridor.store.duckdb import DuckDBStore
from test_access_matrix import (
    AGENCY,
    AGREEMENT,
    LEVELS,
    NAMES,
    PARTNER,
    PURPOSE,
    SPARE_IDS,
    Example,
    World,
    _walk,
    app_routes,
    build_world,
    clearance_user,
    listing_id,
    may,
    person_id,
    phone,
    plate,
    role_user,
    vehicle_id,
)
from test_access_matrix import FRAMEWORK as FRAMEWORK_PATHS
from test_access_matrix import ROUTES as MATRIX

#: Each level's marker: the surname of its person (and its watchlist entry), which no request
#: ever sends; a caller below the level must never get it back.
MARKERS = {level: NAMES[i].split()[-1].lower() for i, level in enumerate(LEVELS)}
#: TOP SECRET records and reads added to the world, far more than anything visible below.
BULK_PEOPLE = 150
BULK_READS = 400
#: What a count may exceed what the caller sees by (lists, alerts, the caller's own uploads).
SLACK = 40
#: Keys whose integers count records (in /stats/counts, totals, facets, review counts).
COUNT_KEYS = frozenset({"total", "value", "count", "entities", "statements", "observations"})
#: Routes whose numbers are not about the store's records: the audit log counts actions (and is
#: an auditor's by role), Frontex's figures are published data.
UNCOUNTED = frozenset({"/audit", "/stats/frontex"})

EXAMPLES = 15
#: The routes that take files and packages get more: every reader and check is behind them.
SLOW = {("POST", "/resolve"): 6, ("POST", "/ingest"): 150, ("POST", "/inbox"): 60}


# --- the routes and what they take ----------------------------------------------------------------


def _operations() -> dict[tuple[str, str], dict[str, Any]]:
    """(method, path) → its OpenAPI operation (empty for a route the document does not list),
    for every route the app serves."""
    store = DuckDBStore(None)
    try:
        app = create_app(store)
        document = app.openapi()
        found: dict[tuple[str, str], dict[str, Any]] = {
            (method, path): {}
            for method, path in _walk(list(app.routes))
            if path not in FRAMEWORK_PATHS
        }
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                found[(method.upper(), path)] = operation
        SCHEMAS.update(document.get("components", {}).get("schemas", {}))
        return found
    finally:
        store.close()


SCHEMAS: dict[str, Any] = {}
OPERATIONS = _operations()


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


# --- values ---------------------------------------------------------------------------------------

#: Characters that have broken input handling somewhere: controls, a lone surrogate, a BOM,
#: bidirectional overrides, quotes, separators; and strings that have.
ODD = "\x00\x07\x1b\x7f\x85\ud800\udfff\ufeff\u202e'\"%/\\.\n\t;,#?&=*éЂم"
ODD_STRINGS = ["..", "../../etc/passwd", "%00", "%ED%A0%80", "-1", "1e999", "NaN", "x" * 5_000,
               "\ud800", "a\x00b", "\x1b[31m", "[" * 2_000]  # fmt: skip

_chars = st.one_of(st.characters(codec="utf-8"), st.sampled_from(ODD))
text = st.one_of(st.text(_chars, max_size=30), st.sampled_from(ODD_STRINGS))
#: Text an HTTP client can send as a form field or file name (no lone surrogate).
sendable = st.text(
    st.one_of(st.characters(codec="utf-8"), st.sampled_from([c for c in ODD if c < "\ud800"])),
    max_size=30,
)
huge = st.sampled_from(
    [2**31, 2**31 - 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**400, 10**3_999]
)
integers = st.one_of(st.integers(-5, 2_000), st.integers(-(2**70), 2**70), huge)
numbers = st.one_of(integers, st.floats(), st.floats(allow_nan=False, allow_infinity=False))
#: Values the world holds, so that requests get past "not found" into the services.
KNOWN = [
    *(f(i) for i in range(len(LEVELS)) for f in (person_id, vehicle_id, listing_id)),
    *(plate(i) for i in range(len(LEVELS))), phone(0), NAMES[0], *SPARE_IDS, PARTNER, AGENCY,
    PURPOSE, "default", "gb_watchlist", "Person", "Vehicle", "person", "vehicle", "anpr",
    "2024-05-01", "2024-05-01T10:00:00Z", "1AP", "2BC", "OFFICIAL", "SECRET", "TOP SECRET",
    "positive", "negative", "unsure", "true_match", "false_positive", "open", "in", "out",
    "19,42,23,46", "name", "registrationNumber", "birthDate", "nationality",
]  # fmt: skip
known = st.sampled_from(KNOWN)
leaf = st.one_of(st.none(), st.booleans(), numbers, text, known, huge, st.sampled_from(ODD_STRINGS))
any_json = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.one_of(text, known), inner, max_size=4)
    ),
    max_leaves=12,
)

#: What a partner's package may hold (orjson writes it: 64-bit integers, UTF-8 text).
sealable_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**64 - 1), st.floats(), sendable, known
)
sealable = st.recursive(
    sealable_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.one_of(sendable, known), inner, max_size=4)
    ),
    max_leaves=12,
)


def from_schema(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of (roughly) a JSON schema's shape: mostly of its type and within its bounds, so
    that requests get past validation, and now and then anything at all."""
    schema = _resolve(schema)
    typed: list[st.SearchStrategy[Any]] = []
    for choice in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        typed.append(from_schema(choice, depth + 1))
    if "enum" in schema:
        typed.append(st.sampled_from(schema["enum"]))
    if "const" in schema:
        typed.append(st.just(schema["const"]))
    kind = schema.get("type")
    if kind == "string":
        typed += [text, known]
        if schema.get("format") in ("date", "date-time"):
            typed.append(st.dates().map(str))
    elif kind in ("integer", "number"):
        typed.append(numbers)
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None or high is not None:
            low = -(10**6) if low is None else low
            high = low + 10**6 if high is None else high
            inside = st.integers(int(low), int(high))
            if kind == "number":
                inside = st.one_of(inside.map(float), st.floats(low, high))
            typed += [inside, inside, inside]
    elif kind == "boolean":
        typed.append(st.booleans())
    elif kind == "array" and depth < 3:
        typed.append(st.lists(from_schema(schema.get("items", {}), depth + 1), max_size=4))
    elif (kind == "object" or "properties" in schema) and depth < 3:
        properties = dict(schema.get("properties", {}))
        extra = schema.get("additionalProperties")
        if extra is True and not properties:
            properties = {key: {} for key in AGREEMENT}  # a free-form body: an agreement's keys
        if properties:
            fields = {name: from_schema(sub, depth + 1) for name, sub in properties.items()}
            needed = set(schema.get("required", ()))
            required = {k: v for k, v in fields.items() if k in needed}
            optional = {k: v for k, v in fields.items() if k not in needed}
            typed.append(st.fixed_dictionaries(required, optional=optional))
            if needed:
                typed.append(st.fixed_dictionaries({}, optional=fields))
        if isinstance(extra, dict):
            keys = st.one_of(known, text)
            typed.append(st.dictionaries(keys, from_schema(extra, depth + 1), max_size=3))
    if not typed:
        return any_json
    # Mostly the right type (three to one), so that one wrong field does not hide the others.
    return st.one_of(*typed, *typed, *typed, any_json)


def url_part(value: Any) -> str:
    """A value in a URL, percent-encoded as bytes (a lone surrogate as the bytes UTF-8 would
    give it, which are no UTF-8)."""
    return quote(str(value).encode("utf-8", "surrogatepass"), safe="")


# --- requests -------------------------------------------------------------------------------------

#: Every role's user (cleared to SECRET), an analyst at each level, and no key at all.
CALLERS: list[str | None] = [
    *(role_user(role) for role in Role),
    *(clearance_user(level) for level in LEVELS),
    None,
]


def callers(route: tuple[str, str]) -> st.SearchStrategy[str | None]:
    """Any caller, but mostly those the route lets in (by the access matrix's table, for the
    routes it lists), so that examples reach past the refusal."""
    if route not in MATRIX:
        return st.sampled_from(CALLERS)
    allowed: list[str | None] = [role_user(role) for role in Role if may(role, route)]
    if may(Role.ANALYST, route):
        allowed += [clearance_user(level) for level in LEVELS]
    if not allowed or MATRIX[route].auth != "key":
        return st.sampled_from(CALLERS)
    return st.one_of(st.sampled_from(allowed), st.sampled_from(allowed), st.sampled_from(CALLERS))


def clearance_of(user: str | None) -> Classification | None:
    """Role users are cleared to SECRET (the access matrix's world); no key sees nothing."""
    if user is None:
        return None
    for level in LEVELS:
        if user == clearance_user(level):
            return level
    return Classification.SECRET


#: Files each reader takes, as (name, kind, document, mapping): mutated one value at a time,
#: they reach every check a reader makes.
SCAN = {
    "scan_id": "f1",
    "plate": "NS 456-KL",
    "crossing_point": "Horgos",
    "scanned_at": "2024-06-01T05:00:00Z",
    "result": "people",
    "quantity": 3,
}
SIGHTING = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [19.8, 45.2]},
    "properties": {
        "sighting_id": "s1",
        "sensor_id": "D1",
        "people_count": 3,
        "observed_at": "2024-06-01T05:00:00Z",
    },
}
REPORT = {
    "report_id": "r1",
    "reported_at": "2024-05-03T10:00:00Z",
    "title": "Horgos",
    "items": [{"item_id": "1", "text": "seen", "mentions": [person_id(0)]}],
    "entities": [{"id": "f-p1", "schema": "Person", "properties": {"name": ["Ana"]}, "item": "1"}],
}
MAPPING = (
    "entities:\n  person:\n    schema: Person\n    id_column: record_id\n"
    "    properties:\n      name: {column: full_name}\n"
)
BASES: list[tuple[str, str, Any, str | None]] = [
    ("people.ftm.json", "ftm", [{"id": "f-p1", "schema": "Person",
                                 "properties": {"name": ["Ana"], "phone": [phone(0)]}}], None),
    ("scans.json", "scans", {"scans": [SCAN]}, None),
    ("sightings.geojson", "sightings", {"type": "FeatureCollection", "features": [SIGHTING]},
     None),
    ("report.json", "report", REPORT, None),
    ("anpr.csv", "anpr", [ANPR_HEADER, ["f1", "BG 123-AB", "RS", "2024-05-01T10:00:00Z", "C1",
                                        "A1-NIS", "43.5", "21.5", "1", "N", "0.9"]], None),
    ("people.csv", "tabular", [["record_id", "full_name"], ["f-p2", "Ana"]], MAPPING),
]  # fmt: skip


def _render(name: str, document: Any) -> bytes:
    if name.endswith(".csv"):
        rows = (",".join(map(str, r)) if isinstance(r, list) else str(r) for r in document)
        return "\n".join(rows).encode("utf-8", "surrogatepass")
    if name.endswith(".ftm.json"):
        lines = (
            json.dumps(entity)
            for entity in (document if isinstance(document, list) else [document])
        )
        return "".join(line + "\n" for line in lines).encode("utf-8", "surrogatepass")
    return json.dumps(document).encode("utf-8", "surrogatepass")


@st.composite
def mutated(draw: st.DrawFn, document: Any, schema: dict[str, Any] | None = None) -> Any:
    """A copy of a JSON document with up to three of its values (at any depth) replaced, a key
    added or one taken away."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(0, 3))):
        node, node_schema = document, schema or {}
        while True:  # walk down to a container, at random
            if isinstance(node, dict):
                props = _resolve(node_schema).get("properties", {})
                keys = sorted(set(node) | set(props)) or ["x"]
            elif isinstance(node, list) and node:
                keys = list(range(len(node)))
            else:
                break
            key = draw(st.sampled_from(keys))
            child = node[key] if isinstance(node, list) or key in node else None
            if isinstance(child, dict | list) and draw(st.integers(0, 3)) > 0:
                node, node_schema = child, props.get(key, {}) if isinstance(node, dict) else {}
                continue
            sub = props.get(key) if isinstance(node, dict) else None
            if isinstance(node, dict) and draw(st.integers(0, 5)) == 0:
                node.pop(key, None)
            else:
                node[key] = draw(from_schema(sub, 1) if sub else any_json)
            break
    return document


#: What the partner sends: one statement and one ANPR read of its own (mutated, it reaches
#: every check a received row goes through).
_PROXY = model.make_entity("Person")
_PROXY.id = "gb-p-1"
_PROXY.add("name", "Alan Smith")
_PROVENANCE = build_provenance(
    {
        "agency": PARTNER,
        "grading": "2BP",
        "classification": "OFFICIAL",
        "review_by": "2030-01-01",
        "collected_at": "2024-05-01",
    }
)
PACKAGE = {
    "statements": [{k: v.isoformat() if hasattr(v, "isoformat") else v
                    for k, v in row.items()} for row in entity_statements(_PROXY, _PROVENANCE)],
    "observations": {"anpr": [{
        "source_id": "g1", "observed_at": "2024-05-01T10:00:00+00:00", "lat": 43.3,
        "lon": 21.9, "sensor_id": "CAM9", "place": "M1", "plate": "AB12CDE",
        "plate_raw": "AB12 CDE", "lane": 1, "agency": PARTNER, "grading_scheme": "3x5x2",
        "grading": "1AP", "classification": 10}]},
    "retract": [],
    "manifest": {"purpose": PURPOSE},
    "rfi": {"id": "rfi-1", "subject_kind": "person", "subject": "Alan Smith", "purpose": PURPOSE,
            "requested_by": "gb-analyst", "created_at": "2024-05-01T10:00:00+00:00",
            "due_at": "2024-05-08T10:00:00+00:00"},
}  # fmt: skip

#: The ingest form's fields, mostly plausible.
FORM = {
    "kind": st.one_of(st.sampled_from(sorted(INGEST_READERS)), sendable),
    "grading": st.one_of(st.sampled_from(["1AP", "2BC", "B24", "A1-H3"]), sendable),
    "classification": st.one_of(st.sampled_from([lv.label for lv in LEVELS]), sendable),
    "agency": st.one_of(st.sampled_from([AGENCY, PARTNER]), sendable),
    "review_by": st.one_of(st.sampled_from(["2025-01-01", "99999-01-01"]), sendable),
    "person_category": st.one_of(st.just("suspect"), sendable),
    "action_code": st.one_of(st.just("A1"), sendable),
    "handling_instructions": sendable,
}
NAMES_OF_FILES = st.one_of(
    st.sampled_from([b[0] for b in BASES] + ["p.jsonl", "detections.csv", "p.xlsx", "m.yml"]),
    sendable,
    st.text(st.sampled_from("ab._-"), min_size=250, max_size=400).map(lambda n: n + ".csv"),
)


@st.composite
def uploads(draw: st.DrawFn) -> dict[str, Any]:
    """A file of a kind a reader takes, one or more of its values changed, with its form; or
    anything at all."""
    name, kind, document, mapping = draw(st.sampled_from(BASES))
    data = {"kind": kind, "grading": "1AP", "classification": "OFFICIAL"}
    if draw(st.integers(0, 3)) == 0:
        anything = any_json.map(lambda v: _render("x.json", v))
        deep = st.sampled_from([b"[" * 100_000, b'{"scans": ' + b"[" * 100_000])
        content = draw(st.one_of(st.binary(max_size=600), anything, deep))
    else:
        content = _render(name, draw(mutated(document)))
    if draw(st.integers(0, 2)) == 0:
        data.update(draw(st.fixed_dictionaries({}, optional=FORM)))
    if draw(st.integers(0, 3)) == 0:
        name = draw(NAMES_OF_FILES)
    upload: dict[str, Any] = {"file": (name, content), "data": data}
    if mapping is not None or draw(st.integers(0, 5)) == 0:
        text_of_mapping = mapping or MAPPING
        if draw(st.integers(0, 2)) == 0:
            text_of_mapping = draw(
                st.one_of(
                    sendable,
                    st.sampled_from(
                        [
                            MAPPING + "csv: {delimiter: ''}\n",
                            MAPPING + "csv: {encoding: base64}\n",
                            "a: &a [*a]\n",
                            "entities: [1]\n",
                            MAPPING.replace("Person", "Dragon"),
                        ]
                    ),
                )
            )
        upload["mapping"] = ("people.yml", text_of_mapping.encode("utf-8", "surrogatepass"))
    return upload


def _example(route: tuple[str, str], w: World) -> Example | None:
    spec = MATRIX.get(route)
    return spec.example(w) if spec is not None else None


@st.composite
def requests(draw: st.DrawFn, method: str, path: str, example: Example | None) -> dict[str, Any]:
    """A request to a route: its valid example (from the access matrix) with some of its
    values changed, or one built from the route's OpenAPI description alone."""
    operation = OPERATIONS[(method, path)]
    base = example if example is not None and draw(st.integers(0, 3)) > 0 else None
    url = path
    params: list[tuple[str, str]] = []
    for parameter in operation.get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        schema = parameter.get("schema", {})
        if where == "path":
            value = base.path.get(name) if base is not None else None
            if value is None or draw(st.integers(0, 3)) == 0:
                value = draw(from_schema(schema))
            url = url.replace("{" + name + "}", url_part(value))
        elif where == "query":
            given_value = base.params.get(name) if base is not None else None
            if given_value is not None and draw(st.integers(0, 2)) > 0:
                params.append((name, str(given_value)))
            elif draw(st.booleans()):
                values = draw(st.lists(from_schema(schema), min_size=1, max_size=3))
                params += [(name, str(v)) for v in values]
    if draw(st.integers(0, 3)) == 0:
        params.append((draw(text), draw(text)))
    if params:
        url += "?" + "&".join(f"{url_part(k)}={url_part(v)}" for k, v in params)
    request: dict[str, Any] = {"method": method, "url": url, "headers": {}}
    if draw(st.integers(0, 3)) == 0:
        request["headers"]["X-Corridor-Purpose"] = draw(sendable).encode("utf-8")
    content = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        request.update(draw(uploads()))
    elif "application/json" in content:
        schema = content["application/json"]["schema"]
        if base is not None and base.json is not None:
            body = draw(mutated(base.json, schema))
        else:
            body = draw(from_schema(schema))
        request["content"] = json.dumps(body).encode("utf-8", "surrogatepass")
        request["headers"]["content-type"] = "application/json"
    elif path == "/inbox":
        sequences = st.integers(0, 2**64 - 1)
        made = st.tuples(
            st.sampled_from(sorted(KINDS)),
            sequences,
            st.dictionaries(st.sampled_from(sorted(PACKAGE)), sealable, max_size=4),
        )
        request["sealed"] = draw(st.one_of(
            st.none(), made, st.tuples(st.just("intelligence"), sequences, mutated(PACKAGE))
        ))  # fmt: skip
        request["content"] = draw(st.binary(max_size=300))
    return request


# --- the world ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("fuzz")
    w = build_world(folder, LEVELS, LEVELS, resolve=True, sharing=True)
    top = Classification.TOP_SECRET.label
    people = folder / "bulk.ftm.jsonl"
    with people.open("w", encoding="utf-8") as f:
        for k in range(BULK_PEOPLE):
            entity = {"id": f"bulk-{k}", "schema": "Person",
                      "properties": {"name": [f"{NAMES[-1]} {k}"]}}  # fmt: skip
            f.write(json.dumps(entity) + "\n")
    marker = MARKERS[Classification.TOP_SECRET].upper()
    reads = [[f"bulk-{k}", f"BG {k % 900 + 100}-TS", "RS", "2024-06-01T10:00:00Z",
              f"CAM-{marker}", f"{marker}-SITE", "44.0", "20.5", "1", "N", "0.9"]
             for k in range(BULK_READS)]  # fmt: skip
    anpr = write_csv(folder / "bulk_anpr.csv", ANPR_HEADER, reads)
    for path in (people, anpr):
        defaults = {"agency": AGENCY, "grading": "2BP", "classification": top}
        ingest_path(w.store, Caller.operator(), path, defaults=defaults, show_progress=False)
    with w.client:
        yield w
    w.store.close()
    if w.partner is not None:
        w.partner.store.close()


def send(w: World, user: str | None, request: dict[str, Any]) -> Any:
    headers = {**w.headers(user), **request["headers"]}
    sealed = request.get("sealed")
    content = request.get("content")
    if sealed is not None and w.partner is not None:
        kind, sequence, body = sealed
        here = w.client.app.state.sharing.identity.public  # type: ignore[attr-defined]
        try:
            _, content = seal(w.partner.identity, here, kind, sequence, body)
        except TypeError:  # what no partner can send: an integer past 64 bits
            reject()
    return w.client.request(
        request["method"],
        request["url"],
        headers=headers,
        content=content,
        files=request.get("file") and {"file": request["file"],
                                       **({"mapping": request["mapping"]}
                                          if "mapping" in request else {})},
        data=request.get("data"),
    )  # fmt: skip


def ceilings(w: World, clearance: Classification | None) -> dict[str, int]:
    """The most of each kind of record a caller cleared to `clearance` may be told of."""
    if clearance is None:
        return dict.fromkeys(("entities", "statements", "observations", "other"), SLACK)
    counts = w.store.counts(ReadScope(max_classification=clearance))
    seen = {
        "entities": sum(c.entities for c in counts),
        "statements": sum(c.statements for c in counts),
        "observations": sum(sum(c.observations.values()) for c in counts),
    }
    out = {k: v + SLACK for k, v in seen.items()}
    out["other"] = max(seen.values()) + SLACK
    return out


def counts_in(data: Any, key: str | None = None) -> Iterator[tuple[str, int]]:
    """(key, number) for every count in a JSON answer (a dict of counts is summed)."""
    if isinstance(data, dict):
        if key in COUNT_KEYS and data and all(isinstance(v, int) for v in data.values()):
            yield key, sum(data.values())
        for k, v in data.items():
            yield from counts_in(v, k)
    elif isinstance(data, list):
        for item in data:
            yield from counts_in(item, key)
    elif isinstance(data, int) and not isinstance(data, bool) and key in COUNT_KEYS:
        yield key, data


def check(w: World, path: str, user: str | None, request: dict[str, Any], r: Any) -> None:
    where = f"{request['method']} {request['url'][:300]} as {user}"
    assert r.status_code < 500, f"{where}: {r.status_code} {r.text[:500]}"
    clearance = clearance_of(user)
    answer = r.text.lower()
    # An answer may quote the request, and Hypothesis may draw a marker from this module's text.
    asked = repr(request).lower()
    for level, marker in MARKERS.items():
        if (clearance is None or level > clearance) and marker not in asked:
            assert marker not in answer, f"{where}: {level.label} {marker!r} in {r.text[:1000]}"
    if path in UNCOUNTED or not r.headers.get("content-type", "").startswith("application/json"):
        return
    limits = ceilings(w, clearance)
    for key, number in counts_in(r.json()):
        limit = limits.get(key, limits["other"])
        assert number <= limit, f"{where}: {key} {number} > {limit} seen at {clearance}"


ROUTES = sorted(OPERATIONS)


@pytest.mark.parametrize("route", ROUTES, ids=lambda k: f"{k[0]} {k[1]}")
def test_no_route_answers_500_or_above_clearance(world: World, route: tuple[str, str]) -> None:
    method, path = route

    @settings(
        max_examples=SLOW.get(route, EXAMPLES),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.filter_too_much],
    )  # fmt: skip
    @given(request=requests(method, path, _example(route, world)), user=callers(route))
    def run(request: dict[str, Any], user: str | None) -> None:
        r = send(world, user, request)
        check(world, path, user, request, r)

    run()


def test_every_route_is_fuzzed() -> None:
    """The routes come from the app: none of those it serves is left out."""
    assert set(ROUTES) == app_routes()
