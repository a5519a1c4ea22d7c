"""Helpers shared by the benchmarks: run a step in a fresh process and measure it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"

_RUNNER = r"""
import json, resource, sys, time, runpy
sys.argv = [sys.argv[1], *sys.argv[2:]]
start = time.perf_counter()
runpy.run_path(sys.argv[0], run_name="__bench__")
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(script: Path, *args: str) -> dict[str, Any]:
    """Run a Python script in a fresh interpreter; its wall time (after start-up) and peak RSS."""
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(script), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{script.name} failed:\n{proc.stderr}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def write_result(name: str, data: dict[str, Any]) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, indent=2))
    return path
