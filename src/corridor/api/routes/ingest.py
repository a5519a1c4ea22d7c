"""Upload a file to ingest, owned by the caller's agency, in one transaction."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from corridor.api.deps import Ingester, StoreDep
from corridor.api.schemas.ingest import IngestSummary
from corridor.errors import ValidationError
from corridor.ingest.service import IngestReport, ingest_file

#: The largest upload `/ingest` accepts (a day of a busy ANPR network is well under this).
MAX_UPLOAD_BYTES = 1024 * 1024 * 1024

router = APIRouter(tags=["ingest"])
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


#: The longest name an upload is saved (and its errors named) under: file systems take 255
#: bytes; the name's end is kept, since its suffixes say what kind of file it is.
MAX_NAME_CHARS = 120


def _save(upload: UploadFile, folder: Path, fallback: str) -> Path:
    name = _SAFE.sub("_", Path(upload.filename or fallback).name).strip("._") or fallback
    if len(name) > MAX_NAME_CHARS:
        name = name[-MAX_NAME_CHARS:].lstrip("._") or fallback
    path = folder / name
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out)
    return path


@router.post("/ingest", response_model=IngestSummary)
async def ingest(
    store: StoreDep,
    caller: Ingester,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str | None, Form()] = None,
    mapping: Annotated[UploadFile | None, File()] = None,
    grading: Annotated[str | None, Form()] = None,
    grading_scheme: Annotated[str | None, Form()] = None,
    classification: Annotated[str | None, Form()] = None,
    action_code: Annotated[str | None, Form()] = None,
    sanitisation_code: Annotated[str | None, Form()] = None,
    handling_instructions: Annotated[str | None, Form()] = None,
    person_category: Annotated[str | None, Form()] = None,
    review_by: Annotated[str | None, Form()] = None,
    agency: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    """Ingest one file; provenance defaults come from the form and the caller's agency."""
    owner = (agency or caller.authz.agency or "").upper()
    if not owner:
        raise ValidationError("an owning agency is required", "agency")
    defaults = {
        "agency": owner,
        "grading": grading,
        "grading_scheme": grading_scheme,
        "classification": classification,
        "action_code": action_code,
        "sanitisation_code": sanitisation_code,
        "handling_instructions": handling_instructions,
        "person_category": person_category,
        "review_by": review_by,
    }
    provenance = {k: v for k, v in defaults.items() if v}

    def save_and_ingest() -> IngestReport:  # file I/O and the ingest, off the event loop
        with tempfile.TemporaryDirectory(prefix="corridor-upload-") as tmp:
            folder = Path(tmp)
            path = _save(file, folder, "upload")
            mapping_path = _save(mapping, folder, "mapping.yml") if mapping is not None else None
            return ingest_file(store, caller, path, kind, mapping_path, provenance, False)

    report = await run_in_threadpool(save_and_ingest)
    return report.to_dict()
