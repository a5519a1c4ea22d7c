"""Shared fixtures: stores, small input files, an in-process API client with users per role.

With `CORRIDOR_TEST_STORE=postgres` the whole suite runs against PostgreSQL: a throwaway
cluster is started before the first test (and removed after the last), every store a test makes
is a schema of its own there, and every work directory (`corridor --workdir`, a served node) is
given its own schema through `CORRIDOR_STORE`, which subprocesses inherit.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastapi.routing
import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

import stores
from corridor.access.caller import Caller
from corridor.api.app import create_app
from corridor.store.base import Store
from corridor.store.location import WORKDIR_PLACEHOLDER
from corridor.store.postgres.cluster import LocalCluster
from corridor.store.sql.store import SQLStore
from corridor.users.service import create_user
from stores import new_store

_CLUSTER: LocalCluster | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _CLUSTER
    if stores.BACKEND != "postgres" or _CLUSTER is not None:
        return
    if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get(stores.PG_URL_VAR):
        return  # a worker of `pytest -n`: the cluster the controller started serves it too
    _CLUSTER = LocalCluster().start()
    os.environ[stores.PG_URL_VAR] = _CLUSTER.url
    os.environ["CORRIDOR_STORE"] = f"{_CLUSTER.url}?schema={WORKDIR_PLACEHOLDER}"


def pytest_unconfigure(config: pytest.Config) -> None:
    global _CLUSTER
    if _CLUSTER is not None:
        _CLUSTER.stop()
        _CLUSTER = None


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database for the tests that are about PostgreSQL itself (several processes
    on one store, the two backends side by side), whichever backend the suite runs on."""
    if _CLUSTER is not None:
        yield _CLUSTER.url
        return
    if os.environ.get("PYTEST_XDIST_WORKER") and stores.BACKEND == "postgres":
        yield os.environ[stores.PG_URL_VAR]  # the controller's cluster
        return
    with LocalCluster() as cluster:
        yield cluster.url


def pytest_report_header(config: pytest.Config) -> str:
    return f"store: {stores.BACKEND}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`make test` runs the suite once per backend. A test that makes no store (`storeless`)
    does the same in both passes, and so does one that opens both kinds itself (`both_stores`):
    each runs in one pass only, the first in the DuckDB pass, the second in the PostgreSQL one
    (whose cluster is already up). A test run alone, by name, always runs."""
    if config.getoption("keyword") or any("::" in arg for arg in config.args):
        return
    other = "both_stores" if stores.BACKEND == "duckdb" else "storeless"
    dropped = [item for item in items if item.get_closest_marker(other)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


@pytest.fixture(autouse=True)
def _storeless_makes_no_store(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test marked `storeless` runs in one pass only: it fails if it opens a store after all
    (it would then have to run on both)."""
    if request.node.get_closest_marker("storeless") is None:
        return

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test marked storeless opened a store: drop the mark")

    monkeypatch.setattr(SQLStore, "__init__", refuse)


ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

PEOPLE_MAPPING = """
provenance:
  agency: RS-MUP
  grading: 2BC
  action_code: A1
  sanitisation_code: S2
  classification: {column: classification}
  person_category: {column: category}
  source_ref: {column: record_id}
  review_by: 2027-12-31
entities:
  person:
    schema: Person
    id_column: record_id
    properties:
      name: {column: full_name}
      birthDate: {column: dob, format: "%d.%m.%Y."}
      phone: {column: phone}
      nationality: {column: nationality}
"""

PEOPLE = [
    {"record_id": "rs-p-1", "full_name": "Мирослав Јовановић", "dob": "03.05.1980.",
     "phone": "+381641234567", "nationality": "rs", "category": "suspect",
     "classification": "OFFICIAL-SENSITIVE"},
    {"record_id": "rs-p-2", "full_name": "محمد الحسن", "dob": "11.02.1979.", "phone": "",
     "nationality": "sy", "category": "suspect", "classification": "SECRET"},
    {"record_id": "rs-p-3", "full_name": "Ђорђе Петровић", "dob": "", "phone": "",
     "nationality": "rs", "category": "victim", "classification": "OFFICIAL"},
]  # fmt: skip

ANPR_HEADER = ["read_id", "vrm", "country", "read_at", "camera_id", "site_id", "lat", "lon",
               "lane", "direction", "confidence"]  # fmt: skip


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]] | list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(h, "") for h in header] if isinstance(row, dict) else row)
    return path


