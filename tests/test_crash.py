"""A large ingest killed with SIGKILL (a power cut, the OOM killer) leaves the store as it was;
running it again completes it, once, with no duplicates (on whichever store the suite runs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ANPR_HEADER, anpr_rows, write_csv
from corridor.model.scope import SYSTEM_SCOPE
from stores import workdir_store

ROWS = 300_000
INGEST = ["ingest", "--kind", "anpr", "--agency", "RS-MUP", "--grading", "1AP",
          "--classification", "OFFICIAL", "--no-progress"]  # fmt: skip

#: The command line, killed inside the ingest's transaction: after every row is merged into the
#: tables, as the ingest's own row is written, just before the commit.
KILLED_BEFORE_COMMIT = """
import os, signal, sys
from corridor.store.sql.store import SQLWriter
def record_then_die(self, finished_at):
    os.kill(os.getpid(), signal.SIGKILL)
SQLWriter.record = record_then_die
sys.argv[0] = "corridor"
from corridor.cli import main
main()
"""


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(tmp_path_factory.mktemp("feed") / "anpr.csv", ANPR_HEADER, anpr_rows(ROWS))


def corridor(*args: str, script: str | None = None) -> subprocess.Popen[str]:
    head = [sys.executable, "-c", script] if script else [sys.executable, "-m", "corridor"]
    return subprocess.Popen([*head, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip


def stored(workdir: Path) -> tuple[int, int]:
    """(observations, ingests recorded) in the work directory's store."""
    store = workdir_store(workdir)
    try:
        counts = store.counts(SYSTEM_SCOPE)
        return sum(c.observations_total for c in counts), len(store.ingests())
    finally:
        store.close()


def completes_once(workdir: Path, feed: Path) -> None:
    again = corridor(*INGEST, str(feed), "--workdir", str(workdir))
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert stored(workdir) == (ROWS, 1)
    once_more = corridor(*INGEST, str(feed), "--workdir", str(workdir))
    assert once_more.communicate(timeout=600) and once_more.returncode == 0
    observations, ingests = stored(workdir)
    assert (observations, ingests) == (ROWS, 2)  # recorded, and nothing added twice


def test_killed_just_before_commit_nothing_is_written(tmp_path: Path, feed: Path) -> None:
    work = tmp_path / "node"
    workdir_store(work).close()
    proc = corridor(*INGEST, str(feed), "--workdir", str(work), script=KILLED_BEFORE_COMMIT)
    proc.communicate(timeout=600)
    assert proc.returncode == -signal.SIGKILL
    assert stored(work) == (0, 0)
    completes_once(work, feed)


def test_killed_at_any_moment_of_a_large_ingest_nothing_is_half_written(
    tmp_path: Path, feed: Path
) -> None:
    work = tmp_path / "node"
    workdir_store(work).close()
    proc = corridor(*INGEST, str(feed), "--workdir", str(work))
    time.sleep(2.0)  # reading, staging or merging: well inside the ingest
    assert proc.poll() is None, "the ingest finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert stored(work) == (0, 0)
    completes_once(work, feed)
