"""Bad input that once answered 500: each now gets a 4xx whose message names what is wrong
(the file, its line or item, the field), and nothing of it is written.

One test (or one parametrised table) per cause: listings paged past what a store can count, a
lone surrogate or a control character in a value, a long upload name, files that are not UTF-8,
JSON nested too deep or holding a number too long to read, a mapping's CSV options, a workbook
that unpacks to far more than it weighs, a body sent without its length, and a partner's signed
package whose header or rows the store cannot take.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import Api
from corridor.access.caller import Caller
from corridor.api.app import create_app
from corridor.api.routes import ingest as ingest_route
from corridor.errors import PackageRefused
from corridor.share import package
from corridor.share.package import seal
from sharing_support import node_pair
from test_share_malformed import _observation, _statement, good_content

FORM = {"grading": "1AP", "classification": "OFFICIAL"}
PERSON_MAPPING = """
entities:
  person:
    schema: Person
    id_column: record_id
    properties:
      name: {column: full_name}
"""
SCAN = {"scan_id": "x1", "plate": "NS 456-KL", "crossing_point": "Horgos",
        "scanned_at": "2024-06-01T05:00:00Z", "result": "people"}  # fmt: skip
DEEP = "[" * 100_000 + "]" * 100_000


def upload(
    api: Api,
    name: str,
    content: bytes,
    kind: str | None = None,
    mapping: str | bytes | None = None,
) -> Any:
    files: dict[str, tuple[str, bytes]] = {"file": (name, content)}
    if mapping is not None:
        raw = mapping.encode() if isinstance(mapping, str) else mapping
        files["mapping"] = ("people.yml", raw)
    data = {**FORM, **({"kind": kind} if kind else {})}
    return api.post("/ingest", files=files, data=data)


def refused(r: Any, file: str, field: str | None = None, *words: str) -> dict[str, Any]:
    """A 422 naming the file (and the field), with these words in its message; nothing
    written."""
    assert r.status_code == 422, r.text
    body: dict[str, Any] = r.json()
    assert body["error"] == "InputError" and body["file"] == file, body
    if field is not None:
        assert body["field"] == field, body
    for word in words:
        assert word in body["message"], body
    return body


def statements(api: Api) -> int:
    return sum(c.statements for c in api.store.counts(Caller.operator().scope))


def ftm_line(entity_id: str = "p1", name: str = "Ana Kovac") -> bytes:
    data = {"id": entity_id, "schema": "Person", "properties": {"name": [name]}}
    return json.dumps(data).encode() + b"\n"


def scans(**change: Any) -> bytes:
    return json.dumps({"scans": [{**SCAN, **change}]}).encode()


# --- listings paged past what a store can count ---------------------------------------------------


@pytest.mark.parametrize(
    ("url", "user", "name"),
    [
        ("/entities", "analyst", "offset"),
        ("/review/due", "analyst", "offset"),
        ("/audit", "auditor", "after"),
    ],
)
def test_a_page_past_any_store_is_refused(api: Api, url: str, user: str, name: str) -> None:
    r = api.get(url, user=user, params={name: 2**63})
    assert r.status_code == 422 and r.json()["field"] == name, r.text


# --- /match -------------------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_match_name_is_refused(api: Api) -> None:
    body = b'{"queries": {"q": {"schema": "Person", "properties": {"name": ["Ana \\ud800"]}}}}'
    headers = {**api.headers("analyst"), "content-type": "application/json"}
    r = api.client.post("/match/default", headers=headers, content=body)
    assert r.status_code == 422 and "name" in r.json()["message"], r.text


# --- uploads ------------------------------------------------------------------------------------


def test_a_300_character_upload_name_is_ingested_under_a_shorter_one(api: Api) -> None:
    name = "a" * 300 + ".ftm.json"
    r = upload(api, name, ftm_line())
    assert r.status_code == 200, r.text
    saved = r.json()["file"]
    assert saved.endswith(".ftm.json") and len(saved) <= ingest_route.MAX_NAME_CHARS
    assert statements(api) == 1


def test_an_upload_past_the_limit_is_413_whether_or_not_it_says_its_length(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_route, "MAX_UPLOAD_BYTES", 10_000)
    with TestClient(create_app(api.store)) as client:
        headers = api.headers("analyst")
        files = {"file": ("big.ftm.json", ftm_line() * 1000)}
        r = client.post("/ingest", headers=headers, files=files, data=FORM)
        assert r.status_code == 413 and "larger than 10,000 bytes" in r.json()["message"]

        def chunks() -> Iterator[bytes]:  # no content-length: sent chunked
            yield b"--b\r\nContent-Disposition: form-data; name=file; filename=x.ftm.json\r\n\r\n"
            for _ in range(100):
                yield ftm_line() * 10

        chunked = {**headers, "content-type": "multipart/form-data; boundary=b"}
        r = client.post("/ingest", headers=chunked, content=chunks())
        assert r.status_code == 413 and "larger than 10,000 bytes" in r.json()["message"], r.text
    assert statements(api) == 0


def test_an_ingest_runs_off_the_event_loop(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """While a file is read and written, /health answers: the ingest holds a worker thread,
    never the loop every request is served from."""
    started, health_answered = threading.Event(), threading.Event()
    real = ingest_route.ingest_file

    def slow_ingest(*args: Any, **kwargs: Any) -> Any:
        started.set()
        assert health_answered.wait(30), "/health was not answered while the ingest ran"
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest_route, "ingest_file", slow_ingest)
    results: list[Any] = []
    worker = threading.Thread(target=lambda: results.append(upload(api, "p.ftm.json", ftm_line())))
    worker.start()
    assert started.wait(30)
    assert api.get("/health", user=None).status_code == 200
    health_answered.set()
    worker.join(30)
    assert results and results[0].status_code == 200, results


# --- a partner's signed package ------------------------------------------------------------------

#: Each change to a good package, and what the refusal must name.
PACKAGE_CHANGES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "a source_ref that is an object": (lambda c: _statement(c, source_ref={"a": 1}), "source_ref"),
    "an action code that is a number": (lambda c: _statement(c, action_code=7), "action_code"),
    "handling instructions as a list": (
        lambda c: _statement(c, handling_instructions=["x"]), "handling_instructions"),
    "a lang that is a number": (lambda c: _statement(c, lang=5), "lang"),
    "a control character in a value": (lambda c: _statement(c, value="Ana\x07"), "value"),
    "a lane past a 32-bit integer": (lambda c: _observation(c, lane=2**40), "lane"),
    "a lane far below zero": (lambda c: _observation(c, lane=-(2**62)), "lane"),
    "a control character in a place": (lambda c: _observation(c, place="A1\x1b"), "place"),
}  # fmt: skip


@pytest.mark.parametrize("change", sorted(PACKAGE_CHANGES))
def test_a_signed_package_the_store_cannot_take_is_refused(tmp_path: Path, change: str) -> None:
    rs, uk, _ = node_pair(tmp_path)
    content = copy.deepcopy(good_content(rs))
    edit, named = PACKAGE_CHANGES[change]
    edit(content)
    _, blob = seal(rs.identity, uk.identity.public, "intelligence", 50, content)
    with pytest.raises(PackageRefused) as info:
        uk.receive(blob)
    assert info.value.reason == "malformed" and named in info.value.message, info.value.message
    assert uk.received() == []


def test_a_signed_package_whose_times_carry_no_zone_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rs, uk, _ = node_pair(tmp_path)
    plain = package.Header.to_dict

    def naive(self: package.Header) -> dict[str, Any]:
        data = plain(self)
        for key in ("created_at", "expires_at"):
            data[key] = getattr(self, key).replace(tzinfo=None).isoformat()
        return data

    monkeypatch.setattr(package.Header, "to_dict", naive)
    _, blob = seal(rs.identity, uk.identity.public, "intelligence", 50, {"statements": []})
    with pytest.raises(PackageRefused) as info:
        uk.receive(blob)
    assert info.value.reason == "malformed" and "time zone" in info.value.message