def anpr_rows(n: int, start: int = 0) -> list[list[str]]:
    """n plausible ANPR reads along the Serbian A1 (deterministic)."""
    rows = []
    for i in range(start, start + n):
        rows.append([
            f"r{i}", f"BG {i % 1000:03d}-{'AB' if i % 2 else 'KC'}", "RS",
            f"2024-05-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z", f"CAM{i % 7}",
            "A1-NIS", f"{43.0 + (i % 100) / 100:.4f}", f"{21.0 + (i % 50) / 100:.4f}",
            str(1 + i % 3), "N" if i % 2 else "S", "0.93",
        ])  # fmt: skip
    return rows


@pytest.fixture
def store() -> Iterator[Store]:
    s = new_store()
    yield s
    s.close()


@pytest.fixture
def people_files(tmp_path: Path) -> tuple[Path, Path]:
    mapping = tmp_path / "people.yml"
    mapping.write_text(PEOPLE_MAPPING, encoding="utf-8")
    header = list(PEOPLE[0])
    return write_csv(tmp_path / "people.csv", header, PEOPLE), mapping


@pytest.fixture
def anpr_file(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "anpr.csv", ANPR_HEADER, anpr_rows(50))


SENSOR_DEFAULTS = {"agency": "RS-MUP", "grading": "1AP", "classification": "OFFICIAL"}

#: (name, role, agency, clearance) of the API test users.
ROLES = {
    "analyst": ("analyst", "RS-MUP", "SECRET"),
    "analyst_low": ("analyst", "RS-MUP", "OFFICIAL"),
    "supervisor": ("supervisor", "RS-MUP", "SECRET"),
    "sharing": ("sharing_officer", "GB-NCA", "OFFICIAL-SENSITIVE"),
    "auditor": ("auditor", "GB-NCA", "SECRET"),
    "admin": ("admin", "GB-NCA", "SECRET"),
}


class Api:
    """An in-process client plus one API key per test user."""

    def __init__(self, client: TestClient, keys: dict[str, str], store: Store) -> None:
        self.client = client
        self.keys = keys
        self.store = store

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"ApiKey {self.keys[user]}"}

    def get(self, url: str, user: str | None = "analyst", **kw: object):  # type: ignore[no-untyped-def]
        headers = self.headers(user) if user else {}
        return self.client.get(url, headers=headers, **kw)  # type: ignore[arg-type]

    def post(self, url: str, user: str | None = "analyst", **kw: object):  # type: ignore[no-untyped-def]
        headers = self.headers(user) if user else {}
        return self.client.post(url, headers=headers, **kw)  # type: ignore[arg-type]


@pytest.fixture
def api(store: Store) -> Iterator[Api]:
    keys = {}
    for name, (role, agency, clearance) in ROLES.items():
        _, keys[name] = create_user(store, Caller.operator(), name, role, agency, clearance)
    with TestClient(create_app(store)) as client:
        yield Api(client, keys, store)


_PLAIN = TypeAdapter(Any)


def _differences(got: Any, plain: Any, path: str = "$") -> list[str]:
    """Where two parsed JSON documents differ, in keys (and their order), types or values."""
    if type(got) is not type(plain):
        return [f"{path}: {got!r} instead of {plain!r}"]
    if isinstance(got, dict):
        if list(got) != list(plain):
            return [f"{path}: keys {list(got)} instead of {list(plain)}"]
        return [d for k in got for d in _differences(got[k], plain[k], f"{path}.{k}")]
    if isinstance(got, list):
        if len(got) != len(plain):
            return [f"{path}: {len(got)} items instead of {len(plain)}"]
        return [d for i, (a, b) in enumerate(zip(got, plain, strict=True))
                for d in _differences(a, b, f"{path}[{i}]")]  # fmt: skip
    return [] if got == plain else [f"{path}: {got!r} instead of {plain!r}"]


@pytest.fixture(autouse=True)
def responses_are_what_routes_return(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A route's response model documents its answer and changes nothing in it: every JSON
    answer served in-process is the route's return value serialised as it is (no key dropped,
    added or reordered, no value converted)."""
    original = fastapi.routing.serialize_response
    found: list[str] = []

    async def checked(**kwargs: Any) -> Any:
        out = await original(**kwargs)
        if kwargs.get("field") is not None:
            got = json.loads(out) if isinstance(out, bytes) else json.loads(json.dumps(out))
            plain = json.loads(_PLAIN.dump_json(kwargs["response_content"]))
            found.extend(_differences(got, plain)[:5])
        return out

    monkeypatch.setattr(fastapi.routing, "serialize_response", checked)
    yield
    assert not found, "responses differ from what the routes returned:\n" + "\n".join(found)
