"""An ingest killed with SIGKILL at any of five points (before, inside and after its commit,
while its records are linked, while they are screened) and then run again leaves the store, its
links, its alerts and its audit log exactly as the same commands with no kill would: nothing
half-written before the commit, nothing lost after it (on whichever store the suite runs).

The node has resolved its people and loaded a watchlist, so an ingest of another agency's
people owes two follow-ups: linking them to the resolved entities and screening them.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from corridor.access.caller import Caller
from corridor.api.app import create_app
from corridor.ingest.service import ingest_file, load_manifest
from corridor.model.scope import SYSTEM_SCOPE
from corridor.resolve.service import resolve_all
from corridor.scenario import build_scenario
from corridor.screen.lists import load_list
from corridor.store.base import Store
from stores import workdir_store

SEED, SCALE = 7, 0.05
BASE = ("uk/persons.csv", "uk/vehicles.csv")
LATER = "rs/persons.xlsx"

#: Where the command line is killed, and whether the ingest had committed by then.
KILL_POINTS: dict[str, tuple[str, bool]] = {
    # reading the file: statements staged in the open transaction
    "before the commit": ("corridor.store.sql.store:SQLWriter.add_statements", False),
    # the ingest's own row, its last write (after its audit entry and follow-up record)
    "inside the commit": ("corridor.store.sql.store:SQLWriter.record", False),
    # committed; the follow-up work not begun
    "after the commit": ("corridor.ingest.service:run_follow_up", True),
    # the new records scored against the resolved ones, their pairs being written
    "during linking": ("corridor.store.sql.store:SQLStore.add_resolved", True),
    # the new records scored against the watchlist, their alerts being written
    "during screening": ("corridor.store.sql.store:SQLStore.add_alerts", True),
}

KILLED_AT = """
import importlib, os, signal, sys
module, _, attr = sys.argv.pop(1).partition(":")
owner = importlib.import_module(module)
*path, name = attr.split(".")
for part in path:
    owner = getattr(owner, part)
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
setattr(owner, name, die)
sys.argv[0] = "corridor"
from corridor.cli import main
main()
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scenario")
    build_scenario(out, seed=SEED, scale=SCALE)
    return out


def _ingest_args(bundle: Path, path: str) -> list[str]:
    entry = next(e for e in load_manifest(bundle) if e["path"] == path)
    return ["ingest", str(bundle / path), "--kind", entry["kind"], "--mapping",
            str(bundle / entry["mapping"]), "--agency", entry["provenance"]["agency"],
            "--no-progress"]  # fmt: skip


def _prepared(bundle: Path, workdir: Path) -> None:
    """A node with its own people resolved and a watchlist loaded."""
    store = workdir_store(workdir)
    operator = Caller.operator()
    try:
        for path in BASE:
            entry = next(e for e in load_manifest(bundle) if e["path"] == path)
            ingest_file(store, operator, bundle / path, kind=entry["kind"],
                        mapping=bundle / entry["mapping"], defaults=entry["provenance"],
                        show_progress=False)  # fmt: skip
        resolve_all(store, operator, "Person")
        uk = bundle / "uk"
        load_list(store, operator, uk / "watchlist_persons.csv", "gb_nca_watchlist_persons",
                  fmt="watchlist", mapping=uk / "watchlist_persons.mapping.yml")  # fmt: skip
    finally:
        store.close()


