"""Bad input that once answered 500: each now gets a 4xx whose message names what is wrong
(the file, its line or item, the field), and nothing of it is written.

One test (or one parametrised table) per cause: listings paged past what a store can count, a
lone surrogate or a control character in a value, a long upload name, files that are not UTF-8,
JSON nested too deep or holding a number too long to read, a mapping's CSV options, a workbook
that unpacks to far more than it weighs, a body sent without its length, and a partner's signed
package whose header or rows the store cannot take.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from conftest import ANPR_HEADER, Api, anpr_rows
from corridor.access.caller import Caller
from corridor.api.app import create_app
from corridor.api.routes import ingest as ingest_route
from corridor.audit import Event, audit
from corridor.errors import PackageRefused
from corridor.ingest import tabular
from corridor.share import package
from corridor.share.package import seal
from sharing_support import node_pair
from test_share_malformed import (
    _observation,
    _statement,
    assert_refused_before_spooling,
)

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


# --- control characters in a request ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "part"),
    [
        ("/entities/a%00b", "path"),
        ("/entities/%1B", "path"),
        ("/search?q=a%00", "query"),
        ("/audit?user=%C2%85", "query"),
    ],
)
def test_a_control_character_in_a_url_is_refused(api: Api, url: str, part: str) -> None:
    r = api.get(url, user="auditor" if url.startswith("/audit") else "analyst")
    assert r.status_code == 422 and r.json()["field"] == part, r.text


def test_a_control_character_in_the_stated_purpose_is_refused(api: Api) -> None:
    headers = {**api.headers("analyst"), "X-Corridor-Purpose": "case\x1b[31m 42"}
    r = api.client.get("/entities", headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "purpose", r.text


def test_a_nul_in_a_body_is_refused_and_the_log_still_takes_entries(api: Api) -> None:
    """A NUL sent in a body (an id to judge, to consent to) is bad input on every store
    (PostgreSQL can neither look one up nor log it), and it leaves the audit log writable."""
    body = {"left_id": "ap\x00", "right_id": "ap-1", "verdict": "unsure", "note": "x\x00"}
    r = api.post("/judgements", user="supervisor", json=body)
    assert 400 <= r.status_code < 500, r.text
    assert api.get("/entities", user="analyst").status_code == 200
    r = api.get("/audit", user="auditor", params={"limit": 1000})
    assert r.status_code == 200, r.text
    assert all("\x00" not in e["target"] for e in r.json()["entries"])
    assert api.get("/audit/verify", user="auditor").json()["ok"]


def test_the_audit_log_records_a_control_character_as_its_escape(api: Api) -> None:
    caller = Caller.operator()
    audit(api.store, caller, Event.READ, "entities/a\x00b\ud800")
    audit(api.store, caller, Event.ADMIN, "after")  # writes the buffered read first
    targets = [e.target for e in api.store.audit_entries()]
    assert "entities/a\\x00b\\ud800" in targets and "after" in targets, targets


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


# --- files that are not UTF-8 ------------------------------------------------------------------


def test_an_ftm_file_that_is_not_utf8_is_refused_at_its_line(api: Api) -> None:
    content = ftm_line("p1") + ftm_line("p2", "Ana").replace(b"Ana", b"An\xff")
    body = refused(upload(api, "people.ftm.json", content), "people.ftm.json", None, "UTF-8")
    assert body["line"] == 2
    assert statements(api) == 0


def test_a_mapping_that_is_not_utf8_is_refused_at_its_line(api: Api) -> None:
    mapping = PERSON_MAPPING.encode() + b"# \xff\n"
    r = upload(api, "people.csv", b"record_id,full_name\np1,Ana\n", "tabular", mapping)
    body = refused(r, "people.yml", None, "UTF-8")
    assert body["line"] == PERSON_MAPPING.count("\n") + 1


# --- JSON nested too deep, numbers too long -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "content"),
    [
        ("scans.json", "scans", DEEP),
        ("scans.json", "scans", '{"scans": ' + DEEP + "}"),
        ("report.json", "report", DEEP),
        ("report.json", "report", '{"reports": ' + DEEP + "}"),
        (
            "sightings.geojson",
            "sightings",
            '{"type": "FeatureCollection", "features": ' + DEEP + "}",
        ),
        ("people.ftm.json", "ftm", '{"id": "p1", "schema": "Person", "properties": ' + DEEP + "}"),
    ],
    ids=["scans", "scans-in-object", "report", "reports-in-object", "geojson", "ftm"],
)
def test_json_nested_100k_deep_is_refused(api: Api, name: str, kind: str, content: str) -> None:
    refused(upload(api, name, content.encode(), kind), name, None, "nested too deeply")


def test_yaml_nested_too_deep_is_refused(api: Api) -> None:
    r = upload(api, "people.csv", b"record_id,full_name\np1,Ana\n", "tabular", "[" * 100_000)
    refused(r, "people.yml", None, "nested too deeply")


def test_a_value_nested_in_a_scan_is_refused_without_walking_it(api: Api) -> None:
    """A field holding a list nested a few hundred deep (JSON reads it) is no value: refused
    as such, naming the field (an error message quoting it would walk it)."""
    nested = "[" * 900 + "1" + "]" * 900
    content = json.dumps({"scans": [{**SCAN, "quantity": 0}]}).replace(
        '"quantity": 0', f'"quantity": {nested}'
    )
    refused(upload(api, "scans.json", content.encode(), "scans"), "scans.json", "quantity")


@pytest.mark.parametrize("digits", [400, 4000, 5000])
def test_a_scan_quantity_of_thousands_of_digits_is_refused(api: Api, digits: int) -> None:
    content = json.dumps({"scans": [{**SCAN, "quantity": 0}]}).replace(
        '"quantity": 0', '"quantity": ' + "9" * digits
    )
    body = refused(upload(api, "scans.json", content.encode(), "scans"), "scans.json")
    assert len(body["message"]) < 300, body  # the number is not quoted in full


def test_an_infinite_quantity_is_refused(api: Api) -> None:
    """JSON answers cannot carry Infinity: stored, it would make every read of it fail."""
    content = json.dumps({"scans": [{**SCAN, "quantity": float("inf")}]}).encode()
    refused(upload(api, "scans.json", content, "scans"), "scans.json", "quantity", "finite")
    anpr = ",".join(ANPR_HEADER) + "\n" + ",".join([*anpr_rows(1)[0][:-1], "1e999"]) + "\n"
    refused(upload(api, "anpr.csv", anpr.encode(), "anpr"), "anpr.csv", "confidence", "finite")


# --- a mapping's CSV options and shape -------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("csv: {delimiter: ''}", "csv.delimiter"),
        ("csv: {delimiter: ';;'}", "csv.delimiter"),
        ("csv: {delimiter: 1}", "csv.delimiter"),
        ("csv: {encoding: klingon}", "csv.encoding"),
        ("csv: {encoding: base64}", "csv.encoding"),
        ("sheet: [1]", "sheet"),
    ],
)
def test_a_mapping_with_bad_csv_options_is_refused(api: Api, extra: str, field: str) -> None:
    r = upload(
        api, "people.csv", b"record_id,full_name\np1,Ana\n", "tabular", f"{PERSON_MAPPING}{extra}\n"
    )
    refused(r, "people.yml", field)


@pytest.mark.parametrize(
    "mapping",
    [
        "entities: [1]\n",
        "entities: {person: 1}\n",
        "entities: {person: {schema: [1]}}\n",
        "a: &a [*a]\n",
        "1: a\nb: c\n",
    ],
    ids=["list", "scalar", "schema-list", "alias-loop", "mixed-keys"],
)
def test_a_mapping_of_the_wrong_shape_is_refused(api: Api, mapping: str) -> None:
    r = upload(api, "people.csv", b"record_id,full_name\np1,Ana\n", "tabular", mapping)
    refused(r, "people.yml")


# --- control characters and lone surrogates, in every reader --------------------------------------

NUL = "\x00"


def _ftm(value: str) -> tuple[str, str, bytes, str | None]:
    return "people.ftm.json", "ftm", ftm_line(name=f"Ana{value}Kovac"), None


def _report(value: str) -> tuple[str, str, bytes, str | None]:
    report = {"report_id": f"r{value}1", "agency": "RS-MUP",
              "items": [{"item_id": "1", "text": "seen at Horgos"}]}  # fmt: skip
    return "report.json", "report", json.dumps(report).encode(), None


#: reader → (a file whose one id or name holds `value`, the field the error must name).
CARRIERS: dict[str, tuple[Callable[[str], tuple[str, str, bytes, str | None]], str]] = {
    "ftm id": (
        lambda v: ("people.ftm.json", "ftm", ftm_line(entity_id=f"p{v}1"), None), "id"),
    "ftm name": (_ftm, "properties.name"),
    "tabular id": (
        lambda v: ("people.csv", "tabular", f"record_id,full_name\np{v}1,Ana\n".encode(),
                   PERSON_MAPPING), "record_id"),
    "tabular name": (
        lambda v: ("people.csv", "tabular", f"record_id,full_name\np1,A{v}na\n".encode(),
                   PERSON_MAPPING), "full_name"),
    "report id": (_report, "report_id"),
    "anpr id": (
        lambda v: ("anpr.csv", "anpr", (",".join(ANPR_HEADER) + "\n"
                   + ",".join([f"r{v}1", *anpr_rows(1)[0][1:]]) + "\n").encode(), None),
        "read_id"),
    "scan id": (lambda v: ("scans.json", "scans", scans(scan_id=f"s{v}1"), None), "scan_id"),
    "scan place": (
        lambda v: ("scans.json", "scans", scans(crossing_point=f"Hor{v}gos"), None),
        "crossing_point"),
    "sighting sensor": (
        lambda v: ("sightings.geojson", "sightings", json.dumps({
            "type": "FeatureCollection", "features": [{
                "type": "Feature", "geometry": {"type": "Point", "coordinates": [19.8, 45.2]},
                "properties": {"sighting_id": "s1", "sensor_id": f"D{v}1",
                               "observed_at": "2024-06-01T05:00:00Z", "people_count": 3}}],
        }).encode(), None), "sensor_id"),
    "provenance source_ref": (
        lambda v: ("scans.json", "scans", scans(source_ref=f"ref{v}1"), None), "source_ref"),
}  # fmt: skip


@pytest.mark.parametrize("char", [NUL, "\x07", "\x1b", "\x85"], ids=["NUL", "BEL", "ESC", "NEL"])
@pytest.mark.parametrize("carrier", sorted(CARRIERS))
def test_a_control_character_is_refused_by_every_reader(api: Api, carrier: str, char: str) -> None:
    make, field = CARRIERS[carrier]
    name, kind, content, mapping = make(char)
    body = refused(upload(api, name, content, kind, mapping), name, field, "control character")
    assert body["line"] is not None or body["item"] is not None, body
    assert statements(api) == 0


@pytest.mark.parametrize(
    "carrier", ["ftm id", "ftm name", "report id", "scan id", "scan place", "sighting sensor"]
)
def test_a_lone_surrogate_is_refused_by_every_json_reader(api: Api, carrier: str) -> None:
    make, field = CARRIERS[carrier]
    name, kind, content, mapping = make("\\ud800")  # written as JSON writes it
    content = content.replace(b"\\\\ud800", b"\\ud800")
    refused(upload(api, name, content, kind, mapping), name, field, "surrogate")


def test_line_breaks_stay_allowed_in_what_people_write(api: Api) -> None:
    """A note's text and a name may hold a line break or a tab (FtM folds it in a name)."""
    report = {"report_id": "r1", "agency": "RS-MUP",
              "items": [{"item_id": "1", "text": "seen at Horgos,\n\tat night"}]}  # fmt: skip
    r = upload(api, "report.json", json.dumps(report).encode(), "report")
    assert r.status_code == 200, r.text
    r = upload(api, "people.ftm.json", ftm_line(name="Ana\tKovac"))
    assert r.status_code == 200, r.text


