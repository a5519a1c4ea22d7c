"""Blocking keys as index entries, so a new record finds its candidates by index lookup.

Each prediction blocking rule becomes keys: a record is indexed under the values of the rule's
columns, and a new record looks up the keys that rule would have joined it on. Rules of the
form `a=b` (one record's family name is the other's given name) index `a` and look up by `b`.
Keys are 64-bit hashes so the index stays small at millions of records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from itertools import product
from typing import Any


def _hash(text: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big", signed=True
    )


def _values(record: Mapping[str, Any], column: str) -> list[str]:
    value = record.get(column.rstrip("*"))
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def _keys(record: Mapping[str, Any], name: str, columns: Sequence[str]) -> list[int]:
    value_lists = [_values(record, c) for c in columns]
    if any(not values for values in value_lists):
        return []
    return [_hash(name + "\x1f" + "\x1f".join(combo)) for combo in product(*value_lists)]


def index_keys(record: Mapping[str, Any], blocks: Iterable[tuple[str, ...]]) -> set[int]:
    """The keys a stored record is found under."""
    out: set[int] = set()
    for block in blocks:
        if len(block) == 1 and "=" in block[0]:
            left, _ = block[0].split("=")
            out.update(_keys(record, left, [left]))
        else:
            out.update(_keys(record, "|".join(block), block))
    return out


def lookup_keys(record: Mapping[str, Any], blocks: Iterable[tuple[str, ...]]) -> set[int]:
    """The keys under which a new record's candidates are indexed."""
    out: set[int] = set()
    for block in blocks:
        if len(block) == 1 and "=" in block[0]:
            left, right = block[0].split("=")
            out.update(_keys(record, left, [right]))
        else:
            out.update(_keys(record, "|".join(block), block))
    return out
