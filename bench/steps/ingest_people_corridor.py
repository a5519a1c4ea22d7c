"""Corridor's tabular ingest: FtM mapping, strict values, provenance per statement."""

import sys
from pathlib import Path

from corridor.access.caller import Caller
from corridor.ingest.service import ingest_file
from corridor.store.duckdb import DuckDBStore

work, path, mapping = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
store = DuckDBStore.open(work)
report = ingest_file(
    store, Caller.operator(), path, kind="tabular", mapping=mapping, show_progress=False
)
assert report.statements_added == report.rows_read * 10, report
store.close()
