"""Ingest a file or a bundle into a store: pick the reader, open one transaction per file.

This is the only entry point the CLI, the API and the demo use, so every path gets the same
transactional, idempotent behaviour and the same errors.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from corridor.access.caller import Caller
from corridor.audit import Event, audit
from corridor.errors import InputError
from corridor.ingest.base import IngestContext
from corridor.ingest.follow_up import record_follow_up, resume_follow_ups, run_follow_up, steps_owed
from corridor.model.classification import Classification
from corridor.model.provenance import FIELDS as PROVENANCE_FIELDS
from corridor.model.provenance import parse_agency
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.plugins import INGEST_READERS, StepResult
from corridor.store.base import Store
from corridor.store.records import IngestInfo

log = logging.getLogger(__name__)

#: How many conflicting source ids an ingest's report and audit entry name (all are counted).
CONFLICT_EXAMPLES = 20


@dataclass(frozen=True, slots=True)
class IngestReport:
    file: str
    kind: str
    rows_read: int
    statements_added: int
    observations_added: int
    seconds: float
    linked: dict[str, int] = field(default_factory=dict)
    alerts: int = 0
    #: Readings added beside a reading held under the same source id with other content.
    conflicts: int = 0
    conflict_examples: list[str] = field(default_factory=list)
    #: The linking or screening owed failed here; it is retried by the next ingest or start.
    follow_up_pending: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def detect_kind(path: Path, mapping: Path | None = None) -> str:
    """Guess a file's kind from its name (a mapping given means the kind that needs one);
    refuse to guess when the name says nothing."""
    if mapping is not None:
        for name, reader in INGEST_READERS.items():
            if reader.needs_mapping:
                return name
    best, best_name = 0.0, None
    for name, reader in INGEST_READERS.items():
        confidence = reader.sniff(path)
        if confidence > best:
            best, best_name = confidence, name
    if best_name is None:
        raise InputError(
            f"cannot tell what kind of file this is: give --kind ({', '.join(INGEST_READERS)})",
            file=path.name,
        )
    return best_name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(partial(f.read, 1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ingest_file(
    store: Store,
    caller: Caller,
    path: Path,
    kind: str | None = None,
    mapping: Path | None = None,
    defaults: Mapping[str, Any] | None = None,
    show_progress: bool = True,
    display_name: str | None = None,
    link: bool = True,
) -> IngestReport:
    """Ingest one file in one transaction; a bad record refuses the whole file.

    Once the file's transaction has committed, the after-ingest steps registered in
    `corridor.plugins.AFTER_INGEST` run on what it added or changed: when the store has been
    resolved, new and changed records are linked incrementally; when lists are loaded, they
    are screened. A bulk load (`link` false) may defer the deferrable steps (linking), never
    the others (screening). The steps owed and the ingest's audit entry are written in the
    file's own transaction, so a crash after the commit loses neither (see `follow_up`).
    The caller writes for their own agency only.
    """
    name = display_name or path.name
    owner, clearance = _may_write(caller, defaults)
    if not path.is_file():
        raise InputError("file not found", file=name)
    kind = kind or detect_kind(path, mapping)
    if kind not in INGEST_READERS:
        raise InputError(
            f"unknown kind {kind!r} (expected {', '.join(INGEST_READERS)})",
            file=name,
            field="kind",
        )
    reader = INGEST_READERS.get(kind)
    if reader.needs_mapping and mapping is None:
        raise InputError(
            f"{kind} files need a mapping (--mapping FILE)", file=name, field="mapping"
        )
    resume_follow_ups(store)  # what an ingest killed after its commit left undone
    defaults = dict(defaults or {})
    started = time.perf_counter()
    info = IngestInfo(
        id=uuid.uuid4().hex,
        path=name,
        kind=kind,
        sha256=_sha256(path),
        started_at=datetime.now(UTC),
        agency=str(defaults["agency"]) if defaults.get("agency") else None,
        user_name=caller.user,
    )
    hidden = None if caller.authz.system else partial(_hidden, store, caller.scope)
    with store.writer(info) as writer:
        context = IngestContext(path, writer, defaults, name, show_progress, mapping, owner,
                                clearance, hidden)  # fmt: skip
        reader.read(context)
        writer.flush()
        result = writer.result
        added = result.statements_added or result.observations_added
        if added:
            record_follow_up(writer, info.id, caller, steps_owed(link))
        # Last, in the same transaction: the log holds an ingest exactly when the store does.
        audit(store, caller, Event.WRITE, f"ingest/{name}",
              {"kind": kind, "agency": info.agency, "sha256": info.sha256,
               "rows_read": result.rows_read, "statements_added": result.statements_added,
               "observations_added": result.observations_added,
               "conflicts": len(result.conflicts),
               "conflict_examples": result.conflicts[:CONFLICT_EXAMPLES]},
              within=writer)  # fmt: skip
    pending = False
    try:
        done = run_follow_up(store, info.id) if added else None
    except Exception:
        # The file is in and its audit entry too; the work left is kept and retried by the
        # next ingest or start (see `follow_up`), and the caller is told it is pending.
        log.exception("ingest %s (%s): linking or screening failed; left to retry", info.id, name)
        done, pending = None, True
    done = done or StepResult()
    return IngestReport(
        file=name,
        kind=kind,
        rows_read=result.rows_read,
        statements_added=result.statements_added,
        observations_added=result.observations_added,
        seconds=round(time.perf_counter() - started, 3),
        linked=dict(done.linked),
        alerts=done.alerts,
        conflicts=len(result.conflicts),
        conflict_examples=result.conflicts[:CONFLICT_EXAMPLES],
        follow_up_pending=pending,
    )


def _may_write(
    caller: Caller, defaults: Mapping[str, Any] | None
) -> tuple[str | None, Classification | None]:
    """Whose records the caller may write, and up to what classification: an API user their
    own agency's, up to their clearance; the node's operator the agency named for the ingest
    (`--agency`, the node's, or a bundle file's), or any when none is."""
    named = parse_agency(str(defaults["agency"])) if defaults and defaults.get("agency") else None
    if caller.authz.system:
        return named, None
    if named is not None:
        caller.authz.require_agency(named)
    return caller.authz.agency, caller.authz.clearance


def _hidden(store: Store, scope: ReadScope, entity_ids: Sequence[str]) -> set[str]:
    """Of some entity ids, those the store holds of which `scope` sees no statement."""
    rows = store.statement_rows(entity_ids, SYSTEM_SCOPE)
    held = {str(r["entity_id"]) for r in rows}
    return held - {
        str(r["entity_id"]) for r in rows if scope.allows(int(r["classification"]), r["agency"])
    }


def load_manifest(folder: Path) -> list[dict[str, Any]]:
    """The manifest's file entries, checked before anything is ingested."""
    path = folder / "manifest.json"
    if not path.is_file():
        raise InputError("no manifest.json in this folder", file=folder.name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg}", file="manifest.json", line=exc.lineno
        ) from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list):
        raise InputError(
            "expected an object with a files list", file="manifest.json", field="files"
        )
    entries = []
    for n, entry in enumerate(files, start=1):
        where = f"file {n}"
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise InputError(
                "each file needs a path", file="manifest.json", item=where, field="path"
            )
        kind = entry.get("kind")
        if not isinstance(kind, str) or kind not in INGEST_READERS:
            raise InputError(
                f"unknown kind {kind!r}", file="manifest.json", item=where, field="kind"
            )
        if not (folder / entry["path"]).is_file():
            raise InputError(
                f"{entry['path']} does not exist", file="manifest.json", item=where, field="path"
            )
        if INGEST_READERS.get(kind).needs_mapping and not isinstance(entry.get("mapping"), str):
            raise InputError(
                f"{kind} files need a mapping", file="manifest.json", item=where, field="mapping"
            )
        prov = entry.get("provenance") or {}
        if not isinstance(prov, dict) or set(prov) - set(PROVENANCE_FIELDS):
            raise InputError(
                "provenance must be an object of provenance fields",
                file="manifest.json",
                item=where,
                field="provenance",
            )
        entries.append(entry)
    return entries


