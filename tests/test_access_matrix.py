"""Every API route against every role, and every read against every clearance.

`ROUTES` states, for each route the app serves, the one action it requires (or that it is
public) and an example request. The tests derive from `PERMISSIONS` who may call it: a role with
the action gets neither 401 nor 403 (nor a 500), a role without it 403 naming the role, no key
401. A test walking the app's routes fails on any route missing from the table, so a new route
is added here with its action. `KEY_MATRIX` hard-codes who may call a few routes that matter
most, so that a wrong edit of `PERMISSIONS` is caught too.

The clearance tests ingest records, observations and watchlist entries at OFFICIAL,
OFFICIAL-SENSITIVE and SECRET (and, in the property, TOP SECRET) and check that nothing above a
reader's clearance appears, or is counted, in any read: search, entity pages (404, as for a
record that does not exist), listings, observations, counts, matches, screening and alerts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Mount

from conftest import ANPR_HEADER, write_csv
from corridor.access.authz import Authz
from corridor.access.caller import Caller
from corridor.access.roles import PERMISSIONS, Action, Role
from corridor.api.app import create_app
from corridor.errors import CorridorError
from corridor.ingest.service import ingest_path
from corridor.model.agreement import parse_agreement
from corridor.model.classification import Classification
from corridor.model.scope import SYSTEM_SCOPE
from corridor.node.identity import NodeIdentity
from corridor.resolve.service import resolve_all
from corridor.screen.alerts import screen_entities
from corridor.screen.lists import load_list
from corridor.share.agreements import save_agreement
from corridor.share.service import SharingService
from corridor.store.base import Store
from corridor.users.service import create_user
from stores import new_store

# --- a small graded world ------------------------------------------------------------------------

LEVELS = (
    Classification.OFFICIAL,
    Classification.OFFICIAL_SENSITIVE,
    Classification.SECRET,
    Classification.TOP_SECRET,
)
#: Distinct people, one per record (names that do not match each other on the lists).
NAMES = (
    "Miroslav Jovanovic",
    "Ana Kovac",
    "Dragan Nikolic",
    "Fatima Haddad",
    "Goran Stankovic",
    "Omar Rahimi",
)
AGENCY = "RS-MUP"
#: Every record is due for review (so that `/review/due` has something to show, or hide).
REVIEW_BY = "2025-01-01"
READS_PER_PLATE = 2

WATCHLIST_MAPPING = """
provenance:
  agency: GB-NCA
  grading: 2BP
  classification: {column: classification}
  source_ref: {column: entry_id}
entities:
  person:
    schema: Person
    id_column: entry_id
    properties:
      name: {column: full_name}
"""


def person_id(i: int) -> str:
    return f"ap-{i}"


def vehicle_id(i: int) -> str:
    return f"av-{i}"


def listing_id(i: int) -> str:
    return f"aw-{i}"


def plate(i: int) -> str:
    return f"BG {100 + i}-AB"


def phone(i: int) -> str:
    return f"+3816412345{i:02d}"


@dataclass
class World:
    """A store holding, for record i, a person and a vehicle at `levels[i]`, ANPR reads of the
    vehicle at the same level, and a watchlist entry naming the person at `list_levels[i]`;
    users per role (SECRET) and analysts per clearance; a client."""

    store: Store
    client: TestClient
    levels: tuple[Classification, ...]
    list_levels: tuple[Classification, ...]
    names: tuple[str, ...]
    keys: dict[str, str] = field(default_factory=dict)
    alert_id: str = ""
    upload: bytes = b""
    #: Requests for information a partner sent this node (to answer, to decline).
    incoming_rfis: list[str] = field(default_factory=list)
    partner: SharingService | None = None
    spare_statement: str = "no-statement"

    def headers(self, user: str | None) -> dict[str, str]:
        return {"Authorization": f"ApiKey {self.keys[user]}"} if user else {}

    def get(self, url: str, user: str, **kw: Any) -> Any:
        r = self.client.get(url, headers=self.headers(user), **kw)
        assert r.status_code < 500, (url, user, r.text)
        return r

    def post(self, url: str, user: str, **kw: Any) -> Any:
        r = self.client.post(url, headers=self.headers(user), **kw)
        assert r.status_code < 500, (url, user, r.text)
        return r


def role_user(role: Role) -> str:
    return f"role-{role.value}"


def clearance_user(level: Classification) -> str:
    return f"analyst-{level.name.lower()}"


def anpr_csv(path: Path, i: int, n: int = READS_PER_PLATE) -> Path:
    rows = [
        [f"a{i}-{k}", plate(i), "RS", f"2024-05-{1 + k:02d}T10:00:00Z", f"CAM{i}", "A1-NIS",
         "43.5", "21.5", "1", "N", "0.9"]
        for k in range(n)
    ]  # fmt: skip
    return write_csv(path, ANPR_HEADER, rows)


PARTNER = "GB-NCA"
PURPOSE = "prevention and detection of organised immigration crime"
AGREEMENT = {
    "purposes": [PURPOSE],
    "ceiling": "OFFICIAL-SENSITIVE",
    "schemata": {"Person": "*", "Vehicle": "*"},
    "observations": ["anpr"],
}
#: Records the matrix's corrections and recalls may change (nothing else depends on them).
SPARE_IDS = ("spare-correct", "spare-recall")


class Direct:
    """A transport handing a package straight to the other node's service."""

    def __init__(self) -> None:
        self.nodes: dict[str, SharingService] = {}

    def __call__(self, address: str, blob: bytes) -> tuple[int, dict[str, Any]]:
        try:
            return 200, self.nodes[address].receive(blob)
        except CorridorError as exc:
            return exc.status_code, exc.to_dict()


