"""Graded intelligence reports (JSON): items graded one by one, and the entities they mention.

A report becomes an FtM `PlainText` (title, author agency, date), each item a `Note` on it with
the item's text, and each mention a `Documentation` link between the report and the entity. Every
statement carries the grading and handling of the item it comes from, so a report that mixes a
`1AP` item with a `3CC` one keeps them apart.
"""

from __future__ import annotations

from typing import Any

from followthemoney import model
from followthemoney.proxy import EntityProxy

from corridor.errors import ValidationError
from corridor.ingest.base import IngestContext, named, provenance_fields
from corridor.ingest.ftm import strict_proxy
from corridor.ingest.sensors import load_json
from corridor.model.provenance import Provenance
from corridor.model.text import check_text
from corridor.plugins import IngestReader


def _reports(ctx: IngestContext, data: Any) -> list[Any]:
    if isinstance(data, dict) and isinstance(data.get("reports"), list):
        return list(data["reports"])
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        return [data]
    raise ctx.fail("expected a report object, a list of reports or {reports: [...]}")


def _text(obj: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"{key} is required", key)
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValidationError(f"{key} must be text", key)
    return check_text(str(value).strip(), key, line_breaks=key == "text")


def _make(schema: str, entity_id: str, **props: Any) -> EntityProxy:
    proxy = model.make_entity(schema)
    proxy.id = entity_id
    for name, value in props.items():
        if value is not None:
            proxy.add(name, value)
    return proxy


def _read_report(ctx: IngestContext, report: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(report, dict):
        raise ctx.fail("a report must be an object", where)
    try:
        report_id = str(_text(report, "report_id"))
        title = _text(report, "title", required=False)
        reported_at = _text(report, "reported_at", required=False)
    except ValidationError as exc:
        raise ctx.error(exc, where) from None
    report_layer = {**provenance_fields(report), "source_ref": report_id}
    if reported_at and "collected_at" not in report_layer:
        report_layer["collected_at"] = reported_at
    items = report.get("items")
    if not isinstance(items, list) or not items:
        raise ctx.fail("a report needs a non-empty items list", where, "items")

    rows: list[dict[str, Any]] = []
    item_prov: dict[str, Provenance] = {}
    mentions: list[tuple[str, str]] = []
    for n, item in enumerate(items, start=1):
        at = f"{where}, item {n}"
        if not isinstance(item, dict):
            raise ctx.fail("an item must be an object", at)
        try:
            item_id = str(_text(item, "item_id"))
            text = _text(item, "text")
            if item_id in item_prov:
                raise ValidationError(f"duplicate item_id {item_id!r}", "item_id")
            prov = ctx.provenance(
                {**provenance_fields(item), "source_ref": f"{report_id}#{item_id}"}, report_layer
            )
            refs = item.get("mentions") or []
            if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
                raise ValidationError("mentions must be a list of entity ids", "mentions")
        except ValidationError as exc:
            raise ctx.error(exc, at) from None
        item_prov[item_id] = prov
        note = _make("Note", f"{report_id}#{item_id}", description=text, entity=report_id)
        rows.extend(ctx.statements(note, prov, at))
        mentions.extend((item_id, ref) for ref in refs)

    first = next(iter(item_prov.values()))
    try:
        doc_prov = ctx.provenance(report_layer, first.to_fields())
    except ValidationError as exc:
        raise ctx.error(exc, where) from None
    agency = doc_prov.agency
    doc = _make("PlainText", report_id, title=title, author=agency, authoredAt=reported_at)
    rows.extend(ctx.statements(doc, doc_prov, where))

    first_mention: dict[str, str] = {}
    for item_id, ref in mentions:
        first_mention.setdefault(ref, item_id)
        link = _make(
            "Documentation",
            f"{report_id}#{item_id}>{ref}",
            document=report_id,
            entity=ref,
            role=f"mentioned in item {item_id}",
        )
        rows.extend(ctx.statements(link, item_prov[item_id], where))

    entities = report.get("entities") or []
    if not isinstance(entities, list):
        raise ctx.fail("entities must be a list", where, "entities")
    for n, data in enumerate(entities, start=1):
        at = f"{where}, entity {n}"
        if (
            not isinstance(data, dict)
            or not data.get("id")
            or not isinstance(data.get("schema"), str)
        ):
            raise ctx.fail("an entity needs an id and a schema", at)
        item_id = str(data.get("item") or first_mention.get(str(data["id"])) or "")
        if item_id not in item_prov:
            raise ctx.fail(
                f"entity {data['id']!r} names no item of this report (give `item`)", at, "item"
            )
        try:
            proxy = strict_proxy(data)
            category = data.get("person_category")
            prov = item_prov[item_id]
            if category:
                prov = ctx.provenance({**prov.to_fields(), "person_category": category})
        except ValidationError as exc:
            raise ctx.error(exc, at) from None
        rows.extend(ctx.statements(proxy, prov, at))
    return rows


def read_reports(ctx: IngestContext) -> None:
    reports = _reports(ctx, load_json(ctx))
    for n, report in enumerate(reports, start=1):
        rows = _read_report(ctx, report, f"report {n}")
        ctx.writer.count_read()
        ctx.add_statements(rows)


READER = IngestReader(
    "graded intelligence reports (JSON)",
    # Less sure than `scans`: a scanner's file may be called a scan report.
    sniff=named(".json", containing="report", confidence=0.9),
    read=read_reports,
)
