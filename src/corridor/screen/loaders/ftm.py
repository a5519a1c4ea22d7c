"""FollowTheMoney JSON lines (OpenSanctions exports): one `{"id", "schema", "properties"}` a line.

Mapping: the matchable entities (Person, Organization, Company, LegalEntity, Vessel, Airplane,
Vehicle, UserAccount and their descendants) are yielded as they are, ids unchanged (the
publisher's ids are already stable). Each `Sanction` whose `entity` points at one is attached:
an entity with three sanctions is yielded three times, once per listing, and one without any
once with no sanction. Linked facts the matcher needs are copied onto the entity: the `full`
text of its `addressEntity` addresses, and the numbers of Passport and Identification entities
whose `holder` it is. Every line is validated (values FtM cannot take are refused, as in
`corridor ingest`), and other schemata (Ownership, Family, …) are otherwise ignored.

The file is read twice, each time streamed: first the sanctions, addresses and documents (small
and few), then the entities.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.proxy import EntityProxy

from corridor.errors import InputError, ValidationError
from corridor.ingest.ftm import strict_proxy
from corridor.plugins import ListLoader
from corridor.screen.listed import ListedEntity, is_screenable
from corridor.screen.loaders.sniff import MARKED, json_like


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, object) for every non-blank line, checking it is an FtM entity's JSON."""
    name = path.name
    with path.open(encoding="utf-8-sig") as f:
        n = 0
        try:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"invalid JSON: {exc.msg}", file=name, line=n) from None
                if not isinstance(data, dict):
                    raise InputError("expected a JSON object (an FtM entity)", file=name, line=n)
                if not data.get("id") or not isinstance(data["id"], str):
                    raise InputError("entity has no id", file=name, line=n, field="id")
                if not isinstance(data.get("schema"), str):
                    raise InputError("entity has no schema", file=name, line=n, field="schema")
                yield n, data
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text: {exc.reason}", file=name, line=n + 1) from None


def _proxy(path: Path, line: int, data: dict[str, Any]) -> EntityProxy:
    try:
        return strict_proxy(data)
    except ValidationError as exc:
        raise InputError(exc.message, file=path.name, line=line, field=exc.field) from None


def read_ftm_list(path: Path) -> Iterator[ListedEntity]:
    sanctions: dict[str, list[EntityProxy]] = {}
    documents: dict[str, list[tuple[str, str]]] = {}
    addresses: dict[str, list[str]] = {}
    for line, data in _lines(path):
        proxy = _proxy(path, line, data)
        if proxy.schema.is_a("Sanction"):
            for entity_id in proxy.get("entity"):
                sanctions.setdefault(entity_id, []).append(proxy)
        elif proxy.schema.is_a("Identification"):
            prop = "passportNumber" if proxy.schema.is_a("Passport") else "idNumber"
            numbers = proxy.get("number") + proxy.get("passportNumber", quiet=True)
            for holder in proxy.get("holder"):
                documents.setdefault(holder, []).extend((prop, n) for n in numbers)
        elif proxy.schema.is_a("Address"):
            addresses[proxy.id or ""] = proxy.get("full")
    for line, data in _lines(path):
        schema = model.get(data["schema"])
        if schema is None or not is_screenable(schema):
            continue
        entity = _proxy(path, line, data)
        for address_id in entity.get("addressEntity", quiet=True):
            entity.add("address", addresses.get(address_id, []), quiet=True)
        for prop, number in documents.get(entity.id or "", []):
            entity.add(prop, number, quiet=True)
        listings = sanctions.get(entity.id or "", [])
        if listings:
            entity.add("topics", "sanction", quiet=True)
        if not listings:
            yield ListedEntity(entity, None, line)
        for sanction in listings:
            yield ListedEntity(entity, sanction, line)


def sniff(path: Path, head: str) -> float:
    """JSON lines, by the first character or the extension."""
    return MARKED if json_like(path, head) else 0.0


LOADER = ListLoader(
    "FollowTheMoney JSON lines (OpenSanctions exports)",
    sniff=sniff,
    read=lambda path, mapping: read_ftm_list(path),
)