def sharing_pair(store: Store, folder: Path) -> tuple[SharingService, SharingService]:
    """This node (RS-MUP) and a partner (GB-NCA) that pin each other under one agreement."""
    transport = Direct()
    here = SharingService(store, NodeIdentity.generate(AGENCY), folder / "rs-spool", transport)
    there = SharingService(
        new_store(), NodeIdentity.generate(PARTNER), folder / "gb-spool", transport
    )
    transport.nodes = {"http://rs": here, "http://gb": there}
    for me, other, address in ((here, there, "http://gb"), (there, here, "http://rs")):
        me.add_partner(other.identity.public.card(), address, Caller.operator())
        terms = parse_agreement({**AGREEMENT, "partner": other.agency})
        save_agreement(me.store, Caller.operator(), terms, datetime.now(UTC))
    return here, there


def build_world(
    folder: Path,
    levels: tuple[Classification, ...],
    list_levels: tuple[Classification, ...],
    resolve: bool = False,
    names: tuple[str, ...] = (),
    sharing: bool = False,
) -> World:
    store = new_store()
    folder.mkdir(parents=True, exist_ok=True)
    names = names or NAMES[: len(levels)]
    for i, level in enumerate(levels):
        person = {
            "id": person_id(i),
            "schema": "Person",
            "properties": {"name": [names[i]], "phone": [phone(names.index(names[i]))]},
        }
        vehicle = {
            "id": vehicle_id(i),
            "schema": "Vehicle",
            "properties": {"registrationNumber": [plate(i)], "owner": [person_id(i)]},
        }
        path = folder / f"records-{i}.ftm.jsonl"
        path.write_text(f"{json.dumps(person)}\n{json.dumps(vehicle)}\n", encoding="utf-8")
        defaults = {"agency": AGENCY, "grading": "2BP", "classification": level.label,
                    "review_by": REVIEW_BY}  # fmt: skip
        ingest_path(store, Caller.operator(), path, defaults=defaults, show_progress=False)
        defaults = {"agency": AGENCY, "grading": "1AP", "classification": level.label,
                    "review_by": REVIEW_BY}  # fmt: skip
        ingest_path(store, Caller.operator(), anpr_csv(folder / f"anpr_{i}.csv", i), defaults=defaults,
                    show_progress=False)  # fmt: skip
    if list_levels:
        mapping = folder / "watchlist.mapping.yml"
        mapping.write_text(WATCHLIST_MAPPING, encoding="utf-8")
        header = ["entry_id", "full_name", "classification"]
        rows = [[listing_id(i), NAMES[i], lv.label] for i, lv in enumerate(list_levels)]
        watchlist = write_csv(folder / "watchlist.csv", header, rows)
        load_list(
            store, Caller.operator(), watchlist, "gb_watchlist", fmt="watchlist", mapping=mapping
        )
        screen_entities(store)
    if resolve:
        resolve_all(store, Caller.operator(), "Person")
    here = partner = None
    if sharing:
        for spare in SPARE_IDS:
            path = folder / f"{spare}.ftm.jsonl"
            spare_entity = {"id": spare, "schema": "Person", "properties": {"name": [spare]}}
            path.write_text(json.dumps(spare_entity) + "\n", encoding="utf-8")
            defaults = {"agency": AGENCY, "grading": "2BP", "classification": "OFFICIAL"}
            ingest_path(store, Caller.operator(), path, defaults=defaults, show_progress=False)
        here, partner = sharing_pair(store, folder)
    app = create_app(store, sharing_service=here)
    world = World(store, TestClient(app), levels, list_levels, names, partner=partner)
    if here is not None and partner is not None:
        asker = Caller(Authz("gb-analyst", Role.ANALYST, PARTNER, Classification.SECRET))
        for _ in range(2):
            partner.ask(asker, AGENCY, "person", NAMES[0], "who is this?", PURPOSE)
        world.incoming_rfis = [r["id"] for r in here.rfis("in")]
        spare = store.get_entity(SPARE_IDS[0], SYSTEM_SCOPE)
        assert spare is not None
        world.spare_statement = next(
            s.row["id"] for s in spare.statements if s.row["prop"] == "name"
        )
    for role in Role:
        _, world.keys[role_user(role)] = create_user(
            store, Caller.operator(), role_user(role), role, AGENCY, Classification.SECRET
        )
    for level in LEVELS:
        _, world.keys[clearance_user(level)] = create_user(
            store, Caller.operator(), clearance_user(level), Role.ANALYST, AGENCY, level
        )
    alerts = sorted(store.alerts(), key=lambda a: (a.entity_id, a.id))
    world.alert_id = alerts[0].id if alerts else "no-alert"
    world.upload = anpr_csv(folder / "upload_anpr.csv", 50, 1).read_bytes()
    return world


