"""PostgreSQL's dialect: its type names, lists passed as arrays, keys declared on every table
(writers in several processes race), and the indexes its query plans want."""

from __future__ import annotations

from corridor.model.observations import SPECS
from corridor.store.sql.dialect import Dialect

DIALECT = Dialect(
    name="postgres",
    types={"VARCHAR": "TEXT", "DOUBLE": "DOUBLE PRECISION"},
    in_list_sql="{column} = ANY(?)",
    bulk_keys=True,
    extra_indexes=(
        ("statements", ("ingest_id",), ""),
        # Entity references (`linked_entities`) look values up; a hash index has no size limit.
        ("statements", ("value",), "hash"),
        ("resolve_keys", ("record_id",), ""),
        ("sent_items", ("package_id",), ""),
        ("list_entities", ("dataset",), ""),
        *(
            (spec.table, cols, "")
            for spec in SPECS.values()
            for cols in (("observed_at",), ("plate",), ("phone",))
        ),
    ),
)