def ingest_bundle(
    store: Store,
    caller: Caller,
    folder: Path,
    defaults: Mapping[str, Any] | None = None,
    show_progress: bool = True,
    on_file: Callable[[IngestReport], None] | None = None,
    only: Callable[[dict[str, Any]], bool] | None = None,
) -> list[IngestReport]:
    """Ingest every file a bundle's manifest lists (or those `only` accepts), in order, each
    in its own transaction."""
    reports = []
    for entry in load_manifest(folder):
        if only is not None and not only(entry):
            continue
        layer = {**(defaults or {}), **(entry.get("provenance") or {})}
        mapping = folder / entry["mapping"] if entry.get("mapping") else None
        report = ingest_file(
            store,
            caller,
            folder / entry["path"],
            kind=entry["kind"],
            mapping=mapping,
            defaults=layer,
            show_progress=show_progress,
            display_name=entry["path"],
        )
        reports.append(report)
        if on_file is not None:
            on_file(report)
    return reports


def ingest_path(
    store: Store,
    caller: Caller,
    path: Path,
    kind: str | None = None,
    mapping: Path | None = None,
    defaults: Mapping[str, Any] | None = None,
    show_progress: bool = True,
    on_file: Callable[[IngestReport], None] | None = None,
) -> list[IngestReport]:
    """A folder is a bundle (its manifest says what each file is); a file is one ingest."""
    if path.is_dir():
        return ingest_bundle(store, caller, path, defaults, show_progress, on_file)
    report = ingest_file(store, caller, path, kind, mapping, defaults, show_progress)
    if on_file is not None:
        on_file(report)
    return [report]