FIXED_LEVELS = (Classification.OFFICIAL, Classification.OFFICIAL_SENSITIVE, Classification.SECRET)
#: The levels of a second record of the same three people, each at another level than the first.
CROSSED_LEVELS = (Classification.SECRET, Classification.OFFICIAL, Classification.OFFICIAL_SENSITIVE)


@pytest.fixture(scope="module")
def matrix_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The world the route matrix runs in (its requests write: ingest, judgements, decisions)."""
    folder = tmp_path_factory.mktemp("matrix")
    world = build_world(folder, FIXED_LEVELS, FIXED_LEVELS, resolve=True, sharing=True)
    with world.client:
        yield world
    world.store.close()
    if world.partner is not None:
        world.partner.store.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Records, observations and listings at OFFICIAL, OFFICIAL-SENSITIVE and SECRET (listings
    all OFFICIAL, so that every record raises an alert whatever its level), resolved: two
    records of each person, at different levels, so that matches and clusters cross levels."""
    folder = tmp_path_factory.mktemp("graded")
    world = build_world(
        folder,
        FIXED_LEVELS + CROSSED_LEVELS,
        (Classification.OFFICIAL,) * 3,
        resolve=True,
        names=NAMES[:3] * 2,
    )
    with world.client:
        yield world
    world.store.close()


# --- the route table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """An example request: path parameters, query, JSON body, or a multipart upload."""

    path: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    files: dict[str, tuple[str, bytes]] | None = None
    data: dict[str, str] | None = None
    content: bytes | None = None


@dataclass(frozen=True)
class Spec:
    """What a route requires: an action (`None`: public), how it authenticates ("key" by API key,
    "public", or "signature" for a partner's signed package), an example, and the statuses the
    example gets from a caller who may make it."""

    action: Action | None
    example: Callable[[World], Example] = lambda w: Example()
    auth: str = "key"
    ok: frozenset[int] = frozenset({200})


def _match_body(w: World) -> Example:
    query = {"schema": "Person", "properties": {"name": [NAMES[0]]}}
    return Example(path={"dataset": "default"}, json={"queries": {"q": query}})


def _upload(w: World) -> Example:
    return Example(
        files={"file": ("upload_anpr.csv", w.upload)},
        data={"grading": "1AP", "classification": "OFFICIAL"},
    )


