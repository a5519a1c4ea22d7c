"""List loaders: one per published format, each yielding `ListedEntity` values.

| format | what | module |
|---|---|---|
| `un-xml` | UN Security Council Consolidated List (XML) | `un` |
| `ofac-csv` | OFAC SDN legacy CSV: a folder with sdn.csv, add.csv, alt.csv (or sdn.csv) | `ofac` |
| `eu-csv` | EU regime annex in OpenSanctions' extraction layout (FtM property columns) | `eu` |
| `uk-csv` | FCDO UK Sanctions List, CSV | `uk` |
| `uk-xml` | FCDO UK Sanctions List, XML | `uk` |
| `ftm` | FollowTheMoney JSON lines (OpenSanctions exports) | `ftm` |
| `watchlist` | a national watchlist CSV with a corridor mapping file | `watchlist` |

`read_list` guesses the format when it is not given (`detect_format`): by name, extension and
the first bytes of the file, so a list downloaded under any name still loads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from corridor.errors import InputError
from corridor.screen.listed import ListedEntity

FORMATS = ("un-xml", "ofac-csv", "eu-csv", "uk-csv", "uk-xml", "ftm", "watchlist")

_SNIFF = 8192


def _head(path: Path) -> str:
    with path.open("rb") as f:
        return f.read(_SNIFF).decode("utf-8", errors="replace").lstrip("\ufeff")


def mapping_for(path: Path) -> Path | None:
    """The mapping file written beside a watchlist CSV (`x.csv` → `x.mapping.yml`), if any."""
    for suffix in (".mapping.yml", ".mapping.yaml"):
        candidate = path.with_name(path.stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def detect_format(path: Path) -> str:
    """The list format of `path`, from its name, extension and first bytes."""
    if path.is_dir():
        if (path / "sdn.csv").is_file():
            return "ofac-csv"
        raise InputError(
            "a folder must hold the OFAC files (sdn.csv, add.csv, alt.csv)", file=path.name
        )
    if not path.is_file():
        raise InputError("file not found", file=path.name)
    name = path.name.lower()
    if name == "sdn.csv":
        return "ofac-csv"
    head = _head(path)
    start = head.lstrip()
    if start.startswith("<") or name.endswith(".xml"):
        if "<CONSOLIDATED_LIST" in head:
            return "un-xml"
        if "<Designations" in head or "<Designation>" in head:
            return "uk-xml"
        raise InputError(
            "unknown XML list (expected the UN or the UK sanctions list)", file=path.name
        )
    if start.startswith("{") or name.endswith((".json", ".jsonl", ".ndjson")):
        return "ftm"
    rows = _first_rows(head)
    header = {cell.strip() for row in rows for cell in row}
    if {"celex", "recordId", "programKey"} <= header:
        return "eu-csv"
    if "Unique ID" in header:
        return "uk-csv"
    if mapping_for(path) is not None:
        return "watchlist"
    if rows and rows[0] and rows[0][0].strip().isdigit() and "-0-" in head:
        return "ofac-csv"
    raise InputError("cannot tell the list format; give it explicitly", file=path.name)


def _first_rows(head: str, n: int = 3) -> list[list[str]]:
    lines = head.splitlines()[:n]
    try:
        return list(csv.reader(io.StringIO("\n".join(lines))))
    except csv.Error:
        return []


def read_list(
    path: Path, fmt: str | None = None, mapping: Path | None = None
) -> Iterator[ListedEntity]:
    """The listings of one list file (or the OFAC folder), streamed.

    A watchlist needs a mapping: given, or `<name>.mapping.yml` beside the CSV.
    """
    if fmt is None:
        fmt = "watchlist" if mapping is not None else detect_format(path)
    if fmt not in FORMATS:
        raise InputError(
            f"unknown list format {fmt!r} (one of {', '.join(FORMATS)})",
            file=path.name,
            field="format",
        )
    if not path.exists():
        raise InputError("file not found", file=path.name)
    if fmt == "un-xml":
        from corridor.screen.loaders.un import read_un

        return read_un(path)
    if fmt == "ofac-csv":
        from corridor.screen.loaders.ofac import read_ofac

        return read_ofac(path)
    if fmt == "eu-csv":
        from corridor.screen.loaders.eu import read_eu

        return read_eu(path)
    if fmt in ("uk-csv", "uk-xml"):
        from corridor.screen.loaders.uk import read_uk_csv, read_uk_xml

        return read_uk_csv(path) if fmt == "uk-csv" else read_uk_xml(path)
    if fmt == "ftm":
        from corridor.screen.loaders.ftm import read_ftm_list

        return read_ftm_list(path)
    from corridor.screen.loaders.watchlist import read_watchlist

    mapping = mapping or mapping_for(path)
    if mapping is None:
        raise InputError(
            "a watchlist needs a mapping file (--mapping)", file=path.name, field="mapping"
        )
    return read_watchlist(path, mapping)


__all__ = ["FORMATS", "ListedEntity", "detect_format", "mapping_for", "read_list"]
