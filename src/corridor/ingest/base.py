"""What every reader shares: the file being read, its provenance layers, and the writer.

Readers raise `ValidationError` for a bad value; `IngestContext.error` turns it into an
`InputError` naming the file (by name, never by machine path), the line or item, and the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corridor.errors import Forbidden, ForbiddenInput, InputError, ValidationError
from corridor.model.classification import Classification
from corridor.model.provenance import FIELDS, Provenance, build_provenance, merge_fields
from corridor.store.base import StoreWriter

BATCH = 5_000

#: Where a record sits in its file: a line number, a JSON item label, or unknown.
Location = int | str | None


@dataclass
class IngestContext:
    """One file being ingested: where it is (and its mapping), who it belongs to, and where
    rows go."""

    path: Path
    writer: StoreWriter
    defaults: Mapping[str, Any] = field(default_factory=dict)
    display_name: str | None = None
    show_progress: bool = True
    #: The mapping file, for the kinds that need one.
    mapping: Path | None = None
    #: The one agency the caller may write for (None: any, the node's operator with none named).
    owner: str | None = None
    #: The highest classification the caller may write (None: any).
    clearance: Classification | None = None

    @property
    def name(self) -> str:
        return self.display_name or self.path.name

    def error(self, exc: ValidationError, where: Location, field: str | None = None) -> InputError:
        """An error at a line (int) or a JSON item (e.g. "scan 3") of this file (a refusal
        stays a refusal)."""
        message = exc.detail if isinstance(exc, InputError) else exc.message
        line = where if isinstance(where, int) else None
        item = where if isinstance(where, str) else None
        kind = ForbiddenInput if isinstance(exc, Forbidden) else InputError
        return kind(message, file=self.name, line=line, item=item, field=field or exc.field)

    def fail(self, message: str, where: Location = None, field: str | None = None) -> InputError:
        return self.error(ValidationError(message), where, field)

    def provenance(self, *layers: Mapping[str, Any] | None, where: Location = None) -> Provenance:
        """Provenance from the record's own fields, then the given layers, then the defaults.

        `source_ref` defaults to `FILE:LINE` (or `FILE:item`) so every value traces to its row.
        """
        raw = merge_fields(*layers, self.defaults)
        if not raw.get("source_ref") and where is not None:
            raw["source_ref"] = f"{self.name}:{where}"
        prov = build_provenance(raw)
        # Whatever layer set them (a column, the mapping, a report, the form), a row is refused
        # if it would be owned by another agency or classified above the writer's clearance.
        if self.owner is not None and prov.agency != self.owner:
            raise ForbiddenInput(
                f"owned by {prov.agency}: only {self.owner}'s records may be written here",
                field="agency",
            )
        if self.clearance is not None and prov.classification > self.clearance:
            raise ForbiddenInput(
                f"classified {prov.classification.label}, above the writer's clearance "
                f"({self.clearance.label})",
                field="classification",
            )
        return prov


def provenance_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The provenance fields present in a record (columns or JSON keys of the same names)."""
    return {k: record[k] for k in FIELDS if k in record and record[k] not in (None, "")}


def named(*suffixes: str, containing: str = "", confidence: float = 1.0) -> Callable[[Path], float]:
    """A sniffer by file name: `confidence` when the name (in lower case) ends with one of
    `suffixes` and contains `containing`, else 0."""

    def sniff(path: Path) -> float:
        name = path.name.lower()
        return confidence if name.endswith(suffixes) and containing in name else 0.0

    return sniff