#: (method, path template) → what the route requires and an example request.
ROUTES: dict[tuple[str, str], Spec] = {
    ("GET", "/health"): Spec(None, auth="public"),
    ("GET", "/entities/{entity_id}"): Spec(
        Action.READ, lambda w: Example(path={"entity_id": person_id(0)})
    ),
    ("GET", "/entities/{entity_id}/observations"): Spec(
        Action.READ, lambda w: Example(path={"entity_id": vehicle_id(0)})
    ),
    ("GET", "/entities"): Spec(Action.READ, lambda w: Example(params={"schema": "Person"})),
    ("GET", "/entities/{entity_id}/matches"): Spec(
        Action.READ, lambda w: Example(path={"entity_id": person_id(0)})
    ),
    ("GET", "/entities/{entity_id}/canonical"): Spec(
        Action.READ, lambda w: Example(path={"entity_id": person_id(0)})
    ),
    ("POST", "/judgements"): Spec(
        Action.JUDGE,
        lambda w: Example(
            json={"left_id": person_id(0), "right_id": person_id(1), "verdict": "unsure"}
        ),
    ),
    ("GET", "/judgements"): Spec(
        Action.READ, lambda w: Example(params={"entity_id": person_id(0)})
    ),
    ("POST", "/resolve"): Spec(Action.RESOLVE, lambda w: Example(json={"kind": "Vehicle"})),
    ("POST", "/match/{dataset}"): Spec(Action.SCREEN, _match_body),
    ("GET", "/search/{dataset}"): Spec(
        Action.SCREEN, lambda w: Example(path={"dataset": "default"}, params={"q": NAMES[0]})
    ),
    ("GET", "/algorithms"): Spec(Action.SCREEN),
    ("GET", "/catalog"): Spec(Action.SCREEN),
    ("GET", "/alerts"): Spec(Action.READ),
    ("POST", "/alerts/{alert_id}/decision"): Spec(
        Action.JUDGE,
        lambda w: Example(path={"alert_id": w.alert_id}, json={"decision": "false_positive"}),
    ),
    ("GET", "/search"): Spec(Action.READ, lambda w: Example(params={"q": NAMES[0]})),
    # Networks: each reader's own network, built from what they may read.
    ("GET", "/network"): Spec(Action.READ),
    ("GET", "/network/communities"): Spec(Action.READ),
    ("GET", "/network/rank"): Spec(Action.READ),
    ("GET", "/network/roles"): Spec(Action.READ),
    ("GET", "/network/brokers"): Spec(Action.READ),
    ("GET", "/network/burners"): Spec(Action.READ),
    ("GET", "/network/changes"): Spec(
        Action.READ, lambda w: Example(params={"from": "2024-01-01", "to": "2024-12-31"})
    ),
    ("GET", "/network/export"): Spec(Action.READ, lambda w: Example(params={"format": "graphml"})),
    ("GET", "/timeline/{entity_id}"): Spec(
        Action.READ, lambda w: Example(path={"entity_id": person_id(0)})
    ),
    ("GET", "/network/expand/{entity_id}"): Spec(
        Action.READ, lambda w: Example(path={"entity_id": person_id(0)}, params={"hops": 1})
    ),
    ("GET", "/network/path"): Spec(
        Action.READ,
        lambda w: Example(params={"a": person_id(0), "b": person_id(1)}),
        ok=frozenset({200, 404}),
    ),
    ("GET", "/observations"): Spec(Action.READ),
    ("GET", "/anpr/convoys"): Spec(Action.READ),
    ("GET", "/anpr/journeys/{plate}"): Spec(
        Action.READ, lambda w: Example(path={"plate": plate(0)})
    ),
    ("GET", "/anpr/clones"): Spec(Action.READ),
    ("GET", "/anpr/shuttles"): Spec(Action.READ),
    ("GET", "/anpr/alerts"): Spec(Action.READ),
    ("GET", "/targeting"): Spec(
        Action.READ,
        lambda w: Example(params={"crossing": "RS-HU-HORGOS", "at": "2024-05-01T03:00:00Z"}),
        ok=frozenset({200, 404}),
    ),
    ("GET", "/routes/crossings"): Spec(Action.READ),
    ("GET", "/routes/hotspots"): Spec(Action.READ),
    ("GET", "/routes/flows"): Spec(Action.READ),
    ("GET", "/routes/displacement"): Spec(Action.READ),
    ("POST", "/ingest"): Spec(Action.INGEST, _upload),
    ("GET", "/stats/counts"): Spec(Action.STATS),
    ("GET", "/stats/frontex"): Spec(Action.STATS, lambda w: Example(params={"year": 2024})),
    ("GET", "/routes/forecast"): Spec(Action.STATS, lambda w: Example(params={"months": 3})),
    # Audit and review.
    ("GET", "/audit"): Spec(Action.AUDIT),
    ("GET", "/audit/verify"): Spec(Action.AUDIT),
    ("POST", "/audit/checkpoint"): Spec(Action.AUDIT),
    ("GET", "/review/due"): Spec(Action.READ),
    # Sharing. The inbox takes no API key: a package proves its sender by its signature.
    ("POST", "/inbox"): Spec(
        None,
        lambda w: Example(content=b"not a signed package"),
        auth="signature",
        ok=frozenset({400, 401, 422}),
    ),
    ("GET", "/node"): Spec(Action.STATS),
    ("GET", "/agreements"): Spec(Action.SHARE),
    ("PUT", "/agreements/{partner}"): Spec(
        Action.SHARE, lambda w: Example(path={"partner": PARTNER}, json=AGREEMENT)
    ),
    ("POST", "/consents"): Spec(
        Action.SHARE, lambda w: Example(json={"partner": PARTNER, "item_id": person_id(0)})
    ),
    ("POST", "/shares"): Spec(
        Action.SHARE,
        lambda w: Example(
            json={"partner": PARTNER, "entity_ids": [person_id(0)], "purpose": PURPOSE}
        ),
    ),
    ("GET", "/shares"): Spec(Action.SHARE),
    ("POST", "/shares/retry"): Spec(Action.SHARE),
    ("GET", "/shares/received"): Spec(Action.SHARE),
    ("POST", "/rfis"): Spec(
        Action.REQUEST,
        lambda w: Example(
            json={
                "partner": PARTNER,
                "subject_kind": "vehicle",
                "subject": plate(0),
                "question": "whose is it?",
                "purpose": PURPOSE,
            }
        ),
    ),
    ("GET", "/rfis"): Spec(Action.REQUEST),
    # A request is answered or declined once: whoever may comes first, the others get 409.
    ("POST", "/rfis/{rfi_id}/answer"): Spec(
        Action.ANSWER,
        lambda w: Example(path={"rfi_id": w.incoming_rfis[0]}, json={}),
        ok=frozenset({200, 409}),
    ),
    ("POST", "/rfis/{rfi_id}/decline"): Spec(
        Action.ANSWER,
        lambda w: Example(path={"rfi_id": w.incoming_rfis[1]}, json={"reason": "not ours"}),
        ok=frozenset({200, 409}),
    ),
    # Corrections and recalls change the node's own records: once done, done (404 after).
    ("POST", "/corrections"): Spec(
        Action.INGEST,
        lambda w: Example(
            json={"statement_id": w.spare_statement, "value": "Spare Corrected", "reason": "typo"}
        ),
        ok=frozenset({200, 404}),
    ),
    ("POST", "/recalls"): Spec(
        Action.INGEST,
        lambda w: Example(json={"entity_id": SPARE_IDS[1], "reason": "entered in error"}),
        ok=frozenset({200, 404}),
    ),
}

