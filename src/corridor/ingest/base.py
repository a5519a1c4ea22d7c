"""What every reader shares: the file being read, its provenance layers, and the writer.

Readers raise `ValidationError` for a bad value; `IngestContext.error` turns it into an
`InputError` naming the file (by name, never by machine path), the line or item, and the field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from followthemoney.proxy import EntityProxy

from corridor.errors import Forbidden, ForbiddenInput, InputError, ValidationError
from corridor.model.classification import Classification
from corridor.model.provenance import FIELDS, Provenance, build_provenance, merge_fields
from corridor.model.statements import entity_statements
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
    #: Of some entity ids, those already in the store that the caller may not see (None: the
    #: node's operator, who sees everything).
    hidden: Callable[[Sequence[str]], set[str]] | None = None
    #: Where each entity written was first read (to name it when it is refused).
    _where: dict[str, Location] = field(default_factory=dict, repr=False)
    _checked: set[str] = field(default_factory=set, repr=False)

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

    def statements(
        self, proxy: EntityProxy, prov: Provenance, where: Location = None
    ) -> list[dict[str, Any]]:
        """An entity's statements, with where it was read (`add_statements` names it); a value
        the model refuses (a control character in an id, say) is an error at `where`, the
        entity's line or item."""
        if self.hidden is not None and proxy.id is not None:
            self._where.setdefault(proxy.id, where)
        try:
            return list(entity_statements(proxy, prov))
        except ValidationError as exc:
            raise self.error(exc, where) from None

    def add_statements(self, rows: Sequence[dict[str, Any]]) -> None:
        """Write statements, refusing the file if any is about an entity the store holds but
        the writer may not see: statements attached to it would change (and, through
        resolution, screening and its pages, disclose) a record above their clearance."""
        if self.hidden is not None and rows:
            ids = sorted({str(r["entity_id"]) for r in rows} - self._checked)
            refused = self.hidden(ids) if ids else set()
            self._checked.update(ids)
            if refused:
                first = next((i for i in self._where if i in refused), min(refused))
                where = self._where.get(first)
                raise ForbiddenInput(
                    f"entity {first!r} is held here by records the writer may not see: "
                    "nothing may be added to it",
                    file=self.name,
                    line=where if isinstance(where, int) else None,
                    item=where if isinstance(where, str) else None,
                    field="id",
                )
        self.writer.add_statements(rows)

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


def text_lines(ctx: IngestContext, lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """The non-blank lines of a text file with their numbers; a file that does not decode is
    an error at the first line that does not."""
    n = 0
    try:
        for n, line in enumerate(lines, start=1):
            if line.strip():
                yield n, line
    except UnicodeDecodeError as exc:
        # The stream decodes ahead of the line it hands out: find the line itself.
        raise ctx.fail(f"not UTF-8 text: {exc.reason}", undecodable_line(ctx.path, n)) from None


def undecodable_line(path: Path, after: int = 0, encoding: str = "utf-8-sig") -> int | None:
    """The number of the first line (past `after`) that does not decode, read again as bytes
    once decoding has failed."""
    with path.open("rb") as f:
        for n, raw in enumerate(f, start=1):
            if n > after:
                try:
                    raw.decode(encoding)
                except UnicodeDecodeError:
                    return n
    return None


def parse_json(ctx: IngestContext, text: str, where: Location = None) -> Any:
    """A JSON document (a file, or one line of one), or an error naming where it is wrong:
    invalid JSON, nesting too deep to read, a number too long to read."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at = where if where is not None else exc.lineno
        raise ctx.fail(f"invalid JSON: {exc.msg}", at) from None
    except RecursionError:
        raise ctx.fail("invalid JSON: nested too deeply", where) from None
    except ValueError:  # an integer of more digits than Python converts (4,300)
        raise ctx.fail("invalid JSON: a number too long to read", where) from None


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