def _run(
    bundle: Path, workdir: Path, kill_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    args = [*_ingest_args(bundle, LATER), "--workdir", str(workdir)]
    head = (
        [sys.executable, "-c", KILLED_AT, kill_at]
        if kill_at
        else [sys.executable, "-m", "corridor"]
    )
    return subprocess.run([*head, *args], capture_output=True, text=True, timeout=600)


#: Audit detail that differs between two runs of the same commands.
_VOLATILE = {"seconds", "run", "run_id", "id", "ingest_id", "package_id", "salt"}


def _plain(detail: str) -> Any:
    data = json.loads(detail)
    return {k: v for k, v in data.items() if k not in _VOLATILE} if isinstance(data, dict) else data


def state(workdir: Path) -> dict[str, Any]:
    """Everything the ingest and its follow-ups touch, without times, random ids or hashes."""
    store = workdir_store(workdir)
    try:
        return _state(store)
    finally:
        store.close()


def _state(store: Store) -> dict[str, Any]:
    records = [r.id for r in store.iter_entities(SYSTEM_SCOPE)]
    statements = sorted(
        (s.row["entity_id"], s.row["prop"], s.row["value"], s.row["agency"])
        for r in store.iter_entities(SYSTEM_SCOPE) for s in r.statements
    )  # fmt: skip
    clusters: dict[str, set[str]] = {}
    for record, cluster in store.all_clusters("Person").items():
        clusters.setdefault(cluster, set()).add(record)
    return {
        "statements": statements,
        "pairs": sorted(
            (p.left_id, p.right_id, round(p.probability, 6)) for p in store.pairs_of(records)
        ),
        "clusters": sorted(sorted(members) for members in clusters.values()),
        "alerts": sorted(
            (a.entity_id, a.list_entity_id, a.evidence, a.score, a.status) for a in store.alerts()
        ),
        "audit": [
            (e.user_name, e.role, e.event, e.target, e.purpose, _plain(e.detail))
            for e in store.audit_entries()
        ],
        "ingests": sorted((i["path"], int(i["statements_added"])) for i in store.ingests()),
        "follow_ups": store.follow_ups(),
    }


@pytest.fixture(scope="module")
def expected(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[bool], Any]:
    """What the commands leave with no kill: the ingest run once, and run once more."""
    work = tmp_path_factory.mktemp("reference") / "node"
    _prepared(bundle, work)
    prepared = state(work)
    first = _run(bundle, work)
    assert first.returncode == 0, first.stderr
    once = state(work)
    # The ingest does follow-up work worth checking: new pairs, new alerts.
    assert len(once["pairs"]) > len(prepared["pairs"])
    assert len(once["alerts"]) > len(prepared["alerts"])
    again = _run(bundle, work)
    assert again.returncode == 0, again.stderr
    twice = state(work)
    return lambda committed: twice if committed else once


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_an_ingest_killed_at_any_point_and_run_again_is_as_if_run_once(
    point: str, bundle: Path, tmp_path: Path, expected: Callable[[bool], Any]
) -> None:
    target, committed = KILL_POINTS[point]
    work = tmp_path / "node"
    _prepared(bundle, work)
    before = state(work)
    killed = _run(bundle, work, kill_at=target)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    left = state(work)
    if committed:  # the data and its audit entry are in, the follow-up work is owed
        assert left["statements"] == expected(True)["statements"]
        assert left["audit"] == expected(True)["audit"][: len(left["audit"])]
        assert len(left["follow_ups"]) == 1
    else:  # nothing at all
        assert left == before
    rerun = _run(bundle, work)
    assert rerun.returncode == 0, rerun.stderr
    assert state(work) == expected(committed)


def test_a_served_node_resumes_what_an_ingest_left_at_start(
    bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The follow-up work of an ingest whose process died after the commit is done when the
    node next starts serving, without waiting for another ingest."""
    work = tmp_path / "node"
    _prepared(bundle, work)
    killed = _run(bundle, work, kill_at=KILL_POINTS["after the commit"][0])
    assert killed.returncode == -signal.SIGKILL
    store = workdir_store(work)
    try:
        assert len(store.follow_ups()) == 1 and store.alerts() == []
        with TestClient(create_app(store)):
            pass  # the start-up work is joined before the app stops
        assert store.follow_ups() == []
        assert {k: v for k, v in _state(store).items() if k != "audit"} == {
            k: v for k, v in _reference_once(bundle, tmp_path).items() if k != "audit"
        }
    finally:
        store.close()


def _reference_once(bundle: Path, tmp_path: Path) -> dict[str, Any]:
    work = tmp_path / "reference"
    _prepared(bundle, work)
    assert _run(bundle, work).returncode == 0
    return state(work)


def test_a_failing_follow_up_is_reported_pending_and_retried_by_the_next_ingest(
    bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Linking or screening that fails (not a crash: an error) does not fail the ingest that
    stored the file: the report says the work is pending, and the next ingest does it."""
    work = tmp_path / "node"
    _prepared(bundle, work)
    store = workdir_store(work)
    try:

        def ingest(path: str) -> Any:
            e = next(x for x in load_manifest(bundle) if x["path"] == path)
            return ingest_file(store, Caller.operator(), bundle / path, kind=e["kind"],
                               mapping=bundle / e["mapping"], defaults=e["provenance"],
                               show_progress=False)  # fmt: skip

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("the screening index is unavailable")

        with monkeypatch.context() as patched:
            patched.setattr(type(store), "add_alerts", broken)
            report = ingest(LATER)
        assert report.follow_up_pending and report.statements_added > 0
        assert len(store.follow_ups()) == 1 and store.alerts() == []
        later = ingest("rs/vehicles.csv")  # the next ingest finishes what was left
        assert not later.follow_up_pending
        assert store.follow_ups() == [] and store.alerts() != []
    finally:
        store.close()
