"""The peer: FollowTheMoney's mapping engine to FtM statements, written to DuckDB via Arrow."""

import csv
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import yaml
from followthemoney import model
from followthemoney.statement import Statement

work, path, mapping_path = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
spec = yaml.safe_load(mapping_path.read_text())
query = model.make_mapping({"csv_url": "-", "entities": spec["entities"]})
rows = []
with path.open(encoding="utf-8", newline="") as f:
    for record in csv.DictReader(f):
        for proxy in query.map(record).values():
            for prop, value in proxy.itervalues():
                rows.append(
                    Statement(proxy.id, prop.name, proxy.schema.name, value, "GB-NCA").to_dict()
                )
con = duckdb.connect(str(work / "peer.duckdb"))
batch = pa.Table.from_pylist(rows)
con.execute("CREATE TABLE statements AS SELECT * FROM batch")
assert con.execute("SELECT count(*) FROM statements").fetchone()[0] == len(rows) > 0  # type: ignore[index]
con.close()
