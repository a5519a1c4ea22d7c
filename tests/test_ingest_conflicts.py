"""A reading that reuses a source id already held (a camera whose read counter was reset, a
feed replayed with corrections) is never dropped as a duplicate: it is stored beside the
other, and the ingest reports the conflict (its report, the command's output, the API's
answer and the audit entry), while the same reading ingested again still adds nothing."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from conftest import ANPR_HEADER, SENSOR_DEFAULTS, Api, anpr_rows, write_csv
from corridor.access.caller import Caller
from corridor.cli import app as cli_app
from corridor.ingest.service import ingest_file
from corridor.model.observations import ObservationKind
from corridor.model.scope import SYSTEM_SCOPE
from corridor.store.base import Store
from corridor.store.records import ObservationQuery


def _ingest(store: Store, path: Path):  # type: ignore[no-untyped-def]
    return ingest_file(store, Caller.operator(), path, kind="anpr", defaults=SENSOR_DEFAULTS,
                       show_progress=False)  # fmt: skip


def _reads(store: Store) -> list[tuple[str, str, str]]:
    rows = store.observations(
        ObservationQuery(kinds=(ObservationKind.ANPR,), limit=10_000), SYSTEM_SCOPE
    )
    return sorted((str(r["source_id"]), str(r["plate"]), str(r["observed_at"])) for r in rows)


def test_a_reused_read_id_with_other_content_is_kept_and_reported(
    store: Store, tmp_path: Path
) -> None:
    first = _ingest(store, write_csv(tmp_path / "day1.csv", ANPR_HEADER, anpr_rows(100)))
    assert (first.observations_added, first.conflicts) == (100, 0)

    # The camera's counter restarted: ids r0…r19 come again, for other vehicles, other times.
    again = anpr_rows(20, start=500)
    for i, row in enumerate(again):
        row[0] = f"r{i}"
    day2 = write_csv(tmp_path / "day2.csv", ANPR_HEADER, again + anpr_rows(5, start=100))
    second = _ingest(store, day2)
    assert second.observations_added == 25  # nothing lost
    assert second.conflicts == 20
    assert second.conflict_examples[:3] == ["anpr:r0", "anpr:r1", "anpr:r10"]
    reads = _reads(store)
    assert len(reads) == 125
    assert sum(1 for r in reads if r[0] == "r0") == 2

    entry = store.audit_tail(1)[0]
    detail = json.loads(entry.detail)
    assert entry.target == "ingest/day2.csv" and detail["conflicts"] == 20

    # The same file again adds nothing and has nothing new to report.
    third = _ingest(store, day2)
    assert (third.observations_added, third.conflicts) == (0, 0)
    assert len(_reads(store)) == 125


def test_two_readings_under_one_id_in_one_file_are_both_kept(store: Store, tmp_path: Path) -> None:
    rows = anpr_rows(10)
    rows.append(["r3", *anpr_rows(1, start=400)[0][1:]])  # r3 again, another reading
    rows.append(list(rows[5]))  # r5 exactly again: the same reading, stored once
    report = _ingest(store, write_csv(tmp_path / "feed.csv", ANPR_HEADER, rows))
    assert report.observations_added == 11
    assert (report.conflicts, report.conflict_examples) == (1, ["anpr:r3"])


def test_the_api_and_the_command_line_report_conflicts(api: Api, tmp_path: Path) -> None:
    clash = anpr_rows(3, start=50)
    for i, row in enumerate(clash):
        row[0] = f"r{i}"
    first = write_csv(tmp_path / "a.csv", ANPR_HEADER, anpr_rows(10))
    second = write_csv(tmp_path / "b.csv", ANPR_HEADER, clash)
    form = {"kind": "anpr", "grading": "1AP", "classification": "OFFICIAL"}
    for path in (first, second):
        r = api.post("/ingest", files={"file": (path.name, path.read_bytes())}, data=form)
        assert r.status_code == 200, r.text
    assert (r.json()["conflicts"], r.json()["conflict_examples"]) == (
        3, ["anpr:r0", "anpr:r1", "anpr:r2"],
    )  # fmt: skip

    work = tmp_path / "node"
    w = ["--workdir", str(work), "--kind", "anpr", "--agency", "RS-MUP", "--grading", "1AP",
         "--classification", "OFFICIAL", "--no-progress"]  # fmt: skip
    assert CliRunner().invoke(cli_app, ["ingest", str(first), *w]).exit_code == 0
    out = CliRunner().invoke(cli_app, ["ingest", str(second), *w], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "b.csv: 3 readings reuse a source id already held" in out.output
    assert "anpr:r0, anpr:r1, anpr:r2" in out.output