#: FastAPI's own pages, not Corridor's routes.
FRAMEWORK = {"/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"}

#: Who may call the routes that matter most, stated outright (not derived from PERMISSIONS).
A, SV, SO, AU, AD = (Role.ANALYST, Role.SUPERVISOR, Role.SHARING_OFFICER, Role.AUDITOR, Role.ADMIN)
KEY_MATRIX: dict[tuple[str, str], set[Role]] = {
    # Personal data: never auditors or admins.
    ("GET", "/entities"): {A, SV, SO},
    ("GET", "/entities/{entity_id}"): {A, SV, SO},
    ("GET", "/search"): {A, SV, SO},
    ("GET", "/observations"): {A, SV, SO},
    ("GET", "/anpr/convoys"): {A, SV, SO},
    ("GET", "/anpr/journeys/{plate}"): {A, SV, SO},
    ("GET", "/anpr/clones"): {A, SV, SO},
    ("GET", "/anpr/shuttles"): {A, SV, SO},
    ("GET", "/anpr/alerts"): {A, SV, SO},
    ("GET", "/targeting"): {A, SV, SO},
    ("GET", "/routes/crossings"): {A, SV, SO},
    ("GET", "/routes/hotspots"): {A, SV, SO},
    ("GET", "/routes/flows"): {A, SV, SO},
    ("GET", "/routes/displacement"): {A, SV, SO},
    ("GET", "/alerts"): {A, SV, SO},
    # Writing data: not sharing officers, not auditors.
    ("POST", "/ingest"): {A, SV, AD},
    ("POST", "/judgements"): {A, SV},
    ("POST", "/alerts/{alert_id}/decision"): {A, SV},
    ("POST", "/resolve"): {SV, AD},
    ("POST", "/match/{dataset}"): {A, SV, SO},
    # Aggregates: everyone.
    ("GET", "/stats/counts"): {A, SV, SO, AU, AD},
    # Letting data leave: only sharing officers on their own initiative; a partner's request
    # may be answered by those who work the case.
    ("POST", "/shares"): {SO},
    ("PUT", "/agreements/{partner}"): {SO},
    ("POST", "/consents"): {SO},
    ("POST", "/rfis/{rfi_id}/answer"): {A, SV, SO},
    ("POST", "/rfis/{rfi_id}/decline"): {A, SV, SO},
    ("GET", "/audit"): {AU},
    ("POST", "/audit/checkpoint"): {AU},
}


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route, into included routers (FastAPI includes them lazily)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from _walk(inner.routes, prefix + getattr(context, "prefix", ""))
            continue
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if isinstance(route, Mount) or path is None or not methods:
            continue
        for method in methods:
            if method != "HEAD" or "GET" not in methods:
                yield method, prefix + path


