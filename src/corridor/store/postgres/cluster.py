"""A throwaway PostgreSQL cluster on a loopback port: what the tests and the load benchmark run
the PostgreSQL store against, started from the server packaged by the operating system
(`initdb` and `postgres` from Debian's `postgresql`) and removed when stopped.

It trusts local connections and does not sync to disk: it holds nothing worth keeping.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import psycopg

from corridor.errors import CorridorError
from corridor.ports import free_port

DATABASE = "corridor"
USER = "corridor"


def server_bin(name: str) -> Path:
    """A PostgreSQL server program (`initdb`, `postgres`), from PATH or Debian's versioned
    folder (the newest)."""
    found = shutil.which(name)
    if found:
        return Path(found)
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if not candidates:
        raise CorridorError(
            f"PostgreSQL's {name} is not installed (Debian: apt-get install postgresql)"
        )
    return Path(candidates[-1])


class LocalCluster:
    """`with LocalCluster() as pg: pg.url` — a cluster in a temporary folder, serving one
    database on 127.0.0.1 until the block ends."""

    def __init__(self, max_connections: int = 400) -> None:
        self.port = free_port()
        self.max_connections = max_connections
        self.url = f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"
        self._folder: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @staticmethod
    def _run_as() -> tuple[int, int] | None:
        """PostgreSQL refuses to run as root: the `postgres` user the package made, if root."""
        if os.geteuid() != 0:
            return None
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise CorridorError(
                "running as root needs the `postgres` user to start PostgreSQL"
            ) from None
        return account.pw_uid, account.pw_gid

    def start(self) -> LocalCluster:
        self._folder = Path(tempfile.mkdtemp(prefix="corridor-pg-"))
        data, sockets = self._folder / "data", self._folder / "run"
        sockets.mkdir()
        account = self._run_as()
        uid, gid = account if account is not None else (None, None)
        extra: list[int] | None = [] if account is not None else None
        if uid is not None and gid is not None:
            for path in (self._folder, sockets):
                os.chown(path, uid, gid)
        log = self._folder / "server.log"
        subprocess.run(
            [str(server_bin("initdb")), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8",
             "--locale=C", "--no-sync"],
            check=True, capture_output=True, user=uid, group=gid, extra_groups=extra,
            cwd=self._folder,  # a folder the server's user may enter, whatever ours is
        )  # fmt: skip
        with log.open("ab") as out:
            self._proc = subprocess.Popen(
                [str(server_bin("postgres")), "-D", str(data), "-k", str(sockets),
                 "-h", "127.0.0.1", "-p", str(self.port),
                 "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                 "-c", f"max_connections={self.max_connections}", "-c", "shared_buffers=128MB"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                user=uid, group=gid, extra_groups=extra, cwd=self._folder,
            )  # fmt: skip
        self._wait(log)
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        return self

    @property
    def admin_url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def _wait(self, log: Path, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.admin_url, connect_timeout=2):
                    return
            except psycopg.OperationalError:
                pass
            if (self._proc is not None and self._proc.poll() is not None) or (
                time.monotonic() > deadline
            ):
                tail = log.read_text(errors="replace")[-2000:]
                self.stop()
                raise CorridorError(f"PostgreSQL did not start on port {self.port}:\n{tail}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)  # fast shutdown: clients are cut off
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with contextlib.suppress(Exception):
            self.stop()
