"""What the list formats' sniffers share: a list file's shape from its name and first bytes.

A sniffer returns how sure it is that a file is in its format: `NAMED` when the name says so
(OFAC's `sdn.csv`), `MARKED` when the content carries the format's mark (the UN's root element,
the EU's columns), `BESIDE` when a mapping file beside it says so (a watchlist), `HINTED` for a
weaker sign in the content. The most certain wins; equally certain formats go in registration
order.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

NAMED = 1.0
MARKED = 0.9
BESIDE = 0.6
HINTED = 0.5


def xml_like(path: Path, head: str) -> bool:
    """An XML file, by its first character or its extension."""
    return path.is_file() and (head.lstrip().startswith("<") or path.name.lower().endswith(".xml"))


def json_like(path: Path, head: str) -> bool:
    """A JSON (lines) file, by its first character or its extension (and not XML)."""
    if not path.is_file() or xml_like(path, head):
        return False
    name = path.name.lower()
    return head.lstrip().startswith("{") or name.endswith((".json", ".jsonl", ".ndjson"))


def table_like(path: Path, head: str) -> bool:
    """A delimited text file: neither XML nor JSON."""
    return path.is_file() and not xml_like(path, head) and not json_like(path, head)


def first_rows(head: str, n: int = 3) -> list[list[str]]:
    """The first `n` rows of a CSV head (none when it does not parse)."""
    lines = head.splitlines()[:n]
    try:
        return list(csv.reader(io.StringIO("\n".join(lines))))
    except csv.Error:
        return []


def header_cells(head: str) -> set[str]:
    """Every cell of the first rows (a header may follow a title line)."""
    return {cell.strip() for row in first_rows(head) for cell in row}


def mapping_for(path: Path) -> Path | None:
    """The mapping file written beside a watchlist CSV (`x.csv` → `x.mapping.yml`), if any."""
    for suffix in (".mapping.yml", ".mapping.yaml"):
        candidate = path.with_name(path.stem + suffix)
        if candidate.is_file():
            return candidate
    return None
