"""Where the product's own run-time data lives (the repository's `data/` folder), and where
its scratch files go."""

from __future__ import annotations

import os
from pathlib import Path

#: The folder holding run-time data shipped with Corridor; `CORRIDOR_DATA` overrides it.
DATA_DIR = Path(os.environ.get("CORRIDOR_DATA", Path(__file__).resolve().parents[2] / "data"))

FRONTEX_DETECTIONS = "frontex_detections_2009-01_2025-04.csv"


def data_path(name: str) -> Path:
    """Return the path of a shipped data file, failing clearly when it is missing."""
    path = DATA_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"Corridor data file not found: {path} (set CORRIDOR_DATA)")
    return path


#: The work directory's folder for scratch files.
SCRATCH_DIR = "tmp"
_scratch: Path | None = None


def use_scratch(folder: Path) -> None:
    """Keep scratch files (Spark's JVM temporary, spill and checkpoint files) under `folder`,
    the work directory's `tmp/`, so that nothing is left in the system's temporary folder."""
    global _scratch
    _scratch = folder


def scratch_dir() -> Path | None:
    """The folder for scratch files (made on first use); None when no work directory is in
    use (the system's temporary folder then)."""
    if _scratch is not None:
        _scratch.mkdir(parents=True, exist_ok=True)
    return _scratch
