"""The HTTP API in-process: authentication, roles, clearance filtering, provenance, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from followthemoney import model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROLES, SENSOR_DEFAULTS, Api, write_csv
from corridor.access.caller import Caller
from corridor.errors import NotFound
from corridor.ingest.service import ingest_path


@pytest.fixture
def loaded(api: Api, people_files: tuple[Path, Path], anpr_file: Path) -> Api:
    csv_path, mapping = people_files
    ingest_path(api.store, Caller.operator(), csv_path, mapping=mapping)
    ingest_path(api.store, Caller.operator(), anpr_file, defaults=SENSOR_DEFAULTS)
    return api


def test_health_needs_no_key(api: Api) -> None:
    r = api.get("/health", user=None)
    assert r.status_code == 200 and r.json()["status"] == "ok"


@pytest.mark.parametrize(
    "url", ["/entities/rs-p-1", "/entities", "/search?q=x", "/observations", "/stats/counts"]
)
def test_no_key_is_401(api: Api, url: str) -> None:
    r = api.get(url, user=None)
    assert r.status_code == 401
    assert "ApiKey" in r.json()["message"]


def test_wrong_key_or_scheme_is_401(api: Api) -> None:
    assert (
        api.client.get("/entities", headers={"Authorization": "ApiKey cor_nope"}).status_code == 401
    )
    assert api.client.get("/entities", headers={"Authorization": "Basic abc"}).status_code == 401


def test_a_user_changed_in_the_store_is_refused_on_the_next_request(api: Api) -> None:
    """No grace period in which a remembered key keeps working: the next request sees it."""
    assert api.get("/entities").status_code == 200
    assert api.get("/entities").status_code == 200  # remembered (DuckDB) or asked again
    assert api.store.set_user_active("analyst", False)
    r = api.get("/entities")
    assert (r.status_code, r.json()["message"]) == (
        401, "user 'analyst' is deactivated: their key no longer works")  # fmt: skip


def test_deactivating_a_user_stops_their_key_at_once_here(api: Api) -> None:
    from corridor.users.service import deactivate_user

    assert api.get("/entities").status_code == 200
    deactivate_user(api.store, Caller.operator(), "analyst")
    assert api.get("/entities").status_code == 401  # the key cache is emptied with it
    with pytest.raises(NotFound):
        deactivate_user(api.store, Caller.operator(), "nobody")


# What each role may do: (method, url) → roles allowed; every other role gets 403.
ACCESS = {
    ("GET", "/entities/rs-p-1"): {"analyst", "analyst_low", "supervisor", "sharing"},
    ("GET", "/entities"): {"analyst", "analyst_low", "supervisor", "sharing"},
    ("GET", "/search?q=jovanovic"): {"analyst", "analyst_low", "supervisor", "sharing"},
    ("GET", "/observations"): {"analyst", "analyst_low", "supervisor", "sharing"},
    ("GET", "/stats/counts"): {
        "analyst",
        "analyst_low",
        "supervisor",
        "sharing",
        "auditor",
        "admin",
    },
    ("GET", "/stats/frontex?year=2024"): {
        "analyst",
        "analyst_low",
        "supervisor",
        "sharing",
        "auditor",
        "admin",
    },
}


@pytest.mark.parametrize(
    "user", ["analyst", "analyst_low", "supervisor", "sharing", "auditor", "admin"]
)
def test_each_role_sees_what_it_may(loaded: Api, user: str) -> None:
    for (method, url), allowed in ACCESS.items():
        r = loaded.client.request(method, url, headers=loaded.headers(user))
        if user in allowed:
            assert r.status_code in (200, 404), (url, user, r.text)
        else:
            assert r.status_code == 403, (url, user, r.text)
            assert "may not" in r.json()["message"]


def test_entity_carries_provenance_and_is_valid_ftm(loaded: Api) -> None:
    r = loaded.get("/entities/rs-p-1")
    assert r.status_code == 200
    data = r.json()
    assert data["schema"] == "Person" and data["properties"]["name"] == ["Мирослав Јовановић"]
    proxy = model.get_proxy(data)
    assert proxy.get("birthDate") == ["1980-05-03"]
    provs = {s["prop"]: s["provenance"] for s in data["statements"]}
    assert provs["name"]["grading"] == "2BC" and provs["name"]["sanitisation_code"] == "S2"
    assert provs["name"]["classification"] == "OFFICIAL-SENSITIVE"
    assert provs["name"]["person_category"] == "suspect" and provs["name"]["agency"] == "RS-MUP"


def test_clearance_filters_entities_search_counts_and_lists(loaded: Api) -> None:
    # rs-p-2 is SECRET, rs-p-1 OFFICIAL-SENSITIVE, rs-p-3 OFFICIAL.
    assert loaded.get("/entities/rs-p-2").status_code == 200
    assert loaded.get("/entities/rs-p-2", user="analyst_low").status_code == 404
    assert loaded.get("/entities/rs-p-1", user="analyst_low").status_code == 404
    high = loaded.get("/search", params={"q": "Muhammad al-Hasan"}).json()
    low = loaded.get("/search", params={"q": "Muhammad al-Hasan"}, user="analyst_low").json()
    assert [h["id"] for h in high["results"]] == ["rs-p-2"] and low["results"] == []
    ids_low = {e["id"] for e in loaded.get("/entities", user="analyst_low").json()["results"]}
    assert ids_low == {"rs-p-3"}
    counts = {
        u: loaded.get("/stats/counts", user=u).json()["agencies"][0]["entities"]
        for u in ("analyst", "sharing", "analyst_low")
    }
    assert counts == {"analyst": 3, "sharing": 2, "analyst_low": 1}


def test_search_is_script_and_case_insensitive(loaded: Api) -> None:
    for q in ("miroslav jovanovic", "JOVANOVIĆ Miroslav", "Мирослав"):
        r = loaded.get("/search", params={"q": q})
        assert [h["id"] for h in r.json()["results"]] == ["rs-p-1"], q


def test_observations_by_window_bbox_and_plate(loaded: Api) -> None:
    everything = loaded.get("/observations").json()
    assert everything["total"] == 50
    window = loaded.get(
        "/observations", params={"start": "2024-05-01T00:00:00Z", "end": "2024-05-02T00:00:00Z"}
    ).json()
    assert window["total"] > 0 and all(
        r["observed_at"].startswith("2024-05-01") for r in window["results"]
    )
    box = loaded.get("/observations", params={"bbox": "21.0,43.0,21.2,43.3"}).json()
    assert box["total"] > 0
    assert all(21.0 <= r["lon"] <= 21.2 and 43.0 <= r["lat"] <= 43.3 for r in box["results"])
    plate = loaded.get("/observations", params={"plate": "бг 007-аб"}).json()
    assert {r["plate"] for r in plate["results"]} == {"BG007AB"} and plate["total"] >= 1
    assert (
        plate["results"][0]["classification"] == "OFFICIAL"
        and plate["results"][0]["grading"] == "1AP"
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [({"bbox": "1,2,3"}, "bbox"), ({"bbox": "30,50,20,40"}, "bbox"), ({"start": "soon"}, "start"),
     ({"plate": "---"}, "plate"), ({"phone": "12"}, "phone"), ({"limit": "0"}, "limit"),
     ({"kind": "satellite"}, "kind")],
)  # fmt: skip
def test_bad_observation_queries_are_422_naming_the_field(
    loaded: Api, params: dict[str, str], field: str
) -> None:
    r = loaded.get("/observations", params=params)
    assert r.status_code == 422
    assert r.json()["field"] == field


def test_unknown_entity_is_404_and_unknown_schema_422(loaded: Api) -> None:
    assert loaded.get("/entities/nope").status_code == 404
    r = loaded.get("/entities", params={"schema": "Dragon"})
    assert r.status_code == 422 and r.json()["field"] == "schema"


def test_ingest_upload_writes_for_the_callers_agency(
    api: Api, tmp_path: Path, people_files: tuple[Path, Path]
) -> None:
    csv_path, mapping = people_files
    files = {
        "file": ("people.csv", csv_path.read_bytes()),
        "mapping": ("m.yml", mapping.read_bytes()),
    }
    r = api.post("/ingest", files=files)
    assert r.status_code == 200, r.text
    assert r.json()["statements_added"] > 0
    again = api.post("/ingest", files=files)
    assert again.json()["statements_added"] == 0
    # A GB-NCA sharing officer may not ingest; an RS-MUP analyst may not write for GB-NCA.
    assert api.post("/ingest", user="sharing", files=files).status_code == 403
    r = api.post("/ingest", files=files, data={"agency": "GB-NCA"})
    assert r.status_code == 403


def test_ingest_upload_bad_file_is_422_and_writes_nothing(api: Api) -> None:
    body = "read_id,vrm,read_at,camera_id,lat,lon\nr1,BG1,2024-01-01T00:00:00Z,C1,44,20\nr2,,2024-01-01T00:00:00Z,C1,44,20\n"
    r = api.post(
        "/ingest",
        files={"file": ("feed_anpr.csv", body.encode())},
        data={"grading": "1AP", "classification": "OFFICIAL"},
    )
    assert r.status_code == 422
    err = r.json()
    assert (err["file"], err["line"], err["field"]) == ("feed_anpr.csv", 3, "vrm")
    assert api.get("/observations").json()["total"] == 0


def test_openapi_documents_the_routes(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert {"/health", "/entities/{entity_id}", "/search", "/observations", "/ingest"} <= set(paths)


@settings(
    max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    path=st.sampled_from(
        ["/entities", "/search", "/observations", "/stats/frontex", "/entities/x"]
    ),
    params=st.dictionaries(
        st.sampled_from(
            [
                "q",
                "schema",
                "limit",
                "offset",
                "start",
                "end",
                "bbox",
                "plate",
                "phone",
                "kind",
                "year",
                "route",
            ]
        ),
        st.text(max_size=30),
        max_size=4,
    ),
)
def test_no_query_ever_produces_a_500(loaded: Api, path: str, params: dict[str, str]) -> None:
    r = loaded.get(path, params=params)
    assert r.status_code < 500, (path, params, r.text)
    json.loads(r.text)


def test_an_entity_links_to_its_observations_by_plate_and_phone(
    loaded: Api, tmp_path: Path
) -> None:
    vehicle = {"report_id": "R9", "agency": "RS-MUP", "classification": "OFFICIAL",
               "items": [{"item_id": "1", "text": "van seen", "grading": "2BP", "mentions": ["veh-1"]}],
               "entities": [{"id": "veh-1", "schema": "Vehicle", "properties": {"registrationNumber": ["BG 007-AB"]}}]}  # fmt: skip
    path = tmp_path / "report.json"
    path.write_text(json.dumps(vehicle))
    ingest_path(loaded.store, Caller.operator(), path)
    r = loaded.get("/entities/veh-1/observations").json()
    assert r["subject"] == {"plates": ["BG007AB"], "phones": []}
    assert r["total"] > 0 and {o["plate"] for o in r["results"]} == {"BG007AB"}
    person = loaded.get("/entities/rs-p-1/observations").json()
    assert person["subject"]["phones"] == ["+381641234567"] and person["total"] == 0
    assert loaded.get("/entities/rs-p-2/observations", user="analyst_low").status_code == 404


def test_observations_match_any_of_several_plates(loaded: Api) -> None:
    one = loaded.get("/observations", params={"plate": "BG 007-AB"}).json()["total"]
    two = loaded.get(
        "/observations", params=[("plate", "BG 007-AB"), ("plate", "BG 008-KC")]
    ).json()["total"]
    assert 0 < one < two


@pytest.fixture
def resolved_api(api: Api, tmp_path: Path) -> Api:
    """Two agencies' records of one person, resolved."""
    mapping = tmp_path / "m.yml"
    mapping.write_text("""
provenance: {agency: RS-MUP, grading: 2BP, classification: {column: classification}}
entities:
  person:
    schema: Person
    id_column: id
    properties: {name: {column: name}, birthDate: {column: dob}, phone: {column: phone}}
""")
    rows = [
        ["a1", "Мирослав Јовановић", "1980-05-03", "+381641234567", "OFFICIAL"],
        ["a2", "Miroslav Jovanovic", "1980-05-03", "+381641234567", "OFFICIAL"],
        ["a3", "Ana Kovač", "1990-01-01", "", "OFFICIAL"],
        ["a4", "JOVANOVIĆ Miroslav", "1980-05-03", "", "SECRET"],
    ]
    ingest_path(
        api.store,
        Caller.operator(),
        write_csv(tmp_path / "p.csv", ["id", "name", "dob", "phone", "classification"], rows),
        mapping=mapping,
    )
    assert api.post("/resolve", user="supervisor", json={"kind": "Person"}).status_code == 200
    return api


