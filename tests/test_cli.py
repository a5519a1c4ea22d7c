"""The command line, run as users run it (a subprocess), so exit codes and output are real; and
how it is put together (one module per capability, none importing the API or the demo)."""

from __future__ import annotations

import ast
import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer
from fastapi.testclient import TestClient
from followthemoney import model

from conftest import SENSOR_DEFAULTS
from corridor import cli, commands
from corridor.api.app import create_app

#: Every top-level command and group of `corridor`.
TOP_LEVEL = {
    "scenario", "ingest", "entities", "search", "resolve", "matches", "judge", "canonical",
    "link", "network", "timeline", "anpr", "routes", "targeting", "lists", "screen", "alerts", "stats", "users", "audit",
    "review", "node", "partner", "agreement", "share", "rfi", "correct", "recall", "serve", "demo",
}  # fmt: skip
#: The commands that take `--workdir` but open no store (so take no `--store`).
STORELESS = {
    ("scenario",),
    ("stats", "frontex"),
    ("routes", "forecast"),
    ("node", "init"),
    ("node", "export-key"),
}
#: What a command module may import from the API or the demo: the demo command runs the demo.
ALLOWED = {("serve", "corridor.demo.run_demo")}
FORBIDDEN = ("corridor.api", "corridor.demo", "corridor.demo_nodes")


def corridor(
    *args: str,
    workdir: Path | None = None,
    check: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "COLUMNS": "200", **(env or {})}
    if workdir is not None:
        environ["CORRIDOR_HOME"] = str(workdir)
    proc = subprocess.run(
        [sys.executable, "-m", "corridor", *args],
        capture_output=True,
        text=True,
        env=environ,
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


def command_modules() -> list[str]:
    """The modules of `corridor.commands` that hold commands (all but `common`)."""
    found = pkgutil.iter_modules(commands.__path__)
    return sorted(m.name for m in found if m.name != "common")


def command_names(app: typer.Typer) -> set[str]:
    return set(typer.main.get_group(app).commands)


def test_every_command_module_registers_its_commands_on_the_root() -> None:
    registered: dict[str, set[str]] = {}
    for name in command_modules():
        module = importlib.import_module(f"corridor.commands.{name}")
        assert callable(getattr(module, "register", None)), f"{name} has no register(app)"
        alone = typer.Typer()
        module.register(alone)
        registered[name] = command_names(alone)
        assert registered[name], f"{name}.register adds no command"
    every = [command for names in registered.values() for command in names]
    assert len(every) == len(set(every)), "a command registered by two modules"
    assert set(every) == command_names(cli.app) == TOP_LEVEL
    assert {m.__name__.rsplit(".", 1)[1] for m in cli.COMMAND_MODULES} == set(registered)


def _imports(tree: ast.AST, package: str) -> set[str]:
    """Every module (or module.name) a module imports, inside functions too, made absolute."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up `level - 1` packages
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *filter(None, [base])])
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def test_command_modules_import_neither_the_api_nor_the_demo() -> None:
    folder = Path(commands.__file__).parent
    for path in sorted(folder.glob("*.py")):
        imported = _imports(ast.parse(path.read_text(encoding="utf-8")), "corridor.commands")
        for name in imported - {n for module, n in ALLOWED if module == path.stem}:
            bad = [f for f in FORBIDDEN if name == f or name.startswith(f + ".")]
            assert not bad, f"{path.name} imports {name}"


def _leaf_commands(command: Any, path: tuple[str, ...] = ()) -> Any:
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _leaf_commands(sub, (*path, name))
    else:
        yield path, command


def test_every_command_that_opens_a_store_takes_store() -> None:
    for path, command in _leaf_commands(typer.main.get_group(cli.app)):
        options = {opt for param in command.params for opt in param.opts}
        if "--workdir" in options and path not in STORELESS:
            assert "--store" in options, " ".join(path)


def test_store_option_and_environment_name_the_store(tmp_path: Path) -> None:
    """`--store FILE` (or `CORRIDOR_STORE`) is the store, not the work directory's."""
    elsewhere, work = tmp_path / "elsewhere.duckdb", tmp_path / "work"
    corridor(
        "users", "add", "ana", "--role", "analyst", "--agency", "RS-MUP",
        "--store", str(elsewhere), workdir=work,
    )  # fmt: skip
    assert elsewhere.exists() and not (work / "corridor.duckdb").exists()
    listed = corridor("users", "list", workdir=work, env={"CORRIDOR_STORE": str(elsewhere)})
    assert "ana" in listed.stdout
    assert "ana" not in corridor("users", "list", workdir=work).stdout
