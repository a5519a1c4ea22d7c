"""FollowTheMoney JSON lines (OpenSanctions, Aleph and `ftm` exports): one entity per line."""

from __future__ import annotations

from typing import Any

from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.proxy import EntityProxy

from corridor.errors import ValidationError
from corridor.ingest.base import BATCH, IngestContext, named, parse_json, text_lines
from corridor.ingest.progress import open_text
from corridor.model.text import check_text
from corridor.plugins import IngestReader


def strict_proxy(data: dict[str, Any]) -> EntityProxy:
    """An FtM entity whose every property and value is valid; FtM itself would drop bad ones."""
    schema = model.get(data["schema"])
    if schema is None:
        raise ValidationError(f"unknown schema {data['schema']!r}", "schema")
    proxy = model.make_entity(schema)
    entity_id = data["id"]
    if isinstance(entity_id, bool) or not isinstance(entity_id, str | int):
        raise ValidationError("an id must be text", "id")
    proxy.id = check_text(str(entity_id), "id")
    properties = data.get("properties") or {}
    if not isinstance(properties, dict):
        raise ValidationError("properties must be an object", "properties")
    for name, values in properties.items():
        prop = schema.get(name)
        if prop is None:
            raise ValidationError(f"{schema.name} has no property {name!r}", f"properties.{name}")
        for value in values if isinstance(values, list) else [values]:
            field = f"properties.{name}"
            if isinstance(value, str):
                check_text(value, field, line_breaks=True)
            elif isinstance(value, bool) or not isinstance(value, int | float | None):
                # A nested list or object is no value: refused here, before anything (an
                # error message's repr, FtM's cleaning) walks a structure a file may nest deep.
                raise ValidationError(f"a value of {name} must be text or a number", field)
            try:
                added = proxy.unsafe_add(prop, value)
                if added is None and isinstance(value, str) and ";" in value:
                    # Exports sometimes join several values in one string ("+7 …; +7 …"):
                    # keep them all if every part is valid, rather than lose or refuse them.
                    parts = [v.strip() for v in value.split(";") if v.strip()]
                    if all(prop.type.clean(v, proxy=proxy) for v in parts):
                        added = [proxy.unsafe_add(prop, v) for v in parts][-1]
            except InvalidData as exc:
                raise ValidationError(str(exc), field) from None
            if added is None and value not in (None, ""):
                raise ValidationError(f"{value!r} is not a valid {prop.type.name}", field)
    return proxy


def read_ftm(ctx: IngestContext) -> None:
    batch: list[dict[str, Any]] = []
    with open_text(ctx.path, f"entities {ctx.name}", show=ctx.show_progress) as f:
        for n, line in text_lines(ctx, f):
            data = parse_json(ctx, line, n)
            if not isinstance(data, dict):
                raise ctx.fail("expected a JSON object (an FtM entity)", n)
            if not data.get("id"):
                raise ctx.fail("entity has no id", n, "id")
            if not isinstance(data.get("schema"), str):
                raise ctx.fail("entity has no schema", n, "schema")
            try:
                proxy = strict_proxy(data)
                prov = ctx.provenance(where=n)
            except ValidationError as exc:
                raise ctx.error(exc, n) from None
            batch.extend(ctx.statements(proxy, prov, n))
            ctx.writer.count_read()
            if len(batch) >= BATCH:
                ctx.add_statements(batch)
                batch = []
    ctx.add_statements(batch)


READER = IngestReader(
    "FollowTheMoney entities, one JSON object a line",
    sniff=named(".ftm.json", ".jsonl", ".ijson", ".ftm.jsonl"),
    read=read_ftm,
)
