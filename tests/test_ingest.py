"""Ingestion: every reader, bad input named by file/line/field, transactions and idempotency."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from followthemoney import model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ANPR_HEADER, SENSOR_DEFAULTS, SHARED_DATA, anpr_rows, write_csv
from corridor.access.caller import Caller
from corridor.errors import InputError
from corridor.ingest.service import detect_kind, ingest_file, ingest_path
from corridor.model.scope import SYSTEM_SCOPE
from corridor.store.base import Store
from corridor.store.records import ObservationQuery
from stores import new_store


def snapshot(store: Store) -> tuple[object, ...]:
    """Everything a failed ingest must leave unchanged."""
    counts = tuple((c.agency, c.entities, c.statements, tuple(sorted(c.observations.items())))
                   for c in store.counts(SYSTEM_SCOPE))  # fmt: skip
    return counts, len(store.ingests())


def test_tabular_ingest_keeps_provenance_per_row(
    store: Store, people_files: tuple[Path, Path]
) -> None:
    csv_path, mapping = people_files
    [report] = ingest_path(store, Caller.operator(), csv_path, mapping=mapping)
    assert report.kind == "tabular" and report.rows_read == 3
    record = store.get_entity("rs-p-2", SYSTEM_SCOPE)
    assert record is not None
    assert record.entity.get("name") == ["محمد الحسن"]
    assert record.entity.get("birthDate") == ["1979-02-11"]
    prov = record.statements[0].provenance()
    assert prov["agency"] == "RS-MUP" and prov["grading"] == "2BC"
    assert prov["action_code"] == "A1" and prov["sanitisation_code"] == "S2"
    assert prov["classification"] == "SECRET" and prov["person_category"] == "suspect"
    assert prov["source_ref"] == "rs-p-2" and prov["review_by"] == "2027-12-31"


def test_reingesting_the_same_file_adds_nothing(
    store: Store, people_files: tuple[Path, Path], anpr_file: Path
) -> None:
    csv_path, mapping = people_files
    first = ingest_path(store, Caller.operator(), csv_path, mapping=mapping) + ingest_path(
        store, Caller.operator(), anpr_file, defaults=SENSOR_DEFAULTS
    )
    before = snapshot(store)[0]
    again = ingest_path(store, Caller.operator(), csv_path, mapping=mapping) + ingest_path(
        store, Caller.operator(), anpr_file, defaults=SENSOR_DEFAULTS
    )
    assert (
        sum(r.statements_added for r in first) > 0
        and sum(r.observations_added for r in first) == 50
    )
    assert [(r.statements_added, r.observations_added) for r in again] == [(0, 0), (0, 0)]
    assert snapshot(store)[0] == before


def test_malformed_row_7777_of_10000_refuses_the_whole_csv(
    store: Store, tmp_path: Path, people_files: tuple[Path, Path]
) -> None:
    _, mapping = people_files
    header = ["record_id", "full_name", "dob", "phone", "nationality", "category", "classification"]
    rows = [
        [f"p{i}", f"Person Number{i}", "01.01.1990.", "", "rs", "suspect", "OFFICIAL"]
        for i in range(10_000)
    ]
    rows[7_775][2] = "31.02.1990."  # data row 7,776 sits on line 7,777 (after the header)
    path = write_csv(tmp_path / "big.csv", header, rows)
    before = snapshot(store)
    with pytest.raises(InputError) as info:
        ingest_path(store, Caller.operator(), path, mapping=mapping)
    err = info.value
    assert (err.file, err.line, err.field) == ("big.csv", 7_777, "dob")
    assert "line 7777" in str(err) and "big.csv" in str(err)
    assert snapshot(store) == before


def test_malformed_anpr_row_refuses_the_file(store: Store, tmp_path: Path) -> None:
    rows = anpr_rows(10_000)
    rows[7_775][6] = "95.5"  # latitude out of range
    path = write_csv(tmp_path / "anpr.csv", ANPR_HEADER, rows)
    before = snapshot(store)
    with pytest.raises(InputError) as info:
        ingest_path(store, Caller.operator(), path, defaults=SENSOR_DEFAULTS)
    assert (info.value.line, info.value.field) == (7_777, "lat")
    assert snapshot(store) == before


@pytest.mark.parametrize(
    ("column", "value", "field"),
    [("vrm", "", "vrm"), ("read_at", "yesterday", "read_at"), ("confidence", "1.5", "confidence"),
     ("lane", "two", "lane"), ("country", "QQ", "country"), ("lon", "", "lon")],
)  # fmt: skip
def test_anpr_field_errors_name_the_field(
    store: Store, tmp_path: Path, column: str, value: str, field: str
) -> None:
    rows = anpr_rows(5)
    rows[3][ANPR_HEADER.index(column)] = value
    path = write_csv(tmp_path / "anpr.csv", ANPR_HEADER, rows)
    with pytest.raises(InputError) as info:
        ingest_path(store, Caller.operator(), path, defaults=SENSOR_DEFAULTS)
    assert (info.value.line, info.value.field) == (5, field)


def test_missing_and_unknown_columns_are_named(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "anpr.csv", [h for h in ANPR_HEADER if h != "camera_id"], [])
    with pytest.raises(InputError, match="camera_id") as info:
        ingest_path(store, Caller.operator(), path, defaults=SENSOR_DEFAULTS)
    assert info.value.line == 1
    path = write_csv(tmp_path / "anpr.csv", [*ANPR_HEADER, "colour"], [])
    with pytest.raises(InputError, match="colour"):
        ingest_path(store, Caller.operator(), path, defaults=SENSOR_DEFAULTS)


def test_sensor_files_need_provenance(store: Store, anpr_file: Path) -> None:
    with pytest.raises(InputError) as info:
        ingest_path(store, Caller.operator(), anpr_file, defaults={"agency": "RS-MUP"})
    assert info.value.field == "grading"


def test_per_row_provenance_columns_override_the_defaults(store: Store, tmp_path: Path) -> None:
    header = [*ANPR_HEADER, "classification"]
    rows = [[*r, "SECRET" if i == 0 else ""] for i, r in enumerate(anpr_rows(3))]
    ingest_path(
        store,
        Caller.operator(),
        write_csv(tmp_path / "anpr.csv", header, rows),
        defaults=SENSOR_DEFAULTS,
    )
    got = {
        r["source_id"]: r["classification"]
        for r in store.observations(ObservationQuery(), SYSTEM_SCOPE)
    }
    assert got == {"r0": 30, "r1": 10, "r2": 10}


def test_sightings_scans_and_detections(store: Store, tmp_path: Path) -> None:
    sightings = {
        "type": "FeatureCollection",
        "provenance": {"agency": "RS-MUP", "grading": "1AP", "classification": "OFFICIAL"},
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [19.76, 46.17]},
             "properties": {"sighting_id": "s1", "observed_at": "2024-06-01T02:10:00Z", "sensor_id": "DRONE-7",
                            "sensor_type": "drone", "people_count": 14, "heading_deg": 350,
                            "composition": "men:10;children:4", "confidence": 0.8}},
        ],
    }  # fmt: skip
    (tmp_path / "sightings.geojson").write_text(json.dumps(sightings))
    scans = {"provenance": {"agency": "RS-MUP", "grading": "1AP", "classification": "OFFICIAL"},
             "scans": [{"scan_id": "x1", "plate": "NS 456-KL", "crossing_point": "Horgoš",
                        "scanned_at": "2024-06-01T05:00:00Z", "method": "xray", "result": "people",
                        "quantity": 9, "concealment": "false floor"}]}  # fmt: skip
    (tmp_path / "scans.json").write_text(json.dumps(scans))
    header = ["detection_id", "detected_at", "lat", "lon", "border_section", "country", "direction",
              "people_count", "nationality", "method"]  # fmt: skip
    write_csv(tmp_path / "detections.csv", header,
              [["d1", "2024-06-01T03:00:00Z", "46.1", "19.9", "Kelebija", "RS", "exit", "3", "SYR", "patrol"]])  # fmt: skip
    reports = []
    for name in ("sightings.geojson", "scans.json", "detections.csv"):
        reports += ingest_path(store, Caller.operator(), tmp_path / name, defaults=SENSOR_DEFAULTS)
    assert [r.observations_added for r in reports] == [1, 1, 1]
    rows = store.observations(ObservationQuery(bbox=(19.0, 45.5, 20.5, 46.5)), SYSTEM_SCOPE)
    assert sorted(r["kind"] for r in rows) == ["detection", "sighting"]
    [scan] = store.observations(ObservationQuery(plates=("NS456KL",)), SYSTEM_SCOPE)
    assert (scan["result"], scan["quantity"], scan["place"], scan["plate_raw"]) == (
        "people",
        9,
        "Horgoš",
        "NS 456-KL",
    )


def test_bad_scan_is_named_by_item(store: Store, tmp_path: Path) -> None:
    scans = [{"scan_id": "a", "plate": "NS 1", "crossing_point": "Horgoš", "scanned_at": "2024-06-01T05:00:00Z", "result": "clear"},
             {"scan_id": "b", "plate": "NS 2", "crossing_point": "Horgoš", "scanned_at": "2024-06-01T05:00:00Z", "result": "goats"}]  # fmt: skip
    (tmp_path / "scans.json").write_text(json.dumps(scans))
    with pytest.raises(InputError) as info:
        ingest_path(store, Caller.operator(), tmp_path / "scans.json", defaults=SENSOR_DEFAULTS)
    assert (info.value.item, info.value.field) == ("scan 2", "result")
    assert "scans.json, scan 2, field 'result'" in str(info.value)


def test_invalid_json_names_the_line(store: Store, tmp_path: Path) -> None:
    (tmp_path / "scans.json").write_text('{"scans": [\n{"scan_id": "a",}\n]}')
    with pytest.raises(InputError) as info:
        ingest_path(store, Caller.operator(), tmp_path / "scans.json", defaults=SENSOR_DEFAULTS)
    assert info.value.line == 2


def test_graded_report_items_keep_their_own_grades(store: Store, tmp_path: Path) -> None:
    report = {
        "report_id": "RS-IR-7", "agency": "RS-MUP", "reported_at": "2024-05-03T10:00:00Z",
        "title": "Driver at Horgoš", "classification": "OFFICIAL-SENSITIVE",
        "items": [
            {"item_id": "1", "text": "Drives BG 123-AB weekly", "grading": "2BC", "action_code": "A1",
             "sanitisation_code": "S2", "handling_instructions": "ask before acting", "mentions": ["v1"]},
            {"item_id": "2", "text": "Paid through a hawala banker", "grading": "3CP", "mentions": ["p9"]},
        ],
        "entities": [{"id": "v1", "schema": "Vehicle", "properties": {"registrationNumber": ["BG 123-AB"]}},
                     {"id": "p9", "schema": "Person", "properties": {"name": ["Nikola Ilić"]},
                      "person_category": "contact"}],
    }  # fmt: skip
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"reports": [report]}), encoding="utf-8")
    ingest_path(store, Caller.operator(), path)
    vehicle = store.get_entity("v1", SYSTEM_SCOPE)
    person = store.get_entity("p9", SYSTEM_SCOPE)
    assert vehicle is not None and person is not None
    vprov = vehicle.statements[0].provenance()
    assert (vprov["grading"], vprov["action_code"], vprov["handling_instructions"]) == (
        "2BC",
        "A1",
        "ask before acting",
    )
    assert vprov["source_ref"] == "RS-IR-7#1" and vprov["collected_at"].startswith("2024-05-03")
    pprov = person.statements[0].provenance()
    assert (pprov["grading"], pprov["person_category"]) == ("3CP", "contact")
    doc = store.get_entity("RS-IR-7", SYSTEM_SCOPE)
    assert doc is not None and doc.entity.schema.name == "PlainText"
    note = store.get_entity("RS-IR-7#2", SYSTEM_SCOPE)
    assert note is not None and note.entity.get("description") == ["Paid through a hawala banker"]


def test_report_with_an_ungraded_item_is_refused(store: Store, tmp_path: Path) -> None:
    report = {"report_id": "R1", "agency": "RS-MUP", "classification": "OFFICIAL",
              "items": [{"item_id": "1", "text": "ok", "grading": "1AP"}, {"item_id": "2", "text": "x"}]}  # fmt: skip
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    with pytest.raises(InputError) as info:
        ingest_path(store, Caller.operator(), path)
    assert (info.value.item, info.value.field) == ("report 1, item 2", "grading")
    assert store.counts(SYSTEM_SCOPE) == []


def test_opensanctions_ftm_export_ingests(store: Store) -> None:
    path = SHARED_DATA / "sanctions" / "opensanctions_sample.ftm.json"
    [report] = ingest_path(
        store,
        Caller.operator(),
        path,
        kind="ftm",
        defaults={"agency": "XX-OPENSANCTIONS", "grading": "2BP", "classification": "OFFICIAL"},
    )
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    assert report.rows_read == len(lines) == 91
    ids = {e.id for e in store.iter_entities(SYSTEM_SCOPE)}
    assert ids == {line["id"] for line in lines if line.get("properties")}
    sample = next(line for line in lines if line["schema"] == "Person")
    record = store.get_entity(sample["id"], SYSTEM_SCOPE)
    assert record is not None
    assert sorted(record.entity.get("name")) == sorted(model.get_proxy(sample).get("name"))


def test_ftm_lines_with_bad_values_are_refused(store: Store, tmp_path: Path) -> None:
    good = {"id": "a", "schema": "Person", "properties": {"name": ["A B"]}}
    bad = {"id": "b", "schema": "Person", "properties": {"birthDate": ["not a date"]}}
    path = tmp_path / "x.ftm.json"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    defaults = {"agency": "GB-NCA", "grading": "2BP", "classification": "OFFICIAL"}
    with pytest.raises(InputError) as info:
        ingest_path(store, Caller.operator(), path, defaults=defaults)
    assert (info.value.line, info.value.field) == (2, "properties.birthDate")
    path.write_text(json.dumps({"id": "c", "schema": "Person", "properties": {"wings": ["2"]}}))
    with pytest.raises(InputError, match="no property 'wings'"):
        ingest_path(store, Caller.operator(), path, defaults=defaults)
    assert store.counts(SYSTEM_SCOPE) == []


def test_xlsx_with_mapping(store: Store, tmp_path: Path, people_files: tuple[Path, Path]) -> None:
    from openpyxl import Workbook

    _, mapping = people_files
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["record_id", "full_name", "dob", "phone", "nationality", "category", "classification"]
    )
    sheet.append(
        ["x1", "Јован Јовић", "01.02.1990.", "+381 64 765 4321", "rs", "suspect", "OFFICIAL"]
    )
    sheet.append(["x2", "Ana Anić", "bad date", "", "rs", "witness", "OFFICIAL"])
    book.save(tmp_path / "people.xlsx")
    with pytest.raises(InputError) as info:
        ingest_path(store, Caller.operator(), tmp_path / "people.xlsx", mapping=mapping)
    assert (info.value.file, info.value.line, info.value.field) == ("people.xlsx", 3, "dob")
    sheet.delete_rows(3)
    book.save(tmp_path / "people.xlsx")
    ingest_path(store, Caller.operator(), tmp_path / "people.xlsx", mapping=mapping)
    record = store.get_entity("x1", SYSTEM_SCOPE)
    assert record is not None and record.entity.get("phone") == ["+381647654321"]


def test_mapping_errors_are_clear(
    store: Store, tmp_path: Path, people_files: tuple[Path, Path]
) -> None:
    csv_path, mapping = people_files
    bad = tmp_path / "bad.yml"
    bad.write_text(mapping.read_text().replace("birthDate", "birthday"))
    with pytest.raises(InputError, match="birthday"):
        ingest_path(store, Caller.operator(), csv_path, mapping=bad)
    bad.write_text(mapping.read_text().replace("{column: full_name}", "{column: fullname}"))
    with pytest.raises(InputError, match="fullname") as info:
        ingest_path(store, Caller.operator(), csv_path, mapping=bad)
    assert info.value.line == 1
    bad.write_text(mapping.read_text().replace("grading: 2BC", "grading: 2BQ"))
    with pytest.raises(InputError) as info:
        ingest_path(store, Caller.operator(), csv_path, mapping=bad)
    assert (info.value.line, info.value.field) == (2, "grading")


def test_kinds_are_detected_or_asked_for(tmp_path: Path) -> None:
    assert detect_kind(Path("rs_anpr.csv")) == "anpr"
    assert detect_kind(Path("x.geojson")) == "sightings"
    assert detect_kind(Path("a.ftm.json")) == "ftm"
    assert detect_kind(Path("people.csv"), Path("m.yml")) == "tabular"
    with pytest.raises(InputError, match="--kind"):
        detect_kind(Path("people.csv"))


def test_missing_file_is_an_input_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        ingest_file(store, Caller.operator(), tmp_path / "nope.csv", kind="anpr")


def test_blank_cells_are_missing_values_and_unknown_links_are_skipped(
    store: Store, tmp_path: Path
) -> None:
    mapping = tmp_path / "v.yml"
    mapping.write_text("""
