"""An observation's stable id, computed in Python: the twin of the SQL the DuckDB store derives
ids with (`corridor.store.duckdb.sql.observation_id`), for stores that make ids before rows
reach the database. Both give the same id for the same reading (a test holds them together),
so a reading keeps its id whichever backend holds it.

The id hashes the source's own id with the reading's content, so a second reading under a
source id already stored, with other content, is stored beside it and reported as a conflict
(`StoreWriter` counts them), never dropped as a duplicate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from corridor.model.observations import SPECS, ObservationKind

#: Columns every kind's content hash covers (after kind, agency, source id, time and place).
CONTENT_COLUMNS = ("sensor_id", "place", "plate", "plate_raw", "phone")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def content_columns(kind: ObservationKind) -> tuple[str, ...]:
    """What a reading of a kind says was observed: every column but its id, time and place
    (hashed on their own) and its provenance. Two readings that differ in any of them are two
    readings, even under one source id (a camera whose counter was reset): neither is lost."""
    return (*CONTENT_COLUMNS, *(name for name, _ in SPECS[kind].extra_columns))


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


def _id(kind: str, agency: Any, source_id: Any, epoch_us: str, content: Sequence[Any]) -> str:
    text = "|".join([kind, str(agency), source_id or "", epoch_us, *(_text(v) for v in content)])
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def observation_id(kind: ObservationKind, row: Mapping[str, Any]) -> str:
    """The id of one reading: a hash of the source's own id (when given) and its content."""
    content = [row.get("lat"), row.get("lon"), *(row.get(c) for c in content_columns(kind))]
    epoch = _epoch_us(row.get("observed_at"))
    return _id(kind.value, row["agency"], row.get("source_id"), epoch, content)


def observation_ids(kind: ObservationKind, batch: pa.Table) -> pa.Array:
    """The ids of a batch of readings (`observation_id` of each row), read column by column:
    times as the exact microseconds Arrow stores them."""
    micros = pc.cast(batch.column("observed_at"), pa.int64()).to_pylist()
    epochs = ["" if m is None else str(m) for m in micros]
    names = ("lat", "lon", *content_columns(kind))
    columns = [batch.column(c).to_pylist() for c in names]
    agencies = batch.column("agency").to_pylist()
    sources = batch.column("source_id").to_pylist()
    ids = [
        _id(kind.value, agency, source, epoch, content)
        for agency, source, epoch, *content in zip(agencies, sources, epochs, *columns, strict=True)
    ]
    return pa.array(ids, pa.string())
