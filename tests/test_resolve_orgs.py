"""Organisations resolve across agencies, scripts and ways of writing a legal form, and firms
named alike (another word, another legal form) stay apart."""

from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import write_csv
from corridor.access.caller import Caller
from corridor.ingest.service import ingest_path
from corridor.resolve import service
from corridor.resolve.features import PersonInput, incompatible, person_features
from corridor.resolve.linkage import spec_for
from corridor.resolve.records import feature_table
from corridor.scenario import build_scenario
from corridor.store.base import Store
from stores import new_store

_MAPPING = """
provenance: {{agency: {agency}, grading: 2BP, classification: OFFICIAL}}
entities:
  org:
    schema: Company
    id_column: id
    properties:
      name: {{column: name}}
      registrationNumber: {{column: reg}}
      phone: {{column: phone, format: RS}}
      address: {{column: address}}
"""
_COLUMNS = ["id", "name", "reg", "phone", "address"]

# (id, name, registration number, phone, address); ids ending in the same letter are one firm.
_GB = [
    ("gb-1a", "TRANSPORT DOO", "", "", "Industrijska 12, Sid"),
    ("gb-2b", "Sokol Prevoz Limited Liability Company", "", "+381 64 1234567", ""),
    ("gb-3c", "Avala Menjacnica AD", "07123456", "", ""),
    ("gb-4d", "Bank of Armenia", "", "", ""),
    ("gb-5e", "China Petromechanical Ltd", "", "", ""),
    ("gb-6f", "Morava Logistika d.o.o.", "", "", "Kralja Petra 3, Nis"),
]
_RS = [
    ("rs-1a", "Транспорт д.о.о.", "", "", "Индустријска 12, Шид"),
    ("rs-2b", "Društvo sa ograničenom odgovornošću Sokol Prevoz", "", "064/1234567", ""),
    ("rs-3c", "Авала Мењачница а.д. Београд", "07123456", "", ""),
    ("rs-4x", "Bank of America", "", "", ""),
    ("rs-5y", "China Petrochemical Ltd", "", "", ""),
    ("rs-6z", "Морава Логистика А.Д.", "", "", "Краља Петра 3, Ниш"),
]


def _ingest(store: Store, tmp_path: Path, agency: str, rows: list[tuple[str, ...]]) -> None:
    mapping = tmp_path / f"{agency}.yml"
    mapping.write_text(_MAPPING.format(agency=agency))
    data = write_csv(tmp_path / f"{agency}.csv", _COLUMNS, [list(r) for r in rows])
    ingest_path(store, Caller.operator(), data, mapping=mapping)


def _pairs(clusters: dict[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for record, cluster_id in clusters.items():
        groups[cluster_id].append(record)
    return {p for g in groups.values() for p in itertools.combinations(sorted(g), 2)}


def test_firms_resolve_across_agencies_and_scripts_and_near_misses_do_not(tmp_path: Path) -> None:
    store = new_store()
    _ingest(store, tmp_path, "GB-NCA", _GB)
    _ingest(store, tmp_path, "RS-MUP", _RS)
    summary = service.resolve_all(store, Caller.operator(), "Organization")
    assert summary.records == 12
    found = _pairs(store.all_clusters("Organization"))
    assert found == {("gb-1a", "rs-1a"), ("gb-2b", "rs-2b"), ("gb-3c", "rs-3c")}
    # A d.o.o. and an a.d. of one name and address: the legal form weighs against, and however
    # strong the rest, the two are never clustered as one firm.
    explained = service.explain(store, "gb-6f", "rs-6z")
    assert explained.probability >= service.DEFAULT_THRESHOLD  # what the rest says
    form = next(f for f in explained.fields if f.comparison == "legal_form")
    assert form.weight < 0


def test_an_organisation_row_gets_its_own_comparisons() -> None:
    rows = [
        person_features(PersonInput(f"o{i}", "x", "Company", names=[name], ids=[reg]))
        for i, (name, reg) in enumerate([("Транспорт ДОО Ниш", "123"), ("Transport Ltd", "")])
    ]
    assert rows[0]["org_core"] == rows[1]["org_core"] == "transport"  # seat and form aside
    assert rows[0]["org_kinds"] == rows[1]["org_kinds"] == ["llc"]
    assert rows[0]["org_ids"] == ["123"] and rows[0]["sorted_name"] is None
    spec = spec_for(feature_table(rows))
    names = {c.name for c in spec.comparisons}
    assert {"org_name", "legal_form"} <= names and not names & {"name", "dob", "gender"}
    assert incompatible({"org_kinds": ["llc"]}, {"org_kinds": ["jsc"]})
    assert not incompatible({"org_kinds": ["llc"]}, {"org_kinds": None})


@pytest.mark.parametrize("seed", [7])
def test_scenario_companies_resolve_across_agencies(tmp_path: Path, seed: int) -> None:
    build_scenario(tmp_path, seed=seed, scale=0.3)
    with (tmp_path / "truth" / "identities.csv").open(encoding="utf-8") as f:
        truth = {r["record_id"]: r["true_id"] for r in csv.DictReader(f)
                 if r["schema"] == "Company"}  # fmt: skip
    store = new_store()
    ingest_path(store, Caller.operator(), tmp_path, show_progress=False)
    service.resolve_all(store, Caller.operator(), "Organization")
    clusters = {r: c for r, c in store.all_clusters("Organization").items() if r in truth}
    by_truth: dict[str, str] = {r: truth[r] for r in clusters}
    expected = {p for p in _pairs(by_truth) if p[0][:6] != p[1][:6]}
    found = {p for p in _pairs(clusters) if p[0][:6] != p[1][:6]}
    assert len(expected) >= 3
    assert len(found & expected) / len(expected) >= 0.75
    assert len(found & expected) / len(found) >= 0.9
