"""Where the product's own run-time data lives (the repository's `data/` folder)."""

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