provenance: {agency: GB-NCA, grading: 2BP, classification: OFFICIAL}
entities:
  owner: {schema: Person, id_column: owner_id}
  vehicle:
    schema: Vehicle
    id_column: record_id
    properties:
      registrationNumber: {column: plate}
      model: {column: model}
  keeper:
    schema: Ownership
    id_column: keeper_id
    properties:
      owner: {entity: owner}
      asset: {entity: vehicle}
      role: {literal: registered keeper}
""")
    header = ["record_id", "plate", "model", "owner_id", "keeper_id"]
    path = write_csv(
        tmp_path / "v.csv",
        header,
        [["v1", "BG 123-AB", "", "", ""], ["v2", "NS 1-AA", "Golf", "p1", "k2"]],
    )
    ingest_path(store, Caller.operator(), path, mapping=mapping)
    ids = sorted(e.id for e in store.iter_entities(SYSTEM_SCOPE))
    assert ids == ["k2", "v1", "v2"]  # no entity with an empty id, no keeper for v1
    v1 = store.get_entity("v1", SYSTEM_SCOPE)
    assert v1 is not None and [s.prop for s in v1.statements] == ["registrationNumber"]
    path = write_csv(tmp_path / "v.csv", header, [["", "BG 9-ZZ", "Golf", "", ""]])
    with pytest.raises(InputError) as info:
        ingest_path(store, Caller.operator(), path, mapping=mapping)
    assert (info.value.line, info.value.field) == (2, "record_id")


_CELL = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["", "BG 1-AA", "44.1", "2024-01-01T00:00:00Z", '"', "\n", ","]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(_CELL, min_size=5, max_size=7), max_size=5), raw=st.binary(max_size=40)
)
def test_any_sensor_file_is_ingested_or_refused_cleanly(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], raw: bytes
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    store = new_store()
    header = ["vrm", "read_at", "camera_id", "lat", "lon", "lane"][
        : max(5, len(rows[0]) if rows else 5)
    ]
    csv_path = write_csv(folder / "anpr.csv", header, rows)
    bin_path = folder / "raw_anpr.csv"
    bin_path.write_bytes(b"vrm,read_at,camera_id,lat,lon\n" + raw)
    for path in (csv_path, bin_path):
        before = snapshot(store)
        try:
            [report] = ingest_path(
                store, Caller.operator(), path, defaults=SENSOR_DEFAULTS, show_progress=False
            )
        except InputError as exc:
            assert exc.file == path.name
            assert snapshot(store) == before  # refused: nothing written, not even the ingest log
        else:
            assert report.observations_added <= report.rows_read
            assert snapshot(store)[1] == before[1] + 1
    store.close()
