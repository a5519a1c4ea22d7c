"""Blocking keys as index entries, so a new record finds its candidates by index lookup.

Each prediction blocking rule becomes keys: a record is indexed under the values of the rule's
columns, and a new record looks up the keys that rule would have joined it on. A condition
`a=b` (one record's family name is the other's given name) indexes `a` and looks up by `b`.
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


def _side(block: Sequence[str], lookup: bool) -> list[str]:
    """The columns whose values key this block, for an indexed record or for a lookup."""
    out = []
    for part in block:
        left, _, right = part.partition("=")
        out.append((right or left) if lookup else left)
    return out


def index_keys(kind: str, record: Mapping[str, Any], blocks: Iterable[tuple[str, ...]]) -> set[int]:
    """The keys a stored record is found under (per kind: a person never meets a vehicle)."""
    out: set[int] = set()
    for block in blocks:
        out.update(_keys(record, f"{kind}|" + "|".join(block), _side(block, lookup=False)))
    return out


def lookup_keys(
    kind: str, record: Mapping[str, Any], blocks: Iterable[tuple[str, ...]]
) -> set[int]:
    """The keys under which a new record's candidates are indexed."""
    out: set[int] = set()
    for block in blocks:
        out.update(_keys(record, f"{kind}|" + "|".join(block), _side(block, lookup=True)))
    return out
