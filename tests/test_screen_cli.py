"""The screening commands through Typer's test runner: `lists load` (FtM JSON and the real UN
XML), `lists show`, batch `screen` to a CSV of hits, `alerts list` and `alerts decide`, and a
malformed list refused naming file, line and field with nothing written."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from rich.console import Console
from typer.testing import CliRunner

from conftest import PEOPLE, SHARED_DATA
from corridor import cli
from corridor.commands import screening
from corridor.errors import InputError
from corridor.store.base import Store
from stores import workdir_store

UN_XML = SHARED_DATA / "sanctions" / "un_consolidated_2026-02-27.xml"
FTM_SAMPLE = SHARED_DATA / "sanctions" / "opensanctions_sample.ftm.json"
HIT_COLUMNS = ["row", "query_id", "entity_id", "dataset", "caption", "score", "features"]
#: The node's record listed: the first conftest person, with their date of birth.
LISTED_NODE_PERSON = {
    "id": "test-list-0001", "schema": "Person",
    "properties": {"name": [PEOPLE[0]["full_name"]], "birthDate": ["1980-05-03"]},
}  # fmt: skip

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as wide as a terminal would print them (the runner's output is not a TTY)."""
    monkeypatch.setattr(screening, "out", Console(width=240))
    monkeypatch.setattr(screening, "err", Console(width=240, stderr=True))
    monkeypatch.setattr(cli, "err", Console(width=240, stderr=True))  # main()'s error line


def run(work: Path, *args: str) -> Result:
    result = runner.invoke(cli.app, [*args, "--workdir", str(work)])
    return result


def ok(work: Path, *args: str) -> str:
    result = run(work, *args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def ftm_list(path: Path, entities: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    return path


def sample() -> list[dict[str, Any]]:
    """The OpenSanctions sample: persons, companies and their sanctions (real listings)."""
    with FTM_SAMPLE.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def stored(work: Path) -> Store:
    return workdir_store(work)


def test_lists_screen_and_alerts(tmp_path: Path, people_files: tuple[Path, Path]) -> None:
    work = tmp_path / "work"
    people, mapping = people_files
    ok(work, "ingest", str(people), "--mapping", str(mapping), "--no-progress")

    listed = ftm_list(tmp_path / "list.ftm.json", [*sample(), LISTED_NODE_PERSON])
    text = ok(work, "lists", "load", str(listed), "--dataset", "test_list")
    assert "test_list version 1" in text and "1 new alert" in text and "1 new alerts" not in text, (
        text
    )
    text = ok(work, "lists", "load", str(UN_XML), "--dataset", "un_sc", "--format", "un-xml")
    assert "un_sc version 1: 1,003 listed (1,003 added" in text, text
    # The same list again: a new version, nothing changed, nothing raised again.
    text = ok(work, "lists", "load", str(listed), "--dataset", "test_list")
    assert "test_list version 2" in text and "0 changed" in text and "0 new alerts" in text

    shown = ok(work, "lists", "show")
    for expected in ("test_list", "un_sc", "un_consolidated_2026-02-27.xml", "list.ftm.json"):
        assert expected in shown, shown
    assert len([line for line in shown.splitlines() if "test_list" in line]) == 2

    # Batch screening: a UN-listed name (in the Latin and in the Serbian Cyrillic script) is
    # hit, the conftest victim is not.
    queries = tmp_path / "names.csv"
    with queries.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "name", "birthDate", "nationality"])
        writer.writerow(["q-listed", "Ahmad Oumar Imhamad al-Fitouri", "1988-05-07", "ly"])
        writer.writerow(["q-cyrillic", "Фитиви Абделразак", "", ""])
        writer.writerow(["q-innocent", PEOPLE[2]["full_name"], "", "rs"])
    hits_file = tmp_path / "hits.csv"
    result = run(work, "screen", str(queries), "--dataset", "un_sc", "--out", str(hits_file))
    assert result.exit_code == 0, result.output
    assert "3 rows screened" in result.stderr
    with hits_file.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == HIT_COLUMNS
        hits = list(reader)
    by_query: dict[str, list[dict[str, str]]] = {}
    for hit in hits:
        by_query.setdefault(hit["query_id"], []).append(hit)
    assert set(by_query) == {"q-listed", "q-cyrillic"}, hits
    top = by_query["q-listed"][0]
    assert (top["row"], top["entity_id"], top["dataset"]) == ("1", "un-LYi.023", "un_sc")
    assert top["caption"] == "Ahmad Oumar Imhamad al-Fitouri" and float(top["score"]) >= 0.7
    assert {"name", "dob"} <= set(json.loads(top["features"]))
    assert by_query["q-cyrillic"][0]["entity_id"] == "un-LYi.022"
    assert all(h["dataset"] == "un_sc" and float(h["score"]) >= 0.7 for h in hits)

    # The alert raised by the first load: listed, decided, and gone from the open ones.
    store = stored(work)
    alerts = store.alerts()
    store.close()
    assert [(a.entity_id, a.list_entity_id) for a in alerts] == [("rs-p-1", "test-list-0001")]
    alert = alerts[0]
    listed_open = ok(work, "alerts", "list")
    assert alert.id[:12] in listed_open and "rs-p-1" in listed_open and "name" in listed_open
    text = ok(work, "alerts", "decide", alert.id[:8], "--decision", "false_positive",
              "--note", "another person", "--user", "ana")  # fmt: skip
    assert f"alert {alert.id[:12]}: false_positive by ana" in text
    assert alert.id[:12] not in ok(work, "alerts", "list")
    assert alert.id[:12] in ok(work, "alerts", "list", "--status", "false_positive")
    refused = run(work, "alerts", "decide", alert.id, "--decision", "maybe")
    assert refused.exit_code != 0 and "decision" in str(refused.exception)
    store = stored(work)
    decided = store.alert(alert.id)
    store.close()
    assert decided is not None and (decided.status, decided.note) == (
        "false_positive",
        "another person",
    )


def test_a_malformed_list_is_refused_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "work"
    good = sample()
    ok(work, "lists", "load", str(ftm_list(tmp_path / "v1.ftm.json", good)), "--dataset", "os")
    before = ok(work, "lists", "show")

    person = next(e for e in good if e["schema"] == "Person")
    broken = {**person, "id": "broken-1",
              "properties": {**person["properties"], "birthDate": ["the spring of 1980"]}}  # fmt: skip
    bad = ftm_list(tmp_path / "v2.ftm.json", [good[0], good[1], broken, *good[2:]])
    result = run(work, "lists", "load", str(bad), "--dataset", "os")
    error = result.exception
    assert isinstance(error, InputError), result.output
    assert (error.file, error.line, error.field) == ("v2.ftm.json", 3, "properties.birthDate")
    assert "v2.ftm.json, line 3, field 'properties.birthDate'" in error.message

    assert ok(work, "lists", "show") == before  # still version 1 only
    store = stored(work)
    versions = store.list_versions()
    ids = {r.entity_id for r in store.list_entities("os")}
    store.close()
    assert [(v.name, v.version, v.source) for v in versions] == [("os", 1, "v1.ftm.json")]
    assert "broken-1" not in ids and ids

    # The entry point users run prints it as one line and exits 2.
    argv = ["corridor", "lists", "load", str(bad), "--dataset", "os", "--workdir", str(work)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    printed = capsys.readouterr().err
    assert "error:" in printed and "v2.ftm.json, line 3, field 'properties.birthDate'" in printed
    assert ok(work, "lists", "show") == before