def app_routes() -> set[tuple[str, str]]:
    """Every route the app serves, walked and, as a safety net, from its OpenAPI document."""
    store = new_store()
    try:
        app = create_app(store)
        found = {(m, p) for m, p in _walk(list(app.routes)) if p not in FRAMEWORK}
        for path, operations in app.openapi()["paths"].items():
            found |= {(method.upper(), path) for method in operations}
        return found
    finally:
        store.close()


def call(w: World, key: tuple[str, str], user: str | None) -> Any:
    method, template = key
    ex = ROUTES[key].example(w)
    return w.client.request(
        method,
        template.format(**ex.path),
        headers=w.headers(user),
        params=ex.params,
        json=ex.json,
        files=ex.files,
        data=ex.data,
        content=ex.content,
    )


def may(role: Role, key: tuple[str, str]) -> bool:
    action = ROUTES[key].action
    return action is None or action in PERMISSIONS[role]


# --- every route is in the table -----------------------------------------------------------------


def test_every_route_is_in_the_table() -> None:
    served = app_routes()
    missing = sorted(served - set(ROUTES))
    stale = sorted(set(ROUTES) - served)
    assert not missing, (
        "routes missing from ROUTES in tests/test_access_matrix.py (add each with the action it "
        f"requires and an example request): {missing}"
    )
    assert not stale, f"ROUTES lists routes the app does not serve: {stale}"


def test_the_key_matrix_is_what_permissions_say() -> None:
    for key, allowed in KEY_MATRIX.items():
        derived = {role for role in Role if may(role, key)}
        assert derived == allowed, (key, sorted(derived), sorted(allowed))


# --- every route against every role --------------------------------------------------------------

CALLERS: list[Role | None] = [*Role, None]


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c.value if c else "no-key")
@pytest.mark.parametrize("key", sorted(ROUTES), ids=lambda k: f"{k[0]} {k[1]}")
def test_route_by_role(matrix_world: World, key: tuple[str, str], caller: Role | None) -> None:
    spec = ROUTES[key]
    r = call(matrix_world, key, role_user(caller) if caller else None)
    assert r.status_code < 500, (key, caller, r.text)
    if spec.auth == "public":
        assert r.status_code in spec.ok, (key, caller, r.text)
    elif spec.auth == "signature":
        # An API key neither grants nor is needed: the package's signature is checked instead
        # (the example is unsigned, so it is refused the same way for everyone).
        without = call(matrix_world, key, None)
        assert r.status_code == without.status_code, (key, caller, r.text)
        assert r.status_code in spec.ok, (key, caller, r.text)
    elif caller is None:
        assert r.status_code == 401, (key, r.text)
        assert "ApiKey" in r.json()["message"]
    elif may(caller, key):
        assert r.status_code not in (401, 403), (key, caller, r.text)
        assert r.status_code in spec.ok, (key, caller, r.text)
    else:
        assert r.status_code == 403, (key, caller, r.text)
        body = r.json()
        assert body["error"] == "Forbidden" and repr(caller.value) in body["message"], body


