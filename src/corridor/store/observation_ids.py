"""An observation's stable id, computed in Python: the twin of the SQL the DuckDB store derives
ids with (`corridor.store.duckdb.sql.observation_id`), for stores that make ids before rows
reach the database. Both give the same id for the same reading (a test holds them together),
so a reading keeps its id whichever backend holds it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from corridor.model.observations import ObservationKind

#: Columns an observation's content hash covers (after kind, agency, time and place) when the
#: source gave no id of its own.
CONTENT_COLUMNS = ("sensor_id", "place", "plate", "plate_raw", "phone")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _text(value: Any) -> str:
    """A value as the SQL twin casts it to text (floats as their shortest repr, like DuckDB)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _epoch_us(at: datetime | None) -> str:
    if at is None:
        return ""
    if at.tzinfo is None:
        raise ValueError("observation times must carry a time zone")
    return str((at - _EPOCH) // _MICROSECOND)


def observation_id(kind: ObservationKind, row: Mapping[str, Any]) -> str:
    """The id of one reading: the source's own id when given, else a hash of its content."""
    source_id = row.get("source_id")
    if source_id:
        text = f"{kind.value}|{row['agency']}|{source_id}"
    else:
        parts = [kind.value, str(row["agency"]), _epoch_us(row.get("observed_at")),
                 _text(row.get("lat")), _text(row.get("lon")),
                 *(_text(row.get(c)) for c in CONTENT_COLUMNS)]  # fmt: skip
        text = "|".join(parts)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
