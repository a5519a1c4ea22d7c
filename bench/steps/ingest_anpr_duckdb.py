"""The peer: DuckDB's read_csv straight into a table (no validation or provenance)."""

import sys
from pathlib import Path

import duckdb

work, path = Path(sys.argv[1]), Path(sys.argv[2])
con = duckdb.connect(str(work / "peer.duckdb"))
con.execute("CREATE TABLE anpr AS SELECT * FROM read_csv(?, header=true)", [str(path)])
assert con.execute("SELECT count(*) FROM anpr").fetchone()[0] > 0  # type: ignore[index]
con.close()