def test_key_routes_by_role_as_stated(matrix_world: World) -> None:
    """The same calls against `KEY_MATRIX` alone: a route whose dependency drifts from its
    stated role set fails here even if ROUTES and PERMISSIONS drift with it."""
    for key, allowed in KEY_MATRIX.items():
        for role in Role:
            r = call(matrix_world, key, role_user(role))
            if role in allowed:
                assert r.status_code not in (401, 403) and r.status_code < 500, (key, role, r.text)
            else:
                assert r.status_code == 403, (key, role, r.text)


# --- clearance: nothing above it is seen or counted ----------------------------------------------


def visible_levels(w: World, clearance: Classification) -> list[int]:
    return [i for i, level in enumerate(w.levels) if level <= clearance]


def check_clearance(w: World, clearance: Classification) -> None:
    """Everything one reader sees, against what they may: no record, observation, listing or
    alert above `clearance` appears or is counted anywhere, and hidden ids are 404."""
    user = clearance_user(clearance)
    seen = set(visible_levels(w, clearance))
    hidden_ids = {
        x for i in range(len(w.levels)) if i not in seen for x in (person_id(i), vehicle_id(i))
    }
    hidden_lists = {listing_id(i) for i, level in enumerate(w.list_levels) if level > clearance}
    hidden = hidden_ids | hidden_lists
    texts: list[str] = []

    def get(url: str, **kw: Any) -> Any:
        r = w.get(url, user, **kw)
        texts.append(r.text)
        return r

    def post(url: str, **kw: Any) -> Any:
        r = w.post(url, user, **kw)
        texts.append(r.text)
        return r

    # Entity pages: a hidden record is 404, exactly as one that does not exist.
    for i in range(len(w.levels)):
        for entity_id in (person_id(i), vehicle_id(i)):
            for suffix in ("", "/observations", "/matches", "/canonical"):
                r = get(f"/entities/{entity_id}{suffix}")
                assert r.status_code == (200 if i in seen else 404), (entity_id, suffix, r.text)
            r = get("/judgements", params={"entity_id": entity_id})
            assert r.status_code == (200 if i in seen else 404), (entity_id, r.text)
        if i in seen:
            obs = get(f"/entities/{vehicle_id(i)}/observations").json()
            assert obs["total"] == READS_PER_PLATE
    nowhere = get("/entities/no-such-record")
    assert nowhere.status_code == 404
    for i, level in enumerate(w.list_levels):
        r = get(f"/entities/{listing_id(i)}")
        assert r.status_code == (200 if level <= clearance else 404), (listing_id(i), r.text)

    # Listings (the FtM export) and every statement's marking.
    listing = get("/entities", params={"limit": 1000}).json()["results"]
    assert {e["id"] for e in listing} == {x(i) for i in seen for x in (person_id, vehicle_id)}
    for entity in listing:
        for s in entity["statements"]:
            assert Classification.parse(s["provenance"]["classification"]) <= clearance, s

    # Search, by every name.
    for name in set(w.names):
        hits = get("/search", params={"q": name}).json()
        assert {h["id"] for h in hits["results"]} <= {person_id(i) for i in seen}
        assert hits["total"] == len(hits["results"])

    # Observations.
    obs = get("/observations", params={"limit": 10000}).json()
    assert obs["total"] == len(obs["results"]) == READS_PER_PLATE * len(seen)
    assert all(Classification.parse(o["classification"]) <= clearance for o in obs["results"])
    plates = get("/observations", params=[("plate", plate(i)) for i in range(len(w.levels))])
    assert plates.json()["total"] == READS_PER_PLATE * len(seen)

    # Records due for review (all of them are): the reader's, within clearance.
    due = get("/review/due", params={"before": "2025-06-01"}).json()
    due_ids = {item["id"] for item in due["results"]}
    assert due["total"] == len(due["results"])
    assert {x(i) for i in seen for x in (person_id, vehicle_id)} <= due_ids
    assert not due_ids & hidden_ids

    # Counts: what the reader may see, no more.
    counts = get("/stats/counts").json()["agencies"]
    assert sum(c["entities"] for c in counts) == 2 * len(seen)
    assert sum(sum(c["observations"].values()) for c in counts) == READS_PER_PLATE * len(seen)

    # Screening: matches, list search, catalog, alerts.
    for name in NAMES[: len(w.list_levels)]:
        body = {"queries": {"q": {"schema": "Person", "properties": {"name": [name]}}}}
        found = post("/match/default", json=body).json()["responses"]["q"]
        ids = {h["id"] for h in found["results"]}
        assert not ids & hidden_lists and found["total"]["value"] == len(found["results"])
        listed = get("/search/default", params={"q": name}).json()
        assert not {h["id"] for h in listed["results"]} & hidden_lists
        assert listed["total"]["value"] == len({h["id"] for h in listed["results"]})
    if w.list_levels:
        catalog = get("/catalog").json()
        visible_listings = sum(1 for level in w.list_levels if level <= clearance)
        summaries = [d["summary"] for d in catalog["datasets"]]
        # A list none of whose entries the reader may see is not shown at all.
        shown = [f"{visible_listings} entities from watchlist.csv"] if visible_listings else []
        assert summaries == shown, summaries
    alerts = get("/alerts").json()
    assert alerts["total"] == len(alerts["alerts"])
    for alert in alerts["alerts"]:
        assert alert["entity_id"] not in hidden_ids and alert["list_entity_id"] not in hidden
    # Every alert on a visible record against a visible listing is shown.
    expected = {
        a.id
        for a in w.store.alerts()
        if a.entity_id not in hidden_ids and a.list_entity_id not in hidden_lists
    }
    assert {a["id"] for a in alerts["alerts"]} == expected

    # And nowhere, in any response, is a hidden id so much as mentioned (a cluster's id
    # included: it is its least member's).
    for text in texts:
        for marker in hidden:
            for quoted in (f'"{marker}"', f':{marker}"'):
                assert quoted not in text, (marker, text[:500])


