"""Corridor's ANPR ingest of one file into a fresh store (validated, with provenance)."""

import sys
from pathlib import Path

from corridor.access.caller import Caller
from corridor.ingest.service import ingest_file
from corridor.store.duckdb import DuckDBStore

work, path = Path(sys.argv[1]), Path(sys.argv[2])
store = DuckDBStore.open(work)
report = ingest_file(
    store, Caller.operator(), path, kind="anpr", show_progress=False,
    defaults={"agency": "RS-MUP", "grading": "1AP", "classification": "OFFICIAL"},
)  # fmt: skip
assert report.observations_added == report.rows_read > 0, report
store.close()
