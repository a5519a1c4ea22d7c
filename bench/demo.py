"""`corridor demo --no-serve` wall time on a fresh work directory (target: under 3 minutes on
2 cores), and a second run on the same directory (everything already ingested: adds nothing).

Run: `make bench` or `.venv/bin/python bench/demo.py [--scale 1]`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OUT, write_result

TARGET_SECONDS = 180


def run(workdir: Path, scale: float) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "corridor", "demo", "--no-serve", "--workdir", str(workdir), "--scale", str(scale)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    work = OUT / "work" / "demo"
    shutil.rmtree(work, ignore_errors=True)
    fresh = run(work, args.scale)
    again = run(work, args.scale)
    print(f"corridor demo --no-serve (scale {args.scale:g}): fresh {fresh:.1f} s, re-run {again:.1f} s "
          f"(target < {TARGET_SECONDS} s): {'PASS' if fresh < TARGET_SECONDS else 'FAIL'}")  # fmt: skip
    write_result("demo", {"scale": args.scale, "fresh_seconds": fresh, "rerun_seconds": again})
    if fresh >= TARGET_SECONDS:
        sys.exit(1)


if __name__ == "__main__":
    main()
