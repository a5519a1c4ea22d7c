"""Byte-for-byte reproducible writers for CSV, XLSX, YAML and JSON.

The same seed must give identical files, so nothing here may leak the clock: XLSX files are
zip archives stamped with the time of writing, which `write_xlsx` replaces by a fixed moment.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

#: The moment written into XLSX metadata and zip entries (the scenario's export date).
FIXED_TIME = (2025, 5, 1, 0, 0, 0)
_FIXED_ISO = "2025-05-01T00:00:00Z"


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> int:
    """A UTF-8 CSV with a header; returns the number of data rows."""
    return write_rows(path, columns, ([row.get(c, "") for c in columns] for row in rows))


def write_rows(path: Path, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """A CSV from plain row lists (for truth files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


def write_xlsx(
    path: Path, sheet: str, columns: Sequence[str], rows: Iterable[Mapping[str, str]]
) -> int:
    """One sheet of text cells, written with openpyxl in write-only (streaming) mode."""
    from openpyxl import Workbook  # only the XLSX files need it

    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(list(columns))
    n = 0
    for row in rows:
        ws.append([row.get(c, "") or None for c in columns])
        n += 1
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(_freeze_zip(buffer.getvalue()))
    return n


_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _freeze_zip(data: bytes) -> bytes:
    """Rewrite an XLSX archive with fixed timestamps so identical content gives identical bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _CORE_TIMES.sub(rb"\g<1>" + _FIXED_ISO.encode() + rb"\g<3>", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, content)
    return out.getvalue()


def write_yaml(path: Path, data: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=100)
    path.write_text(text, encoding="utf-8")


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    path.write_text(text + "\n", encoding="utf-8")


def write_json_items(
    path: Path, head: Mapping[str, Any], key: str, items: Iterable[Mapping[str, Any]]
) -> int:
    """A JSON object whose `key` list is streamed one item per line; returns the item count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write("{\n")
        for name, value in head.items():
            f.write(f"  {json.dumps(name)}: {json.dumps(value, ensure_ascii=False)},\n")
        f.write(f"  {json.dumps(key)}: [")
        for item in items:
            f.write(",\n    " if n else "\n    ")
            f.write(json.dumps(item, ensure_ascii=False))
            n += 1
        f.write("\n  ]\n}\n" if n else "]\n}\n")
    return n