@pytest.mark.parametrize("clearance", LEVELS, ids=lambda c: c.label)
def test_nothing_above_clearance_is_seen_or_counted(
    graded: World, clearance: Classification
) -> None:
    check_clearance(graded, clearance)


def test_the_graded_world_has_something_to_hide(graded: World) -> None:
    """The clearance checks are not vacuous: every record raised an alert, resolution paired
    the two records of each person, and a SECRET reader sees all of it."""
    alerted = {a.entity_id for a in graded.store.alerts()}
    assert {person_id(i) for i in range(len(graded.levels))} <= alerted
    top = clearance_user(Classification.SECRET)
    found = graded.get(f"/entities/{person_id(2)}/matches", top).json()["matches"]
    assert person_id(5) in {m["id"] for m in found}
    assert len(list(graded.store.iter_entities(SYSTEM_SCOPE, None))) == 2 * len(graded.levels)


def test_judging_and_deciding_respect_clearance(graded: World) -> None:
    """What a reader may not see they may not decide or judge (404), and judging what they may
    see does not name, in the clusters it returns, a record they may not."""
    low = clearance_user(Classification.OFFICIAL)
    secret_alert = next(a for a in graded.store.alerts() if a.entity_id == person_id(2))
    r = graded.post(f"/alerts/{secret_alert.id}/decision", low, json={"decision": "false_positive"})
    assert r.status_code == 404
    judge = {"left_id": person_id(0), "right_id": person_id(2), "verdict": "negative"}
    assert graded.post("/judgements", low, json=judge).status_code == 404
    # ap-4 (OFFICIAL) is in a cluster with ap-1 (OFFICIAL-SENSITIVE), which gives it its id.
    judge = {"left_id": person_id(0), "right_id": person_id(4), "verdict": "unsure"}
    r = graded.post("/judgements", low, json=judge)
    assert r.status_code == 200, r.text
    assert r.json()["clusters"] == {person_id(0): person_id(0), person_id(4): person_id(4)}
    high = graded.post("/judgements", clearance_user(Classification.SECRET), json=judge).json()
    assert high["clusters"] == {person_id(0): person_id(0), person_id(4): person_id(1)}


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    levels=st.lists(st.sampled_from(LEVELS), min_size=1, max_size=4),
    list_levels=st.lists(st.sampled_from(LEVELS), min_size=0, max_size=4),
    clearance=st.sampled_from(LEVELS),
)
def test_property_nothing_above_clearance_appears_anywhere(
    tmp_path_factory: pytest.TempPathFactory,
    levels: list[Classification],
    list_levels: list[Classification],
    clearance: Classification,
) -> None:
    world = build_world(tmp_path_factory.mktemp("prop"), tuple(levels), tuple(list_levels))
    try:
        with world.client:
            check_clearance(world, clearance)
    finally:
        world.store.close()
