"""`corridor serve` as a child process on 127.0.0.1: how the demo runs its two agency nodes
(and the tests and benchmarks their real servers), started and stopped in one place."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from corridor.errors import CorridorError
from corridor.ports import free_port
from corridor.store.location import WORKDIR_PLACEHOLDER

STORE_ENV = "CORRIDOR_STORE"
__all__ = ["free_port", "start_server", "stop_server"]


def start_server(
    workdir: Path,
    port: int,
    timeout: float = 60,
    env: dict[str, str] | None = None,
    args: Sequence[str] = (),
) -> subprocess.Popen[bytes]:
    """Serve the store in `workdir` on 127.0.0.1:`port`; return once `/health` answers. The
    server's output goes to `serve.log` in the work directory, quoted if it fails to start;
    `args` are more options for `corridor serve` (`--workers 4`).
    A store named in this process's environment (`CORRIDOR_STORE`) is passed on only when it
    names one per work directory (`{workdir}` in it): each server serves its own work
    directory's store unless `env` names one."""
    log_path = workdir / "serve.log"
    workdir.mkdir(parents=True, exist_ok=True)
    inherited = {k: v for k, v in os.environ.items() if k != STORE_ENV or WORKDIR_PLACEHOLDER in v}
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "corridor", "serve", "--workdir", str(workdir),
             "--port", str(port), *args],
            stdout=log, stderr=subprocess.STDOUT, env={**inherited, **(env or {})},
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            tail = log_path.read_text(errors="replace")[-2000:]
            raise CorridorError(f"the server for {workdir.name} did not start on {base}:\n{tail}")
        time.sleep(0.2)


def stop_server(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