# --- a workbook that unpacks to far more than it weighs ---------------------------------------------


def workbook(cell: str) -> bytes:
    """A workbook of one person whose name is `cell` (written into the sheet as it is: Excel
    and openpyxl cut a cell at 32,767 characters, a hand-made file need not)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["record_id", "full_name"])
    sheet.append(["p1", "CELL"])
    made = io.BytesIO()
    book.save(made)
    out = io.BytesIO()
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for member in source.infolist():
            data = source.read(member)
            if member.filename.startswith("xl/worksheets/"):
                assert b">CELL<" in data
                data = data.replace(b">CELL<", f">{cell}<".encode())
            z.writestr(member, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_a_workbook_holding_one_huge_cell_is_refused_before_it_is_read(api: Api) -> None:
    """A 613 KB workbook holding a 600 MB cell once took the server to 2.75 GB: the same shape,
    scaled down (a few kilobytes holding 8 MB), is refused from the archive's directory."""
    content = workbook("A" * 8 * 1024**2)
    assert len(content) < 100_000
    r = upload(api, "people.xlsx", content, "tabular", PERSON_MAPPING)
    refused(r, "people.xlsx", None, "unpacks to", "times its size")
    assert statements(api) == 0


@pytest.mark.parametrize(
    ("limit", "value", "words"),
    [
        ("XLSX_MAX_MEMBER_BYTES", 1_000, "more than 1,000"),
        ("XLSX_MAX_TOTAL_BYTES", 5_000, "the workbook unpacks to"),
        ("XLSX_MAX_MEMBERS", 3, "files, more than 3"),
    ],
)
def test_a_workbook_past_each_bound_is_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch, limit: str, value: int, words: str
) -> None:
    monkeypatch.setattr(tabular, limit, value)
    r = upload(api, "people.xlsx", workbook("Ana Kovac"), "tabular", PERSON_MAPPING)
    refused(r, "people.xlsx", None, words)


def test_a_workbook_within_the_bounds_is_read(api: Api) -> None:
    r = upload(api, "people.xlsx", workbook("Ana Kovac"), "tabular", PERSON_MAPPING)
    assert r.status_code == 200 and r.json()["statements_added"] == 1, r.text


def test_a_zip_that_is_no_workbook_is_refused(api: Api) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hello")
    r = upload(api, "people.xlsx", out.getvalue(), "tabular", PERSON_MAPPING)
    refused(r, "people.xlsx", None, "unreadable XLSX")


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
    assert_refused_before_spooling(tmp_path, *PACKAGE_CHANGES[change])


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
