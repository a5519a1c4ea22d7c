"""The yente-compatible screening API in-process: request bodies from yente's documentation,
response shapes, vehicles and phones, field-naming 422s, roles, and no 500 for any body."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Api
from corridor.access.caller import Caller
from corridor.screen.lists import load_list

LISTED = [
    {"id": "gb-gimtp-001", "schema": "Person", "properties": {
        "name": ["Mohammed Abdullah al-Hassan"], "alias": ["Abu Omar"],
        "weakAlias": ["The Doctor"], "birthDate": ["1975-03-12"], "nationality": ["ly"],
        "passportNumber": ["P1234567"], "gender": ["male"], "phone": ["+218911234567"]}},
    {"id": "gb-gimtp-002", "schema": "Person", "properties": {
        "name": ["Vladimir Putin"], "birthDate": ["1952-10-07"], "nationality": ["ru"]}},
    {"id": "gb-gimtp-003", "schema": "Company", "properties": {
        "name": ["Balkan Route Logistics d.o.o."], "jurisdiction": ["rs"],
        "registrationNumber": ["21345678"]}},
    {"id": "wl-veh-001", "schema": "Vehicle", "properties": {
        "name": ["Vehicle of interest NS-123-AB"], "registrationNumber": ["NS 123-AB"]}},
]  # fmt: skip

#: The example body in yente's documentation (a person with name, birth date, nationality).
YENTE_EXAMPLE = {
    "queries": {
        "q1": {
            "schema": "Person",
            "properties": {
                "name": ["Vladimir Putin"],
                "birthDate": ["1952"],
                "nationality": ["ru"],
            },
        }
    }
}


@pytest.fixture
def screening(api: Api, tmp_path: Path) -> Api:
    path = tmp_path / "gimtp.json"
    path.write_text("\n".join(json.dumps(e) for e in LISTED) + "\n", encoding="utf-8")
    load_list(api.store, Caller.operator(), path, "gb_gimtp", fmt="ftm")
    return api


def match(api: Api, body: Any, dataset: str = "default", user: str = "analyst", **params: Any):  # type: ignore[no-untyped-def]
    return api.post(f"/match/{dataset}", user=user, json=body, params=params)


def test_yente_documentation_body_gets_a_well_formed_response(screening: Api) -> None:
    r = match(screening, YENTE_EXAMPLE)
    assert r.status_code == 200, r.text
    data = r.json()
    assert set(data) >= {"responses", "limit"}
    response = data["responses"]["q1"]
    assert response["status"] == 200
    assert response["total"]["value"] == len(response["results"]) >= 1
    assert response["query"]["schema"] == "Person"
    top = response["results"][0]
    for key in ("id", "caption", "schema", "properties", "datasets", "score", "match",
                "features", "explanations"):  # fmt: skip
        assert key in top, key
    assert top["id"] == "gb-gimtp-002" and top["caption"] == "Vladimir Putin"
    assert top["match"] is True and 0.7 <= top["score"] <= 1
    assert top["datasets"] == ["gb_gimtp"]
    assert "name" in top["features"] and "dob" in top["features"]
    assert top["explanations"]["name"]["query"] == "Vladimir Putin"


def test_many_labelled_queries_in_one_request(screening: Api) -> None:
    body = {"queries": {
        "smuggler": {"schema": "Person", "properties": {"name": ["Мохамед Абдулах ал-Хасан"]}},
        "firm": {"schema": "Company", "properties": {"name": ["Balkan Route Logistics"]}},
        "nobody": {"schema": "Person", "properties": {"name": ["Jane Quietly-Innocent"]}},
    }}  # fmt: skip
    data = match(screening, body).json()["responses"]
    assert data["smuggler"]["results"][0]["id"] == "gb-gimtp-001"
    assert data["firm"]["results"][0]["id"] == "gb-gimtp-003"
    assert not any(r["match"] for r in data["nobody"]["results"])


def test_threshold_and_limit_parameters(screening: Api) -> None:
    body = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Mohamed al-Hasan"]}}}}
    strict = match(screening, body, threshold=0.99).json()["responses"]["q"]["results"]
    assert strict and not strict[0]["match"]
    loose = match(screening, body, threshold=0.5).json()["responses"]["q"]["results"]
    assert loose[0]["match"]
    assert len(match(screening, body, limit=1).json()["responses"]["q"]["results"]) <= 1
    assert match(screening, body, algorithm="best").status_code == 200
    r = match(screening, body, algorithm="name-based")
    assert r.status_code == 422 and r.json()["field"] == "algorithm"


def test_vehicles_and_phones_screen(screening: Api) -> None:
    body = {"queries": {
        "van": {"schema": "Vehicle", "properties": {"registrationNumber": ["NS123AB"]}},
        "phone": {"schema": "Person", "properties": {"name": ["unknown"],
                                                     "phone": ["00218 91 123 4567"]}},
    }}  # fmt: skip
    data = match(screening, body).json()["responses"]
    assert data["van"]["results"][0]["id"] == "wl-veh-001"
    assert data["van"]["results"][0]["match"]
    assert data["phone"]["results"][0]["id"] == "gb-gimtp-001"
    assert "phone" in data["phone"]["results"][0]["features"]


def test_search_catalog_algorithms_and_entity(screening: Api) -> None:
    hits = screening.get("/search/gb_gimtp", params={"q": "Владимир Путин"}).json()
    assert hits["results"][0]["id"] == "gb-gimtp-002"
    catalog = screening.get("/catalog").json()
    assert [d["name"] for d in catalog["datasets"]] == ["gb_gimtp"]
    algos = screening.get("/algorithms").json()
    assert algos["default"] in [a["name"] for a in algos["algorithms"]]
    entity = screening.get("/entities/gb-gimtp-001", params={"nested": "true"}).json()
    assert entity["schema"] == "Person" and entity["listed"] is True
    assert screening.get("/entities/no-such-thing").status_code == 404


def test_unknown_dataset_is_404_naming_what_is_loaded(screening: Api) -> None:
    r = match(screening, YENTE_EXAMPLE, dataset="eu_fsf")
    assert r.status_code == 404 and "gb_gimtp" in r.json()["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "queries"),
     ({"queries": {}}, "queries"),
     ({"queries": {"q1": {"properties": {"name": ["x"]}}}}, "queries.q1.schema"),
     ({"queries": {"q1": {"schema": "Person", "properties": {"name": {"a": 1}}}}},
      "queries.q1.properties.name"),
     ({"queries": {"q1": {"schema": "Dragon", "properties": {"name": ["x"]}}}},
      "queries.q1.schema"),
     ({"queries": {"q1": {"schema": "Person", "properties": {"wingspan": ["3m"]}}}},
      "queries.q1.properties.wingspan"),
     ({"queries": {"q1": {"schema": "Person", "properties": {}}}, "weights": {"magic": 2}},
      "weights"),
     ({"queries": {f"q{i}": {"schema": "Person", "properties": {"name": ["x"]}}
                   for i in range(101)}}, "queries")],
)  # fmt: skip
def test_malformed_bodies_are_422_naming_the_field(
    screening: Api, body: dict[str, Any], field: str
) -> None:
    r = match(screening, body)
    assert r.status_code == 422, r.text
    assert r.json()["field"].startswith(field), r.json()


@pytest.mark.parametrize("user", ["auditor", "admin"])
def test_roles_without_screening_are_refused(screening: Api, user: str) -> None:
    assert match(screening, YENTE_EXAMPLE, user=user).status_code == 403
    assert screening.get("/search/default", user=user, params={"q": "x"}).status_code == 403


def test_no_key_is_401(screening: Api) -> None:
    assert screening.client.post("/match/default", json=YENTE_EXAMPLE).status_code == 401


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
_query = st.fixed_dictionaries(
    {},
    optional={
        "schema": st.sampled_from(["Person", "Company", "Vehicle", "Thing", "Dragon", ""]) | _json,
        "properties": st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "birthDate",
                    "nationality",
                    "phone",
                    "registrationNumber",
                    "passportNumber",
                    "gender",
                    "alias",
                    "country",
                ]
            )
            | st.text(max_size=8),
            st.lists(st.text(max_size=40), max_size=3) | _json,
            max_size=5,
        )
        | _json,
        "id": _json,
    },
)
_body = (
    st.fixed_dictionaries(
        {},
        optional={
            "queries": st.dictionaries(st.text(max_size=8), _query | _json, max_size=3) | _json,
            "weights": st.dictionaries(st.text(max_size=12), st.floats() | _json, max_size=3),
        },
    )
    | _json
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_body, threshold=st.floats(min_value=-1, max_value=2) | st.text(max_size=4))
def test_no_body_ever_gets_a_500(screening: Api, body: Any, threshold: Any) -> None:
    r = screening.client.post(
        "/match/default", content=json.dumps(body), params={"threshold": threshold},
        headers={**screening.headers("analyst"), "Content-Type": "application/json"},
    )  # fmt: skip
    assert r.status_code in (200, 422), (r.status_code, r.text, body)
    if r.status_code == 422:
        assert r.json()["message"]
    else:
        for response in r.json()["responses"].values():
            assert all(0 <= hit["score"] <= 1 for hit in response["results"])


def test_matching_is_deterministic(screening: Api) -> None:
    """The same request gives the same answer, order and scores included (ties break by id)."""
    body = {"queries": {
        "a": {"schema": "Person", "properties": {"name": ["Mohamed Hasan"]}},
        "b": {"schema": "LegalEntity", "properties": {"name": ["Balkan Logistics"]}},
    }}  # fmt: skip
    first = match(screening, body, threshold=0.1, limit=10).json()
    assert any(first["responses"][label]["results"] for label in ("a", "b"))
    for _ in range(3):
        assert match(screening, body, threshold=0.1, limit=10).json() == first


def test_a_query_too_large_to_match_is_refused_at_once(screening: Api) -> None:
    """A name of a megabyte, or a property with thousands of values, would hold the node while
    it is scored: refused before matching, with the place named."""

    def query(properties: dict[str, Any]) -> dict[str, Any]:
        return {"queries": {"q": {"schema": "Person", "properties": properties}}}

    for properties in (
        {"name": ["x" * 1_100_000]},
        {"name": "x" * 1001},
        {"name": [f"Name {i}" for i in range(51)]},
        {f"p{i}": ["x"] for i in range(61)},
    ):
        r = match(screening, query(properties))
        assert r.status_code == 422, r.text
        assert r.json()["field"].startswith("queries.q.properties"), r.json()
    # The most a query may hold is still answered (off the event loop, as it is large).
    largest = {"name": [f"Vladimir Putin {i} " + "x" * 900 for i in range(50)]}
    r = match(screening, query(largest))
    assert r.status_code == 200 and r.json()["responses"]["q"]["status"] == 200
    # But not a hundred such queries in one request, nor a body of megabytes.
    many = {"queries": {f"q{i}": query(largest)["queries"]["q"] for i in range(10)}}
    r = match(screening, many)
    assert r.status_code == 422 and "characters" in r.json()["message"]
    huge = {"queries": {"q": {"schema": "Person", "properties": {"name": ["x" * 3_000_000]}}}}
    r = match(screening, huge)
    assert r.status_code == 413 and "larger than" in r.json()["message"]
