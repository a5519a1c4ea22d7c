"""List loaders: one per published format, each yielding `ListedEntity` values.

Each format's module defines its `ListLoader` (what it is, how it recognises a file, how it
reads one) and `corridor.plugins.LIST_FORMATS` names them (`un-xml`, `ofac-csv`, `eu-csv`,
`uk-csv`, `uk-xml`, `ftm`, `watchlist`; docs/formats.md describes each).

`read_list` guesses the format when it is not given (`detect_format`): every format sniffs the
name, extension and first bytes of the file and the most certain wins, so a list downloaded
under any name still loads.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from corridor.errors import InputError
from corridor.plugins import LIST_FORMATS
from corridor.screen.listed import ListedEntity
from corridor.screen.loaders.sniff import mapping_for, xml_like

_SNIFF = 8192


def _head(path: Path) -> str:
    with path.open("rb") as f:
        return f.read(_SNIFF).decode("utf-8", errors="replace").lstrip("\ufeff")


def detect_format(path: Path) -> str:
    """The list format of `path`, from its name, extension and first bytes."""
    if not path.is_dir() and not path.is_file():
        raise InputError("file not found", file=path.name)
    head = _head(path) if path.is_file() else ""
    best, best_name = 0.0, None
    for name, loader in LIST_FORMATS.items():
        confidence = loader.sniff(path, head)
        if confidence > best:
            best, best_name = confidence, name
    if best_name is not None:
        return best_name
    # No format claims it: say what such an input should have been.
    if path.is_dir():
        raise InputError(
            "a folder must hold the OFAC files (sdn.csv, add.csv, alt.csv)", file=path.name
        )
    if xml_like(path, head):
        raise InputError(
            "unknown XML list (expected the UN or the UK sanctions list)", file=path.name
        )
    raise InputError("cannot tell the list format; give it explicitly", file=path.name)


def read_list(
    path: Path, fmt: str | None = None, mapping: Path | None = None
) -> Iterator[ListedEntity]:
    """The listings of one list file (or the OFAC folder), streamed.

    A watchlist needs a mapping: given, or `<name>.mapping.yml` beside the CSV. A mapping given
    without a format means the format that takes one.
    """
    if fmt is None and mapping is not None:
        fmt = next((n for n, loader in LIST_FORMATS.items() if loader.takes_mapping), None)
    if fmt is None:
        fmt = detect_format(path)
    if fmt not in LIST_FORMATS:
        raise InputError(
            f"unknown list format {fmt!r} (one of {', '.join(LIST_FORMATS.names)})",
            file=path.name,
            field="format",
        )
    if not path.exists():
        raise InputError("file not found", file=path.name)
    return LIST_FORMATS.get(fmt).read(path, mapping)


__all__ = ["ListedEntity", "detect_format", "mapping_for", "read_list"]
