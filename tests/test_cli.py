"""The command line, run as users run it (a subprocess), so exit codes and output are real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from followthemoney import model

from conftest import SENSOR_DEFAULTS
from corridor.api.app import create_app


def corridor(
    *args: str, workdir: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    if workdir is not None:
        env["CORRIDOR_HOME"] = str(workdir)
    proc = subprocess.run(
        [sys.executable, "-m", "corridor", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_frontex_stats_print_the_2024_total() -> None:
    proc = corridor("stats", "frontex", "--route", "Western Balkan Route", "--year", "2024")
    assert "21,525" in proc.stdout
    assert "Syria" in proc.stdout and "7,022" in proc.stdout


def test_users_add_prints_a_working_key(tmp_path: Path) -> None:
    proc = corridor(
        "users", "add", "ana", "--role", "analyst", "--agency", "RS-MUP", "--workdir", str(tmp_path)
    )
    key = proc.stdout.strip()
    assert key.startswith("cor_") and len(key) > 30
    listed = corridor("users", "list", "--workdir", str(tmp_path)).stdout
    assert "ana" in listed and key not in listed
    with TestClient(create_app(workdir=tmp_path)) as client:
        assert client.get("/stats/counts", headers={"Authorization": f"ApiKey {key}"}).is_success
        assert client.get("/stats/counts", headers={"Authorization": "ApiKey cor_x"}).is_error
    again = corridor(
        "users",
        "add",
        "ana",
        "--role",
        "analyst",
        "--agency",
        "RS-MUP",
        "--workdir",
        str(tmp_path),
        check=False,
    )
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = corridor(
        "users",
        "add",
        "bo",
        "--role",
        "wizard",
        "--agency",
        "RS-MUP",
        "--workdir",
        str(tmp_path),
        check=False,
    )
    assert bad.returncode == 2 and "unknown role" in bad.stderr


def test_ingest_then_export_entities_as_ftm(
    tmp_path: Path, people_files: tuple[Path, Path], anpr_file: Path
) -> None:
    csv_path, mapping = people_files
    work = tmp_path / "work"
    out = corridor("ingest", str(csv_path), "--mapping", str(mapping), workdir=work).stdout
    assert "people.csv" in out and "tabular" in out
    args = [f"--{k.replace('_', '-')}={v}" for k, v in SENSOR_DEFAULTS.items()]
    corridor("ingest", str(anpr_file), *args, workdir=work)
    lines = corridor("entities", "--schema", "Person", workdir=work).stdout.splitlines()
    entities = [json.loads(line) for line in lines]
    assert sorted(e["id"] for e in entities) == ["rs-p-1", "rs-p-2", "rs-p-3"]
    for data in entities:
        assert model.get_proxy(data).schema.name == "Person"
    with_prov = [
        json.loads(line)
        for line in corridor("entities", "--provenance", workdir=work).stdout.splitlines()
    ]
    assert all(s["provenance"]["agency"] == "RS-MUP" for e in with_prov for s in e["statements"])
    counts = corridor("stats", "counts", workdir=work).stdout
    assert "RS-MUP" in counts and "anpr 50" in counts


def test_bad_input_exits_non_zero_naming_file_line_and_field(
    tmp_path: Path, people_files: tuple[Path, Path]
) -> None:
    csv_path, mapping = people_files
    csv_path.write_text(
        csv_path.read_text(encoding="utf-8").replace("03.05.1980.", "03.13.1980."), encoding="utf-8"
    )
    proc = corridor(
        "ingest", str(csv_path), "--mapping", str(mapping), workdir=tmp_path / "w", check=False
    )
    assert proc.returncode == 2
    assert "people.csv, line 2, field 'dob'" in " ".join(proc.stderr.split())


def test_usage_errors_name_the_option_and_exit_2_without_a_traceback(tmp_path: Path) -> None:
    for args, option in (
        (["search", "x", "--limit", "0"], "--limit"),
        (["demo", "--no-serve", "--scale", "0"], "--scale"),
        (["users", "add", "bo"], "--role"),
    ):
        proc = corridor(*args, "--workdir", str(tmp_path), check=False)
        assert proc.returncode == 2, proc.stderr
        assert option in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert not (tmp_path / "corridor.duckdb").exists()


def test_resolution_commands(tmp_path: Path) -> None:
    work = tmp_path / "work"
    mapping = tmp_path / "m.yml"
    mapping.write_text("""
provenance: {agency: RS-MUP, grading: 2BP, classification: OFFICIAL}
entities:
  person:
    schema: Person
    id_column: id
    properties: {name: {column: name}, birthDate: {column: dob}}
""")
    people = tmp_path / "people.csv"
    people.write_text(
        "id,name,dob\na1,Мирослав Јовановић,1980-05-03\na2,JOVANOVIC Miroslav,1980-05-03\na3,Ana Kovač,1990-01-01\n",
        encoding="utf-8",
    )
    corridor("ingest", str(people), "--mapping", str(mapping), workdir=work)
    out = corridor("resolve", "--kind", "Person", workdir=work).stdout
    [row] = [line for line in out.splitlines() if "Person" in line]
    # records, pairs scored, clusters, clusters with several records (then seconds)
    assert [cell.strip() for cell in row.split("│")[2:6]] == ["3", "1", "2", "1"]
    shown = corridor("matches", "a1", workdir=work).stdout
    assert "a2" in shown and "same date of birth" in shown and "name" in shown
    judged = corridor(
        "judge", "a1", "a2", "--verdict", "negative", "--user", "ana", workdir=work
    ).stdout
    assert "negative judgement by ana" in judged and "apart" in " ".join(judged.split())
    merged = json.loads(corridor("canonical", "a1", workdir=work).stdout)
    assert merged["members"] == ["a1"]
    corridor("judge", "a1", "a2", "--verdict", "positive", workdir=work)
    merged = json.loads(corridor("canonical", "a2", workdir=work).stdout)
    assert sorted(merged["members"]) == ["a1", "a2"]
    assert {s["entity_id"] for s in merged["statements"]} == {"a1", "a2"}
