"""The Western Balkans scenario: reproducible, well-formed, and consistent with its ground truth."""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import random
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
import yaml
from followthemoney import model
from followthemoney.entity import ValueEntity
from followthemoney.proxy import EntityProxy
from openpyxl import load_workbook
from stdnum import iban as stdnum_iban

from corridor.model.provenance import build_provenance
from corridor.normalise.plates import normalise_plate
from corridor.scenario import build, build_scenario
from corridor.scenario.banking import CURRENCY, make_iban
from corridor.scenario.geography import haversine_km, load_geography
from corridor.scenario.names import gb_ascii, script_of, sr_latin_to_cyrillic, sr_transcribe
from corridor.scenario.phones import mobile_number
from corridor.scenario.plates import PLATE_PATTERNS, make_plate, misread
from corridor.scenario.world import build_world

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless

KINDS = {"tabular", "report", "sightings", "anpr", "scans", "detections"}
SCALE = 0.05


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scenario") / "seed7"
    build_scenario(out, seed=7, scale=SCALE)
    return out


@pytest.fixture(scope="module")
def counts_double(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    return build_scenario(tmp_path_factory.mktemp("scenario") / "double", seed=7, scale=2 * SCALE)


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _table_rows(path: Path, sheet: str | None = None) -> list[dict[str, str]]:
    if path.suffix == ".xlsx":
        book = load_workbook(path, read_only=True)
        ws = book[sheet] if sheet else book.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = [str(h) for h in next(rows)]
        out = [{h: ("" if v is None else str(v)) for h, v in zip(header, r, strict=True)}
               for r in rows]  # fmt: skip
        book.close()
        return out
    return _csv(path)


def _manifest(bundle: Path) -> list[dict[str, Any]]:
    files: list[dict[str, Any]] = json.loads((bundle / "manifest.json").read_text())["files"]
    return files


def _tabular(bundle: Path) -> list[tuple[dict[str, Any], dict[str, Any], list[dict[str, str]]]]:
    """(manifest entry, mapping, rows) of every tabular file."""
    out = []
    for entry in _manifest(bundle):
        if entry["kind"] == "tabular":
            mapping = yaml.safe_load((bundle / entry["mapping"]).read_text(encoding="utf-8"))
            out.append((entry, mapping, _table_rows(bundle / entry["path"], mapping.get("sheet"))))
    return out


# --- Reproducibility ---------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes(bundle: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build_scenario(again, seed=7, scale=SCALE)
    first, second = _hashes(bundle), _hashes(again)
    assert first == second
    assert "rs/persons.xlsx" in first  # the zip-based format is reproducible too


def test_different_seed_gives_a_different_world(bundle: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    build_scenario(other, seed=8, scale=SCALE)
    first, second = _hashes(bundle), _hashes(other)
    assert first["truth/people.csv"] != second["truth/people.csv"]
    assert first["uk/persons.csv"] != second["uk/persons.csv"]
    assert first["rs/anpr.csv"] != second["rs/anpr.csv"]


def test_scale_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        build_scenario(tmp_path / "x", seed=7, scale=0)


def test_progress_is_reported(tmp_path: Path) -> None:
    stages: list[str] = []
    build_scenario(tmp_path / "p", seed=3, scale=SCALE, progress=lambda s, n: stages.append(s))
    assert stages[0] == "world" and "manifest" in stages


# --- Manifest and mappings ---------------------------------------------------------------------


def test_manifest_lists_every_file_with_a_valid_kind(bundle: Path) -> None:
    files = _manifest(bundle)
    listed = set()
    for entry in files:
        assert entry["kind"] in KINDS
        assert (bundle / entry["path"]).is_file(), entry["path"]
        assert entry["provenance"]["agency"] in ("GB-NCA", "RS-MUP")
        listed.add(entry["path"])
        if entry["kind"] == "tabular":
            assert (bundle / entry["mapping"]).is_file()
            listed.add(entry["mapping"])
    on_disk = {str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file()}
    unlisted = {p for p in on_disk if not p.startswith("truth/") and p != "manifest.json"}
    assert unlisted == listed
    kinds = {e["kind"] for e in files}
    assert kinds == KINDS


def _map_row(query: Any, record: dict[str, str]) -> dict[str, EntityProxy]:
    """Map one row as FtM does, failing on any value FtM would discard."""
    done: dict[str, EntityProxy] = {}
    for em in query.entities:
        proxy = ValueEntity(em.schema, {}, cleaned=True)
        for pm in sorted(em.properties, key=lambda pm: str(pm.prop.type)):
            discarded = pm.map(proxy, record, done)
            assert not discarded, (em.name, pm.prop.name, discarded)
        proxy.id = em.compute_key(record)
        if proxy.id is not None:
            done[em.name] = proxy
    return done


def test_every_mapping_parses_and_every_value_cleans(bundle: Path) -> None:
    mapped = 0
    for entry, mapping, rows in _tabular(bundle):
        assert set(mapping) <= {"entities", "provenance", "sheet", "csv"}
        query = model.make_mapping({"csv_url": "x", "entities": mapping["entities"]})
        id_columns = {em.id_column for em in query.entities}
        for row in rows:
            # FtM's CSV reader drops empty cells; an empty reference is no reference.
            record = {k: v for k, v in row.items() if v.strip()}
            entities = _map_row(query, record)
            ids = {e.id for e in entities.values()}
            assert ids <= {record[c] for c in id_columns if c in record}, entry["path"]
            mapped += 1
    assert mapped > 100


def test_every_row_carries_a_valid_provenance(bundle: Path) -> None:
    for entry, mapping, rows in _tabular(bundle):
        prov = mapping["provenance"]
        literals = {k: v for k, v in prov.items() if not isinstance(v, dict)}
        columns = {k: v["column"] for k, v in prov.items() if isinstance(v, dict)}
        assert literals["agency"] == entry["provenance"]["agency"]
        for row in rows:
            fields = {**{k: str(v) for k, v in literals.items()},
                      **{k: row[c] for k, c in columns.items() if row.get(c)}}  # fmt: skip
            build_provenance(fields)  # raises on a bad grade, missing condition, bad date


def test_grading_schemes_and_conditions_are_mixed(bundle: Path) -> None:
    rows = [row for _, _, rows in _tabular(bundle) for row in rows if row.get("grading")]
    schemes = {r["grading_scheme"] for r in rows}
    assert {"3x5x2", "5x5x5"} <= schemes
    conditional = [r for r in rows if r["grading_scheme"] == "3x5x2" and r["grading"][-1] == "C"]
    assert conditional and all(
        r["action_code"] or r["sanitisation_code"] or r["handling_instructions"]
        for r in conditional
    )
    assert {"OFFICIAL", "OFFICIAL-SENSITIVE"} <= {r["classification"] for r in rows}


# --- Identifiers -------------------------------------------------------------------------------


def test_plates_follow_each_country_format() -> None:
    world = build_world(load_geography(), 7, SCALE)
    plates = [(v.country, v.plate) for v in world.vehicles.values()]
    plates += [(b.country, b.plate) for b in world.background]
    assert {c for c, _ in plates} >= {"RS", "GB", "BG"}
    for country, plate in plates:
        assert PLATE_PATTERNS[country].match(plate), (country, plate)
    rng = random.Random(1)
    for country, pattern in PLATE_PATTERNS.items():
        for _ in range(50):
            assert pattern.match(make_plate(country, rng))


def test_written_plates_normalise_to_one_key_per_vehicle(bundle: Path) -> None:
    keys: dict[str, set[str]] = defaultdict(set)
    for row in _csv(bundle / "truth" / "vehicles.csv"):
        assert row["plate_normalised"] == normalise_plate(row["plate"])
        keys[row["true_id"]].add(row["plate_normalised"])
    assert all(len(k) == 1 for k in keys.values())
    rs_plates = [r["plate"] for r in _csv(bundle / "rs" / "vehicles.csv")]
    assert rs_plates


def test_misreads_differ_from_the_plate() -> None:
    rng = random.Random(5)
    for vrm in ("BG123AB", "SK1234AB", "AB12CDE"):
        assert misread(vrm, rng) != vrm


def test_phones_are_valid_e164() -> None:
    rng = random.Random(2)
    for region in ("RS", "MK", "BA", "GR", "HU", "GB", "AF", "SY", "IQ", "PK", "TR", "BG"):
        number = phonenumbers.parse(mobile_number(region, rng))
        assert phonenumbers.is_valid_number(number)
        assert phonenumbers.region_code_for_number(number) == region


def test_truth_phones_are_valid_and_churn(bundle: Path) -> None:
    rows = _csv(bundle / "truth" / "phones.csv")
    for row in rows:
        number = phonenumbers.parse(row["phone"])
        assert phonenumbers.is_valid_number(number), row["phone"]
        assert row["phone"] == phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.E164
        )
        assert row["active_from"] <= row["active_to"]
    per_holder: dict[str, int] = defaultdict(int)
    for row in rows:
        per_holder[row["holder"]] += 1
    assert max(per_holder.values()) >= 5  # burner users go through many SIMs
    codes = {phonenumbers.parse(r["phone"]).country_code for r in rows}
    assert {381, 44} <= codes


def test_ibans_are_valid(bundle: Path) -> None:
    rng = random.Random(4)
    for country in CURRENCY:
        assert stdnum_iban.is_valid(make_iban(country, rng))
    truth = _csv(bundle / "truth" / "accounts.csv")
    assert truth and all(stdnum_iban.is_valid(r["iban"]) for r in truth)
    for folder in ("uk", "rs"):
        for row in _csv(bundle / folder / "accounts.csv"):
            assert stdnum_iban.is_valid(row["iban"]), row["iban"]


# --- Names -------------------------------------------------------------------------------------


def test_transliteration_follows_each_convention() -> None:
    assert sr_latin_to_cyrillic("Ljubisavljević Dženan") == "Љубисављевић Џенан"
    assert gb_ascii("Đorđević") == "Djordjevic"
    assert sr_transcribe("Jamal", "ar") == "Džamal"
    assert sr_transcribe("Krasniqi", "sq") == "Krasnići"
    assert sr_transcribe("al-Hassan", "ar") == "Al Hasan"


def test_cross_script_pairs_exist(bundle: Path) -> None:
    names: dict[str, str] = {}
    for entry, mapping, rows in _tabular(bundle):
        if entry["path"] in ("uk/persons.csv", "rs/persons.xlsx"):
            column = mapping["entities"]["person"]["properties"]["name"]["column"]
            names.update({r["record_id"]: r[column] for r in rows})
    by_true: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in _csv(bundle / "truth" / "identities.csv"):
        if row["schema"] == "Person" and row["record_id"] in names:
            by_true[row["true_id"]].append((row["agency"], names[row["record_id"]]))
    pairs = 0
    for records in by_true.values():
        gb = {script_of(n) for a, n in records if a == "GB-NCA"}
        rs = {script_of(n) for a, n in records if a == "RS-MUP"}
        if "Latn" in gb and rs & {"Cyrl", "Arab"}:
            pairs += 1
    assert pairs >= 2
    assert any(script_of(n) == "Cyrl" for n in names.values())


# --- Ground truth ------------------------------------------------------------------------------


def _record_ids(bundle: Path) -> set[str]:
    """Every entity id an agency file or report introduces."""
    ids: set[str] = set()
    for _, mapping, rows in _tabular(bundle):
        query = model.make_mapping({"csv_url": "x", "entities": mapping["entities"]})
        owned = [em.id_column for em in query.entities if em.properties]
        for row in rows:
            ids.update(row[c] for c in owned if c and row.get(c))
    for folder in ("uk", "rs"):
        for report in json.loads((bundle / folder / "reports.json").read_text())["reports"]:
            ids.update(e["id"] for e in report["entities"])
    return ids


def test_identities_point_at_real_records(bundle: Path) -> None:
    identities = _csv(bundle / "truth" / "identities.csv")
    ids = _record_ids(bundle)
    listed = {r["record_id"] for r in identities}
    assert listed <= ids
    people = {r["true_id"] for r in _csv(bundle / "truth" / "people.csv")}
    for row in identities:
        if row["schema"] == "Person":
            assert row["true_id"] in people
    # and every person, vehicle or account record is accounted for
    main = {i for i in ids if "-p-" in i or "-v-" in i or "-a-" in i}
    assert main <= listed


def test_agencies_overlap_partially(bundle: Path) -> None:
    members = {r["true_id"] for r in _csv(bundle / "truth" / "networks.csv")}
    agencies: dict[str, set[str]] = defaultdict(set)
    for row in _csv(bundle / "truth" / "identities.csv"):
        if row["true_id"] in members:
            agencies[row["true_id"]].add(row["agency"])
    both = sum(1 for a in agencies.values() if len(a) == 2)
    one = sum(1 for a in agencies.values() if len(a) == 1)
    assert both > 0 and one > 0


def test_watchlist_entries_are_network_members_and_vehicles(bundle: Path) -> None:
    members = {r["true_id"] for r in _csv(bundle / "truth" / "networks.csv")}
    network_vehicles = {r["true_id"] for r in _csv(bundle / "truth" / "vehicles.csv")
                        if r["network_id"]}  # fmt: skip
    entries = _csv(bundle / "truth" / "watchlist.csv")
    assert {e["kind"] for e in entries} == {"person", "vehicle"}
    for entry in entries:
        pool = members if entry["kind"] == "person" else network_vehicles
        assert entry["true_id"] in pool
    listed = {r["entry_id"] for r in _csv(bundle / "uk" / "watchlist_persons.csv")}
    listed |= {r["entry_id"] for r in _csv(bundle / "uk" / "watchlist_vehicles.csv")}
    assert listed == {e["entry_id"] for e in entries}


def test_sensor_truth_matches_the_feeds(bundle: Path) -> None:
    truth = bundle / "truth"
    reads = [r["read_id"] for f in ("rs", "uk") for r in _csv(bundle / f / "anpr.csv")]
    runs = _csv(truth / "anpr_runs.csv")
    assert sorted(reads) == sorted(r["read_id"] for r in runs)
    assert any(r["misread"] == "true" for r in runs)
    crossings = {r["crossing_id"] for r in _csv(truth / "crossings.csv")}
    sightings = _csv(truth / "sightings.csv")
    features = [
        f["properties"]["sighting_id"]
        for folder in ("rs", "uk")
        for f in json.loads((bundle / folder / "sightings.geojson").read_text())["features"]
    ]
    assert sorted(features) == sorted(s["sighting_id"] for s in sightings)
    assert all(s["crossing_id"] in crossings for s in sightings if s["crossing_id"])
    assert any(not s["crossing_id"] for s in sightings)
    scans = [
        s["scan_id"]
        for folder in ("rs", "uk")
        for s in json.loads((bundle / folder / "scans.json").read_text())["scans"]
    ]
    scan_truth = _csv(truth / "scans.csv")
    assert sorted(scans) == sorted(s["scan_id"] for s in scan_truth)
    detections = [
        d["detection_id"] for f in ("rs", "uk") for d in _csv(bundle / f / "detections.csv")
    ]
    assert sorted(detections) == sorted(d["detection_id"] for d in _csv(truth / "detections.csv"))


def test_convoys_pass_the_same_camera_minutes_apart(bundle: Path) -> None:
    runs = {r["read_id"]: r for r in _csv(bundle / "truth" / "anpr_runs.csv")}
    seen: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for folder in ("rs", "uk"):
        for read in _csv(bundle / folder / "anpr.csv"):
            truth = runs[read["read_id"]]
            if truth["convoy_id"]:
                key = (truth["convoy_id"], read["camera_id"])
                seen[key].append((read["read_at"], truth["vehicle_id"]))
    close = 0
    for reads in seen.values():
        vehicles = {v for _, v in reads}
        times = sorted(datetime.fromisoformat(t) for t, _ in reads)
        if len(vehicles) == 2 and (times[-1] - times[0]).total_seconds() <= 10 * 60:
            close += 1
    assert close >= 1


def test_a_cloned_plate_is_read_in_two_places_at_once(bundle: Path) -> None:
    clones = _csv(bundle / "truth" / "clones.csv")
    assert clones
    runs = {r["read_id"]: r for r in _csv(bundle / "truth" / "anpr_runs.csv")}
    geo = {c.camera_id: (c.lat, c.lon) for c in load_geography().cameras}
    for clone in clones:
        reads = sorted((datetime.fromisoformat(r["read_at"]), runs[r["read_id"]]["vehicle_id"],
                        r["camera_id"]) for r in _csv(bundle / "rs" / "anpr.csv")
                       if normalise_plate(r["vrm"]) == clone["plate_normalised"])  # fmt: skip
        assert {v for _, v, _ in reads} == {clone["original_id"], clone["clone_id"]}
        fastest = 0.0
        for (t1, _, c1), (t2, _, c2) in itertools.pairwise(reads):
            km = haversine_km(*geo[c1], *geo[c2])
            fastest = max(fastest, km / max((t2 - t1).total_seconds() / 3600, 1e-9))
        assert fastest > 300  # no road vehicle drives that fast between cameras


def test_clones_come_from_a_generator_of_their_own(
    bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the clones, every file is the same but for the clones' own reads."""
    monkeypatch.setattr(build, "plan_clones", lambda world: [])
    build_scenario(tmp_path / "none", seed=7, scale=SCALE)
    with_clones, without = _hashes(bundle), _hashes(tmp_path / "none")
    changed = {k for k in with_clones if with_clones[k] != without.get(k)}
    assert changed == {"rs/anpr.csv", "truth/anpr_runs.csv", "truth/clones.csv"}
    for name in ("rs/anpr.csv", "truth/anpr_runs.csv"):
        kept = [line for line in (bundle / name).read_text().splitlines()
                if "-anpr-c" not in line.split(",")[0]]  # fmt: skip
        assert kept == (tmp_path / "none" / name).read_text().splitlines()


def test_reports_are_graded_item_by_item(bundle: Path) -> None:
    ids = _record_ids(bundle)
    for folder in ("uk", "rs"):
        reports = json.loads((bundle / folder / "reports.json").read_text())["reports"]
        assert reports
        for report in reports:
            items = {item["item_id"] for item in report["items"]}
            local = {e["id"] for e in report["entities"]}
            for item in report["items"]:
                build_provenance({"agency": report["agency"], **item,
                                  "classification": report["classification"]})  # fmt: skip
                assert set(item["mentions"]) <= ids | local
            assert all(e["item"] in items for e in report["entities"])
            assert report["report_id"].startswith(report["agency"])


def test_groups_follow_the_frontex_mix(bundle: Path) -> None:
    groups = _csv(bundle / "truth" / "groups.csv")
    assert groups
    for group in groups:
        mix = dict(part.split(":") for part in group["nationalities"].split(";"))
        assert sum(int(v) for v in mix.values()) == int(group["size"])
        assert 5 <= int(group["size"]) <= 40


def test_anpr_reads_scale_linearly(bundle: Path, counts_double: dict[str, int]) -> None:
    small = sum(1 for _ in (bundle / "rs" / "anpr.csv").open()) - 1
    small += sum(1 for _ in (bundle / "uk" / "anpr.csv").open()) - 1
    double = counts_double["rs/anpr.csv"] + counts_double["uk/anpr.csv"]
    assert small == pytest.approx(20_000 * SCALE, rel=0.1)
    assert double == pytest.approx(2 * small, rel=0.1)


def test_an_integer_scale_gives_the_same_world_as_its_float(tmp_path: Path) -> None:
    build_scenario(tmp_path / "int", seed=3, scale=1)
    build_scenario(tmp_path / "float", seed=3, scale=1.0)
    for name in ("truth/identities.csv", "manifest.json"):
        assert (tmp_path / "int" / name).read_bytes() == (tmp_path / "float" / name).read_bytes()