def test_resolution_routes_by_role(resolved_api: Api) -> None:
    api = resolved_api
    body = {"left_id": "a1", "right_id": "a3", "verdict": "negative"}
    expected = {
        ("GET", "/entities/a1/matches", None): {"analyst", "analyst_low", "supervisor", "sharing"},
        ("GET", "/entities/a1/canonical", None): {
            "analyst",
            "analyst_low",
            "supervisor",
            "sharing",
        },
        ("GET", "/judgements?entity_id=a1", None): {
            "analyst",
            "analyst_low",
            "supervisor",
            "sharing",
        },
        ("POST", "/judgements", "judge"): {"analyst", "analyst_low", "supervisor"},
        ("POST", "/resolve", "resolve"): {"supervisor", "admin"},
    }
    for (method, url, kind), allowed in expected.items():
        for user in ROLES:
            payload = body if kind == "judge" else {"kind": "Person"} if kind == "resolve" else None
            r = api.client.request(method, url, headers=api.headers(user), json=payload)
            if user in allowed:
                assert r.status_code == 200, (url, user, r.text)
            else:
                assert r.status_code == 403, (url, user, r.text)


def test_matches_explain_and_hide_what_the_caller_may_not_see(resolved_api: Api) -> None:
    api = resolved_api
    found = api.get("/entities/a1/matches").json()
    ids = [m["id"] for m in found["matches"]]
    assert "a2" in ids and "a4" in ids  # the SECRET record is visible to a SECRET-cleared analyst
    a2 = next(m for m in found["matches"] if m["id"] == "a2")
    fields = {f["field"]: f for f in a2["explanation"]["fields"]}
    assert fields["name"]["agrees"] and fields["name"]["weight"] > 0
    assert fields["dob"]["level"] == "same date of birth"
    low = api.get("/entities/a1/matches", user="analyst_low").json()
    assert "a4" not in [m["id"] for m in low["matches"]]
    canonical = api.get("/entities/a1/canonical", user="analyst_low").json()
    assert set(canonical["members"]) == {"a1", "a2"}  # a4 is in the cluster but above clearance
    assert {s["entity_id"] for s in canonical["statements"]} == {"a1", "a2"}


def test_judgements_are_recorded_with_who_and_when(resolved_api: Api) -> None:
    api = resolved_api
    r = api.post(
        "/judgements",
        json={"left_id": "a2", "right_id": "a1", "verdict": "negative", "note": "twins"},
    )
    assert r.status_code == 200
    j = r.json()
    assert (j["left_id"], j["right_id"], j["user_name"], j["note"]) == (
        "a1",
        "a2",
        "analyst",
        "twins",
    )
    assert j["clusters"]["a1"] != j["clusters"]["a2"]
    history = api.get("/judgements", params={"entity_id": "a1"}).json()["judgements"]
    assert [h["verdict"] for h in history] == ["negative"]
    bad = api.post("/judgements", json={"left_id": "a1", "right_id": "a2", "verdict": "perhaps"})
    assert bad.status_code == 422 and bad.json()["field"] == "verdict"
    hidden = api.post(
        "/judgements",
        user="analyst_low",
        json={"left_id": "a1", "right_id": "a4", "verdict": "positive"},
    )
    assert hidden.status_code == 404
